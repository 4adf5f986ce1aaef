//! Conversions between the WIT `types` interface (`wit/review.wit`) and
//! `reviewgate-core`, written once for both sides of the component boundary.
//!
//! The `reviewer` guest (wit-bindgen) and the wasmtime host (`bindgen!`) each
//! generate their own Rust types for the same WIT: structurally identical, yet
//! distinct types that no shared crate could name. So this is not a crate: each side
//! includes this file with `#[path]` in a module that has its generated `types`
//! interface in scope as `wit`, and the same source compiles against either.
//!
//! Every record converts both ways, as `From` (or `TryFrom`) impls: each side uses
//! the directions it needs, and an unused impl is not dead code the way an unused
//! function would be. Where WIT is narrower than the core the conversion says so:
//! counts saturate at `u32::MAX`, and a failure kind this version does not know
//! reads as a plugin error.

use std::borrow::Cow;
use std::sync::Arc;

use reviewgate_core::finding::Frameworks;
use reviewgate_core::resource::ProvenanceLink;
use reviewgate_core::review::RiskFactor;
use reviewgate_core::rules::Undetermined;
use reviewgate_core::{
    Document, ExternalError, ExternalFinding, ExternalResult, FailedCheck, FailureKind, Finding,
    InputError, InputKind, Review, Risk, RiskLevel, RuleInfo, Severity, UnevaluatedModule,
};

use super::wit;

#[cfg(test)]
mod tests;

/// Both directions of a WIT enum whose cases are named as the core enum's
/// variants, from one list of them; each `match` stays exhaustive.
macro_rules! enum_conversions {
    ($name:ident { $($variant:ident),+ $(,)? }) => {
        impl From<$name> for wit::$name {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => wit::$name::$variant,)+
                }
            }
        }

        impl From<wit::$name> for $name {
            fn from(value: wit::$name) -> Self {
                match value {
                    $(wit::$name::$variant => $name::$variant,)+
                }
            }
        }
    };
}

enum_conversions!(Severity {
    Info,
    Low,
    Medium,
    High,
    Critical
});
enum_conversions!(InputKind {
    Plan,
    Terraform,
    TerraformJson,
    Tfvars,
    TfvarsJson,
    LockFile,
    Diff,
    ModuleManifest,
});
enum_conversions!(RiskLevel {
    Low,
    Medium,
    High,
    Critical
});

impl From<Document> for wit::Document {
    fn from(d: Document) -> Self {
        wit::Document {
            path: d.path,
            kind: d.kind.map(Into::into),
            content: d.content,
        }
    }
}

impl From<wit::Document> for Document {
    fn from(d: wit::Document) -> Self {
        Document {
            path: d.path,
            kind: d.kind.map(Into::into),
            content: d.content,
        }
    }
}

