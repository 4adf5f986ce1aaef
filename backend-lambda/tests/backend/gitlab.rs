//! The GitLab client, and merge requests through the event processor, against
//! `tests/gitlab_fake.py`: a local GitLab speaking API v4's wire format (offset
//! pagination with `Link` and `X-*` headers, `RateLimit-*` headers, GitLab's error
//! bodies, the commit-status state machine) that records every call.

use std::time::{Duration, Instant};

use reviewgate_backend::events::{EventProcessor, pull_request_review_id};
use reviewgate_backend::forge::gitlab::GitLabClient;
use reviewgate_backend::forge::{
    CheckConclusion, CheckRun, CommentAction, ForgeError, PullRequestFileStatus,
    REVIEW_COMMENT_MARKER,
};
use reviewgate_backend::model::ReviewStatus;
use reviewgate_backend::store::EventOutcome;
use reviewgate_core::Origin;
use reviewgate_ingress::Headers;
use reviewgate_ingress::event::{EventEnvelope, EventSource};
use serde_json::{Value, json};

use crate::support::{PythonFake, call_lines as paths, memory_store, normalized_event};

const TOKEN: &str = "glpat-fakeProjectToken0123";
const PROJECT: &str = "acme/platform/infra";
const PROJECT_ID: u64 = 4242;
const HEAD: &str = "5d1f0c3b9a7e2d4c6b8a0f1e3d5c7b9a1f2e4d6c";
const NEXT_HEAD: &str = "6e2a1d4c0b8f3e5d7c9b1a2f4e6d8c0b2a3f5e7d";

fn start_fake(state: Value) -> PythonFake {
    PythonFake::start("gitlab_fake.py", &state)
}

/// What the tests ask of `gitlab_fake.py`.
trait GitLabFake {
    /// A client with the right token that waits at most 5 s for a rate limit.
    fn client(&self) -> GitLabClient;
    fn client_with_token(&self, token: &str) -> GitLabClient;
    async fn project_state(&self) -> Value;
}

impl GitLabFake for PythonFake {
    fn client(&self) -> GitLabClient {
        self.client_with_token(TOKEN)
    }

    fn client_with_token(&self, token: &str) -> GitLabClient {
        GitLabClient::new(&format!("{}/api/v4", self.base), token.to_owned())
            .expect("client")
            .with_max_rate_limit_wait(Duration::from_secs(5))
    }

    async fn project_state(&self) -> Value {
        self.state().await["projects"][PROJECT].clone()
    }
}

const MAIN_TF: &str = "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";

/// Project `acme/platform/infra` (id 4242) whose MR 3 adds a public bucket ACL,
/// renames a module file and deletes another.
fn state() -> Value {
    json!({
        "token": TOKEN,
        "projects": {PROJECT: {
            "id": PROJECT_ID,
            "commits": [HEAD, NEXT_HEAD],
            "merge_requests": {"3": {"diffs": [
                {"new_path": "main.tf", "new_file": true,
                 "diff": "@@ -0,0 +1,4 @@\n+resource \"aws_s3_bucket_acl\" \"logs\" {\n+  bucket = \"logs\"\n+  acl    = \"public-read\"\n+}\n"},
                {"old_path": "modules/old.tf", "new_path": "modules/new.tf",
                 "diff": "@@ -1 +1 @@\n-# old\n+# new\n"},
                {"new_path": "gone.tf", "deleted_file": true, "diff": "@@ -1 +0,0 @@\n-# gone\n"}
            ]}},
            "files": {
                HEAD: {"main.tf": MAIN_TF, "modules/new.tf": "# new\n"},
                NEXT_HEAD: {"main.tf": MAIN_TF, "modules/new.tf": "# new\n",
                            ".reviewgate.toml": "fail_on = \"critical\"\n"}
            },
            "notes": {"3": [
                {"id": 1, "body": "added 1 commit", "system": true, "author": {"username": "dev"}},
                {"id": 2, "body": format!("> {REVIEW_COMMENT_MARKER}\n> quoted"), "author": {"username": "dev"}}
            ]}
        }}
    })
}

