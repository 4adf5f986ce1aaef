//! Pull requests through the event processor, against `tests/github_fake.py`: which
//! comment is reviewgate's, the verdict that never waits on the comment, the gate's
//! settings read at the base, failures and panics that end on the pull request
//! rather than in a log, and the limits on what one pull request may make the
//! processor do. What differs per host (who reviewgate is, the base commit) is
//! tested again in `gitlab.rs` and `bitbucket.rs`.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use chrono::Utc;
use reviewgate_backend::config::FailureConclusion;
use reviewgate_backend::events::{EventProcessor, ReviewStep, pull_request_review_id};
use reviewgate_backend::forge::github::GitHubClient;
use reviewgate_backend::forge::{REVIEW_COMMENT_MARKER, github};
use reviewgate_backend::model::ReviewVersion;
use reviewgate_backend::reviews::{NewReview, ReviewExtras, rules_version_with};
use reviewgate_backend::store::{EventOutcome, ReviewStore};
use reviewgate_core::Origin;
use reviewgate_ingress::Headers;
use reviewgate_ingress::event::{EventEnvelope, EventSource};
use serde_json::{Value, json};

use crate::support::{PythonFake, memory_store, normalized_event};

/// An installation token: may not ask `GET /user` who it is.
const TOKEN: &str = "ghs_fakeInstallationToken0123456789";
/// A fine-grained personal access token of a maintainer, who may edit anyone's
/// comment.
const PAT: &str = "github_pat_11AAAAmaintainerToken";
const HEAD: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const NEXT_HEAD: &str = "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";
const BASE: &str = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d";

const MAIN_TF: &str = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";
const MAIN_PATCH: &str = "@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}";

/// `acme/infra` whose pull requests 7 and 8 add a public bucket ACL (a high
/// finding), based on [`BASE`].
fn state() -> Value {
    let pull = |head: &str| {
        json!({"head_sha": head, "base_sha": BASE, "files": [
            {"filename": "main.tf", "status": "added", "patch": MAIN_PATCH}
        ]})
    };
    json!({
        "token": TOKEN,
        "repos": {"acme/infra": {
            "pulls": {"7": pull(HEAD), "8": pull(NEXT_HEAD)},
            "contents": {HEAD: {"main.tf": MAIN_TF}, NEXT_HEAD: {"main.tf": MAIN_TF}},
        }}
    })
}

fn start(state: &Value) -> PythonFake {
    PythonFake::start("github_fake.py", state)
}

fn client(fake: &PythonFake, token: &str) -> GitHubClient {
    GitHubClient::new(&fake.base, token.to_owned())
        .expect("client")
        .with_max_rate_limit_wait(Duration::from_secs(2))
}

/// A `pull_request` delivery about `acme/infra#number` at `head`, as the ingress
/// normalizes it.
fn pull_request_event(number: u64, head: &str, action: &str, delivery: &str) -> EventEnvelope {
    let body = json!({
        "action": action,
        "number": number,
        "pull_request": {
            "number": number, "title": "Public logs", "user": {"login": "dev"},
            "base": {"ref": "main", "sha": BASE}, "head": {"ref": "feature", "sha": head},
        },
        "repository": {"id": 1, "name": "infra", "owner": {"login": "acme"}},
    });
    let headers = Headers::new().with("x-github-event", "pull_request");
    normalized_event(
        EventSource::Github,
        &headers,
        body.to_string().as_bytes(),
        delivery,
    )
}

fn repo(state: &Value) -> &Value {
    &state["repos"]["acme/infra"]
}

