//! The Worker's routes: `GET /healthz`, and `POST /webhooks/<source>`, which runs
//! `reviewgate_ingress`'s pipeline over this Worker's ports and writes its answer and
//! log line. Nothing here decides anything about a delivery.

use std::borrow::Cow;

use futures_util::StreamExt;
use reviewgate_ingress::outcome::{TRACE_ID_HEADER, health_body, is_acceptable_trace_id};
use reviewgate_ingress::ports::{BodyError, Clock, PortError, Secrets};
use reviewgate_ingress::verify::SourceKeys;
use reviewgate_ingress::{
    Delivery, EventSource, Headers, Ingested, Outcome, Pipeline, Refusal, WireResponse,
};
use worker::{Date, Env, Method, Request, Response};

use crate::config::{self, Config};
use crate::dedup::DedupClient;
use crate::forward::QueueSink;
use crate::limiter::DurableLimiter;
use crate::webcrypto;

/// Routes one request.
pub async fn route(req: Request, env: Env) -> worker::Result<Response> {
    let trace_id = req
        .headers()
        .get(TRACE_ID_HEADER)
        .ok()
        .flatten()
        .filter(|t| is_acceptable_trace_id(t))
        .unwrap_or_else(webcrypto::random_uuid);
    let path = req.path();
    if path == "/healthz" && req.method() == Method::Get {
        let mut response = Response::ok(health_body())?;
        response
            .headers_mut()
            .set("content-type", "application/json")?;
        return Ok(response);
    }
    let Some(source) = path.strip_prefix("/webhooks/").map(str::to_owned) else {
        return write(Outcome::Refused(Refusal::NoRoute(path)).to_wire(&trace_id));
    };
    if req.method() != Method::Post {
        return write(Outcome::Refused(Refusal::MethodNotAllowed).to_wire(&trace_id));
    }
    let client_ip = req
        .headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    let ingested = match Config::from_env(&env) {
        Ok(config) => ingest(req, &env, &config, &source, &client_ip, &trace_id).await,
        Err(e) => Ingested {
            outcome: Outcome::Refused(Refusal::Misconfigured(e.to_string())),
            source: EventSource::from_name(&source),
            delivery_id: None,
        },
    };
    if let Some(record) = ingested.security_record(&source, &client_ip, &trace_id) {
        let mut line = serde_json::json!({"level": "SECURITY"});
        if let (Some(line), Ok(serde_json::Value::Object(fields))) =
            (line.as_object_mut(), serde_json::to_value(&record))
        {
            line.extend(fields);
        }
        worker::console_log!("{line}");
    }
    if let Outcome::Refused(refusal) = &ingested.outcome
        && let Some(detail) = refusal.operator_detail()
    {
        let line = serde_json::json!({
            "level": "ERROR", "reason": refusal.code(), "detail": detail,
            "source": source, "trace_id": trace_id,
        });
        worker::console_error!("{line}");
    }
    write(ingested.outcome.to_wire(&trace_id))
}

async fn ingest(
    req: Request,
    env: &Env,
    config: &Config,
    source: &str,
    client_ip: &str,
    trace_id: &str,
) -> Ingested {
    let headers: Headers = req.headers().entries().collect();
    let pipeline = Pipeline {
        settings: config.intake,
        secrets: &WorkerSecrets(env),
        hmac: &config.hmac,
        limiter: &DurableLimiter::new(env, config.limits),
        dedup: &DedupClient::new(env, config.dedup_ttl_secs),
        sink: &QueueSink(env),
        clock: &WorkerClock,
    };
    pipeline
        .ingest(Delivery {
            source,
            headers,
            body: WorkerBody(req),
            client_ip,
            trace_id,
        })
        .await
}

fn write(wire: WireResponse) -> worker::Result<Response> {
    let mut response = Response::ok(wire.body)?.with_status(wire.status);
    for (name, value) in &wire.headers {
        response.headers_mut().set(name, value)?;
    }
    Ok(response)
}

/// The runtime's clock.
struct WorkerClock;

impl Clock for WorkerClock {
    fn now_ms(&self) -> u64 {
        Date::now().as_millis()
    }
}

/// The Worker's secrets, read when a source is asked for.
struct WorkerSecrets<'a>(&'a Env);

impl Secrets for WorkerSecrets<'_> {
    fn source_keys(&self, source: EventSource) -> Result<Cow<'_, SourceKeys>, PortError> {
        config::source_keys(self.0, source)
            .map(Cow::Owned)
            .map_err(|e| PortError::Misconfigured(e.to_string()))
    }
}

/// The request body, read with a cap: from `Content-Length` when sent (one read,
/// which costs a fraction of the chunk-by-chunk stream), else while streaming, so an
/// oversize body is never buffered whole.
struct WorkerBody(Request);

impl reviewgate_ingress::ports::RequestBody for WorkerBody {
    type Bytes = Vec<u8>;

    async fn read(mut self, limit: u64) -> Result<Vec<u8>, BodyError> {
        let req = &mut self.0;
        let declared = req
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|v| v.parse::<u64>().ok());
        let unreadable = |e: worker::Error| BodyError::Unreadable(e.to_string());
        match declared {
            Some(n) if n > limit => return Err(BodyError::TooLarge { limit }),
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
                return Err(BodyError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
