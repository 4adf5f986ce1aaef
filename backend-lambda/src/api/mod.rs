//! The REST API: one axum router built by [`app`], run by `lambda_http` on Lambda,
//! by the local server, and by tests through `tower::ServiceExt::oneshot`. This file
//! builds the router and its outermost layers; the rest, a file each:
//!
//! - `state.rs` — what handlers share ([`AppState`], [`RequestContext`]);
//! - `handlers.rs` — the `/api` routes and `/healthz`;
//! - `auth.rs` — API keys, checked on every `/api` route;
//! - `limits.rs` — the request limits this process counts for itself;
//! - `intake.rs` — event intake: edge envelopes and provider webhooks.

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use utoipa::OpenApi;

use crate::client_ip::{PlatformClientIp, TrustedProxies, client_ip};
use crate::error::TRACE_ID;
use crate::logging;

pub mod auth;
pub mod handlers;
pub mod intake;
pub mod limits;
mod state;

pub use state::{AiDispatch, AppState, RequestContext};

/// Outermost middleware: ids into the request, a `request` span around it (so every
/// log line carries them), the trace id for error bodies, and a PERF line.
async fn request_context(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    use tracing::Instrument;
    let mut context = RequestContext::from_headers(request.headers());
    let platform = request
        .extensions()
        .get::<PlatformClientIp>()
        .map(|PlatformClientIp(ip)| *ip);
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|axum::extract::ConnectInfo(peer)| peer.ip());
    let forwarded_for = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    if let Some(ip) = client_ip(platform, peer, forwarded_for, &trusted) {
        context.ip_address = ip.to_string();
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

/// The router: `/api/*` behind API-key auth, intake behind signatures, `/healthz`
/// open; all of it behind the request context.
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
        .route("/webhooks/{source}", webhook_route())
        // The route's earlier name, kept for webhooks configured with it.
        .route("/webhook/{source}", webhook_route());
    Router::new()
        .merge(api)
        .merge(intake)
        .route("/healthz", get(handlers::healthz))
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            request_context,
        ))
        .with_state(state)
}

/// A webhook route: POST runs the intake pipeline; any other method gets the
/// contract's 405 rather than axum's empty one.
fn webhook_route() -> axum::routing::MethodRouter<AppState> {
    axum::routing::post(intake::webhook).fallback(intake::webhook_method_not_allowed)
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
    use lambda_http::request::RequestContext as Lambda;
    // API Gateway's own record of the connection is who the client is.
    let source_ip = match request.request_context_ref() {
        Some(Lambda::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(Lambda::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        _ => None,
    };
    if let Some(ip) = source_ip.and_then(|ip| ip.parse().ok()) {
        request.extensions_mut().insert(PlatformClientIp(ip));
    }
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
