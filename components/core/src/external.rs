//! Findings from checks that run outside the core — third-party policy plugins
//! hosted as sandboxed WASI components — and how they join a review.
//!
//! The core never runs a plugin: a host (`components/host`) evaluates each plugin
//! over [`ChangeSet::resources`](crate::ChangeSet::resources) and hands back one
//! [`ExternalResult`] per plugin.
//! [`review_with_external`](crate::review::review_with_external) merges the findings,
//! with the plugin's name as a rule-id prefix so that no plugin can impersonate a
//! built-in rule ([`ExternalFinding::to_finding`]), and records every plugin that failed
//! as a [`FailedCheck`](crate::review::FailedCheck): the review still completes, and
//! its confidence falls because those checks could not be decided.
//!
//! This module holds the plugin contract only; the review that merges it is
//! `review`'s, so that a review can name these types without this module naming it.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Severity};

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

impl ExternalFinding {
    /// The finding as it joins a review: the plugin's name prefixes the rule id, so
    /// that no plugin can impersonate a built-in rule.
    pub fn to_finding(&self, plugin: &str) -> Finding {
        Finding {
            rule_id: Cow::Owned(format!("{plugin}/{}", self.rule_id)),
            aliases: Arc::new([]),
            severity: self.severity,
            title: self.title.clone().into(),
            message: self.message.clone(),
            resource: self.resource.clone(),
            file: self.file.clone(),
            line: self.line,
            end_line: None,
            remediation: self.remediation.clone().map(Cow::Owned),
            frameworks: Default::default(),
            suppressed: false,
            suppression_reason: None,
            suppressed_at: None,
            provenance: Vec::new(),
        }
    }
}