impl From<Finding> for wit::Finding {
    fn from(f: Finding) -> Self {
        wit::Finding {
            rule_id: f.rule_id.into_owned(),
            aliases: f.aliases.to_vec(),
            severity: f.severity.into(),
            title: f.title.into_owned(),
            message: f.message,
            resource: f.resource,
            file: f.file,
            line: f.line,
            end_line: f.end_line,
            remediation: f.remediation.map(Cow::into_owned),
            frameworks: frameworks_to_wit(&f.frameworks),
            suppressed: f.suppressed,
            suppression_reason: f.suppression_reason,
            suppressed_at: f.suppressed_at.map(|link| (*link).into()),
            provenance: f.provenance.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<ProvenanceLink> for wit::ProvenanceLink {
    fn from(link: ProvenanceLink) -> Self {
        wit::ProvenanceLink {
            file: link.file,
            line: link.line,
            name: link.name,
        }
    }
}

impl From<wit::ProvenanceLink> for ProvenanceLink {
    fn from(link: wit::ProvenanceLink) -> Self {
        ProvenanceLink {
            file: link.file,
            line: link.line,
            name: link.name,
            suppressions: Vec::new(),
        }
    }
}

impl From<wit::Finding> for Finding {
    fn from(f: wit::Finding) -> Self {
        Finding {
            rule_id: f.rule_id.into(),
            aliases: f.aliases.into(),
            severity: f.severity.into(),
            title: f.title.into(),
            message: f.message,
            resource: f.resource,
            file: f.file,
            line: f.line,
            end_line: f.end_line,
            remediation: f.remediation.map(Into::into),
            frameworks: Arc::new(frameworks_from_wit(f.frameworks)),
            suppressed: f.suppressed,
            suppression_reason: f.suppression_reason,
            suppressed_at: f.suppressed_at.map(|link| Box::new(link.into())),
            provenance: f.provenance.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<RuleInfo> for wit::RuleInfo {
    fn from(rule: RuleInfo) -> Self {
        wit::RuleInfo {
            id: rule.id,
            title: rule.title,
            severity: rule.severity.into(),
            aliases: rule.aliases,
            frameworks: frameworks_to_wit(&rule.frameworks),
        }
    }
}

impl From<wit::RuleInfo> for RuleInfo {
    fn from(rule: wit::RuleInfo) -> Self {
        RuleInfo {
            id: rule.id,
            title: rule.title,
            severity: rule.severity.into(),
            aliases: rule.aliases,
            frameworks: frameworks_from_wit(rule.frameworks),
        }
    }
}

/// Borrows because findings share their rule's frameworks behind an `Arc`.
fn frameworks_to_wit(frameworks: &Frameworks) -> Vec<wit::FrameworkRefs> {
    frameworks
        .iter()
        .map(|(framework, controls)| wit::FrameworkRefs {
            framework: framework.clone(),
            controls: controls.clone(),
        })
        .collect()
}

fn frameworks_from_wit(refs: Vec<wit::FrameworkRefs>) -> Frameworks {
    refs.into_iter()
        .map(|r| (r.framework, r.controls))
        .collect()
}

impl From<ExternalFinding> for wit::PluginFinding {
    fn from(f: ExternalFinding) -> Self {
        wit::PluginFinding {
            rule_id: f.rule_id,
            severity: f.severity.into(),
            title: f.title,
            message: f.message,
            resource: f.resource,
            file: f.file,
            line: f.line,
            remediation: f.remediation,
        }
    }
}

impl From<wit::PluginFinding> for ExternalFinding {
    fn from(f: wit::PluginFinding) -> Self {
        ExternalFinding {
            rule_id: f.rule_id,
            severity: f.severity.into(),
            title: f.title,
            message: f.message,
            resource: f.resource,
            file: f.file,
            line: f.line,
            remediation: f.remediation,
        }
    }
}

impl From<FailedCheck> for wit::FailedCheck {
    fn from(f: FailedCheck) -> Self {
        wit::FailedCheck {
            plugin: f.plugin,
            kind: f.kind.as_str().into(),
            message: f.message,
        }
    }
}

impl From<wit::FailedCheck> for FailedCheck {
    fn from(f: wit::FailedCheck) -> Self {
        FailedCheck {
            plugin: f.plugin,
            // The kind travels as a string so that a peer built from a newer core can
            // name a kind this one does not know; the plugin still failed.
            kind: f.kind.parse().unwrap_or(FailureKind::PluginError),
            message: f.message,
        }
    }
}

impl From<ExternalResult> for wit::ExternalResult {
    fn from(result: ExternalResult) -> Self {
        let (findings, failure) = match result.outcome {
            Ok(findings) => (convert_each(findings), None),
            Err(error) => {
                let failure = FailedCheck {
                    plugin: result.plugin.clone(),
                    kind: error.kind,
                    message: error.message,
                };
                (Vec::new(), Some(failure.into()))
            }
        };
        wit::ExternalResult {
            plugin: result.plugin,
            findings,
            failure,
        }
    }
}

impl From<wit::ExternalResult> for ExternalResult {
    fn from(result: wit::ExternalResult) -> Self {
        let outcome = match result.failure.map(FailedCheck::from) {
            Some(failure) => Err(ExternalError::new(failure.kind, failure.message)),
            None => Ok(convert_each(result.findings)),
        };
        ExternalResult {
            plugin: result.plugin,
            outcome,
        }
    }
}

impl From<InputError> for wit::InputError {
    fn from(e: InputError) -> Self {
        wit::InputError {
            file: e.file,
            line: e.line.map(saturate),
            column: e.column.map(saturate),
            kind: e.kind.map(Into::into),
            message: e.message,
        }
    }
}

impl From<wit::InputError> for InputError {
    fn from(e: wit::InputError) -> Self {
        InputError {
            file: e.file,
            line: e.line.map(widen),
            column: e.column.map(widen),
            kind: e.kind.map(Into::into),
            message: e.message,
        }
    }
}

impl From<Undetermined> for wit::Undetermined {
    fn from(u: Undetermined) -> Self {
        wit::Undetermined {
            rule_id: u.rule_id,
            resource: u.resource,
            file: u.file,
            line: u.line,
            reason: u.reason,
            cause: u.cause,
        }
    }
}

impl From<wit::Undetermined> for Undetermined {
    fn from(u: wit::Undetermined) -> Self {
        Undetermined {
            rule_id: u.rule_id,
            resource: u.resource,
            file: u.file,
            line: u.line,
            reason: u.reason,
            cause: u.cause,
        }
    }
}

impl From<UnevaluatedModule> for wit::UnevaluatedModule {
    fn from(u: UnevaluatedModule) -> Self {
        wit::UnevaluatedModule {
            module: u.module,
            source: u.source,
            version: u.version,
            file: u.file,
            line: u.line,
            reason: u.reason,
        }
    }
}

impl From<wit::UnevaluatedModule> for UnevaluatedModule {
    fn from(u: wit::UnevaluatedModule) -> Self {
        UnevaluatedModule {
            module: u.module,
            source: u.source,
            version: u.version,
            file: u.file,
            line: u.line,
            reason: u.reason,
        }
    }
}

impl From<Risk> for wit::Risk {
    fn from(risk: Risk) -> Self {
        wit::Risk {
            score: risk.score,
            level: risk.level.into(),
            confidence: risk.confidence,
            factors: convert_each(risk.factors),
        }
    }
}

impl From<wit::Risk> for Risk {
    fn from(risk: wit::Risk) -> Self {
        Risk {
            score: risk.score,
            level: risk.level.into(),
            confidence: risk.confidence,
            factors: convert_each(risk.factors),
        }
    }
}

impl From<RiskFactor> for wit::RiskFactor {
    fn from(f: RiskFactor) -> Self {
        wit::RiskFactor {
            name: f.name,
            contribution: f.contribution,
        }
    }
}

impl From<wit::RiskFactor> for RiskFactor {
    fn from(f: wit::RiskFactor) -> Self {
        RiskFactor {
            name: f.name,
            contribution: f.contribution,
        }
    }
}

impl From<Review> for wit::Review {
    fn from(review: Review) -> Self {
        wit::Review {
            findings: convert_each(review.findings),
            // The summary's serde form is the documented JSON shape; it cannot fail.
            changes_json: serde_json::to_string(&review.changes).unwrap_or_default(),
            resources: saturate(review.resources),
            errors: convert_each(review.errors),
            undetermined: convert_each(review.undetermined),
            not_evaluated: convert_each(review.not_evaluated),
            risk: review.risk.map(Into::into),
            failed_checks: convert_each(review.failed_checks),
        }
    }
}

impl TryFrom<wit::Review> for Review {
    /// `changes-json` is not a change summary this version can read.
    type Error = serde_json::Error;

    fn try_from(review: wit::Review) -> Result<Self, Self::Error> {
        Ok(Review {
            findings: convert_each(review.findings),
            changes: serde_json::from_str(&review.changes_json)?,
            resources: widen(review.resources),
            errors: convert_each(review.errors),
            undetermined: convert_each(review.undetermined),
            not_evaluated: convert_each(review.not_evaluated),
            risk: review.risk.map(Into::into),
            failed_checks: convert_each(review.failed_checks),
        })
    }
}

fn convert_each<T: Into<U>, U>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(Into::into).collect()
}

/// WIT counts are `u32`; no real input has four billion lines or resources.
fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Lossless: every target reviewgate builds for has at least 32-bit `usize`.
fn widen(n: u32) -> usize {
    n as usize
}
