//! Findings from checks that run outside the core — third-party policy plugins
//! hosted as sandboxed WASI components — and how they join a review.
//!
//! The core never runs a plugin: a host (`components/host`) evaluates each plugin
//! over [`ChangeSet::resources`](crate::ChangeSet::resources) and hands back one
//! [`ExternalResult`] per plugin. [`review_with_external`] merges the findings, with
//! the plugin's name as a rule-id prefix so that no plugin can impersonate a built-in
//! rule, and records every plugin that failed as a [`FailedCheck`]: the review still
//! completes, and its confidence falls because those checks could not be decided.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::changeset::ChangeSet;
use crate::config::ReviewConfig;
use crate::finding::{Finding, Severity};
use crate::review::Review;

/// A finding as a plugin reports it, before it joins the review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalFinding {
    /// The plugin's own rule id (`TAGS-001`); the review shows it as
    /// `<plugin>/<rule_id>`.
    pub rule_id: String,
    /// How bad it is.
    pub severity: Severity,
    /// The rule's one-line title.
    pub title: String,
    /// What is wrong in this particular place.
    pub message: String,
    /// The resource address, when the finding is about a resource.
    pub resource: Option<String>,
    /// The file, when known.
    pub file: Option<String>,
    /// First line, when known.
    pub line: Option<u32>,
    /// How to fix it.
    pub remediation: Option<String>,
}

/// A rule a plugin declares in its metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalRule {
    /// The plugin's own rule id.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
}

/// Why a plugin produced no findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The component could not be loaded, compiled or instantiated.
    Load,
    /// It used up its CPU budget (it looped, or worked too long).
    CpuLimit,
    /// It tried to grow its memory past the limit.
    MemoryLimit,
    /// It trapped (panic, `unreachable`, out-of-bounds access).
    Trap,
    /// Its output was larger than allowed.
    OutputLimit,
    /// Its output broke the contract (an empty rule id, a finding about a resource
    /// that is not in the change).
    MalformedOutput,
    /// It returned an error of its own.
    PluginError,
}

impl FailureKind {
    /// Kebab-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Load => "load",
            FailureKind::CpuLimit => "cpu-limit",
            FailureKind::MemoryLimit => "memory-limit",
            FailureKind::Trap => "trap",
            FailureKind::OutputLimit => "output-limit",
            FailureKind::MalformedOutput => "malformed-output",
            FailureKind::PluginError => "plugin-error",
        }
    }
}

impl std::str::FromStr for FailureKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            FailureKind::Load,
            FailureKind::CpuLimit,
            FailureKind::MemoryLimit,
            FailureKind::Trap,
            FailureKind::OutputLimit,
            FailureKind::MalformedOutput,
            FailureKind::PluginError,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == s)
        .ok_or_else(|| format!("unknown failure kind `{s}`"))
    }
}

/// Why a plugin failed, with the kind of failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}", kind = kind.as_str())]
pub struct ExternalError {
    /// What went wrong.
    pub kind: FailureKind,
    /// Details, for people.
    pub message: String,
}

impl ExternalError {
    /// An error of a kind.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        ExternalError {
            kind,
            message: message.into(),
        }
    }
}

/// What one plugin returned.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalResult {
    /// The plugin's name: the rule-id prefix of its findings.
    pub plugin: String,
    /// Its findings, or why there are none.
    pub outcome: Result<Vec<ExternalFinding>, ExternalError>,
}

/// A check that could not run; recorded on the review instead of failing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheck {
    /// The plugin.
    pub plugin: String,
    /// What went wrong.
    pub kind: FailureKind,
    /// Details.
    pub message: String,
}

/// Reviews a change set with the built-in rules and merges what external checks
/// found. Plugin findings go through the same suppressions, filters, ordering and
/// scoring as built-in ones; each failed plugin is listed in `failed_checks` and
/// counts as a check left undetermined on every resource, lowering confidence.
pub fn review_with_external(
    change_set: &ChangeSet,
    config: &ReviewConfig,
    external: &[ExternalResult],
) -> Review {
    let mut findings = Vec::new();
    let mut failed = Vec::new();
    for result in external {
        match &result.outcome {
            Ok(list) => findings.extend(list.iter().map(|f| merge(&result.plugin, f))),
            Err(error) => failed.push(FailedCheck {
                plugin: result.plugin.clone(),
                kind: error.kind,
                message: error.message.clone(),
            }),
        }
    }
    crate::review::review_merging(change_set, config, findings, failed, external.len())
}

