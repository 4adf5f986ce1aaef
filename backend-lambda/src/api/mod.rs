//! The REST API: one axum router built by [`app`], run by `lambda_http` on Lambda,
//! by the local server, and by tests through `tower::ServiceExt::oneshot`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use utoipa::OpenApi;

use crate::auth::{self, RateLimiter};
use crate::error::TRACE_ID;
use crate::llm::AiReviewer;
use crate::logging;
use crate::store::ReviewStore;

pub mod handlers;
pub mod intake;

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
    /// Largest accepted body.
    pub max_body_bytes: usize,
    /// Secrets of event intake.
    pub intake: Arc<intake::IntakeSecrets>,
    /// Webhook rate limits, counted in this process.
    pub webhook_limits: Arc<intake::WebhookLimits>,
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
        config: &crate::Config,
    ) -> AppState {
        AppState {
            store,
            ai,
            ai_dispatch,
            rate_limiter: Arc::new(RateLimiter::new(config.rate_limit_per_minute)),
            max_body_bytes: config.max_body_bytes,
            intake: Arc::new(config.intake.clone()),
            webhook_limits: Arc::new(intake::WebhookLimits::new(config.webhook_limits)),
            events_waiting: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

/// Identifiers and client address of the request being served.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// Correlates log lines across services (`X-Amzn-Trace-Id` root, `traceparent`
    /// trace id, or a new one).
    pub trace_id: String,
    /// This request (`X-Request-Id`, or a new one).
    pub request_id: String,
    /// Client address (first `X-Forwarded-For` hop, as API Gateway sets it).
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
fn safe_id(id: &str) -> Option<String> {
    (id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
    .then(|| id.to_owned())
}

impl RequestContext {
    /// Reads the ids from the headers, making new ones where absent.
    pub fn from_headers(headers: &HeaderMap) -> RequestContext {
        let trace_id = header(headers, "x-amzn-trace-id")
            .and_then(|v| v.split(';').find_map(|p| p.strip_prefix("Root=")))
            .or_else(|| header(headers, "traceparent").and_then(|v| v.split('-').nth(1)))
            .and_then(safe_id)
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        let request_id = header(headers, "x-request-id")
            .or_else(|| header(headers, "lambda-runtime-aws-request-id"))
            .and_then(safe_id)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let ip_address = header(headers, "x-forwarded-for")
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
            .unwrap_or("unknown")
            .to_owned();
        RequestContext {
            trace_id,
            request_id,
            ip_address,
        }
    }
}

/// Outermost middleware: ids into the request, a `request` span around it (so every
/// log line carries them), the trace id for error bodies, and a PERF line.
async fn request_context(mut request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let mut context = RequestContext::from_headers(request.headers());
    // Served from a socket (the local server): the peer is the client, and a
    // forwarded-for header it sends is its own claim, which must not steer the
    // per-IP limits.
    if let Some(axum::extract::ConnectInfo(peer)) = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        context.ip_address = peer.ip().to_string();
    }
    let span = tracing::info_span!(
        "request",
        trace_id = %context.trace_id,
        request_id = %context.request_id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let trace_id = context.trace_id.clone();
    let request_id = context.request_id.clone();
    request.extensions_mut().insert(context);
    let started = Instant::now();
    let mut response = TRACE_ID
        .scope(trace_id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::info!(status = response.status().as_u16(), "request served");
        logging::perf(
            "http.request",
            started.elapsed().as_millis() as u64,
            !response.status().is_server_error(),
        );
    });
    for (name, value) in [("x-trace-id", trace_id), ("x-request-id", request_id)] {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The OpenAPI document, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "reviewgate backend API", description = "Versioned infrastructure-change reviews."),
    paths(
        handlers::list_reviews,
        handlers::create_review,
        handlers::get_review,
        handlers::list_versions,
        handlers::update_review,
        handlers::create_pr_review,
        handlers::analytics,
        handlers::historical,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::model::ReviewVersion,
        crate::model::ReviewSummary,
        crate::model::ReviewStatus,
        crate::model::Analysis,
        crate::model::AiRun,
        crate::model::AiFinding,
        crate::reviews::Analytics,
        crate::reviews::RuleCount,
        handlers::CreateReviewRequest,
        handlers::DocumentInput,
        handlers::PrReviewRequest,
        handlers::UpdateReviewRequest,
        handlers::ReviewPage,
    )),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "api_key",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

/// The router: `/api/*` behind API-key auth, all of it behind the request context.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/api/reviews",
            get(handlers::list_reviews).post(handlers::create_review),
        )
        .route(
            "/api/reviews/pr",
            axum::routing::post(handlers::create_pr_review),
        )
        .route(
            "/api/reviews/{id}",
            get(handlers::get_review).put(handlers::update_review),
        )
        .route("/api/reviews/{id}/versions", get(handlers::list_versions))
        .route("/api/analytics", get(handlers::analytics))
        .route("/api/analytics/historical", get(handlers::historical))
        .route("/api/openapi.json", get(handlers::openapi))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ));
    // Intake authenticates by signature, not API key.
    let intake = Router::new()
        .route(
            "/internal/events",
            axum::routing::post(intake::internal_events),
        )
        .route("/webhooks/{source}", axum::routing::post(intake::webhook))
        // The route's earlier name, kept for webhooks configured with it.
        .route("/webhook/{source}", axum::routing::post(intake::webhook));
    Router::new()
        .merge(api)
        .merge(intake)
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(middleware::from_fn(request_context))
        .with_state(state)
}

/// On Lambda: the invocation's request id becomes the request id of the logs (the
/// one CloudWatch and X-Ray show), unless the client sent its own.
#[cfg(feature = "lambda")]
pub fn with_lambda_request_ids(router: Router) -> Router {
    router.layer(middleware::map_request(copy_lambda_request_id))
}

#[cfg(feature = "lambda")]
async fn copy_lambda_request_id(mut request: Request) -> Request {
    use lambda_http::RequestExt;
    let id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .and_then(|id| axum::http::HeaderValue::from_str(&id).ok());
    if let Some(id) = id
        && !request.headers().contains_key("x-request-id")
    {
        request.headers_mut().insert("x-request-id", id);
    }
    request
}
