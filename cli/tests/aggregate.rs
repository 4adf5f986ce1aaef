//! `reviewgate aggregate` as an operator runs it: a backfill of past days on the
//! local server's data directory, read back from the store.

#![allow(missing_docs)]

use std::process::Command;

use reviewgate_backend::analytics::{self, NaiveDate};
use reviewgate_backend::model::Scope;
use reviewgate_backend::reviews::{NewReview, rules_version};
use reviewgate_backend::store::ReviewStore;
use reviewgate_backend::store::embedded::EmbeddedReviewStore;
use reviewgate_core::{Document, Origin};

const CHANGE: &str = r#"
resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

fn aggregate(data_dir: &std::path::Path, from: &str, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["aggregate", "--from", from, "--to", to, "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("run reviewgate aggregate")
}

#[test]
fn a_backfill_stores_each_day_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = EmbeddedReviewStore::open(&dir.path().join("reviews.db")).expect("open");
    let new = NewReview {
        documents: vec![Document::detect("main.tf", CHANGE)],
        origin: Origin::Local,
        repository: Some("acme/infra".into()),
        stack: None,
        config: Default::default(),
    };
    // 5 October 2026, 10:00 UTC (the CLI has no date crate of its own).
    let at = serde_json::from_str("\"2026-10-05T10:00:00Z\"").expect("time");
    let version = rules_version(&new, "tester", at);
    runtime.block_on(store.create(&version)).expect("create");
    drop(store);

    let output = aggregate(dir.path(), "2026-10-04", "2026-10-05");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        "2026-10-04: 0 versions, 0 aggregates\n2026-10-05: 1 versions, 2 aggregates\n"
    );
    // Again: the same aggregates, not twice as many.
    assert!(
        aggregate(dir.path(), "2026-10-05", "2026-10-05")
            .status
            .success()
    );

    let store = EmbeddedReviewStore::open(&dir.path().join("reviews.db")).expect("reopen");
    let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).expect("date");
    let days = runtime
        .block_on(store.aggregated_days(day(1), day(31)))
        .expect("days");
    assert_eq!(days, vec![day(4), day(5)]);
    let stored = runtime
        .block_on(store.daily_aggregates(day(5), day(5), None))
        .expect("aggregates");
    let scopes: Vec<&Scope> = stored.iter().map(|(_, scope, _)| scope).collect();
    assert_eq!(
        scopes,
        vec![&Scope::Global, &Scope::Repository("acme/infra".into())]
    );
    assert_eq!(stored[0].2.runs, 1);
    assert_eq!(stored[0].2.reviews, 1);

    // Today is not over: refused, nothing stored.
    let today = analytics::today().format("%Y-%m-%d").to_string();
    let output = aggregate(dir.path(), &today, &today);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not over yet"),
        "{output:?}"
    );
}

#[test]
fn a_missing_data_directory_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere");
    let output = aggregate(&missing, "2026-10-04", "2026-10-05");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no review database"),
        "{output:?}"
    );
    assert!(!missing.join("reviews.db").exists());
}
