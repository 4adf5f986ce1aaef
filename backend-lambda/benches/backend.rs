//! Backend figures: `GET /api/reviews/{id}` p50/p95 and create-review (rules
//! included) through the router on the embedded store and, with the `dynamodb`
//! feature and `REVIEWGATE_MOTO_PYTHON`, on DynamoDB (moto); DynamoDB requests per
//! create and per update; and the daily aggregation over 250,000, 500,000 and
//! 1,000,000 synthetic review versions on the embedded store. Run by
//! `scripts/bench-backend`; `cargo bench … --bench backend -- api` or `-- aggregation`
//! runs one part. Targets are stated, not asserted (speed belongs to benchmarks,
//! not tests).

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use reviewgate_backend::Config;
use reviewgate_backend::api::auth;
use reviewgate_backend::api::{AiDispatch, AppState};
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
    // `cargo bench` passes `--bench`; a bare word picks one part.
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let mut lines = Vec::new();
    if wants("api") {
        let dir = tempfile::tempdir().expect("temp dir");
        let embedded = EmbeddedReviewStore::open(&dir.path().join("bench.db")).expect("open");
        lines.extend(run("embedded", Arc::new(embedded), 300, 3000).await);
        #[cfg(feature = "dynamodb")]
        lines.extend(dynamodb().await);
    }
    if wants("aggregation") {
        lines.extend(aggregation::run().await);
    }
    for line in lines {
        println!("{line}");
    }
}

/// The daily aggregation over synthetic history on the embedded store.
mod aggregation {
    use std::time::Instant;

    use chrono::{Duration, TimeZone, Utc};
    use reviewgate_backend::analytics;
    use reviewgate_backend::model::{ReviewStatus, ReviewVersion};
    use reviewgate_backend::store::ReviewStore;
    use reviewgate_backend::store::embedded::EmbeddedReviewStore;
    use reviewgate_core::RiskLevel;

    /// Days of history, and versions written per day: 40 × 25,000 = 1,000,000.
    const DAYS: u32 = 40;
    const VERSIONS_PER_DAY: u32 = 25_000;
    /// Each review has four versions on its day: the first rules run, an edit, a
    /// second rules run (a new push), another edit.
    const VERSIONS_PER_REVIEW: u32 = 4;
    /// Versions written per import transaction.
    const IMPORT_BATCH: usize = 20_000;

    /// A change that draws findings from several rule families.
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
resource "aws_db_instance" "main" {
  engine              = "postgres"
  publicly_accessible = true
  storage_encrypted   = false
}
resource "aws_iam_policy" "admin" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"#;

    fn template() -> ReviewVersion {
        let new = reviewgate_backend::reviews::NewReview {
            documents: vec![reviewgate_core::Document::detect("main.tf", CHANGE)],
            origin: reviewgate_core::Origin::Local,
            repository: None,
            stack: None,
            config: Default::default(),
        };
        let mut version = reviewgate_backend::reviews::rules_version(&new, "bench", Utc::now());
        // Bodies as small as the findings allow: the aggregation reads summaries only.
        version.inputs.clear();
        for finding in &mut version.review.findings {
            finding.message.clear();
            finding.remediation = None;
            finding.resource = None;
            finding.file = None;
            finding.aliases = Default::default();
            finding.frameworks = Default::default();
        }
        version
    }

