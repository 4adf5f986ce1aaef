//! One conformance suite for `ReviewStore`: each `check_*` runs against the
//! embedded store here and against DynamoDB on moto (feature `dynamodb`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use reviewgate_backend::model::{ApiKeyRecord, DayStats, ReviewStatus, ReviewVersion, Scope};
use reviewgate_backend::store::embedded::EmbeddedReviewStore;
use reviewgate_backend::store::{
    EventOutcome, ReviewQuery, ReviewStore, StoreError, update_review,
};
use reviewgate_core::RiskLevel;
use reviewgate_ingress::event::EventEnvelope;

use crate::support::{at, huge_version, sample_version};

async fn check_create_and_read(store: &dyn ReviewStore) {
    let v1 = sample_version(Some("acme/infra"), None, at(1));
    assert!(
        !v1.review.findings.is_empty(),
        "the sample change has findings"
    );
    store.create(&v1).await.expect("create");
    assert_eq!(
        store.get_latest(&v1.review_id).await.expect("read"),
        Some(v1.clone())
    );
    assert_eq!(
        store.get_version(&v1.review_id, 1).await.expect("read"),
        Some(v1.clone())
    );
    assert_eq!(
        store.get_version(&v1.review_id, 2).await.expect("read"),
        None
    );
    assert_eq!(
        store.get_latest("no-such-review").await.expect("read"),
        None
    );
    assert!(matches!(
        store.create(&v1).await,
        Err(StoreError::AlreadyExists(_))
    ));
    let versions = store.list_versions(&v1.review_id).await.expect("list");
    assert_eq!(versions, vec![v1.summary()]);
}

async fn check_versions_are_immutable_and_chained(store: &dyn ReviewStore) {
    let v1 = sample_version(Some("acme/chain"), None, at(2));
    store.create(&v1).await.expect("create");
    let v2 = update_review(store, &v1.review_id, Some(1), "alice", |v| {
        v.status = ReviewStatus::Approved;
        v.notes = Some("looks fine".into());
    })
    .await
    .expect("update to v2");
    assert_eq!(v2.version, 2);
    assert_eq!(
        v2.previous_version_id.as_deref(),
        Some(format!("{}#VERSION#1", v1.review_id).as_str())
    );
    // Version 1 is untouched; the latest is version 2.
    assert_eq!(
        store.get_version(&v1.review_id, 1).await.expect("read"),
        Some(v1.clone())
    );
    assert_eq!(
        store.get_latest(&v1.review_id).await.expect("read"),
        Some(v2.clone())
    );
    // A writer that read version 1 loses.
    let stale = update_review(store, &v1.review_id, Some(1), "bob", |v| {
        v.status = ReviewStatus::Rejected;
    })
    .await;
    assert!(
        matches!(
            stale,
            Err(StoreError::VersionConflict {
                actual: Some(2),
                ..
            })
        ),
        "{stale:?}"
    );
    // put_version of a version that exists is a conflict too: versions are never rewritten.
    let mut replay = v2.clone();
    replay.notes = Some("rewritten".into());
    assert!(matches!(
        store.put_version(&replay).await,
        Err(StoreError::VersionConflict { .. })
    ));
    assert_eq!(
        store.get_version(&v1.review_id, 2).await.expect("read"),
        Some(v2.clone())
    );
    let missing = v1.next("x", Utc::now());
    let mut missing = missing;
    missing.review_id = "missing".into();
    missing.previous_version_id = Some("missing#VERSION#1".into());
    assert!(matches!(
        store.put_version(&missing).await,
        Err(StoreError::NotFound(_))
    ));
    let listed: Vec<u32> = store
        .list_versions(&v1.review_id)
        .await
        .expect("list")
        .iter()
        .map(|s| s.version)
        .collect();
    assert_eq!(listed, vec![1, 2]);
}

