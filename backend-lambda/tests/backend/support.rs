//! What the test modules share: sample reviews, the local fakes' processes (the
//! Python code-host fakes and moto) with free ports, the shared corpus, and
//! normalized webhook events.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use reviewgate_backend::model::ReviewVersion;
use reviewgate_backend::reviews::{NewReview, rules_version};
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::{Document, Origin};

/// A review of a small, real Terraform change (public bucket, open SSH).
pub fn sample_version(
    repository: Option<&str>,
    stack: Option<&str>,
    created: DateTime<Utc>,
) -> ReviewVersion {
    let new = NewReview {
        documents: vec![Document::detect("main.tf", SAMPLE_TF)],
        origin: Origin::Local,
        repository: repository.map(str::to_owned),
        stack: stack.map(str::to_owned),
        config: ReviewConfig::default(),
    };
    rules_version(&new, "tester", created)
}

pub const SAMPLE_TF: &str = r#"
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

pub fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 10, minute, 0)
        .single()
        .expect("valid time")
}

/// A version with `n` findings whose messages carry pseudo-random hex, so that they
/// compress poorly and the DynamoDB store must split the body into chunks.
pub fn huge_version(n: usize) -> ReviewVersion {
    let mut version = sample_version(Some("acme/huge"), None, at(0));
    let template = version
        .review
        .findings
        .first()
        .cloned()
        .expect("the sample has findings");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    version.review.findings = (0..n)
        .map(|i| {
            let mut noise = String::with_capacity(160);
            for _ in 0..10 {
                // xorshift64: cheap, deterministic noise.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                noise.push_str(&format!("{state:016x}"));
            }
            let mut f = template.clone();
            f.message = format!("finding {i}: {noise}");
            f.file = Some(format!("modules/m{}/main.tf", i % 97));
            f.line = Some(u32::try_from(i).expect("small") + 1);
            f
        })
        .collect();
    version
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Waits until something listens on 127.0.0.1:`port`, failing the test after `within`.
fn wait_for_listener(port: u16, within: Duration, what: &str) {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    let deadline = Instant::now() + within;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One of the provider fakes in `tests/` (`github_fake.py`, `spacelift_fake.py`) on
/// a free 127.0.0.1 port with `state`, killed on drop. They share the control
/// routes `/_fake/calls` and `/_fake/state`.
pub struct PythonFake {
    child: Child,
    /// Its base URL.
    pub base: String,
    http: reqwest::Client,
    // Kept until the fake is gone: it read the file at start.
    _state_file: tempfile::NamedTempFile,
}

impl PythonFake {
    pub fn start(script: &str, state: &serde_json::Value) -> PythonFake {
        let state_file = tempfile::NamedTempFile::new().expect("temp state file");
        std::fs::write(state_file.path(), state.to_string()).expect("write the state");
        let port = free_port();
        let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
        let child = Command::new("python3")
            .arg(&path)
            .arg("127.0.0.1")
            .arg(port.to_string())
            .arg(state_file.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start python3 {script}: {e}"));
        let fake = PythonFake {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _state_file: state_file,
        };
        wait_for_listener(port, Duration::from_secs(20), script);
        fake
    }

    /// Every call the fake answered: method, path, query, body, status, time.
    pub async fn calls(&self) -> Vec<serde_json::Value> {
        self.fake_get("/_fake/calls").await
    }

    /// Forgets the calls so far (`DELETE /_fake/calls`).
    pub async fn clear_calls(&self) {
        let status = self
            .http
            .delete(format!("{}/_fake/calls", self.base))
            .send()
            .await
            .expect("fake answers")
            .status();
        assert!(status.is_success(), "{status}");
    }

    /// Its current state.
    pub async fn state(&self) -> serde_json::Value {
        self.fake_get("/_fake/state").await
    }

    /// Replaces its state.
    pub async fn set_state(&self, state: &serde_json::Value) {
        let status = self
            .http
            .post(format!("{}/_fake/state", self.base))
            .json(state)
            .send()
            .await
            .expect("fake answers")
            .status();
        assert!(status.is_success(), "{status}");
    }

    async fn fake_get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("fake answers")
            .json()
            .await
            .expect("fake JSON")
    }
}

/// `METHOD /path` of each call a fake recorded, to compare in one assertion.
pub fn call_lines(calls: &[serde_json::Value]) -> Vec<String> {
    calls
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["method"].as_str().unwrap_or("?"),
                c["path"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

impl Drop for PythonFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `moto_server` on 127.0.0.1, killed on drop.
#[cfg(feature = "dynamodb")]
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

#[cfg(feature = "dynamodb")]
impl Moto {
    pub fn start() -> Moto {
        let python = std::env::var("REVIEWGATE_MOTO_PYTHON").unwrap_or_else(|_| {
            panic!(
                "REVIEWGATE_MOTO_PYTHON is not set: the DynamoDB tests need moto (a local \
                 DynamoDB). Run scripts/test (it installs moto into ~/.cache/reviewgate), or \
                 `export REVIEWGATE_MOTO_PYTHON=$(scripts/backend-deps)`."
            )
        });
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto_serial.py");
        let port = free_port();
        let child = Command::new(&python)
            .args([script, "127.0.0.1", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto with {python}: {e}"));
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        wait_for_listener(port, Duration::from_secs(60), "moto_server");
        moto
    }

    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .endpoint_url(&self.endpoint)
            .build()
    }

    /// A fresh table on this server.
    pub async fn store(
        &self,
        table: &str,
    ) -> reviewgate_backend::store::dynamodb::DynamoDbReviewStore {
        let store = reviewgate_backend::store::dynamodb::DynamoDbReviewStore::new(
            &self.sdk_config(),
            table,
        );
        store
            .create_table()
            .await
            .expect("create the table on moto");
        store
    }
}

#[cfg(feature = "dynamodb")]
impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `router` on 127.0.0.1; returns its base URL. The server lives as long
/// as the test's runtime.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("fake server");
    });
    format!("http://{addr}")
}

/// A file of the shared test corpus (`../shared/corpus`, or `REVIEWGATE_CORPUS`).
pub fn corpus(relative: &str) -> Vec<u8> {
    let dir = std::env::var_os("REVIEWGATE_CORPUS").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        std::path::PathBuf::from,
    );
    std::fs::read(dir.join(relative)).unwrap_or_else(|e| {
        panic!(
            "the shared corpus is missing at {} ({e}): expected ../shared beside the repository",
            dir.display()
        )
    })
}

/// `body` delivered by `source` with `headers`, as the ingress normalizes it into
/// the envelope intake stores (delivery id `delivery`).
pub fn normalized_event(
    source: reviewgate_ingress::event::EventSource,
    headers: &reviewgate_ingress::Headers,
    body: &[u8],
    delivery: &str,
) -> reviewgate_ingress::event::EventEnvelope {
    let context = reviewgate_ingress::normalize::DeliveryContext {
        delivery_id: delivery,
        received_at_ms: 1_700_000_000_000,
        trace_id: "trace",
        tolerance_secs: 300,
    };
    match reviewgate_ingress::normalize(source, headers, body, context) {
        Ok(reviewgate_ingress::Normalized::Event(event)) => *event,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// A fresh embedded store in memory.
pub fn memory_store() -> std::sync::Arc<dyn reviewgate_backend::store::ReviewStore> {
    std::sync::Arc::new(
        reviewgate_backend::store::embedded::EmbeddedReviewStore::in_memory()
            .expect("in-memory store"),
    )
}