/// The notes that carry reviewgate's marker.
fn our_notes(notes: &Value) -> Vec<&Value> {
    notes
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| {
            n["body"]
                .as_str()
                .is_some_and(|b| b.starts_with(REVIEW_COMMENT_MARKER))
        })
        .collect()
}

#[tokio::test]
async fn merge_request_diffs_follow_link_headers_and_name_the_project_by_path() {
    let diffs: Vec<Value> = (0..230)
        .map(|i| json!({"new_path": format!("m/{i:03}.tf"), "diff": format!("@@ -1 +1 @@\n-a{i}\n+b{i}\n")}))
        .collect();
    let mut state = state();
    state["projects"][PROJECT]["merge_requests"]["3"]["diffs"] = json!(diffs);
    let fake = start_fake(state);
    let files = fake
        .client()
        .merge_request_files(PROJECT, 3)
        .await
        .expect("diffs");
    assert_eq!(files.len(), 230);
    assert_eq!(files[229].filename, "m/229.tf");
    assert_eq!(files[0].patch.as_deref(), Some("@@ -1 +1 @@\n-a0\n+b0\n"));
    let calls = fake.calls().await;
    assert_eq!(calls.len(), 3, "100 + 100 + 30: {:?}", paths(&calls));
    for call in &calls {
        assert_eq!(
            call["path"], "/api/v4/projects/acme%2Fplatform%2Finfra/merge_requests/3/diffs",
            "the nested path is one encoded segment"
        );
        assert_eq!(call["headers"]["authorization"], format!("Bearer {TOKEN}"));
    }
    assert_eq!(calls[2]["query"]["page"][0], "3");
}

#[tokio::test]
async fn files_are_raw_text_under_an_encoded_path_and_a_missing_one_is_none() {
    let fake = start_fake(state());
    let client = fake.client();
    let project = PROJECT_ID.to_string();
    let text = client
        .file_contents(&project, "modules/new.tf", HEAD)
        .await
        .expect("read");
    assert_eq!(text.as_deref(), Some("# new\n"));
    let missing = client
        .file_contents(&project, ".reviewgate.toml", HEAD)
        .await
        .expect("read");
    assert_eq!(missing, None);
    let calls = fake.calls().await;
    assert_eq!(
        calls[0]["path"],
        "/api/v4/projects/4242/repository/files/modules%2Fnew.tf/raw"
    );
    assert_eq!(calls[0]["query"]["ref"][0], HEAD);
    assert_eq!(calls[1]["status"], 404);
}

#[tokio::test]
async fn the_note_is_created_once_then_edited_in_place() {
    let fake = start_fake(state());
    let client = fake.client();
    let first = client
        .upsert_merge_request_note(PROJECT, 3, REVIEW_COMMENT_MARKER, "first review")
        .await
        .expect("create");
    assert_eq!(
        first.action,
        CommentAction::Created,
        "a quoted marker is not ours"
    );
    let second = client
        .upsert_merge_request_note(PROJECT, 3, REVIEW_COMMENT_MARKER, "second review")
        .await
        .expect("edit");
    assert_eq!(second.action, CommentAction::Edited);
    assert_eq!(second.id, first.id);
    let notes = fake.project_state().await["notes"]["3"].clone();
    let ours = our_notes(&notes);
    assert_eq!(ours.len(), 1, "{notes}");
    assert_eq!(
        ours[0]["body"],
        format!("{REVIEW_COMMENT_MARKER}\nsecond review")
    );
    let methods: Vec<String> = paths(&fake.calls().await)
        .into_iter()
        .filter(|p| !p.starts_with("GET"))
        .collect();
    assert_eq!(
        methods,
        [
            "POST /api/v4/projects/acme%2Fplatform%2Finfra/merge_requests/3/notes".to_owned(),
            format!(
                "PUT /api/v4/projects/acme%2Fplatform%2Finfra/merge_requests/3/notes/{}",
                first.id
            ),
        ]
    );
}

fn check(conclusion: CheckConclusion, sha: &str) -> CheckRun {
    CheckRun {
        name: "reviewgate".into(),
        head_sha: sha.into(),
        conclusion,
        title: "1 finding(s) at high or above ".repeat(20),
        summary: "summary".into(),
        annotations: Vec::new(),
    }
}

