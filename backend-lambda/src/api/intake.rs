//! Event intake: `POST /internal/events` takes edge-signed envelopes;
//! `POST /webhook/github` and `/webhook/spacelift` take provider webhooks directly
//! (deployments without the edge). Both verify with `reviewgate-ingress` — the code
//! the edge runs — and both are idempotent on the event id (`<source>:<delivery id>`).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use reviewgate_core::event::{ENVELOPE_VERSION, EventEnvelope, EventSource};
use reviewgate_ingress::normalize::DeliveryContext;
use reviewgate_ingress::verify::SourceKeys;
use reviewgate_ingress::{
    DEFAULT_TOLERANCE_SECS, Headers, NormalizeError, Normalized, SecretSet, VerifyError,
};
use serde_json::json;

use super::{AppState, RequestContext};
use crate::error::ApiError;
use crate::logging::{self, AuditEvent};

/// The secrets intake verifies with. `Debug` shows counts only.
#[derive(Clone, Debug, Default)]
pub struct IntakeSecrets {
    /// Edge→backend signing secrets (`REVIEWGATE_EDGE_SECRETS`, one per line).
    pub edge: SecretSet,
    /// GitHub webhook secrets (`REVIEWGATE_GITHUB_WEBHOOK_SECRETS`).
    pub github: SourceKeys,
    /// Spacelift webhook secrets (`REVIEWGATE_SPACELIFT_WEBHOOK_SECRETS`).
    pub spacelift: SourceKeys,
}

impl IntakeSecrets {
    /// The secrets for webhooks sent straight from `source`; `None` for sources
    /// that reach the backend only through the edge.
    fn keys(&self, source: EventSource) -> Option<&SourceKeys> {
        match source {
            EventSource::Github => Some(&self.github),
            EventSource::Spacelift => Some(&self.spacelift),
            _ => None,
        }
    }
}

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

async fn webhook(
    source: EventSource,
    state: &AppState,
    context: &RequestContext,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let channel = format!("webhook:{}", source.as_str());
    let Some(keys) = state.intake.keys(source).filter(|k| !k.secrets.is_empty()) else {
        return Err(refuse(context, &channel, &VerifyError::NoSecretConfigured));
    };
    let ingress = ingress_headers(headers);
    let now = now_ms();
    reviewgate_ingress::verify_webhook(source, &ingress, body, keys, now, DEFAULT_TOLERANCE_SECS)
        .map_err(|e| refuse(context, &channel, &e))?;
    let delivery_id = reviewgate_ingress::delivery::delivery_id(source, &ingress, body);
    let normalized = reviewgate_ingress::normalize(
        source,
        &ingress,
        body,
        DeliveryContext {
            delivery_id: &delivery_id,
            received_at_ms: now,
            trace_id: &context.trace_id,
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        },
    );
    match normalized {
        Ok(Normalized::Event(envelope)) => accept(state, context, &envelope).await,
        Ok(Normalized::Ping) => {
            Ok((StatusCode::OK, Json(json!({"status": "pong"}))).into_response())
        }
        Ok(Normalized::Ignored(reason)) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({"status": "ignored", "reason": reason})),
        )
            .into_response()),
        Err(NormalizeError::Timestamp(e)) => Err(refuse(context, &channel, &e)),
        Err(e) => Err(ApiError::bad_request(e.to_string())),
    }
}

/// `POST /webhook/github`.
pub async fn github_webhook(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    webhook(EventSource::Github, &state, &context, &headers, &body).await
}

/// `POST /webhook/spacelift`.
pub async fn spacelift_webhook(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    webhook(EventSource::Spacelift, &state, &context, &headers, &body).await
}