fn comments(state: &Value, number: u64) -> Vec<Value> {
    repo(state)["comments"][number.to_string()]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn check_runs(state: &Value) -> Vec<Value> {
    repo(state)["check_runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn latest_review(number: u64) -> String {
    let repository = reviewgate_ingress::event::Repository {
        provider: "github".into(),
        owner: "acme".into(),
        name: "infra".into(),
        id: Some("1".into()),
    };
    pull_request_review_id(EventSource::Github, &repository, number)
}

async fn stored(store: &Arc<dyn ReviewStore>, number: u64) -> ReviewVersion {
    store
        .get_latest(&latest_review(number))
        .await
        .expect("read")
        .expect("a review")
}

/// A comment by `login` that starts with reviewgate's marker, as anyone who may
/// comment on the pull request can post.
fn impostor(id: u64, login: &str) -> Value {
    json!({"id": id, "user": {"login": login, "type": "User"},
           "body": format!("{REVIEW_COMMENT_MARKER}\nLooks fine to me, merge it.")})
}

#[tokio::test]
async fn an_app_edits_only_the_comment_its_bot_wrote() {
    let mut state = crate::github::app_state(3600);
    state["repos"] = state_with_impostor()["repos"].clone();
    let fake = start(&state);
    let app = GitHubClient::for_app(&fake.base, crate::github::APP_ID, crate::github::APP_KEY)
        .expect("app client");
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), Some(app));

    processor
        .process(&pull_request_event(7, HEAD, "opened", "d-1"))
        .await
        .expect("reviewed");
    processor
        .process(&pull_request_event(7, NEXT_HEAD, "synchronize", "d-2"))
        .await
        .expect("reviewed again");

    let state = fake.state().await;
    let all = comments(&state, 7);
    assert_eq!(
        all[0],
        impostor(1, "mallory"),
        "the impostor's comment is untouched"
    );
    let ours: Vec<&Value> = all
        .iter()
        .filter(|c| c["user"]["login"] == "reviewgate[bot]")
        .collect();
    assert_eq!(ours.len(), 1, "one comment of ours: {all:#?}");
    assert!(
        ours[0]["body"]
            .as_str()
            .is_some_and(|b| b.starts_with(REVIEW_COMMENT_MARKER) && b.contains("version 2")),
        "ours was edited in place to version 2: {}",
        ours[0]["body"]
    );
    let calls = crate::support::call_lines(&fake.calls().await);
    assert_eq!(
        calls.iter().filter(|c| *c == "GET /app").count(),
        1,
        "the App's slug is asked once: {calls:?}"
    );
    let edits: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("PATCH /repos/acme/infra/issues/comments/"))
        .collect();
    assert_eq!(
        edits,
        [&format!(
            "PATCH /repos/acme/infra/issues/comments/{}",
            ours[0]["id"]
        )],
        "only ours is ever edited"
    );
    assert_eq!(check_runs(&state).len(), 2);
}

/// [`state`] with a comment on pull request 7 by `mallory` that starts with the
/// marker.
fn state_with_impostor() -> Value {
    let mut state = state();
    state["repos"]["acme/infra"]["comments"] = json!({"7": [impostor(1, "mallory")]});
    state
}

#[tokio::test]
async fn a_maintainers_token_never_overwrites_someone_elses_marker_comment() {
    // A maintainer's token may edit anyone's comment on GitHub: finding "ours" by
    // the marker alone would overwrite mallory's with the review.
    let mut state = state_with_impostor();
    state["token"] = json!(PAT);
    state["token_user"] = json!({"login": "reviewgate-bot", "id": 9001, "type": "User"});
    let fake = start(&state);
    let store = memory_store();
    let processor = EventProcessor::new(store, Some(client(&fake, PAT)));
    for (head, delivery) in [(HEAD, "d-1"), (NEXT_HEAD, "d-2")] {
        processor
            .process(&pull_request_event(7, head, "synchronize", delivery))
            .await
            .expect("reviewed");
    }
    let all = comments(&fake.state().await, 7);
    assert_eq!(all[0], impostor(1, "mallory"));
    let ours: Vec<&Value> = all
        .iter()
        .filter(|c| c["user"]["login"] == "reviewgate-bot")
        .collect();
    assert_eq!(ours.len(), 1, "{all:#?}");
    let calls = crate::support::call_lines(&fake.calls().await);
    assert_eq!(
        calls.iter().filter(|c| *c == "GET /user").count(),
        1,
        "{calls:?}"
    );
}

