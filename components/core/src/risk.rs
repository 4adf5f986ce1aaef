//! The risk score (0–100) and the confidence (0–1) of a review.
//!
//! # Score
//!
//! Every unsuppressed finding is an independent chance that the change causes harm,
//! weighted by severity: critical 0.60, high 0.25, medium 0.10, low 0.03, info 0.01.
//! The size of a plan adds a blast-radius term `min(0.20, 0.03 · ln(1 + changed))`,
//! where `changed` counts resources created, updated, replaced or destroyed. The score
//! is the chance that at least one of them bites:
//!
//! ```text
//! score = 100 · (1 − (1 − blast) · Π (1 − weight(finding)))
//! ```
//!
//! so one critical finding alone scores 60 (high), a high one 25 (medium), and the
//! score only ever rises as findings are added and never passes 100. Each factor's
//! contribution is the rise it causes when the categories are applied in a fixed
//! order (blast radius, change risk, secrets, misconfiguration, hygiene), so the
//! contributions add up to the score. Levels: below 25 low, below 50 medium, below
//! 75 high, else critical.
//!
//! # Confidence
//!
//! How much of the change the rules could actually judge:
//!
//! ```text
//! confidence = parsed · (0.5 + 0.5 · decided) · (0.5 + 0.5 · covered)
//! ```
//!
//! `parsed` is the share of input documents that could be read, `decided` the share
//! of rule checks not left undetermined by values unknown until apply, and `covered`
//! the share of resources of a type at least one rule knows. An external check (a
//! policy plugin, see [`crate::external`]) counts as one check per resource in scope;
//! one that failed leaves all of them undetermined. An empty input has
//! confidence 1 in its (zero) score.

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Severity};

/// Risk of a change, 0–100, with the factors that produced it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// 0 (harmless) to 100.
    pub score: u8,
    /// The band the score falls in.
    pub level: RiskLevel,
    /// 0–1: how much of the change could be analysed.
    pub confidence: f64,
    /// What contributed, and how much.
    pub factors: Vec<RiskFactor>,
}

/// Risk bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// Routine.
    Low,
    /// Needs a look.
    Medium,
    /// Needs a careful review.
    High,
    /// Should not merge as is.
    Critical,
}

/// One contribution to a risk score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskFactor {
    /// What it is (`critical-findings`, `stateful-destroy`, …).
    pub name: String,
    /// Points added to the score.
    pub contribution: f64,
}

/// What the score needs to know besides the findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Input documents, including unusable ones.
    pub documents: usize,
    /// Documents (or blocks in them) that could not be used.
    pub unusable_documents: usize,
    /// Resources that exist after the change.
    pub resources: usize,
    /// Of those, resources of a type at least one rule checks.
    pub resources_with_rules: usize,
    /// Rule checks run.
    pub checks: usize,
    /// Checks that could not be decided.
    pub undetermined: usize,
    /// Plan resource changes other than no-op and read.
    pub changed_resources: usize,
}

/// The probability weight of one finding.
pub fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 0.60,
        Severity::High => 0.25,
        Severity::Medium => 0.10,
        Severity::Low => 0.03,
        Severity::Info => 0.01,
    }
}

/// The blast-radius term for a number of changed resources.
pub fn blast_radius(changed: usize) -> f64 {
    (0.03 * (1.0 + changed as f64).ln()).min(0.20)
}

/// The category a finding's score contribution is reported under.
fn category(finding: &Finding) -> usize {
    if finding.rule_id.starts_with("RG-CHG-") {
        1
    } else if finding.rule_id.starts_with("RG-SECRET-") {
        2
    } else if finding.rule_id.starts_with("RG-SUPPRESS-") {
        4
    } else {
        3
    }
}

const CATEGORY_NAMES: [&str; 5] = [
    "blast-radius",
    "change-risk",
    "secrets",
    "misconfiguration",
    "suppression-hygiene",
];

/// The score of `findings` for a change of `changed_resources` resources, when
/// nothing else of the review is at hand (the `score` entry points of the WASI
/// components): coverage counts only the changed resources.
pub fn score_findings(findings: &[Finding], changed_resources: usize) -> Risk {
    let coverage = Coverage {
        changed_resources,
        ..Coverage::default()
    };
    score(findings, &coverage)
}

/// Scores a review's findings. Suppressed findings do not count.
pub fn score(findings: &[Finding], coverage: &Coverage) -> Risk {
    let mut remaining = [1.0f64; 5];
    remaining[0] = 1.0 - blast_radius(coverage.changed_resources);
    for finding in findings.iter().filter(|f| !f.suppressed) {
        remaining[category(finding)] *= 1.0 - weight(finding.severity);
    }
    let mut factors = Vec::new();
    let mut product = 1.0;
    for (name, factor) in CATEGORY_NAMES.iter().zip(remaining) {
        let before = 100.0 * (1.0 - product);
        product *= factor;
        let contribution = 100.0 * (1.0 - product) - before;
        if contribution > 0.0 {
            factors.push(RiskFactor {
                name: (*name).to_owned(),
                contribution: (contribution * 10.0).round() / 10.0,
            });
        }
    }
    let raw = 100.0 * (1.0 - product);
    let score = raw.round().clamp(0.0, 100.0) as u8;
    let level = match score {
        0..25 => RiskLevel::Low,
        25..50 => RiskLevel::Medium,
        50..75 => RiskLevel::High,
        _ => RiskLevel::Critical,
    };
    Risk {
        score,
        level,
        confidence: confidence(coverage),
        factors,
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        (part as f64 / whole as f64).clamp(0.0, 1.0)
    }
}

