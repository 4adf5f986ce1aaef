//! The `reviewer` component (`wit/review.wit`, world `reviewer`): reviewgate's core
//! behind the `analyzer`, `scoring` and `rules` interfaces, for wasmtime, jco and any
//! other component host. Build: `cargo build -p reviewgate-reviewer --target
//! wasm32-wasip2 --release`.
//!
//! A thin adapter: it converts WIT records to and from `reviewgate-core` types and
//! has no logic of its own. It needs nothing from the host beyond the WASI imports
//! Rust's standard library links (no files, network or environment are read).

// Generated bindings: the canonical-ABI glue is necessarily `unsafe`, and not ours
// to document. The crate's own code stays safe.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "reviewer",
    });
}

use std::sync::Arc;

use bindings::exports::reviewgate::review::{analyzer, rules, scoring};
use bindings::reviewgate::review::types as wit;
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::finding::Frameworks;
use reviewgate_core::risk::{self, Coverage};
use reviewgate_core::{
    ChangeSet, Document, ExternalError, ExternalFinding, ExternalResult, FailureKind, Finding,
    InputKind, Origin, Severity, review_with_external,
};

struct Reviewer;

impl analyzer::Guest for Reviewer {
    fn analyze(
        documents: Vec<wit::Document>,
        config_toml: Option<String>,
        external: Vec<wit::ExternalResult>,
    ) -> Result<wit::Review, wit::ReviewError> {
        if documents.is_empty() {
            return Err(wit::ReviewError::InvalidRequest(
                "no documents to review".into(),
            ));
        }
        let config = match config_toml {
            Some(text) => ReviewConfig::from_toml(&text)
                .map_err(|e| wit::ReviewError::InvalidConfig(e.to_string()))?,
            None => ReviewConfig::default(),
        };
        let documents = documents.into_iter().map(|d| Document {
            path: d.path,
            kind: d.kind.map(input_kind_from_wit),
            content: d.content,
        });
        let change_set = ChangeSet::from_documents(Origin::Local, documents);
        let external: Vec<ExternalResult> = external.into_iter().map(external_from_wit).collect();
        let review = review_with_external(&change_set, &config, &external);
        Ok(review_to_wit(review))
    }
}

impl scoring::Guest for Reviewer {
    fn score(findings: Vec<wit::Finding>, changed_resources: u32) -> wit::Risk {
        let findings: Vec<Finding> = findings.into_iter().map(finding_from_wit).collect();
        let coverage = Coverage {
            changed_resources: changed_resources as usize,
            ..Coverage::default()
        };
        risk_to_wit(risk::score(&findings, &coverage))
    }
}

impl rules::Guest for Reviewer {
    fn catalog() -> Vec<wit::RuleInfo> {
        reviewgate_core::rules::catalog()
            .into_iter()
            .map(|rule| wit::RuleInfo {
                id: rule.id,
                title: rule.title,
                severity: severity_to_wit(rule.severity),
                aliases: rule.aliases,
                frameworks: frameworks_to_wit(&rule.frameworks),
            })
            .collect()
    }
}

#[allow(unsafe_code)]
mod export {
    use super::Reviewer;
    crate::bindings::export!(Reviewer with_types_in crate::bindings);
}

fn review_to_wit(review: reviewgate_core::Review) -> wit::Review {
    wit::Review {
        findings: review.findings.into_iter().map(finding_to_wit).collect(),
        // The summary's serde form is the documented JSON shape; it cannot fail.
        changes_json: serde_json::to_string(&review.changes).unwrap_or_default(),
        resources: saturate(review.resources),
        errors: review
            .errors
            .into_iter()
            .map(|e| wit::InputError {
                file: e.file,
                line: e.line.map(saturate),
                column: e.column.map(saturate),
                kind: e.kind.map(input_kind_to_wit),
                message: e.message,
            })
            .collect(),
        undetermined: review
            .undetermined
            .into_iter()
            .map(|u| wit::Undetermined {
                rule_id: u.rule_id,
                resource: u.resource,
                file: u.file,
                line: u.line,
                reason: u.reason,
            })
            .collect(),
        risk: review.risk.map(risk_to_wit),
        failed_checks: review
            .failed_checks
            .into_iter()
            .map(|f| wit::FailedCheck {
                plugin: f.plugin,
                kind: f.kind.as_str().into(),
                message: f.message,
            })
            .collect(),
    }
}

