//! Provider payloads → the core's [`EventEnvelope`].
//!
//! Runs only on verified deliveries. Events reviewgate does not act on are
//! [`Normalized::Ignored`] with a reason (the edge answers 202), pings are
//! [`Normalized::Ping`] (200), and a payload missing a field the event needs is a
//! [`NormalizeError`] (400) rather than a half-filled envelope.

use crate::event::{
    CiRun, ENVELOPE_VERSION, EventEnvelope, EventKind, EventSource, PullRequest, Push, Repository,
    SpaceliftDelta, SpaceliftRun,
};
use serde_json::Value;

use crate::error::NormalizeError;
use crate::headers::Headers;
use crate::timestamp::check_timestamp;

/// What a verified delivery becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Normalized {
    /// An event to forward.
    Event(Box<EventEnvelope>),
    /// A provider's connectivity check.
    Ping,
    /// Valid but not something reviewgate acts on; the reason names the event.
    Ignored(String),
}

/// The delivery facts the envelope records besides the payload.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryContext<'a> {
    /// The delivery id ([`crate::delivery::delivery_id`]).
    pub delivery_id: &'a str,
    /// When the edge received it, Unix milliseconds (also `now` for Spacelift's
    /// signed payload timestamp).
    pub received_at_ms: u64,
    /// The trace id.
    pub trace_id: &'a str,
    /// Replay tolerance for timestamps inside signed payloads.
    pub tolerance_secs: u64,
}

/// Normalizes a verified delivery from `source`.
pub fn normalize(
    source: EventSource,
    headers: &Headers,
    body: &[u8],
    ctx: DeliveryContext<'_>,
) -> Result<Normalized, NormalizeError> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| NormalizeError::BadJson(e.to_string()))?;
    if !payload.is_object() {
        return Err(NormalizeError::BadJson("expected a JSON object".into()));
    }
    let parts = match source {
        EventSource::Github => github(headers, &payload)?,
        EventSource::Gitlab => gitlab(headers, &payload)?,
        EventSource::Bitbucket => bitbucket(headers, &payload)?,
        EventSource::Spacelift => spacelift(&payload, ctx)?,
        EventSource::StandardWebhooks => standard_webhooks(&payload)?,
    };
    let parts = match parts {
        Outcome::Event(parts) => *parts,
        Outcome::Ping => return Ok(Normalized::Ping),
        Outcome::Ignored(reason) => return Ok(Normalized::Ignored(reason)),
    };
    let organisation = parts
        .organisation
        .or_else(|| parts.repository.as_ref().map(|r| r.owner.clone()));
    let envelope = EventEnvelope {
        version: ENVELOPE_VERSION,
        id: format!("{}:{}", source.as_str(), ctx.delivery_id),
        source,
        kind: parts.kind,
        repository: parts.repository,
        organisation,
        pr: parts.pr,
        push: parts.push,
        ci: parts.ci,
        spacelift: parts.spacelift,
        delivery_id: ctx.delivery_id.to_owned(),
        received_at: ctx.received_at_ms,
        trace_id: ctx.trace_id.to_owned(),
    };
    check_bounds(&envelope)?;
    Ok(Normalized::Event(Box::new(envelope)))
}

/// The longest identifier kept: ids become parts of storage keys (DynamoDB's are
/// 2 KB at most), log fields and review titles; no real one comes near.
pub const MAX_ID_BYTES: usize = 256;
/// The largest Spacelift `stateVersion` taken. It counts a run's state changes, so a
/// real one stays small; a huge one would make every later delivery of the run look
/// old, freezing its review.
pub const MAX_STATE_VERSION: u64 = 1_000_000;