#[tokio::test]
async fn an_installation_token_learns_who_it_is_from_its_own_comment() {
    // The token may not ask `GET /user`. Before a restart it wrote comment 500;
    // after it, the new client posts a new comment, learns its login from it, and
    // deletes its own older one — never mallory's.
    let mut state = state_with_impostor();
    state["repos"]["acme/infra"]["comments"]["7"]
        .as_array_mut()
        .expect("comments")
        .push(
            json!({"id": 500, "user": {"login": "reviewgate[bot]", "type": "Bot"},
                     "body": format!("{REVIEW_COMMENT_MARKER}\nan older review")}),
        );
    let fake = start(&state);
    let processor = EventProcessor::new(memory_store(), Some(client(&fake, TOKEN)));
    for (head, delivery) in [(HEAD, "d-1"), (NEXT_HEAD, "d-2")] {
        processor
            .process(&pull_request_event(7, head, "synchronize", delivery))
            .await
            .expect("reviewed");
    }
    let all = comments(&fake.state().await, 7);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[0], impostor(1, "mallory"));
    assert_eq!(all[1]["user"]["login"], "reviewgate[bot]");
    assert_ne!(all[1]["id"], 500, "the older one of ours is gone");
    let calls = crate::support::call_lines(&fake.calls().await);
    assert!(
        calls.contains(&"DELETE /repos/acme/infra/issues/comments/500".to_owned()),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.ends_with("/issues/comments/1")),
        "mallory's comment is never written to: {calls:?}"
    );
}

#[tokio::test]
async fn the_check_run_is_recorded_whatever_happens_to_the_comment() {
    // Comment writes refused (403), failing (502: a write is not retried), and
    // rate limited for an hour: the check run is there each time.
    let refusals = [
        json!({"status": 403}),
        json!({"status": 502}),
        json!({"status": 429, "headers": {"retry-after": "3600"}}),
    ];
    for refusal in refusals {
        let mut state = state();
        let mut rule = refusal.clone();
        rule["method"] = json!("POST");
        rule["path"] = json!("/issues/7/comments$");
        state["fail_routes"] = json!([rule]);
        let fake = start(&state);
        let store = memory_store();
        let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)));
        let outcome = processor
            .process(&pull_request_event(7, HEAD, "opened", "d-1"))
            .await
            .unwrap_or_else(|e| panic!("{refusal}: {e}"));
        assert!(
            matches!(outcome, EventOutcome::Reviewed { version: 1, .. }),
            "{refusal}: {outcome:?}"
        );
        let state = fake.state().await;
        assert!(comments(&state, 7).is_empty(), "{refusal}");
        let runs = check_runs(&state);
        assert_eq!(
            runs.len(),
            1,
            "{refusal}: the verdict does not wait on the comment"
        );
        assert_eq!(runs[0]["conclusion"], "failure", "{refusal}");
        assert_eq!(runs[0]["head_sha"], HEAD);
    }
}

#[tokio::test]
async fn a_personal_token_whose_comment_is_refused_still_sets_the_status() {
    let mut state = state();
    state["token"] = json!(PAT);
    state["fail_routes"] = json!([{"method": "POST", "path": "/comments$", "status": 403}]);
    let fake = start(&state);
    let processor = EventProcessor::new(memory_store(), Some(client(&fake, PAT)));
    processor
        .process(&pull_request_event(7, HEAD, "opened", "d-1"))
        .await
        .expect("reviewed");
    let state = fake.state().await;
    let statuses = repo(&state)["statuses"][HEAD]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(statuses.len(), 1, "{state}");
    assert_eq!(statuses[0]["state"], "failure");
    assert_eq!(
        statuses[0]["target_url"],
        Value::Null,
        "no comment to link to"
    );
}

/// A patch adding `text` as a new file.
fn added_patch(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let added: Vec<String> = lines.iter().map(|l| format!("+{l}")).collect();
    format!("@@ -0,0 +1,{} @@\n{}", lines.len(), added.join("\n"))
}

/// [`state`] whose pull request 7 also adds a `.reviewgate.toml`: `head_settings`
/// at the head, `base_settings` (when given) at the base.
fn state_with_settings(base_settings: Option<&str>, head_settings: &str) -> Value {
    let mut state = state();
    let repo = &mut state["repos"]["acme/infra"];
    repo["pulls"]["7"]["files"]
        .as_array_mut()
        .expect("files")
        .push(json!({"filename": ".reviewgate.toml", "status": "added",
                     "patch": added_patch(head_settings)}));
    repo["contents"][HEAD][".reviewgate.toml"] = json!(head_settings);
    if let Some(base) = base_settings {
        repo["contents"][BASE] = json!({".reviewgate.toml": base});
    }
    state
}

