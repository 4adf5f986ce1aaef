//! Spacelift run events through the event processor: reviews follow the run state
//! in `stateVersion` order, late deliveries change nothing, the delta feeds the
//! blast radius, and with an API key the run's planned changes are fetched from
//! `tests/spacelift_fake.py` (a local Spacelift speaking GraphQL's wire format, needs
//! `python3`) through the real HTTP client and reviewed by the change rules.

use std::sync::Arc;
use std::time::Duration;

use reviewgate_backend::events::{EventProcessor, ProcessError, spacelift_run_review_id};
use reviewgate_backend::model::{ReviewStatus, ReviewVersion};
use reviewgate_backend::spacelift::{SpaceliftClient, SpaceliftError};
use reviewgate_backend::store::{EventOutcome, ReviewStore};
use reviewgate_core::risk::blast_radius;
use reviewgate_core::{Origin, Severity};
use reviewgate_ingress::event::{EventEnvelope, EventSource};
use serde_json::{Value, json};

use crate::support::{PythonFake, memory_store};

const ACCOUNT: &str = "acme";
const STACK: &str = "infra-prod";
const RUN: &str = "01HQZ8K3V7N2C4T6Y8B0D2F4G6";
const KEY_ID: &str = "01HKEYID0000000000000000AB";
const KEY_SECRET: &str = "0f3c9b2e7a1d4c6b8e0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b";

/// `spacelift_fake.py` with `state`, and clients for it.
struct FakeSpacelift(PythonFake);

impl std::ops::Deref for FakeSpacelift {
    type Target = PythonFake;

    fn deref(&self) -> &PythonFake {
        &self.0
    }
}

impl FakeSpacelift {
    fn start(state: Value) -> FakeSpacelift {
        FakeSpacelift(PythonFake::start("spacelift_fake.py", &state))
    }

    fn client(&self) -> SpaceliftClient {
        SpaceliftClient::new(&self.base, KEY_ID.into(), KEY_SECRET.into()).expect("client")
    }
}

/// A run that deletes a database, replaces a bucket, creates a role, and changes an
/// output.
fn fake_state() -> Value {
    json!({
        "api_key": {"id": KEY_ID, "secret": KEY_SECRET},
        "jwt": "eyJhbGciOiJIUzI1NiJ9.first.sig",
        "stacks": {STACK: {"runs": {RUN: {"state": "UNCONFIRMED", "changes": [
            {"address": "aws_db_instance.main", "previousAddress": null, "metadata": {"type": "DELETE"}},
            {"address": "aws_s3_bucket.logs", "previousAddress": null, "metadata": {"type": "REPLACE"}},
            {"address": "aws_iam_role.deploy", "previousAddress": null, "metadata": {"type": "ADD"}},
            {"address": "output.db_endpoint", "previousAddress": null, "metadata": {"type": "DELETE"}}
        ]}}}}
    })
}

/// A `spacelift.run` envelope as intake stores it (the id derived as `delivery.rs`
/// does: run id and stateVersion).
fn run_event(state: &str, state_version: u64, delta: Option<(u64, u64, u64)>) -> EventEnvelope {
    let mut spacelift = json!({
        "account": ACCOUNT, "stack": STACK, "run_id": RUN, "state": state,
        "state_version": state_version,
    });
    if let Some((added, changed, deleted)) = delta {
        spacelift["delta"] = json!({"added": added, "changed": changed, "deleted": deleted});
    }
    serde_json::from_value(json!({
        "version": 1,
        "id": format!("spacelift:{RUN}@{state_version}"),
        "source": "spacelift",
        "kind": "spacelift.run",
        "organisation": ACCOUNT,
        "spacelift": spacelift,
        "delivery_id": format!("{RUN}@{state_version}"),
        "received_at": 1_700_000_000_000u64 + state_version,
        "trace_id": "trace",
    }))
    .expect("a valid envelope")
}

fn store() -> Arc<dyn ReviewStore> {
    memory_store()
}

