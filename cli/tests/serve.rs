//! `reviewgate serve` as a user runs it: a real process on 127.0.0.1, real HTTP,
//! an API key from `reviewgate keys create`, a review that survives a restart, a
//! clean stop on SIGTERM, and the pull-request loop: a delivery signed by
//! `reviewgate webhook send`, the PR fetched from a fake GitHub speaking GitHub's
//! wire format, the review stored, the comment and check run posted.

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
        Server::start_with(data_dir, &[])
    }

    fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_reviewgate"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .envs(env.iter().copied());
        Server::spawn(command)
    }

    /// Starts `command` (a `serve`) and waits for the URL it prints.
    fn spawn(mut command: Command) -> Server {
        let mut child = command
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

    /// SIGKILL: no chance to finish anything.
    fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("wait");
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

/// Runs `reviewgate ARGS` with `env`, expecting success; returns its stdout.
fn run_reviewgate(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> String {
    let (success, stdout, stderr) = try_reviewgate(args, env);
    assert!(success, "{stderr}");
    stdout
}

/// Runs the binary: whether it exited 0, its stdout and its stderr.
fn try_reviewgate(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run reviewgate");
    (
        out.status.success(),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn create_key(data_dir: &Path) -> String {
    let args = ["keys", "create", "--name", "ci", "--data-dir"].map(std::ffi::OsStr::new);
    let mut args = args.to_vec();
    args.push(data_dir.as_os_str());
    run_reviewgate(&args, &[]).trim().to_owned()
}

#[test]
fn serve_answers_health_checks_without_a_key() {
    let data = tempfile::tempdir().expect("tempdir");
    let server = Server::start(data.path());
    let (status, body) = request(&server.addr, "GET", "/healthz", None, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    server.stop();
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
fn serve_takes_its_settings_from_reviewgate_toml_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::write(
        dir.path().join("reviewgate.toml"),
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = {:?}\n\n[limits]\nwebhooks_per_repository = 1\n",
            data.display().to_string()
        ),
    )
    .expect("write settings");
    let mut command = Command::new(env!("CARGO_BIN_EXE_reviewgate"));
    command
        .arg("serve")
        .current_dir(dir.path())
        .env("REVIEWGATE_GITHUB_WEBHOOK_SECRETS", WEBHOOK_SECRET);
    let server = Server::spawn(command);
    assert!(
        data.join("reviews.db").is_file(),
        "the file's data_dir is used"
    );
    let hook = format!("http://{}/webhooks/github", server.addr);
    let first = send_webhook(&hook, "pull_request.opened.payload.json", "toml-1");
    assert_eq!(first["status"], "accepted", "{first}");
    let (accepted, second) =
        try_send_webhook(&hook, "pull_request.synchronize.payload.json", "toml-2");
    assert!(!accepted);
    assert_eq!(
        second["error"], "rate_limited",
        "the file's limit of 1: {second}"
    );
    server.stop();

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[limits]\nper_repo = 5\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["serve", "--config"])
        .arg(&bad)
        .output()
        .expect("run serve");
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml is invalid") && stderr.contains("per_repo"),
        "{stderr}"
    );
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

/// A code-host fake from `backend-lambda/tests` (`github_fake.py`,
/// `gitlab_fake.py`) on a free port.
struct HostFake {
    child: Child,
    url: String,
    _state: tempfile::NamedTempFile,
}

impl HostFake {
    fn start(script: &str, state: &serde_json::Value) -> HostFake {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut file = tempfile::NamedTempFile::new().expect("state file");
        file.write_all(state.to_string().as_bytes())
            .expect("write state");
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../backend-lambda/tests")
            .join(script);
        let mut child = Command::new("python3")
            .arg(path)
            .args(["127.0.0.1", &port.to_string()])
            .arg(file.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 runs {script}: {e}"));
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..100 {
            if TcpStream::connect(&addr).is_ok() {
                return HostFake {
                    child,
                    url: format!("http://{addr}"),
                    _state: file,
                };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("{script} did not start");
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    fn calls(&self) -> Vec<serde_json::Value> {
        let (status, calls) = request(self.addr(), "GET", "/_fake/calls", None, "");
        assert_eq!(status, 200);
        calls.as_array().cloned().unwrap_or_default()
    }
}

impl Drop for HostFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const WEBHOOK_SECRET: &str = "it's-a-secret-to-everybody";
const GITHUB_TOKEN: &str = "ghs_fake_installation_token";
/// The repository, PR and head commit of the corpus `pull_request` payloads.
const REPO: &str = "Codertocat/Hello-World";
const HEAD_SHA: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

fn github_state() -> serde_json::Value {
    let main_tf = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";
    serde_json::json!({
        "token": GITHUB_TOKEN,
        "repos": {
            REPO: {
                "pulls": {"2": {"head_sha": HEAD_SHA, "files": [{
                    "filename": "main.tf",
                    "status": "added",
                    "patch": "@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}",
                    "additions": 4,
                    "deletions": 0,
                }]}},
                "contents": {HEAD_SHA: {"main.tf": main_tf}},
            }
        }
    })
}

fn send_webhook(url: &str, payload: &str, delivery_id: &str) -> serde_json::Value {
    let (accepted, answer) = try_send_webhook(url, payload, delivery_id);
    assert!(accepted, "the delivery was refused: {answer}");
    answer
}

/// `webhook send`: whether the server accepted the delivery, and its answer.
fn try_send_webhook(url: &str, payload: &str, delivery_id: &str) -> (bool, serde_json::Value) {
    let file = corpus(&format!("github-payloads/{payload}"));
    let args = [
        "webhook",
        "send",
        "--provider",
        "github",
        "--url",
        url,
        "--delivery-id",
        delivery_id,
    ]
    .map(std::ffi::OsStr::new);
    let mut args = args.to_vec();
    args.push(file.as_os_str());
    let (accepted, answer, stderr) =
        try_reviewgate(&args, &[("REVIEWGATE_WEBHOOK_SECRET", WEBHOOK_SECRET)]);
    let answer = serde_json::from_str(&answer)
        .unwrap_or_else(|e| panic!("the server answers JSON ({e}): {answer} {stderr}"));
    (accepted, answer)
}

/// Polls until the PR's review reaches `version`, returning it.
fn wait_for_review(addr: &str, key: &str, version: u64) -> serde_json::Value {
    let filter = format!("repository={REPO}");
    wait_for_listed_review(addr, key, &filter, version, Duration::from_secs(20))
}

/// Polls `GET /api/reviews?<filter>` until its first review reaches `version`
/// (failing the test after `within`), and returns that review.
fn wait_for_listed_review(
    addr: &str,
    key: &str,
    filter: &str,
    version: u64,
    within: Duration,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        let (status, page) = request(
            addr,
            "GET",
            &format!("/api/reviews?{filter}"),
            Some(key),
            "",
        );
        assert_eq!(status, 200, "{page}");
        if let Some(id) = page["items"][0]["review_id"].as_str()
            && page["items"][0]["version"].as_u64() >= Some(version)
        {
            let (status, review) =
                request(addr, "GET", &format!("/api/reviews/{id}"), Some(key), "");
            assert_eq!(status, 200, "{review}");
            return review;
        }
        // Every 50 ms: 20 s of polling stays under the API's 600 requests a minute.
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the review listed by `{filter}` never reached version {version}");
}

#[test]
fn a_signed_pull_request_becomes_a_review_a_comment_and_a_check_run() {
    let github = HostFake::start("github_fake.py", &github_state());
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    let env = [
        ("REVIEWGATE_GITHUB_WEBHOOK_SECRETS", WEBHOOK_SECRET),
        ("REVIEWGATE_GITHUB_TOKEN", GITHUB_TOKEN),
        ("REVIEWGATE_GITHUB_API_URL", github.url.as_str()),
    ];
    let server = Server::start_with(data.path(), &env);
    let hook = format!("http://{}/webhooks/github", server.addr);

    let answer = send_webhook(&hook, "pull_request.opened.payload.json", "delivery-opened");
    assert_eq!(answer["status"], "accepted", "{answer}");
    let review = wait_for_review(&server.addr, &key, 1);
    assert_eq!(review["repository"], REPO);
    assert_eq!(review["event_id"], "github:delivery-opened");
    let findings = review["review"]["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "main.tf" && f["line"] == 3),
        "the public ACL is found at main.tf:3: {findings:?}"
    );

    // The redelivery is acknowledged as a duplicate and reviewed no second time.
    let answer = send_webhook(&hook, "pull_request.opened.payload.json", "delivery-opened");
    assert_eq!(answer["status"], "duplicate", "{answer}");

    // A new commit: the same review's version 2, the same comment edited in place.
    let answer = send_webhook(
        &hook,
        "pull_request.synchronize.payload.json",
        "delivery-sync",
    );
    assert_eq!(answer["status"], "accepted", "{answer}");
    let review = wait_for_review(&server.addr, &key, 2);
    assert_eq!(review["version"], 2, "{review}");
    server.stop();

    let calls = github.calls();
    let posted: Vec<_> = calls
        .iter()
        .filter(|c| {
            c["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/issues/2/comments"))
        })
        .filter(|c| c["method"] == "POST")
        .collect();
    let edited = calls
        .iter()
        .filter(|c| {
            c["method"] == "PATCH"
                && c["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("/issues/comments/"))
        })
        .count();
    assert_eq!(
        (posted.len(), edited),
        (1, 1),
        "one comment, edited once: {calls:?}"
    );
    let comment = posted[0]["body"]["body"].as_str().expect("comment body");
    assert!(comment.contains("<!-- reviewgate:review -->"), "{comment}");
    let checks: Vec<_> = calls
        .iter()
        .filter(|c| {
            c["method"] == "POST"
                && c["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("/check-runs"))
        })
        .collect();
    assert_eq!(
        checks.len(),
        2,
        "one check run per reviewed commit: {calls:?}"
    );
    let check = &checks[0]["body"];
    assert_eq!(check["head_sha"], HEAD_SHA);
    assert_eq!(
        check["conclusion"], "failure",
        "a high finding fails at the default fail_on: {check}"
    );
    assert!(
        check["output"]["annotations"].as_array().is_some_and(|a| a
            .iter()
            .any(|a| a["path"] == "main.tf" && a["start_line"] == 3)),
        "{check}"
    );
}

#[test]
fn an_acknowledged_event_survives_kill_9_and_is_reviewed_once_after_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    // GitHub is down: the event is accepted, stays pending, and the server is killed.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let dead_url = format!("http://{}", dead.local_addr().expect("addr"));
    drop(dead);
    let server = Server::start_with(
        data.path(),
        &[
            ("REVIEWGATE_GITHUB_WEBHOOK_SECRETS", WEBHOOK_SECRET),
            ("REVIEWGATE_GITHUB_TOKEN", GITHUB_TOKEN),
            ("REVIEWGATE_GITHUB_API_URL", &dead_url),
        ],
    );
    let hook = format!("http://{}/webhooks/github", server.addr);
    let answer = send_webhook(&hook, "pull_request.opened.payload.json", "delivery-crash");
    assert_eq!(answer["status"], "accepted", "{answer}");
    server.kill();

    let github = HostFake::start("github_fake.py", &github_state());
    let server = Server::start_with(
        data.path(),
        &[
            ("REVIEWGATE_GITHUB_WEBHOOK_SECRETS", WEBHOOK_SECRET),
            ("REVIEWGATE_GITHUB_TOKEN", GITHUB_TOKEN),
            ("REVIEWGATE_GITHUB_API_URL", github.url.as_str()),
        ],
    );
    let review = wait_for_review(&server.addr, &key, 1);
    assert_eq!(review["event_id"], "github:delivery-crash");
    // Give the processor time to (wrongly) process it again, then check it did not.
    std::thread::sleep(Duration::from_millis(500));
    let (status, versions) = request(
        &server.addr,
        "GET",
        &format!(
            "/api/reviews/{}/versions",
            review["review_id"].as_str().expect("id")
        ),
        Some(&key),
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(versions.as_array().map(Vec::len), Some(1), "{versions}");
    server.stop();
    let checks = github
        .calls()
        .iter()
        .filter(|c| {
            c["method"] == "POST"
                && c["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("/check-runs"))
        })
        .count();
    assert_eq!(checks, 1);
}

/// `reviewgate review ARGS` with `REVIEWGATE_API_KEY` set to `key` (unset for
/// `None`): exit code, stdout, stderr.
fn review_and_upload(args: &[&std::ffi::OsStr], key: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reviewgate"));
    command
        .arg("review")
        .args(args)
        .env_remove("REVIEWGATE_API_KEY");
    if let Some(key) = key {
        command.env("REVIEWGATE_API_KEY", key);
    }
    let out = command.output().expect("run reviewgate");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn review_upload_stores_the_local_review_on_a_running_server() {
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    let server = Server::start(data.path());
    let url = format!("http://{}", server.addr);
    let plan = corpus("terraform-plans/config_resource_depends_on__plan.json");
    let args = |url: &str| -> Vec<std::ffi::OsString> {
        [
            plan.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            "--no-config".as_ref(),
            "--stack".as_ref(),
            "infra-prod".as_ref(),
            "--upload".as_ref(),
            url.as_ref(),
        ]
        .map(std::ffi::OsStr::to_os_string)
        .to_vec()
    };
    let with_url = args(&url);
    let with_url: Vec<&std::ffi::OsStr> = with_url.iter().map(|a| a.as_os_str()).collect();

    let (code, stdout, stderr) = review_and_upload(&with_url, Some(&key));
    assert_eq!(code, 0, "{stderr}");
    let local: serde_json::Value = serde_json::from_str(&stdout).expect("the local review");
    // `reviewgate: stored as review <id> version 1 (risk N): <url>/api/reviews/<id>`
    let line = stderr
        .lines()
        .find(|l| l.starts_with("reviewgate: stored as review "))
        .unwrap_or_else(|| panic!("no upload line in {stderr}"));
    let id = line
        .trim_start_matches("reviewgate: stored as review ")
        .split(' ')
        .next()
        .expect("an id")
        .to_owned();
    assert!(line.ends_with(&format!("{url}/api/reviews/{id}")), "{line}");
    assert!(line.contains(" version 1"), "{line}");

    let (status, stored) = request(
        &server.addr,
        "GET",
        &format!("/api/reviews/{id}"),
        Some(&key),
        "",
    );
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["stack"], "infra-prod");
    assert_eq!(stored["author"], "ci", "the key's name");
    let rule_ids = |findings: &serde_json::Value| -> Vec<String> {
        findings
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule_id"].as_str().expect("rule id").to_owned())
            .collect()
    };
    assert!(!rule_ids(&local["findings"]).is_empty(), "{local}");
    assert_eq!(
        rule_ids(&stored["review"]["findings"]),
        rule_ids(&local["findings"])
    );
    assert_eq!(stored["review"]["risk"]["score"], local["risk"]["score"]);
    assert!(
        line.contains(&format!("(risk {})", local["risk"]["score"])),
        "{line}"
    );

    // A key the server does not know: the review is still printed, the exit says
    // the upload failed, and the server's error is shown.
    let (code, stdout, stderr) = review_and_upload(&with_url, Some("not-a-key"));
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).expect("still printed")["findings"],
        local["findings"]
    );
    assert!(
        stderr.contains("upload failed") && stderr.contains("401") && stderr.contains("trace id"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("not-a-key"),
        "the key is not echoed: {stderr}"
    );

    // No key at all.
    let (code, _, stderr) = review_and_upload(&with_url, None);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("REVIEWGATE_API_KEY is not set"), "{stderr}");

    // The server is gone.
    server.stop();
    let (code, stdout, stderr) = review_and_upload(&with_url, Some(&key));
    assert_eq!(code, 3, "{stderr}");
    assert!(!stdout.is_empty());
    assert!(
        stderr.contains(&format!("cannot reach {url}/api/reviews")),
        "{stderr}"
    );

    // Only the first upload was stored.
    let server = Server::start(data.path());
    let (status, list) = request(&server.addr, "GET", "/api/reviews", Some(&key), "");
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().expect("a page of reviews");
    assert_eq!(items.len(), 1, "{list}");
    server.stop();
}

/// A Spacelift run-state delivery (the default webhook payload's shape), signed by
/// `webhook send` and posted to serve's `/webhooks/spacelift`: the server's answer.
fn send_spacelift_run(addr: &str, state: &str, state_version: u64) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let payload = serde_json::json!({
        "account": "acme",
        "state": state,
        "stateVersion": state_version,
        "timestamp": now,
        "run": {
            "id": "01HQZ8K3V7N2C4T6Y8B0D2F4G6",
            "branch": "main",
            "createdAt": now - 60,
            "delta": {"added": 3, "changed": 1, "deleted": 1, "resources": 12},
            "triggeredBy": "jdoe@acme.example",
        },
        "stack": {"id": "infra-prod", "name": "Infra (prod)", "labels": []},
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("run.json");
    std::fs::write(&file, payload.to_string()).expect("write payload");
    let url = format!("http://{addr}/webhooks/spacelift");
    let args =
        ["webhook", "send", "--provider", "spacelift", "--url", &url].map(std::ffi::OsStr::new);
    let mut args = args.to_vec();
    args.push(file.as_os_str());
    let (accepted, answer, stderr) =
        try_reviewgate(&args, &[("REVIEWGATE_WEBHOOK_SECRET", WEBHOOK_SECRET)]);
    assert!(accepted, "{answer} {stderr}");
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("JSON answer ({e}): {answer}"))
}

/// The stack's run review once it has `version` versions.
fn wait_for_run_review(addr: &str, key: &str, version: u64) -> serde_json::Value {
    wait_for_listed_review(
        addr,
        key,
        "stack=infra-prod",
        version,
        Duration::from_secs(5),
    )
}

#[test]
fn signed_spacelift_runs_become_one_review_in_state_version_order() {
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    let server = Server::start_with(
        data.path(),
        &[("REVIEWGATE_SPACELIFT_WEBHOOK_SECRETS", WEBHOOK_SECRET)],
    );
    let answer = send_spacelift_run(&server.addr, "UNCONFIRMED", 2);
    assert_eq!(
        answer["event_id"], "spacelift:01HQZ8K3V7N2C4T6Y8B0D2F4G6@2",
        "{answer}"
    );
    let first = wait_for_run_review(&server.addr, &key, 1);
    assert_eq!(first["status"], "open");
    assert_eq!(first["origin"]["kind"], "spacelift_run", "{first}");
    assert_eq!(first["origin"]["stack"], "infra-prod", "{first}");
    assert_eq!(first["review"]["changes"]["plan"]["actions"]["create"], 3);
    // 5 changed resources: 100 · 0.03 · ln 6 = 5.4.
    assert_eq!(first["review"]["risk"]["score"], 5, "{first}");

    send_spacelift_run(&server.addr, "FINISHED", 4);
    let finished = wait_for_run_review(&server.addr, &key, 2);
    assert_eq!(finished["status"], "closed");
    assert_eq!(finished["decision"], "Spacelift run finished");

    // stateVersion 3 arrives late, and 4 is delivered again.
    send_spacelift_run(&server.addr, "APPLYING", 3);
    let again = send_spacelift_run(&server.addr, "FINISHED", 4);
    assert_eq!(again["status"], "duplicate", "{again}");
    std::thread::sleep(Duration::from_millis(500));
    let id = finished["review_id"].as_str().expect("id");
    let (status, versions) = request(
        &server.addr,
        "GET",
        &format!("/api/reviews/{id}/versions"),
        Some(&key),
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    let (_, latest) = request(
        &server.addr,
        "GET",
        &format!("/api/reviews/{id}"),
        Some(&key),
        "",
    );
    assert_eq!(latest["status"], "closed", "never moved back to approved");
    server.stop();
}

const GITLAB_PROJECT: &str = "acme/platform/infra";
const GITLAB_HEAD: &str = "5d1f0c3b9a7e2d4c6b8a0f1e3d5c7b9a1f2e4d6c";

/// A merge request hook as GitLab sends it (the fields the ingress reads, and a few
/// it does not).
fn gitlab_merge_request_hook() -> serde_json::Value {
    serde_json::json!({
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": {"id": 1, "username": "dev", "name": "Dev"},
        "project": {"id": 4242, "name": "infra", "path_with_namespace": GITLAB_PROJECT,
                    "web_url": "https://gitlab.example/acme/platform/infra"},
        "object_attributes": {
            "iid": 3, "title": "Public logs", "action": "open", "state": "opened",
            "source_branch": "feat", "target_branch": "main",
            "last_commit": {"id": GITLAB_HEAD, "message": "logs"},
            "url": "https://gitlab.example/acme/platform/infra/-/merge_requests/3"
        }
    })
}

#[test]
fn a_gitlab_merge_request_becomes_a_review_a_note_and_a_commit_status() {
    let gitlab = HostFake::start("gitlab_fake.py", &gitlab_state());
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    let api = format!("{}/api/v4", gitlab.url);
    let env = [
        ("REVIEWGATE_GITLAB_WEBHOOK_TOKENS", WEBHOOK_SECRET),
        ("REVIEWGATE_GITLAB_TOKEN", "glpat-fake"),
        ("REVIEWGATE_GITLAB_API_URL", api.as_str()),
    ];
    let server = Server::start_with(data.path(), &env);
    send_merge_request_hook(&server.addr, data.path());

    let filter = format!("repository={GITLAB_PROJECT}");
    let review = wait_for_listed_review(&server.addr, &key, &filter, 1, Duration::from_secs(20));
    let findings = review["review"]["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "main.tf" && f["line"] == 3),
        "{findings:?}"
    );
    server.stop();

    let (status, state) = request(gitlab.addr(), "GET", "/_fake/state", None, "");
    assert_eq!(status, 200);
    let project = &state["projects"][GITLAB_PROJECT];
    let notes = project["notes"]["3"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("<!-- reviewgate:review -->")),
        "{notes:?}"
    );
    let statuses = project["statuses"].as_array().expect("statuses");
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(
        (&statuses[0]["status"], &statuses[0]["sha"]),
        (
            &serde_json::json!("failed"),
            &serde_json::json!(GITLAB_HEAD)
        )
    );
}

/// The GitLab fake's state for [`gitlab_merge_request_hook`]: merge request 3 adds
/// a public bucket ACL.
fn gitlab_state() -> serde_json::Value {
    let main_tf = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";
    serde_json::json!({
        "token": "glpat-fake",
        "projects": {GITLAB_PROJECT: {
            "id": 4242,
            "merge_requests": {"3": {"diffs": [{"new_path": "main.tf", "new_file": true,
                "diff": "@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}\n"}]}},
            "files": {GITLAB_HEAD: {"main.tf": main_tf}}
        }}
    })
}

/// `webhook send` of [`gitlab_merge_request_hook`] to serve at `addr`.
fn send_merge_request_hook(addr: &str, dir: &Path) {
    let payload = dir.join("merge_request.json");
    std::fs::write(&payload, gitlab_merge_request_hook().to_string()).expect("payload");
    let hook = format!("http://{addr}/webhooks/gitlab");
    let args = [
        "webhook",
        "send",
        "--provider",
        "gitlab",
        "--url",
        &hook,
        "--event",
        "Merge Request Hook",
    ]
    .map(std::ffi::OsStr::new);
    let mut args = args.to_vec();
    args.push(payload.as_os_str());
    let answer = run_reviewgate(&args, &[("REVIEWGATE_WEBHOOK_SECRET", WEBHOOK_SECRET)]);
    assert!(answer.contains("accepted"), "{answer}");
}

#[test]
fn a_host_answer_that_once_killed_the_processor_leaves_the_other_reviews_going() {
    // GitHub answers the pull request's files with a rate limit whose reset is
    // 2^63 seconds away: past what a clock can add. That arithmetic used to panic
    // inside the processor's task, which died while the server went on answering
    // 202 — and no event was ever processed again. Now the header saturates, the
    // GitHub event waits its turn, and a GitLab merge request sent after it is
    // reviewed.
    let mut github_state = github_state();
    github_state["fail_routes"] = serde_json::json!([{
        "method": "GET", "path": "/pulls/2/files$", "status": 403,
        "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9223372036854775808"}
    }]);
    let github = HostFake::start("github_fake.py", &github_state);
    let gitlab = HostFake::start("gitlab_fake.py", &gitlab_state());
    let data = tempfile::tempdir().expect("tempdir");
    let key = create_key(data.path());
    let gitlab_api = format!("{}/api/v4", gitlab.url);
    let server = Server::start_with(
        data.path(),
        &[
            ("REVIEWGATE_GITHUB_WEBHOOK_SECRETS", WEBHOOK_SECRET),
            ("REVIEWGATE_GITHUB_TOKEN", GITHUB_TOKEN),
            ("REVIEWGATE_GITHUB_API_URL", github.url.as_str()),
            ("REVIEWGATE_GITLAB_WEBHOOK_TOKENS", WEBHOOK_SECRET),
            ("REVIEWGATE_GITLAB_TOKEN", "glpat-fake"),
            ("REVIEWGATE_GITLAB_API_URL", gitlab_api.as_str()),
        ],
    );
    let hook = format!("http://{}/webhooks/github", server.addr);
    let answer = send_webhook(&hook, "pull_request.opened.payload.json", "d-overflow");
    assert_eq!(answer["status"], "accepted", "{answer}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !github
        .calls()
        .iter()
        .any(|c| c["path"] == "/repos/Codertocat/Hello-World/pulls/2/files")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the pull request's files were never asked for"
        );
        std::thread::sleep(Duration::from_millis(25));
    }

    send_merge_request_hook(&server.addr, data.path());
    let filter = format!("repository={GITLAB_PROJECT}");
    let review = wait_for_listed_review(&server.addr, &key, &filter, 1, Duration::from_secs(20));
    assert_eq!(review["version"], 1, "{review}");
    server.stop();
}
