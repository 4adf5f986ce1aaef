//! Structured JSON logs for SOC 2: every line has `timestamp` and `level`; lines
//! written while serving a request carry its `trace_id` and `request_id` (fields of
//! the `request` span). Three kinds of event have fixed fields:
//!
//! - `AUDIT` — every data change and access decision: `event_type`, `user_id`,
//!   `resource`, `action`, `timestamp`, `success`, `ip_address`.
//! - `SECURITY` — invalid signatures, unauthorized requests, rate limiting.
//! - `PERF` — `duration_ms` per request and per external call.
//!
//! Nothing here ever logs a request body, a header value, an API key or a token:
//! callers pass names and ids only.

use chrono::{SecondsFormat, Utc};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The JSON subscriber every function uses, writing to `writer` (stdout on Lambda,
/// which CloudWatch collects; a buffer in tests).
pub fn json_subscriber<W>(writer: W, filter: EnvFilter) -> impl Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(true)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

/// Installs the JSON subscriber on stdout, filtered by `RUST_LOG` (default `info`).
/// Entry points call it first.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests, or a bin that calls it twice) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(json_subscriber(std::io::stdout, filter));
}

/// One AUDIT record.
#[derive(Clone, Copy, Debug)]
pub struct AuditEvent<'a> {
    /// `access` (an authorization decision), `data_change`, `data_access`.
    pub event_type: &'a str,
    /// The API key's name, `system` or `anonymous` — never the key.
    pub user_id: &'a str,
    /// What was touched (`review/<id>#VERSION#<n>`, `/api/reviews`).
    pub resource: &'a str,
    /// `authorize`, `create`, `update`, `read`, `list`, `ingest`.
    pub action: &'a str,
    /// Whether it was allowed / succeeded.
    pub success: bool,
    /// Client address as the edge reported it.
    pub ip_address: &'a str,
}

/// Writes an AUDIT record.
pub fn audit(event: AuditEvent<'_>) {
    tracing::info!(
        target: "reviewgate::audit",
        log_type = "AUDIT",
        event_type = event.event_type,
        user_id = event.user_id,
        resource = event.resource,
        action = event.action,
        timestamp = %Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        success = event.success,
        ip_address = event.ip_address,
        "audit"
    );
}

/// Writes a SECURITY record (`invalid_signature`, `unauthorized`, `rate_limited`,
/// `stale_timestamp`).
pub fn security(event_type: &str, reason: &str, ip_address: &str) {
    tracing::warn!(
        target: "reviewgate::security",
        log_type = "SECURITY",
        event_type,
        reason,
        ip_address,
        "security"
    );
}

/// Writes a PERF record for a request or an external call.
pub fn perf(operation: &str, duration_ms: u64, success: bool) {
    tracing::info!(
        target: "reviewgate::perf",
        log_type = "PERF",
        operation,
        duration_ms,
        success,
        "perf"
    );
}