#[tokio::test]
async fn the_commit_status_follows_the_conclusion_and_can_be_set_again() {
    let fake = start_fake(state());
    let client = fake.client();
    client
        .set_commit_status(
            PROJECT,
            &check(CheckConclusion::Failure, HEAD),
            Some("https://gitlab.example/mr/3#note_1"),
        )
        .await
        .expect("failed status");
    // The same event reported again after a crash: a second final status is fine.
    client
        .set_commit_status(PROJECT, &check(CheckConclusion::Failure, HEAD), None)
        .await
        .expect("again");
    client
        .set_commit_status(PROJECT, &check(CheckConclusion::Success, NEXT_HEAD), None)
        .await
        .expect("success status");
    let statuses = fake.project_state().await["statuses"].clone();
    let statuses = statuses.as_array().expect("statuses");
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    assert_eq!(
        (
            &statuses[0]["status"],
            &statuses[0]["name"],
            &statuses[0]["sha"]
        ),
        (&json!("failed"), &json!("reviewgate"), &json!(HEAD))
    );
    assert_eq!(
        statuses[0]["target_url"],
        "https://gitlab.example/mr/3#note_1"
    );
    assert_eq!(
        statuses[0]["description"]
            .as_str()
            .expect("description")
            .chars()
            .count(),
        255,
        "cut to GitLab's length"
    );
    assert_eq!(statuses[2]["status"], "success");
    let unknown = client
        .set_commit_status(
            PROJECT,
            &check(CheckConclusion::Success, &"0".repeat(40)),
            None,
        )
        .await
        .expect_err("unknown commit");
    assert!(
        matches!(unknown, ForgeError::NotFound { .. }),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_never_shown() {
    let fake = start_fake(state());
    let error = fake
        .client_with_token("glpat-wrong-token")
        .merge_request_files(PROJECT, 3)
        .await
        .expect_err("refused");
    assert!(matches!(error, ForgeError::Unauthorized), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("glpat-wrong-token"));
}

#[tokio::test]
async fn a_spent_rate_limit_waits_for_retry_after() {
    let mut state = state();
    state["rate_limit"] = json!({"limit": 2, "remaining": 0, "window_secs": 1});
    let fake = start_fake(state);
    let started = Instant::now();
    let files = fake
        .client()
        .merge_request_files(PROJECT, 3)
        .await
        .expect("after the reset");
    assert_eq!(files.len(), 3);
    let statuses: Vec<u64> = fake
        .calls()
        .await
        .iter()
        .filter_map(|c| c["status"].as_u64())
        .collect();
    assert_eq!(statuses, [429, 200]);
    assert!(started.elapsed() >= Duration::from_millis(500));
}

/// A signed `Merge Request Hook` as the ingress normalizes it.
fn merge_request_event(action: &str, head: &str, delivery: &str) -> EventEnvelope {
    let body = json!({
        "object_kind": "merge_request",
        "user": {"username": "dev"},
        "project": {"id": PROJECT_ID, "path_with_namespace": PROJECT},
        "object_attributes": {
            "iid": 3, "title": "Public logs", "action": action, "oldrev": "0000000",
            "source_branch": "feat", "target_branch": "main",
            "last_commit": {"id": head},
            "url": "https://gitlab.example/acme/platform/infra/-/merge_requests/3"
        }
    });
    let headers = Headers::new().with("x-gitlab-event", "Merge Request Hook");
    normalized_event(
        EventSource::Gitlab,
        &headers,
        body.to_string().as_bytes(),
        delivery,
    )
}

#[tokio::test]
async fn merge_requests_are_reviewed_noted_once_and_given_a_status() {
    let fake = start_fake(state());
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), None).with_gitlab(fake.client());
    let opened = merge_request_event("open", HEAD, "d-1");
    let outcome = processor.process(&opened).await.expect("processed");
    let repository = opened.repository.as_ref().expect("repository");
    let review_id = pull_request_review_id(EventSource::Gitlab, repository, 3);
    assert_eq!(
        outcome,
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
        Origin::GitlabMergeRequest {
            project: PROJECT.into(),
            iid: 3,
            head_sha: HEAD.into()
        }
    );
    let finding = v1
        .review
        .findings
        .iter()
        .find(|f| f.file.as_deref() == Some("main.tf"))
        .expect("the public ACL is found");
    assert_eq!(finding.line, Some(3));
    let project = fake.project_state().await;
    let statuses = project["statuses"].as_array().expect("statuses").clone();
    assert_eq!(statuses.len(), 1);
    assert_eq!(
        statuses[0]["status"], "failed",
        "high finding, default fail_on"
    );
    assert_eq!(statuses[0]["sha"], HEAD);
    let note_id = our_notes(&project["notes"]["3"]).first().expect("our note")["id"].clone();
    assert_eq!(
        statuses[0]["target_url"],
        format!("https://gitlab.example/acme/platform/infra/-/merge_requests/3#note_{note_id}")
    );
    // The numeric id names the project: it survives renames and transfers.
    let calls = paths(&fake.calls().await);
    assert!(
        calls
            .iter()
            .filter(|c| *c != "GET /api/v4/user")
            .all(|c| c.contains(&format!("/projects/{PROJECT_ID}/"))),
        "{calls:?}"
    );

    // A push to the MR: version 2, the same note edited. The new commit's
    // `.reviewgate.toml` says `fail_on = "critical"`, but the gate's settings are
    // the base's: the merge request does not pass its own gate.
    let updated = merge_request_event("update", NEXT_HEAD, "d-2");
    processor.process(&updated).await.expect("processed");
    let v2 = store
        .get_latest(&review_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(v2.version, 2);
    let project = fake.project_state().await;
    assert_eq!(
        our_notes(&project["notes"]["3"]).len(),
        1,
        "one note, edited in place"
    );
    assert_eq!(project["statuses"][1]["status"], "failed");
    assert_eq!(project["statuses"][1]["sha"], NEXT_HEAD);

    // Merged: the review closes without another call to GitLab.
    fake.clear_calls().await;
    processor
        .process(&merge_request_event("merge", NEXT_HEAD, "d-3"))
        .await
        .expect("processed");
    let v3 = store
        .get_latest(&review_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(v3.status, ReviewStatus::Closed);
    assert!(fake.calls().await.is_empty());
}

#[tokio::test]
async fn without_a_token_merge_requests_are_skipped_naming_the_variable() {
    let store = memory_store();
    let processor = EventProcessor::new(store, None);
    let outcome = processor
        .process(&merge_request_event("open", HEAD, "d-1"))
        .await
        .expect("processed");
    let EventOutcome::Skipped { reason } = outcome else {
        panic!("expected a skip, got {outcome:?}");
    };
    assert!(reason.contains("REVIEWGATE_GITLAB_TOKEN"), "{reason}");
}

#[tokio::test]
async fn renames_and_deletions_keep_their_status() {
    let fake = start_fake(state());
    let files = fake
        .client()
        .merge_request_files(PROJECT, 3)
        .await
        .expect("diffs");
    let statuses: Vec<(&str, PullRequestFileStatus, Option<&str>)> = files
        .iter()
        .map(|f| {
            (
                f.filename.as_str(),
                f.status,
                f.previous_filename.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("main.tf", PullRequestFileStatus::Added, None),
            (
                "modules/new.tf",
                PullRequestFileStatus::Renamed,
                Some("modules/old.tf")
            ),
            ("gone.tf", PullRequestFileStatus::Removed, None),
        ]
    );
}

#[tokio::test]
async fn pending_events_of_one_merge_request_keep_their_order_among_others() {
    // Merge requests 3 and 4; 3 is opened, then updated to a new commit. The
    // processor works on several merge requests at once, but one merge request's
    // events one after another: version 2 of MR 3 is the update.
    let mut state = state();
    let mr3 = state["projects"][PROJECT]["merge_requests"]["3"].clone();
    state["projects"][PROJECT]["merge_requests"]["4"] = mr3;
    let fake = start_fake(state);
    let store = memory_store();
    let mut other = merge_request_event("open", HEAD, "d-2");
    other.id = "gitlab:d-2".into();
    if let Some(pr) = other.pr.as_mut() {
        pr.number = 4;
    }
    let events = [
        merge_request_event("open", HEAD, "d-1"),
        other,
        merge_request_event("update", NEXT_HEAD, "d-3"),
    ];
    for event in &events {
        assert!(store.accept_event(event).await.expect("accepted"));
    }
    let processor = EventProcessor::new(store.clone(), None).with_gitlab(fake.client());
    let processed = processor
        .process_pending(Duration::from_secs(60))
        .await
        .expect("processed");
    assert_eq!(processed, 3);
    let repository = events[0].repository.as_ref().expect("repository");
    let mr3 = pull_request_review_id(EventSource::Gitlab, repository, 3);
    let latest = store.get_latest(&mr3).await.expect("read").expect("stored");
    assert_eq!(latest.version, 2);
    assert_eq!(latest.event_id.as_deref(), Some(events[2].id.as_str()));
    let Origin::GitlabMergeRequest { head_sha, .. } = &latest.origin else {
        panic!("{:?}", latest.origin);
    };
    assert_eq!(head_sha, NEXT_HEAD);
    let mr4 = pull_request_review_id(EventSource::Gitlab, repository, 4);
    assert_eq!(
        store
            .get_latest(&mr4)
            .await
            .expect("read")
            .expect("stored")
            .version,
        1
    );
}

/// The state's merge request 3 based on `BASE`, with a note by another user
/// (`mallory`, id 7) that starts with reviewgate's marker.
const BASE: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";

fn state_with_impostor_note() -> Value {
    let mut state = state();
    let project = &mut state["projects"][PROJECT];
    project["merge_requests"]["3"]["base_sha"] = json!(BASE);
    project["notes"]["3"]
        .as_array_mut()
        .expect("notes")
        .push(json!({"id": 5, "author": {"id": 7, "username": "mallory"},
                     "body": format!("{REVIEW_COMMENT_MARKER}\nApproved by the bot, merge away.")}));
    state
}

#[tokio::test]
async fn a_note_someone_else_wrote_is_left_alone_and_ours_is_edited_across_pushes() {
    let fake = start_fake(state_with_impostor_note());
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), None).with_gitlab(fake.client());
    processor
        .process(&merge_request_event("open", HEAD, "d-1"))
        .await
        .expect("reviewed");
    processor
        .process(&merge_request_event("update", NEXT_HEAD, "d-2"))
        .await
        .expect("reviewed again");
    let project = fake.project_state().await;
    let notes = project["notes"]["3"].as_array().expect("notes").clone();
    let mallory = notes.iter().find(|n| n["id"] == 5).expect("mallory's note");
    assert_eq!(
        mallory["body"],
        format!("{REVIEW_COMMENT_MARKER}\nApproved by the bot, merge away."),
        "untouched"
    );
    let ours: Vec<&Value> = notes
        .iter()
        .filter(|n| n["author"]["id"] == 1 && n["id"] != 5)
        .collect();
    assert_eq!(ours.len(), 1, "{notes:#?}");
    assert!(
        ours[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("version 2")),
        "edited in place: {}",
        ours[0]["body"]
    );
    let calls = paths(&fake.calls().await);
    assert_eq!(
        calls.iter().filter(|c| *c == "GET /api/v4/user").count(),
        1,
        "asked once: {calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.ends_with("/notes/5")),
        "mallory's note is never written to: {calls:?}"
    );
    assert_eq!(project["statuses"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_commit_status_is_set_whatever_happens_to_the_note() {
    let refusals = [
        json!({"status": 403}),
        json!({"status": 502}),
        json!({"status": 429, "headers": {"Retry-After": "3600"}}),
    ];
    for refusal in refusals {
        let mut state = state();
        let mut rule = refusal.clone();
        rule["method"] = json!("POST");
        rule["path"] = json!("/notes$");
        state["fail_routes"] = json!([rule]);
        let fake = start_fake(state);
        let processor = EventProcessor::new(memory_store(), None).with_gitlab(fake.client());
        let outcome = processor
            .process(&merge_request_event("open", HEAD, "d-1"))
            .await
            .unwrap_or_else(|e| panic!("{refusal}: {e}"));
        assert!(
            matches!(outcome, EventOutcome::Reviewed { version: 1, .. }),
            "{refusal}: {outcome:?}"
        );
        let project = fake.project_state().await;
        let statuses = project["statuses"].as_array().cloned().unwrap_or_default();
        assert_eq!(statuses.len(), 1, "{refusal}: {project}");
        assert_eq!(statuses[0]["status"], "failed");
        assert_eq!(
            statuses[0]["target_url"],
            "https://gitlab.example/acme/platform/infra/-/merge_requests/3",
            "{refusal}: no note to link to, the merge request instead"
        );
    }
}

#[tokio::test]
async fn the_gate_settings_are_read_at_the_merge_requests_base() {
    // The base says `fail_on = "critical"`: the high finding passes. Then the merge
    // request changes the file to disable a rule: a high finding on that line.
    let mut state = state_with_impostor_note();
    let project = &mut state["projects"][PROJECT];
    project["files"][BASE] = json!({".reviewgate.toml": "fail_on = \"critical\"\n"});
    let fake = start_fake(state.clone());
    let store = memory_store();
    let processor = EventProcessor::new(store.clone(), None).with_gitlab(fake.client());
    processor
        .process(&merge_request_event("open", HEAD, "d-1"))
        .await
        .expect("reviewed");
    let statuses = fake.project_state().await["statuses"].clone();
    assert_eq!(
        statuses[0]["status"], "success",
        "the base's fail_on applies"
    );
    let reads: Vec<String> = fake
        .calls()
        .await
        .iter()
        .filter(|c| {
            c["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/files/.reviewgate.toml/raw"))
        })
        .map(|c| c["query"]["ref"][0].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(reads, [BASE], "at the base GitLab names, not at the head");

    let diffs = &mut state["projects"][PROJECT]["merge_requests"]["3"]["diffs"];
    diffs.as_array_mut().expect("diffs").push(json!({
        "new_path": ".reviewgate.toml",
        "diff": "@@ -1 +1,2 @@\n fail_on = \"critical\"\n+disabled_rules = [\"RG-AWS-S3-001\"]\n"
    }));
    state["projects"][PROJECT]["files"][NEXT_HEAD][".reviewgate.toml"] =
        json!("fail_on = \"critical\"\ndisabled_rules = [\"RG-AWS-S3-001\"]\n");
    fake.set_state(&state).await;
    processor
        .process(&merge_request_event("update", NEXT_HEAD, "d-2"))
        .await
        .expect("reviewed");
    let repository = merge_request_event("open", HEAD, "d-1")
        .repository
        .expect("repository");
    let review = store
        .get_latest(&pull_request_review_id(EventSource::Gitlab, &repository, 3))
        .await
        .expect("read")
        .expect("stored")
        .review;
    let gate = review
        .findings
        .iter()
        .find(|f| f.rule_id == "RG-GATE-001")
        .expect("the loosening is a finding");
    assert_eq!(gate.line, Some(2));
    assert!(gate.message.contains("RG-AWS-S3-001"), "{}", gate.message);
    // Reported, and judged by the base's gate like any finding: high does not fail
    // a gate that fails at critical.
    let statuses = fake.project_state().await["statuses"].clone();
    let last = statuses
        .as_array()
        .and_then(|s| s.last())
        .expect("a status");
    assert_eq!(
        (&last["status"], &last["sha"]),
        (&json!("success"), &json!(NEXT_HEAD)),
        "{statuses}"
    );
}

#[tokio::test]
async fn a_merge_request_whose_diff_is_not_computed_yet_is_retried() {
    let mut state = state();
    state["projects"][PROJECT]["merge_requests"]["3"]["base_sha"] = Value::Null;
    let fake = start_fake(state);
    let error = EventProcessor::new(memory_store(), None)
        .with_gitlab(fake.client())
        .process(&merge_request_event("open", HEAD, "d-1"))
        .await
        .expect_err("no base yet");
    assert!(
        matches!(
            error,
            reviewgate_backend::events::ProcessError::Retryable(_)
        ),
        "{error:?}"
    );
}
