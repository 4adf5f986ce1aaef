//! Findings, severities and rule metadata: what every surface reports.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::resource::ProvenanceLink;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, no action needed.
    Info,
    /// Low risk.
    Low,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
    /// Exploitable or destructive; block the change.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Lowercase name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    /// Case-insensitive, so Trivy's `HIGH` and Checkov's `High` both read.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected info, low, medium, high or critical)")
            })
    }
}

/// Compliance references: framework key → control ids, both as the catalogs of
/// [`crate::compliance`] spell them
/// (`"cis-aws-3.0" → ["2.1.1"]`, `"soc2" → ["CC6.1"]`).
pub type Frameworks = BTreeMap<String, Vec<String>>;

/// A rule's aliases as a finding carries them: shared by every finding of the rule,
/// because a large plan yields tens of thousands of findings from a few dozen rules.
pub type SharedAliases = Arc<[String]>;

/// A rule's compliance references as a finding carries them (shared, see
/// [`SharedAliases`]).
pub type SharedFrameworks = Arc<Frameworks>;

/// One problem found in a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// reviewgate's stable rule id (`RG-AWS-S3-001`). Catalog text (id, title,
    /// remediation) is borrowed from the rule rather than copied into each finding.
    pub rule_id: Cow<'static, str>,
    /// Equivalent ids in other tools (`AVD-AWS-0086`, `CKV_AWS_24`).
    pub aliases: SharedAliases,
    /// How bad it is.
    pub severity: Severity,
    /// The rule's one-line title.
    pub title: Cow<'static, str>,
    /// What is wrong in this particular place.
    pub message: String,
    /// The resource address, when the finding is about a resource.
    pub resource: Option<String>,
    /// The file, when known.
    pub file: Option<String>,
    /// First line, when known.
    pub line: Option<u32>,
    /// Last line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Cow<'static, str>>,
    /// Compliance controls the rule maps to.
    #[serde(default, skip_serializing_if = "no_frameworks")]
    pub frameworks: SharedFrameworks,
    /// True when an inline skip or configuration suppresses it. Suppressed findings
    /// are still reported, never dropped.
    pub suppressed: bool,
    /// Why it is suppressed, as the suppression says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression_reason: Option<String>,
    /// The link of the value's provenance the suppression sat at, when it was not
    /// on the resource itself (a `.tfvars` line, a `variable` block…). Boxed: a
    /// large plan has tens of thousands of findings and almost none have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_at: Option<Box<ProvenanceLink>>,
    /// Where the value the verdict rests on came from, first where it was set, last
    /// the attribute the rule read; empty when that value is written literally.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<ProvenanceLink>,
}

fn no_frameworks(frameworks: &SharedFrameworks) -> bool {
    frameworks.is_empty()
}

/// The catalog entry of a rule, as `reviewgate rules --format json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Stable id.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Equivalent ids in other tools.
    pub aliases: Vec<String>,
    /// Compliance controls.
    pub frameworks: Frameworks,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse_case_insensitively() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(
            serde_json::to_string(&Severity::Medium).expect("ser"),
            "\"medium\""
        );
    }
}
