//! The daily aggregation job: stores each day's aggregates once the day is over —
//! on a schedule in the local server ([`run_daily`]), from the `aggregator` function
//! on Lambda, and for a range of past days on request ([`backfill`], behind
//! `reviewgate aggregate`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use tokio::sync::watch;

use super::compute::compute_day;
use super::fold::VersionFilter;
use crate::model::Scope;
use crate::store::{ReviewStore, StoreError};

/// When the daily job runs (UTC): late enough that yesterday is over everywhere the
/// clocks of writers might drift, as the EventBridge rule `cron(0 2 * * ? *)`.
const DAILY_RUN_AT: NaiveTime = match NaiveTime::from_hms_opt(2, 0, 0) {
    Some(t) => t,
    None => panic!("02:00 is a valid time"),
};
/// How long the daily job waits after a failed day before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(10 * 60);

/// What aggregating days can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// Reading versions or writing aggregates failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Only days that are over are aggregated: a stored aggregate of a day still in
    /// progress would hide the versions written after it.
    #[error("{0} is not over yet (UTC); only past days are aggregated")]
    DayNotOver(NaiveDate),
    /// `from` after `to`.
    #[error("the range {from} to {to} is empty")]
    EmptyRange {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
}

/// What aggregating one day did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayOutcome {
    /// The day.
    pub day: NaiveDate,
    /// Versions folded.
    pub versions: u64,
    /// Aggregates stored (global, repositories, stacks).
    pub scopes: usize,
}

/// Computes and stores the aggregates of `day`, replacing any stored before (so
/// running a day twice leaves the same aggregates). `today` is the current UTC date:
/// only earlier days are aggregated.
pub async fn aggregate_day(
    store: &dyn ReviewStore,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<DayOutcome, AnalyticsError> {
    if day >= today {
        return Err(AnalyticsError::DayNotOver(day));
    }
    let started = std::time::Instant::now();
    let scopes = compute_day(store, day, &VersionFilter::default()).await?;
    store.put_daily_aggregates(day, &scopes).await?;
    let outcome = DayOutcome {
        day,
        versions: scopes.get(&Scope::Global).map_or(0, |s| s.versions),
        scopes: scopes.len(),
    };
    tracing::info!(
        day = %day,
        versions = outcome.versions,
        scopes = outcome.scopes,
        duration_ms = started.elapsed().as_millis() as u64,
        "day aggregated"
    );
    Ok(outcome)
}

/// Aggregates every day from `from` to `to` (inclusive), oldest first; stops at the
/// first failure.
pub async fn backfill(
    store: &dyn ReviewStore,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<DayOutcome>, AnalyticsError> {
    if from > to {
        return Err(AnalyticsError::EmptyRange { from, to });
    }
    if to >= today {
        return Err(AnalyticsError::DayNotOver(to));
    }
    let mut outcomes = Vec::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        outcomes.push(aggregate_day(store, day, today).await?);
    }
    Ok(outcomes)
}

/// Aggregates the days after the last stored aggregate up to yesterday (only
/// yesterday when none is stored: history is the backfill command's job). Stops
/// early when `shutdown` turns true.
pub async fn catch_up(
    store: &dyn ReviewStore,
    today: NaiveDate,
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<DayOutcome>, AnalyticsError> {
    let Some(yesterday) = today.pred_opt() else {
        return Ok(Vec::new());
    };
    let first = match store.last_aggregated_day().await? {
        Some(last) => match last.succ_opt() {
            Some(next) => next,
            None => return Ok(Vec::new()),
        },
        None => yesterday,
    };
    let mut outcomes = Vec::new();
    for day in first.iter_days().take_while(|d| *d <= yesterday) {
        if *shutdown.borrow() {
            break;
        }
        outcomes.push(aggregate_day(store, day, today).await?);
    }
    Ok(outcomes)
}

/// How long from `now` until the next daily run (02:00 UTC, strictly later).
pub fn until_next_run(now: DateTime<Utc>) -> Duration {
    let today_run = now.date_naive().and_time(DAILY_RUN_AT).and_utc();
    let next = if today_run > now {
        today_run
    } else {
        today_run + chrono::Duration::days(1)
    };
    (next - now).to_std().unwrap_or(Duration::ZERO)
}

/// The local server's scheduler: catches up the days missed since the last stored
/// aggregate, then aggregates yesterday at 02:00 UTC every day (retrying a failed
/// day after ten minutes), until `shutdown` turns true or its sender is dropped.
pub async fn run_daily(store: Arc<dyn ReviewStore>, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = Utc::now();
        let wait = match catch_up(store.as_ref(), now.date_naive(), &shutdown).await {
            Ok(_) => until_next_run(Utc::now()),
            Err(e) => {
                tracing::error!(error = %e, "daily aggregation failed; retrying later");
                RETRY_AFTER
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_at_two_in_the_morning_utc() {
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .expect("time")
                .with_timezone(&Utc)
        };
        assert_eq!(
            until_next_run(at("2026-11-27T01:00:00Z")),
            Duration::from_secs(3600)
        );
        assert_eq!(
            until_next_run(at("2026-11-27T02:00:00Z")),
            Duration::from_secs(24 * 3600)
        );
        assert_eq!(
            until_next_run(at("2026-11-27T15:30:00Z")),
            Duration::from_secs(10 * 3600 + 30 * 60)
        );
    }
}
