//! The Bitbucket Cloud client, and pull requests through the event processor,
//! against `tests/bitbucket_fake.py`: a local Bitbucket speaking API 2.0's wire
//! format (in-body pagination, the diff redirect, Code Insights reports and
//! annotations, build statuses, Bitbucket's error bodies) that records every call.

use std::time::Duration;

use reviewgate_backend::events::{EventProcessor, pull_request_review_id};
use reviewgate_backend::forge::bitbucket::BitbucketClient;
use reviewgate_backend::forge::{
    Annotation, AnnotationLevel, CheckConclusion, CheckRun, CommentAction, ForgeError,
    PullRequestFileStatus, REVIEW_COMMENT_MARKER,
};
use reviewgate_backend::store::EventOutcome;
use reviewgate_core::Origin;
use reviewgate_ingress::Headers;
use reviewgate_ingress::event::{EventEnvelope, EventSource};
use serde_json::{Value, json};

use crate::support::{PythonFake, call_lines as paths, memory_store, normalized_event};

const TOKEN: &str = "ATCTT3xFfGN0fakeRepositoryAccessToken";
const WORKSPACE: &str = "acme";
const REPO: &str = "infra";
const HEAD: &str = "7c1e9a3b5d2f4e6a8c0b1d3f5a7c9e1b2d4f6a8c";

fn start_fake(state: Value) -> PythonFake {
    PythonFake::start("bitbucket_fake.py", &state)
}

/// What the tests ask of `bitbucket_fake.py`.
trait BitbucketFake {
    fn api(&self) -> String;
    /// A client with the access token that waits at most 5 s for a rate limit.
    fn client(&self) -> BitbucketClient;
    async fn repository_state(&self) -> Value;
}

impl BitbucketFake for PythonFake {
    fn api(&self) -> String {
        format!("{}/2.0", self.base)
    }

    fn client(&self) -> BitbucketClient {
        BitbucketClient::new(&self.api(), TOKEN.to_owned(), None)
            .expect("client")
            .with_max_rate_limit_wait(Duration::from_secs(5))
    }

    async fn repository_state(&self) -> Value {
        self.state().await["repositories"][format!("{WORKSPACE}/{REPO}")].clone()
    }
}

const MAIN_TF: &str = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";
const DIFF: &str = "diff --git a/main.tf b/main.tf\nnew file mode 100644\nindex 0000000..3b18e51\n--- /dev/null\n+++ b/main.tf\n@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}\n";

/// Repository `acme/infra` whose PR 5 adds a public bucket ACL.
fn state() -> Value {
    json!({
        "token": TOKEN,
        "basic": {"username": "reviewgate-bot", "password": "app-password-1"},
        "repositories": {format!("{WORKSPACE}/{REPO}"): {
            "pullrequests": {"5": {
                "source_commit": HEAD,
                "diffstat": [
                    {"status": "added", "lines_added": 4, "old": null, "new": {"path": "main.tf"}},
                    {"status": "removed", "lines_removed": 1, "old": {"path": "gone.tf"}, "new": null}
                ],
                "diff": DIFF
            }},
            "src": {HEAD: {"main.tf": MAIN_TF}},
            "comments": {"5": [
                {"id": 1, "content": {"raw": format!("> {REVIEW_COMMENT_MARKER}\n> quoted")}},
                {"id": 2, "content": {"raw": format!("{REVIEW_COMMENT_MARKER}\nold")},
                 "inline": {"path": "main.tf", "to": 3}}
            ]}
        }}
    })
}

