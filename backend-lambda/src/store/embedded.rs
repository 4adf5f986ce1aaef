//! The embedded store: one SQLite file (bundled SQLite, WAL journal), for the local
//! server and single-machine deployments. It survives restarts; every call runs on
//! tokio's blocking pool because SQLite calls block.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use reviewgate_ingress::event::EventEnvelope;

use super::{
    EventOutcome, Page, PendingEvent, ReviewQuery, ReviewStore, StoreError, day_key, decode_body,
    encode_body, page_size, parse_day_key, parse_stats, stats_json,
};
use crate::model::{ApiKeyRecord, DayStats, ReviewSummary, ReviewVersion, Scope};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS review_versions (
    review_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body BLOB NOT NULL,
    summary TEXT NOT NULL,
    -- When the version was written (fixed-width RFC 3339): the daily aggregation
    -- reads versions by day. Added after the first release; see `migrate`.
    updated_at TEXT,
    PRIMARY KEY (review_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reviews (
    review_id TEXT PRIMARY KEY,
    latest INTEGER NOT NULL,
    repository TEXT,
    stack TEXT,
    status TEXT NOT NULL,
    risk_level TEXT,
    created_at TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_time ON reviews (created_at DESC, review_id DESC);
CREATE INDEX IF NOT EXISTS reviews_by_repository ON reviews (repository, created_at DESC);
CREATE INDEX IF NOT EXISTS reviews_by_stack ON reviews (stack, created_at DESC);
CREATE INDEX IF NOT EXISTS reviews_by_status_risk ON reviews (status, risk_level, created_at DESC);
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    envelope TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS events_pending ON events (received_at) WHERE finished_at IS NULL;
CREATE INDEX IF NOT EXISTS events_finished ON events (finished_at) WHERE finished_at IS NOT NULL;
-- Failed attempts at pending events (a table of its own, so databases written
-- before it need no migration); a row goes when its event is finished.
CREATE TABLE IF NOT EXISTS event_retries (
    event_id TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    last_error TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS daily_aggregates (
    day TEXT NOT NULL,
    scope TEXT NOT NULL,
    stats TEXT NOT NULL,
    PRIMARY KEY (day, scope)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aggregated_days (
    day TEXT PRIMARY KEY,
    computed_at TEXT NOT NULL
);
";

/// Finished events are kept this long, so a redelivery within it is still known as
/// one: providers redeliver for days (GitHub up to 3 days on request).
const FINISHED_EVENT_RETENTION_DAYS: i64 = 7;

/// Reviews in a SQLite file.
#[derive(Clone)]
pub struct EmbeddedReviewStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for EmbeddedReviewStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedReviewStore")
            .finish_non_exhaustive()
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(code, _)
            if matches!(
                code.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        other => StoreError::Backend(other.to_string()),
    }
}

/// Timestamps as fixed-width RFC 3339 text, so that text order is time order.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn summary_json(summary: &ReviewSummary) -> Result<String, StoreError> {
    serde_json::to_string(summary).map_err(|e| StoreError::Backend(e.to_string()))
}

fn parse_summary(text: &str) -> Result<ReviewSummary, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Brings a database written by an earlier release up to this schema: versions get
/// their `updated_at` column, filled from their summaries (the same instant; its
/// text may be shorter, which only matters for order within a second), and the
/// covering index the daily aggregation reads by.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_updated_at = conn
        .prepare("SELECT 1 FROM pragma_table_info('review_versions') WHERE name = 'updated_at'")
        .and_then(|mut statement| statement.exists([]))
        .map_err(backend)?;
    if !has_updated_at {
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE review_versions ADD COLUMN updated_at TEXT;
             UPDATE review_versions SET updated_at = json_extract(summary, '$.updated_at');
             COMMIT;",
        )
        .map_err(backend)?;
    }
    // The index carries the summary so that reading a day's versions never touches
    // their bodies, which come first in each row and run to kilobytes.
    conn.execute_batch(
        "DROP INDEX IF EXISTS review_versions_by_update;
         CREATE INDEX IF NOT EXISTS review_versions_by_day
             ON review_versions (updated_at, review_id, version, summary);",
    )
    .map_err(backend)
}

impl EmbeddedReviewStore {
    /// Opens (creating if needed) the database file.
    pub fn open(path: &Path) -> Result<EmbeddedReviewStore, StoreError> {
        let conn = Connection::open(path).map_err(backend)?;
        Self::init(conn)
    }

    /// An in-memory database (tests and throwaway servers).
    pub fn in_memory() -> Result<EmbeddedReviewStore, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> Result<EmbeddedReviewStore, StoreError> {
        // WAL: readers do not block the writer. FULL: every commit is fsynced before
        // it returns, so an event answered 2xx survives power loss, not just a crash of
        // the process (NORMAL syncs the WAL only at checkpoints, and loses the last
        // transactions to a power cut — acknowledged deliveries the sender will not
        // send again).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        migrate(&conn)?;
        Ok(EmbeddedReviewStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Writes versions made elsewhere as they are — restoring an export, or a
    /// benchmark's synthetic history — in one transaction. Each version must be new
    /// (`AlreadyExists` otherwise, and nothing is written); each review's pointer
    /// ends at the highest version given.
    pub async fn import(&self, versions: Vec<ReviewVersion>) -> Result<(), StoreError> {
        let rows = versions
            .iter()
            .map(|v| {
                let summary = v.summary();
                Ok((
                    v.review_id.clone(),
                    v.version,
                    encode_body(v)?,
                    summary_json(&summary)?,
                    summary,
                    timestamp(v.created_at),
                    timestamp(v.updated_at),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO review_versions \
                         (review_id, version, body, summary, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .map_err(backend)?;
                let mut pointer = tx
                    .prepare_cached(
                        "INSERT INTO reviews (review_id, latest, repository, stack, status, risk_level, created_at, summary)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                         ON CONFLICT (review_id) DO UPDATE SET latest = excluded.latest,
                             status = excluded.status, risk_level = excluded.risk_level,
                             summary = excluded.summary
                         WHERE excluded.latest > reviews.latest",
                    )
                    .map_err(backend)?;
                for (review_id, version, body, summary_text, summary, created_at, updated_at) in
                    &rows
                {
                    if insert
                        .execute(params![review_id, version, body, summary_text, updated_at])
                        .map_err(backend)?
                        == 0
                    {
                        // Dropping the transaction rolls back what was written.
                        return Err(StoreError::AlreadyExists(ReviewVersion::version_id(
                            review_id, *version,
                        )));
                    }
                    pointer
                        .execute(params![
                            review_id,
                            version,
                            summary.repository,
                            summary.stack,
                            summary.status.as_str(),
                            summary.risk_level,
                            created_at,
                            summary_text
                        ])
                        .map_err(backend)?;
                }
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn with_conn<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Backend("connection lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("blocking task failed: {e}")))?
    }
}

fn encode_version_cursor(updated_at: &str, review_id: &str, version: u32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{updated_at}|{review_id}|{version}"))
}

fn decode_version_cursor(cursor: &str) -> Result<(String, String, u32), StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    let mut parts = text.splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(updated), Some(id), Some(version)) => Ok((
            updated.to_owned(),
            id.to_owned(),
            version.parse().map_err(|_| StoreError::InvalidCursor)?,
        )),
        _ => Err(StoreError::InvalidCursor),
    }
}

fn parse_scope(key: &str) -> Result<Scope, StoreError> {
    Scope::from_key(key).ok_or_else(|| StoreError::Corrupt(format!("aggregate scope `{key}`")))
}

fn encode_cursor(created_at: &str, review_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at}|{review_id}"))
}

fn decode_cursor(cursor: &str) -> Result<(String, String), StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    let (created, id) = text.split_once('|').ok_or(StoreError::InvalidCursor)?;
    Ok((created.to_owned(), id.to_owned()))
}

#[async_trait]
impl ReviewStore for EmbeddedReviewStore {
    async fn create(&self, version: &ReviewVersion) -> Result<(), StoreError> {
        if version.version != 1 {
            return Err(StoreError::Backend("create writes version 1".into()));
        }
        let body = encode_body(version)?;
        let summary = version.summary();
        let summary_text = summary_json(&summary)?;
        let review_id = version.review_id.clone();
        let created_at = timestamp(version.created_at);
        let updated_at = timestamp(version.updated_at);
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO reviews (review_id, latest, repository, stack, status, risk_level, created_at, summary)
                     VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        review_id,
                        summary.repository,
                        summary.stack,
                        summary.status.as_str(),
                        summary.risk_level,
                        created_at,
                        summary_text
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Err(StoreError::AlreadyExists(review_id));
            }
            tx.execute(
                "INSERT INTO review_versions (review_id, version, body, summary, updated_at) VALUES (?1, 1, ?2, ?3, ?4)",
                params![review_id, body, summary_text, updated_at],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn put_version(&self, version: &ReviewVersion) -> Result<(), StoreError> {
        let expected = super::expected_previous(version)?;
        let body = encode_body(version)?;
        let summary = version.summary();
        let summary_text = summary_json(&summary)?;
        let review_id = version.review_id.clone();
        let new_version = version.version;
        let updated_at = timestamp(version.updated_at);
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            // The conditional write: only the writer that saw the latest version moves it.
            let updated = tx
                .execute(
                    "UPDATE reviews SET latest = ?2, status = ?3, risk_level = ?4, summary = ?5
                     WHERE review_id = ?1 AND latest = ?6",
                    params![
                        review_id,
                        new_version,
                        summary.status.as_str(),
                        summary.risk_level,
                        summary_text,
                        expected
                    ],
                )
                .map_err(backend)?;
            if updated == 0 {
                let actual: Option<u32> = tx
                    .query_row(
                        "SELECT latest FROM reviews WHERE review_id = ?1",
                        params![review_id],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                return Err(match actual {
                    None => StoreError::NotFound(review_id),
                    Some(actual) => StoreError::VersionConflict {
                        review_id,
                        expected,
                        actual: Some(actual),
                    },
                });
            }
            tx.execute(
                "INSERT INTO review_versions (review_id, version, body, summary, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![review_id, new_version, body, summary_text, updated_at],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn get_latest(&self, review_id: &str) -> Result<Option<ReviewVersion>, StoreError> {
        let review_id = review_id.to_owned();
        let body: Option<Vec<u8>> = self
            .with_conn(move |conn| {
                conn.query_row(
                    "SELECT v.body FROM reviews r JOIN review_versions v
                       ON v.review_id = r.review_id AND v.version = r.latest
                     WHERE r.review_id = ?1",
                    params![review_id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)
            })
            .await?;
        body.map(|b| decode_body(&b)).transpose()
    }

    async fn get_version(
        &self,
        review_id: &str,
        version: u32,
    ) -> Result<Option<ReviewVersion>, StoreError> {
        let review_id = review_id.to_owned();
        let body: Option<Vec<u8>> = self
            .with_conn(move |conn| {
                conn.query_row(
                    "SELECT body FROM review_versions WHERE review_id = ?1 AND version = ?2",
                    params![review_id, version],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)
            })
            .await?;
        body.map(|b| decode_body(&b)).transpose()
    }

    async fn list_versions(&self, review_id: &str) -> Result<Vec<ReviewSummary>, StoreError> {
        let review_id = review_id.to_owned();
        self.with_conn(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT summary FROM review_versions WHERE review_id = ?1 ORDER BY version ASC",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![review_id], |row| row.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(|t| parse_summary(&t)))
                .collect()
        })
        .await
    }

    async fn list_reviews(&self, query: &ReviewQuery) -> Result<Page<ReviewSummary>, StoreError> {
        let limit = page_size(query.limit);
        let cursor = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let query = query.clone();
        self.with_conn(move |conn| {
            let mut sql =
                String::from("SELECT summary, created_at, review_id FROM reviews WHERE 1 = 1");
            let mut args: Vec<rusqlite::types::Value> = Vec::new();
            let mut push = |clause: &str, value: String| {
                args.push(rusqlite::types::Value::Text(value));
                sql.push_str(&format!(" AND {clause} ?{}", args.len()));
            };
            if let Some(r) = &query.repository {
                push("repository =", r.clone());
            }
            if let Some(s) = &query.stack {
                push("stack =", s.clone());
            }
            if let Some(s) = query.status {
                push("status =", s.as_str().to_owned());
            }
            if let Some(r) = &query.risk_level {
                push("risk_level =", r.clone());
            }
            if let Some(from) = query.from {
                push("created_at >=", timestamp(from));
            }
            if let Some(to) = query.to {
                push("created_at <", timestamp(to));
            }
            if let Some((created, id)) = &cursor {
                args.push(rusqlite::types::Value::Text(created.clone()));
                args.push(rusqlite::types::Value::Text(id.clone()));
                sql.push_str(&format!(
                    " AND (created_at, review_id) < (?{}, ?{})",
                    args.len() - 1,
                    args.len()
                ));
            }
            sql.push_str(&format!(
                " ORDER BY created_at DESC, review_id DESC LIMIT {}",
                limit + 1
            ));
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args), |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .map_err(backend)?;
            let mut items = Vec::new();
            let mut last = None;
            let mut more = false;
            for row in rows {
                let (summary, created, id) = row.map_err(backend)?;
                if items.len() == limit {
                    more = true;
                    break;
                }
                items.push(parse_summary(&summary)?);
                last = Some((created, id));
            }
            let next_cursor = match (more, last) {
                (true, Some((created, id))) => Some(encode_cursor(&created, &id)),
                _ => None,
            };
            Ok(Page { items, next_cursor })
        })
        .await
    }

    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        let key = key.clone();
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (key_hash, name, created_at) VALUES (?1, ?2, ?3)",
                params![key.key_hash, key.name, timestamp(key.created_at)],
            )
            .map_err(backend)
            .map(drop)
        })
        .await
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let key_hash = key_hash.to_owned();
        self.with_conn(move |conn| {
            conn.query_row(
                "SELECT name, created_at FROM api_keys WHERE key_hash = ?1",
                params![key_hash],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(backend)?
            .map(|(name, created)| {
                let created_at = DateTime::parse_from_rfc3339(&created)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?
                    .with_timezone(&Utc);
                Ok(ApiKeyRecord {
                    key_hash,
                    name,
                    created_at,
                })
            })
            .transpose()
        })
        .await
    }

    async fn accept_event(&self, envelope: &EventEnvelope) -> Result<bool, StoreError> {
        let text =
            serde_json::to_string(envelope).map_err(|e| StoreError::Backend(e.to_string()))?;
        let event_id = envelope.id.clone();
        self.with_conn(move |conn| {
            let inserted = conn
                .execute(
                    "INSERT OR IGNORE INTO events (event_id, received_at, envelope) VALUES (?1, ?2, ?3)",
                    params![event_id, timestamp(Utc::now()), text],
                )
                .map_err(backend)?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn event_recorded(&self, event_id: &str) -> Result<bool, StoreError> {
        let event_id = event_id.to_owned();
        self.with_conn(move |conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM events WHERE event_id = ?1)",
                params![event_id],
                |row| row.get::<_, bool>(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        self.with_conn(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT e.envelope, COALESCE(r.attempts, 0) FROM events e \
                     LEFT JOIN event_retries r ON r.event_id = e.event_id \
                     WHERE e.finished_at IS NULL AND (r.due_at IS NULL OR r.due_at <= ?2) \
                     ORDER BY COALESCE(r.due_at, e.received_at), e.event_id LIMIT ?1",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map(
                    params![
                        i64::try_from(limit).unwrap_or(i64::MAX),
                        timestamp(Utc::now())
                    ],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?)),
                )
                .map_err(backend)?;
            rows.map(|row| {
                let (text, attempts) = row.map_err(backend)?;
                Ok(PendingEvent {
                    envelope: serde_json::from_str(&text)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    attempts,
                })
            })
            .collect()
        })
        .await
    }

    async fn defer_event(
        &self,
        event_id: &str,
        reason: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let (event_id, reason) = (event_id.to_owned(), reason.to_owned());
        self.with_conn(move |conn| {
            conn.query_row(
                "INSERT INTO event_retries (event_id, attempts, due_at, last_error) \
                 SELECT ?1, 1, ?2, ?3 WHERE EXISTS \
                     (SELECT 1 FROM events WHERE event_id = ?1 AND finished_at IS NULL) \
                 ON CONFLICT (event_id) DO UPDATE SET attempts = attempts + 1, \
                     due_at = excluded.due_at, last_error = excluded.last_error \
                 RETURNING attempts",
                params![event_id, timestamp(retry_at), reason],
                |row| row.get::<_, u32>(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(backend)
        })
        .await
    }

    async fn finish_event(&self, event_id: &str, outcome: &EventOutcome) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        let outcome =
            serde_json::to_string(outcome).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.with_conn(move |conn| {
            let now = Utc::now();
            let transaction = conn.transaction().map_err(backend)?;
            transaction
                .execute(
                    "UPDATE events SET finished_at = ?2, outcome = ?3 \
                     WHERE event_id = ?1 AND finished_at IS NULL",
                    params![event_id, timestamp(now), outcome],
                )
                .map_err(backend)?;
            transaction
                .execute(
                    "DELETE FROM event_retries WHERE event_id = ?1",
                    params![event_id],
                )
                .map_err(backend)?;
            // Expiry rides on the write path: no sweeper to schedule, and the index
            // keeps it to the rows actually expiring.
            transaction
                .execute(
                    "DELETE FROM events WHERE finished_at IS NOT NULL AND finished_at < ?1",
                    params![timestamp(
                        now - chrono::Duration::days(FINISHED_EVENT_RETENTION_DAYS)
                    )],
                )
                .map_err(backend)?;
            transaction.commit().map_err(backend)
        })
        .await
    }
    async fn versions_written(
        &self,
        day: NaiveDate,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ReviewSummary>, StoreError> {
        let limit = limit.max(1);
        let cursor = cursor.map(decode_version_cursor).transpose()?;
        let start = day_key(day);
        let end = day
            .succ_opt()
            .map(day_key)
            .ok_or_else(|| StoreError::Backend(format!("no day after {day}")))?;
        self.with_conn(move |conn| {
            // One lower bound only — the cursor, or the bare date, which every RFC 3339
            // time of `day` sorts after — so that the index range starts there (given
            // both a date and a row-value bound, SQLite may start from the weaker one
            // and walk every earlier version on each page).
            const SQL: &str = "SELECT summary, updated_at, review_id, version
                 FROM review_versions
                 WHERE (updated_at, review_id, version) > (?1, ?2, ?3) AND updated_at < ?4
                 ORDER BY updated_at, review_id, version
                 LIMIT ?5";
            let (after_time, after_id, after_version) =
                cursor.unwrap_or_else(|| (start, String::new(), 0));
            let mut statement = conn.prepare_cached(SQL).map_err(backend)?;
            let rows = statement
                .query_map(
                    params![
                        after_time,
                        after_id,
                        after_version,
                        end,
                        i64::try_from(limit + 1).unwrap_or(i64::MAX)
                    ],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, u32>(3)?,
                        ))
                    },
                )
                .map_err(backend)?;
            let mut items = Vec::new();
            let mut last = None;
            let mut more = false;
            for row in rows {
                let (summary, updated, id, version) = row.map_err(backend)?;
                if items.len() == limit {
                    more = true;
                    break;
                }
                items.push(parse_summary(&summary)?);
                last = Some((updated, id, version));
            }
            let next_cursor = match (more, last) {
                (true, Some((updated, id, version))) => {
                    Some(encode_version_cursor(&updated, &id, version))
                }
                _ => None,
            };
            Ok(Page { items, next_cursor })
        })
        .await
    }

    async fn version_summaries(
        &self,
        keys: &[(String, u32)],
    ) -> Result<Vec<Option<ReviewSummary>>, StoreError> {
        let keys = keys.to_vec();
        self.with_conn(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT summary FROM review_versions WHERE review_id = ?1 AND version = ?2",
                )
                .map_err(backend)?;
            keys.iter()
                .map(|(review_id, version)| {
                    statement
                        .query_row(params![review_id, version], |row| row.get::<_, String>(0))
                        .optional()
                        .map_err(backend)?
                        .map(|text| parse_summary(&text))
                        .transpose()
                })
                .collect()
        })
        .await
    }

    async fn put_daily_aggregates(
        &self,
        day: NaiveDate,
        aggregates: &BTreeMap<Scope, DayStats>,
    ) -> Result<(), StoreError> {
        let rows = aggregates
            .iter()
            .map(|(scope, stats)| Ok((scope.key(), stats_json(stats)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let day = day_key(day);
        self.with_conn(move |conn| {
            // One transaction: readers see the old day or the new one, never a mix.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            tx.execute("DELETE FROM daily_aggregates WHERE day = ?1", params![day])
                .map_err(backend)?;
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO daily_aggregates (day, scope, stats) VALUES (?1, ?2, ?3)",
                    )
                    .map_err(backend)?;
                for (scope, stats) in &rows {
                    insert
                        .execute(params![day, scope, stats])
                        .map_err(backend)?;
                }
            }
            tx.execute(
                "INSERT INTO aggregated_days (day, computed_at) VALUES (?1, ?2)
                 ON CONFLICT (day) DO UPDATE SET computed_at = excluded.computed_at",
                params![day, timestamp(Utc::now())],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn aggregated_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, StoreError> {
        let (from, to) = (day_key(from), day_key(to));
        self.with_conn(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT day FROM aggregated_days WHERE day BETWEEN ?1 AND ?2 ORDER BY day",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map(params![from, to], |row| row.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|row| parse_day_key(&row.map_err(backend)?))
                .collect()
        })
        .await
    }

    async fn last_aggregated_day(&self) -> Result<Option<NaiveDate>, StoreError> {
        self.with_conn(|conn| {
            conn.query_row("SELECT MAX(day) FROM aggregated_days", [], |row| {
                row.get::<_, Option<String>>(0)
            })
            .map_err(backend)?
            .map(|day| parse_day_key(&day))
            .transpose()
        })
        .await
    }

    async fn daily_aggregates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        scope: Option<&Scope>,
    ) -> Result<Vec<(NaiveDate, Scope, DayStats)>, StoreError> {
        let (from, to) = (day_key(from), day_key(to));
        let scope = scope.map(Scope::key);
        self.with_conn(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT day, scope, stats FROM daily_aggregates
                     WHERE day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR scope = ?3)
                     ORDER BY day, scope",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map(params![from, to, scope], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (day, scope, stats) = row.map_err(backend)?;
                Ok((
                    parse_day_key(&day)?,
                    parse_scope(&scope)?,
                    parse_stats(&stats)?,
                ))
            })
            .collect()
        })
        .await
    }
}

#[cfg(test)]
mod durability_tests {
    use super::*;

    #[test]
    fn every_commit_is_fsynced_so_an_accepted_event_survives_power_loss() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = EmbeddedReviewStore::open(&dir.path().join("reviews.db")).expect("opens");
        let conn = store.conn.lock().expect("the connection");
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("the setting");
        assert_eq!(synchronous, 2, "PRAGMA synchronous = FULL");
        let journal: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("the mode");
        assert_eq!(journal, "wal");
    }
}