fn review_id() -> String {
    spacelift_run_review_id(EventSource::Spacelift, ACCOUNT, STACK, RUN)
}

async fn latest(store: &dyn ReviewStore) -> ReviewVersion {
    store
        .get_latest(&review_id())
        .await
        .expect("read")
        .expect("the run has a review")
}

async fn reviewed(processor: &EventProcessor, event: &EventEnvelope) -> u32 {
    match processor.process(event).await {
        Ok(EventOutcome::Reviewed {
            review_id: id,
            version,
        }) => {
            assert_eq!(id, review_id());
            version
        }
        other => panic!("expected a review of {}, got {other:?}", event.id),
    }
}

/// Run events in order without an API key: each writes the next version, status
/// follows the state, the delta is scored as the blast radius.
async fn run_in_order(store: Arc<dyn ReviewStore>) {
    let processor = EventProcessor::new(store.clone(), None);
    assert_eq!(reviewed(&processor, &run_event("QUEUED", 1, None)).await, 1);
    let v1 = latest(store.as_ref()).await;
    assert_eq!(v1.status, ReviewStatus::Open);
    assert_eq!(v1.stack.as_deref(), Some(STACK));
    assert_eq!(
        v1.origin,
        Origin::SpaceliftRun {
            account: ACCOUNT.into(),
            stack: STACK.into(),
            run_id: RUN.into()
        }
    );
    assert_eq!(v1.review.risk, None, "nothing is known before the plan");

    assert_eq!(
        reviewed(&processor, &run_event("UNCONFIRMED", 2, Some((2, 1, 1)))).await,
        2
    );
    let v2 = latest(store.as_ref()).await;
    assert_eq!(v2.status, ReviewStatus::Open);
    let plan = v2.review.changes.plan.as_ref().expect("plan summary");
    assert_eq!(plan.actions.get("create"), Some(&2));
    assert_eq!(plan.actions.get("update"), Some(&1));
    assert_eq!(plan.actions.get("delete"), Some(&1));
    let risk = v2.review.risk.as_ref().expect("scored");
    // 100 · (0.03 · ln 5) = 4.83: the core's blast radius for 4 changed resources.
    assert_eq!(risk.score, 5);
    assert_eq!(risk.score, (100.0 * blast_radius(4)).round() as u8);
    assert_eq!(risk.factors[0].name, "blast-radius");
    assert_eq!(risk.confidence, 0.5, "parsed, but no rule saw a resource");

    assert_eq!(
        reviewed(&processor, &run_event("FINISHED", 3, Some((2, 1, 1)))).await,
        3
    );
    let v3 = latest(store.as_ref()).await;
    assert_eq!(v3.status, ReviewStatus::Closed);
    assert_eq!(v3.decision.as_deref(), Some("Spacelift run finished"));
    assert_eq!(
        v3.previous_version_id,
        Some(format!("{}#VERSION#2", review_id()))
    );
    assert_eq!(v3.created_at, v1.created_at);
    assert_eq!(v3.review.risk, v2.review.risk);
}

#[tokio::test]
async fn a_standard_webhooks_sender_cannot_create_or_advance_the_spacelift_integrations_run() {
    let store = store();
    let processor = EventProcessor::new(store.clone(), None);
    assert_eq!(reviewed(&processor, &run_event("QUEUED", 1, None)).await, 1);
    // The same account, stack and run, sent by a Standard Webhooks sender, far ahead
    // in stateVersion and with a plan that would change the verdict.
    let mut forged = run_event("FINISHED", 900, Some((0, 0, 40)));
    forged.source = EventSource::StandardWebhooks;
    forged.id = "standard_webhooks:msg-forged".into();
    match processor.process(&forged).await {
        Ok(EventOutcome::Reviewed { review_id: id, .. }) => {
            assert_ne!(id, review_id(), "a review of the sender's own");
        }
        other => panic!("expected the sender's own review, got {other:?}"),
    }
    let integration = latest(store.as_ref()).await;
    assert_eq!(
        integration.version, 1,
        "the integration's run did not advance"
    );
    assert_eq!(integration.status, ReviewStatus::Open);
    // The integration's next state is still taken: stateVersion 900 was not applied.
    assert_eq!(
        reviewed(&processor, &run_event("UNCONFIRMED", 2, None)).await,
        2
    );
}

