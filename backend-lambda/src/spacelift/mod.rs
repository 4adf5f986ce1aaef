//! Spacelift, for run reviews: the GraphQL client that reads what a run plans to
//! change (`client.rs`), and that change list turned into a plan document the core
//! reviews (`plan.rs`). Not a code host: Spacelift has no pull requests to comment
//! on and speaks GraphQL, so it shares nothing with [`crate::forge`].

mod client;
mod plan;

pub use client::{RunResourceChange, RunResourceChangeMetadata, SpaceliftClient, SpaceliftError};
pub use plan::{RunPlan, plan_actions, run_plan, run_plan_path};
