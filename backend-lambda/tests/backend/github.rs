//! The GitHub client against `tests/github_fake.py`, a local GitHub that speaks the
//! REST API's wire format (pagination links, rate-limit headers, error bodies) and
//! records every call, so that each test checks both the client's result and the
//! requests GitHub would have seen.

use std::time::{Duration, Instant};

use reviewgate_backend::forge::github::{GitHubClient, MAX_CHECK_SUMMARY_CHARS};
use reviewgate_backend::forge::{
    Annotation, AnnotationLevel, CheckConclusion, CheckRun, CommentAction, ForgeError,
    PullRequestFile, PullRequestFileStatus, REVIEW_COMMENT_MARKER, unified_diff,
};
use reviewgate_core::diff::FileStatus;
use reviewgate_core::{ChangeSet, Document, InputKind, Origin};
use serde_json::{Value, json};

use crate::support::{PythonFake, call_lines as paths, corpus, memory_store, normalized_event};

const TOKEN: &str = "ghs_fakeInstallationToken0123456789";
const HEAD: &str = "9f2c4e1b7d3a5f6e8c0b1a2d3e4f5a6b7c8d9e0f";

/// `github_fake.py` with `state`, and clients for it.
struct FakeGitHub(PythonFake);

impl std::ops::Deref for FakeGitHub {
    type Target = PythonFake;

    fn deref(&self) -> &PythonFake {
        &self.0
    }
}

impl FakeGitHub {
    fn start(state: Value) -> FakeGitHub {
        FakeGitHub(PythonFake::start("github_fake.py", &state))
    }

    /// A client with the right token that waits at most 5 s for a rate limit.
    fn client(&self) -> GitHubClient {
        self.client_with_token(TOKEN)
    }

    fn client_with_token(&self, token: &str) -> GitHubClient {
        GitHubClient::new(&self.base, token.to_owned())
            .expect("client")
            .with_max_rate_limit_wait(Duration::from_secs(5))
    }
}

/// A repository `acme/infra` with pull request 7 changing `files`.
fn state_with_files(files: Value) -> Value {
    json!({
        "token": TOKEN,
        "repos": {"acme/infra": {"pulls": {"7": {"head_sha": HEAD, "files": files}}}}
    })
}

fn generated_files(n: usize) -> Value {
    (0..n)
        .map(|i| {
            json!({
                "filename": format!("modules/m{i:03}/main.tf"),
                "status": "modified",
                "patch": format!("@@ -1 +1 @@\n-# v{i}\n+# v{}", i + 1),
            })
        })
        .collect()
}

fn query<'a>(call: &'a Value, name: &str) -> Option<&'a str> {
    call["query"][name][0].as_str()
}

#[tokio::test]
async fn pull_request_files_follow_link_headers_across_pages() {
    let fake = FakeGitHub::start(state_with_files(generated_files(230)));
    let files = fake
        .client()
        .pull_request_files("acme", "infra", 7)
        .await
        .expect("files");

    assert_eq!(files.len(), 230);
    assert_eq!(files[0].filename, "modules/m000/main.tf");
    assert_eq!(files[229].filename, "modules/m229/main.tf");
    assert_eq!(files[150].status, PullRequestFileStatus::Modified);
    assert_eq!(
        files[150].patch.as_deref(),
        Some("@@ -1 +1 @@\n-# v150\n+# v151")
    );
    assert_eq!((files[150].additions, files[150].deletions), (1, 1));

    let calls = fake.calls().await;
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let pages: Vec<Option<&str>> = calls.iter().map(|c| query(c, "page")).collect();
    assert_eq!(pages, [None, Some("2"), Some("3")]);
    for call in &calls {
        assert_eq!(call["method"], "GET");
        assert_eq!(call["path"], "/repos/acme/infra/pulls/7/files");
        assert_eq!(query(call, "per_page"), Some("100"));
        assert_eq!(call["status"], 200);
        let headers = &call["headers"];
        assert_eq!(headers["authorization"], format!("Bearer {TOKEN}"));
        assert_eq!(headers["accept"], "application/vnd.github+json");
        assert_eq!(headers["x-github-api-version"], "2022-11-28");
        assert_eq!(headers["user-agent"], "reviewgate");
    }
}