#[tokio::test]
async fn diffstat_pages_follow_next_and_the_diff_follows_its_redirect() {
    let stats: Vec<Value> = (0..1200)
        .map(|i| json!({"status": "modified", "new": {"path": format!("m/{i:04}.tf")}}))
        .collect();
    let mut state = state();
    state["repositories"]["acme/infra"]["pullrequests"]["5"]["diffstat"] = json!(stats);
    let fake = start_fake(state);
    let client = fake.client();
    let files = client
        .pull_request_files(WORKSPACE, REPO, 5)
        .await
        .expect("diffstat");
    assert_eq!(files.len(), 1200);
    assert_eq!(files[1199].filename, "m/1199.tf");
    assert_eq!(files[0].status, PullRequestFileStatus::Modified);
    let diff = client
        .pull_request_diff(WORKSPACE, REPO, 5)
        .await
        .expect("diff");
    assert_eq!((diff.text.as_str(), diff.complete), (DIFF, true));
    let calls = fake.calls().await;
    let calls = paths(&calls);
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.ends_with("/pullrequests/5/diffstat"))
            .count(),
        3,
        "500 + 500 + 200: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("GET /2.0/repositories/acme/infra/diff/")),
        "the redirect was followed with the credentials: {calls:?}"
    );
}

#[tokio::test]
async fn an_abbreviated_head_is_resolved_and_files_are_read_at_it() {
    let fake = start_fake(state());
    let client = fake.client();
    let full = client
        .full_commit_hash(WORKSPACE, REPO, &HEAD[..12])
        .await
        .expect("resolved");
    assert_eq!(full, HEAD);
    assert_eq!(
        client
            .full_commit_hash(WORKSPACE, REPO, HEAD)
            .await
            .expect("whole"),
        HEAD
    );
    assert_eq!(fake.calls().await.len(), 1, "a full hash needs no call");
    assert_eq!(
        client
            .file_contents(WORKSPACE, REPO, "main.tf", HEAD)
            .await
            .expect("read")
            .as_deref(),
        Some(MAIN_TF)
    );
    assert_eq!(
        client
            .file_contents(WORKSPACE, REPO, ".reviewgate.toml", HEAD)
            .await
            .expect("read"),
        None
    );
    let unknown = client
        .full_commit_hash(WORKSPACE, REPO, "deadbeefdead")
        .await
        .expect_err("unknown commit");
    assert!(
        matches!(unknown, ForgeError::NotFound { .. }),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn the_comment_is_created_once_then_edited_in_place() {
    let fake = start_fake(state());
    let client = fake.client();
    let first = client
        .upsert_pr_comment(WORKSPACE, REPO, 5, REVIEW_COMMENT_MARKER, "first")
        .await
        .expect("create");
    assert_eq!(
        first.action,
        CommentAction::Created,
        "neither a quote nor an inline comment is ours"
    );
    assert!(
        first
            .html_url
            .contains(&format!("pull-requests/5#comment-{}", first.id)),
        "{}",
        first.html_url
    );
    let second = client
        .upsert_pr_comment(WORKSPACE, REPO, 5, REVIEW_COMMENT_MARKER, "second")
        .await
        .expect("edit");
    assert_eq!(
        (second.action, second.id),
        (CommentAction::Edited, first.id)
    );
    let comments = fake.repository_state().await["comments"]["5"].clone();
    let ours = comments
        .as_array()
        .expect("comments")
        .iter()
        .find(|c| c["id"] == json!(first.id))
        .expect("ours")
        .clone();
    assert_eq!(
        ours["content"]["raw"],
        format!("{REVIEW_COMMENT_MARKER}\nsecond")
    );
    assert_eq!(comments.as_array().expect("comments").len(), 3);
}

fn annotations(n: u32) -> Vec<Annotation> {
    (1..=n)
        .map(|i| Annotation {
            path: "main.tf".into(),
            start_line: i,
            end_line: i,
            annotation_level: if i % 2 == 0 {
                AnnotationLevel::Failure
            } else {
                AnnotationLevel::Notice
            },
            title: Some(format!("RG-{i}: finding")),
            message: "what to do".into(),
        })
        .collect()
}

fn check(conclusion: CheckConclusion, annotations: Vec<Annotation>) -> CheckRun {
    CheckRun {
        name: "reviewgate".into(),
        head_sha: HEAD.into(),
        conclusion,
        title: "2 finding(s) at high or above".into(),
        summary: "summary".into(),
        annotations,
    }
}

#[tokio::test]
async fn the_report_is_replaced_with_annotations_in_batches_and_a_build_status() {
    let fake = start_fake(state());
    let client = fake.client();
    let link = "https://bitbucket.org/acme/infra/pull-requests/5#comment-1000";
    client
        .report(
            WORKSPACE,
            REPO,
            &check(CheckConclusion::Failure, annotations(1030)),
            link,
        )
        .await
        .expect("reported");
    let repo = fake.repository_state().await;
    let report = &repo["reports"][HEAD]["reviewgate"];
    assert_eq!(report["result"], "FAILED");
    assert_eq!(report["report_type"], "SECURITY");
    assert_eq!(report["link"], link);
    let stored = report["annotations"].as_array().expect("annotations");
    assert_eq!(stored.len(), 1000, "a report holds at most 1000");
    assert_eq!(stored[1]["severity"], "HIGH");
    assert_eq!(stored[0]["severity"], "LOW");
    let status = &repo["statuses"][HEAD]["reviewgate"];
    assert_eq!(
        (&status["state"], &status["url"]),
        (&json!("FAILED"), &json!(link))
    );
    let posts = fake
        .calls()
        .await
        .iter()
        .filter(|c| {
            c["method"] == "POST"
                && c["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("/annotations"))
        })
        .map(|c| c["body"].as_array().map_or(0, Vec::len))
        .collect::<Vec<_>>();
    assert_eq!(posts, [100; 10], "100 per request");

    // The next review has fewer findings: nothing of the first one survives.
    client
        .report(
            WORKSPACE,
            REPO,
            &check(CheckConclusion::Success, annotations(2)),
            link,
        )
        .await
        .expect("reported again");
    let repo = fake.repository_state().await;
    let report = &repo["reports"][HEAD]["reviewgate"];
    assert_eq!(report["result"], "PASSED");
    assert_eq!(report["annotations"].as_array().map(Vec::len), Some(2));
    assert_eq!(repo["statuses"][HEAD]["reviewgate"]["state"], "SUCCESSFUL");
}

#[tokio::test]
async fn an_app_password_is_sent_as_basic_and_a_wrong_one_is_unauthorized() {
    let fake = start_fake(state());
    let basic = BitbucketClient::new(&fake.api(), "app-password-1".into(), Some("reviewgate-bot"))
        .expect("client");
    basic
        .pull_request_files(WORKSPACE, REPO, 5)
        .await
        .expect("basic works");
    let calls = fake.calls().await;
    assert!(
        calls[0]["headers"]["authorization"]
            .as_str()
            .is_some_and(|a| a.starts_with("Basic ")),
        "{calls:?}"
    );
    let wrong = BitbucketClient::new(&fake.api(), "wrong-password".into(), Some("reviewgate-bot"))
        .expect("client");
    let error = wrong
        .pull_request_files(WORKSPACE, REPO, 5)
        .await
        .expect_err("refused");
    assert!(matches!(error, ForgeError::Unauthorized), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("wrong-password"));
}

#[tokio::test]
async fn a_429_without_retry_after_is_a_minute_not_an_immediate_retry() {
    let mut state = state();
    state["rate_limit"] = json!({"remaining": 0});
    let fake = start_fake(state);
    let error = fake
        .client()
        .pull_request_files(WORKSPACE, REPO, 5)
        .await
        .expect_err("limited");
    let ForgeError::RateLimited { retry_after_secs } = error else {
        panic!("expected a rate limit, got {error:?}");
    };
    assert_eq!(retry_after_secs, 60);
    assert!(error_is_retryable(retry_after_secs));
    assert_eq!(fake.calls().await.len(), 1, "no hammering");
}

fn error_is_retryable(retry_after_secs: u64) -> bool {
    ForgeError::RateLimited { retry_after_secs }.is_retryable()
}

/// A `pullrequest:created` / `:updated` / `:fulfilled` as the ingress normalizes
/// it; Bitbucket names the head commit by 12 characters.
fn pull_request_event(key: &str, delivery: &str) -> EventEnvelope {
    let body = json!({
        "repository": {"full_name": format!("{WORKSPACE}/{REPO}"), "uuid": "{7d1c}",
                       "workspace": {"slug": WORKSPACE}},
        "pullrequest": {"id": 5, "title": "Public logs", "author": {"nickname": "dev"},
            "source": {"branch": {"name": "feat"}, "commit": {"hash": &HEAD[..12]}},
            "destination": {"branch": {"name": "main"}},
            "links": {"diff": {"href": "https://api.bitbucket.org/2.0/repositories/acme/infra/pullrequests/5/diff"}}}
    });
    let headers = Headers::new().with("x-event-key", key);
    normalized_event(
        EventSource::Bitbucket,
        &headers,
        body.to_string().as_bytes(),
        delivery,
    )
}

#[tokio::test]
async fn pull_requests_are_reviewed_commented_once_and_reported_on_the_full_hash() {
    let fake = start_fake(state());
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), None).with_bitbucket(fake.client());
    let created = pull_request_event("pullrequest:created", "u-1");
    let repository = created.repository.clone().expect("repository");
    let review_id = pull_request_review_id(EventSource::Bitbucket, &repository, 5);
    assert_eq!(
        processor.process(&created).await.expect("processed"),
        EventOutcome::Reviewed {
            review_id: review_id.clone(),
            version: 1
        }
    );
    let v1 = store
        .get_latest(&review_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        v1.origin,
        Origin::BitbucketPullRequest {
            workspace: WORKSPACE.into(),
            repo: REPO.into(),
            id: 5,
            head_sha: HEAD.into()
        }
    );
    let finding = v1
        .review
        .findings
        .iter()
        .find(|f| f.file.as_deref() == Some("main.tf") && f.line == Some(3))
        .expect("the public ACL is found at main.tf:3");
    let repo = fake.repository_state().await;
    let report = &repo["reports"][HEAD]["reviewgate"];
    assert_eq!(report["result"], "FAILED");
    let annotated = report["annotations"]
        .as_array()
        .expect("annotations")
        .iter()
        .any(|a| {
            a["line"] == 3
                && a["summary"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(finding.rule_id.as_ref()))
        });
    assert!(annotated, "{report}");
    let status = &repo["statuses"][HEAD]["reviewgate"];
    assert_eq!(status["state"], "FAILED");
    assert!(
        status["url"]
            .as_str()
            .is_some_and(|u| u.contains("#comment-")),
        "the build status links to the review comment: {status}"
    );

    // An update: version 2, the same comment edited.
    processor
        .process(&pull_request_event("pullrequest:updated", "u-2"))
        .await
        .expect("processed");
    let repo = fake.repository_state().await;
    let ours = repo["comments"]["5"]
        .as_array()
        .expect("comments")
        .iter()
        .filter(|c| {
            c["content"]["raw"]
                .as_str()
                .is_some_and(|r| r.starts_with(REVIEW_COMMENT_MARKER))
                && c.get("inline").is_none_or(Value::is_null)
        })
        .count();
    assert_eq!(ours, 1);
    let v2 = store
        .get_latest(&review_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(v2.version, 2);
}

#[tokio::test]
async fn without_a_token_pull_requests_are_skipped_naming_the_variable() {
    let store = memory_store();
    let outcome = EventProcessor::new(store, None)
        .process(&pull_request_event("pullrequest:created", "u-1"))
        .await
        .expect("processed");
    let EventOutcome::Skipped { reason } = outcome else {
        panic!("expected a skip, got {outcome:?}");
    };
    assert!(reason.contains("REVIEWGATE_BITBUCKET_TOKEN"), "{reason}");
}

/// The commit pull request 5 merges into.
const BASE: &str = "3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c";
/// The account the fake names as the author of what reviewgate writes.
const OWN_UUID: &str = "{00000000-0000-4000-8000-000000000001}";

/// [`state`] with pull request 5 based on [`BASE`] and a top-level comment by
/// another account that starts with reviewgate's marker.
fn state_with_impostor() -> Value {
    let mut state = state();
    let repo = &mut state["repositories"]["acme/infra"];
    repo["pullrequests"]["5"]["destination_commit"] = json!(BASE);
    repo["comments"]["5"]
        .as_array_mut()
        .expect("comments")
        .push(impostor());
    state
}

fn impostor() -> Value {
    json!({"id": 3, "user": {"display_name": "mallory", "uuid": "{mallory}"},
           "content": {"raw": format!("{REVIEW_COMMENT_MARKER}\nreviewgate: all clear")}})
}

/// A client signing in as the fake's `basic` user (an app password), which may ask
/// `GET /user` who it is.
fn basic_client(fake: &PythonFake) -> BitbucketClient {
    BitbucketClient::new(&fake.api(), "app-password-1".into(), Some("reviewgate-bot"))
        .expect("client")
        .with_max_rate_limit_wait(Duration::from_secs(2))
}

fn comment_of(comments: &[Value], id: u64) -> &Value {
    comments
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("comment {id} in {comments:#?}"))
}

#[tokio::test]
async fn a_comment_someone_else_wrote_is_left_alone_and_ours_is_edited_across_pushes() {
    let fake = start_fake(state_with_impostor());
    let processor = EventProcessor::new(memory_store(), None).with_bitbucket(basic_client(&fake));
    for (key, delivery) in [
        ("pullrequest:created", "u-1"),
        ("pullrequest:updated", "u-2"),
    ] {
        processor
            .process(&pull_request_event(key, delivery))
            .await
            .expect("reviewed");
    }
    let comments = fake.repository_state().await["comments"]["5"]
        .as_array()
        .cloned()
        .expect("comments");
    assert_eq!(comment_of(&comments, 3)["content"], impostor()["content"]);
    let ours: Vec<&Value> = comments
        .iter()
        .filter(|c| c["user"]["uuid"] == OWN_UUID)
        .collect();
    assert_eq!(ours.len(), 1, "{comments:#?}");
    assert!(
        ours[0]["content"]["raw"]
            .as_str()
            .is_some_and(|r| r.contains("version 2")),
        "edited in place"
    );
    let calls = paths(&fake.calls().await);
    assert_eq!(
        calls.iter().filter(|c| *c == "GET /2.0/user").count(),
        1,
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.ends_with("/comments/3")),
        "mallory's comment is never written to: {calls:?}"
    );
}

