//! The normalized event envelope: what the edge forwards to the backend.
//!
//! Every webhook source (GitHub, GitLab, Bitbucket, Spacelift, any Standard Webhooks
//! sender) is reduced to one [`EventEnvelope`] at the edge, so the backend and the
//! local server never read a provider payload shape. These are plain serde types with
//! no logic; [`crate::normalize`] fills them from payloads, and `received_at` and
//! `trace_id` come from the caller (this crate reads no clock).
//!
//! The JSON shape only grows: fields are added as optional, never renamed or removed,
//! and [`ENVELOPE_VERSION`] changes only for an incompatible shape.

use serde::{Deserialize, Serialize};

/// Version of the envelope's JSON shape; written into every envelope.
pub const ENVELOPE_VERSION: u32 = 1;

/// One normalized, verified webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// Shape version, [`ENVELOPE_VERSION`] when written by this crate.
    pub version: u32,
    /// Stable event id, `"<source>:<delivery id>"`: the same delivery always gets the
    /// same id, which is what duplicate detection keys on.
    pub id: String,
    /// Who sent the webhook.
    pub source: EventSource,
    /// What happened.
    pub kind: EventKind,
    /// The repository the event is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<Repository>,
    /// The organisation (GitHub organisation, GitLab group, Bitbucket workspace,
    /// Spacelift account); the repository owner when the provider has no separate one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The pull or merge request, for `pr.*` kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr: Option<PullRequest>,
    /// The pushed commits' range, for `push`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<Push>,
    /// The finished CI run, for `ci.completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiRun>,
    /// The Spacelift run, for `spacelift.run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spacelift: Option<SpaceliftRun>,
    /// The provider's delivery id (or the id derived for providers without one).
    pub delivery_id: String,
    /// When the edge received the delivery, Unix milliseconds.
    pub received_at: u64,
    /// Trace id shared by the edge's logs, the backend call and the error responses.
    pub trace_id: String,
}

/// A webhook sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// GitHub (`X-Hub-Signature-256`).
    Github,
    /// GitLab (`X-Gitlab-Token`, and Standard Webhooks signatures when configured).
    Gitlab,
    /// Bitbucket Cloud (`X-Hub-Signature: sha256=…`).
    Bitbucket,
    /// Spacelift (`X-Signature-256`).
    Spacelift,
    /// Any sender of Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    StandardWebhooks,
}

impl EventSource {
    /// Every source, in a fixed order.
    pub const ALL: [EventSource; 5] = [
        EventSource::Github,
        EventSource::Gitlab,
        EventSource::Bitbucket,
        EventSource::Spacelift,
        EventSource::StandardWebhooks,
    ];

    /// The name used in URLs (`/webhooks/<name>`), ids and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Github => "github",
            EventSource::Gitlab => "gitlab",
            EventSource::Bitbucket => "bitbucket",
            EventSource::Spacelift => "spacelift",
            EventSource::StandardWebhooks => "standard_webhooks",
        }
    }

    /// The inverse of [`EventSource::as_str`].
    pub fn from_name(name: &str) -> Option<EventSource> {
        EventSource::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// What an event means to reviewgate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A pull/merge request was opened or reopened.
    #[serde(rename = "pr.opened")]
    PrOpened,
    /// New commits on a pull/merge request.
    #[serde(rename = "pr.updated")]
    PrUpdated,
    /// A pull/merge request was closed without merging.
    #[serde(rename = "pr.closed")]
    PrClosed,
    /// A pull/merge request was merged.
    #[serde(rename = "pr.merged")]
    PrMerged,
    /// Commits were pushed to a branch.
    #[serde(rename = "push")]
    Push,
    /// A CI run finished.
    #[serde(rename = "ci.completed")]
    CiCompleted,
    /// A Spacelift run changed state.
    #[serde(rename = "spacelift.run")]
    SpaceliftRun,
}

impl EventKind {
    /// The wire name (`pr.opened`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PrOpened => "pr.opened",
            EventKind::PrUpdated => "pr.updated",
            EventKind::PrClosed => "pr.closed",
            EventKind::PrMerged => "pr.merged",
            EventKind::Push => "push",
            EventKind::CiCompleted => "ci.completed",
            EventKind::SpaceliftRun => "spacelift.run",
        }
    }
}

