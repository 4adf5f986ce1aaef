//! The versioned review store: one trait, a DynamoDB implementation for Lambda and an
//! embedded SQLite one for the local server, both held to one conformance suite
//! (`tests/backend/store.rs`).
//!
//! Versions are immutable. `create` writes version 1; `put_version` writes `n + 1`
//! only while `n` is still the latest (a conditional write), so two concurrent
//! updates cannot both win: the loser gets [`StoreError::VersionConflict`] and
//! re-reads ([`update_review`] does that for callers that can merge).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use reviewgate_ingress::event::EventEnvelope;

use crate::model::{ApiKeyRecord, DayStats, ReviewStatus, ReviewSummary, ReviewVersion, Scope};

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod embedded;
pub mod table;

/// What a store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` of a review id that exists.
    #[error("review {0} already exists")]
    AlreadyExists(String),
    /// `put_version` whose expected latest version is no longer the latest.
    #[error("review {review_id} is at version {actual:?}, not {expected}")]
    VersionConflict {
        /// The review.
        review_id: String,
        /// The version the writer based its change on.
        expected: u32,
        /// The latest version found, when known.
        actual: Option<u32>,
    },
    /// `put_version` on a review that does not exist.
    #[error("review {0} not found")]
    NotFound(String),
    /// The review is too large to store even compressed and split.
    #[error("review is too large to store: {0} bytes compressed")]
    TooLarge(usize),
    /// A cursor that this store did not issue.
    #[error("invalid cursor")]
    InvalidCursor,
    /// The backing service is throttling or unreachable; retrying later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data that cannot be read back (corruption or an incompatible writer).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Anything else from the backing database.
    #[error("store error: {0}")]
    Backend(String),
}

/// Filters and page of `GET /api/reviews`, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewQuery {
    /// `owner/repo`.
    pub repository: Option<String>,
    /// Stack.
    pub stack: Option<String>,
    /// Workflow status.
    pub status: Option<ReviewStatus>,
    /// `low` … `critical`.
    pub risk_level: Option<String>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Page size (1–100).
    pub limit: usize,
    /// Opaque cursor from the previous page.
    pub cursor: Option<String>,
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Storage for reviews and API keys.
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Writes version 1 of a new review. Fails with `AlreadyExists` if the id is taken.
    async fn create(&self, version: &ReviewVersion) -> Result<(), StoreError>;
    /// Writes `version.version` (= n + 1) if version n is still the latest, else
    /// `VersionConflict`. Never modifies an existing version.
    async fn put_version(&self, version: &ReviewVersion) -> Result<(), StoreError>;
    /// The latest version.
    async fn get_latest(&self, review_id: &str) -> Result<Option<ReviewVersion>, StoreError>;
    /// A given version.
    async fn get_version(
        &self,
        review_id: &str,
        version: u32,
    ) -> Result<Option<ReviewVersion>, StoreError>;
    /// Every version's summary, ascending.
    async fn list_versions(&self, review_id: &str) -> Result<Vec<ReviewSummary>, StoreError>;
    /// Latest versions matching the query, newest review first.
    async fn list_reviews(&self, query: &ReviewQuery) -> Result<Page<ReviewSummary>, StoreError>;
    /// Stores an API key's hash.
    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    /// Looks an API key up by its hash.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Stores a verified event as pending, keyed by its id, before intake answers
    /// 2xx — so an acknowledged event survives a crash. `false` when the id was
    /// already recorded (a redelivery), which leaves the first copy untouched.
    async fn accept_event(&self, envelope: &EventEnvelope) -> Result<bool, StoreError>;
    /// Whether an event with this id was accepted before: intake asks before the
    /// rate limits, so a redelivery is answered `duplicate` without counting.
    /// ([`ReviewStore::accept_event`] stays the check that holds under races.)
    async fn event_recorded(&self, event_id: &str) -> Result<bool, StoreError>;
    /// Up to `limit` accepted events not yet finished that are due — never deferred,
    /// or deferred to a time now past — the longest due first.
    async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError>;
    /// Records a failed attempt at a pending event: it stays pending, is not due
    /// before `retry_at`, and keeps `reason` for inspection. Returns the failed
    /// attempts so far (0 when the event is not pending: finished meanwhile).
    /// Kept in the store, not in memory, so that a process that restarts — or a
    /// Lambda invocation — continues the count and the backoff.
    async fn defer_event(
        &self,
        event_id: &str,
        reason: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<u32, StoreError>;
    /// Marks an event finished with its outcome; it is never returned as pending
    /// again. Finishing an event twice keeps the first outcome.
    async fn finish_event(&self, event_id: &str, outcome: &EventOutcome) -> Result<(), StoreError>;
    /// The summaries of the versions written (`updated_at`) on `day` (UTC), a page
    /// of at most `limit` at a time in write order; pass `next_cursor` back for the
    /// next page.
    async fn versions_written(
        &self,
        day: NaiveDate,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ReviewSummary>, StoreError>;
    /// The summaries of the given versions (`(review_id, version)`), in the order
    /// asked; `None` where a version does not exist.
    async fn version_summaries(
        &self,
        keys: &[(String, u32)],
    ) -> Result<Vec<Option<ReviewSummary>>, StoreError>;
    /// Replaces every aggregate of `day` with `aggregates` (scopes not in it are
    /// removed) and records the day as aggregated — last, so that a day counts as
    /// aggregated only once its aggregates are all written.
    async fn put_daily_aggregates(
        &self,
        day: NaiveDate,
        aggregates: &BTreeMap<Scope, DayStats>,
    ) -> Result<(), StoreError>;
    /// The days from `from` to `to` (inclusive) recorded as aggregated, ascending.
    async fn aggregated_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, StoreError>;
    /// The latest day recorded as aggregated.
    async fn last_aggregated_day(&self) -> Result<Option<NaiveDate>, StoreError>;
    /// The stored aggregates of the days from `from` to `to` (inclusive): of one
    /// scope, or of every scope when `scope` is `None`; by day, ascending.
    async fn daily_aggregates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        scope: Option<&Scope>,
    ) -> Result<Vec<(NaiveDate, Scope, DayStats)>, StoreError>;
}