#[tokio::test]
async fn run_events_in_order_follow_the_run_state() {
    run_in_order(store()).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn run_events_in_order_on_dynamodb() {
    let moto = crate::support::Moto::start();
    run_in_order(Arc::new(moto.store("spacelift-runs").await)).await;
}

#[tokio::test]
async fn a_late_delivery_never_moves_the_review_backwards() {
    let store = store();
    let processor = EventProcessor::new(store.clone(), None);
    reviewed(&processor, &run_event("FINISHED", 3, Some((0, 4, 0)))).await;
    let before = latest(store.as_ref()).await;

    // stateVersion 2 (UNCONFIRMED) arrives after 3 (FINISHED).
    let late = processor
        .process(&run_event("UNCONFIRMED", 2, Some((9, 9, 9))))
        .await
        .expect("processed");
    match late {
        EventOutcome::Skipped { reason } => {
            assert!(
                reason.contains("stateVersion 2") && reason.contains("stateVersion 3"),
                "{reason}"
            );
        }
        other => panic!("expected the late delivery to be skipped, got {other:?}"),
    }
    // The same stateVersion again (a redelivery with another id) changes nothing too.
    let mut again = run_event("FINISHED", 3, None);
    again.id = "standard_webhooks:msg_1".into();
    assert!(matches!(
        processor.process(&again).await,
        Ok(EventOutcome::Skipped { .. })
    ));
    let after = latest(store.as_ref()).await;
    assert_eq!(after, before, "still version 1 at stateVersion 3");
    assert_eq!(after.status, ReviewStatus::Closed);
    assert_eq!(
        after
            .review
            .changes
            .plan
            .as_ref()
            .map(|p| p.actions.clone()),
        Some([("update".to_owned(), 4)].into())
    );

    // A newer state still applies.
    assert_eq!(
        reviewed(&processor, &run_event("FINISHED", 4, None)).await,
        2
    );
}

#[tokio::test]
async fn an_event_processed_again_after_a_crash_writes_nothing_new() {
    let store = store();
    let processor = EventProcessor::new(store.clone(), None);
    let event = run_event("UNCONFIRMED", 2, Some((1, 0, 0)));
    assert_eq!(reviewed(&processor, &event).await, 1);
    // Written but not marked finished: the next pass finds its own version.
    assert_eq!(reviewed(&processor, &event).await, 1);
    assert_eq!(
        store
            .list_versions(&review_id())
            .await
            .expect("versions")
            .len(),
        1
    );
}

#[tokio::test]
async fn the_delta_is_the_blast_radius() {
    let store = store();
    let processor = EventProcessor::new(store.clone(), None);
    reviewed(&processor, &run_event("UNCONFIRMED", 1, Some((0, 0, 0)))).await;
    let empty = latest(store.as_ref()).await;
    assert_eq!(empty.review.risk.as_ref().map(|r| r.score), Some(0));
    // The core caps the blast radius at 0.20: 1,000 changes score 20, not more.
    reviewed(
        &processor,
        &run_event("UNCONFIRMED", 2, Some((400, 100, 500))),
    )
    .await;
    let large = latest(store.as_ref()).await;
    let risk = large.review.risk.expect("scored");
    assert_eq!(risk.score, 20);
    assert_eq!(large.review.resources, 1000);
    // Deletions count like any change in the blast radius; the rules that weigh a
    // deletion need the plan (see the next test).
    assert!(large.review.findings.is_empty());
}

#[tokio::test]
async fn planned_changes_are_fetched_once_and_reviewed_by_the_change_rules() {
    let fake = FakeSpacelift::start(fake_state());
    let store = store();
    let processor = EventProcessor::new(store.clone(), None).with_spacelift(fake.client());

    // Before the plan there is nothing to fetch.
    reviewed(&processor, &run_event("PLANNING", 1, None)).await;
    assert!(fake.calls().await.is_empty());

    reviewed(&processor, &run_event("UNCONFIRMED", 2, Some((1, 0, 2)))).await;
    let v2 = latest(store.as_ref()).await;
    let findings: Vec<(&str, Severity, Option<&str>)> = v2
        .review
        .findings
        .iter()
        .map(|f| (f.rule_id.as_ref(), f.severity, f.resource.as_deref()))
        .collect();
    assert!(
        findings.contains(&(
            "RG-CHG-001",
            Severity::Critical,
            Some("aws_db_instance.main")
        )),
        "{findings:?}"
    );
    assert!(
        findings.contains(&("RG-CHG-002", Severity::Critical, Some("aws_s3_bucket.logs"))),
        "{findings:?}"
    );
    // Values are unknown: no misconfiguration rule judged the empty attributes.
    assert!(
        v2.review
            .findings
            .iter()
            .all(|f| f.rule_id.starts_with("RG-CHG-")),
        "{findings:?}"
    );
    let plan = v2.review.changes.plan.as_ref().expect("plan summary");
    assert_eq!(plan.destroyed, vec!["aws_db_instance.main".to_owned()]);
    assert_eq!(plan.replaced, vec!["aws_s3_bucket.logs".to_owned()]);
    assert_eq!(
        plan.actions.get("create"),
        Some(&1),
        "the output is not a resource"
    );
    let risk = v2.review.risk.as_ref().expect("scored");
    // The core's formula: two critical (0.60) and two medium (0.10) findings, and
    // the blast radius of three changed resources.
    let expected = 100.0 * (1.0 - (1.0 - blast_radius(3)) * 0.4 * 0.4 * 0.9 * 0.9);
    assert_eq!(
        v2.review
            .findings
            .iter()
            .filter(|f| f.rule_id == "RG-CHG-006")
            .count(),
        2,
        "neither stateful resource was protected by prevent_destroy: {findings:?}"
    );
    assert_eq!(risk.score, expected.round() as u8, "{risk:?}");
    assert_eq!(
        risk.confidence, 0.5,
        "values unknown: no attribute rule judged"
    );

    let calls = fake.calls().await;
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[0]["operation"], "apiKeyUser");
    assert_eq!(
        calls[0]["variables"],
        json!({"id": KEY_ID, "secret": KEY_SECRET})
    );
    assert!(calls[0]["headers"].get("authorization").is_none());
    assert_eq!(calls[1]["operation"], "stack");
    assert_eq!(calls[1]["variables"], json!({"stack": STACK, "run": RUN}));
    assert_eq!(
        calls[1]["headers"]["authorization"],
        "Bearer eyJhbGciOiJIUzI1NiJ9.first.sig"
    );
    assert_eq!(calls[1]["headers"]["content-type"], "application/json");

    // Confirmed, then finished: the status moves, the plan is not fetched again.
    reviewed(&processor, &run_event("CONFIRMED", 3, Some((1, 0, 2)))).await;
    assert_eq!(latest(store.as_ref()).await.status, ReviewStatus::Approved);
    reviewed(&processor, &run_event("FINISHED", 5, Some((1, 0, 2)))).await;
    let v4 = latest(store.as_ref()).await;
    assert_eq!(v4.version, 4);
    assert_eq!(v4.status, ReviewStatus::Closed);
    assert_eq!(v4.review, v2.review);
    assert_eq!(fake.calls().await.len(), 2);
}