#[tokio::test]
async fn an_access_token_learns_its_account_from_its_comment_and_keeps_one() {
    // Bitbucket refuses `GET /user` to access tokens. After a restart the client
    // posts its comment, learns its account from it, and deletes its older one.
    let mut state = state_with_impostor();
    state["repositories"]["acme/infra"]["comments"]["5"]
        .as_array_mut()
        .expect("comments")
        .push(
            json!({"id": 50, "user": {"display_name": "reviewgate", "uuid": OWN_UUID},
                     "content": {"raw": format!("{REVIEW_COMMENT_MARKER}\nan older review")}}),
        );
    let fake = start_fake(state);
    let processor = EventProcessor::new(memory_store(), None).with_bitbucket(fake.client());
    for (key, delivery) in [
        ("pullrequest:created", "u-1"),
        ("pullrequest:updated", "u-2"),
    ] {
        processor
            .process(&pull_request_event(key, delivery))
            .await
            .expect("reviewed");
    }
    let comments = fake.repository_state().await["comments"]["5"]
        .as_array()
        .cloned()
        .expect("comments");
    assert_eq!(
        comment_of(&comments, 50)["deleted"],
        true,
        "the older one of ours"
    );
    assert_eq!(comment_of(&comments, 3)["content"], impostor()["content"]);
    let live: Vec<&Value> = comments
        .iter()
        .filter(|c| c["user"]["uuid"] == OWN_UUID && c["deleted"] != true)
        .collect();
    assert_eq!(live.len(), 1, "{comments:#?}");
    assert!(
        live[0]["content"]["raw"]
            .as_str()
            .is_some_and(|r| r.contains("version 2"))
    );
}