#[tokio::test]
async fn a_pull_request_cannot_pass_its_own_gate_by_changing_the_settings() {
    let head_settings =
        "fail_on = \"critical\"\nexclude_paths = [\"**\"]\ndisabled_rules = [\"RG-AWS-S3-001\"]\n";
    let fake = start(&state_with_settings(None, head_settings));
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)));
    processor
        .process(&pull_request_event(7, HEAD, "opened", "d-1"))
        .await
        .expect("reviewed");

    let runs = check_runs(&fake.state().await);
    assert_eq!(runs[0]["conclusion"], "failure", "the base's gate applies");
    let review = stored(&store, 7).await.review;
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.file.as_deref() == Some("main.tf") && !f.suppressed),
        "main.tf is still reviewed: {:#?}",
        review.findings
    );
    let gate: Vec<(Option<u32>, &str)> = review
        .findings
        .iter()
        .filter(|f| f.rule_id == "RG-GATE-001")
        .map(|f| {
            assert_eq!(f.severity, reviewgate_core::Severity::High);
            (f.line, f.message.split(':').next().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        gate,
        [
            (Some(1), "`fail_on` goes from high to critical"),
            (Some(2), "`exclude_paths` adds `**`"),
            (Some(3), "`disabled_rules` adds `RG-AWS-S3-001`"),
        ],
        "each loosening is a high finding on its line"
    );
    // The settings were read at the base the host named, and at the head only to
    // compare.
    let reads: Vec<String> = fake
        .calls()
        .await
        .iter()
        .filter(|c| c["path"] == "/repos/acme/infra/contents/.reviewgate.toml")
        .map(|c| c["query"]["ref"][0].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(reads, [BASE, HEAD]);
}

#[tokio::test]
async fn the_bases_settings_are_the_gate() {
    // The base says `fail_on = "critical"`: the high finding passes; the pull
    // request's file (tightening it back to high) is no finding.
    let fake = start(&state_with_settings(
        Some("fail_on = \"critical\"\n"),
        "fail_on = \"high\"\n",
    ));
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)));
    processor
        .process(&pull_request_event(7, HEAD, "opened", "d-1"))
        .await
        .expect("reviewed");
    let runs = check_runs(&fake.state().await);
    assert_eq!(runs[0]["conclusion"], "success", "{:#?}", runs[0]);
    let review = stored(&store, 7).await.review;
    assert!(!review.findings.iter().any(|f| f.rule_id == "RG-GATE-001"));
}

/// `defer_event` on `id` with a due time in the past, `times` times: the event's
/// earlier failed attempts, without waiting for the backoff.
async fn fail_attempts(store: &Arc<dyn ReviewStore>, id: &str, times: u32) -> u32 {
    let mut attempts = 0;
    for _ in 0..times {
        attempts = store
            .defer_event(
                id,
                "an earlier attempt",
                Utc::now() - chrono::Duration::seconds(1),
            )
            .await
            .expect("deferred");
    }
    attempts
}

#[tokio::test]
async fn a_pull_request_its_host_will_not_show_gets_a_failing_check_saying_why() {
    let mut state = state();
    state["fail_routes"] = json!([{"method": "GET", "path": "/pulls/7/files$", "status": 403}]);
    let fake = start(&state);
    let store = memory_store();
    let event = pull_request_event(7, HEAD, "opened", "d-1");
    store.accept_event(&event).await.expect("accepted");
    let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)));
    assert_eq!(
        processor
            .process_pending(Duration::from_secs(30))
            .await
            .expect("processed"),
        1
    );
    assert_eq!(fail_attempts(&store, &event.id, 1).await, 0, "finished");
    let runs = check_runs(&fake.state().await);
    assert_eq!(runs.len(), 1, "never only a log line");
    assert_eq!(runs[0]["conclusion"], "failure");
    assert_eq!(runs[0]["head_sha"], HEAD);
    let title = runs[0]["output"]["title"].as_str().expect("title");
    assert!(
        title.starts_with("Not reviewed: GitHub: the request was refused (403"),
        "{title}"
    );
    let summary = runs[0]["output"]["summary"].as_str().expect("summary");
    assert!(summary.contains("could not review"), "{summary}");

    // Told to be neutral, the check says the same and does not block.
    let fake = start(&state);
    let store = memory_store();
    store.accept_event(&event).await.expect("accepted");
    EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)))
        .with_failure_conclusion(FailureConclusion::Neutral)
        .process_pending(Duration::from_secs(30))
        .await
        .expect("processed");
    let runs = check_runs(&fake.state().await);
    assert_eq!(runs[0]["conclusion"], "neutral");
}