/// Refuses an envelope whose identifiers or numbers no real sender produces.
fn check_bounds(envelope: &EventEnvelope) -> Result<(), NormalizeError> {
    let too_long = |field: &'static str, value: &str| {
        if value.len() > MAX_ID_BYTES {
            return Err(NormalizeError::TooLong {
                field,
                max: MAX_ID_BYTES,
            });
        }
        Ok(())
    };
    too_long("the delivery id", &envelope.delivery_id)?;
    if let Some(organisation) = &envelope.organisation {
        too_long("the organisation", organisation)?;
    }
    if let Some(repository) = &envelope.repository {
        too_long("the repository provider", &repository.provider)?;
        too_long("the repository owner", &repository.owner)?;
        too_long("the repository name", &repository.name)?;
        if let Some(id) = &repository.id {
            too_long("the repository id", id)?;
        }
    }
    if let Some(pr) = &envelope.pr {
        too_long("the head commit", &pr.head_sha)?;
    }
    if let Some(run) = &envelope.spacelift {
        too_long("the Spacelift account", &run.account)?;
        too_long("the Spacelift stack", &run.stack)?;
        too_long("the Spacelift run id", &run.run_id)?;
        too_long("the Spacelift run state", &run.state)?;
        if run.state_version.is_some_and(|v| v > MAX_STATE_VERSION) {
            return Err(NormalizeError::OutOfRange {
                field: "stateVersion",
                max: MAX_STATE_VERSION,
            });
        }
    }
    Ok(())
}

enum Outcome {
    Event(Box<Parts>),
    Ping,
    Ignored(String),
}

struct Parts {
    kind: EventKind,
    repository: Option<Repository>,
    organisation: Option<String>,
    pr: Option<PullRequest>,
    push: Option<Push>,
    ci: Option<CiRun>,
    spacelift: Option<SpaceliftRun>,
}

impl Parts {
    fn new(kind: EventKind, repository: Option<Repository>) -> Parts {
        Parts {
            kind,
            repository,
            organisation: None,
            pr: None,
            push: None,
            ci: None,
            spacelift: None,
        }
    }
}

fn text(v: &Value, pointer: &'static str) -> Result<String, NormalizeError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or(NormalizeError::MissingField(pointer))
}

fn number(v: &Value, pointer: &'static str) -> Result<u64, NormalizeError> {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .ok_or(NormalizeError::MissingField(pointer))
}

