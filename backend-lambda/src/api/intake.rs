//! Event intake. `POST /webhooks/{source}` (and `/webhook/{source}`, its earlier name)
//! takes provider webhooks directly, for deployments without the edge (`reviewgate
//! serve`, or the `intake` Lambda function): it runs `reviewgate_ingress`'s pipeline
//! — the one the Worker runs — over this process's ports and writes its answer, so a
//! sender gets the same answer here as from the edge (`docs/webhooks.md`). `POST
//! /internal/events` takes envelopes the edge verified and signed.
//!
//! The ports: the configured secrets, the Rust HMAC, the edge's limits held in this
//! process, and the store, which is both the sink and the duplicate check — an event
//! is stored (pending review) before the answer, and the store's insert-if-absent on
//! the event id is what makes a redelivery a duplicate.

use std::borrow::Cow;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use reviewgate_ingress::event::{ENVELOPE_VERSION, EventEnvelope, EventSource};
use reviewgate_ingress::outcome::SecurityRecord;
use reviewgate_ingress::ports::{
    BodyError, Claim, Clock, Deduplicator, EventSink, NativeHmac, PortError, RequestBody, Secrets,
    Sunk,
};
use reviewgate_ingress::verify::SourceKeys;
use reviewgate_ingress::{
    Delivery, Headers, Ingested, Outcome, Pipeline, Refusal, VerifyError, WireResponse,
};

use super::state::{AppState, RequestContext};
use crate::config::IntakeSecrets;
use crate::error::ApiError;
use crate::logging::{self, AuditEvent};

/// `POST /webhooks/{source}`: the intake pipeline in this process.
pub async fn webhook(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let pipeline = Pipeline {
        settings: state.intake_settings,
        secrets: &*state.intake,
        hmac: &NativeHmac,
        limiter: &*state.webhook_limits,
        dedup: &StoreLookup { state: &state },
        sink: &StoreSink {
            state: &state,
            context: &context,
        },
        clock: &SystemClock,
    };
    let ingested = pipeline
        .ingest(Delivery {
            source: &source,
            headers: ingress_headers(&headers),
            body: AxumBody {
                body,
                limit: state.intake_settings.max_body_bytes,
            },
            client_ip: &context.ip_address,
            trace_id: &context.trace_id,
        })
        .await;
    log_ingested(&ingested, &source, &context);
    write(ingested.outcome.to_wire(&context.trace_id))
}

/// Any method but POST on a webhook route: the contract's `405`.
pub async fn webhook_method_not_allowed(Extension(context): Extension<RequestContext>) -> Response {
    write(Outcome::Refused(Refusal::MethodNotAllowed).to_wire(&context.trace_id))
}

/// `POST /internal/events`: an envelope signed by the edge, within the tolerance.
pub async fn internal_events(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if state.intake.edge.is_empty() {
        return Err(refuse_edge(&context, &VerifyError::NoSecretConfigured));
    }
    reviewgate_ingress::edge_signing::verify_edge_request(
        &ingress_headers(&headers),
        &body,
        &state.intake.edge,
        SystemClock.now_ms(),
        state.intake_settings.tolerance_secs,
    )
    .map_err(|e| refuse_edge(&context, &e))?;
    let envelope: EventEnvelope = serde_json::from_slice(&body)
        .map_err(|e| ApiError::validation(format!("envelope: {e}")))?;
    if envelope.version != ENVELOPE_VERSION {
        return Err(ApiError::validation(format!(
            "envelope: version {} is not {ENVELOPE_VERSION}",
            envelope.version
        )));
    }
    let sink = StoreSink {
        state: &state,
        context: &context,
    };
    let sunk = sink.accept(&envelope).await.map_err(|e| {
        tracing::error!("edge intake failed: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "temporarily unavailable; retry later",
        )
    })?;
    let outcome = match sunk {
        Sunk::New => Outcome::Accepted {
            event_id: envelope.id.clone(),
            kind: envelope.kind,
        },
        Sunk::AlreadyKnown => Outcome::Duplicate {
            event_id: envelope.id.clone(),
        },
    };
    Ok(write(outcome.to_wire(&context.trace_id)))
}

/// A refused edge request: SECURITY and AUDIT lines, then 401 (or 503 when this
/// deployment has no edge secret, which is a configuration problem).
fn refuse_edge(context: &RequestContext, error: &VerifyError) -> ApiError {
    if *error == VerifyError::NoSecretConfigured {
        tracing::error!("edge intake is not configured: REVIEWGATE_EDGE_SECRETS is empty");
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "edge intake is not configured on this deployment",
        );
    }
    logging::security(
        security_event_type(error.reason()),
        error.reason(),
        &context.ip_address,
    );
    audit_refused(context, "edge");
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", error.to_string())
}