#[tokio::test]
async fn the_report_and_build_status_are_written_whatever_happens_to_the_comment() {
    let refusals = [
        json!({"status": 403}),
        json!({"status": 502}),
        json!({"status": 429, "headers": {"Retry-After": "3600"}}),
    ];
    for refusal in refusals {
        let mut state = state();
        let mut rule = refusal.clone();
        rule["method"] = json!("POST");
        rule["path"] = json!("/comments$");
        state["fail_routes"] = json!([rule]);
        let fake = start_fake(state);
        let processor = EventProcessor::new(memory_store(), None).with_bitbucket(fake.client());
        let outcome = processor
            .process(&pull_request_event("pullrequest:created", "u-1"))
            .await
            .unwrap_or_else(|e| panic!("{refusal}: {e}"));
        assert!(
            matches!(outcome, EventOutcome::Reviewed { version: 1, .. }),
            "{refusal}: {outcome:?}"
        );
        let repo = fake.repository_state().await;
        assert_eq!(
            repo["reports"][HEAD]["reviewgate"]["result"], "FAILED",
            "{refusal}"
        );
        let status = &repo["statuses"][HEAD]["reviewgate"];
        assert_eq!(status["state"], "FAILED", "{refusal}");
        assert_eq!(
            status["url"], "https://bitbucket.org/acme/infra/pull-requests/5",
            "{refusal}: no comment to link to, the pull request instead"
        );
    }
}