fn opt_text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// An id that providers send as a number (GitHub, GitLab) or a string (Bitbucket).
fn id_text(v: &Value, pointer: &str) -> Option<String> {
    match v.pointer(pointer)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn github(headers: &Headers, p: &Value) -> Result<Outcome, NormalizeError> {
    let event = headers
        .first("x-github-event")
        .ok_or(NormalizeError::MissingEventHeader("x-github-event"))?;
    let repository = || -> Result<Repository, NormalizeError> {
        Ok(Repository {
            provider: "github".into(),
            owner: text(p, "/repository/owner/login")?,
            name: text(p, "/repository/name")?,
            id: id_text(p, "/repository/id"),
        })
    };
    let organisation = opt_text(p, "/organization/login");
    let mut parts = match event {
        "ping" => return Ok(Outcome::Ping),
        "pull_request" => {
            let action = text(p, "/action")?;
            let kind = match action.as_str() {
                "opened" | "reopened" => EventKind::PrOpened,
                "synchronize" => EventKind::PrUpdated,
                "closed" if p.pointer("/pull_request/merged") == Some(&Value::Bool(true)) => {
                    EventKind::PrMerged
                }
                "closed" => EventKind::PrClosed,
                other => return Ok(Outcome::Ignored(format!("pull_request action {other}"))),
            };
            let mut parts = Parts::new(kind, Some(repository()?));
            parts.pr = Some(PullRequest {
                number: number(p, "/pull_request/number")?,
                title: text(p, "/pull_request/title")?,
                author: text(p, "/pull_request/user/login")?,
                base: text(p, "/pull_request/base/ref")?,
                head: text(p, "/pull_request/head/ref")?,
                head_sha: text(p, "/pull_request/head/sha")?,
                diff_url: opt_text(p, "/pull_request/diff_url"),
            });
            parts
        }
        "push" => {
            // A deleted ref has nothing to review.
            if p.get("deleted") == Some(&Value::Bool(true)) {
                return Ok(Outcome::Ignored(format!(
                    "push deleting {}",
                    text(p, "/ref")?
                )));
            }
            let mut parts = Parts::new(EventKind::Push, Some(repository()?));
            parts.push = Some(Push {
                git_ref: text(p, "/ref")?,
                before: text(p, "/before")?,
                after: text(p, "/after")?,
                pusher: opt_text(p, "/pusher/name"),
            });
            parts
        }
        "workflow_run" | "check_suite" => {
            let action = text(p, "/action")?;
            if action != "completed" {
                return Ok(Outcome::Ignored(format!("{event} action {action}")));
            }
            let run = if event == "workflow_run" {
                CiRun {
                    name: text(p, "/workflow_run/name")?,
                    conclusion: opt_text(p, "/workflow_run/conclusion").unwrap_or_default(),
                    head_sha: text(p, "/workflow_run/head_sha")?,
                }
            } else {
                CiRun {
                    name: opt_text(p, "/check_suite/app/name")
                        .unwrap_or_else(|| "check_suite".into()),
                    conclusion: opt_text(p, "/check_suite/conclusion").unwrap_or_default(),
                    head_sha: text(p, "/check_suite/head_sha")?,
                }
            };
            let mut parts = Parts::new(EventKind::CiCompleted, Some(repository()?));
            parts.ci = Some(run);
            parts
        }
        other => return Ok(Outcome::Ignored(format!("github event {other}"))),
    };
    parts.organisation = organisation;
    Ok(Outcome::Event(Box::new(parts)))
}

fn gitlab(headers: &Headers, p: &Value) -> Result<Outcome, NormalizeError> {
    let event = headers
        .first("x-gitlab-event")
        .ok_or(NormalizeError::MissingEventHeader("x-gitlab-event"))?;
    let repository = || -> Result<Repository, NormalizeError> {
        let path = text(p, "/project/path_with_namespace")?;
        // Groups nest ("group/sub/project"): the owner is everything before the name.
        let (owner, name) = path
            .rsplit_once('/')
            .ok_or(NormalizeError::MissingField("/project/path_with_namespace"))?;
        Ok(Repository {
            provider: "gitlab".into(),
            owner: owner.to_owned(),
            name: name.to_owned(),
            id: id_text(p, "/project/id"),
        })
    };
    let organisation = |repo: &Repository| repo.owner.split('/').next().map(str::to_owned);
    match event {
        "Merge Request Hook" => {
            let action = opt_text(p, "/object_attributes/action").unwrap_or_default();
            let kind = match action.as_str() {
                "open" | "reopen" => EventKind::PrOpened,
                // An update without `oldrev` changed only metadata, not the code.
                "update" if p.pointer("/object_attributes/oldrev").is_some() => {
                    EventKind::PrUpdated
                }
                "close" => EventKind::PrClosed,
                "merge" => EventKind::PrMerged,
                other => {
                    return Ok(Outcome::Ignored(format!("merge request action {other}")));
                }
            };
            let repo = repository()?;
            let mut parts = Parts::new(kind, None);
            parts.organisation = organisation(&repo);
            parts.pr = Some(PullRequest {
                number: number(p, "/object_attributes/iid")?,
                title: text(p, "/object_attributes/title")?,
                author: text(p, "/user/username")?,
                base: text(p, "/object_attributes/target_branch")?,
                head: text(p, "/object_attributes/source_branch")?,
                head_sha: text(p, "/object_attributes/last_commit/id")?,
                diff_url: opt_text(p, "/object_attributes/url").map(|u| format!("{u}.diff")),
            });
            parts.repository = Some(repo);
            Ok(Outcome::Event(Box::new(parts)))
        }
        "Push Hook" => {
            let after = text(p, "/after")?;
            if after.bytes().all(|b| b == b'0') {
                return Ok(Outcome::Ignored("push deleting a branch".into()));
            }
            let repo = repository()?;
            let mut parts = Parts::new(EventKind::Push, None);
            parts.organisation = organisation(&repo);
            parts.push = Some(Push {
                git_ref: text(p, "/ref")?,
                before: text(p, "/before")?,
                after,
                pusher: opt_text(p, "/user_username"),
            });
            parts.repository = Some(repo);
            Ok(Outcome::Event(Box::new(parts)))
        }
        "Pipeline Hook" => {
            let status = text(p, "/object_attributes/status")?;
            if !matches!(status.as_str(), "success" | "failed" | "canceled") {
                return Ok(Outcome::Ignored(format!("pipeline status {status}")));
            }
            let repo = repository()?;
            let mut parts = Parts::new(EventKind::CiCompleted, None);
            parts.organisation = organisation(&repo);
            parts.ci = Some(CiRun {
                name: opt_text(p, "/object_attributes/name").unwrap_or_else(|| "pipeline".into()),
                conclusion: status,
                head_sha: text(p, "/object_attributes/sha")?,
            });
            parts.repository = Some(repo);
            Ok(Outcome::Event(Box::new(parts)))
        }
        other => Ok(Outcome::Ignored(format!("gitlab event {other}"))),
    }
}

fn bitbucket(headers: &Headers, p: &Value) -> Result<Outcome, NormalizeError> {
    let event = headers
        .first("x-event-key")
        .ok_or(NormalizeError::MissingEventHeader("x-event-key"))?;
    let repository = || -> Result<Repository, NormalizeError> {
        let full = text(p, "/repository/full_name")?;
        let (owner, name) = full
            .split_once('/')
            .ok_or(NormalizeError::MissingField("/repository/full_name"))?;
        Ok(Repository {
            provider: "bitbucket".into(),
            owner: owner.to_owned(),
            name: name.to_owned(),
            id: opt_text(p, "/repository/uuid"),
        })
    };
    if event == "diagnostics:ping" {
        return Ok(Outcome::Ping);
    }
    let kind = match event {
        "pullrequest:created" => EventKind::PrOpened,
        "pullrequest:updated" => EventKind::PrUpdated,
        "pullrequest:fulfilled" => EventKind::PrMerged,
        "pullrequest:rejected" => EventKind::PrClosed,
        "repo:push" => {
            let change = p
                .pointer("/push/changes/0")
                .ok_or(NormalizeError::MissingField("/push/changes/0"))?;
            if change.get("new").is_none_or(Value::is_null) {
                return Ok(Outcome::Ignored("push deleting a branch".into()));
            }
            let mut parts = Parts::new(EventKind::Push, Some(repository()?));
            parts.organisation = opt_text(p, "/repository/workspace/slug");
            parts.push = Some(Push {
                git_ref: format!("refs/heads/{}", text(change, "/new/name")?),
                before: opt_text(change, "/old/target/hash").unwrap_or_default(),
                after: text(change, "/new/target/hash")?,
                pusher: opt_text(p, "/actor/nickname"),
            });
            return Ok(Outcome::Event(Box::new(parts)));
        }
        other => return Ok(Outcome::Ignored(format!("bitbucket event {other}"))),
    };
    let mut parts = Parts::new(kind, Some(repository()?));
    parts.organisation = opt_text(p, "/repository/workspace/slug");
    parts.pr = Some(PullRequest {
        number: number(p, "/pullrequest/id")?,
        title: text(p, "/pullrequest/title")?,
        author: opt_text(p, "/pullrequest/author/nickname")
            .or_else(|| opt_text(p, "/pullrequest/author/display_name"))
            .ok_or(NormalizeError::MissingField("/pullrequest/author/nickname"))?,
        base: text(p, "/pullrequest/destination/branch/name")?,
        head: text(p, "/pullrequest/source/branch/name")?,
        head_sha: text(p, "/pullrequest/source/commit/hash")?,
        diff_url: opt_text(p, "/pullrequest/links/diff/href"),
    });
    Ok(Outcome::Event(Box::new(parts)))
}

fn spacelift(p: &Value, ctx: DeliveryContext<'_>) -> Result<Outcome, NormalizeError> {
    // The payload's `timestamp` is covered by the signature, so it bounds replays.
    // Spacelift documents seconds; milliseconds are accepted too.
    if let Some(ts) = p.get("timestamp").and_then(Value::as_i64) {
        let secs = if ts > 100_000_000_000 { ts / 1000 } else { ts };
        check_timestamp(secs, ctx.received_at_ms, ctx.tolerance_secs)?;
    }
    let account = text(p, "/account")?;
    let delta = p.pointer("/run/delta").and_then(|d| {
        Some(SpaceliftDelta {
            added: d.get("added")?.as_u64()?,
            changed: d.get("changed")?.as_u64()?,
            deleted: d.get("deleted")?.as_u64()?,
        })
    });
    let mut parts = Parts::new(EventKind::SpaceliftRun, None);
    parts.organisation = Some(account.clone());
    parts.spacelift = Some(SpaceliftRun {
        account,
        stack: text(p, "/stack/id")?,
        run_id: text(p, "/run/id")?,
        state: text(p, "/state")?,
        // The delivery id is derived from the same field (`delivery.rs`): one id
        // per state change of a run.
        state_version: state_version(p)?,
        delta,
    });
    Ok(Outcome::Event(Box::new(parts)))
}

/// Spacelift's `stateVersion`: absent, or a whole number (its range is checked with
/// the envelope's other bounds); anything else is refused rather than dropped, since
/// it orders the run's deliveries.
fn state_version(p: &Value) -> Result<Option<u64>, NormalizeError> {
    match p.get("stateVersion") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(NormalizeError::OutOfRange {
            field: "stateVersion",
            max: MAX_STATE_VERSION,
        }),
    }
}

