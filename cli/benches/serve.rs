//! Benchmark (not a test) of `reviewgate serve` taking webhooks: signed GitHub
//! `pull_request.synchronize` deliveries (the 28 KB corpus payload, each with its own
//! delivery id, spread over 16 pull requests) from 16 connections for 10 s against
//! the real binary, with the PRs fetched from the local GitHub fake and rules-only
//! reviews. The fake answers at once unless `--github-latency-ms` sets a round trip
//! like a real GitHub's, which is what concurrent processing overlaps.
//!
//! It reports the intake rate and latency (a 202 means verified, rate-limited and
//! stored), then how long the background processor takes to review every accepted
//! event (fetch, review, new version, comment, check run). Goal (issue 7): intake of
//! at least 500/s with p99 under 50 ms. Run by `scripts/bench-serve`; targets are
//! stated, not asserted. Options: `-- --seconds N --connections N --pulls N
//! --github-latency-ms N`.

#![allow(missing_docs, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reviewgate_ingress::event::EventSource;
use reviewgate_ingress::sign::{DeliveryToSign, sign_delivery};

const SECRET: &str = "bench-webhook-secret";
const TOKEN: &str = "ghs_bench_token";
const REPO: &str = "Codertocat/Hello-World";
const HEAD_SHA: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == &format!("--{name}"))
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Kills the child when dropped, so nothing outlives the benchmark.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("REVIEWGATE_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    )
}

