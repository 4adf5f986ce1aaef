//! The webhook route: read → verify → normalize → rate-limit → deduplicate → queue.
//! Each step is a call into `reviewgate-ingress` or a Durable Object; failures become
//! an [`EdgeError`] and are turned into a response in exactly one place.

use std::cell::RefCell;
use std::collections::HashMap;

use futures_util::StreamExt;
use reviewgate_ingress::event::{EventEnvelope, EventSource};
use reviewgate_ingress::normalize::DeliveryContext;
use reviewgate_ingress::rate_limit::{global_shard, global_shard_limit, stable_hash};
use reviewgate_ingress::{
    Headers, Normalized, Verification, delivery, normalize, plan_verification,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Date, Env, Method, Request, RequestInit, Response, RouteContext, Router};

use crate::config::{self, Config};
use crate::dedup::{DedupAnswer, DedupRequest};
use crate::error::{EdgeError, security_log_line};
use crate::forward::QueuedEvent;
use crate::global_limiter::WindowRequest;
use crate::org_limiter::{AdmitAnswer, AdmitRequest};
use crate::webcrypto;

thread_local! {
    /// Client IPs this isolate has seen blocked for failed authentication, with the
    /// time (ms) the block ends.
    static BLOCKED_IPS: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
}

/// The Worker's routes.
pub fn router() -> Router<'static, ()> {
    Router::new()
        .post_async("/webhooks/:source", |req, ctx| async move {
            Ok(handle(req, ctx).await)
        })
        .get("/healthz", |_, _| Response::ok("ok"))
}

struct Delivery {
    source: String,
    delivery_id: Option<String>,
    client_ip: String,
    trace_id: String,
}

async fn handle(req: Request, ctx: RouteContext<()>) -> Response {
    let trace_id = req
        .headers()
        .get("x-reviewgate-trace-id")
        .ok()
        .flatten()
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .unwrap_or_else(webcrypto::random_uuid);
    let mut delivery = Delivery {
        source: ctx.param("source").cloned().unwrap_or_default(),
        delivery_id: None,
        client_ip: req
            .headers()
            .get("cf-connecting-ip")
            .ok()
            .flatten()
            .unwrap_or_else(|| "unknown".into()),
        trace_id,
    };
    let outcome = ingest(req, &ctx.env, &mut delivery).await;
    let response = match outcome {
        Ok((status, body)) => json_response(status, &body),
        Err(error) => {
            worker::console_log!(
                "{}",
                security_log_line(
                    &error,
                    &delivery.source,
                    delivery.delivery_id.as_deref(),
                    &delivery.client_ip,
                    &delivery.trace_id
                )
            );
            if let EdgeError::Misconfigured(detail) = &error {
                worker::console_error!("edge misconfigured: {detail}");
            }
            let mut response = json_response(error.status(), &error.body(&delivery.trace_id));
            if let (Some(secs), Ok(r)) = (error.retry_after(), response.as_mut()) {
                let _ = r.headers_mut().set("retry-after", &secs.to_string());
            }
            response
        }
    };
    response
        .map(|mut r| {
            let _ = r
                .headers_mut()
                .set("x-reviewgate-trace-id", &delivery.trace_id);
            r
        })
        .unwrap_or_else(|_| {
            Response::error("internal error", 500).expect("a plain response builds")
        })
}

fn json_response<T: Serialize>(status: u16, body: &T) -> worker::Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

