//! reviewgate's wasmtime host: runs the `reviewer` component and any number of
//! third-party `policy-plugin` components (`wit/review.wit`).
//!
//! Components are compiled once and cached on disk ([`ComponentCache`], keyed by a
//! hash of the component bytes and the engine configuration), pre-instantiated
//! ([`wasmtime::component::InstancePre`]) when loaded, and instantiated in a fresh
//! store for every review, so no state leaks from one review to the next.
//!
//! Plugins are sandboxed ([`PluginLimits`]): no filesystem, network or environment
//! unless the operator grants them ([`PluginGrants`]), one memory budget for all of a
//! plugin's memories and tables, a CPU budget (fuel), an output limit enforced while
//! results are copied out, and a wall-clock deadline that also stops a plugin
//! asleep or blocked in a host call. A plugin that breaks any of them, traps or
//! returns findings that break the contract is recorded on the review as a failed
//! check and the review completes without it.
//!
//! This crate is the only one that depends on wasmtime: it is heavy to build, and
//! nothing else needs it. It holds no review logic — that is `reviewgate-core`'s.

mod cache;
mod deadline;
mod grants;
mod output;
mod plugins;
mod reviewer;
mod sandbox;

pub use cache::{CacheOutcome, ComponentCache};
pub use grants::PluginGrants;
pub use plugins::{PluginLimits, PolicyPlugins};
pub use reviewer::ReviewerHost;

use std::path::PathBuf;

/// Why the host could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// A component or cache file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The engine, a compilation, linking or instantiation failed.
    #[error("{context}: {source}")]
    Wasm {
        /// What was being done.
        context: String,
        /// wasmtime's error.
        #[source]
        source: wasmtime::Error,
    },
    /// The component rejected the request with a typed WIT error.
    #[error("the reviewer rejected the request: {0}")]
    Rejected(String),
    /// The component answered with something that does not convert back.
    #[error("the reviewer returned an invalid review: {0}")]
    InvalidReview(String),
}

impl HostError {
    fn wasm(context: impl Into<String>) -> impl FnOnce(wasmtime::Error) -> HostError {
        let context = context.into();
        move |source| HostError::Wasm { context, source }
    }
}
