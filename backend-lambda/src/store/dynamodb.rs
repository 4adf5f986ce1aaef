//! The DynamoDB store: one table, immutable version items, a `LATEST` pointer item
//! per review carrying the sparse GSI keys, every create and update one
//! `TransactWriteItems` request. The key design is in ARCHITECTURE.md.
//!
//! Written for real DynamoDB limits, not what moto happens to accept: items stay
//! under 400 KB (bodies are gzip-compressed and split into chunk items written in
//! the same transaction), transactions stay under 100 items and 4 MB, query
//! results are paged (1 MB per response), and reads that must see the last write
//! are strongly consistent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, DeleteRequest, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, KeysAndAttributes, Projection,
    ProjectionType, Put, PutRequest, ScalarAttributeType, TransactWriteItem, WriteRequest,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use reviewgate_ingress::event::EventEnvelope;

use super::table::{INDEX_SORT_KEY, PARTITION_KEY, PROJECTED, SORT_KEY, TTL_ATTRIBUTE};
use super::{
    EventOutcome, Page, PendingEvent, ReviewQuery, ReviewStore, StoreError, day_key, decode_body,
    encode_body, expected_previous, page_size, parse_day_key, parse_stats, stats_json,
};
use crate::model::{ApiKeyRecord, DayStats, ReviewSummary, ReviewVersion, Scope};

/// DynamoDB's item size limit is 400 KB including attribute names; a chunk of 350 KB
/// leaves room for the keys and the summary.
const CHUNK_BYTES: usize = 350 * 1024;
/// TransactWriteItems takes at most 100 items and 4 MB in total; 10 chunks of 350 KB
/// plus the version and pointer items stay under both.
const MAX_CHUNKS: usize = 10;
/// Finished events are kept for a week (a TTL attribute set when they finish, never
/// while pending): providers redeliver for days.
const FINISHED_EVENT_TTL_SECONDS: i64 = 7 * 24 * 3600;
/// The `pending_pk` of every accepted, unfinished event. One partition is enough:
/// at the edge's global limit (10,000 events/min) it takes about 330 index writes/s,
/// a third of one partition's 1,000.
const PENDING_EVENTS: &str = "EVENTS#PENDING";

/// The partition of the day markers: one item per aggregated day, sort key the day.
const AGGREGATED_DAYS: &str = "AGG#DAYS";
/// BatchWriteItem takes at most 25 requests.
const BATCH_WRITE_ITEMS: usize = 25;
/// BatchGetItem takes at most 100 keys.
const BATCH_GET_KEYS: usize = 100;
/// How many times a batch is re-sent with what DynamoDB left unprocessed (it does
/// under throttling) before giving up as unavailable.
const BATCH_ATTEMPTS: u32 = 8;

pub use super::table::INDEXES;

/// Requests sent to DynamoDB, by operation (counted at the HTTP layer, retries included).
#[derive(Debug, Default)]
pub struct RequestCounts {
    /// `TransactWriteItems`, `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`.
    pub writes: AtomicU64,
    /// `GetItem`, `Query`, `Scan`, `BatchGetItem`.
    pub reads: AtomicU64,
}

#[derive(Debug)]
struct CountRequests(Arc<RequestCounts>);

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "CountRequests"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default();
        let counter = if matches!(
            operation,
            "TransactWriteItems" | "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem"
        ) {
            &self.0.writes
        } else {
            &self.0.reads
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Reviews in a DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoDbReviewStore {
    client: Client,
    table: String,
    counts: Arc<RequestCounts>,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn review_pk(review_id: &str) -> String {
    format!("REVIEW#{review_id}")
}

/// Zero-padded so that the sort key orders versions numerically.
fn version_sk(version: u32) -> String {
    format!("VERSION#{version:010}")
}

fn aggregate_pk(day: NaiveDate) -> String {
    format!("AGG#{}", day_key(day))
}

/// Pauses before re-sending what a batch left unprocessed: exponential, from 50 ms.
async fn batch_backoff(attempt: u32) {
    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(6))).await;
}

fn chunk_sk(version: u32, index: usize) -> String {
    format!("CHUNK#{version:010}#{index:03}")
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A version item's `by_day` keys: `DAY#<YYYY-MM-DD>` of `updated_at`, and
/// `<updated_at>#<review_id>#<version>` so that a day's versions sort in write order.
fn by_day_keys(version: &ReviewVersion) -> (String, String) {
    (
        format!("DAY#{}", day_key(version.updated_at.date_naive())),
        format!(
            "{}#{}#{:010}",
            timestamp(version.updated_at),
            version.review_id,
            version.version
        ),
    )
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(|e| StoreError::Backend(e.to_string()))
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| StoreError::Backend(e.to_string()))
}

