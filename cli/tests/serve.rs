//! `reviewgate serve` as a user runs it: a real process on 127.0.0.1, real HTTP,
//! an API key from `reviewgate keys create`, a review that survives a restart, and a
//! clean stop on SIGTERM.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::corpus;

/// A running server; killed if a test fails before stopping it.
struct Server {
    child: Child,
    /// `127.0.0.1:<port>`.
    addr: String,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn reviewgate serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let first = lines
            .next()
            .expect("serve prints its URL")
            .expect("utf-8 stderr");
        let addr = first
            .strip_prefix("reviewgate serving on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    /// Sends SIGTERM and waits: a graceful stop exits 0.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait for serve");
        assert!(exit.success(), "serve exited with {exit}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; returns the status and the body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let auth = key.map_or(String::new(), |k| format!("Authorization: Bearer {k}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let text = String::from_utf8(response).expect("utf-8 response");
    let (head, rest) = text.split_once("\r\n\r\n").expect("headers end");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    (status, json)
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let len = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if len == 0 {
            break;
        }
        out.push_str(&tail[..len]);
        rest = &tail[len + 2..];
    }
    out
}

fn create_key(data_dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["keys", "create", "--name", "ci", "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("run keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[test]
fn serves_reviews_that_survive_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    assert!(key.len() >= 32, "a high-entropy key, got {key:?}");

    let server = Server::start(data.path());
    let (status, body) = request(&server.addr, "GET", "/api/reviews", None, "");
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "unauthorized", "{body}");
    assert!(body["trace_id"].is_string(), "{body}");

    let plan = std::fs::read_to_string(corpus(
        "terraform-plans/config_resource_depends_on__plan.json",
    ))
    .expect("read plan");
    let create = serde_json::json!({
        "documents": [{"path": "plan.json", "content": plan}],
        "repository": "acme/infra",
    });
    let (status, created) = request(
        &server.addr,
        "POST",
        "/api/reviews",
        Some(&key),
        &create.to_string(),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["version"], 1, "{created}");
    let id = created["review_id"].as_str().expect("review id").to_owned();
    let replaced = created["review"]["changes"]["plan"]["replaced"].clone();
    assert!(
        replaced.as_array().is_some_and(|r| !r.is_empty()),
        "{created}"
    );
    server.stop();

    let server = Server::start(data.path());
    let (status, fetched) = request(
        &server.addr,
        "GET",
        &format!("/api/reviews/{id}"),
        Some(&key),
        "",
    );
    assert_eq!(status, 200, "{fetched}");
    assert_eq!(fetched["review_id"], id.as_str());
    assert_eq!(fetched["review"]["changes"]["plan"]["replaced"], replaced);
    let (status, _) = request(
        &server.addr,
        "GET",
        "/api/reviews/does-not-exist",
        Some(&key),
        "",
    );
    assert_eq!(status, 404);
    server.stop();
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(data.path())
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}
