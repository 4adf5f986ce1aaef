//! Backend figures: `GET /api/reviews/{id}` p50/p95 and create-review (rules
//! included) through the router on the embedded store and, with the `dynamodb`
//! feature and `REVIEWGATE_MOTO_PYTHON`, on DynamoDB (moto); DynamoDB requests per
//! create and per update. Run by `scripts/bench-backend`; targets are stated, not
//! asserted (speed belongs to benchmarks, not tests).

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use reviewgate_backend::Config;
use reviewgate_backend::api::{AiDispatch, AppState};
use reviewgate_backend::auth;
use reviewgate_backend::llm::none;
use reviewgate_backend::store::ReviewStore;
use reviewgate_backend::store::embedded::EmbeddedReviewStore;
use serde_json::{Value, json};
use tower::ServiceExt;

const CHANGE: &str = r#"
resource "aws_s3_bucket_acl" "logs" {
  bucket = "logs"
  acl    = "public-read"
}
resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

async fn run(label: &str, store: Arc<dyn ReviewStore>, creates: usize, gets: usize) -> Vec<String> {
    let key = auth::create_api_key(store.as_ref(), "bench")
        .await
        .expect("key");
    // The defaults, without the per-key request limit.
    let config = Config::from_lookup(|name| {
        (name == "REVIEWGATE_RATE_LIMIT_PER_MINUTE").then(|| "0".to_owned())
    })
    .expect("the defaults are valid");
    let state = AppState::new(
        store,
        Arc::new(none::rules_only()),
        AiDispatch::External,
        &config,
    );
    let router = reviewgate_backend::app(state);
    let send = |method: Method, uri: String, body: Option<Value>| {
        let router = router.clone();
        let key = key.clone();
        async move {
            let builder = Request::builder()
                .method(method)
                .uri(uri)
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json");
            let request = builder
                .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
                .expect("request");
            let response = router.oneshot(request).await.expect("router");
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let mut ids = Vec::new();
    let mut create_times = Vec::new();
    for i in 0..creates {
        let body = json!({"documents": [{"path": "main.tf", "content": CHANGE}], "repository": format!("bench/r{}", i % 10)});
        let started = Instant::now();
        let (status, reply) = send(Method::POST, "/api/reviews".into(), Some(body)).await;
        create_times.push(started.elapsed());
        assert_eq!(status, StatusCode::CREATED, "{reply}");
        ids.push(reply["review_id"].as_str().expect("id").to_owned());
    }
    let mut get_times = Vec::new();
    for i in 0..gets {
        let id = &ids[(i * 7919) % ids.len()];
        let started = Instant::now();
        let (status, _) = send(Method::GET, format!("/api/reviews/{id}"), None).await;
        get_times.push(started.elapsed());
        assert_eq!(status, StatusCode::OK);
    }
    vec![
        format!(
            "{label}: GET /api/reviews/{{id}} p50 {:.2} ms, p95 {:.2} ms ({gets} requests over {creates} reviews; goal p95 < 5 ms on embedded)",
            percentile(&mut get_times, 0.5),
            percentile(&mut get_times, 0.95)
        ),
        format!(
            "{label}: POST /api/reviews (rules + store) p50 {:.2} ms, p95 {:.2} ms ({creates} reviews)",
            percentile(&mut create_times, 0.5),
            percentile(&mut create_times, 0.95)
        ),
    ]
}

#[tokio::main]
async fn main() {
    let mut lines = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let embedded = EmbeddedReviewStore::open(&dir.path().join("bench.db")).expect("open");
    lines.extend(run("embedded", Arc::new(embedded), 300, 3000).await);
    #[cfg(feature = "dynamodb")]
    lines.extend(dynamodb().await);
    for line in lines {
        println!("{line}");
    }
}

#[cfg(feature = "dynamodb")]
async fn dynamodb() -> Vec<String> {
    use std::sync::atomic::Ordering;

    use reviewgate_backend::store::dynamodb::DynamoDbReviewStore;

    let Ok(python) = std::env::var("REVIEWGATE_MOTO_PYTHON") else {
        return vec![
            "dynamodb: skipped (REVIEWGATE_MOTO_PYTHON not set; run scripts/bench-backend)".into(),
        ];
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = std::process::Command::new(python)
        .args([
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto_serial.py"),
            "127.0.0.1",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(100));
    }
    use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "b", "b", None, None, "bench",
        )))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .build();
    let store = Arc::new(DynamoDbReviewStore::new(&config, "bench"));
    store.create_table().await.expect("table");
    let mut lines = run("dynamodb (moto, serialized)", store.clone(), 100, 1000).await;
    // Requests per create and per update, counted at the HTTP layer.
    let version = {
        let new = reviewgate_backend::reviews::NewReview {
            documents: vec![reviewgate_core::Document::detect("main.tf", CHANGE)],
            origin: reviewgate_core::Origin::Local,
            repository: None,
            stack: None,
            config: Default::default(),
        };
        reviewgate_backend::reviews::rules_version(&new, "bench", chrono::Utc::now())
    };
    let counts = store.request_counts();
    let (w0, r0) = (
        counts.writes.load(Ordering::Relaxed),
        counts.reads.load(Ordering::Relaxed),
    );
    store.create(&version).await.expect("create");
    let (w1, r1) = (
        counts.writes.load(Ordering::Relaxed),
        counts.reads.load(Ordering::Relaxed),
    );
    reviewgate_backend::store::update_review(
        store.as_ref(),
        &version.review_id,
        Some(1),
        "bench",
        |v| v.notes = Some("n".into()),
    )
    .await
    .expect("update");
    let (w2, r2) = (
        counts.writes.load(Ordering::Relaxed),
        counts.reads.load(Ordering::Relaxed),
    );
    lines.push(format!(
        "dynamodb: requests per create: {} write, {} read; per update (read latest + conditional write): {} write, {} read (goal: one write each)",
        w1 - w0,
        r1 - r0,
        w2 - w1,
        r2 - r1
    ));
    let _ = child.kill();
    let _ = child.wait();
    lines
}
