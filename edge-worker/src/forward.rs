//! The queue between intake and the backend: [`QueueSink`], the pipeline's event
//! sink, puts accepted envelopes on it; the consumer forwards them to the backend, signed
//! (`reviewgate_ingress::edge_signing`). A failed delivery is re-queued with an
//! exponentially growing delay; after `FORWARD_MAX_ATTEMPTS` it goes to the
//! dead-letter queue, whose consumer logs it as an error line. The message is only
//! acknowledged once its successor (retry or dead letter) is queued, so nothing is
//! lost between the two; should the consumer itself fail, the queue's own retries and
//! `dead_letter_queue` setting (wrangler.toml) still apply.

use reviewgate_ingress::edge_signing::edge_request_headers;
use reviewgate_ingress::event::EventEnvelope;
use reviewgate_ingress::ports::{EventSink, PortError, Sunk};
use serde::{Deserialize, Serialize};
use worker::{
    Date, Env, Headers, MessageBatch, MessageBuilder, MessageExt, Method, Request, RequestInit,
};

use crate::config::{self, ForwardConfig};

/// A queue message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedEvent {
    /// Failed forwarding attempts so far.
    pub attempt: u32,
    /// The event.
    pub envelope: EventEnvelope,
}

/// The pipeline's event sink: the events queue. Sent means durable.
pub struct QueueSink<'a>(pub &'a Env);

impl EventSink for QueueSink<'_> {
    async fn accept(&self, envelope: &EventEnvelope) -> Result<Sunk, PortError> {
        let queue = self.0.queue(config::EVENTS_QUEUE).map_err(|_| {
            PortError::Misconfigured(format!("queue binding {} is missing", config::EVENTS_QUEUE))
        })?;
        let message = QueuedEvent {
            attempt: 0,
            envelope: envelope.clone(),
        };
        queue
            .send(&message)
            .await
            .map_err(|e| PortError::Unavailable(format!("queue: {e}")))?;
        Ok(Sunk::New)
    }
}

/// Delay before attempt `attempt + 1`: base · 2^attempt, capped.
pub fn backoff_secs(config: &ForwardConfig, attempt: u32) -> u32 {
    config
        .backoff_base_secs
        .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
        .min(config.backoff_max_secs)
}

/// Handles one batch from either queue.
pub async fn consume(batch: MessageBatch<serde_json::Value>, env: Env) -> worker::Result<()> {
    let dead_letters = batch.queue().ends_with("-dlq");
    let config =
        ForwardConfig::from_env(&env).map_err(|e| worker::Error::RustError(e.to_string()))?;
    for message in batch.messages()? {
        let Ok(event) = serde_json::from_value::<QueuedEvent>(message.body().clone()) else {
            worker::console_error!(
                "{}",
                serde_json::json!({"level": "ERROR", "reason": "undecodable_queue_message"})
            );
            message.ack();
            continue;
        };
        if dead_letters {
            worker::console_error!(
                "{}",
                serde_json::json!({
                    "level": "ERROR",
                    "reason": "dead_letter",
                    "event_id": event.envelope.id,
                    "trace_id": event.envelope.trace_id,
                    "attempts": event.attempt,
                })
            );
            message.ack();
            continue;
        }
        match forward(&env, &config, &event).await {
            Ok(()) => message.ack(),
            Err(reason) => {
                let next = QueuedEvent {
                    attempt: event.attempt + 1,
                    envelope: event.envelope,
                };
                let log = serde_json::json!({
                    "level": "WARN",
                    "reason": "backend_delivery_failed",
                    "detail": reason,
                    "event_id": next.envelope.id,
                    "trace_id": next.envelope.trace_id,
                    "attempt": next.attempt,
                });
                worker::console_warn!("{log}");
                let requeued = if next.attempt >= config.max_attempts {
                    env.queue(config::DEAD_LETTER_QUEUE)?.send(&next).await
                } else {
                    let delay = backoff_secs(&config, next.attempt - 1);
                    env.queue(config::EVENTS_QUEUE)?
                        .send(MessageBuilder::new(next).delay_seconds(delay).build())
                        .await
                };
                match requeued {
                    Ok(()) => message.ack(),
                    // Leave it to the queue's own retry.
                    Err(e) => {
                        worker::console_error!("re-queueing failed: {e}");
                        message.retry();
                    }
                }
            }
        }
    }
    Ok(())
}

async fn forward(env: &Env, config: &ForwardConfig, event: &QueuedEvent) -> Result<(), String> {
    let secrets = config::edge_signing_secrets(env).map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(&event.envelope).map_err(|e| e.to_string())?;
    let headers = Headers::new();
    for (name, value) in edge_request_headers(
        &secrets.keys()[0],
        Date::now().as_millis(),
        &body,
        &event.envelope.trace_id,
        &event.envelope.id,
    ) {
        headers.set(name, &value).map_err(|e| e.to_string())?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    let req = Request::new_with_init(&config.backend_url, &init).map_err(|e| e.to_string())?;
    let response = worker::Fetch::Request(req)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("backend answered {status}")),
    }
}