async fn ingest(
    mut req: Request,
    env: &Env,
    delivery: &mut Delivery,
) -> Result<(u16, serde_json::Value), EdgeError> {
    let source = EventSource::from_name(&delivery.source)
        .ok_or_else(|| EdgeError::NotFound(format!("/webhooks/{}", delivery.source)))?;
    let config = Config::from_env(env)?;
    let now = Date::now().as_millis();

    // A client that keeps failing authentication is refused before any work.
    if let Some(until) = BLOCKED_IPS.with(|b| b.borrow().get(&delivery.client_ip).copied()) {
        if until > now {
            return Err(EdgeError::RateLimited {
                scope: "client_ip",
                retry_after_secs: (until - now).div_ceil(1000).max(1),
            });
        }
        BLOCKED_IPS.with(|b| b.borrow_mut().remove(&delivery.client_ip));
    }

    let body = read_body(&mut req, config.max_body_bytes).await?;
    let headers: Headers = req.headers().entries().collect();

    let keys = config::source_keys(env, source)?;
    let verified =
        match plan_verification(source, &headers, &body, &keys, now, config.tolerance_secs) {
            Ok(Verification::Verified) => Ok(()),
            Ok(Verification::Hmac(check)) if config.webcrypto_hmac => webcrypto::complete(check)
                .await
                .map_err(|e| EdgeError::Unavailable(format!("WebCrypto: {e:?}")))?,
            Ok(Verification::Hmac(check)) => check.verify_native(),
            Err(e) => Err(e),
        };
    if let Err(e) = verified {
        record_auth_failure(env, &config, &delivery.client_ip, now).await;
        return Err(e.into());
    }

    let delivery_id = delivery::delivery_id(source, &headers, &body);
    delivery.delivery_id = Some(delivery_id.clone());
    let normalized = normalize(
        source,
        &headers,
        &body,
        DeliveryContext {
            delivery_id: &delivery_id,
            received_at_ms: now,
            trace_id: &delivery.trace_id,
            tolerance_secs: config.tolerance_secs,
        },
    )?;
    let envelope = match normalized {
        Normalized::Ping => return Ok((200, serde_json::json!({"ok": true, "ping": true}))),
        Normalized::Ignored(reason) => return Ok((202, serde_json::json!({"ignored": reason}))),
        Normalized::Event(envelope) => envelope,
    };

    // The limiters and the duplicate check are independent objects, so they are
    // asked at once; a claim made for a delivery the limits then refuse is released,
    // so that the provider's retry is not taken for a duplicate.
    let dedup = DedupShard::of(&envelope.id);
    let (limited, claim) = futures_util::future::join(
        rate_limit(env, &config, &envelope),
        dedup.claim(env, &envelope.id, config.dedup_ttl_secs * 1000),
    )
    .await;
    if !claim?.first {
        return Ok((
            200,
            serde_json::json!({"duplicate": true, "id": envelope.id}),
        ));
    }
    if let Err(refusal) = limited {
        dedup.release(env, &envelope.id).await;
        return Err(refusal);
    }

    let queue = env.queue(config::EVENTS_QUEUE).map_err(|_| {
        EdgeError::Misconfigured(format!("queue binding {} is missing", config::EVENTS_QUEUE))
    })?;
    let message = QueuedEvent {
        attempt: 0,
        envelope: (*envelope).clone(),
    };
    if let Err(e) = queue.send(&message).await {
        dedup.release(env, &envelope.id).await;
        return Err(EdgeError::Unavailable(format!("queue: {e}")));
    }
    Ok((
        202,
        serde_json::json!({"accepted": true, "id": envelope.id, "kind": envelope.kind, "trace_id": delivery.trace_id}),
    ))
}

/// The `DeliveryDedup` object an event id belongs to.
struct DedupShard(String);

impl DedupShard {
    fn of(event_id: &str) -> DedupShard {
        DedupShard(format!(
            "dedup-{}",
            stable_hash(event_id) % config::DEDUP_SHARDS
        ))
    }

    async fn claim(&self, env: &Env, id: &str, ttl_ms: u64) -> Result<DedupAnswer, EdgeError> {
        let claim = DedupRequest::Claim {
            id: id.to_owned(),
            ttl_ms,
        };
        call_object(env, config::DEDUP, &self.0, &claim).await
    }

    /// Forgets `id`. Best effort: should this fail, a redelivery within the window is
    /// answered as a duplicate, which the log line makes visible.
    async fn release(&self, env: &Env, id: &str) {
        let release = DedupRequest::Release { id: id.to_owned() };
        if let Err(e) = call_object::<DedupAnswer>(env, config::DEDUP, &self.0, &release).await {
            worker::console_error!("releasing delivery {id} failed: {e}");
        }
    }
}