/// The GitHub fake with pull requests 1..=`pulls` of the corpus repository, each
/// adding the same public bucket ACL, answering after `latency_ms`.
fn start_github(dir: &Path, pulls: u64, latency_ms: u64) -> (Running, String) {
    let main_tf = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";
    let pull = serde_json::json!({"head_sha": HEAD_SHA, "files": [{
        "filename": "main.tf", "status": "added", "additions": 4, "deletions": 0,
        "patch": "@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}",
    }]});
    let pulls: serde_json::Map<String, serde_json::Value> =
        (1..=pulls).map(|n| (n.to_string(), pull.clone())).collect();
    let state = serde_json::json!({
        "token": TOKEN,
        "latency_ms": latency_ms,
        "rate_limit": {"limit": 100_000_000, "remaining": 100_000_000, "window_secs": 3600},
        "repos": {REPO: {
            "pulls": pulls,
            "contents": {HEAD_SHA: {"main.tf": main_tf}},
        }},
    });
    let state_file = dir.join("github.json");
    std::fs::write(&state_file, state.to_string()).expect("write the fake's state");
    let port = free_port();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend-lambda/tests/github_fake.py");
    let child = Running(
        Command::new("python3")
            .arg(script)
            .args(["127.0.0.1", &port.to_string()])
            .arg(&state_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the GitHub fake"),
    );
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..200 {
        if TcpStream::connect(&addr).is_ok() {
            return (child, format!("http://{addr}"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the GitHub fake did not start");
}

fn start_serve(data: &Path, github_url: &str) -> (Running, String) {
    let unlimited = "1000000000";
    let mut child = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("REVIEWGATE_GITHUB_WEBHOOK_SECRETS", SECRET)
        .env("REVIEWGATE_GITHUB_TOKEN", TOKEN)
        .env("REVIEWGATE_GITHUB_API_URL", github_url)
        .env("REVIEWGATE_RATE_LIMIT_PER_REPOSITORY", unlimited)
        .env("REVIEWGATE_RATE_LIMIT_PER_ORGANISATION", unlimited)
        .env("REVIEWGATE_RATE_LIMIT_GLOBAL", unlimited)
        // The structured logs are part of the cost being measured: keep them on.
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn reviewgate serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().expect("serve prints its URL").expect("utf-8");
    let url = first
        .strip_prefix("reviewgate serving on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    (Running(child), url)
}

/// GET `path` with the API key; the body as JSON (null when it is not JSON).
fn get(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    url: &str,
    path: &str,
    key: &str,
) -> serde_json::Value {
    runtime.block_on(async {
        let body = client
            .get(format!("{url}{path}"))
            .bearer_auth(key)
            .send()
            .await
            .expect("serve answers")
            .text()
            .await
            .expect("a body");
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let seconds = arg("seconds", 10);
    let connections = arg("connections", 16) as usize;
    let pulls = arg("pulls", 16).max(1);
    let latency_ms = arg("github-latency-ms", 0);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let key_out = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["keys", "create", "--name", "bench", "--data-dir"])
        .arg(&data)
        .output()
        .expect("keys create");
    let key = String::from_utf8(key_out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let (_github, github_url) = start_github(dir.path(), pulls, latency_ms);
    let (_serve, url) = start_serve(&data, &github_url);
    // The corpus delivery once per pull request, as GitHub would send it for each
    // (the number in two places), pretty-printed like the original.
    let corpus: serde_json::Value = serde_json::from_slice(
        &std::fs::read(corpus_dir().join("github-payloads/pull_request.synchronize.payload.json"))
            .expect("the corpus payload"),
    )
    .expect("JSON");
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (1..=pulls)
            .map(|n| {
                let mut payload = corpus.clone();
                payload["number"] = n.into();
                payload["pull_request"]["number"] = n.into();
                serde_json::to_vec_pretty(&payload).expect("JSON")
            })
            .collect(),
    );
    println!(
        "serve intake: {} B pull_request deliveries over {pulls} pull requests, {connections} connections, \
         {seconds} s, GitHub fake latency {latency_ms} ms, {} CPUs",
        bodies[0].len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hook = format!("{url}/webhooks/github");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let results: Vec<(Vec<Duration>, u64, u64)> = runtime.block_on(async {
        let client = reqwest::Client::new();
        let tasks: Vec<_> = (0..connections)
            .map(|worker| {
                let (client, hook, bodies) = (client.clone(), hook.clone(), bodies.clone());
                tokio::spawn(async move {
                    let (mut latencies, mut accepted, mut other) = (Vec::new(), 0u64, 0u64);
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        n += 1;
                        let body = &bodies[(worker + n as usize) % bodies.len()];
                        let now_secs = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .expect("after 1970")
                            .as_secs();
                        let delivery = format!("bench-{worker}-{n}");
                        let headers = sign_delivery(
                            &DeliveryToSign {
                                source: EventSource::Github,
                                secret: SECRET,
                                event: "pull_request",
                                delivery_id: &delivery,
                                now_secs,
                            },
                            body,
                        )
                        .expect("signable");
                        let mut request = client
                            .post(&hook)
                            .header("content-type", "application/json")
                            .body(body.clone());
                        for (name, value) in &headers {
                            request = request.header(*name, value);
                        }
                        let t0 = Instant::now();
                        let status = request.send().await.map(|r| r.status().as_u16());
                        latencies.push(t0.elapsed());
                        match status {
                            Ok(202) => accepted += 1,
                            _ => other += 1,
                        }
                    }
                    (latencies, accepted, other)
                })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.expect("load task"));
        }
        out
    });
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    let accepted: u64 = results.iter().map(|r| r.1).sum();
    let other: u64 = results.iter().map(|r| r.2).sum();
    latencies.sort();
    println!(
        "  intake: {:.0} deliveries/s accepted, p50 {:.2} ms, p99 {:.2} ms ({accepted} accepted, {other} not) \
         (goal >= 500/s, p99 < 50 ms)",
        accepted as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    );

    let api = reqwest::Client::new();
    // The processor reviews in the background; wait until every accepted event has
    // its version (one review per PR, one version per event): the reviews' latest
    // version numbers add up to the events reviewed.
    let give_up = Instant::now() + Duration::from_secs(600);
    let reviewed = loop {
        let page = get(
            &runtime,
            &api,
            &url,
            &format!("/api/reviews?repository={REPO}&limit=100"),
            &key,
        );
        let count: u64 = page["items"].as_array().map_or(0, |items| {
            items.iter().filter_map(|i| i["version"].as_u64()).sum()
        });
        if count >= accepted || Instant::now() > give_up {
            break count;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let total = started.elapsed();
    println!(
        "  processing: {reviewed} of {accepted} events reviewed {:.1} s after the load began \
         ({:.0} events/s: fetch from the GitHub fake, review, version, comment, check run)",
        total.as_secs_f64(),
        reviewed as f64 / total.as_secs_f64()
    );
}