fn merge(plugin: &str, finding: &ExternalFinding) -> Finding {
    Finding {
        rule_id: Cow::Owned(format!("{plugin}/{}", finding.rule_id)),
        aliases: Arc::new([]),
        severity: finding.severity,
        title: finding.title.clone().into(),
        message: finding.message.clone(),
        resource: finding.resource.clone(),
        file: finding.file.clone(),
        line: finding.line,
        end_line: None,
        remediation: finding.remediation.clone().map(Cow::Owned),
        frameworks: Default::default(),
        suppressed: false,
        suppression_reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{Document, Origin};

    fn change_set() -> ChangeSet {
        ChangeSet::from_documents(
            Origin::Local,
            [Document::detect(
                "main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            )],
        )
    }

    fn tag_finding() -> ExternalFinding {
        ExternalFinding {
            rule_id: "TAGS-001".into(),
            severity: Severity::Critical,
            title: "Resources carry the owner tag".into(),
            message: "aws_s3_bucket.b has no `owner` tag".into(),
            resource: Some("aws_s3_bucket.b".into()),
            file: Some("main.tf".into()),
            line: Some(1),
            remediation: None,
        }
    }

    #[test]
    fn plugin_findings_are_prefixed_and_scored() {
        let cs = change_set();
        let native = crate::review::review(&cs);
        let merged = review_with_external(
            &cs,
            &ReviewConfig::default(),
            &[ExternalResult {
                plugin: "required-tags".into(),
                outcome: Ok(vec![tag_finding()]),
            }],
        );
        assert_eq!(merged.findings.len(), native.findings.len() + 1);
        // Critical sorts first.
        assert_eq!(merged.findings[0].rule_id, "required-tags/TAGS-001");
        assert!(merged.failed_checks.is_empty());
        let (risk, base) = (merged.risk.expect("risk"), native.risk.expect("risk"));
        assert!(risk.score > base.score);
        assert!(risk.confidence >= base.confidence);
    }

    #[test]
    fn a_failed_plugin_is_recorded_and_lowers_confidence() {
        let cs = change_set();
        let native = crate::review::review(&cs);
        let merged = review_with_external(
            &cs,
            &ReviewConfig::default(),
            &[ExternalResult {
                plugin: "spin".into(),
                outcome: Err(ExternalError::new(FailureKind::CpuLimit, "fuel exhausted")),
            }],
        );
        assert_eq!(merged.findings, native.findings);
        assert_eq!(
            merged.failed_checks,
            [FailedCheck {
                plugin: "spin".into(),
                kind: FailureKind::CpuLimit,
                message: "fuel exhausted".into()
            }]
        );
        let confidence = merged.risk.as_ref().expect("risk").confidence;
        assert!(confidence < native.risk.as_ref().expect("risk").confidence);
        let json = serde_json::to_value(&merged).expect("ser");
        assert_eq!(json["failed_checks"][0]["kind"], "cpu-limit");
        // Absent when nothing failed: the documented shape only grows.
        assert!(
            serde_json::to_value(&native)
                .expect("ser")
                .get("failed_checks")
                .is_none()
        );
    }

    #[test]
    fn plugin_findings_follow_configuration_filters() {
        let cs = change_set();
        let config = ReviewConfig {
            disabled_rules: vec!["required-tags/TAGS-001".into()],
            ..ReviewConfig::default()
        };
        let merged = review_with_external(
            &cs,
            &config,
            &[ExternalResult {
                plugin: "required-tags".into(),
                outcome: Ok(vec![tag_finding()]),
            }],
        );
        assert!(
            merged
                .findings
                .iter()
                .all(|f| !f.rule_id.starts_with("required-tags/"))
        );
    }
}
