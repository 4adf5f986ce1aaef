//! The stored shapes: a review's immutable versions and the summaries listed from
//! them, API keys, and the daily aggregates of analytics ([`DayStats`] per
//! [`Scope`]), which the store keeps and [`crate::analytics`] computes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reviewgate_core::{Document, Origin, Review, RiskLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a review stands in its human workflow.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Waiting for a reviewer.
    Open,
    /// A reviewer accepted the change.
    Approved,
    /// A reviewer asked for changes.
    ChangesRequested,
    /// A reviewer rejected the change.
    Rejected,
    /// No longer relevant (a newer review covers the change).
    Closed,
}

impl ReviewStatus {
    /// The wire name, also used in store keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Approved => "approved",
            ReviewStatus::ChangesRequested => "changes_requested",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Closed => "closed",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<ReviewStatus> {
        [
            ReviewStatus::Open,
            ReviewStatus::Approved,
            ReviewStatus::ChangesRequested,
            ReviewStatus::Rejected,
            ReviewStatus::Closed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The wire name of a risk level (`low` … `critical`), also used in store keys.
pub fn risk_level_str(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Low => "low",
        RiskLevel::Medium => "medium",
        RiskLevel::High => "high",
        RiskLevel::Critical => "critical",
    }
}

/// Parses a risk level's wire name.
pub fn parse_risk_level(text: &str) -> Option<RiskLevel> {
    [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ]
    .into_iter()
    .find(|l| risk_level_str(*l) == text)
}

/// What produced a version's findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    /// The rules alone: no model was configured, or the model's output was unusable
    /// (then `ai.failure` says why).
    RulesOnly,
    /// The rules plus a model's review.
    RulesAndAi,
}

/// A finding reported by the model, tied to a file and line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AiFinding {
    /// File the finding is about.
    pub file: String,
    /// 1-based line, when the model gave one.
    pub line: Option<u32>,
    /// `info` … `critical`.
    pub severity: String,
    /// One line.
    pub title: String,
    /// Why it matters.
    pub message: String,
    /// True when a rule finding points at the same place (raises confidence).
    #[serde(default)]
    pub agrees_with_rules: bool,
}

/// How the model's review ran: recorded on every AI version, successful or not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AiRun {
    /// Provider name (`bedrock`, `openai-compatible`).
    pub provider: String,
    /// Model id as configured.
    pub model_id: String,
    /// Version of the prompt template (`review-v1`).
    pub prompt_version: String,
    /// Tokens sent.
    pub input_tokens: u64,
    /// Tokens received.
    pub output_tokens: u64,
    /// Wall time of the model calls, retries and repair included.
    pub latency_ms: u64,
    /// True when the input was clipped to the token budget.
    pub clipped: bool,
    /// Findings the model reported.
    pub findings: Vec<AiFinding>,
    /// How many model findings agree with a rule finding.
    pub agreement: usize,
    /// Why the model's review could not be used, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// One immutable version of a review. Versions are written once and never modified;