#[tokio::test]
async fn a_replan_is_fetched_again() {
    let fake = FakeSpacelift::start(fake_state());
    let store = store();
    let processor = EventProcessor::new(store.clone(), None).with_spacelift(fake.client());
    reviewed(&processor, &run_event("UNCONFIRMED", 2, Some((1, 0, 2)))).await;
    assert_eq!(latest(store.as_ref()).await.review.findings.len(), 4);
    // Someone asks for a replan; the new plan no longer touches the database.
    let mut state = fake_state();
    state["stacks"][STACK]["runs"][RUN]["changes"] = json!([
        {"address": "aws_iam_role.deploy", "previousAddress": null, "metadata": {"type": "ADD"}}
    ]);
    fake.set_state(&state).await;
    reviewed(
        &processor,
        &run_event("REPLAN_REQUESTED", 3, Some((1, 0, 2))),
    )
    .await;
    reviewed(&processor, &run_event("UNCONFIRMED", 5, Some((1, 0, 0)))).await;
    let replanned = latest(store.as_ref()).await;
    assert_eq!(replanned.version, 3);
    assert!(
        replanned.review.findings.is_empty(),
        "{:?}",
        replanned.review.findings
    );
    let plan = replanned.review.changes.plan.expect("plan summary");
    assert_eq!(plan.actions.get("create"), Some(&1));
    assert!(plan.destroyed.is_empty());
    let fetches = fake
        .calls()
        .await
        .iter()
        .filter(|c| c["operation"] == "stack")
        .count();
    assert_eq!(fetches, 2, "one fetch per plan, none while replanning");
}