/// Every index is `<hash>` + `time_sk`.
fn index_key_schema(hash: &str) -> Result<Vec<KeySchemaElement>, StoreError> {
    Ok(vec![
        key_element(hash, KeyType::Hash)?,
        key_element(INDEX_SORT_KEY, KeyType::Range)?,
    ])
}

/// The attributes the store reads through `index`: an index that lacks one must
/// be rebuilt; one that lacks only others' attributes is left as it is.
fn read_through(index: &str) -> &'static [&'static str] {
    match index {
        "by_pending" => &["envelope", "attempts"],
        "by_day" => &["summary"],
        // The list indexes: the summary, and what list filters compare.
        _ => &["summary", "repository", "stack", "status", "risk_level"],
    }
}

fn index_projection() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::Include)
        .set_non_key_attributes(Some(PROJECTED.iter().map(|a| (*a).to_owned()).collect()))
        .build()
}

/// What [`DynamoDbReviewStore::migrate_table`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Indexes the table lacked.
    pub created_indexes: Vec<String>,
    /// Indexes that projected too little, deleted and created again.
    pub recreated_indexes: Vec<String>,
    /// Versions written before `by_day` existed, given its keys.
    pub backfilled_versions: usize,
}

/// How long one index may take to build or go away: DynamoDB backfills a new
/// index from the whole table.
const INDEX_WAIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Maps an SDK error: throttling and transport failures are retryable
/// (`Unavailable`), the rest are backend errors. Messages carry no request data.
fn sdk_error<E: ProvideErrorMetadata + std::fmt::Debug>(
    e: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    let code = e.code().map(str::to_owned);
    match (&e, code.as_deref()) {
        (
            _,
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable",
            ),
        )
        | (SdkError::TimeoutError(_) | SdkError::DispatchFailure(_), _) => {
            StoreError::Unavailable(code.unwrap_or_else(|| "unreachable".into()))
        }
        _ => StoreError::Backend(format!(
            "{}: {}",
            code.as_deref().unwrap_or("error"),
            e.message().unwrap_or("no message")
        )),
    }
}

fn get_s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Corrupt(format!("item lacks string attribute {name}")))
}

/// A string attribute holding JSON (summaries, envelopes), parsed.
fn get_json<T: serde::de::DeserializeOwned>(
    item: &HashMap<String, AttributeValue>,
    name: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(get_s(item, name)?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn get_n(item: &HashMap<String, AttributeValue>, name: &str) -> Result<u64, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("item lacks number attribute {name}")))
}

/// An event item's failed attempts.
fn attempt_count(item: &HashMap<String, AttributeValue>) -> Result<u32, StoreError> {
    let count = get_n(item, "attempts")?;
    u32::try_from(count).map_err(|_| StoreError::Corrupt(format!("attempts {count}")))
}

impl DynamoDbReviewStore {
    /// A store over `table`, counting the requests it sends.
    pub fn new(config: &aws_config::SdkConfig, table: impl Into<String>) -> DynamoDbReviewStore {
        let counts = Arc::new(RequestCounts::default());
        let dynamo_config = aws_sdk_dynamodb::config::Builder::from(config)
            .interceptor(CountRequests(Arc::clone(&counts)))
            .build();
        DynamoDbReviewStore {
            client: Client::from_conf(dynamo_config),
            table: table.into(),
            counts,
        }
    }

    /// Requests sent so far (for the benchmark and the one-write-per-change test).
    pub fn request_counts(&self) -> &RequestCounts {
        &self.counts
    }