/// Reads the body, refusing it as soon as it passes `limit` (from `Content-Length`
/// when sent, else while streaming) so an oversize body is never buffered whole.
async fn read_body(req: &mut Request, limit: u64) -> Result<Vec<u8>, EdgeError> {
    let too_large = EdgeError::PayloadTooLarge { limit };
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let unreadable = |e: worker::Error| EdgeError::Unavailable(format!("reading the body: {e}"));
    match declared {
        Some(n) if n > limit => return Err(too_large),
        // The runtime frames the body by its declared length, so one read suffices;
        // it costs a fraction of the chunk-by-chunk stream below.
        Some(_) => return req.bytes().await.map_err(unreadable),
        None => {}
    }
    let mut body = Vec::new();
    let Ok(mut stream) = req.stream() else {
        return Ok(body);
    };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Asks the organisation's limiter and the event's global shard at once (two
/// independent objects, so in parallel). A delivery refused by one may have been
/// counted by the other; that errs towards refusing, never towards admitting more.
async fn rate_limit(env: &Env, config: &Config, envelope: &EventEnvelope) -> Result<(), EdgeError> {
    let limits = config.limits;
    let org = envelope.organisation.clone().unwrap_or_else(|| "-".into());
    let org_request = AdmitRequest {
        repository: envelope.repository.as_ref().map(|r| r.full_name()),
        per_repository: limits.per_repository,
        per_organisation: limits.per_organisation,
        window_ms: limits.window_ms,
    };
    let shard = global_shard(&envelope.id);
    let global_request = WindowRequest {
        limit: global_shard_limit(limits.global, shard),
        window_ms: limits.window_ms,
    };
    let org_name = format!("{}:{org}", envelope.source.as_str());
    let global_name = format!("global-{shard}");
    let (org_answer, global_answer) = futures_util::future::join(
        call_object::<AdmitAnswer>(env, config::ORG_LIMITER, &org_name, &org_request),
        call_object::<AdmitAnswer>(env, config::GLOBAL_LIMITER, &global_name, &global_request),
    )
    .await;
    refused(org_answer?)?;
    refused(global_answer?)
}

fn refused(answer: AdmitAnswer) -> Result<(), EdgeError> {
    if answer.allowed {
        return Ok(());
    }
    let scope = match answer.scope.as_str() {
        "repository" => "repository",
        "organisation" => "organisation",
        "global" => "global",
        _ => "client_ip",
    };
    Err(EdgeError::RateLimited {
        scope,
        retry_after_secs: answer.retry_after_secs.max(1),
    })
}

async fn record_auth_failure(env: &Env, config: &Config, client_ip: &str, now: u64) {
    let ask = WindowRequest {
        limit: config.limits.auth_failures_per_ip,
        window_ms: config.limits.window_ms,
    };
    match call_object::<AdmitAnswer>(env, config::AUTH_FAILURES, &format!("ip:{client_ip}"), &ask)
        .await
    {
        Ok(answer) if !answer.allowed => {
            let until = now + answer.retry_after_secs * 1000;
            BLOCKED_IPS.with(|b| {
                let mut b = b.borrow_mut();
                if b.len() > 10_000 {
                    b.retain(|_, t| *t > now);
                }
                b.insert(client_ip.to_owned(), until);
            });
        }
        Ok(_) => {}
        Err(e) => worker::console_error!("auth-failure limiter unavailable: {e}"),
    }
}

/// POSTs `request` as JSON to the Durable Object `name` of `binding`.
async fn call_object<T: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    request: &impl Serialize,
) -> Result<T, EdgeError> {
    let unavailable = |e: worker::Error| EdgeError::Unavailable(format!("{binding}: {e}"));
    let namespace = env.durable_object(binding).map_err(|_| {
        EdgeError::Misconfigured(format!("Durable Object binding {binding} is missing"))
    })?;
    let stub = namespace.get_by_name(name).map_err(unavailable)?;
    let body = serde_json::to_string(request).map_err(|e| EdgeError::Unavailable(e.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init("https://object/", &init).map_err(unavailable)?;
    let mut response = stub.fetch_with_request(req).await.map_err(unavailable)?;
    if response.status_code() != 200 {
        return Err(EdgeError::Unavailable(format!(
            "{binding} answered {}",
            response.status_code()
        )));
    }
    response.json().await.map_err(unavailable)
}