#[tokio::test]
async fn a_revoked_token_is_exchanged_again() {
    let fake = FakeSpacelift::start(fake_state());
    let client = fake.client();
    assert_eq!(
        client.run_changes(STACK, RUN).await.expect("changes").len(),
        4
    );
    // Spacelift stops accepting the first token.
    let mut state = fake_state();
    state["jwt"] = json!("eyJhbGciOiJIUzI1NiJ9.second.sig");
    fake.set_state(&state).await;
    let changes = client.run_changes(STACK, RUN).await.expect("changes");
    assert_eq!(changes[0].address, "aws_db_instance.main");
    assert_eq!(changes[0].metadata.change_type, "DELETE");
    let operations: Vec<(String, u64)> = fake
        .calls()
        .await
        .iter()
        .map(|c| {
            (
                c["operation"].as_str().unwrap_or_default().to_owned(),
                c["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = [
        ("apiKeyUser", 200),
        ("stack", 200),
        ("stack", 401),
        ("apiKeyUser", 200),
        ("stack", 200),
    ]
    .into_iter()
    .map(|(o, s)| (o.to_owned(), s))
    .collect();
    assert_eq!(operations, expected);
}

#[tokio::test]
async fn unknown_runs_and_refused_keys_leave_the_run_followed_by_its_delta() {
    let fake = FakeSpacelift::start(fake_state());
    assert!(matches!(
        fake.client().run_changes(STACK, "01NOSUCHRUN").await,
        Err(SpaceliftError::NotFound(what)) if what.contains("01NOSUCHRUN")
    ));
    assert!(matches!(
        fake.client().run_changes("no-such-stack", RUN).await,
        Err(SpaceliftError::NotFound(what)) if what.contains("no-such-stack")
    ));
    let wrong = SpaceliftClient::new(&fake.base, KEY_ID.into(), "wrong".into()).expect("client");
    assert!(matches!(
        wrong.run_changes(STACK, RUN).await,
        Err(SpaceliftError::Unauthorized)
    ));

    let exchanges = || async {
        fake.calls()
            .await
            .iter()
            .filter(|c| c["operation"] == "apiKeyUser")
            .count()
    };
    assert_eq!(exchanges().await, 3, "a refused key is not tried twice");

    // Through the processor: the status still follows the run, the delta is scored,
    // and the review says why the plan is missing (without the secret).
    let store = store();
    let processor = EventProcessor::new(store.clone(), None).with_spacelift(wrong);
    reviewed(&processor, &run_event("UNCONFIRMED", 2, Some((1, 0, 0)))).await;
    let v1 = latest(store.as_ref()).await;
    assert_eq!(v1.status, ReviewStatus::Open);
    assert_eq!(
        v1.review.risk.as_ref().map(|r| r.score),
        Some((100.0 * blast_radius(1)).round() as u8)
    );
    assert_eq!(v1.review.errors.len(), 1, "{:?}", v1.review.errors);
    let error = &v1.review.errors[0];
    assert_eq!(error.file, format!("spacelift/{STACK}/{RUN}.plan.json"));
    assert!(
        error.message.ends_with("Spacelift rejected the API key"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("wrong"));
    // The next planned state tries again (the key may have been fixed meanwhile).
    reviewed(&processor, &run_event("CONFIRMED", 3, Some((1, 0, 0)))).await;
    assert_eq!(latest(store.as_ref()).await.status, ReviewStatus::Approved);
    assert_eq!(exchanges().await, 5, "one exchange per planned event");
}

#[tokio::test]
async fn spacelift_down_is_retried_later_and_the_event_stays_pending() {
    let mut state = fake_state();
    state["fail_next"] = json!({"times": 100, "status": 502});
    let fake = FakeSpacelift::start(state);
    let store = store();
    let processor = EventProcessor::new(store.clone(), None).with_spacelift(fake.client());
    let event = run_event("UNCONFIRMED", 2, Some((1, 0, 2)));
    match processor.process(&event).await {
        Err(ProcessError::Retryable(reason)) => {
            assert!(
                reason.contains("unavailable") && reason.contains("502"),
                "{reason}"
            );
        }
        other => panic!("expected a retryable failure, got {other:?}"),
    }
    // One request and two retries, then the processor's own backoff takes over.
    assert_eq!(fake.calls().await.len(), 3);

    assert!(store.accept_event(&event).await.expect("accept"));
    let budget = std::time::Duration::from_secs(60);
    assert_eq!(processor.process_pending(budget).await.expect("pass"), 1);
    assert!(
        store.pending_events(10).await.expect("pending").is_empty(),
        "a retryable failure defers the event: pending, not due"
    );
    store
        .defer_event(&event.id, "due now", chrono::Utc::now())
        .await
        .expect("make it due");
    let pending = store.pending_events(10).await.expect("pending");
    assert_eq!(pending.len(), 1, "still pending");
    assert_eq!(
        (pending[0].envelope.id.as_str(), pending[0].attempts),
        (event.id.as_str(), 2),
        "one failed attempt by the processor, one deferral here"
    );
    assert_eq!(store.get_latest(&review_id()).await.expect("read"), None);

    // Spacelift is back: the same event is reviewed.
    fake.set_state(&fake_state()).await;
    reviewed(&processor, &event).await;
    assert!(
        latest(store.as_ref())
            .await
            .review
            .findings
            .iter()
            .any(|f| f.rule_id.as_ref() == "RG-CHG-001")
    );
}

#[tokio::test]
async fn retries_are_counted_in_the_store_and_end_after_the_last_attempt() {
    let mut state = fake_state();
    state["fail_next"] = json!({"times": 1000, "status": 502});
    let fake = FakeSpacelift::start(state);
    let store = store();
    let event = run_event("UNCONFIRMED", 2, Some((1, 0, 2)));
    assert!(store.accept_event(&event).await.expect("accept"));
    let budget = Duration::from_secs(60);
    let mut passes = 0;
    // Each pass is a new processor, as each Lambda invocation is: only the store
    // remembers the attempts. Between passes the test makes the event due at once,
    // which the store counts as an attempt too.
    while !store.pending_events(10).await.expect("pending").is_empty() || passes == 0 {
        passes += 1;
        assert!(passes <= 8, "the retries never end");
        let processor = EventProcessor::new(store.clone(), None).with_spacelift(fake.client());
        assert_eq!(processor.process_pending(budget).await.expect("pass"), 1);
        let attempts = store
            .defer_event(&event.id, "due now", chrono::Utc::now())
            .await
            .expect("defer");
        if attempts == 0 {
            break; // finished: no longer pending
        }
    }
    assert_eq!(
        passes, 5,
        "attempts 1, 3, 5 and 7 deferred; the 9th (past 8) gave up"
    );
    assert!(store.pending_events(10).await.expect("pending").is_empty());
    assert_eq!(store.get_latest(&review_id()).await.expect("read"), None);
}
