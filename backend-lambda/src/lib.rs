//! reviewgate's backend: turns changes and events into reviews, keeps every version,
//! and serves them over a REST API.
//!
//! It runs on AWS Lambda (thin `src/bin/<function>.rs` entry points, DynamoDB,
//! Bedrock) and inside the local server (`reviewgate serve`) on the embedded SQLite
//! store with a self-hosted or no model. Reviews come from `reviewgate-core`; this
//! crate never parses Terraform or evaluates rules itself.
//!
//! The AWS SDK is behind the `dynamodb` and `bedrock` features and the Lambda
//! runtime behind `lambda`: without them the router, the embedded store and the
//! `none` / OpenAI-compatible providers build with no AWS crate, so the local server
//! does not pay minutes of SDK compile time.

pub mod analytics;
pub mod api;
pub mod client_ip;
pub mod config;
pub mod error;
mod error_text;
pub mod events;
pub mod forge;
pub mod llm;
pub mod logging;
pub mod model;
pub mod reviews;
#[cfg(feature = "lambda")]
pub mod secrets_manager;
pub mod setup;
pub mod spacelift;
pub mod store;

pub use api::{AppState, app};
pub use config::Config;
pub use error::ApiError;
pub use store::{ReviewStore, StoreError};