#[tokio::test]
async fn broken_settings_at_the_base_fail_the_check_instead_of_passing_it() {
    let mut state = state();
    state["repos"]["acme/infra"]["contents"][BASE] =
        json!({".reviewgate.toml": "fail_on = \"sometimes\"\n"});
    let fake = start(&state);
    let store = memory_store();
    let event = pull_request_event(7, HEAD, "opened", "d-1");
    store.accept_event(&event).await.expect("accepted");
    EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)))
        .process_pending(Duration::from_secs(30))
        .await
        .expect("processed");
    let runs = check_runs(&fake.state().await);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["conclusion"], "failure");
    let summary = runs[0]["output"]["summary"].as_str().expect("summary");
    assert!(
        summary.contains(".reviewgate.toml at the base commit") && summary.contains("fail_on"),
        "{summary}"
    );
}

#[tokio::test]
async fn an_event_failing_every_attempt_ends_with_a_failing_check() {
    // GitHub answers 502 to the files, every time: each attempt is retried later,
    // and the eighth gives up — on the pull request, not only in a log.
    let mut state = state();
    state["fail_routes"] = json!([{"method": "GET", "path": "/pulls/7/files$", "status": 502}]);
    let fake = start(&state);
    let store = memory_store();
    let event = pull_request_event(7, HEAD, "opened", "d-1");
    store.accept_event(&event).await.expect("accepted");
    let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)));
    processor
        .process_pending(Duration::from_secs(30))
        .await
        .expect("processed");
    assert!(
        check_runs(&fake.state().await).is_empty(),
        "a first failure is retried"
    );
    // Attempts 2 to 7, as the backoff would have made them.
    assert_eq!(fail_attempts(&store, &event.id, 6).await, 7);
    processor
        .process_pending(Duration::from_secs(30))
        .await
        .expect("processed");
    assert_eq!(fail_attempts(&store, &event.id, 1).await, 0, "finished");
    let runs = check_runs(&fake.state().await);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["conclusion"], "failure");
    let summary = runs[0]["output"]["summary"].as_str().expect("summary");
    assert!(summary.contains("gave up after 8 attempts"), "{summary}");
}

/// The rules' review step, except that pull request `number`'s review panics.
fn panicking_for(number: u64) -> ReviewStep {
    Arc::new(move |new: &NewReview, extras: ReviewExtras| {
        if matches!(new.origin, Origin::GithubPullRequest { number: n, .. } if n == number) {
            panic!("a bug in the review of #{number}");
        }
        rules_version_with(new, extras, "system", Utc::now())
    })
}

