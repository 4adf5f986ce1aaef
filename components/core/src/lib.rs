//! reviewgate's review core: the change-set model, parsers for real inputs
//! (Terraform plan JSON, HCL and JSON configuration, unified diffs), findings and the
//! review itself.
//!
//! Every surface — the Cloudflare Worker, the WASI components, the Lambda backend,
//! the local server and the CLI — is a thin adapter over this crate. It must stay pure
//! so that it builds for the host, `wasm32-unknown-unknown` and `wasm32-wasip2` alike:
//! no I/O (callers pass text in), no async runtime, no clock, and no dependency on
//! `worker`, `wasmtime`, `aws-*`, `tokio` or any other platform crate.
//!
//! Inside, only the parsers (`hcl`, `tfjson`, `plan`, `diff`) read input formats;
//! rules and the secret detector read the model they build, and no module imports
//! one that imports it back.

pub mod address;
pub mod changed_lines;
pub mod changeset;
pub mod compliance;
pub mod config;
pub mod detect;
pub mod diff;
pub mod encoding;
mod evaluate;
pub mod external;
pub mod finding;
pub mod gate;
pub mod hcl;
pub mod module_manifest;
pub mod output;
pub mod parallel;
pub mod plan;
pub mod plan_values;
pub mod resource;
pub mod review;
pub mod risk;
pub mod rules;
pub mod secrets;
pub mod suppress;
pub mod terraform;
pub mod tfjson;
pub mod value;

pub use address::{Address, InstanceKey, Mode, ModuleStep};
pub use changeset::{ChangeSet, Document, InputError, Origin, ParsedDocument, ReviewScope};
pub use detect::InputKind;
pub use diff::{ChangedFile, DiffError, FileStatus, parse_unified_diff};
pub use evaluate::{CommandLineVariable, UnevaluatedModule, VarArgumentError, VariableInputs};
pub use external::{ExternalError, ExternalFinding, ExternalResult, ExternalRule, FailureKind};
pub use finding::{Finding, RuleInfo, Severity};
pub use plan::{Plan, PlanError, parse_plan};
pub use resource::{ChangeAction, LineRange, PlannedChange, Resource, SourceSpan};
pub use review::{ChangeSummary, FailedCheck, Review, review, review_with_external};
pub use risk::{Risk, RiskLevel};
pub use terraform::{ConfigError, Configuration};
pub use value::{Sensitive, Unknown, UnknownCause, Value, ValueMap};