/// A repository at a code host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    /// The code host (`github`, `gitlab`, `bitbucket`; the source name otherwise).
    pub provider: String,
    /// Owner, group path or workspace.
    pub owner: String,
    /// Repository name.
    pub name: String,
    /// The host's own id, as a string (GitHub and GitLab use numbers, Bitbucket UUIDs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Repository {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// A pull or merge request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// Number within the repository (GitHub `number`, GitLab `iid`, Bitbucket `id`).
    pub number: u64,
    /// Title.
    pub title: String,
    /// Author's login.
    pub author: String,
    /// Base (target) branch.
    pub base: String,
    /// Head (source) branch.
    pub head: String,
    /// Head commit.
    pub head_sha: String,
    /// Where the diff can be fetched, when the provider says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_url: Option<String>,
}

/// A push to a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// The full ref (`refs/heads/main`).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Commit before the push (all zeros for a new branch).
    pub before: String,
    /// Commit after the push.
    pub after: String,
    /// Who pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pusher: Option<String>,
}

/// A finished CI run (GitHub `workflow_run`/`check_suite`, GitLab pipeline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRun {
    /// Workflow, app or pipeline name.
    pub name: String,
    /// Outcome (`success`, `failure`, …), as the provider spells it.
    pub conclusion: String,
    /// The commit that was built.
    pub head_sha: String,
}

/// A Spacelift run state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceliftRun {
    /// Spacelift account.
    pub account: String,
    /// Stack id.
    pub stack: String,
    /// Run id.
    pub run_id: String,
    /// Run state (`FINISHED`, `UNCONFIRMED`, …).
    pub state: String,
    /// Spacelift's `stateVersion`: it counts the run's state changes, so it orders
    /// deliveries that arrive out of order. Absent from custom payloads that leave
    /// it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_version: Option<u64>,
    /// Planned resource changes, when the run has planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<SpaceliftDelta>,
}

/// Counts of planned resource changes in a Spacelift run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceliftDelta {
    /// Resources to add.
    pub added: u64,
    /// Resources to change.
    pub changed: u64,
    /// Resources to delete.
    pub deleted: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_sources_use_their_wire_names() {
        for kind in [
            EventKind::PrOpened,
            EventKind::PrUpdated,
            EventKind::PrClosed,
            EventKind::PrMerged,
            EventKind::Push,
            EventKind::CiCompleted,
            EventKind::SpaceliftRun,
        ] {
            let json = serde_json::to_string(&kind).expect("a kind serializes");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        for source in EventSource::ALL {
            let json = serde_json::to_string(&source).expect("a source serializes");
            assert_eq!(json, format!("\"{}\"", source.as_str()));
            assert_eq!(EventSource::from_name(source.as_str()), Some(source));
        }
        assert_eq!(EventSource::from_name("svn"), None);
    }

    #[test]
    fn envelope_round_trips_and_omits_absent_parts() {
        let envelope = EventEnvelope {
            version: ENVELOPE_VERSION,
            id: "github:72d3162e".into(),
            source: EventSource::Github,
            kind: EventKind::PrOpened,
            repository: Some(Repository {
                provider: "github".into(),
                owner: "acme".into(),
                name: "infra".into(),
                id: Some("42".into()),
            }),
            organisation: Some("acme".into()),
            pr: Some(PullRequest {
                number: 7,
                title: "Add bucket".into(),
                author: "octocat".into(),
                base: "main".into(),
                head: "feature".into(),
                head_sha: "abc".into(),
                diff_url: None,
            }),
            push: None,
            ci: None,
            spacelift: None,
            delivery_id: "72d3162e".into(),
            received_at: 1_700_000_000_000,
            trace_id: "t-1".into(),
        };
        let json = serde_json::to_value(&envelope).expect("an envelope serializes");
        assert_eq!(json["kind"], "pr.opened");
        assert_eq!(json["repository"]["owner"], "acme");
        assert!(json.get("spacelift").is_none());
        assert!(json["pr"].get("diff_url").is_none());
        let back: EventEnvelope = serde_json::from_value(json).expect("and reads back");
        assert_eq!(back, envelope);
    }
}
