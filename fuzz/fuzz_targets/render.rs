//! Markdown and SARIF renderings of arbitrary reviews: every field a pull request's
//! author, a plan or a policy plugin can reach is arbitrary text. SARIF must stay
//! JSON with one result per finding; the Markdown comment must stay within GitHub's
//! limit (and any smaller one asked for), and no text from the review may change
//! its structure or bring raw HTML into it.
#![no_main]

mod common;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use reviewgate_core::output::markdown;
use reviewgate_core::review::{ChangeSummary, DiffSummary, PlanSummary};
use reviewgate_core::risk::RiskFactor;
use reviewgate_core::rules::{Undetermined, catalog};
use reviewgate_core::{Finding, InputError, Review, Risk, RiskLevel, Severity, UnevaluatedModule};

static RULE_IDS: LazyLock<Vec<String>> =
    LazyLock::new(|| catalog().into_iter().map(|r| r.id).collect());

#[derive(Arbitrary, Debug)]
struct Input {
    findings: Vec<FindingInput>,
    undetermined: Vec<UndeterminedInput>,
    not_evaluated: Vec<NotEvaluatedInput>,
    errors: Vec<ErrorInput>,
    risk: Option<RiskInput>,
    /// Counts are u32: a review counts real plan changes and diff lines.
    plan: Option<Vec<(String, u32)>>,
    diff: Option<[u32; 4]>,
    limit: u16,
}

#[derive(Arbitrary, Debug)]
struct FindingInput {
    /// A catalog rule (by index) or a plugin's own id.
    rule: Result<u16, String>,
    severity: u8,
    title: String,
    message: String,
    resource: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    end_line: Option<u32>,
    remediation: Option<String>,
    aliases: Vec<String>,
    frameworks: BTreeMap<String, Vec<String>>,
    suppressed: Option<Option<String>>,
}

#[derive(Arbitrary, Debug)]
struct UndeterminedInput {
    rule_id: String,
    resource: String,
    file: String,
    line: Option<u32>,
    reason: String,
    cause: String,
}

/// A module call the review could not evaluate: its name, source and version are
/// the author's to choose.
#[derive(Arbitrary, Debug)]
struct NotEvaluatedInput {
    module: String,
    source: Option<String>,
    version: Option<String>,
    file: String,
    line: Option<u32>,
    reason: String,
}

#[derive(Arbitrary, Debug)]
struct ErrorInput {
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

#[derive(Arbitrary, Debug)]
struct RiskInput {
    score: u8,
    confidence: u16,
    factors: Vec<(String, f64)>,
}

fuzz_target!(|input: Input| {
    let limit = usize::from(input.limit);
    let review = build(input);
    common::check_renderings(&review);
    assert!(
        markdown::render_within(&review, common::VERSION, limit)
            .chars()
            .count()
            <= limit
    );
});

fn build(input: Input) -> Review {
    let findings = input.findings.into_iter().map(finding).collect();
    let undetermined = input
        .undetermined
        .into_iter()
        .map(|u| Undetermined {
            rule_id: u.rule_id,
            resource: u.resource,
            file: u.file,
            line: u.line,
            reason: u.reason,
            cause: u.cause,
        })
        .collect();
    let not_evaluated = input
        .not_evaluated
        .into_iter()
        .map(|m| UnevaluatedModule {
            module: m.module,
            source: m.source,
            version: m.version,
            file: m.file,
            line: m.line,
            reason: m.reason,
        })
        .collect();
    let errors = input
        .errors
        .into_iter()
        .map(|e| InputError {
            file: e.file,
            line: e.line,
            column: e.column,
            kind: None,
            message: e.message,
        })
        .collect();
    let risk = input.risk.map(|r| {
        let score = r.score % 101;
        Risk {
            score,
            level: match score {
                0..25 => RiskLevel::Low,
                25..50 => RiskLevel::Medium,
                50..75 => RiskLevel::High,
                _ => RiskLevel::Critical,
            },
            confidence: f64::from(r.confidence) / f64::from(u16::MAX),
            factors: r
                .factors
                .into_iter()
                .map(|(name, contribution)| RiskFactor { name, contribution })
                .collect(),
        }
    });
    Review {
        findings,
        changes: ChangeSummary {
            plan: input.plan.map(|actions| PlanSummary {
                actions: actions
                    .into_iter()
                    .map(|(action, count)| (action, count as usize))
                    .collect(),
                ..PlanSummary::default()
            }),
            diff: input
                .diff
                .map(|[files, terraform, added, removed]| DiffSummary {
                    files: files as usize,
                    terraform_files: terraform as usize,
                    lines_added: added as usize,
                    lines_removed: removed as usize,
                    ..DiffSummary::default()
                }),
            configuration: None,
        },
        resources: 0,
        errors,
        undetermined,
        not_evaluated,
        risk,
        failed_checks: Vec::new(),
    }
}

fn finding(f: FindingInput) -> Finding {
    Finding {
        rule_id: match f.rule {
            Ok(index) if !RULE_IDS.is_empty() => {
                Cow::Owned(RULE_IDS[usize::from(index) % RULE_IDS.len()].clone())
            }
            Ok(_) => Cow::Borrowed("RG-FUZZ"),
            Err(own) => Cow::Owned(own),
        },
        aliases: Arc::from(f.aliases),
        severity: Severity::ALL[usize::from(f.severity) % Severity::ALL.len()],
        title: Cow::Owned(f.title),
        message: f.message,
        resource: f.resource,
        file: f.file,
        line: f.line,
        end_line: f.end_line,
        remediation: f.remediation.map(Cow::Owned),
        frameworks: Arc::new(f.frameworks),
        suppressed: f.suppressed.is_some(),
        suppression_reason: f.suppressed.flatten(),
        suppressed_at: None,
        provenance: Vec::new(),
    }
}