fn confidence(c: &Coverage) -> f64 {
    let parsed = share(
        c.documents.saturating_sub(c.unusable_documents),
        c.documents,
    );
    let decided = share(c.checks.saturating_sub(c.undetermined), c.checks);
    let covered = share(c.resources_with_rules, c.resources);
    let value = parsed * (0.5 + 0.5 * decided) * (0.5 + 0.5 * covered);
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn finding(rule_id: &str, severity: Severity, suppressed: bool) -> Finding {
        Finding {
            rule_id: rule_id.to_owned().into(),
            aliases: Default::default(),
            severity,
            title: Default::default(),
            message: String::new(),
            resource: None,
            file: None,
            line: None,
            end_line: None,
            remediation: None,
            frameworks: Default::default(),
            suppressed,
            suppression_reason: None,
            suppressed_at: None,
            provenance: Vec::new(),
        }
    }

    #[test]
    fn documented_anchor_points() {
        let none = score(&[], &Coverage::default());
        assert_eq!(
            (none.score, none.level, none.confidence),
            (0, RiskLevel::Low, 1.0)
        );
        assert!(none.factors.is_empty());
        let one_critical = score(
            &[finding("RG-AWS-S3-001", Severity::Critical, false)],
            &Coverage::default(),
        );
        assert_eq!(
            (one_critical.score, one_critical.level),
            (60, RiskLevel::High)
        );
        assert_eq!(one_critical.factors[0].name, "misconfiguration");
        let suppressed = score(
            &[finding("RG-AWS-S3-001", Severity::Critical, true)],
            &Coverage::default(),
        );
        assert_eq!(suppressed.score, 0);
    }

    #[test]
    fn contributions_add_up_and_confidence_reflects_coverage() {
        let findings = [
            finding("RG-CHG-001", Severity::High, false),
            finding("RG-SECRET-001", Severity::Critical, false),
            finding("RG-AWS-EC2-001", Severity::Medium, false),
        ];
        let coverage = Coverage {
            documents: 4,
            unusable_documents: 1,
            resources: 10,
            resources_with_rules: 5,
            checks: 20,
            undetermined: 10,
            changed_resources: 30,
        };
        let risk = score(&findings, &coverage);
        let total: f64 = risk.factors.iter().map(|f| f.contribution).sum();
        assert!((total - f64::from(risk.score)).abs() <= 1.0, "{risk:?}");
        assert_eq!(
            risk.factors
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>(),
            ["blast-radius", "change-risk", "secrets", "misconfiguration"]
        );
        // 0.75 parsed · 0.75 decided · 0.75 covered
        assert_eq!(risk.confidence, 0.42);
    }

    fn any_severity() -> impl Strategy<Value = Severity> {
        prop::sample::select(Severity::ALL.to_vec())
    }

    fn any_finding() -> impl Strategy<Value = Finding> {
        (
            prop::sample::select(vec![
                "RG-CHG-001",
                "RG-SECRET-002",
                "RG-AWS-S3-003",
                "RG-SUPPRESS-001",
            ]),
            any_severity(),
            any::<bool>(),
        )
            .prop_map(|(id, severity, suppressed)| finding(id, severity, suppressed))
    }

    proptest! {
        #[test]
        fn adding_an_unsuppressed_finding_never_lowers_the_score(
            findings in prop::collection::vec(any_finding(), 0..40),
            extra_severity in any_severity(),
            changed in 0usize..100_000,
        ) {
            let coverage = Coverage { changed_resources: changed, ..Coverage::default() };
            let before = score(&findings, &coverage);
            let mut more = findings.clone();
            more.push(finding("RG-AWS-X-001", extra_severity, false));
            let after = score(&more, &coverage);
            prop_assert!(after.score >= before.score);
            prop_assert!(after.score <= 100);
            prop_assert!(after.level >= before.level);
            prop_assert_eq!(score(&findings, &coverage), before, "deterministic");
        }

        #[test]
        fn confidence_stays_in_range(
            documents in 0usize..50, unusable in 0usize..60, resources in 0usize..50, with_rules in 0usize..60,
            checks in 0usize..50, undetermined in 0usize..60,
        ) {
            let c = Coverage { documents, unusable_documents: unusable, resources, resources_with_rules: with_rules, checks, undetermined, changed_resources: 0 };
            let confidence = score(&[], &c).confidence;
            prop_assert!((0.0..=1.0).contains(&confidence));
        }
    }
}