/// a change writes version `n + 1` pointing back at `n`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewVersion {
    /// The review's id (a UUIDv7: sorts by creation time).
    pub review_id: String,
    /// 1 for the rules review, then +1 per change.
    pub version: u32,
    /// `"<review_id>#VERSION#<n>"` of the version this one replaces.
    pub previous_version_id: Option<String>,
    /// When the review was created (version 1).
    pub created_at: DateTime<Utc>,
    /// When this version was written.
    pub updated_at: DateTime<Utc>,
    /// Who wrote this version (API key name, `system`, `ai-reviewer`).
    pub author: String,
    /// `owner/repo` for pull-request reviews.
    pub repository: Option<String>,
    /// Spacelift stack (or other deployment unit).
    pub stack: Option<String>,
    /// Where the change came from.
    #[schema(value_type = Object)]
    pub origin: Origin,
    /// Workflow status.
    pub status: ReviewStatus,
    /// Reviewer notes.
    pub notes: Option<String>,
    /// The reviewer's decision text, when given.
    pub decision: Option<String>,
    /// Rules-only or rules plus AI.
    pub analysis: Analysis,
    /// The rules review from `reviewgate-core` (findings, changes, risk).
    #[schema(value_type = Object)]
    pub review: Review,
    /// The model's review, when one ran.
    pub ai: Option<AiRun>,
    /// The inputs, clipped to [`STORED_INPUT_CHARS`] in total, kept so that the AI
    /// reviewer (a separate function on Lambda) sees what the rules saw.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub inputs: Vec<Document>,
    /// The webhook event this version was written for, when one was: how processing
    /// an event again after a crash finds the version it already wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Id of the rules run whose findings this version carries: new each time the
    /// rules run ([`crate::reviews::rules_version`]), copied by versions that only
    /// change the workflow (status, notes, AI review, closing a pull request). How
    /// analytics tells a new look at the change from an edit. Absent on versions
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_run: Option<String>,
}

/// How much input text a version keeps for the AI reviewer: far more than any
/// prompt budget, far less than the store's item limits.
pub const STORED_INPUT_CHARS: usize = 256 * 1024;

impl ReviewVersion {
    /// `"<review_id>#VERSION#<n>"`: how versions point at each other.
    pub fn version_id(review_id: &str, version: u32) -> String {
        format!("{review_id}#VERSION#{version}")
    }

    /// The risk level of the rules review.
    pub fn risk_level(&self) -> Option<RiskLevel> {
        self.review.risk.as_ref().map(|r| r.level)
    }

    /// The summary listed for this version.
    pub fn summary(&self) -> ReviewSummary {
        let mut rule_counts = BTreeMap::new();
        for finding in self.review.findings.iter().filter(|f| !f.suppressed) {
            *rule_counts
                .entry(finding.rule_id.to_string())
                .or_insert(0u32) += 1;
        }
        ReviewSummary {
            review_id: self.review_id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            repository: self.repository.clone(),
            stack: self.stack.clone(),
            status: self.status,
            risk_level: self.risk_level().map(|l| risk_level_str(l).to_owned()),
            risk_score: self.review.risk.as_ref().map(|r| r.score),
            findings: self.review.findings.len(),
            analysis: self.analysis,
            rule_counts,
            rules_run: self.rules_run.clone(),
        }
    }

    /// The next version: same review, `version + 1`, pointing back at this one.
    pub fn next(&self, author: &str, now: DateTime<Utc>) -> ReviewVersion {
        ReviewVersion {
            version: self.version + 1,
            previous_version_id: Some(Self::version_id(&self.review_id, self.version)),
            updated_at: now,
            author: author.to_owned(),
            // A version written by hand or by the AI is not the event's version.
            event_id: None,
            ..self.clone()
        }
    }
}

/// What lists and analytics need of a review, without its findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewSummary {
    /// The review's id.
    pub review_id: String,
    /// Its latest version (in a version list: this version).
    pub version: u32,
    /// Creation time of the review.
    pub created_at: DateTime<Utc>,
    /// Time of this version.
    pub updated_at: DateTime<Utc>,
    /// `owner/repo`.
    pub repository: Option<String>,
    /// Stack.
    pub stack: Option<String>,
    /// Workflow status.
    pub status: ReviewStatus,
    /// `low` … `critical`.
    pub risk_level: Option<String>,
    /// 0–100.
    pub risk_score: Option<u8>,
    /// Number of rule findings.
    pub findings: usize,
    /// Rules-only or rules plus AI.
    pub analysis: Analysis,
    /// Unsuppressed findings per rule id (for analytics' top rules).
    pub rule_counts: BTreeMap<String, u32>,
    /// The version's rules run (see [`ReviewVersion::rules_run`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_run: Option<String>,
}

