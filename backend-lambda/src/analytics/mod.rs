//! Historical analytics: review versions folded into daily aggregates (per
//! repository, per stack and global), the scheduled job that stores them, and the
//! reports of `GET /api/analytics/historical` (trends, patterns, correlations).
//!
//! The unit of observation is a **rules run**: version 1 of a review, or a later
//! version whose [`rules_run`](crate::model::ReviewVersion::rules_run) differs from
//! the version before it (a new push re-reviewed). Versions that only change the
//! workflow (status, notes, the AI review, closing a pull request) are counted as
//! versions but observe nothing new, so a review edited ten times does not weigh ten
//! times in a trend. A rule *recurs* when a rules run finds it and the version before
//! (the previous run's findings) had it too.
//!
//! Every aggregate field is a count, a sum, a sum of squares or a maximum, so days
//! add up to weeks and ranges exactly, and the point-biserial correlation is computed
//! from those sums without keeping individual runs. The pieces, each in its file:
//!
//! - `fold.rs` — the pure fold of versions into [`DayStats`](crate::model::DayStats)
//!   per [`Scope`](crate::model::Scope) ([`DayAggregator`]);
//! - `compute.rs` — one day's statistics read from the store ([`compute_day`]);
//! - `job.rs` — the daily job that stores them, and the backfill ([`aggregate_day`],
//!   [`backfill`], [`run_daily`]);
//! - `report.rs` — the historical reports, from stored days where there are any
//!   ([`historical`]).
//!
//! This file keeps only the calendar they share: UTC days.

mod compute;
mod fold;
mod job;
mod report;

/// Days are chrono's dates (re-exported so that callers need not depend on chrono).
pub use chrono::NaiveDate;
use chrono::Utc;

pub use compute::compute_day;
pub use fold::{
    DayAggregator, HIGH_RISK_LEVELS, VersionFilter, aggregate_versions, is_rules_run, rule_category,
};
pub use job::{
    AnalyticsError, DayOutcome, aggregate_day, backfill, catch_up, run_daily, until_next_run,
};
pub use report::{
    CategoryCorrelation, CorrelationsReport, Granularity, HistoricalQuery, HistoricalReport,
    MAX_RANGE_DAYS, MIN_CORRELATION_SAMPLE, PatternsReport, RecurringRule, RepeatedIssues,
    ReportKind, ReportRange, RulePattern, Sources, TrendPoint, TrendsReport, historical,
    point_biserial,
};

/// Parses a day written `YYYY-MM-DD` — only that form (chrono alone would also
/// take `2026-1-5`).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text)
}

/// Today's date in UTC, the calendar of every aggregate.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}
