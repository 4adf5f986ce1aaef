//! SOC 2 logs: captured through the same JSON subscriber the functions install.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use reviewgate_backend::logging::json_subscriber;
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::api::TestApi;
use crate::llm::{Answer, openai_fake};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

// A secret-looking value inside a reviewed file: findings may mention it masked,
// logs must never carry it.
const AWS_SECRET: &str = "Zq3kX9vR2mT8wL5nP1yB7cF4hJ6dS0aGeKuN2i8Q";

#[tokio::test]
async fn logs_carry_ids_and_audit_fields_and_no_secret() {
    let capture = Capture::default();
    let _guard =
        tracing::subscriber::set_default(json_subscriber(capture.clone(), EnvFilter::new("debug")));
    // Other tests of this binary run on other threads without a subscriber; a
    // callsite they registered first (the shared PERF event) may have cached
    // "nobody listens". Recompute every callsite's interest with this one in place.
    // That narrows the race without closing it (a registration in flight is
    // missed), so scripts/test also runs this test on its own.
    tracing::callsite::rebuild_interest_cache();

    let (_fake, provider) = openai_fake(vec![Answer::Findings(json!({"findings": []}))]).await;
    let mut api = TestApi::embedded().await;
    api.state.ai = Arc::new(reviewgate_backend::llm::AiReviewer::new(
        Some(Box::new(provider)),
        std::time::Duration::from_secs(5),
        24_000,
    ));
    let wrong_key = "rgk_1111111111111111111111111111111111111111111111111111111111111111";
    let denied = api
        .call(
            Method::GET,
            "/api/reviews",
            None,
            &[("authorization", &format!("Bearer {wrong_key}"))],
        )
        .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    let tf = format!(
        "resource \"aws_iam_access_key\" \"k\" {{}}\nlocals {{\n  secret = \"{AWS_SECRET}\"\n}}\n"
    );
    let created = api
        .from("203.0.113.9")
        .call(
            Method::POST,
            "/api/reviews",
            Some(json!({"documents": [{"path": "main.tf", "content": tf}]})),
            &[("x-request-id", "req-123")],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["review_id"].as_str().expect("id").to_owned();
    assert!(
        !created.body.to_string().contains(AWS_SECRET),
        "the stored review (findings and kept inputs) masks the secret"
    );
    // Let the background AI review (and its model call) finish.
    for _ in 0..100 {
        if api
            .call(Method::GET, &format!("/api/reviews/{id}"), None, &[])
            .await
            .body["version"]
            == 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let text = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("UTF-8 logs");
    for secret in [
        api.key.as_str(),
        wrong_key,
        AWS_SECRET,
        "sk-local-secret-token",
    ] {
        assert!(
            !text.contains(secret),
            "a secret reached the logs: {secret}"
        );
    }
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() > 10, "{text}");
    for line in &lines {
        assert!(
            line["timestamp"].is_string() && line["level"].is_string(),
            "{line}"
        );
    }
    let in_request: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["name"] == "request")
        .collect();
    assert!(!in_request.is_empty());
    for line in &in_request {
        assert!(
            line["span"]["trace_id"].is_string() && line["span"]["request_id"].is_string(),
            "{line}"
        );
    }
    let audit: Vec<&Value> = lines.iter().filter(|l| l["log_type"] == "AUDIT").collect();
    for line in &audit {
        for field in [
            "event_type",
            "user_id",
            "resource",
            "action",
            "timestamp",
            "success",
            "ip_address",
        ] {
            assert!(!line[field].is_null(), "AUDIT without {field}: {line}");
        }
    }
    assert!(audit.iter().any(|l| l["action"] == "authorize"
        && l["success"] == false
        && l["user_id"] == "anonymous"));
    let create = audit
        .iter()
        .find(|l| l["action"] == "create")
        .expect("the create is audited");
    assert_eq!(create["user_id"], "ci-bot");
    assert_eq!(create["ip_address"], "203.0.113.9");
    assert_eq!(create["span"]["request_id"], "req-123");
    assert_eq!(create["resource"], format!("review/{id}#VERSION#1"));
    assert!(
        lines
            .iter()
            .any(|l| l["log_type"] == "SECURITY" && l["event_type"] == "unauthorized")
    );
    let perf: Vec<&Value> = lines.iter().filter(|l| l["log_type"] == "PERF").collect();
    let operations: Vec<&str> = perf
        .iter()
        .filter(|l| l["duration_ms"].is_u64())
        .filter_map(|l| l["operation"].as_str())
        .collect();
    for expected in ["http.request", "llm.openai-compatible"] {
        assert!(
            operations.contains(&expected),
            "no PERF line for {expected}: {operations:?}; {} lines in all",
            lines.len()
        );
    }
}