/// Standard Webhooks senders speak the envelope directly: `{"type": "<kind>",
/// "data": {"repository", "organisation", "pr", "push", "ci", "spacelift"}}`.
fn standard_webhooks(p: &Value) -> Result<Outcome, NormalizeError> {
    let kind_name = text(p, "/type")?;
    let Ok(kind) = serde_json::from_value::<EventKind>(Value::String(kind_name.clone())) else {
        return Ok(Outcome::Ignored(format!("event type {kind_name}")));
    };
    let data = p.get("data").unwrap_or(&Value::Null);
    let mut parts = Parts::new(kind, data_part(data, "repository")?);
    parts.organisation = data_part(data, "organisation")?;
    parts.pr = data_part(data, "pr")?;
    parts.push = data_part(data, "push")?;
    parts.ci = data_part(data, "ci")?;
    parts.spacelift = data_part(data, "spacelift")?;
    Ok(Outcome::Event(Box::new(parts)))
}

/// An optional part of a Standard Webhooks `data` object, typed.
fn data_part<T: serde::de::DeserializeOwned>(
    data: &Value,
    name: &'static str,
) -> Result<Option<T>, NormalizeError> {
    match data.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::deserialize(v)
            .map(Some)
            .map_err(|_| NormalizeError::MissingField(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> DeliveryContext<'static> {
        DeliveryContext {
            delivery_id: "d-1",
            received_at_ms: 1_700_000_000_000,
            trace_id: "t-1",
            tolerance_secs: 300,
        }
    }

    fn event(n: Normalized) -> EventEnvelope {
        match n {
            Normalized::Event(e) => *e,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[test]
    fn bad_json_and_non_objects_are_errors() {
        let h = Headers::new().with("x-github-event", "push");
        assert!(matches!(
            normalize(EventSource::Github, &h, b"{", ctx()),
            Err(NormalizeError::BadJson(_))
        ));
        assert!(matches!(
            normalize(EventSource::Github, &h, b"[1]", ctx()),
            Err(NormalizeError::BadJson(_))
        ));
        assert_eq!(
            normalize(EventSource::Github, &Headers::new(), b"{}", ctx()),
            Err(NormalizeError::MissingEventHeader("x-github-event"))
        );
    }

    #[test]
    fn github_other_events_are_ignored_with_a_reason() {
        let h = Headers::new().with("x-github-event", "star");
        assert_eq!(
            normalize(EventSource::Github, &h, b"{}", ctx()),
            Ok(Normalized::Ignored("github event star".into()))
        );
    }

    #[test]
    fn gitlab_merge_request_and_push() {
        let mr = serde_json::json!({
            "object_kind": "merge_request",
            "user": {"username": "root"},
            "project": {"id": 15, "path_with_namespace": "group/sub/infra"},
            "object_attributes": {"iid": 3, "title": "T", "action": "update", "oldrev": "aaa",
                "source_branch": "feat", "target_branch": "main",
                "last_commit": {"id": "bbb"}, "url": "https://gitlab.example/group/sub/infra/-/merge_requests/3"}
        });
        let h = Headers::new().with("x-gitlab-event", "Merge Request Hook");
        let e = event(
            normalize(EventSource::Gitlab, &h, mr.to_string().as_bytes(), ctx())
                .expect("normalizes"),
        );
        assert_eq!(e.kind, EventKind::PrUpdated);
        assert_eq!(e.organisation.as_deref(), Some("group"));
        let repo = e.repository.expect("repository");
        assert_eq!(
            (repo.owner.as_str(), repo.name.as_str(), repo.id.as_deref()),
            ("group/sub", "infra", Some("15"))
        );
        let pr = e.pr.expect("pr");
        assert_eq!((pr.number, pr.head_sha.as_str()), (3, "bbb"));
        assert!(pr.diff_url.expect("diff url").ends_with("/3.diff"));

        let push = serde_json::json!({"ref": "refs/heads/main", "before": "a", "after": "b",
            "user_username": "root", "project": {"id": 15, "path_with_namespace": "group/infra"}});
        let h = Headers::new().with("x-gitlab-event", "Push Hook");
        let e = event(
            normalize(EventSource::Gitlab, &h, push.to_string().as_bytes(), ctx())
                .expect("normalizes"),
        );
        assert_eq!(e.kind, EventKind::Push);
        assert_eq!(e.push.expect("push").after, "b");
    }

    #[test]
    fn bitbucket_pull_request_and_push() {
        let pr = serde_json::json!({
            "repository": {"full_name": "ws/infra", "uuid": "{r}", "workspace": {"slug": "ws"}},
            "pullrequest": {"id": 9, "title": "T", "author": {"nickname": "ann"},
                "source": {"branch": {"name": "feat"}, "commit": {"hash": "c1"}},
                "destination": {"branch": {"name": "main"}},
                "links": {"diff": {"href": "https://api.bitbucket.org/diff"}}}
        });
        let h = Headers::new().with("x-event-key", "pullrequest:fulfilled");
        let e = event(
            normalize(EventSource::Bitbucket, &h, pr.to_string().as_bytes(), ctx())
                .expect("normalizes"),
        );
        assert_eq!(e.kind, EventKind::PrMerged);
        assert_eq!(e.organisation.as_deref(), Some("ws"));
        assert_eq!(e.pr.expect("pr").author, "ann");
        let push = serde_json::json!({
            "repository": {"full_name": "ws/infra"},
            "push": {"changes": [{"new": {"name": "main", "target": {"hash": "n"}}, "old": {"target": {"hash": "o"}}}]}
        });
        let h = Headers::new().with("x-event-key", "repo:push");
        let e = event(
            normalize(
                EventSource::Bitbucket,
                &h,
                push.to_string().as_bytes(),
                ctx(),
            )
            .expect("normalizes"),
        );
        assert_eq!(e.push.expect("push").git_ref, "refs/heads/main");
    }

    #[test]
    fn spacelift_runs_and_their_signed_timestamp() {
        let body = |ts: i64| {
            serde_json::json!({"account": "acme", "state": "UNCONFIRMED", "stateVersion": 3,
                "timestamp": ts, "run": {"id": "01R", "delta": {"added": 1, "changed": 2, "deleted": 0, "resources": 3}},
                "stack": {"id": "infra-prod"}})
            .to_string()
        };
        let e = event(
            normalize(
                EventSource::Spacelift,
                &Headers::new(),
                body(1_700_000_000).as_bytes(),
                ctx(),
            )
            .expect("fresh"),
        );
        assert_eq!(e.kind, EventKind::SpaceliftRun);
        assert_eq!(e.organisation.as_deref(), Some("acme"));
        let run = e.spacelift.expect("run");
        assert_eq!(
            run.delta,
            Some(SpaceliftDelta {
                added: 1,
                changed: 2,
                deleted: 0
            })
        );
        assert!(matches!(
            normalize(
                EventSource::Spacelift,
                &Headers::new(),
                body(1_700_000_000 - 301).as_bytes(),
                ctx()
            ),
            Err(NormalizeError::Timestamp(
                crate::VerifyError::StaleTimestamp { .. }
            ))
        ));
        assert!(
            normalize(
                EventSource::Spacelift,
                &Headers::new(),
                body(1_700_000_000_000).as_bytes(),
                ctx()
            )
            .is_ok()
        );
    }

    /// The shape of Spacelift's default run-event payload (docs.spacelift.io,
    /// "Webhooks" → "Run events"), with this test's own values.
    #[test]
    fn spacelift_default_run_payload_keeps_its_state_version() {
        let body = serde_json::json!({
            "account": "acme",
            "state": "UNCONFIRMED",
            "stateVersion": 3,
            "timestamp": 1_700_000_000,
            "run": {
                "id": "01HQZ8K3V7N2C4T6Y8B0D2F4G6",
                "branch": "main",
                "commit": {
                    "authorLogin": "jdoe",
                    "authorName": "Jane Doe",
                    "hash": "5f1e0c9a4b7d2e8f3a6c1b0d9e8f7a6b5c4d3e2f",
                    "message": "Grow the database",
                    "timestamp": 1_699_999_000,
                    "url": "https://github.com/acme/infra/commit/5f1e0c9a4b7d2e8f3a6c1b0d9e8f7a6b5c4d3e2f"
                },
                "createdAt": 1_699_999_900,
                "delta": {"added": 2, "changed": 1, "deleted": 1, "resources": 9},
                "triggeredBy": "jdoe@acme.example",
                "url": "https://acme.app.spacelift.io/stack/infra-prod/run/01HQZ8K3V7N2C4T6Y8B0D2F4G6"
            },
            "stack": {"id": "infra-prod", "name": "Infra (prod)", "description": "", "labels": ["prod"]}
        })
        .to_string();
        let e = event(
            normalize(
                EventSource::Spacelift,
                &Headers::new(),
                body.as_bytes(),
                ctx(),
            )
            .expect("normalizes"),
        );
        let run = e.spacelift.expect("run");
        assert_eq!(run.state_version, Some(3));
        assert_eq!(run.state, "UNCONFIRMED");
        assert_eq!(run.stack, "infra-prod");
        assert_eq!(run.run_id, "01HQZ8K3V7N2C4T6Y8B0D2F4G6");
        assert_eq!(
            run.delta,
            Some(SpaceliftDelta {
                added: 2,
                changed: 1,
                deleted: 1
            })
        );
        // The dedup key of the same delivery names the same state change.
        assert_eq!(
            crate::delivery::delivery_id(EventSource::Spacelift, &Headers::new(), body.as_bytes()),
            "01HQZ8K3V7N2C4T6Y8B0D2F4G6@3"
        );
        // The envelope's JSON carries it, and an envelope written before the field
        // existed still reads (as `None`).
        let json = serde_json::to_value(&run).expect("serializes");
        assert_eq!(json["state_version"], 3);
        let old: SpaceliftRun = serde_json::from_value(serde_json::json!({
            "account": "acme", "stack": "s", "run_id": "r", "state": "FINISHED"
        }))
        .expect("an old envelope reads");
        assert_eq!(old.state_version, None);
        assert!(
            !serde_json::to_string(&old)
                .expect("serializes")
                .contains("state_version")
        );
    }

    #[test]
    fn standard_webhooks_payloads_carry_envelope_parts() {
        let body = serde_json::json!({"type": "pr.opened", "data": {
            "repository": {"provider": "gitea", "owner": "o", "name": "r"},
            "pr": {"number": 1, "title": "t", "author": "a", "base": "main", "head": "f", "head_sha": "s"}}});
        let e = event(
            normalize(
                EventSource::StandardWebhooks,
                &Headers::new(),
                body.to_string().as_bytes(),
                ctx(),
            )
            .expect("normalizes"),
        );
        assert_eq!(e.id, "standard_webhooks:d-1");
        assert_eq!(e.organisation.as_deref(), Some("o"));
        let other = serde_json::json!({"type": "invoice.paid", "data": {}});
        assert_eq!(
            normalize(
                EventSource::StandardWebhooks,
                &Headers::new(),
                other.to_string().as_bytes(),
                ctx()
            ),
            Ok(Normalized::Ignored("event type invoice.paid".into()))
        );
    }

    #[test]
    fn identifiers_and_state_versions_no_sender_produces_are_refused() {
        let run = |state_version: serde_json::Value, stack: &str| {
            let body = serde_json::json!({"account": "acme", "state": "FINISHED",
                "stateVersion": state_version, "run": {"id": "r1"}, "stack": {"id": stack}});
            normalize(
                EventSource::Spacelift,
                &Headers::new(),
                body.to_string().as_bytes(),
                ctx(),
            )
        };
        assert!(run(serde_json::json!(MAX_STATE_VERSION), "prod").is_ok());
        for bad in [
            serde_json::json!(MAX_STATE_VERSION + 1),
            serde_json::json!(u64::MAX),
            serde_json::json!(-1),
            serde_json::json!(2.5),
            serde_json::json!("3"),
        ] {
            assert_eq!(
                run(bad.clone(), "prod"),
                Err(NormalizeError::OutOfRange {
                    field: "stateVersion",
                    max: MAX_STATE_VERSION
                }),
                "{bad}"
            );
        }
        assert_eq!(
            run(serde_json::json!(1), &"s".repeat(MAX_ID_BYTES + 1)),
            Err(NormalizeError::TooLong {
                field: "the Spacelift stack",
                max: MAX_ID_BYTES
            })
        );
        // A Standard Webhooks sender speaking a Spacelift run is held to the same.
        let body = serde_json::json!({"type": "spacelift.run", "data": {"spacelift": {
            "account": "acme", "stack": "prod", "run_id": "r1", "state": "FINISHED",
            "state_version": u64::MAX}}});
        assert!(matches!(
            normalize(
                EventSource::StandardWebhooks,
                &Headers::new(),
                body.to_string().as_bytes(),
                ctx()
            ),
            Err(NormalizeError::OutOfRange { .. })
        ));
        let long_id = "d".repeat(MAX_ID_BYTES + 1);
        let body = serde_json::json!({"type": "push", "data": {}});
        assert!(matches!(
            normalize(
                EventSource::StandardWebhooks,
                &Headers::new(),
                body.to_string().as_bytes(),
                DeliveryContext {
                    delivery_id: &long_id,
                    ..ctx()
                }
            ),
            Err(NormalizeError::TooLong { .. })
        ));
    }
}
