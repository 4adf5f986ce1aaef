//! Historical analytics on a hand-built history: the endpoint's three reports with
//! their numbers, stored aggregates taking over from computed days, idempotent
//! re-runs, backfill and the daily scheduler — on the embedded store, and on
//! DynamoDB (moto) with the `dynamodb` feature.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reviewgate_backend::analytics::{self, AnalyticsError, VersionFilter, compute_day};
use reviewgate_backend::model::{DayStats, ReviewStatus, ReviewVersion, Scope};
use reviewgate_backend::store::ReviewStore;
use reviewgate_backend::store::embedded::EmbeddedReviewStore;
use reviewgate_core::RiskLevel;
use serde_json::{Value, json};

use crate::api::TestApi;
use crate::support::sample_version;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, d).expect("date")
}

fn time(d: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, d, hour, 0, 0)
        .single()
        .expect("time")
}

fn level(score: u8) -> RiskLevel {
    match score {
        0..25 => RiskLevel::Low,
        25..50 => RiskLevel::Medium,
        50..75 => RiskLevel::High,
        _ => RiskLevel::Critical,
    }
}

/// Gives `version` exactly these findings (rule id, count) and this risk score.
fn set_findings(version: &mut ReviewVersion, rules: &[(&str, usize)], score: u8) {
    let template = version.review.findings[0].clone();
    version.review.findings = rules
        .iter()
        .flat_map(|(rule, count)| {
            let mut finding = template.clone();
            finding.rule_id = Cow::Owned((*rule).to_owned());
            finding.suppressed = false;
            std::iter::repeat_n(finding, *count)
        })
        .collect();
    let risk = version.review.risk.as_mut().expect("the sample is scored");
    risk.score = score;
    risk.level = level(score);
}

/// Version 1 of a review written at `at`.
fn review(
    repository: Option<&str>,
    stack: Option<&str>,
    at: DateTime<Utc>,
    rules: &[(&str, usize)],
    score: u8,
) -> ReviewVersion {
    let mut version = sample_version(repository, stack, at);
    set_findings(&mut version, rules, score);
    version
}

/// The hand-built history (see the expected numbers in the tests):
///
/// - 5 Oct: R1 (acme/app) S3-001×2 + IAM-001, score 70; R2 (acme/app) S3-001, 30;
///   R3 (stack prod) CHG-001, 10.
/// - 6 Oct: R1 v2, an edit (approved: no new rules run); R1 v3, a new run:
///   S3-001 (recurs), CHG-001 (new), IAM-001 gone, score 40; R4 (acme/web) no
///   findings, score 0.
/// - 7 Oct: nothing.
async fn history(store: &dyn ReviewStore) {
    let r1 = review(
        Some("acme/app"),
        None,
        time(5, 9),
        &[("RG-AWS-S3-001", 2), ("RG-AWS-IAM-001", 1)],
        70,
    );
    let r2 = review(
        Some("acme/app"),
        None,
        time(5, 10),
        &[("RG-AWS-S3-001", 1)],
        30,
    );
    let r3 = review(None, Some("prod"), time(5, 11), &[("RG-CHG-001", 1)], 10);
    for v in [&r1, &r2, &r3] {
        store.create(v).await.expect("create");
    }
    let mut edit = r1.next("alice", time(6, 8));
    edit.status = ReviewStatus::Approved;
    store.put_version(&edit).await.expect("edit");
    // A new push: a fresh rules run (as the event processor writes it).
    let mut push = review(
        Some("acme/app"),
        None,
        time(6, 9),
        &[("RG-AWS-S3-001", 1), ("RG-CHG-001", 1)],
        40,
    );
    push.review_id = r1.review_id.clone();
    push.version = 3;
    push.previous_version_id = Some(ReviewVersion::version_id(&r1.review_id, 2));
    push.created_at = r1.created_at;
    store.put_version(&push).await.expect("new run");
    let r4 = review(Some("acme/web"), None, time(6, 10), &[], 0);
    store.create(&r4).await.expect("create");
}