fn external_from_wit(result: wit::ExternalResult) -> ExternalResult {
    let outcome = match result.failure {
        // A kind this version does not know is still a failure of the plugin.
        Some(failure) => Err(ExternalError::new(
            failure.kind.parse().unwrap_or(FailureKind::PluginError),
            failure.message,
        )),
        None => Ok(result
            .findings
            .into_iter()
            .map(|f| ExternalFinding {
                rule_id: f.rule_id,
                severity: severity_from_wit(f.severity),
                title: f.title,
                message: f.message,
                resource: f.resource,
                file: f.file,
                line: f.line,
                remediation: f.remediation,
            })
            .collect()),
    };
    ExternalResult {
        plugin: result.plugin,
        outcome,
    }
}

fn finding_to_wit(f: Finding) -> wit::Finding {
    wit::Finding {
        rule_id: f.rule_id.into_owned(),
        aliases: f.aliases.to_vec(),
        severity: severity_to_wit(f.severity),
        title: f.title.into_owned(),
        message: f.message,
        resource: f.resource,
        file: f.file,
        line: f.line,
        end_line: f.end_line,
        remediation: f.remediation.map(|r| r.into_owned()),
        frameworks: frameworks_to_wit(&f.frameworks),
        suppressed: f.suppressed,
        suppression_reason: f.suppression_reason,
    }
}

fn finding_from_wit(f: wit::Finding) -> Finding {
    Finding {
        rule_id: f.rule_id.into(),
        aliases: f.aliases.into(),
        severity: severity_from_wit(f.severity),
        title: f.title.into(),
        message: f.message,
        resource: f.resource,
        file: f.file,
        line: f.line,
        end_line: f.end_line,
        remediation: f.remediation.map(Into::into),
        frameworks: Arc::new(
            f.frameworks
                .into_iter()
                .map(|r| (r.framework, r.controls))
                .collect(),
        ),
        suppressed: f.suppressed,
        suppression_reason: f.suppression_reason,
    }
}

fn risk_to_wit(risk: reviewgate_core::Risk) -> wit::Risk {
    use reviewgate_core::RiskLevel;
    wit::Risk {
        score: risk.score,
        level: match risk.level {
            RiskLevel::Low => wit::RiskLevel::Low,
            RiskLevel::Medium => wit::RiskLevel::Medium,
            RiskLevel::High => wit::RiskLevel::High,
            RiskLevel::Critical => wit::RiskLevel::Critical,
        },
        confidence: risk.confidence,
        factors: risk
            .factors
            .into_iter()
            .map(|f| wit::RiskFactor {
                name: f.name,
                contribution: f.contribution,
            })
            .collect(),
    }
}

fn frameworks_to_wit(frameworks: &Frameworks) -> Vec<wit::FrameworkRefs> {
    frameworks
        .iter()
        .map(|(framework, controls)| wit::FrameworkRefs {
            framework: framework.clone(),
            controls: controls.clone(),
        })
        .collect()
}

fn severity_to_wit(s: Severity) -> wit::Severity {
    match s {
        Severity::Info => wit::Severity::Info,
        Severity::Low => wit::Severity::Low,
        Severity::Medium => wit::Severity::Medium,
        Severity::High => wit::Severity::High,
        Severity::Critical => wit::Severity::Critical,
    }
}

fn severity_from_wit(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Info => Severity::Info,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
}

fn input_kind_from_wit(k: wit::InputKind) -> InputKind {
    match k {
        wit::InputKind::Plan => InputKind::Plan,
        wit::InputKind::Terraform => InputKind::Terraform,
        wit::InputKind::TerraformJson => InputKind::TerraformJson,
        wit::InputKind::Tfvars => InputKind::Tfvars,
        wit::InputKind::TfvarsJson => InputKind::TfvarsJson,
        wit::InputKind::LockFile => InputKind::LockFile,
        wit::InputKind::Diff => InputKind::Diff,
    }
}

fn input_kind_to_wit(k: InputKind) -> wit::InputKind {
    match k {
        InputKind::Plan => wit::InputKind::Plan,
        InputKind::Terraform => wit::InputKind::Terraform,
        InputKind::TerraformJson => wit::InputKind::TerraformJson,
        InputKind::Tfvars => wit::InputKind::Tfvars,
        InputKind::TfvarsJson => wit::InputKind::TfvarsJson,
        InputKind::LockFile => wit::InputKind::LockFile,
        InputKind::Diff => wit::InputKind::Diff,
    }
}

/// WIT counts are `u32`; no real input has four billion lines or resources.
fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
