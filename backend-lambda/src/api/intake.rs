//! Event intake: `POST /internal/events` takes edge-signed envelopes;
//! `POST /webhooks/{source}` takes provider webhooks directly — the Worker's route,
//! for deployments without the edge (`reviewgate serve`). Both verify with
//! `reviewgate-ingress`, the code the edge runs, and both are idempotent on the event
//! id (`<source>:<delivery id>`): the store is the duplicate check. Webhooks also get
//! the edge's rate limits, held in this process ([`super::limits::WebhookLimits`]).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use reviewgate_ingress::event::{ENVELOPE_VERSION, EventEnvelope, EventSource};
use reviewgate_ingress::normalize::DeliveryContext;
use reviewgate_ingress::rate_limit::Decision;
use reviewgate_ingress::{
    DEFAULT_TOLERANCE_SECS, Headers, NormalizeError, Normalized, VerifyError,
};
use serde_json::json;

use super::state::{AppState, RequestContext};
use crate::error::ApiError;
use crate::logging::{self, AuditEvent};

fn ingress_headers(headers: &HeaderMap) -> Headers {
    headers
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v)))
        .collect()
}

fn now_ms() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0)
}

/// A refused delivery: SECURITY and AUDIT lines, then 401 (or 503 when this
/// deployment has no secret for the source, which is a configuration problem).
fn refuse(context: &RequestContext, channel: &str, error: &VerifyError) -> ApiError {
    if *error == VerifyError::NoSecretConfigured {
        tracing::error!(
            channel,
            "intake is not configured: no secret for this source"
        );
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            format!("{channel} intake is not configured on this deployment"),
        );
    }
    let event_type = match error {
        VerifyError::StaleTimestamp { .. } | VerifyError::FutureTimestamp { .. } => {
            "stale_timestamp"
        }
        _ => "invalid_signature",
    };
    logging::security(event_type, error.reason(), &context.ip_address);
    logging::audit(AuditEvent {
        event_type: "access",
        user_id: channel,
        resource: channel,
        action: "ingest",
        success: false,
        ip_address: &context.ip_address,
    });
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", error.to_string())
}

/// Stores the event (pending review) before answering, so a 2xx means it is durable;
/// a redelivery is acknowledged and otherwise ignored. Wakes the event processor.
async fn accept(
    state: &AppState,
    context: &RequestContext,
    envelope: &EventEnvelope,
) -> Result<Response, ApiError> {
    let first = state.store.accept_event(envelope).await?;
    if first {
        state.events_waiting.notify_one();
    }
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
        duplicate = !first,
        "event received"
    );
    Ok(if first {
        (
            StatusCode::ACCEPTED,
            Json(json!({"status": "accepted", "event_id": envelope.id, "kind": envelope.kind.as_str()})),
        )
            .into_response()
    } else {
        (
            StatusCode::OK,
            Json(json!({"status": "duplicate", "event_id": envelope.id})),
        )
            .into_response()
    })
}

/// `POST /internal/events`: an envelope signed by the edge, at most 5 minutes old.
pub async fn internal_events(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if state.intake.edge.is_empty() {
        return Err(refuse(&context, "edge", &VerifyError::NoSecretConfigured));
    }
    let ingress = ingress_headers(&headers);
    reviewgate_ingress::edge_signing::verify_edge_request(
        &ingress,
        &body,
        &state.intake.edge,
        now_ms(),
        DEFAULT_TOLERANCE_SECS,
    )
    .map_err(|e| refuse(&context, "edge", &e))?;
    let envelope: EventEnvelope = serde_json::from_slice(&body)
        .map_err(|e| ApiError::validation(format!("envelope: {e}")))?;
    if envelope.version != ENVELOPE_VERSION {
        return Err(ApiError::validation(format!(
            "envelope: version {} is not {ENVELOPE_VERSION}",
            envelope.version
        )));
    }
    accept(&state, &context, &envelope).await
}

/// A limit refused the delivery: a SECURITY line, then 429 with `Retry-After`.
fn limited(
    context: &RequestContext,
    channel: &str,
    scope: &str,
    retry_after_secs: u64,
) -> ApiError {
    logging::security(
        "rate_limited",
        &format!("{channel}: {scope} limit"),
        &context.ip_address,
    );
    ApiError::rate_limited(
        format!("too many deliveries for this {scope}; retry after {retry_after_secs} s"),
        retry_after_secs,
    )
}

/// `POST /webhooks/{source}` (also `/webhook/{source}`, its earlier name): the
/// edge's pipeline in this process. Refuse a client that keeps failing
/// authentication, verify, normalize, apply the limits, then store the event.
pub async fn webhook(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(source) = EventSource::from_name(&source) else {
        let known: Vec<&str> = EventSource::ALL.iter().map(|s| s.as_str()).collect();
        return Err(ApiError::not_found(format!(
            "no webhook source `{source}`; one of {}",
            known.join(", ")
        )));
    };
    let channel = format!("webhook:{}", source.as_str());
    let now = now_ms();
    let limits = &state.webhook_limits;
    if let Some(wait) = limits.with(|l| l.blocked(&context.ip_address, now)) {
        return Err(limited(&context, &channel, "client IP", wait));
    }
    let body = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "bad_request"
            },
            rejection.body_text(),
        )
    })?;
    let keys = state.intake.keys(source);
    if keys.secrets.is_empty() {
        return Err(refuse(&context, &channel, &VerifyError::NoSecretConfigured));
    }
    let ingress = ingress_headers(&headers);
    let authentic = reviewgate_ingress::verify_webhook(
        source,
        &ingress,
        &body,
        keys,
        now,
        DEFAULT_TOLERANCE_SECS,
    );
    if let Err(e) = authentic {
        limits.with(|l| l.record_auth_failure(&context.ip_address, now));
        return Err(refuse(&context, &channel, &e));
    }
    let delivery_id = reviewgate_ingress::delivery::delivery_id(source, &ingress, &body);
    let normalized = reviewgate_ingress::normalize(
        source,
        &ingress,
        &body,
        DeliveryContext {
            delivery_id: &delivery_id,
            received_at_ms: now,
            trace_id: &context.trace_id,
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        },
    );
    let envelope = match normalized {
        Ok(Normalized::Event(envelope)) => envelope,
        Ok(Normalized::Ping) => {
            return Ok((StatusCode::OK, Json(json!({"status": "pong"}))).into_response());
        }
        Ok(Normalized::Ignored(reason)) => {
            return Ok((
                StatusCode::ACCEPTED,
                Json(json!({"status": "ignored", "reason": reason})),
            )
                .into_response());
        }
        Err(NormalizeError::Timestamp(e)) => {
            limits.with(|l| l.record_auth_failure(&context.ip_address, now));
            return Err(refuse(&context, &channel, &e));
        }
        Err(e) => return Err(ApiError::bad_request(e.to_string())),
    };
    let repository = envelope.repository.as_ref().map(|r| r.full_name());
    let decision = limits.with(|l| {
        l.admit(
            source.as_str(),
            envelope.organisation.as_deref(),
            repository.as_deref(),
            now,
        )
    });
    if let Decision::Limit {
        retry_after_secs,
        scope,
    } = decision
    {
        return Err(limited(&context, &channel, scope.as_str(), retry_after_secs));
    }
    accept(&state, &context, &envelope).await
}