#[tokio::test]
async fn the_gate_settings_are_read_at_the_destination_commit() {
    let mut state = state_with_impostor();
    state["repositories"]["acme/infra"]["src"][BASE] =
        json!({".reviewgate.toml": "fail_on = \"critical\"\n"});
    let fake = start_fake(state);
    let processor = EventProcessor::new(memory_store(), None).with_bitbucket(fake.client());
    processor
        .process(&pull_request_event("pullrequest:created", "u-1"))
        .await
        .expect("reviewed");
    let repo = fake.repository_state().await;
    assert_eq!(
        repo["reports"][HEAD]["reviewgate"]["result"], "PASSED",
        "the base's fail_on = critical lets the high finding pass"
    );
    let calls = paths(&fake.calls().await);
    let reads: Vec<&String> = calls
        .iter()
        .filter(|c| c.ends_with("/.reviewgate.toml"))
        .collect();
    assert_eq!(
        reads,
        [&format!(
            "GET /2.0/repositories/acme/infra/src/{BASE}/.reviewgate.toml"
        )]
    );
}

#[tokio::test]
async fn a_report_with_more_annotations_than_it_holds_says_how_many_are_left_out() {
    let fake = start_fake(state());
    fake.client()
        .report(
            WORKSPACE,
            REPO,
            &check(CheckConclusion::Failure, annotations(1030)),
            "https://bitbucket.org/acme/infra/pull-requests/5",
        )
        .await
        .expect("reported");
    let report = &fake.repository_state().await["reports"][HEAD]["reviewgate"];
    let details = report["details"].as_str().expect("details");
    assert!(
        details.starts_with("30 of 1030 annotations are not shown"),
        "{details}"
    );
}