    /// Creates the table with its indexes (on-demand billing) and waits until it is
    /// active (see [`Self::migrate_table`] for a table created by an earlier release). Deployments create it from infrastructure code; tests and the local
    /// `cargo lambda watch` route use this.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let mut request = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key_element(SORT_KEY, KeyType::Range)?)
            .attribute_definitions(string_attribute(PARTITION_KEY)?)
            .attribute_definitions(string_attribute(SORT_KEY)?)
            .attribute_definitions(string_attribute(INDEX_SORT_KEY)?);
        for (index, hash) in INDEXES {
            request = request
                .attribute_definitions(string_attribute(hash)?)
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index)
                        .set_key_schema(Some(index_key_schema(hash)?))
                        .projection(index_projection())
                        .build()
                        .map_err(|e| StoreError::Backend(e.to_string()))?,
                );
        }
        request.send().await.map_err(sdk_error)?;
        for _ in 0..120 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(sdk_error)?;
            if described
                .table()
                .and_then(|t| t.table_status())
                .is_some_and(|s| s.as_str() == "ACTIVE")
            {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Err(StoreError::Unavailable(
            "table did not become active".into(),
        ))
    }

    /// Brings a table created by an earlier release up to this one, idempotently
    /// (a second run changes nothing):
    /// - creates the indexes it lacks (`by_pending`, `by_day`), one at a time as
    ///   DynamoDB requires, each waited for until active;
    /// - deletes and creates again an index whose projection lacks an attribute
    ///   the store reads through it (`attempts` on `by_pending`): projections
    ///   cannot be changed in place. Queries on that index fail while it is
    ///   rebuilt; indexes that lack only what they are not read for are kept;
    /// - gives versions written before `by_day` existed its keys, read from the
    ///   version itself, so daily aggregation and `versions_written` see them.
    pub async fn migrate_table(&self) -> Result<Migration, StoreError> {
        let mut migration = Migration::default();
        let described = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(sdk_error)?;
        let existing: HashMap<String, Vec<String>> = described
            .table()
            .map(|t| t.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .filter_map(|index| {
                let projected = index
                    .projection()
                    .map(|p| p.non_key_attributes().to_vec())
                    .unwrap_or_default();
                Some((index.index_name()?.to_owned(), projected))
            })
            .collect();
        for (index, hash) in INDEXES {
            match existing.get(index) {
                None => {
                    self.create_index(index, hash).await?;
                    migration.created_indexes.push(index.to_owned());
                }
                Some(projected)
                    if read_through(index)
                        .iter()
                        .any(|a| !projected.iter().any(|p| p == a)) =>
                {
                    tracing::warn!(index, "rebuilding an index whose projection is too narrow");
                    self.delete_index(index).await?;
                    self.create_index(index, hash).await?;
                    migration.recreated_indexes.push(index.to_owned());
                }
                Some(_) => {}
            }
        }
        migration.backfilled_versions = self.backfill_by_day().await?;
        Ok(migration)
    }

    async fn create_index(&self, index: &str, hash: &str) -> Result<(), StoreError> {
        let create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(index)
            .set_key_schema(Some(index_key_schema(hash)?))
            .projection(index_projection())
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.client
            .update_table()
            .table_name(&self.table)
            .attribute_definitions(string_attribute(hash)?)
            .attribute_definitions(string_attribute(INDEX_SORT_KEY)?)
            .global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder().create(create).build(),
            )
            .send()
            .await
            .map_err(sdk_error)?;
        self.wait_for_index(index, true).await
    }

    async fn delete_index(&self, index: &str) -> Result<(), StoreError> {
        let delete = DeleteGlobalSecondaryIndexAction::builder()
            .index_name(index)
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.client
            .update_table()
            .table_name(&self.table)
            .global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder().delete(delete).build(),
            )
            .send()
            .await
            .map_err(sdk_error)?;
        self.wait_for_index(index, false).await
    }

    /// Polls until `index` is active (`present`) or gone, and the table with it.
    async fn wait_for_index(&self, index: &str, present: bool) -> Result<(), StoreError> {
        let deadline = std::time::Instant::now() + INDEX_WAIT;
        loop {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(sdk_error)?;
            let table = described.table();
            let status = table
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default()
                .iter()
                .find(|i| i.index_name() == Some(index))
                .and_then(|i| i.index_status())
                .map(|s| s.as_str().to_owned());
            let table_active = table
                .and_then(|t| t.table_status())
                .is_some_and(|s| s.as_str() == "ACTIVE");
            let done = match (&status, present) {
                (Some(s), true) => s == "ACTIVE",
                (None, false) => true,
                _ => false,
            };
            if done && table_active {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(StoreError::Unavailable(format!(
                    "index {index} is still {} after {} minutes",
                    status.as_deref().unwrap_or("absent"),
                    INDEX_WAIT.as_secs() / 60
                )));
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    }

    /// Gives every version item without `day_pk` its `by_day` keys; returns how many.
    async fn backfill_by_day(&self) -> Result<usize, StoreError> {
        let mut backfilled = 0;
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(sk, :version) AND attribute_not_exists(day_pk)")
                .expression_attribute_values(":version", s("VERSION#"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                let version = self.read_version_item(item).await?;
                let (day_pk, time_sk) = by_day_keys(&version);
                let updated = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", s(get_s(item, "pk")?))
                    .key("sk", s(get_s(item, "sk")?))
                    .update_expression("SET day_pk = :day, time_sk = :time")
                    // Never create an item, and leave one a writer keyed meanwhile.
                    .condition_expression("attribute_exists(pk) AND attribute_not_exists(day_pk)")
                    .expression_attribute_values(":day", s(day_pk))
                    .expression_attribute_values(":time", s(time_sk))
                    .send()
                    .await;
                match updated {
                    Ok(_) => backfilled += 1,
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(sdk_error(e)),
                }
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(backfilled);
            }
        }
    }

    /// The transaction items that write one version: the version item and its
    /// chunk items (each new, so conditioned on not existing).
    fn version_puts(&self, version: &ReviewVersion) -> Result<Vec<TransactWriteItem>, StoreError> {
        let body = encode_body(version)?;
        let pk = review_pk(&version.review_id);
        let summary = serde_json::to_string(&version.summary())
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut item = HashMap::from([
            ("pk".to_owned(), s(&pk)),
            ("sk".to_owned(), s(version_sk(version.version))),
            ("version".to_owned(), n(version.version)),
            ("summary".to_owned(), s(summary)),
        ]);
        // The by_day index: the versions written on a day, in write order.
        let (day_pk, time_sk) = by_day_keys(version);
        item.insert("day_pk".to_owned(), s(day_pk));
        item.insert("time_sk".to_owned(), s(time_sk));
        let mut puts = Vec::new();
        if body.len() <= CHUNK_BYTES {
            item.insert("body".into(), AttributeValue::B(Blob::new(body)));
        } else {
            let chunks: Vec<&[u8]> = body.chunks(CHUNK_BYTES).collect();
            if chunks.len() > MAX_CHUNKS {
                return Err(StoreError::TooLarge(body.len()));
            }
            item.insert("chunks".into(), n(chunks.len()));
            for (index, chunk) in chunks.into_iter().enumerate() {
                puts.push(self.put_new(HashMap::from([
                    ("pk".to_owned(), s(&pk)),
                    ("sk".to_owned(), s(chunk_sk(version.version, index))),
                    ("data".to_owned(), AttributeValue::B(Blob::new(chunk))),
                ]))?);
            }
        }
        puts.insert(0, self.put_new(item)?);
        Ok(puts)
    }

    fn put_new(
        &self,
        item: HashMap<String, AttributeValue>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The `LATEST` pointer item with the sparse index keys of the current state.
    fn latest_item(
        &self,
        version: &ReviewVersion,
    ) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let summary = version.summary();
        let created = timestamp(version.created_at);
        let mut item = HashMap::from([
            ("pk".to_owned(), s(review_pk(&version.review_id))),
            ("sk".to_owned(), s("LATEST")),
            ("version".to_owned(), n(version.version)),
            ("created_at".to_owned(), s(&created)),
            (
                "time_sk".to_owned(),
                s(format!("{created}#{}", version.review_id)),
            ),
            ("all_pk".to_owned(), s("ALL")),
            ("status".to_owned(), s(summary.status.as_str())),
            (
                "status_pk".to_owned(),
                s(format!("STATUS#{}", summary.status.as_str())),
            ),
            (
                "summary".to_owned(),
                s(serde_json::to_string(&summary)
                    .map_err(|e| StoreError::Backend(e.to_string()))?),
            ),
        ]);
        if let Some(repository) = &summary.repository {
            item.insert("repository".into(), s(repository));
            item.insert("repo_pk".into(), s(format!("REPO#{repository}")));
        }
        if let Some(stack) = &summary.stack {
            item.insert("stack".into(), s(stack));
            item.insert("stack_pk".into(), s(format!("STACK#{stack}")));
        }
        if let Some(level) = &summary.risk_level {
            item.insert("risk_level".into(), s(level));
            item.insert("risk_pk".into(), s(format!("RISK#{level}")));
        }
        Ok(item)
    }

    /// Sends write requests in batches of 25, re-sending what DynamoDB leaves
    /// unprocessed (throttling) with backoff.
    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(BATCH_WRITE_ITEMS) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                pending = output
                    .unprocessed_items()
                    .and_then(|unprocessed| unprocessed.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
                if !pending.is_empty() {
                    attempt += 1;
                    if attempt >= BATCH_ATTEMPTS {
                        return Err(StoreError::Unavailable(
                            "BatchWriteItem kept leaving items unprocessed".into(),
                        ));
                    }
                    batch_backoff(attempt).await;
                }
            }
        }
        Ok(())
    }

    /// Reads items by key in batches of 100 (strongly consistent, `projection`
    /// only), re-asking for what DynamoDB leaves unprocessed. Keys must be distinct:
    /// BatchGetItem refuses duplicates.
    async fn batch_get(
        &self,
        keys: Vec<HashMap<String, AttributeValue>>,
        projection: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut items = Vec::new();
        for chunk in keys.chunks(BATCH_GET_KEYS) {
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .projection_expression(projection)
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let mut attempt = 0;
            loop {
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                if let Some(found) = output.responses().and_then(|r| r.get(&self.table)) {
                    items.extend(found.iter().cloned());
                }
                match output
                    .unprocessed_keys()
                    .and_then(|unprocessed| unprocessed.get(&self.table))
                    .filter(|left| !left.keys().is_empty())
                {
                    Some(left) => {
                        attempt += 1;
                        if attempt >= BATCH_ATTEMPTS {
                            return Err(StoreError::Unavailable(
                                "BatchGetItem kept leaving keys unprocessed".into(),
                            ));
                        }
                        request = left.clone();
                        batch_backoff(attempt).await;
                    }
                    None => break,
                }
            }
        }
        Ok(items)
    }

    /// Every item of a partition (paged, strongly consistent), with `projection`.
    async fn query_partition(
        &self,
        pk: &str,
        projection: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .projection_expression(projection)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            items.extend(page.items().iter().cloned());
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn write(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Option<Vec<Option<String>>>, StoreError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(None),
            Err(SdkError::ServiceError(e)) if e.err().is_transaction_canceled_exception() => {
                let reasons = match e.err() {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t) => t
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                Ok(Some(reasons))
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn read_version_item(
        &self,
        item: &HashMap<String, AttributeValue>,
    ) -> Result<ReviewVersion, StoreError> {
        if let Some(AttributeValue::B(body)) = item.get("body") {
            return decode_body(body.as_ref());
        }
        let chunks = get_n(item, "chunks")? as usize;
        let version = get_n(item, "version")? as u32;
        let pk = get_s(item, "pk")?.to_owned();
        let mut body = Vec::new();
        let mut found = 0;
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":prefix", s(format!("CHUNK#{version:010}#")))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for chunk in page.items() {
                if let Some(AttributeValue::B(data)) = chunk.get("data") {
                    body.extend_from_slice(data.as_ref());
                    found += 1;
                }
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                break;
            }
        }
        if found != chunks {
            return Err(StoreError::Corrupt(format!(
                "version {version} has {found} of {chunks} chunks"
            )));
        }
        decode_body(&body)
    }
}