    /// The findings of `template` picked by the bits of `mask`, with a score.
    fn with_findings(template: &ReviewVersion, mask: u32, score: u8) -> ReviewVersion {
        let mut version = template.clone();
        version.review.findings = template
            .review
            .findings
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << (i % 16)) != 0)
            .map(|(_, f)| f.clone())
            .collect();
        if let Some(risk) = version.review.risk.as_mut() {
            risk.score = score;
            risk.level = match score {
                0..25 => RiskLevel::Low,
                25..50 => RiskLevel::Medium,
                50..75 => RiskLevel::High,
                _ => RiskLevel::Critical,
            };
        }
        version
    }

    /// The four versions of review `r`.
    fn review_versions(template: &ReviewVersion, r: u32) -> [ReviewVersion; 4] {
        let reviews_per_day = VERSIONS_PER_DAY / VERSIONS_PER_REVIEW;
        let day = r / reviews_per_day;
        let start = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time")
            + Duration::days(i64::from(day))
            + Duration::seconds(i64::from(r % reviews_per_day) * 10);
        // xorshift-style mixing: deterministic variety of rules and scores.
        let mix = r.wrapping_mul(2_654_435_761) ^ (r >> 7);
        let mut v1 = with_findings(template, mix | 1, (mix % 97) as u8);
        v1.review_id = format!("bench-{r:08}");
        v1.created_at = start;
        v1.updated_at = start;
        v1.repository = Some(format!("acme/repo-{}", r % 200));
        v1.stack = r.is_multiple_of(3).then(|| format!("stack-{}", r % 50));
        v1.rules_run = Some(format!("run-{r}-1"));
        let mut v2 = v1.next("alice", start + Duration::hours(1));
        v2.status = ReviewStatus::ChangesRequested;
        let mut v3 = with_findings(template, (mix >> 3) | 2, ((mix >> 5) % 101) as u8);
        v3.review_id = v1.review_id.clone();
        v3.created_at = start;
        v3.repository = v1.repository.clone();
        v3.stack = v1.stack.clone();
        v3.version = 3;
        v3.previous_version_id = Some(ReviewVersion::version_id(&v1.review_id, 2));
        v3.updated_at = start + Duration::hours(2);
        v3.rules_run = Some(format!("run-{r}-3"));
        let mut v4 = v3.next("alice", start + Duration::hours(3));
        v4.status = ReviewStatus::Approved;
        [v1, v2, v3, v4]
    }

    /// CPU seconds this process used so far (user + system, from /proc/self/stat;
    /// clock ticks of 1/100 s): unlike wall time, not inflated by other work on a
    /// shared machine.
    fn cpu_seconds() -> f64 {
        let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
            return f64::NAN;
        };
        // Fields after the parenthesised command name; utime and stime are 14 and 15.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
        match (ticks(11), ticks(12)) {
            (Some(user), Some(system)) => (user + system) / 100.0,
            _ => f64::NAN,
        }
    }

    /// Keeps a result line for the summary and shows it now: the run takes minutes.
    fn note(lines: &mut Vec<String>, line: String) {
        eprintln!("{line}");
        lines.push(line);
    }

    pub async fn run() -> Vec<String> {
        // A database file, as the local server keeps: its pages live in the OS page
        // cache, not on the heap (an in-memory SQLite of a million versions makes the
        // allocator the bottleneck).
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EmbeddedReviewStore::open(&dir.path().join("history.db")).expect("open");
        let template = template();
        // `REVIEWGATE_BENCH_DAYS` shortens the history (for profiling); the figures
        // are for the default 40 days.
        let days_of_history = std::env::var("REVIEWGATE_BENCH_DAYS")
            .ok()
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(DAYS);
        let reviews = days_of_history * VERSIONS_PER_DAY / VERSIONS_PER_REVIEW;
        let started = Instant::now();
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        for r in 0..reviews {
            batch.extend(review_versions(&template, r));
            if batch.len() >= IMPORT_BATCH {
                store
                    .import(std::mem::take(&mut batch))
                    .await
                    .expect("import");
            }
        }
        if !batch.is_empty() {
            store.import(batch).await.expect("import");
        }
        let mut lines = Vec::new();
        let size = std::fs::metadata(dir.path().join("history.db")).map_or(0, |m| m.len());
        note(
            &mut lines,
            format!(
                "aggregation: database file {:.0} MB; wrote {} synthetic versions ({} findings per rules run at most) in {:.1} s",
                size as f64 / 1e6,
                days_of_history * VERSIONS_PER_DAY,
                template.review.findings.len(),
                started.elapsed().as_secs_f64()
            ),
        );
        let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let today = analytics::today();
        let mut per_version = Vec::new();
        for days in [days_of_history / 4, days_of_history / 2, days_of_history] {
            let last = first + Duration::days(i64::from(days) - 1);
            let started = Instant::now();
            let cpu_started = cpu_seconds();
            let outcomes = analytics::backfill(&store, first, last, today)
                .await
                .expect("backfill");
            let elapsed = started.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu_started;
            let versions: u64 = outcomes.iter().map(|o| o.versions).sum();
            let scopes: usize = outcomes.iter().map(|o| o.scopes).sum();
            per_version.push(elapsed / versions as f64);
            note(
                &mut lines,
                format!(
                    "aggregation: {versions} versions over {days} days in {elapsed:.2} s wall, \
                     {cpu:.2} s CPU ({:.2} µs per version, {scopes} aggregates stored; \
                     goal < 10 s for 1,000,000)",
                    elapsed / versions as f64 * 1e6
                ),
            );
        }
        let (low, high) = per_version
            .iter()
            .fold((f64::MAX, 0f64), |(l, h), v| (l.min(*v), h.max(*v)));
        note(
            &mut lines,
            format!(
                "aggregation: time per version varies by {:.0}% from 250,000 to 1,000,000 versions (linear: constant per version)",
                (high / low - 1.0) * 100.0
            ),
        );
        // The same store answering the API's historical report over stored days.
        let query = analytics::HistoricalQuery {
            kind: analytics::ReportKind::Patterns,
            from: first,
            to: first + Duration::days(i64::from(days_of_history) - 1),
            repository: None,
            stack: None,
            granularity: analytics::Granularity::Day,
        };
        let started = Instant::now();
        analytics::historical(&store as &dyn ReviewStore, &query)
            .await
            .expect("report");
        note(
            &mut lines,
            format!(
                "aggregation: patterns report over the {days_of_history} aggregated days (every scope) in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            ),
        );
        lines
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
