//! The `reviewer` component behind a native API that speaks `reviewgate-core` types.

use reviewgate_core::{Document, ExternalResult, Review, RuleInfo};
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

// `From` impls between `wit` and the core types: the same source as the reviewer
// component's (`components/wit-convert`), so both ends of the boundary convert alike.
#[path = "../../wit-convert/convert.rs"]
mod convert;

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
        let documents: Vec<wit::Document> = documents.iter().cloned().map(Into::into).collect();
        let external: Vec<wit::ExternalResult> = external.iter().cloned().map(Into::into).collect();
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
        Review::try_from(review).map_err(|e| HostError::InvalidReview(format!("changes-json: {e}")))
    }

    /// The rule catalog, from the component.
    pub fn catalog(&self) -> Result<Vec<RuleInfo>, HostError> {
        let (mut store, instance) = self.instantiate()?;
        let rules = instance
            .reviewgate_review_rules()
            .call_catalog(&mut store)
            .map_err(HostError::wasm("calling catalog"))?;
        Ok(rules.into_iter().map(RuleInfo::from).collect())
    }
}