#[tokio::test]
async fn a_panic_is_a_failed_attempt_of_one_event_and_the_others_go_on() {
    let fake = start(&state());
    let store = memory_store();
    let bad = pull_request_event(7, HEAD, "opened", "d-1");
    let good = pull_request_event(8, NEXT_HEAD, "opened", "d-2");
    for event in [&bad, &good] {
        store.accept_event(event).await.expect("accepted");
    }
    let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)))
        .with_review_step(panicking_for(7));
    assert_eq!(
        processor
            .process_pending(Duration::from_secs(30))
            .await
            .expect("the processor survives"),
        2
    );
    assert_eq!(
        stored(&store, 8).await.version,
        1,
        "the other pull request is reviewed"
    );
    assert_eq!(
        fail_attempts(&store, &bad.id, 1).await,
        2,
        "the panic counted as the first attempt"
    );
    // After the last attempt the panic is on the pull request.
    fail_attempts(&store, &bad.id, 5).await;
    processor
        .process_pending(Duration::from_secs(30))
        .await
        .expect("processed");
    assert_eq!(fail_attempts(&store, &bad.id, 1).await, 0, "finished");
    let runs = check_runs(&fake.state().await);
    let on_bad: Vec<&Value> = runs.iter().filter(|r| r["head_sha"] == HEAD).collect();
    assert_eq!(on_bad.len(), 1, "{runs:#?}");
    assert_eq!(on_bad[0]["conclusion"], "failure");
    let summary = on_bad[0]["output"]["summary"].as_str().expect("summary");
    assert!(
        summary.contains("panicked") && summary.contains("a bug in the review of #7"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_long_review_does_not_hold_up_other_pull_requests() {
    // One thread drives the processor (a current-thread runtime). Pull request 7's
    // review does not end until pull request 8 has its check run: that can only
    // happen if the review runs off the runtime. Were it on the runtime, nothing
    // else would run while it waits, and it would give up after the timeout.
    let fake = start(&state());
    let store = memory_store();
    for event in [
        pull_request_event(7, HEAD, "opened", "d-1"),
        pull_request_event(8, NEXT_HEAD, "opened", "d-2"),
    ] {
        store.accept_event(&event).await.expect("accepted");
    }
    let (other_done, wait_for_other) = mpsc::channel::<()>();
    let wait_for_other = Arc::new(std::sync::Mutex::new(wait_for_other));
    let (saw, seen) = mpsc::channel::<bool>();
    let step: ReviewStep = Arc::new(move |new: &NewReview, extras: ReviewExtras| {
        if matches!(new.origin, Origin::GithubPullRequest { number: 7, .. }) {
            let waited = wait_for_other
                .lock()
                .expect("lock")
                .recv_timeout(Duration::from_secs(60));
            saw.send(waited.is_ok()).expect("the test listens");
        }
        rules_version_with(new, extras, "system", Utc::now())
    });
    let processor =
        EventProcessor::new(store.clone(), Some(client(&fake, TOKEN))).with_review_step(step);
    let watch_the_other = async {
        loop {
            let runs = check_runs(&fake.state().await);
            if runs.iter().any(|r| r["head_sha"] == NEXT_HEAD) {
                other_done.send(()).expect("the review waits");
                return;
            }
            // Polling the fake; how often does not decide the outcome.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (processed, ()) = tokio::join!(
        processor.process_pending(Duration::from_secs(120)),
        watch_the_other
    );
    assert_eq!(processed.expect("processed"), 2);
    assert!(
        seen.recv().expect("the long review ran"),
        "pull request 8 was reviewed and reported while 7's review ran"
    );
}

/// `n` Terraform files of `size` bytes each, as pull request 7 changes them.
fn large_files(n: usize, size: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let line = format!("+# {:0>70}\n", i);
            let patch = format!(
                "@@ -0,0 +1,{} @@\n{}",
                size / line.len(),
                line.repeat(size / line.len())
            );
            json!({"filename": format!("big/f{i:03}.tf"), "status": "added", "patch": patch})
        })
        .collect()
}

#[tokio::test]
async fn a_pull_request_too_large_to_review_fully_says_what_was_not_reviewed() {
    // 12 patches of 512 KiB: past the 4 MiB of diff, the last ones are left out.
    // main.tf (first) is reviewed; a 2 MiB generated file is not read whole; and
    // GitHub says the pull request changes 3,500 files but lists these 14.
    let mut state = state();
    let pull = &mut state["repos"]["acme/infra"]["pulls"]["7"];
    let mut files = vec![json!({"filename": "main.tf", "status": "added", "patch": MAIN_PATCH})];
    files.push(json!({"filename": "generated.tf", "status": "modified", "patch": "@@ -1 +1 @@\n-# a\n+# b"}));
    files.extend(large_files(12, 512 * 1024));
    pull["files"] = json!(files);
    pull["changed_files"] = json!(3500);
    state["repos"]["acme/infra"]["contents"][HEAD]["generated.tf"] =
        json!("# generated\n".repeat(200_000));
    let fake = start(&state);
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), Some(client(&fake, TOKEN)));
    processor
        .process(&pull_request_event(7, HEAD, "opened", "d-1"))
        .await
        .expect("reviewed, not crashed");

    let review = stored(&store, 7).await.review;
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.file.as_deref() == Some("main.tf")),
        "what fits is reviewed"
    );
    let not_reviewed: Vec<(&str, &str)> = review
        .errors
        .iter()
        .filter(|e| e.message.starts_with("not reviewed: "))
        .map(|e| (e.file.as_str(), e.message.as_str()))
        .collect();
    let listed = |path: &str| not_reviewed.iter().find(|(file, _)| *file == path);
    let last = listed("big/f011.tf").expect("the last patch is past the diff limit");
    assert!(last.1.contains("4 MiB of diff"), "{last:?}");
    assert!(listed("big/f000.tf").is_none(), "the first patches fit");
    let generated = listed("generated.tf").expect("too large to read whole");
    assert!(
        generated.1.contains("only its diff was reviewed"),
        "{generated:?}"
    );
    let unlisted = listed("3486 more files").expect("the files GitHub did not list");
    assert!(unlisted.1.contains("lists 14 of the 3500"), "{unlisted:?}");

    let runs = check_runs(&fake.state().await);
    assert_eq!(runs[0]["conclusion"], "failure");
    let title = runs[0]["output"]["title"].as_str().expect("title");
    assert!(title.contains("too large to review fully"), "{title}");
    let summary = runs[0]["output"]["summary"].as_str().expect("summary");
    assert!(summary.contains("Too large to review fully"), "{summary}");
    let comment = &comments(&fake.state().await, 7)[0]["body"];
    assert!(
        comment
            .as_str()
            .is_some_and(|c| c.contains("Too large to review fully")),
        "{comment}"
    );
}