/// 20 writers at once on one review: exactly 20 new versions, 2..=21, each
/// writer's change present exactly once.
async fn check_concurrent_writers(store: Arc<dyn ReviewStore>) {
    let v1 = sample_version(Some("acme/race"), None, at(3));
    store.create(&v1).await.expect("create");
    let mut tasks = Vec::new();
    for writer in 0..20 {
        let store = Arc::clone(&store);
        let id = v1.review_id.clone();
        tasks.push(tokio::spawn(async move {
            update_review(
                store.as_ref(),
                &id,
                None,
                &format!("writer-{writer}"),
                |v| {
                    v.notes = Some(format!("writer {writer}"));
                },
            )
            .await
        }));
    }
    for task in tasks {
        task.await
            .expect("writer task")
            .expect("every writer lands eventually");
    }
    let versions = store.list_versions(&v1.review_id).await.expect("list");
    let numbers: Vec<u32> = versions.iter().map(|s| s.version).collect();
    assert_eq!(
        numbers,
        (1..=21).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
    let mut authors = BTreeSet::new();
    for n in 2..=21 {
        let v = store
            .get_version(&v1.review_id, n)
            .await
            .expect("read")
            .expect("version exists");
        assert_eq!(
            v.previous_version_id,
            Some(ReviewVersion::version_id(&v1.review_id, n - 1))
        );
        assert!(authors.insert(v.author.clone()), "{} wrote twice", v.author);
    }
    assert_eq!(authors.len(), 20);
}

async fn check_five_thousand_findings(store: &dyn ReviewStore) {
    let big = huge_version(5000);
    store
        .create(&big)
        .await
        .expect("a 5,000-finding review is stored");
    let back = store
        .get_latest(&big.review_id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(back.review.findings.len(), 5000);
    assert_eq!(back, big, "nothing lost");
    let v2 = update_review(store, &big.review_id, Some(1), "alice", |v| {
        v.status = ReviewStatus::Closed;
    })
    .await
    .expect("update of a large review");
    assert_eq!(
        store.get_version(&big.review_id, 2).await.expect("read"),
        Some(v2)
    );
}

async fn check_listing(store: &dyn ReviewStore) {
    // Six reviews over time, repositories, stacks, statuses and risk levels.
    let mut ids = Vec::new();
    for (i, (repo, stack, level)) in [
        (Some("list/a"), None, RiskLevel::High),
        (Some("list/a"), None, RiskLevel::Low),
        (Some("list/b"), None, RiskLevel::High),
        (None, Some("list-stack"), RiskLevel::Critical),
        (None, Some("list-stack"), RiskLevel::Low),
        (Some("list/a"), None, RiskLevel::Medium),
    ]
    .into_iter()
    .enumerate()
    {
        let mut v = sample_version(repo, stack, at(10 + u32::try_from(i).expect("small")));
        if let Some(risk) = v.review.risk.as_mut() {
            risk.level = level;
        }
        store.create(&v).await.expect("create");
        ids.push(v.review_id.clone());
    }
    update_review(store, &ids[1], None, "alice", |v| {
        v.status = ReviewStatus::Approved
    })
    .await
    .expect("approve");
    let list = |q: ReviewQuery| async move {
        store
            .list_reviews(&ReviewQuery { limit: 100, ..q })
            .await
            .expect("list")
            .items
            .into_iter()
            .map(|s| s.review_id)
            .collect::<Vec<_>>()
    };
    let repo_a = list(ReviewQuery {
        repository: Some("list/a".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        repo_a,
        vec![ids[5].clone(), ids[1].clone(), ids[0].clone()],
        "newest first"
    );
    assert_eq!(
        list(ReviewQuery {
            stack: Some("list-stack".into()),
            risk_level: Some("critical".into()),
            ..Default::default()
        })
        .await,
        vec![ids[3].clone()]
    );
    assert_eq!(
        list(ReviewQuery {
            repository: Some("list/a".into()),
            status: Some(ReviewStatus::Approved),
            ..Default::default()
        })
        .await,
        vec![ids[1].clone()]
    );
    let high = list(ReviewQuery {
        risk_level: Some("high".into()),
        from: Some(at(10)),
        to: Some(at(12)),
        ..Default::default()
    })
    .await;
    assert_eq!(high, vec![ids[0].clone()], "from inclusive, to exclusive");
    // Pages of two cover every review of the range exactly once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_reviews(&ReviewQuery {
                from: Some(at(10)),
                to: Some(at(16)),
                limit: 2,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .expect("page");
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|s| s.review_id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    assert!(matches!(
        store
            .list_reviews(&ReviewQuery {
                limit: 2,
                cursor: Some("not a cursor".into()),
                ..Default::default()
            })
            .await,
        Err(StoreError::InvalidCursor)
    ));
}

async fn check_api_keys(store: &dyn ReviewStore) {
    let key = ApiKeyRecord {
        key_hash: "ab".repeat(32),
        name: "ci".into(),
        created_at: at(0),
    };
    store.put_api_key(&key).await.expect("put key");
    assert_eq!(
        store.find_api_key(&key.key_hash).await.expect("find"),
        Some(key)
    );
    assert_eq!(
        store.find_api_key(&"cd".repeat(32)).await.expect("find"),
        None
    );
}

fn event(id: &str, received_at: u64) -> EventEnvelope {
    serde_json::from_value(serde_json::json!({
        "version": reviewgate_ingress::event::ENVELOPE_VERSION,
        "id": id,
        "source": "github",
        "kind": "pr.opened",
        "repository": {"provider": "github", "owner": "acme", "name": "infra"},
        "delivery_id": id,
        "received_at": received_at,
        "trace_id": "trace",
    }))
    .expect("a valid envelope")
}

/// The pending events once there are `expected` of them (or after a second):
/// DynamoDB's index is eventually consistent.
async fn pending_once_settled(store: &dyn ReviewStore, expected: usize) -> Vec<EventEnvelope> {
    let mut pending = Vec::new();
    for _ in 0..50 {
        pending = store.pending_events(10).await.expect("pending");
        if pending.len() == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    pending.into_iter().map(|p| p.envelope).collect()
}

async fn check_event_outbox(store: &dyn ReviewStore) {
    let first = event("github:delivery-1", 1);
    assert!(store.accept_event(&first).await.expect("accept"));
    // A redelivery is refused and leaves the first copy as it was.
    let mut redelivered = first.clone();
    redelivered.trace_id = "another".into();
    assert!(
        !store
            .accept_event(&redelivered)
            .await
            .expect("accept again")
    );
    let second = event("github:delivery-2", 2);
    assert!(store.accept_event(&second).await.expect("accept"));

    assert_eq!(
        pending_once_settled(store, 2).await,
        [first.clone(), second.clone()],
        "oldest first"
    );
    let oldest = store.pending_events(1).await.expect("pending");
    assert_eq!(oldest.len(), 1);
    assert_eq!((&oldest[0].envelope, oldest[0].attempts), (&first, 0));

    // A failed attempt defers the event: pending but not due until its time, and
    // the count of attempts is kept across reads (and processes).
    let later = Utc::now() + chrono::Duration::hours(1);
    assert_eq!(
        store
            .defer_event(&first.id, "GitHub answered 502", later)
            .await
            .expect("defer"),
        1
    );
    assert_eq!(
        pending_once_settled(store, 1).await,
        std::slice::from_ref(&second),
        "a deferred event is not due"
    );
    let past = Utc::now() - chrono::Duration::seconds(1);
    assert_eq!(
        store
            .defer_event(&first.id, "GitHub answered 502 again", past)
            .await
            .expect("defer"),
        2
    );
    let mut due = Vec::new();
    for _ in 0..50 {
        due = store.pending_events(10).await.expect("pending");
        if due.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let attempts: Vec<(&str, u32)> = due
        .iter()
        .map(|p| (p.envelope.id.as_str(), p.attempts))
        .collect();
    assert_eq!(
        attempts,
        [("github:delivery-1", 2), ("github:delivery-2", 0)],
        "due again, ordered by when each came due (a second ago, before the other arrived)"
    );
    assert_eq!(
        store
            .defer_event("github:unknown", "x", past)
            .await
            .expect("defer unknown"),
        0,
        "only pending events are deferred"
    );

    let reviewed = EventOutcome::Reviewed {
        review_id: "r-1".into(),
        version: 1,
    };
    store
        .finish_event(&first.id, &reviewed)
        .await
        .expect("finish");
    // Finishing twice keeps the first outcome and is not an error.
    store
        .finish_event(
            &first.id,
            &EventOutcome::Failed {
                reason: "late".into(),
            },
        )
        .await
        .expect("finish again");
    assert_eq!(
        pending_once_settled(store, 1).await,
        std::slice::from_ref(&second)
    );
    // A finished event is still known: its redelivery is a duplicate.
    assert!(!store.accept_event(&first).await.expect("accept finished"));
    store
        .finish_event(
            &second.id,
            &EventOutcome::Skipped {
                reason: "no infrastructure files".into(),
            },
        )
        .await
        .expect("finish");
}

fn on(day: u32, hour: u32, minute: u32, second: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, day, hour, minute, second)
        .single()
        .expect("valid time")
}

/// Every page of the versions written on `day`, as (review id, version).
async fn written_on(store: &dyn ReviewStore, day: NaiveDate, limit: usize) -> Vec<(String, u32)> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .versions_written(day, cursor.as_deref(), limit)
            .await
            .expect("versions written");
        assert!(page.items.len() <= limit);
        seen.extend(page.items.into_iter().map(|s| (s.review_id, s.version)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
}

async fn check_versions_by_day(store: &dyn ReviewStore) {
    let day = NaiveDate::from_ymd_opt(2026, 10, 20).expect("date");
    // Just before, inside and just after the UTC day.
    let before = sample_version(Some("day/a"), None, on(19, 23, 59, 59));
    let first = sample_version(Some("day/a"), None, on(20, 0, 0, 0));
    let last = sample_version(None, Some("day-stack"), on(20, 23, 59, 59));
    for v in [&before, &first, &last] {
        store.create(v).await.expect("create");
    }
    let second = first.next("alice", on(20, 12, 0, 0));
    store.put_version(&second).await.expect("version 2");
    let next_day = second.next("bob", on(21, 0, 0, 0));
    store.put_version(&next_day).await.expect("version 3");
    let expected = vec![
        (first.review_id.clone(), 1),
        (first.review_id.clone(), 2),
        (last.review_id.clone(), 1),
    ];
    // In write order, each once, whatever the page size.
    for limit in [1, 2, 100] {
        assert_eq!(
            written_on(store, day, limit).await,
            expected,
            "limit {limit}"
        );
    }
    assert_eq!(
        written_on(store, day.succ_opt().expect("date"), 10).await,
        vec![(first.review_id.clone(), 3)]
    );
    assert!(matches!(
        store.versions_written(day, Some("not a cursor"), 10).await,
        Err(StoreError::InvalidCursor)
    ));
    // Summaries by key, in the order asked, duplicates and gaps included.
    let found = store
        .version_summaries(&[
            (first.review_id.clone(), 2),
            ("no-such-review".into(), 1),
            (first.review_id.clone(), 1),
            (first.review_id.clone(), 2),
        ])
        .await
        .expect("summaries");
    assert_eq!(
        found,
        vec![
            Some(second.summary()),
            None,
            Some(first.summary()),
            Some(second.summary())
        ]
    );
    assert_eq!(
        store.version_summaries(&[]).await.expect("none asked"),
        vec![]
    );
}

async fn check_daily_aggregates(store: &dyn ReviewStore) {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 9, d).expect("date");
    let stats = |versions: u64| DayStats {
        versions,
        reviews: versions,
        runs: versions,
        scored_runs: versions,
        risk_sum: 40 * versions,
        risk_sum_squares: 1600 * versions,
        risk_max: Some(40),
        ..DayStats::default()
    };
    assert_eq!(store.last_aggregated_day().await.expect("last"), None);
    let first: BTreeMap<Scope, DayStats> = BTreeMap::from([
        (Scope::Global, stats(3)),
        (Scope::Repository("agg/a".into()), stats(2)),
        (Scope::Stack("agg-stack".into()), stats(1)),
    ]);
    store
        .put_daily_aggregates(day(10), &first)
        .await
        .expect("put");
    // An empty day is still a day aggregated.
    store
        .put_daily_aggregates(day(8), &BTreeMap::new())
        .await
        .expect("put empty");
    assert_eq!(
        store.aggregated_days(day(1), day(30)).await.expect("days"),
        vec![day(8), day(10)]
    );
    assert_eq!(
        store.aggregated_days(day(9), day(30)).await.expect("days"),
        vec![day(10)]
    );
    assert_eq!(
        store.last_aggregated_day().await.expect("last"),
        Some(day(10))
    );
    let all = store
        .daily_aggregates(day(1), day(30), None)
        .await
        .expect("all scopes");
    assert_eq!(
        all,
        vec![
            (day(10), Scope::Global, stats(3)),
            (day(10), Scope::Repository("agg/a".into()), stats(2)),
            (day(10), Scope::Stack("agg-stack".into()), stats(1)),
        ]
    );
    assert_eq!(
        store
            .daily_aggregates(day(1), day(30), Some(&Scope::Repository("agg/a".into())))
            .await
            .expect("one scope"),
        vec![(day(10), Scope::Repository("agg/a".into()), stats(2))]
    );
    // Re-running the day replaces it: the stack's aggregate is gone, the rest new.
    let second: BTreeMap<Scope, DayStats> = BTreeMap::from([
        (Scope::Global, stats(5)),
        (Scope::Repository("agg/a".into()), stats(5)),
    ]);
    store
        .put_daily_aggregates(day(10), &second)
        .await
        .expect("put again");
    store
        .put_daily_aggregates(day(10), &second)
        .await
        .expect("and again");
    assert_eq!(
        store
            .daily_aggregates(day(10), day(10), None)
            .await
            .expect("all scopes"),
        vec![
            (day(10), Scope::Global, stats(5)),
            (day(10), Scope::Repository("agg/a".into()), stats(5)),
        ]
    );
    assert_eq!(
        store.aggregated_days(day(1), day(30)).await.expect("days"),
        vec![day(8), day(10)],
        "no second marker"
    );
}

async fn conformance(store: Arc<dyn ReviewStore>) {
    check_create_and_read(store.as_ref()).await;
    check_versions_are_immutable_and_chained(store.as_ref()).await;
    check_concurrent_writers(Arc::clone(&store)).await;
    check_five_thousand_findings(store.as_ref()).await;
    check_listing(store.as_ref()).await;
    check_api_keys(store.as_ref()).await;
    check_event_outbox(store.as_ref()).await;
    check_versions_by_day(store.as_ref()).await;
    check_daily_aggregates(store.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_store_conforms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = EmbeddedReviewStore::open(&dir.path().join("reviews.db")).expect("open");
    conformance(Arc::new(store)).await;
}

#[tokio::test]
async fn embedded_store_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("reviews.db");
    let v1 = sample_version(Some("acme/restart"), None, at(0));
    {
        let store = EmbeddedReviewStore::open(&path).expect("open");
        store.create(&v1).await.expect("create");
    }
    let reopened = EmbeddedReviewStore::open(&path).expect("reopen");
    assert_eq!(
        reopened.get_latest(&v1.review_id).await.expect("read"),
        Some(v1)
    );
}

/// A database written before versions had `updated_at`: opening it fills the
/// column from the summaries, so its days can be read and aggregated.
#[tokio::test]
async fn an_older_database_gains_versions_by_day() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("reviews.db");
    let old = sample_version(Some("acme/old"), None, on(22, 9, 30, 0));
    {
        let store = EmbeddedReviewStore::open(&path).expect("open");
        store.create(&old).await.expect("create");
    }
    // Back to the earlier shape: no day index, no updated_at column.
    rusqlite::Connection::open(&path)
        .and_then(|conn| {
            conn.execute_batch(
                "DROP INDEX review_versions_by_day;
                 ALTER TABLE review_versions DROP COLUMN updated_at;",
            )
        })
        .expect("the earlier schema");
    let reopened = EmbeddedReviewStore::open(&path).expect("reopen migrates");
    let day = NaiveDate::from_ymd_opt(2026, 10, 22).expect("date");
    assert_eq!(
        written_on(&reopened, day, 10).await,
        vec![(old.review_id.clone(), 1)]
    );
    // And versions written after the migration join it in write order.
    let next = old.next("alice", on(22, 10, 0, 0));
    reopened.put_version(&next).await.expect("version 2");
    assert_eq!(
        written_on(&reopened, day, 1).await,
        vec![(old.review_id.clone(), 1), (old.review_id.clone(), 2)]
    );
}

#[cfg(feature = "dynamodb")]
mod dynamodb {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use reviewgate_backend::model::ReviewStatus;
    use reviewgate_backend::store::{ReviewStore, update_review};

    use crate::support::{Moto, at, sample_version};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn dynamodb_store_conforms_on_moto() {
        let moto = Moto::start();
        let store = moto.store("reviews-conformance").await;
        super::conformance(Arc::new(store)).await;
    }

    /// A table as the release before `by_day` and `attempts` created it: the list
    /// indexes and `by_pending` projecting no attempt count, no `by_day`.
    async fn create_earlier_table(client: &aws_sdk_dynamodb::Client, table: &str) {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
            Projection, ProjectionType, ScalarAttributeType,
        };
        let key = |name: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .expect("key")
        };
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute")
        };
        let mut request = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .attribute_definitions(attr("pk"))
            .attribute_definitions(attr("sk"))
            .attribute_definitions(attr("time_sk"));
        for (index, hash) in [
            ("by_time", "all_pk"),
            ("by_repository", "repo_pk"),
            ("by_stack", "stack_pk"),
            ("by_status", "status_pk"),
            ("by_risk", "risk_pk"),
            ("by_pending", "pending_pk"),
        ] {
            let projection = Projection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(
                    [
                        "summary",
                        "repository",
                        "stack",
                        "status",
                        "risk_level",
                        "envelope",
                    ]
                    .map(String::from)
                    .to_vec(),
                ))
                .build();
            request = request
                .attribute_definitions(attr(hash))
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index)
                        .key_schema(key(hash, KeyType::Hash))
                        .key_schema(key("time_sk", KeyType::Range))
                        .projection(projection)
                        .build()
                        .expect("index"),
                );
        }
        request.send().await.expect("the earlier table");
    }

    #[tokio::test]
    async fn an_earlier_table_is_migrated_and_a_second_migration_changes_nothing() {
        use aws_sdk_dynamodb::types::AttributeValue;
        use reviewgate_backend::store::dynamodb::{DynamoDbReviewStore, Migration};

        let moto = Moto::start();
        let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
        create_earlier_table(&client, "reviews-earlier").await;
        let store = DynamoDbReviewStore::new(&moto.sdk_config(), "reviews-earlier");
        // A version written then: no day keys on its item.
        let old = sample_version(Some("acme/old"), None, super::on(22, 9, 30, 0));
        store.create(&old).await.expect("create");
        client
            .update_item()
            .table_name("reviews-earlier")
            .key("pk", AttributeValue::S(format!("REVIEW#{}", old.review_id)))
            .key("sk", AttributeValue::S("VERSION#0000000001".into()))
            .update_expression("REMOVE day_pk")
            .send()
            .await
            .expect("back to the earlier item");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 22).expect("date");

        let migration = store.migrate_table().await.expect("migrated");
        assert_eq!(
            migration,
            Migration {
                created_indexes: vec!["by_day".into()],
                recreated_indexes: vec!["by_pending".into()],
                backfilled_versions: 1,
            }
        );
        assert_eq!(
            super::written_on(&store, day, 10).await,
            vec![(old.review_id.clone(), 1)],
            "the older version is found by day"
        );
        // Pending events read their attempt count from the rebuilt index.
        let event = super::event("github:d-1", 1_700_000_000_000);
        assert!(store.accept_event(&event).await.expect("accept"));
        let later = chrono::Utc::now() - chrono::Duration::seconds(1);
        store
            .defer_event(&event.id, "GitHub answered 502", later)
            .await
            .expect("defer");
        let pending = store.pending_events(10).await.expect("pending");
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].attempts, 1);

        let again = store.migrate_table().await.expect("migrated again");
        assert_eq!(again, Migration::default());
    }

    #[tokio::test]
    async fn one_write_request_per_create_and_per_update() {
        let moto = Moto::start();
        let store = moto.store("reviews-requests").await;
        let counts = store.request_counts();
        let v1 = sample_version(Some("acme/count"), None, at(0));
        let before = counts.writes.load(Ordering::Relaxed);
        store.create(&v1).await.expect("create");
        assert_eq!(counts.writes.load(Ordering::Relaxed) - before, 1);
        let before = counts.writes.load(Ordering::Relaxed);
        let v2 = v1.next("alice", chrono::Utc::now());
        let mut v2 = v2;
        v2.status = ReviewStatus::Approved;
        store.put_version(&v2).await.expect("update");
        assert_eq!(counts.writes.load(Ordering::Relaxed) - before, 1);
        // The 5,000-finding review is chunked, and still one request.
        let big = crate::support::huge_version(5000);
        let before = counts.writes.load(Ordering::Relaxed);
        store.create(&big).await.expect("create big");
        assert_eq!(counts.writes.load(Ordering::Relaxed) - before, 1);
        let reads = counts.reads.load(Ordering::Relaxed);
        update_review(&store, &v1.review_id, Some(2), "bob", |v| {
            v.notes = Some("n".into())
        })
        .await
        .expect("update");
        assert_eq!(
            counts.reads.load(Ordering::Relaxed) - reads,
            1,
            "one read for the latest"
        );
    }
}