fn encode_cursor(key: &HashMap<String, AttributeValue>) -> Result<String, StoreError> {
    let plain: HashMap<&str, &str> = key
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|v| (k.as_str(), v.as_str())))
        .collect();
    let json = serde_json::to_vec(&plain).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn decode_cursor(cursor: &str) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let json = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::InvalidCursor)?;
    let plain: HashMap<String, String> =
        serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor)?;
    Ok(plain.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[async_trait]
impl ReviewStore for DynamoDbReviewStore {
    async fn create(&self, version: &ReviewVersion) -> Result<(), StoreError> {
        if version.version != 1 {
            return Err(StoreError::Backend("create writes version 1".into()));
        }
        let mut items = vec![self.put_new(self.latest_item(version)?)?];
        items.extend(self.version_puts(version)?);
        match self.write(items).await? {
            None => Ok(()),
            Some(_) => Err(StoreError::AlreadyExists(version.review_id.clone())),
        }
    }

    async fn put_version(&self, version: &ReviewVersion) -> Result<(), StoreError> {
        let expected = expected_previous(version)?;
        let latest = Put::builder()
            .table_name(&self.table)
            .set_item(Some(self.latest_item(version)?))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(expected))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().put(latest).build()];
        items.extend(self.version_puts(version)?);
        let Some(reasons) = self.write(items).await? else {
            return Ok(());
        };
        if reasons
            .iter()
            .any(|r| r.as_deref() == Some("TransactionConflict"))
        {
            // Another transaction held the item: the same outcome as losing the race.
            return Err(StoreError::VersionConflict {
                review_id: version.review_id.clone(),
                expected,
                actual: None,
            });
        }
        // Only on the failure path: tell "no such review" from "someone moved on".
        let current = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(review_pk(&version.review_id)))
            .key("sk", s("LATEST"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        match current.item() {
            None => Err(StoreError::NotFound(version.review_id.clone())),
            Some(item) => Err(StoreError::VersionConflict {
                review_id: version.review_id.clone(),
                expected,
                actual: get_n(item, "version").ok().map(|v| v as u32),
            }),
        }
    }

    async fn get_latest(&self, review_id: &str) -> Result<Option<ReviewVersion>, StoreError> {
        // One strongly consistent query: the highest version item is the latest.
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(review_pk(review_id)))
            .expression_attribute_values(":prefix", s("VERSION#"))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        match page.items().first() {
            None => Ok(None),
            Some(item) => self.read_version_item(item).await.map(Some),
        }
    }

    async fn get_version(
        &self,
        review_id: &str,
        version: u32,
    ) -> Result<Option<ReviewVersion>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(review_pk(review_id)))
            .key("sk", s(version_sk(version)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        match found.item() {
            None => Ok(None),
            Some(item) => self.read_version_item(item).await.map(Some),
        }
    }

    async fn list_versions(&self, review_id: &str) -> Result<Vec<ReviewSummary>, StoreError> {
        let mut summaries = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(review_pk(review_id)))
                .expression_attribute_values(":prefix", s("VERSION#"))
                .projection_expression("summary")
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                summaries.push(get_json(item, "summary")?);
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(summaries);
            }
        }
    }

    async fn list_reviews(&self, query: &ReviewQuery) -> Result<Page<ReviewSummary>, StoreError> {
        let limit = page_size(query.limit);
        // The most selective index carries the key condition; the other filters are
        // filter expressions on the projected attributes.
        let (index, hash_attr, hash_value) = if let Some(r) = &query.repository {
            ("by_repository", "repo_pk", format!("REPO#{r}"))
        } else if let Some(st) = &query.stack {
            ("by_stack", "stack_pk", format!("STACK#{st}"))
        } else if let Some(r) = &query.risk_level {
            ("by_risk", "risk_pk", format!("RISK#{r}"))
        } else if let Some(st) = query.status {
            ("by_status", "status_pk", format!("STATUS#{}", st.as_str()))
        } else {
            ("by_time", "all_pk", "ALL".to_owned())
        };
        let mut key_condition = format!("{hash_attr} = :h");
        let mut values = HashMap::from([(":h".to_owned(), s(hash_value))]);
        // time_sk is "<created_at>#<id>": ">= from" includes `from`, "< to" excludes `to`.
        match (query.from, query.to) {
            (Some(from), Some(to)) => {
                key_condition.push_str(" AND time_sk BETWEEN :from AND :to");
                values.insert(":from".into(), s(timestamp(from)));
                values.insert(":to".into(), s(timestamp(to)));
            }
            (Some(from), None) => {
                key_condition.push_str(" AND time_sk >= :from");
                values.insert(":from".into(), s(timestamp(from)));
            }
            (None, Some(to)) => {
                key_condition.push_str(" AND time_sk < :to");
                values.insert(":to".into(), s(timestamp(to)));
            }
            (None, None) => {}
        }
        let mut filters = Vec::new();
        let mut names = HashMap::new();
        let mut filter = |attr: &str, value: String, used_by_index: bool| {
            if !used_by_index {
                let placeholder = format!(":f_{attr}");
                filters.push(format!("#{attr} = {placeholder}"));
                names.insert(format!("#{attr}"), attr.to_owned());
                values.insert(placeholder, s(value));
            }
        };
        if let Some(r) = &query.repository {
            filter("repository", r.clone(), index == "by_repository");
        }
        if let Some(st) = &query.stack {
            filter("stack", st.clone(), index == "by_stack");
        }
        if let Some(r) = &query.risk_level {
            filter("risk_level", r.clone(), index == "by_risk");
        }
        if let Some(st) = query.status {
            filter("status", st.as_str().to_owned(), index == "by_status");
        }
        let mut start = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let mut items = Vec::new();
        loop {
            let remaining = i32::try_from(limit - items.len()).unwrap_or(i32::MAX);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(&key_condition)
                .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
                .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(false)
                .limit(remaining)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| match sdk_error(e) {
                    // The only caller-controlled part of the request is the cursor.
                    StoreError::Backend(m)
                        if m.starts_with("ValidationException") && query.cursor.is_some() =>
                    {
                        StoreError::InvalidCursor
                    }
                    other => other,
                })?;
            for item in page.items() {
                items.push(get_json(item, "summary")?);
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() || items.len() >= limit {
                break;
            }
        }
        Ok(Page {
            items,
            next_cursor: start.as_ref().map(encode_cursor).transpose()?,
        })
    }

    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("APIKEY#{}", key.key_hash)))
            .item("sk", s("APIKEY"))
            .item("name", s(&key.name))
            .item("created_at", s(timestamp(key.created_at)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(sdk_error)
            .map(drop)
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("APIKEY#{key_hash}")))
            .key("sk", s("APIKEY"))
            .send()
            .await
            .map_err(sdk_error)?;
        let Some(item) = found.item() else {
            return Ok(None);
        };
        let created_at = DateTime::parse_from_rfc3339(get_s(item, "created_at")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .with_timezone(&Utc);
        Ok(Some(ApiKeyRecord {
            key_hash: key_hash.to_owned(),
            name: get_s(item, "name")?.to_owned(),
            created_at,
        }))
    }

    async fn accept_event(&self, envelope: &EventEnvelope) -> Result<bool, StoreError> {
        let now = Utc::now();
        let text =
            serde_json::to_string(envelope).map_err(|e| StoreError::Backend(e.to_string()))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("EVENT#{}", envelope.id)))
            .item("sk", s("EVENT"))
            .item("received_at", s(timestamp(now)))
            .item("envelope", s(text))
            .item("pending_pk", s(PENDING_EVENTS))
            .item("time_sk", s(format!("{}#{}", timestamp(now), envelope.id)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn event_recorded(&self, event_id: &str) -> Result<bool, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("EVENT#{event_id}")))
            .key("sk", s("EVENT"))
            .projection_expression("pk")
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(found.item.is_some())
    }

    async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        let mut events = Vec::new();
        let mut start = None;
        // Due means sorted before now: the sort key starts with the due time.
        let due_before = format!("{}#\u{10FFFF}", timestamp(Utc::now()));
        // Index reads are eventually consistent: an event accepted a moment ago may
        // show up on the next poll, and one just finished may show up once more —
        // processing is idempotent per event, so both are harmless.
        while events.len() < limit {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("by_pending")
                .key_condition_expression("pending_pk = :p AND time_sk < :due")
                .expression_attribute_values(":p", s(PENDING_EVENTS))
                .expression_attribute_values(":due", s(due_before.clone()))
                .scan_index_forward(true)
                .limit(i32::try_from(limit - events.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                // Absent until the first failed attempt.
                let attempts = if item.contains_key("attempts") {
                    attempt_count(item)?
                } else {
                    0
                };
                events.push(PendingEvent {
                    envelope: get_json(item, "envelope")?,
                    attempts,
                });
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                break;
            }
        }
        Ok(events)
    }

    async fn defer_event(
        &self,
        event_id: &str,
        reason: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("EVENT#{event_id}")))
            .key("sk", s("EVENT"))
            // Moving the sort key moves the event down the pending index.
            .update_expression("SET time_sk = :t, last_error = :e ADD attempts :one")
            .condition_expression("attribute_exists(pending_pk)")
            .expression_attribute_values(":t", s(format!("{}#{event_id}", timestamp(retry_at))))
            .expression_attribute_values(":e", s(reason))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => attempt_count(output.attributes().unwrap_or(&HashMap::new())),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(0)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn finish_event(&self, event_id: &str, outcome: &EventOutcome) -> Result<(), StoreError> {
        let now = Utc::now();
        let outcome =
            serde_json::to_string(outcome).map_err(|e| StoreError::Backend(e.to_string()))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("EVENT#{event_id}")))
            .key("sk", s("EVENT"))
            .update_expression(format!(
                "SET outcome = :o, finished_at = :f, {TTL_ATTRIBUTE} = :e REMOVE pending_pk"
            ))
            // Only the first finish counts; a second one (a redelivered message, a
            // sweeper racing the worker) leaves the first outcome in place.
            .condition_expression("attribute_exists(pending_pk)")
            .expression_attribute_values(":o", s(outcome))
            .expression_attribute_values(":f", s(timestamp(now)))
            .expression_attribute_values(":e", n(now.timestamp() + FINISHED_EVENT_TTL_SECONDS))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(sdk_error(e)),
        }
    }
    async fn versions_written(
        &self,
        day: NaiveDate,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ReviewSummary>, StoreError> {
        let start = cursor.map(decode_cursor).transpose()?;
        // Index reads are eventually consistent; the aggregator reads days that
        // ended hours ago, long after the index caught up.
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("by_day")
            .key_condition_expression("day_pk = :d")
            .expression_attribute_values(":d", s(format!("DAY#{}", day_key(day))))
            .scan_index_forward(true)
            .limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| match sdk_error(e) {
                StoreError::Backend(m)
                    if m.starts_with("ValidationException") && cursor.is_some() =>
                {
                    StoreError::InvalidCursor
                }
                other => other,
            })?;
        let items = page
            .items()
            .iter()
            .map(|item| get_json(item, "summary"))
            .collect::<Result<Vec<ReviewSummary>, StoreError>>()?;
        Ok(Page {
            items,
            next_cursor: page.last_evaluated_key().map(encode_cursor).transpose()?,
        })
    }

    async fn version_summaries(
        &self,
        keys: &[(String, u32)],
    ) -> Result<Vec<Option<ReviewSummary>>, StoreError> {
        let mut seen = HashSet::new();
        let distinct: Vec<HashMap<String, AttributeValue>> = keys
            .iter()
            .filter(|key| seen.insert(*key))
            .map(|(review_id, version)| {
                HashMap::from([
                    ("pk".to_owned(), s(review_pk(review_id))),
                    ("sk".to_owned(), s(version_sk(*version))),
                ])
            })
            .collect();
        let mut found: HashMap<(String, u32), ReviewSummary> = HashMap::new();
        for item in self.batch_get(distinct, "summary").await? {
            let summary: ReviewSummary = get_json(&item, "summary")?;
            found.insert((summary.review_id.clone(), summary.version), summary);
        }
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }

    async fn put_daily_aggregates(
        &self,
        day: NaiveDate,
        aggregates: &BTreeMap<Scope, DayStats>,
    ) -> Result<(), StoreError> {
        let pk = aggregate_pk(day);
        let computed_at = timestamp(Utc::now());
        let mut requests = Vec::new();
        let mut keep = HashSet::new();
        for (scope, stats) in aggregates {
            let sk = scope.key();
            let put = PutRequest::builder()
                .item("pk", s(&pk))
                .item("sk", s(&sk))
                .item("day_stats", s(stats_json(stats)?))
                .item("computed_at", s(&computed_at))
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            requests.push(WriteRequest::builder().put_request(put).build());
            keep.insert(sk);
        }
        // Scopes stored by an earlier run that this one no longer has are removed,
        // so that the day holds exactly this run's aggregates.
        for item in self.query_partition(&pk, "sk").await? {
            let sk = get_s(&item, "sk")?;
            if !keep.contains(sk) {
                let delete = DeleteRequest::builder()
                    .key("pk", s(&pk))
                    .key("sk", s(sk))
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                requests.push(WriteRequest::builder().delete_request(delete).build());
            }
        }
        self.batch_write(requests).await?;
        // The marker last: the day counts as aggregated once everything is written.
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(AGGREGATED_DAYS))
            .item("sk", s(day_key(day)))
            .item("computed_at", s(computed_at))
            .item("scopes", n(aggregates.len()))
            .send()
            .await
            .map_err(sdk_error)
            .map(drop)
    }

    async fn aggregated_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, StoreError> {
        let mut days = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(AGGREGATED_DAYS))
                .expression_attribute_values(":from", s(day_key(from)))
                .expression_attribute_values(":to", s(day_key(to)))
                .projection_expression("sk")
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                days.push(parse_day_key(get_s(item, "sk")?)?);
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(days);
            }
        }
    }

    async fn last_aggregated_day(&self) -> Result<Option<NaiveDate>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(AGGREGATED_DAYS))
            .projection_expression("sk")
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        page.items()
            .first()
            .map(|item| parse_day_key(get_s(item, "sk")?))
            .transpose()
    }

    async fn daily_aggregates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        scope: Option<&Scope>,
    ) -> Result<Vec<(NaiveDate, Scope, DayStats)>, StoreError> {
        let days = self.aggregated_days(from, to).await?;
        let items = match scope {
            // One scope: its item of each aggregated day, 100 keys per request.
            Some(scope) => {
                let sk = scope.key();
                let keys = days
                    .iter()
                    .map(|day| {
                        HashMap::from([
                            ("pk".to_owned(), s(aggregate_pk(*day))),
                            ("sk".to_owned(), s(&sk)),
                        ])
                    })
                    .collect();
                self.batch_get(keys, "pk, sk, day_stats").await?
            }
            // Every scope: one partition per day.
            None => {
                let mut items = Vec::new();
                for day in &days {
                    items.extend(
                        self.query_partition(&aggregate_pk(*day), "pk, sk, day_stats")
                            .await?,
                    );
                }
                items
            }
        };
        let mut aggregates = items
            .iter()
            .map(|item| {
                let pk = get_s(item, "pk")?;
                let day = parse_day_key(pk.strip_prefix("AGG#").unwrap_or(pk))?;
                let sk = get_s(item, "sk")?;
                let scope = Scope::from_key(sk)
                    .ok_or_else(|| StoreError::Corrupt(format!("aggregate scope `{sk}`")))?;
                Ok((day, scope, parse_stats(get_s(item, "day_stats")?)?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        aggregates.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(aggregates)
    }
}