/// The log lines of a webhook: SECURITY + AUDIT for what the sender caused, an error
/// line for this deployment's own failures, AUDIT for what was stored.
fn log_ingested(ingested: &Ingested, source: &str, context: &RequestContext) {
    if let Some(SecurityRecord {
        reason,
        status,
        delivery_id,
        ..
    }) = ingested.security_record(source, &context.ip_address, &context.trace_id)
    {
        logging::security(security_event_type(reason), reason, &context.ip_address);
        tracing::debug!(source, status, delivery_id, "webhook refused");
        audit_refused(context, &format!("webhook:{source}"));
    }
    if let Outcome::Refused(refusal) = &ingested.outcome
        && let Some(detail) = refusal.operator_detail()
    {
        tracing::error!(
            source,
            reason = refusal.code(),
            "webhook intake failed: {detail}"
        );
    }
}

/// The SECURITY `event_type` of a refusal's reason.
fn security_event_type(reason: &str) -> &'static str {
    match reason {
        "stale_timestamp" | "future_timestamp" => "stale_timestamp",
        r if r.starts_with("rate_limited") => "rate_limited",
        "signature_mismatch" | "missing_header" | "duplicated_header" | "malformed_header"
        | "sha1_only" => "invalid_signature",
        _ => "rejected",
    }
}

fn audit_refused(context: &RequestContext, channel: &str) {
    logging::audit(AuditEvent {
        event_type: "access",
        user_id: channel,
        resource: channel,
        action: "ingest",
        success: false,
        ip_address: &context.ip_address,
    });
}

fn audit_accepted(context: &RequestContext, envelope: &EventEnvelope, sunk: Sunk) {
    logging::audit(AuditEvent {
        event_type: "data_change",
        user_id: &format!("source:{}", envelope.source.as_str()),
        resource: &format!("event/{}", envelope.id),
        action: "ingest",
        success: true,
        ip_address: &context.ip_address,
    });
    tracing::info!(
        event_id = %envelope.id,
        kind = envelope.kind.as_str(),
        duplicate = sunk == Sunk::AlreadyKnown,
        "event received"
    );
}

fn write(wire: WireResponse) -> Response {
    let mut response = (
        StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        wire.body,
    )
        .into_response();
    for (name, value) in wire.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
    response
}

fn ingress_headers(headers: &HeaderMap) -> Headers {
    headers
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v)))
        .collect()
}

/// The wall clock.
struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0)
    }
}

impl Secrets for IntakeSecrets {
    fn source_keys(&self, source: EventSource) -> Result<Cow<'_, SourceKeys>, PortError> {
        Ok(Cow::Borrowed(self.keys(source)))
    }
}

/// The body axum read, under the router's body limit.
struct AxumBody {
    body: Result<Bytes, BytesRejection>,
    limit: u64,
}

impl RequestBody for AxumBody {
    type Bytes = Bytes;

    async fn read(self, limit: u64) -> Result<Bytes, BodyError> {
        match self.body {
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(BodyError::TooLarge { limit: self.limit })
            }
            Err(rejection) => Err(BodyError::Unreadable(rejection.body_text())),
            Ok(bytes) if bytes.len() as u64 > limit => Err(BodyError::TooLarge { limit }),
            Ok(bytes) => Ok(bytes),
        }
    }
}

/// The duplicate check of the store: an event id it holds is a duplicate, answered
/// before the limits count the delivery. Nothing to claim: two deliveries racing
/// past this check meet at the store's insert-if-absent ([`StoreSink`]), which
/// answers the second `duplicate` all the same.
struct StoreLookup<'a> {
    state: &'a AppState,
}

impl Deduplicator for StoreLookup<'_> {
    async fn claim(&self, event_id: &str, _now_ms: u64) -> Result<Claim, PortError> {
        match self.state.store.event_recorded(event_id).await {
            Ok(true) => Ok(Claim::Duplicate),
            Ok(false) => Ok(Claim::First),
            Err(e) => Err(PortError::Unavailable(format!("store: {e}"))),
        }
    }

    async fn confirm(&self, _event_id: &str, _now_ms: u64) {}

    async fn release(&self, _event_id: &str) {}
}

/// Stores the event pending review (durable before the answer), audits it and wakes
/// the event processor of this process.
struct StoreSink<'a> {
    state: &'a AppState,
    context: &'a RequestContext,
}

impl EventSink for StoreSink<'_> {
    async fn accept(&self, envelope: &EventEnvelope) -> Result<Sunk, PortError> {
        let first = self
            .state
            .store
            .accept_event(envelope)
            .await
            .map_err(|e| PortError::Unavailable(format!("store: {e}")))?;
        if first {
            self.state.events_waiting.notify_one();
        }
        let sunk = if first { Sunk::New } else { Sunk::AlreadyKnown };
        audit_accepted(self.context, envelope, sunk);
        Ok(sunk)
    }
}