/// An API key as stored: only the SHA-256 of the key, never the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// Hex SHA-256 of the key.
    pub key_hash: String,
    /// Who or what holds it (audited as `user_id`).
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// What an aggregate is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every review.
    Global,
    /// Reviews of one `owner/repo`.
    Repository(String),
    /// Reviews of one stack.
    Stack(String),
}

impl Scope {
    /// The stored key: `GLOBAL`, `REPO#<owner/repo>`, `STACK#<stack>`.
    pub fn key(&self) -> String {
        match self {
            Scope::Global => "GLOBAL".to_owned(),
            Scope::Repository(r) => format!("REPO#{r}"),
            Scope::Stack(s) => format!("STACK#{s}"),
        }
    }

    /// Inverse of [`Scope::key`].
    pub fn from_key(key: &str) -> Option<Scope> {
        if key == "GLOBAL" {
            Some(Scope::Global)
        } else if let Some(r) = key.strip_prefix("REPO#") {
            Some(Scope::Repository(r.to_owned()))
        } else {
            key.strip_prefix("STACK#")
                .map(|s| Scope::Stack(s.to_owned()))
        }
    }
}

/// One scope's statistics for one UTC day. Every field adds up across days.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DayStats {
    /// Versions written.
    pub versions: u64,
    /// New reviews (versions 1).
    pub reviews: u64,
    /// Rules runs.
    pub runs: u64,
    /// Unsuppressed findings of the rules runs.
    pub findings: u64,
    /// Rules runs with a risk score.
    pub scored_runs: u64,
    /// Sum of their risk scores.
    pub risk_sum: u64,
    /// Sum of the squares of their risk scores (for the standard deviation).
    pub risk_sum_squares: u64,
    /// Highest risk score.
    pub risk_max: Option<u8>,
    /// Rules runs at a high or critical risk level.
    pub high_risk_runs: u64,
    /// Rules runs compared with a previous version (for recurrence rates).
    pub compared_runs: u64,
    /// Per rule id.
    pub rules: BTreeMap<String, RuleStats>,
    /// Per finding category, over the scored rules runs.
    pub categories: BTreeMap<String, CategoryStats>,
}

/// One rule's statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    /// Unsuppressed findings.
    pub findings: u64,
    /// Rules runs with at least one.
    pub runs: u64,
    /// Rules runs that found it again after the previous version had it.
    pub recurrences: u64,
}

/// One finding category's statistics over the scored rules runs that have it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryStats {
    /// Scored rules runs with at least one finding of the category.
    pub runs: u64,
    /// Sum of their risk scores.
    pub risk_sum: u64,
    /// Of them, runs at a high or critical risk level.
    pub high_risk_runs: u64,
}

impl DayStats {
    /// Adds `other` (another day, or the same day of another source) to this.
    pub fn merge(&mut self, other: &DayStats) {
        self.versions += other.versions;
        self.reviews += other.reviews;
        self.runs += other.runs;
        self.findings += other.findings;
        self.scored_runs += other.scored_runs;
        self.risk_sum += other.risk_sum;
        self.risk_sum_squares += other.risk_sum_squares;
        self.risk_max = self.risk_max.max(other.risk_max);
        self.high_risk_runs += other.high_risk_runs;
        self.compared_runs += other.compared_runs;
        for (rule, stats) in &other.rules {
            let mine = self.rules.entry(rule.clone()).or_default();
            mine.findings += stats.findings;
            mine.runs += stats.runs;
            mine.recurrences += stats.recurrences;
        }
        for (category, stats) in &other.categories {
            let mine = self.categories.entry(category.clone()).or_default();
            mine.runs += stats.runs;
            mine.risk_sum += stats.risk_sum;
            mine.high_risk_runs += stats.high_risk_runs;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_their_keys() {
        for scope in [
            Scope::Global,
            Scope::Repository("acme/infra".into()),
            Scope::Stack("prod#1".into()),
        ] {
            assert_eq!(Scope::from_key(&scope.key()), Some(scope));
        }
        assert_eq!(Scope::from_key("NOPE"), None);
    }
}
