//! The REST API through `app(state)` with `tower::ServiceExt::oneshot`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use reviewgate_backend::api::{AiDispatch, AppState, auth};
use reviewgate_backend::llm::none;
use reviewgate_backend::store::ReviewStore;
use reviewgate_backend::store::embedded::EmbeddedReviewStore;
use reviewgate_backend::{Config, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use reviewgate_backend::config::IntakeSecrets;
use reviewgate_ingress::SecretSet;
use reviewgate_ingress::verify::SourceKeys;

use crate::support::{SAMPLE_TF, corpus};

pub const EDGE_SECRET: &str = "edge-secret-for-tests-0123456789";
pub const GITHUB_SECRET: &str = "It's a Secret to Everybody";

#[derive(Clone)]
pub struct TestApi {
    pub state: AppState,
    pub key: String,
    /// The socket peer requests come from (as `serve` sees it), when set.
    pub peer: Option<std::net::IpAddr>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestApi {
    pub async fn new(store: Arc<dyn ReviewStore>) -> TestApi {
        let key = auth::create_api_key(store.as_ref(), "ci-bot")
            .await
            .expect("create key");
        let mut config = Config::from_lookup(|name| match name {
            "REVIEWGATE_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
            "REVIEWGATE_MAX_BODY_BYTES" => Some((1024 * 1024).to_string()),
            _ => None,
        })
        .expect("the defaults are valid");
        config.intake = IntakeSecrets {
            edge: SecretSet::from_lines(EDGE_SECRET),
            github: SourceKeys {
                secrets: SecretSet::from_lines(GITHUB_SECRET),
                signing: SecretSet::default(),
            },
            ..IntakeSecrets::default()
        };
        let state = AppState::new(
            store,
            Arc::new(none::rules_only()),
            AiDispatch::Background,
            &config,
        );
        TestApi {
            state,
            key,
            peer: None,
        }
    }

    /// The same API, called from the socket address `ip`.
    pub fn from(&self, ip: &str) -> TestApi {
        TestApi {
            peer: Some(ip.parse().expect("an IP address")),
            ..self.clone()
        }
    }

    fn peer(&self) -> axum::extract::ConnectInfo<std::net::SocketAddr> {
        let ip = self.peer.unwrap_or([192, 0, 2, 1].into());
        axum::extract::ConnectInfo(std::net::SocketAddr::new(ip, 40_000))
    }

    pub async fn embedded() -> TestApi {
        TestApi::new(Arc::new(
            EmbeddedReviewStore::in_memory().expect("in-memory store"),
        ))
        .await
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .extension(self.peer());
        let mut has_auth = false;
        for (name, value) in headers {
            has_auth |= name.eq_ignore_ascii_case("authorization");
            request = request.header(*name, *value);
        }
        if !has_auth {
            request = request.header("authorization", format!("Bearer {}", self.key));
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        let response = app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn create(&self, repository: &str) -> Value {
        let reply = self
            .call(
                Method::POST,
                "/api/reviews",
                Some(json!({"documents": [{"path": "main.tf", "content": SAMPLE_TF}], "repository": repository})),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}

fn assert_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["error"], code, "{}", reply.body);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let trace = reply.body["trace_id"].as_str().expect("trace_id");
    assert!(!trace.is_empty());
    assert_eq!(
        reply.headers["x-trace-id"], trace,
        "the body's trace id is the request's"
    );
}

#[tokio::test]
async fn healthz_answers_without_a_key() {
    let api = TestApi::embedded().await;
    let reply = api
        .call(Method::GET, "/healthz", None, &[("authorization", "")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    assert!(reply.headers.contains_key("x-trace-id"));
}

#[tokio::test]
async fn api_routes_require_a_valid_key() {
    let api = TestApi::embedded().await;
    for headers in [
        vec![],
        vec![("authorization", "Bearer rgk_0000")],
        vec![("authorization", "Basic abc")],
    ] {
        let mut headers = headers;
        if headers.is_empty() {
            headers.push(("authorization", ""));
        }
        let reply = api.call(Method::GET, "/api/reviews", None, &headers).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = api
        .call(
            Method::GET,
            "/api/openapi.json",
            None,
            &[("authorization", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = api.call(Method::GET, "/api/reviews", None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_review_is_created_read_and_versioned() {
    let api = TestApi::embedded().await;
    let created = api.create("acme/infra").await;
    let id = created["review_id"].as_str().expect("id").to_owned();
    assert_eq!(created["version"], 1);
    assert_eq!(created["analysis"], "rules_only");
    let rules: Vec<&str> = created["review"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(rules.iter().any(|r| r.starts_with("RG-AWS-")), "{rules:?}");

    let latest = api
        .call(Method::GET, &format!("/api/reviews/{id}"), None, &[])
        .await;
    assert_eq!(latest.status, StatusCode::OK);
    assert_eq!(latest.headers["etag"], "\"1\"");
    assert_eq!(latest.body, created);

    // No If-Match: 428. A reviewer's change with it: version 2.
    let change = json!({"status": "approved", "notes": "ok to merge"});
    let reply = api
        .call(
            Method::PUT,
            &format!("/api/reviews/{id}"),
            Some(change.clone()),
            &[],
        )
        .await;
    assert_error(
        &reply,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    );
    let reply = api
        .call(
            Method::PUT,
            &format!("/api/reviews/{id}"),
            Some(change.clone()),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["version"], 2);
    assert_eq!(reply.body["status"], "approved");
    assert_eq!(reply.body["previous_version_id"], format!("{id}#VERSION#1"));
    assert_eq!(reply.body["author"], "ci-bot");
    // The same If-Match again lost the race: 409.
    let reply = api
        .call(
            Method::PUT,
            &format!("/api/reviews/{id}"),
            Some(json!({"status": "rejected"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_error(&reply, StatusCode::CONFLICT, "version_conflict");

    let v1 = api
        .call(
            Method::GET,
            &format!("/api/reviews/{id}?version=1"),
            None,
            &[],
        )
        .await;
    assert_eq!(v1.body["status"], "open", "version 1 is unchanged");
    let missing = api
        .call(
            Method::GET,
            &format!("/api/reviews/{id}?version=7"),
            None,
            &[],
        )
        .await;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");
    let bad = api
        .call(
            Method::GET,
            &format!("/api/reviews/{id}?version=x"),
            None,
            &[],
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_request");
    let versions = api
        .call(
            Method::GET,
            &format!("/api/reviews/{id}/versions"),
            None,
            &[],
        )
        .await;
    let numbers: Vec<u64> = versions
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["version"].as_u64())
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    let unknown = api.call(Method::GET, "/api/reviews/nope", None, &[]).await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bad_requests_get_clear_400_and_422_answers() {
    let api = TestApi::embedded().await;
    let cases = [
        (
            json!({"documents": []}),
            "documents: at least one document is required",
        ),
        (
            json!({"documents": [{"path": "a.tf", "content": "", "kind": "yaml"}]}),
            "documents[0].kind: `yaml`",
        ),
        (
            json!({"documents": [{"path": " ", "content": "x"}]}),
            "documents[0].path: must not be empty",
        ),
        (
            json!({"documents": [{"path": "a.tf", "content": "x"}], "config": "[[nope"}),
            "config:",
        ),
        (json!({"documents": "main.tf"}), "documents"),
        (
            json!({"documents": [], "colour": "blue"}),
            "unknown field `colour`",
        ),
    ];
    for (body, message) in cases {
        let reply = api
            .call(Method::POST, "/api/reviews", Some(body.clone()), &[])
            .await;
        assert_error(
            &reply,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(
            reply.body["message"]
                .as_str()
                .expect("message")
                .contains(message),
            "{body} → {}",
            reply.body
        );
    }
    let mut request = api
        .call(
            Method::POST,
            "/api/reviews",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_error(&request, StatusCode::BAD_REQUEST, "bad_request");
    request = api
        .call(Method::GET, "/api/reviews?status=sideways", None, &[])
        .await;
    assert_error(&request, StatusCode::BAD_REQUEST, "bad_request");
    request = api
        .call(Method::GET, "/api/reviews?limit=1000", None, &[])
        .await;
    assert_error(&request, StatusCode::BAD_REQUEST, "bad_request");
    request = api
        .call(Method::GET, "/api/reviews?from=yesterday", None, &[])
        .await;
    assert_error(&request, StatusCode::BAD_REQUEST, "bad_request");
    request = api.call(Method::GET, "/api/nowhere", None, &[]).await;
    assert_error(&request, StatusCode::NOT_FOUND, "not_found");
    let pr = api
        .call(
            Method::POST,
            "/api/reviews/pr",
            Some(json!({"repository": "acme", "number": 1, "head_sha": "abc1234", "diff": "x"})),
            &[],
        )
        .await;
    assert_error(&pr, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

#[tokio::test]
async fn oversized_bodies_get_413_and_floods_get_429() {
    let mut api = TestApi::embedded().await;
    api.state.max_body_bytes = 1024;
    let big = "x".repeat(4096);
    let reply = api
        .call(
            Method::POST,
            "/api/reviews",
            Some(json!({"documents": [{"path": "a.tf", "content": big}]})),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    api.state.rate_limiter = Arc::new(reviewgate_backend::api::limits::RateLimiter::new(3));
    for _ in 0..3 {
        assert_eq!(
            api.call(Method::GET, "/api/reviews", None, &[])
                .await
                .status,
            StatusCode::OK
        );
    }
    let reply = api.call(Method::GET, "/api/reviews", None, &[]).await;
    assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(reply.headers["retry-after"], "60");
}

#[tokio::test]
async fn pull_requests_are_reviewed_from_their_diff() {
    let api = TestApi::embedded().await;
    let diff = "diff --git a/s3.tf b/s3.tf\nnew file mode 100644\n--- /dev/null\n+++ b/s3.tf\n@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}\n";
    let reply = api
        .call(
            Method::POST,
            "/api/reviews/pr",
            Some(json!({"repository": "acme/infra", "number": 42, "head_sha": "0123456789abcdef0123456789abcdef01234567", "diff": diff,
                        "files": [{"path": "s3.tf", "content": "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n"}]})),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["origin"]["kind"], "github_pull_request");
    assert_eq!(reply.body["origin"]["number"], 42);
    assert_eq!(reply.body["repository"], "acme/infra");
    assert_eq!(reply.body["review"]["changes"]["diff"]["files"], 1);
    let findings = reply.body["review"]["findings"]
        .as_array()
        .expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "s3.tf" && f["line"].as_u64().is_some()),
        "{findings:?}"
    );
}

#[tokio::test]
async fn lists_filter_and_paginate_and_analytics_count() {
    let api = TestApi::embedded().await;
    let mut ids = Vec::new();
    for repo in ["acme/a", "acme/b", "acme/a"] {
        ids.push(
            api.create(repo).await["review_id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let reply = api
        .call(
            Method::GET,
            "/api/reviews?repository=acme%2Fa&limit=1",
            None,
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["items"][0]["review_id"], ids[2].as_str());
    let cursor = reply.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = api
        .call(
            Method::GET,
            &format!("/api/reviews?repository=acme%2Fa&limit=1&cursor={cursor}"),
            None,
            &[],
        )
        .await;
    assert_eq!(next.body["items"][0]["review_id"], ids[0].as_str());
    assert!(next.body["next_cursor"].is_null());
    let bad = api
        .call(Method::GET, "/api/reviews?cursor=%21%21", None, &[])
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_request");

    let analytics = api.call(Method::GET, "/api/analytics", None, &[]).await;
    assert_eq!(analytics.status, StatusCode::OK);
    assert_eq!(analytics.body["reviews"], 3);
    assert_eq!(analytics.body["by_status"]["open"], 3);
    let top = &analytics.body["top_rules"][0];
    assert_eq!(top["findings"].as_u64().expect("count") % 3, 0, "{top}");
    let by_repo = api
        .call(Method::GET, "/api/analytics?repository=acme%2Fb", None, &[])
        .await;
    assert_eq!(by_repo.body["reviews"], 1);
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes() {
    let api = TestApi::embedded().await;
    let reply = api.call(Method::GET, "/api/openapi.json", None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let paths = reply.body["paths"].as_object().expect("paths");
    for path in [
        "/api/reviews",
        "/api/reviews/{id}",
        "/api/reviews/{id}/versions",
        "/api/reviews/pr",
        "/api/analytics",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(reply.body["paths"]["/api/reviews/{id}"]["put"].is_object());
    assert!(reply.body["components"]["schemas"]["ErrorBody"].is_object());
    assert!(reply.body["components"]["securitySchemes"]["api_key"].is_object());
}

#[cfg(feature = "dynamodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_runs_on_dynamodb() {
    let moto = crate::support::Moto::start();
    let store = moto.store("reviews-api").await;
    let api = TestApi::new(Arc::new(store)).await;
    let created = api.create("acme/dynamo").await;
    let id = created["review_id"].as_str().expect("id");
    let reply = api
        .call(
            Method::PUT,
            &format!("/api/reviews/{id}"),
            Some(json!({"status": "approved"})),
            &[("if-match", "1")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = api
        .call(
            Method::GET,
            "/api/reviews?repository=acme%2Fdynamo&status=approved",
            None,
            &[],
        )
        .await;
    assert_eq!(list.body["items"][0]["review_id"], id);
    assert_eq!(list.body["items"][0]["version"], 2);
    identifiers_are_bounded_at_the_edge(&api).await;
}

#[tokio::test]
async fn identifiers_are_bounded_at_the_edge_of_the_api() {
    identifiers_are_bounded_at_the_edge(&TestApi::embedded().await).await;
}

/// Identifiers at their limit reach the store and work; one byte more is a 400
/// naming the limit, never DynamoDB's key-size error as a 500 (run on both stores).
async fn identifiers_are_bounded_at_the_edge(api: &TestApi) {
    use reviewgate_backend::api::handlers::{MAX_IDENTIFIER_BYTES, MAX_REPOSITORY_BYTES};
    let owner = "o".repeat(MAX_IDENTIFIER_BYTES);
    let longest_repository = format!("{owner}/{}", "r".repeat(MAX_IDENTIFIER_BYTES));
    assert_eq!(longest_repository.len(), MAX_REPOSITORY_BYTES);
    let longest_stack = "s".repeat(MAX_IDENTIFIER_BYTES);
    let document = json!([{"path": "main.tf", "content": "resource \"aws_s3_bucket\" \"b\" {}"}]);
    let at_limit = api
        .call(
            Method::POST,
            "/api/reviews",
            Some(json!({"documents": document, "repository": longest_repository, "stack": longest_stack})),
            &[],
        )
        .await;
    assert_eq!(at_limit.status, StatusCode::CREATED, "{}", at_limit.body);
    let listed = api
        .call(
            Method::GET,
            &format!(
                "/api/reviews?repository={owner}%2F{}",
                "r".repeat(MAX_IDENTIFIER_BYTES)
            ),
            None,
            &[],
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    let missing = api
        .call(
            Method::GET,
            &format!("/api/reviews/{}", "x".repeat(MAX_IDENTIFIER_BYTES)),
            None,
            &[],
        )
        .await;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");

    let too_long = "x".repeat(4096);
    let over = [
        (
            Method::POST,
            "/api/reviews".to_owned(),
            Some(json!({"documents": document, "repository": format!("a/{too_long}")})),
            format!("repository: at most {MAX_REPOSITORY_BYTES} bytes"),
        ),
        (
            Method::POST,
            "/api/reviews".to_owned(),
            Some(json!({"documents": document, "stack": too_long})),
            format!("stack: at most {MAX_IDENTIFIER_BYTES} bytes"),
        ),
        (
            Method::POST,
            "/api/reviews/pr".to_owned(),
            Some(
                json!({"repository": format!("a/{too_long}"), "number": 1, "head_sha": "abc1234", "diff": ""}),
            ),
            format!("repository: at most {MAX_REPOSITORY_BYTES} bytes"),
        ),
        (
            Method::GET,
            format!("/api/reviews/{too_long}"),
            None,
            format!("review id: at most {MAX_IDENTIFIER_BYTES} bytes"),
        ),
        (
            Method::GET,
            format!("/api/reviews/{too_long}/versions"),
            None,
            format!("review id: at most {MAX_IDENTIFIER_BYTES} bytes"),
        ),
        (
            Method::GET,
            format!("/api/reviews?stack={too_long}"),
            None,
            format!("stack: at most {MAX_IDENTIFIER_BYTES} bytes"),
        ),
        (
            Method::GET,
            format!("/api/analytics/historical?type=trends&repository=a%2F{too_long}"),
            None,
            format!("repository: at most {MAX_REPOSITORY_BYTES} bytes"),
        ),
    ];
    for (method, uri, body, message) in over {
        let reply = api.call(method.clone(), &uri, body, &[]).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "bad_request");
        let text = reply.body["message"].as_str().expect("message");
        assert!(text.contains(&message), "{method} {}: {text}", &uri[..40]);
    }
    let put = api
        .call(
            Method::PUT,
            &format!("/api/reviews/{too_long}"),
            Some(json!({"status": "approved"})),
            &[("if-match", "1")],
        )
        .await;
    assert_error(&put, StatusCode::BAD_REQUEST, "bad_request");
}

impl TestApi {
    pub async fn call_raw(&self, uri: &str, body: Vec<u8>, headers: &[(String, String)]) -> Reply {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .extension(self.peer());
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = app(self.state.clone())
            .oneshot(request.body(Body::from(body)).expect("request"))
            .await
            .expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

fn github_headers(body: &[u8], event: &str, delivery: &str, secret: &str) -> Vec<(String, String)> {
    let mac = reviewgate_ingress::hmac_sha256(secret.as_bytes(), &[body]);
    vec![
        ("x-github-event".into(), event.into()),
        ("x-github-delivery".into(), delivery.into()),
        (
            "x-hub-signature-256".into(),
            format!("sha256={}", hex::encode(mac)),
        ),
        ("content-type".into(), "application/json".into()),
    ]
}

#[tokio::test]
async fn github_webhooks_are_verified_and_idempotent() {
    let api = TestApi::embedded().await;
    let body = corpus("github-payloads/pull_request.opened.payload.json");
    let headers = github_headers(&body, "pull_request", "d-1", GITHUB_SECRET);
    let first = api
        .call_raw("/webhooks/github", body.clone(), &headers)
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(first.body["status"], "accepted");
    assert_eq!(first.body["event_id"], "github:d-1");
    let again = api
        .call_raw("/webhooks/github", body.clone(), &headers)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["status"], "duplicate");

    let forged = github_headers(&body, "pull_request", "d-2", "not the secret");
    let reply = api
        .call_raw("/webhooks/github", body.clone(), &forged)
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    let mut tampered = body.clone();
    tampered.push(b'\n');
    let reply = api.call_raw("/webhooks/github", tampered, &headers).await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");

    let ping = corpus("github-payloads/ping.payload.json");
    let reply = api
        .call_raw(
            "/webhooks/github",
            ping.clone(),
            &github_headers(&ping, "ping", "d-3", GITHUB_SECRET),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["status"], "pong");

    let reply = api
        .call_raw("/webhooks/spacelift", b"{}".to_vec(), &[])
        .await;
    assert_error(&reply, StatusCode::SERVICE_UNAVAILABLE, "not_configured");
    let reply = api.call_raw("/webhooks/jenkins", b"{}".to_vec(), &[]).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("github, gitlab")
    );
    // The route's earlier name still works.
    let reply = api
        .call_raw(
            "/webhook/github",
            body.clone(),
            &github_headers(&body, "pull_request", "d-4", GITHUB_SECRET),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
}

#[tokio::test]
async fn every_source_is_accepted_with_its_own_secret_scheme() {
    use reviewgate_ingress::event::EventSource;
    use reviewgate_ingress::sign::{DeliveryToSign, sign_delivery};
    let mut api = TestApi::embedded().await;
    let standard_key = "whsec_c3RhbmRhcmQtdGVzdC1rZXktMjRieXRlcw==";
    let vars = |name: &str| match name {
        "GITLAB_WEBHOOK_TOKENS" => Some("gl-token-0123456789".to_owned()),
        "BITBUCKET_WEBHOOK_SECRETS" => Some("bb-secret-0123456789".to_owned()),
        "SPACELIFT_WEBHOOK_SECRETS" => Some("sl-secret-0123456789".to_owned()),
        "STANDARD_WEBHOOKS_SECRETS" => Some(standard_key.to_owned()),
        _ => None,
    };
    api.state.intake =
        Arc::new(IntakeSecrets::from_lookup(SecretSet::default(), vars).expect("valid secrets"));
    let now_secs = u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970");
    let gitlab = serde_json::to_vec(&json!({
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": {"username": "dev"},
        "project": {"id": 7, "name": "infra", "path_with_namespace": "acme/infra", "namespace": "acme"},
        "object_attributes": {"iid": 3, "title": "t", "action": "open", "state": "opened",
            "source_branch": "f", "target_branch": "main", "last_commit": {"id": "abc"},
            "url": "https://gitlab.example/acme/infra/-/merge_requests/3"}
    }))
    .expect("json");
    let spacelift = serde_json::to_vec(&json!({
        "account": "acme", "state": "UNCONFIRMED", "stateVersion": 2,
        "timestamp": now_secs, "run": {"id": "run-1"}, "stack": {"id": "prod"}
    }))
    .expect("json");
    let standard = serde_json::to_vec(&json!({"type": "anything"})).expect("json");
    let bitbucket =
        serde_json::to_vec(&json!({"repository": {"full_name": "acme/infra"}})).expect("json");
    let cases = [
        (
            EventSource::Gitlab,
            "Merge Request Hook",
            "gl-token-0123456789",
            gitlab,
            StatusCode::ACCEPTED,
        ),
        (
            EventSource::Spacelift,
            "",
            "sl-secret-0123456789",
            spacelift,
            StatusCode::ACCEPTED,
        ),
        // A Standard Webhooks type reviewgate does not act on: verified, then ignored.
        (
            EventSource::StandardWebhooks,
            "",
            standard_key,
            standard,
            StatusCode::ACCEPTED,
        ),
        (
            EventSource::Bitbucket,
            "diagnostics:ping",
            "bb-secret-0123456789",
            bitbucket,
            StatusCode::OK,
        ),
    ];
    let signed_headers = |source, secret, event, delivery_id: &str, body: &[u8]| {
        sign_delivery(
            &DeliveryToSign {
                source,
                secret,
                event,
                delivery_id,
                now_secs,
            },
            body,
        )
        .expect("signable")
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect::<Vec<(String, String)>>()
    };
    for (source, event, secret, body, expected) in cases {
        let headers = signed_headers(
            source,
            secret,
            event,
            &format!("{}-1", source.as_str()),
            &body,
        );
        let uri = format!("/webhooks/{}", source.as_str());
        let reply = api.call_raw(&uri, body.clone(), &headers).await;
        assert_eq!(reply.status, expected, "{source:?}: {}", reply.body);
        let wrong_secret = if source == EventSource::StandardWebhooks {
            "whsec_d3Jvbmc="
        } else {
            "wrong"
        };
        let headers = signed_headers(
            source,
            wrong_secret,
            event,
            &format!("{}-2", source.as_str()),
            &body,
        );
        let reply = api.call_raw(&uri, body, &headers).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let pending = api.state.store.pending_events(10).await.expect("pending");
    let kinds: Vec<&str> = pending.iter().map(|e| e.envelope.kind.as_str()).collect();
    assert_eq!(
        kinds.len(),
        2,
        "the ignored Standard Webhooks type is not stored: {kinds:?}"
    );
    assert!(
        kinds.contains(&"pr.opened") && kinds.contains(&"spacelift.run"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn webhook_limits_answer_429_with_retry_after_and_block_forgeries_not_senders() {
    use reviewgate_ingress::process_limiter::SharedProcessLimiter;
    use reviewgate_ingress::rate_limit::Limits;
    let mut api = TestApi::embedded().await;
    api.state.webhook_limits = Arc::new(SharedProcessLimiter::new(Limits {
        per_repository: 3,
        auth_failures_per_ip: 2,
        ..Limits::default()
    }));
    let body = corpus("github-payloads/pull_request.opened.payload.json");
    let mut statuses = Vec::new();
    for i in 0..5 {
        let headers = github_headers(&body, "pull_request", &format!("burst-{i}"), GITHUB_SECRET);
        let reply = api
            .call_raw("/webhooks/github", body.clone(), &headers)
            .await;
        statuses.push(reply.status.as_u16());
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(reply.body["error"], "rate_limited");
            let retry: u64 = reply.headers["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
        }
    }
    assert_eq!(statuses, [202, 202, 202, 429, 429]);
    let stored = api.state.store.pending_events(10).await.expect("pending");
    assert_eq!(stored.len(), 3, "nothing over the limit is stored");

    // Two forgeries from one client block its failures: a third is refused with 429,
    // but a valid delivery from it is still taken (the block cannot lock out the real
    // sender); another client is not affected. The client is the socket's peer: a
    // forwarded-for header it writes changes nothing.
    let attacker = api.from("198.51.100.7");
    for i in 0..2 {
        let mut forged = github_headers(&body, "pull_request", &format!("f-{i}"), "guess");
        forged.push(("x-forwarded-for".into(), format!("203.0.113.{i}")));
        let reply = attacker
            .call_raw("/webhooks/github", body.clone(), &forged)
            .await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let forged = github_headers(&body, "pull_request", "f-2", "guess");
    let reply = attacker
        .call_raw("/webhooks/github", body.clone(), &forged)
        .await;
    assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let ping = corpus("github-payloads/ping.payload.json");
    let valid = github_headers(&ping, "ping", "p-1", GITHUB_SECRET);
    let reply = attacker
        .call_raw("/webhooks/github", ping.clone(), &valid)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let forged = github_headers(&ping, "ping", "p-2", "guess");
    let reply = api
        .from("198.51.100.8")
        .call_raw("/webhooks/github", ping, &forged)
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn twenty_five_forgeries_then_a_signed_delivery_from_the_same_address_is_accepted() {
    let api = TestApi::embedded().await;
    let client = api.from("198.51.100.20");
    let body = corpus("github-payloads/pull_request.opened.payload.json");
    let mut statuses = Vec::new();
    for i in 0..25 {
        let forged = github_headers(&body, "pull_request", &format!("bf-{i}"), "guess");
        statuses.push(
            client
                .call_raw("/webhooks/github", body.clone(), &forged)
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses[..20], [401; 20], "the default limit is 20");
    assert_eq!(statuses[20..], [429; 5]);
    let signed = github_headers(&body, "pull_request", "good-1", GITHUB_SECRET);
    let reply = client
        .call_raw("/webhooks/github", body.clone(), &signed)
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
}

#[tokio::test]
async fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
    use reviewgate_backend::client_ip::TrustedProxies;
    use reviewgate_ingress::process_limiter::SharedProcessLimiter;
    use reviewgate_ingress::rate_limit::Limits;
    let mut api = TestApi::embedded().await;
    api.state.trusted_proxies = TrustedProxies::parse("10.0.0.0/8").expect("valid");
    api.state.webhook_limits = Arc::new(SharedProcessLimiter::new(Limits {
        auth_failures_per_ip: 1,
        ..Limits::default()
    }));
    let proxy = api.from("10.0.0.2");
    let body = corpus("github-payloads/ping.payload.json");
    let forged = |delivery: &str, chain: &str| {
        let mut headers = github_headers(&body, "ping", delivery, "guess");
        headers.push(("x-forwarded-for".into(), chain.into()));
        headers
    };
    // The attacker writes a first hop of its choosing; the proxy appends its address.
    let reply = proxy
        .call_raw(
            "/webhooks/github",
            body.clone(),
            &forged("t-1", "192.0.2.55, 203.0.113.7"),
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    // Another first hop does not make it another client: 203.0.113.7 is blocked.
    let reply = proxy
        .call_raw(
            "/webhooks/github",
            body.clone(),
            &forged("t-2", "192.0.2.56, 203.0.113.7"),
        )
        .await;
    assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // A different client behind the same proxy is not.
    let reply = proxy
        .call_raw(
            "/webhooks/github",
            body.clone(),
            &forged("t-3", "203.0.113.8"),
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn an_oversize_webhook_is_413_with_the_error_body() {
    let api = TestApi::embedded().await;
    let body = vec![b' '; 1024 * 1024 + 1];
    let headers = github_headers(&body, "pull_request", "big-1", GITHUB_SECRET);
    let reply = api.call_raw("/webhooks/github", body, &headers).await;
    assert_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn internal_events_accept_only_fresh_edge_signatures() {
    use reviewgate_ingress::edge_signing::edge_request_headers;
    let api = TestApi::embedded().await;
    let payload = corpus("github-payloads/pull_request.synchronize.payload.json");
    let ingress: reviewgate_ingress::Headers =
        [("x-github-event", "pull_request")].into_iter().collect();
    let now = u64::try_from(chrono::Utc::now().timestamp_millis()).expect("after 1970");
    let reviewgate_ingress::Normalized::Event(envelope) = reviewgate_ingress::normalize(
        reviewgate_ingress::event::EventSource::Github,
        &ingress,
        &payload,
        reviewgate_ingress::normalize::DeliveryContext {
            delivery_id: "edge-1",
            received_at_ms: now,
            trace_id: "trace-edge-1",
            tolerance_secs: 300,
        },
    )
    .expect("the corpus payload normalizes") else {
        panic!("a pull_request event");
    };
    let body = serde_json::to_vec(&envelope).expect("envelope JSON");
    let signed = |at_ms: u64, secret: &str| -> Vec<(String, String)> {
        edge_request_headers(
            secret.as_bytes(),
            at_ms,
            &body,
            "trace-edge-1",
            &envelope.id,
        )
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    let reply = api
        .call_raw("/internal/events", body.clone(), &signed(now, EDGE_SECRET))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert_eq!(reply.body["event_id"], "github:edge-1");
    let reply = api
        .call_raw("/internal/events", body.clone(), &signed(now, EDGE_SECRET))
        .await;
    assert_eq!(reply.body["status"], "duplicate");
    let stale = api
        .call_raw(
            "/internal/events",
            body.clone(),
            &signed(now - 6 * 60 * 1000, EDGE_SECRET),
        )
        .await;
    assert_error(&stale, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(
        stale.body["message"]
            .as_str()
            .expect("message")
            .contains("tolerance")
    );
    let forged = api
        .call_raw("/internal/events", body.clone(), &signed(now, "guessed"))
        .await;
    assert_error(&forged, StatusCode::UNAUTHORIZED, "unauthorized");
    let unsigned = api.call_raw("/internal/events", body, &[]).await;
    assert_error(&unsigned, StatusCode::UNAUTHORIZED, "unauthorized");
    let bad = b"{\"not\": \"an envelope\"}".to_vec();
    let reply = api
        .call_raw(
            "/internal/events",
            bad.clone(),
            &edge_request_headers(EDGE_SECRET.as_bytes(), now, &bad, "t", "x")
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
}