async fn get(api: &TestApi, query: &str) -> Value {
    let reply = api
        .call(
            Method::GET,
            &format!("/api/analytics/historical?{query}"),
            None,
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
    reply.body
}

fn trend(
    start: &str,
    end: &str,
    (reviews, versions, runs, findings): (u64, u64, u64, u64),
    risk_mean: Value,
    risk_max: Value,
    high_risk_runs: u64,
) -> Value {
    json!({
        "period_start": start, "period_end": end, "reviews": reviews, "versions": versions,
        "runs": runs, "findings": findings, "risk_mean": risk_mean, "risk_max": risk_max,
        "high_risk_runs": high_risk_runs,
    })
}

async fn check_trends(api: &TestApi, aggregated: u64) {
    let body = get(api, "type=trends&from=2026-10-05&to=2026-10-07").await;
    assert_eq!(body["type"], "trends");
    assert_eq!(body["granularity"], "day");
    assert_eq!(
        body["sources"],
        json!({"aggregated_days": aggregated, "computed_days": 3 - aggregated})
    );
    assert_eq!(
        body["points"],
        json!([
            trend(
                "2026-10-05",
                "2026-10-05",
                (3, 3, 3, 5),
                json!(36.67),
                json!(70),
                1
            ),
            trend(
                "2026-10-06",
                "2026-10-06",
                (1, 3, 2, 2),
                json!(20.0),
                json!(40),
                0
            ),
            trend(
                "2026-10-07",
                "2026-10-07",
                (0, 0, 0, 0),
                Value::Null,
                Value::Null,
                0
            ),
        ])
    );
    // Weeks start on Monday (5 October 2026) and are clipped to the range.
    let body = get(
        api,
        "type=trends&granularity=week&from=2026-10-03&to=2026-10-07",
    )
    .await;
    assert_eq!(
        body["points"],
        json!([
            trend(
                "2026-10-03",
                "2026-10-04",
                (0, 0, 0, 0),
                Value::Null,
                Value::Null,
                0
            ),
            trend(
                "2026-10-05",
                "2026-10-07",
                (4, 6, 5, 7),
                json!(30.0),
                json!(70),
                1
            ),
        ])
    );
    // One repository: R1 and R2 only.
    let body = get(
        api,
        "type=trends&repository=acme/app&from=2026-10-05&to=2026-10-06",
    )
    .await;
    assert_eq!(
        body["points"],
        json!([
            trend(
                "2026-10-05",
                "2026-10-05",
                (2, 2, 2, 4),
                json!(50.0),
                json!(70),
                1
            ),
            trend(
                "2026-10-06",
                "2026-10-06",
                (0, 2, 1, 2),
                json!(40.0),
                json!(40),
                0
            ),
        ])
    );
}

async fn check_patterns(api: &TestApi) {
    let body = get(api, "type=patterns&from=2026-10-05&to=2026-10-07").await;
    assert_eq!(body["runs"], 5);
    assert_eq!(body["compared_runs"], 1, "R1 v3 against v2");
    assert_eq!(
        body["top_rules"],
        json!([
            {"rule_id": "RG-AWS-S3-001", "category": "aws-s3", "findings": 4, "runs": 3},
            {"rule_id": "RG-CHG-001", "category": "change-risk", "findings": 2, "runs": 2},
            {"rule_id": "RG-AWS-IAM-001", "category": "aws-iam", "findings": 1, "runs": 1},
        ])
    );
    // S3-001 was in v2 (copied from v1) and the new run found it again; IAM-001 went.
    assert_eq!(
        body["recurring"],
        json!([{"rule_id": "RG-AWS-S3-001", "category": "aws-s3", "recurrences": 1, "recurrence_rate": 1.0}])
    );
    assert_eq!(
        body["repeated"],
        json!([{"scope": "repository", "name": "acme/app", "runs": 3, "rules": [
            {"rule_id": "RG-AWS-S3-001", "category": "aws-s3", "findings": 4, "runs": 3},
        ]}])
    );
    let body = get(
        api,
        "type=patterns&stack=prod&from=2026-10-05&to=2026-10-07",
    )
    .await;
    assert_eq!(body["runs"], 1);
    assert_eq!(body["repeated"], json!([]), "one run repeats nothing");
}

async fn check_small_sample(api: &TestApi) {
    let body = get(api, "type=correlations&from=2026-10-05&to=2026-10-07").await;
    assert_eq!(body["statistic"], "point_biserial");
    assert_eq!(body["sample_size"], 5);
    assert_eq!(body["minimum_sample_size"], 30);
    assert_eq!(body["sufficient_sample"], false);
    assert!(
        body["note"]
            .as_str()
            .is_some_and(|n| n.contains("below the minimum")),
        "{body}"
    );
    for category in body["categories"].as_array().expect("categories") {
        assert!(category.get("point_biserial").is_none(), "{category}");
        assert!(category.get("mean_risk_with").is_none(), "{category}");
    }
}

/// 40 runs in stack `corr` on 10 October: every fourth has a secret (and a high
/// score); all have a change-risk finding.
async fn correlation_history(store: &dyn ReviewStore) -> Vec<(u8, bool)> {
    let mut samples = Vec::new();
    for i in 0..40u8 {
        let secret = i.is_multiple_of(4);
        let score = if secret { 60 + i % 10 } else { 10 + i % 20 };
        let mut rules = vec![("RG-CHG-001", 1)];
        if secret {
            rules.push(("RG-SECRET-001", 1));
        }
        let at = Utc
            .with_ymd_and_hms(2026, 10, 10, 8, u32::from(i), 0)
            .single()
            .expect("time");
        store
            .create(&review(None, Some("corr"), at, &rules, score))
            .await
            .expect("create");
        samples.push((score, secret));
    }
    samples
}

fn pearson(samples: &[(u8, bool)]) -> f64 {
    let n = samples.len() as f64;
    let xs: Vec<f64> = samples.iter().map(|(s, _)| f64::from(*s)).collect();
    let ys: Vec<f64> = samples
        .iter()
        .map(|(_, p)| if *p { 1.0 } else { 0.0 })
        .collect();
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sx = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>().sqrt();
    let sy = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>().sqrt();
    cov / (sx * sy)
}

async fn check_correlation(api: &TestApi, samples: &[(u8, bool)]) {
    let body = get(
        api,
        "type=correlations&stack=corr&from=2026-10-10&to=2026-10-10",
    )
    .await;
    assert_eq!(body["sample_size"], 40);
    assert_eq!(body["sufficient_sample"], true);
    assert!(body.get("note").is_none(), "{body}");
    let categories = body["categories"].as_array().expect("categories");
    assert_eq!(categories.len(), 2, "{body}");
    let secrets = &categories[0];
    assert_eq!(secrets["category"], "secrets");
    assert_eq!(secrets["runs_with"], 10);
    let expected = (pearson(samples) * 10_000.0).round() / 10_000.0;
    assert_eq!(secrets["point_biserial"].as_f64(), Some(expected));
    // Secret runs score 60, 64, 68, 62, 66, 60, 64, 68, 62, 66: mean 64, all high.
    assert_eq!(secrets["mean_risk_with"], 64.0);
    assert_eq!(secrets["high_risk_share_with"], 1.0);
    assert!(expected > 0.9, "a strong positive association: {expected}");
    // Present in every run: the correlation is undefined, so absent.
    let change = &categories[1];
    assert_eq!(change["category"], "change-risk");
    assert_eq!(change["runs_with"], 40);
    assert!(change.get("point_biserial").is_none(), "{change}");
}

async fn check_bad_requests(api: &TestApi) {
    for (query, needle) in [
        ("from=2026-10-01&to=2026-10-02", "type: required"),
        (
            "type=forecast&from=2026-10-01&to=2026-10-02",
            "type: `forecast`",
        ),
        ("type=trends&to=2026-10-02", "from: required"),
        ("type=trends&from=2026-10-01", "to: required"),
        (
            "type=trends&from=2026-10-1&to=2026-10-02",
            "from: `2026-10-1`",
        ),
        ("type=trends&from=2026-10-03&to=2026-10-02", "after to"),
        (
            "type=trends&from=2020-01-01&to=2021-06-01",
            "at most 366 days",
        ),
        ("type=trends&from=2026-10-01&to=2999-01-01", "in the future"),
        (
            "type=patterns&granularity=week&from=2026-10-01&to=2026-10-02",
            "granularity",
        ),
        (
            "type=trends&granularity=month&from=2026-10-01&to=2026-10-02",
            "granularity: `month`",
        ),
        ("type=trends&from=2026-10-01&to=2026-10-02&limit=3", "limit"),
    ] {
        let reply = api
            .call(
                Method::GET,
                &format!("/api/analytics/historical?{query}"),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.body["error"], "bad_request", "{query}");
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{query}: {message}");
    }
    let reply = api
        .call(
            Method::GET,
            "/api/analytics/historical?type=trends&from=2026-10-01&to=2026-10-02",
            None,
            &[("authorization", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// The route and its report shapes are in the OpenAPI document.
async fn check_openapi(api: &TestApi) {
    let reply = api.call(Method::GET, "/api/openapi.json", None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let operation = &reply.body["paths"]["/api/analytics/historical"]["get"];
    let parameters: Vec<&str> = operation["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in ["type", "from", "to", "repository", "stack", "granularity"] {
        assert!(parameters.contains(&name), "{name} in {parameters:?}");
    }
    let schemas = &reply.body["components"]["schemas"];
    for schema in [
        "HistoricalReport",
        "TrendsReport",
        "PatternsReport",
        "CorrelationsReport",
    ] {
        assert!(schemas.get(schema).is_some(), "{schema} missing");
    }
}

async fn all_aggregates(store: &dyn ReviewStore) -> Vec<(NaiveDate, Scope, DayStats)> {
    store
        .daily_aggregates(day(1), day(31), None)
        .await
        .expect("aggregates")
}

/// The whole suite on one store.
async fn suite(store: Arc<dyn ReviewStore>) {
    let api = TestApi::new(Arc::clone(&store)).await;
    history(store.as_ref()).await;
    let samples = correlation_history(store.as_ref()).await;
    check_bad_requests(&api).await;
    check_openapi(&api).await;

    // Nothing aggregated yet: every day is computed from the versions.
    check_trends(&api, 0).await;
    check_patterns(&api).await;
    check_small_sample(&api).await;
    check_correlation(&api, &samples).await;
    let computed = get(&api, "type=patterns&from=2026-10-05&to=2026-10-07").await;

    // Backfill the range: the same answers, now from stored aggregates.
    let today = day(20);
    let outcomes = analytics::backfill(store.as_ref(), day(4), day(7), today)
        .await
        .expect("backfill");
    let versions: Vec<u64> = outcomes.iter().map(|o| o.versions).collect();
    assert_eq!(versions, vec![0, 3, 3, 0]);
    // Global, acme/app, prod on the 5th; global, acme/app, acme/web on the 6th.
    assert_eq!(outcomes[1].scopes, 3);
    assert_eq!(outcomes[2].scopes, 3);
    assert_eq!(
        store.aggregated_days(day(1), day(31)).await.expect("days"),
        vec![day(4), day(5), day(6), day(7)]
    );
    check_trends(&api, 3).await;
    check_patterns(&api).await;
    let mut from_aggregates = get(&api, "type=patterns&from=2026-10-05&to=2026-10-07").await;
    from_aggregates["sources"] = computed["sources"].clone();
    assert_eq!(
        from_aggregates, computed,
        "aggregates answer as the versions do"
    );

    // Idempotent: the day again gives the same aggregates, no doubles.
    let before = all_aggregates(store.as_ref()).await;
    assert_eq!(before.len(), 6);
    analytics::aggregate_day(store.as_ref(), day(5), today)
        .await
        .expect("again");
    analytics::backfill(store.as_ref(), day(4), day(7), today)
        .await
        .expect("backfill again");
    assert_eq!(all_aggregates(store.as_ref()).await, before);
    check_trends(&api, 3).await;

    // The endpoint reads stored aggregates where a day has them: a stored day
    // (here doctored) wins over the versions.
    let mut doctored = compute_day(store.as_ref(), day(7), &VersionFilter::default())
        .await
        .expect("compute");
    doctored.insert(
        Scope::Global,
        DayStats {
            reviews: 99,
            ..DayStats::default()
        },
    );
    store
        .put_daily_aggregates(day(7), &doctored)
        .await
        .expect("put");
    let body = get(&api, "type=trends&from=2026-10-07&to=2026-10-07").await;
    assert_eq!(body["points"][0]["reviews"], 99);
    analytics::aggregate_day(store.as_ref(), day(7), today)
        .await
        .expect("redo the day");
    let body = get(&api, "type=trends&from=2026-10-07&to=2026-10-07").await;
    assert_eq!(body["points"][0]["reviews"], 0);

    // A repository and a stack together are folded from the versions.
    let body = get(
        &api,
        "type=trends&repository=acme/app&stack=prod&from=2026-10-05&to=2026-10-06",
    )
    .await;
    assert_eq!(
        body["sources"],
        json!({"aggregated_days": 0, "computed_days": 2})
    );
    assert_eq!(body["points"][0]["runs"], 0);

    // Only days that are over are aggregated.
    assert!(matches!(
        analytics::aggregate_day(store.as_ref(), today, today).await,
        Err(AnalyticsError::DayNotOver(_))
    ));
    assert!(matches!(
        analytics::backfill(store.as_ref(), day(7), day(5), today).await,
        Err(AnalyticsError::EmptyRange { .. })
    ));

    // Catching up starts after the last stored day.
    let (_keep, shutdown) = tokio::sync::watch::channel(false);
    let caught_up = analytics::catch_up(store.as_ref(), day(10), &shutdown)
        .await
        .expect("catch up");
    let days: Vec<NaiveDate> = caught_up.iter().map(|o| o.day).collect();
    assert_eq!(days, vec![day(8), day(9)]);
    assert_eq!(
        store.last_aggregated_day().await.expect("last"),
        Some(day(9))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn historical_analytics_on_the_embedded_store() {
    suite(Arc::new(EmbeddedReviewStore::in_memory().expect("store"))).await;
}

/// The scheduler catches up yesterday at once and stops on shutdown.
#[tokio::test]
async fn the_daily_scheduler_catches_up_and_stops() {
    let store: Arc<dyn ReviewStore> = Arc::new(EmbeddedReviewStore::in_memory().expect("store"));
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(analytics::run_daily(Arc::clone(&store), shutdown));
    let yesterday = analytics::today().pred_opt().expect("yesterday");
    let mut last = None;
    for _ in 0..100 {
        last = store.last_aggregated_day().await.expect("last");
        if last.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(last, Some(yesterday));
    stop.send(true).expect("send");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops promptly")
        .expect("no panic");
}

#[cfg(feature = "dynamodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn historical_analytics_on_dynamodb() {
    let moto = crate::support::Moto::start();
    let store = moto.store("reviews-analytics").await;
    suite(Arc::new(store)).await;
}