/// An accepted event waiting to be processed.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingEvent {
    /// The event.
    pub envelope: EventEnvelope,
    /// Failed attempts so far ([`ReviewStore::defer_event`]).
    pub attempts: u32,
}

/// How processing an accepted event ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EventOutcome {
    /// A review version was written (or had already been written for this event).
    Reviewed {
        /// The review.
        review_id: String,
        /// The version written for this event.
        version: u32,
    },
    /// Nothing to review (e.g. a PR without infrastructure changes), with why.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Processing failed for good (not retryable), with why.
    Failed {
        /// Why.
        reason: String,
    },
}

/// How many times [`update_review`] re-reads after losing a race before giving up.
pub const UPDATE_ATTEMPTS: usize = 50;

/// Reads the latest version, applies `change`, and writes it as the next version,
/// re-reading and re-applying when another writer got there first. `expected`
/// pins the version the caller saw (`If-Match`): then a conflict is returned, not
/// retried, because the caller's change was based on what it saw.
pub async fn update_review<F>(
    store: &dyn ReviewStore,
    review_id: &str,
    expected: Option<u32>,
    author: &str,
    mut change: F,
) -> Result<ReviewVersion, StoreError>
where
    F: FnMut(&mut ReviewVersion) + Send,
{
    for attempt in 0..UPDATE_ATTEMPTS {
        let latest = store
            .get_latest(review_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(review_id.to_owned()))?;
        if let Some(expected) = expected
            && latest.version != expected
        {
            return Err(StoreError::VersionConflict {
                review_id: review_id.to_owned(),
                expected,
                actual: Some(latest.version),
            });
        }
        let mut next = latest.next(author, Utc::now());
        change(&mut next);
        match store.put_version(&next).await {
            Ok(()) => return Ok(next),
            Err(StoreError::VersionConflict { .. }) if expected.is_none() => {
                // Someone else wrote n + 1 in between: re-read and re-apply on top,
                // after a jittered backoff so that many writers do not retry in step.
                let ceiling_ms = 5u64 << attempt.min(5);
                let jitter = getrandom::u64().unwrap_or(attempt as u64) % ceiling_ms;
                tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::VersionConflict {
        review_id: review_id.to_owned(),
        expected: expected.unwrap_or(0),
        actual: None,
    })
}

/// A version's body as stored: gzip of its JSON. Findings compress ~10–20× (rule
/// titles, addresses and paths repeat), which keeps most reviews in one item.
pub(crate) fn encode_body(version: &ReviewVersion) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(version).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .map_err(|e| StoreError::Backend(e.to_string()))
}

/// Inverse of [`encode_body`].
pub(crate) fn decode_body(bytes: &[u8]) -> Result<ReviewVersion, StoreError> {
    let mut json = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A UTC day as stored in keys: `YYYY-MM-DD` (text order is day order).
pub(crate) fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Inverse of [`day_key`].
pub(crate) fn parse_day_key(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("day `{text}`: {e}")))
}

/// An aggregate as stored: JSON of its statistics.
pub(crate) fn stats_json(stats: &DayStats) -> Result<String, StoreError> {
    serde_json::to_string(stats).map_err(|e| StoreError::Backend(e.to_string()))
}

/// Inverse of [`stats_json`].
pub(crate) fn parse_stats(text: &str) -> Result<DayStats, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Clamps a requested page size to what the API allows.
pub fn page_size(requested: usize) -> usize {
    requested.clamp(1, 100)
}

/// Checks that `version` is a well-formed successor and returns the version it
/// replaces (what the conditional write expects to be the latest).
pub(crate) fn expected_previous(version: &ReviewVersion) -> Result<u32, StoreError> {
    let previous = version
        .version
        .checked_sub(1)
        .filter(|p| *p >= 1)
        .ok_or_else(|| StoreError::Backend("put_version writes version 2 or later".into()))?;
    let expected_id = ReviewVersion::version_id(&version.review_id, previous);
    if version.previous_version_id.as_deref() != Some(expected_id.as_str()) {
        return Err(StoreError::Backend(format!(
            "previous_version_id must be {expected_id}"
        )));
    }
    Ok(previous)
}
