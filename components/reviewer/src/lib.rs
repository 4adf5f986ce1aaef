//! The `reviewer` component (`wit/review.wit`, world `reviewer`): reviewgate's core
//! behind the `analyzer`, `scoring` and `rules` interfaces, for wasmtime, jco and any
//! other component host. Build: `cargo build -p reviewgate-reviewer --target
//! wasm32-wasip2 --release`.
//!
//! A thin adapter: it converts WIT records to and from `reviewgate-core` types (the
//! conversions are shared with the host) and has no logic of its own. It needs nothing from the host beyond the WASI imports
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

use bindings::exports::reviewgate::review::{analyzer, rules, scoring};
use bindings::reviewgate::review::types as wit;
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::risk;
use reviewgate_core::{ChangeSet, Document, ExternalResult, Finding, Origin, review_with_external};

// `From` impls between `wit` and the core types: the same source as the host's
// (`components/wit-convert`), so both ends of the boundary convert alike.
#[path = "../../wit-convert/convert.rs"]
mod convert;

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
        let change_set =
            ChangeSet::from_documents(Origin::Local, documents.into_iter().map(Document::from));
        let external: Vec<ExternalResult> = external.into_iter().map(Into::into).collect();
        Ok(review_with_external(&change_set, &config, &external).into())
    }
}

impl scoring::Guest for Reviewer {
    fn score(findings: Vec<wit::Finding>, changed_resources: u32) -> wit::Risk {
        let findings: Vec<Finding> = findings.into_iter().map(Into::into).collect();
        risk::score_findings(&findings, changed_resources as usize).into()
    }
}

impl rules::Guest for Reviewer {
    fn catalog() -> Vec<wit::RuleInfo> {
        reviewgate_core::rules::catalog()
            .into_iter()
            .map(Into::into)
            .collect()
    }
}

#[allow(unsafe_code)]
mod export {
    use super::Reviewer;
    crate::bindings::export!(Reviewer with_types_in crate::bindings);
}