#[tokio::test]
async fn too_large_with_nothing_failing_is_the_failure_conclusion() {
    let mut state = state();
    let pull = &mut state["repos"]["acme/infra"]["pulls"]["7"];
    pull["files"] = json!(large_files(10, 512 * 1024));
    let fake = start(&state);
    for (conclusion, expected) in [
        (FailureConclusion::Failure, "failure"),
        (FailureConclusion::Neutral, "neutral"),
    ] {
        fake.set_state(&state).await;
        EventProcessor::new(memory_store(), Some(client(&fake, TOKEN)))
            .with_failure_conclusion(conclusion)
            .process(&pull_request_event(7, HEAD, "opened", "d-1"))
            .await
            .expect("reviewed");
        let runs = check_runs(&fake.state().await);
        assert_eq!(
            runs[0]["conclusion"], expected,
            "{:#?}",
            runs[0]["output"]["title"]
        );
        assert!(
            runs[0]["output"]["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Too large to review fully; no findings")),
            "{}",
            runs[0]["output"]["title"]
        );
    }
}

#[tokio::test]
async fn annotations_stop_at_five_hundred_a_check_run_and_the_summary_says_so() {
    let fake = start(&state());
    let annotations = (1..=812)
        .map(|i| reviewgate_backend::forge::Annotation {
            path: "main.tf".into(),
            start_line: i,
            end_line: i,
            annotation_level: reviewgate_backend::forge::AnnotationLevel::Failure,
            title: Some(format!("Finding {i}")),
            message: "what to do".into(),
        })
        .collect();
    let check = reviewgate_backend::forge::CheckRun {
        name: "reviewgate".into(),
        head_sha: HEAD.into(),
        conclusion: reviewgate_backend::forge::CheckConclusion::Failure,
        title: "812 findings".into(),
        summary: "## Review".into(),
        annotations,
    };
    client(&fake, TOKEN)
        .create_check_run("acme", "infra", &check)
        .await
        .expect("check run");
    let calls = fake.calls().await;
    assert_eq!(
        calls.len(),
        github::MAX_ANNOTATIONS_PER_CHECK / github::MAX_ANNOTATIONS_PER_REQUEST,
        "one create and nine updates"
    );
    let runs = check_runs(&fake.state().await);
    let stored = runs[0]["output"]["annotations"]
        .as_array()
        .expect("annotations");
    assert_eq!(stored.len(), 500);
    assert_eq!(
        stored[499]["start_line"], 500,
        "the first (most severe) ones"
    );
    let summary = runs[0]["output"]["summary"].as_str().expect("summary");
    assert!(
        summary.contains("312 of 812 annotations are not shown") && summary.ends_with("## Review"),
        "{summary}"
    );
}
