//! What handlers share: the per-process [`AppState`] (store, AI reviewer, limits,
//! intake secrets), built once per process (per cold start on Lambda), and the
//! per-request [`RequestContext`] (trace id, request id, client address) that the
//! router's outermost middleware puts into every request.

use std::sync::Arc;

use axum::http::HeaderMap;

use reviewgate_ingress::IntakeSettings;
use reviewgate_ingress::process_limiter::SharedProcessLimiter;

use super::limits::RateLimiter;
use crate::client_ip::TrustedProxies;
use crate::config::{Config, IntakeSecrets};
use crate::llm::AiReviewer;
use crate::store::ReviewStore;

/// How AI reviews are started after version 1 is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AiDispatch {
    /// A background task in this process (the local server).
    Background,
    /// Something else starts them: on Lambda, the AI-reviewer function consumes the
    /// table's stream of new version-1 items, so the API returns at once.
    External,
}

/// What every handler shares: built once per process (per cold start on Lambda).
#[derive(Clone)]
pub struct AppState {
    /// The review store.
    pub store: Arc<dyn ReviewStore>,
    /// The AI reviewer (possibly without a model).
    pub ai: Arc<AiReviewer>,
    /// How AI reviews start.
    pub ai_dispatch: AiDispatch,
    /// Per-key request limit.
    pub rate_limiter: Arc<RateLimiter>,
    /// Largest accepted body (of every route).
    pub max_body_bytes: usize,
    /// Webhook body limit and signed-timestamp tolerance.
    pub intake_settings: IntakeSettings,
    /// Secrets of event intake.
    pub intake: Arc<IntakeSecrets>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Webhook rate limits, counted in this process.
    pub webhook_limits: Arc<SharedProcessLimiter>,
    /// Notified when intake accepts a new event, so the event processor (in the
    /// same process) starts at once instead of at its next poll.
    pub events_waiting: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// State over a store and reviewer with the configured limits.
    pub fn new(
        store: Arc<dyn ReviewStore>,
        ai: Arc<AiReviewer>,
        ai_dispatch: AiDispatch,
        config: &Config,
    ) -> AppState {
        AppState {
            store,
            ai,
            ai_dispatch,
            rate_limiter: Arc::new(RateLimiter::new(config.rate_limit_per_minute)),
            max_body_bytes: config.max_body_bytes,
            intake_settings: IntakeSettings {
                max_body_bytes: config.max_body_bytes as u64,
                tolerance_secs: config.timestamp_tolerance_secs,
            },
            intake: Arc::new(config.intake.clone()),
            trusted_proxies: config.trusted_proxies.clone(),
            webhook_limits: Arc::new(SharedProcessLimiter::new(config.webhook_limits)),
            events_waiting: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

/// Identifiers and client address of the request being served.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// Correlates log lines across services (`X-Reviewgate-Trace-Id`,
    /// `X-Amzn-Trace-Id` root, `traceparent` trace id, or a new one).
    pub trace_id: String,
    /// This request (`X-Request-Id`, or a new one).
    pub request_id: String,
    /// Client address (see [`crate::client_ip`]), `unknown` when nothing says.
    pub ip_address: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Only ids made of safe characters are taken from clients: they end up in logs.
/// The same rule as the Worker's ([`reviewgate_ingress::outcome::is_acceptable_trace_id`]).
fn safe_id(id: &str) -> Option<String> {
    reviewgate_ingress::outcome::is_acceptable_trace_id(id).then(|| id.to_owned())
}

impl RequestContext {
    /// Reads the ids from the headers, making new ones where absent.
    pub fn from_headers(headers: &HeaderMap) -> RequestContext {
        let trace_id = header(headers, reviewgate_ingress::outcome::TRACE_ID_HEADER)
            .or_else(|| {
                header(headers, "x-amzn-trace-id")
                    .and_then(|v| v.split(';').find_map(|p| p.strip_prefix("Root=")))
            })
            .or_else(|| header(headers, "traceparent").and_then(|v| v.split('-').nth(1)))
            .and_then(safe_id)
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        let request_id = header(headers, "x-request-id")
            .or_else(|| header(headers, "lambda-runtime-aws-request-id"))
            .and_then(safe_id)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        RequestContext {
            trace_id,
            request_id,
            // Who the client is comes from the transport, not from headers the
            // client writes: the middleware fills it in (`crate::client_ip`).
            ip_address: "unknown".to_owned(),
        }
    }
}
