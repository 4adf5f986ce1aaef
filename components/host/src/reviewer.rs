//! The `reviewer` component behind a native API that speaks `reviewgate-core` types.

use std::sync::Arc;

use reviewgate_core::review::{ChangeSummary, RiskFactor};
use reviewgate_core::rules::Undetermined;
use reviewgate_core::{
    Document, ExternalResult, FailedCheck, Finding, InputError, InputKind, Review, Risk, RiskLevel,
    RuleInfo, Severity,
};
use wasmtime::component::Linker;
use wasmtime::{Engine, Store};

use crate::sandbox::Sandbox;
use crate::{CacheOutcome, ComponentCache, HostError};

// Generated bindings; `unsafe` canonical-ABI glue, not ours to document.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "reviewer",
    });
}

/// The WIT `types` interface, shared with the policy-plugin bindings.
pub use bindings::reviewgate::review::types as wit;

/// The reviewer is trusted code (our own core), so it gets a generous memory limit
/// and no CPU budget: a 10,000-resource plan needs a few hundred MiB.
const REVIEWER_MEMORY: usize = 4 << 30;

/// The `reviewer` component, compiled and pre-instantiated; every call runs in a
/// fresh instance.
pub struct ReviewerHost {
    pre: bindings::ReviewerPre<Sandbox>,
    outcome: CacheOutcome,
}

impl ReviewerHost {
    /// An engine configured for the reviewer (no fuel: it is our own code).
    pub fn engine() -> Result<Engine, HostError> {
        Engine::new(&wasmtime::Config::new()).map_err(HostError::wasm("creating the engine"))
    }

    /// Compiles (or loads from `cache`) and pre-instantiates the component in `wasm`.
    pub fn new(engine: &Engine, wasm: &[u8], cache: &ComponentCache) -> Result<Self, HostError> {
        let (component, outcome) = cache.load(engine, wasm)?;
        let mut linker = Linker::<Sandbox>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(HostError::wasm("linking WASI"))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(HostError::wasm("pre-instantiating the reviewer"))?;
        let pre = bindings::ReviewerPre::new(pre)
            .map_err(HostError::wasm("the component is not a `reviewer`"))?;
        Ok(ReviewerHost { pre, outcome })
    }

    /// Whether the component was compiled or loaded from the cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.outcome
    }

    fn instantiate(&self) -> Result<(Store<Sandbox>, bindings::Reviewer), HostError> {
        let mut store = Store::new(self.pre.engine(), Sandbox::isolated(REVIEWER_MEMORY));
        store.limiter(|s| &mut s.limiter);
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(HostError::wasm("instantiating the reviewer"))?;
        Ok((store, instance))
    }

    /// Instantiates the component once and drops it: what each call pays before
    /// doing any work (for benchmarks).
    pub fn instantiate_only(&self) -> Result<(), HostError> {
        self.instantiate().map(drop)
    }

    /// Reviews documents inside the component, merging plugin results.
    pub fn review(
        &self,
        documents: &[Document],
        config_toml: Option<&str>,
        external: &[ExternalResult],
    ) -> Result<Review, HostError> {
        let (mut store, instance) = self.instantiate()?;
        let documents: Vec<wit::Document> = documents
            .iter()
            .map(|d| wit::Document {
                path: d.path.clone(),
                kind: d.kind.map(input_kind_to_wit),
                content: d.content.clone(),
            })
            .collect();
        let external: Vec<wit::ExternalResult> = external.iter().map(external_to_wit).collect();
        let review = instance
            .reviewgate_review_analyzer()
            .call_analyze(&mut store, &documents, config_toml, &external)
            .map_err(HostError::wasm("calling analyze"))?
            .map_err(|e| {
                HostError::Rejected(match e {
                    wit::ReviewError::InvalidRequest(m) => format!("invalid request: {m}"),
                    wit::ReviewError::InvalidConfig(m) => format!("invalid configuration: {m}"),
                })
            })?;
        review_from_wit(review)
    }

    /// The rule catalog, from the component.
    pub fn catalog(&self) -> Result<Vec<RuleInfo>, HostError> {
        let (mut store, instance) = self.instantiate()?;
        let rules = instance
            .reviewgate_review_rules()
            .call_catalog(&mut store)
            .map_err(HostError::wasm("calling catalog"))?;
        Ok(rules
            .into_iter()
            .map(|r| RuleInfo {
                id: r.id,
                title: r.title,
                severity: severity_from_wit(r.severity),
                aliases: r.aliases,
                frameworks: r
                    .frameworks
                    .into_iter()
                    .map(|f| (f.framework, f.controls))
                    .collect(),
            })
            .collect())
    }
}

fn external_to_wit(result: &ExternalResult) -> wit::ExternalResult {
    let (findings, failure) = match &result.outcome {
        Ok(findings) => (
            findings
                .iter()
                .map(|f| wit::PluginFinding {
                    rule_id: f.rule_id.clone(),
                    severity: severity_to_wit(f.severity),
                    title: f.title.clone(),
                    message: f.message.clone(),
                    resource: f.resource.clone(),
                    file: f.file.clone(),
                    line: f.line,
                    remediation: f.remediation.clone(),
                })
                .collect(),
            None,
        ),
        Err(error) => (
            Vec::new(),
            Some(wit::FailedCheck {
                plugin: result.plugin.clone(),
                kind: error.kind.as_str().into(),
                message: error.message.clone(),
            }),
        ),
    };
    wit::ExternalResult {
        plugin: result.plugin.clone(),
        findings,
        failure,
    }
}

fn review_from_wit(review: wit::Review) -> Result<Review, HostError> {
    let changes: ChangeSummary = serde_json::from_str(&review.changes_json)
        .map_err(|e| HostError::InvalidReview(format!("changes-json: {e}")))?;
    let failed_checks = review
        .failed_checks
        .into_iter()
        .map(|f| {
            Ok(FailedCheck {
                kind: f.kind.parse().map_err(HostError::InvalidReview)?,
                plugin: f.plugin,
                message: f.message,
            })
        })
        .collect::<Result<_, HostError>>()?;
    Ok(Review {
        findings: review.findings.into_iter().map(finding_from_wit).collect(),
        changes,
        resources: review.resources as usize,
        errors: review
            .errors
            .into_iter()
            .map(|e| InputError {
                file: e.file,
                line: e.line.map(|n| n as usize),
                column: e.column.map(|n| n as usize),
                kind: e.kind.map(input_kind_from_wit),
                message: e.message,
            })
            .collect(),
        undetermined: review
            .undetermined
            .into_iter()
            .map(|u| Undetermined {
                rule_id: u.rule_id,
                resource: u.resource,
                file: u.file,
                line: u.line,
                reason: u.reason,
            })
            .collect(),
        risk: review.risk.map(|r| Risk {
            score: r.score,
            level: match r.level {
                wit::RiskLevel::Low => RiskLevel::Low,
                wit::RiskLevel::Medium => RiskLevel::Medium,
                wit::RiskLevel::High => RiskLevel::High,
                wit::RiskLevel::Critical => RiskLevel::Critical,
            },
            confidence: r.confidence,
            factors: r
                .factors
                .into_iter()
                .map(|f| RiskFactor {
                    name: f.name,
                    contribution: f.contribution,
                })
                .collect(),
        }),
        failed_checks,
    })
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

pub(crate) fn severity_from_wit(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Info => Severity::Info,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
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