#[tokio::test]
async fn an_unknown_pull_request_is_not_found() {
    let fake = FakeGitHub::start(state_with_files(json!([])));
    let error = fake
        .client()
        .pull_request_files("acme", "infra", 8)
        .await
        .expect_err("no PR 8");
    assert!(
        matches!(&error, ForgeError::NotFound { resource } if resource == "/repos/acme/infra/pulls/8/files"),
        "{error:?}"
    );
    assert_eq!(fake.calls().await.len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn file_contents_are_raw_text_and_a_missing_file_is_none() {
    let mut state = state_with_files(json!([]));
    state["repos"]["acme/infra"]["contents"] = json!({
        HEAD: {
            "modules/net/main.tf": "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
            "docs/read me #1.md": "# Notes\n",
        },
        "main": {"modules/net/main.tf": "# the default branch\n"},
    });
    let fake = FakeGitHub::start(state);
    let client = fake.client();

    let text = client
        .file_contents("acme", "infra", "modules/net/main.tf", HEAD)
        .await
        .expect("contents");
    assert_eq!(
        text.as_deref(),
        Some("resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n")
    );
    let odd_name = client
        .file_contents("acme", "infra", "docs/read me #1.md", HEAD)
        .await
        .expect("contents");
    assert_eq!(odd_name.as_deref(), Some("# Notes\n"));
    let missing = client
        .file_contents("acme", "infra", "modules/net/absent.tf", HEAD)
        .await
        .expect("a missing file is not an error");
    assert_eq!(missing, None);

    let calls = fake.calls().await;
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_eq!(
        calls[0]["path"],
        "/repos/acme/infra/contents/modules/net/main.tf"
    );
    // Percent-encoded per segment: `#` would otherwise end the path.
    assert_eq!(
        calls[1]["path"],
        "/repos/acme/infra/contents/docs/read%20me%20%231.md"
    );
    assert_eq!(calls[2]["status"], 404);
    for call in &calls {
        assert_eq!(query(call, "ref"), Some(HEAD));
        assert_eq!(call["headers"]["accept"], "application/vnd.github.raw+json");
    }
}

#[tokio::test]
async fn the_pr_comment_is_created_once_then_edited_in_place() {
    // 150 comments by people, one of them quoting an older reviewgate comment:
    // ours lands on the second page and the quote must not be mistaken for it.
    let mut comments: Vec<Value> = (1..=150)
        .map(|id| json!({"id": id, "body": format!("LGTM {id}"), "user": {"login": "dev"}}))
        .collect();
    comments[20]["body"] = json!(format!("> {REVIEW_COMMENT_MARKER}\n> old review\n\nagreed"));
    let mut state = state_with_files(json!([]));
    state["repos"]["acme/infra"]["comments"] = json!({"7": comments});
    let fake = FakeGitHub::start(state);
    let client = fake.client();

    let first = client
        .upsert_pr_comment("acme", "infra", 7, REVIEW_COMMENT_MARKER, "**2 findings**")
        .await
        .expect("created");
    assert_eq!(first.action, CommentAction::Created);
    assert!(
        first
            .html_url
            .ends_with(&format!("#issuecomment-{}", first.id))
    );
    let second = client
        .upsert_pr_comment("acme", "infra", 7, REVIEW_COMMENT_MARKER, "**No findings**")
        .await
        .expect("edited");
    assert_eq!(second.action, CommentAction::Edited);
    assert_eq!(second.id, first.id);

    let state = fake.state().await;
    let all = state["repos"]["acme/infra"]["comments"]["7"]
        .as_array()
        .expect("comments")
        .clone();
    assert_eq!(all.len(), 151);
    let ours: Vec<&Value> = all
        .iter()
        .filter(|c| {
            c["body"]
                .as_str()
                .is_some_and(|b| b.starts_with(REVIEW_COMMENT_MARKER))
        })
        .collect();
    assert_eq!(ours.len(), 1, "exactly one reviewgate comment");
    assert_eq!(ours[0]["id"], first.id);
    assert_eq!(
        ours[0]["body"],
        format!("{REVIEW_COMMENT_MARKER}\n**No findings**")
    );
    assert_eq!(
        all[20]["body"].as_str().map(|b| b.ends_with("agreed")),
        Some(true)
    );

    let calls = fake.calls().await;
    let comment_path = format!("PATCH /repos/acme/infra/issues/comments/{}", first.id);
    // An installation token may not ask `GET /user` who it is (403): the client
    // learns its login from the comment it posts, and asks no more.
    assert_eq!(
        paths(&calls),
        [
            "GET /user",
            "GET /repos/acme/infra/issues/7/comments",
            "GET /repos/acme/infra/issues/7/comments",
            "POST /repos/acme/infra/issues/7/comments",
            "GET /repos/acme/infra/issues/7/comments",
            "GET /repos/acme/infra/issues/7/comments",
            comment_path.as_str(),
        ]
    );
    assert_eq!(calls[3]["status"], 201);
    assert_eq!(
        calls[3]["body"]["body"],
        format!("{REVIEW_COMMENT_MARKER}\n**2 findings**")
    );
    assert_eq!(
        calls[6]["body"]["body"],
        format!("{REVIEW_COMMENT_MARKER}\n**No findings**")
    );
}

#[tokio::test]
async fn an_empty_marker_is_refused_before_any_call() {
    let fake = FakeGitHub::start(state_with_files(json!([])));
    let error = fake
        .client()
        .upsert_pr_comment("acme", "infra", 7, " ", "body")
        .await
        .expect_err("an empty marker matches every comment");
    assert!(matches!(error, ForgeError::InvalidInput(_)), "{error:?}");
    assert!(fake.calls().await.is_empty());
}

fn annotations(n: u32) -> Vec<Annotation> {
    (1..=n)
        .map(|i| Annotation {
            path: format!("modules/m{}/main.tf", i % 7),
            start_line: i,
            end_line: i + 1,
            annotation_level: if i % 2 == 0 {
                AnnotationLevel::Warning
            } else {
                AnnotationLevel::Failure
            },
            title: Some(format!("Finding {i}")),
            message: format!("Problem number {i}."),
        })
        .collect()
}

fn check_run(annotations: Vec<Annotation>) -> CheckRun {
    CheckRun {
        name: "reviewgate".into(),
        head_sha: HEAD.into(),
        conclusion: CheckConclusion::Failure,
        title: "120 findings".into(),
        summary: "## Review\n\nRisk: high".into(),
        annotations,
    }
}

#[tokio::test]
async fn check_run_annotations_are_sent_fifty_per_request() {
    let fake = FakeGitHub::start(state_with_files(json!([])));
    let id = fake
        .client()
        .create_check_run("acme", "infra", &check_run(annotations(120)))
        .await
        .expect("check run");

    let calls = fake.calls().await;
    let update = format!("PATCH /repos/acme/infra/check-runs/{id}");
    assert_eq!(
        paths(&calls),
        [
            "POST /repos/acme/infra/check-runs",
            update.as_str(),
            update.as_str()
        ]
    );
    let sizes: Vec<usize> = calls
        .iter()
        .map(|c| {
            c["body"]["output"]["annotations"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert!(
        calls
            .iter()
            .all(|c| c["status"] == 200 || c["status"] == 201),
        "{calls:#?}"
    );
    let create = &calls[0]["body"];
    assert_eq!(create["name"], "reviewgate");
    assert_eq!(create["head_sha"], HEAD);
    assert_eq!(create["status"], "completed");
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(
        create["output"]["annotations"][0]["annotation_level"],
        "failure"
    );
    assert_eq!(create["output"]["annotations"][1]["title"], "Finding 2");
    for update in &calls[1..] {
        assert_eq!(update["body"]["output"]["title"], "120 findings");
        assert_eq!(
            update["body"]["output"]["summary"],
            "## Review\n\nRisk: high"
        );
    }

    let state = fake.state().await;
    let run = &state["repos"]["acme/infra"]["check_runs"][0];
    assert_eq!(run["id"], id);
    let stored = run["output"]["annotations"]
        .as_array()
        .expect("annotations");
    assert_eq!(stored.len(), 120);
    let lines: Vec<u64> = stored
        .iter()
        .filter_map(|a| a["start_line"].as_u64())
        .collect();
    assert_eq!(
        lines,
        (1..=120).collect::<Vec<u64>>(),
        "in order, none twice"
    );
}

#[tokio::test]
async fn a_long_summary_is_cut_to_githubs_limit_with_a_note() {
    let fake = FakeGitHub::start(state_with_files(json!([])));
    let mut check = check_run(Vec::new());
    check.conclusion = CheckConclusion::Neutral;
    check.summary = "- finding\n".repeat(10_000);
    fake.client()
        .create_check_run("acme", "infra", &check)
        .await
        .expect("accepted: the fake answers 422 above 65535 characters");
    let calls = fake.calls().await;
    assert_eq!(calls.len(), 1);
    let summary = calls[0]["body"]["output"]["summary"]
        .as_str()
        .expect("summary");
    assert_eq!(summary.chars().count(), MAX_CHECK_SUMMARY_CHARS);
    assert!(summary.starts_with("- finding\n"));
    assert!(summary.contains("truncated"), "says so");
    assert_eq!(calls[0]["body"]["conclusion"], "neutral");
}

#[tokio::test]
async fn a_refused_check_run_is_a_validation_error_with_githubs_message() {
    let fake = FakeGitHub::start(state_with_files(json!([])));
    let mut check = check_run(annotations(3));
    check.head_sha = String::new();
    let error = fake
        .client()
        .create_check_run("acme", "infra", &check)
        .await
        .expect_err("no head_sha");
    let ForgeError::Validation(message) = &error else {
        panic!("expected Validation, got {error:?}");
    };
    assert!(message.starts_with("Validation Failed"), "{message}");
    assert!(message.contains("head_sha missing_field"), "{message}");
    let calls = fake.calls().await;
    assert_eq!(calls.len(), 1, "a 422 is not retried");
    assert_eq!(calls[0]["status"], 422);
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_never_shown() {
    let fake = FakeGitHub::start(state_with_files(generated_files(3)));
    let wrong = "ghs_wrongTokenThatMustNotLeak42";
    let error = fake
        .client_with_token(wrong)
        .pull_request_files("acme", "infra", 7)
        .await
        .expect_err("bad credentials");
    assert!(matches!(error, ForgeError::Unauthorized), "{error:?}");
    assert!(!error.to_string().contains(wrong), "{error}");
    assert!(!format!("{error:?}").contains(wrong));
    let calls = fake.calls().await;
    assert_eq!(calls.len(), 1, "a 401 is not retried");
    assert_eq!(calls[0]["status"], 401);
    assert_eq!(
        calls[0]["headers"]["authorization"],
        format!("Bearer {wrong}")
    );
}

#[tokio::test]
async fn an_exhausted_rate_limit_is_waited_out_until_the_reset() {
    let mut state = state_with_files(generated_files(2));
    state["rate_limit"] = json!({"limit": 5000, "remaining": 0, "window_secs": 1});
    let fake = FakeGitHub::start(state);
    let reset = fake.state().await["rate_limit"]["reset"]
        .as_f64()
        .expect("reset");

    let files = fake
        .client()
        .pull_request_files("acme", "infra", 7)
        .await
        .expect("succeeds after the reset");
    assert_eq!(files.len(), 2);

    let calls = fake.calls().await;
    let statuses: Vec<&Value> = calls.iter().map(|c| &c["status"]).collect();
    assert_eq!(statuses, [403, 200]);
    let retried_at = calls[1]["time"].as_f64().expect("time");
    assert!(
        retried_at >= reset,
        "retried at {retried_at}, reset {reset}"
    );
}

#[tokio::test]
async fn the_last_request_of_the_budget_makes_the_next_one_wait() {
    // One request left: the first page succeeds with `x-ratelimit-remaining: 0`,
    // and the fake refuses the second page if it comes before the reset.
    let mut state = state_with_files(generated_files(150));
    state["rate_limit"] = json!({"limit": 5000, "remaining": 1, "window_secs": 1});
    let fake = FakeGitHub::start(state);
    let reset = fake.state().await["rate_limit"]["reset"]
        .as_f64()
        .expect("reset");

    let files = fake
        .client()
        .pull_request_files("acme", "infra", 7)
        .await
        .expect("both pages");
    assert_eq!(files.len(), 150);

    let calls = fake.calls().await;
    let statuses: Vec<&Value> = calls.iter().map(|c| &c["status"]).collect();
    assert_eq!(statuses, [200, 200], "no request was refused");
    let second = calls[1]["time"].as_f64().expect("time");
    assert!(second >= reset, "second page at {second}, reset {reset}");
}

#[tokio::test]
async fn a_reset_beyond_the_maximum_wait_is_rate_limited_at_once() {
    let mut state = state_with_files(generated_files(2));
    state["rate_limit"] = json!({"limit": 5000, "remaining": 0, "window_secs": 120});
    let fake = FakeGitHub::start(state);
    let client = fake.client();

    let started = Instant::now();
    let error = client
        .pull_request_files("acme", "infra", 7)
        .await
        .expect_err("two minutes is longer than the 5 s allowed");
    let ForgeError::RateLimited { retry_after_secs } = error else {
        panic!("expected RateLimited, got {error:?}");
    };
    assert!(
        (119..=122).contains(&retry_after_secs),
        "{retry_after_secs}"
    );
    assert!(error.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(3), "did not wait");

    // The client remembers the reset: the next call does not spend a request.
    let again = client.file_contents("acme", "infra", "main.tf", HEAD).await;
    assert!(
        matches!(again, Err(ForgeError::RateLimited { .. })),
        "{again:?}"
    );
    assert_eq!(fake.calls().await.len(), 1);
}

#[tokio::test]
async fn a_secondary_rate_limit_honours_retry_after() {
    let mut state = state_with_files(generated_files(2));
    state["secondary_rate_limit"] = json!({"times": 1, "retry_after": 1, "status": 429});
    let fake = FakeGitHub::start(state);
    fake.client()
        .pull_request_files("acme", "infra", 7)
        .await
        .expect("succeeds after retry-after");
    let calls = fake.calls().await;
    let statuses: Vec<&Value> = calls.iter().map(|c| &c["status"]).collect();
    assert_eq!(statuses, [429, 200]);
    let gap = calls[1]["time"].as_f64().unwrap_or(0.0) - calls[0]["time"].as_f64().unwrap_or(0.0);
    assert!(gap >= 1.0, "waited {gap} s");
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_only() {
    let mut state = state_with_files(generated_files(2));
    state["fail_next"] = json!({"times": 2, "status": 502});
    let fake = FakeGitHub::start(state);
    let client = fake.client();
    let files = client
        .pull_request_files("acme", "infra", 7)
        .await
        .expect("third attempt succeeds");
    assert_eq!(files.len(), 2);
    let statuses: Vec<Value> = fake
        .calls()
        .await
        .iter()
        .map(|c| c["status"].clone())
        .collect();
    assert_eq!(statuses, [502, 502, 200]);

    // A POST that failed may have been applied: it is not repeated.
    let mut state = fake.state().await;
    state["fail_next"] = json!({"times": 1, "status": 503});
    fake.set_state(&state).await;
    let error = client
        .create_check_run("acme", "infra", &check_run(annotations(1)))
        .await
        .expect_err("503");
    assert!(matches!(error, ForgeError::Unavailable(_)), "{error:?}");
    let calls = fake.calls().await;
    assert_eq!(paths(&calls[3..]), ["POST /repos/acme/infra/check-runs"]);
}

#[tokio::test]
async fn unified_diff_of_pr_files_is_reviewed_as_a_diff() {
    // Patches as GitHub returns them: hunks only, no trailing newline.
    let aws_key = ["AKIA", "Q7T3MZ2XWJ5RB8KD"].concat();
    let files = json!([
        {
            "filename": "main.tf",
            "status": "modified",
            "patch": "@@ -1,4 +1,4 @@\n resource \"aws_s3_bucket_acl\" \"logs\" {\n   bucket = \"logs\"\n-  acl    = \"private\"\n+  acl    = \"public-read\"\n }",
        },
        {
            "filename": "providers.tf",
            "status": "added",
            "patch": format!("@@ -0,0 +1,4 @@\n+provider \"aws\" {{\n+  region     = \"eu-west-1\"\n+  access_key = \"{aws_key}\"\n+}}"),
        },
        {
            "filename": "old.tf",
            "status": "removed",
            "patch": "@@ -1,2 +0,0 @@\n-variable \"legacy\" {}\n-variable \"unused\" {}",
        },
        {
            "filename": "modules/net/vpc.tf",
            "previous_filename": "network/vpc.tf",
            "status": "renamed",
            "patch": "@@ -1,3 +1,3 @@\n resource \"aws_vpc\" \"main\" {\n-  cidr_block = \"10.0.0.0/16\"\n+  cidr_block = \"10.1.0.0/16\"\n }",
        },
        {"filename": "diagram.png", "status": "added"},
    ]);
    let fake = FakeGitHub::start(state_with_files(files));
    let pr_files: Vec<PullRequestFile> = fake
        .client()
        .pull_request_files("acme", "infra", 7)
        .await
        .expect("files");
    assert_eq!(pr_files.len(), 5);
    assert_eq!(pr_files[4].patch, None, "GitHub omits binary patches");

    let text = unified_diff(&pr_files);
    let document = Document::detect("pr.diff", text.as_str());
    assert_eq!(document.resolved_kind(), Some(InputKind::Diff));
    let change_set = ChangeSet::from_documents(Origin::Local, [document]);
    assert!(
        change_set.errors.is_empty(),
        "{:?}\n{text}",
        change_set.errors
    );
    let changed: Vec<_> = change_set
        .changed_files
        .iter()
        .map(|f| {
            (
                f.path.as_str(),
                f.old_path.as_deref(),
                f.status,
                f.line_counts(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            ("main.tf", None, FileStatus::Modified, (1, 1)),
            ("providers.tf", None, FileStatus::Added, (4, 0)),
            ("old.tf", None, FileStatus::Deleted, (0, 2)),
            (
                "modules/net/vpc.tf",
                Some("network/vpc.tf"),
                FileStatus::Renamed,
                (1, 1)
            ),
        ]
    );

    let review = reviewgate_core::review(&change_set);
    let secret = review
        .findings
        .iter()
        .find(|f| f.file.as_deref() == Some("providers.tf"))
        .unwrap_or_else(|| panic!("the added key is found: {:#?}", review.findings));
    // An added `.tf` file is read as configuration too: the key is reported once, on
    // the provider argument that holds it, which covers added line 3.
    assert_eq!(secret.rule_id, "RG-SECRET-001");
    let (start, end) = (secret.line.unwrap_or(0), secret.end_line.or(secret.line));
    assert!(
        start <= 3 && end >= Some(3),
        "{:?}-{:?}",
        secret.line,
        secret.end_line
    );
    assert_eq!(
        review
            .findings
            .iter()
            .filter(|f| f.file.as_deref() == Some("providers.tf"))
            .count(),
        1,
        "one finding per secret: {:#?}",
        review.findings
    );
    assert!(
        !secret.message.contains(&aws_key),
        "masked: {}",
        secret.message
    );
}

pub(crate) const APP_ID: &str = "123456";
pub(crate) const APP_KEY: &str = include_str!("../fixtures/github-app-test-key.pem");

/// The fake's view of the test App: its id, the public half of its key, and where
/// it is installed.
pub(crate) fn app_state(token_ttl_secs: u64) -> Value {
    let key = ring::signature::RsaKeyPair::from_der(&pem_der(APP_KEY)).expect("test key");
    let public =
        ring::rsa::PublicKeyComponents::<Vec<u8>>::from(ring::signature::KeyPair::public_key(&key));
    let (modulus, exponent) = (public.n, public.e);
    let mut state = state_with_files(generated_files(3));
    state["token"] = Value::Null;
    state["app"] = json!({
        "id": APP_ID,
        "modulus_hex": hex::encode(modulus),
        "exponent_hex": hex::encode(exponent),
        "installations": {"acme/infra": 77},
        "token_ttl_secs": token_ttl_secs,
    });
    state
}

fn pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64")
}

fn authorizations(calls: &[Value]) -> Vec<(String, String)> {
    calls
        .iter()
        .map(|c| {
            let auth = c["headers"]["authorization"].as_str().unwrap_or("");
            let kind = if auth.starts_with("Bearer ey") {
                "jwt"
            } else if auth.starts_with("Bearer ghs_") {
                "installation token"
            } else {
                "other"
            };
            (
                format!(
                    "{} {}",
                    c["method"].as_str().unwrap_or("?"),
                    c["path"].as_str().unwrap_or("?")
                ),
                kind.to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_github_app_mints_an_installation_token_per_repository_and_reuses_it() {
    let fake = FakeGitHub::start(app_state(3600));
    let client = GitHubClient::for_app(&fake.base, APP_ID, APP_KEY).expect("app client");
    for _ in 0..2 {
        let files = client
            .pull_request_files("acme", "infra", 7)
            .await
            .expect("files through the installation");
        assert_eq!(files.len(), 3);
    }
    let calls = fake.calls().await;
    let seen = authorizations(&calls);
    let expected: Vec<(String, String)> = [
        ("GET /repos/acme/infra/installation", "jwt"),
        ("POST /app/installations/77/access_tokens", "jwt"),
        ("GET /repos/acme/infra/pulls/7/files", "installation token"),
        ("GET /repos/acme/infra/pulls/7/files", "installation token"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(seen, expected, "one token, minted once, used twice");

    let error = client
        .pull_request_files("someone", "else", 1)
        .await
        .expect_err("not installed there");
    let ForgeError::Forbidden { message } = &error else {
        panic!("expected a refusal, got {error:?}");
    };
    assert!(
        message.contains("not installed on someone/else"),
        "{message}"
    );
}

#[tokio::test]
async fn an_installation_token_about_to_expire_is_replaced() {
    // GitHub's tokens last an hour; one with four minutes left is inside the
    // five-minute margin, so every call needs a fresh one.
    let fake = FakeGitHub::start(app_state(240));
    let client = GitHubClient::for_app(&fake.base, APP_ID, APP_KEY).expect("app client");
    for _ in 0..2 {
        client
            .pull_request_files("acme", "infra", 7)
            .await
            .expect("files");
    }
    let minted = fake
        .calls()
        .await
        .iter()
        .filter(|c| c["path"] == "/app/installations/77/access_tokens")
        .count();
    assert_eq!(minted, 2);
}

#[tokio::test]
async fn a_jwt_from_another_key_is_refused() {
    let mut state = app_state(3600);
    // The fake now holds a different public key than the one the client signs with.
    state["app"]["modulus_hex"] = json!(format!("c{}", "0".repeat(511)));
    let fake = FakeGitHub::start(state);
    let client = GitHubClient::for_app(&fake.base, APP_ID, APP_KEY).expect("app client");
    let error = client
        .pull_request_files("acme", "infra", 7)
        .await
        .expect_err("bad signature");
    assert!(matches!(error, ForgeError::Unauthorized), "{error:?}");
}

/// The corpus `pull_request.opened` (Codertocat/Hello-World#2) as the ingress
/// normalizes it.
fn corpus_pull_request_event() -> reviewgate_ingress::event::EventEnvelope {
    let body = corpus("github-payloads/pull_request.opened.payload.json");
    let headers = reviewgate_ingress::Headers::new().with("x-github-event", "pull_request");
    normalized_event(
        reviewgate_ingress::event::EventSource::Github,
        &headers,
        &body,
        "d-1",
    )
}

#[tokio::test]
async fn a_personal_access_token_sets_a_commit_status_instead_of_a_check_run() {
    const CORPUS_HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    const PAT: &str = "github_pat_11AAAAfakeFineGrainedToken";
    let main_tf = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";
    let fake = FakeGitHub::start(json!({
        "token": PAT,
        "repos": {"Codertocat/Hello-World": {
            "pulls": {"2": {"head_sha": CORPUS_HEAD, "files": [{
                "filename": "main.tf", "status": "added",
                "patch": "@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}"
            }]}},
            "contents": {CORPUS_HEAD: {"main.tf": main_tf}}
        }}
    }));
    let store = memory_store();
    let processor =
        reviewgate_backend::events::EventProcessor::new(store, Some(fake.client_with_token(PAT)));
    let outcome = processor
        .process(&corpus_pull_request_event())
        .await
        .expect("reviewed although check runs are refused");
    assert!(
        matches!(
            outcome,
            reviewgate_backend::store::EventOutcome::Reviewed { version: 1, .. }
        ),
        "{outcome:?}"
    );
    let calls = fake.calls().await;
    let check_run = calls
        .iter()
        .find(|c| c["path"] == "/repos/Codertocat/Hello-World/check-runs")
        .expect("a check run was tried");
    assert_eq!(check_run["status"], 403, "GitHub refuses PATs check runs");
    let repo = &fake.state().await["repos"]["Codertocat/Hello-World"];
    let statuses = repo["statuses"][CORPUS_HEAD]
        .as_array()
        .expect("statuses")
        .clone();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(statuses[0]["state"], "failure");
    assert_eq!(statuses[0]["context"], "reviewgate");
    let comment_id = &repo["comments"]["2"][0]["id"];
    assert_eq!(
        statuses[0]["target_url"],
        format!("https://github.com/Codertocat/Hello-World/pull/2#issuecomment-{comment_id}"),
        "links to the review comment"
    );
}
