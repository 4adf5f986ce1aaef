//! The DynamoDB table as data: its keys, its indexes and what they project, the
//! attribute DynamoDB expires items by, and the stream the functions are triggered
//! by. The DynamoDB store creates its table from these (`create_table`), and the
//! deployment module `deploy/aws` declares the same table, which the integration
//! tests hold to this file. Plain constants, no AWS SDK: both can read them.

/// The table's partition key (a string attribute).
pub const PARTITION_KEY: &str = "pk";

/// The table's sort key (a string attribute).
pub const SORT_KEY: &str = "sk";

/// The sort key of every index (a string attribute).
pub const INDEX_SORT_KEY: &str = "time_sk";

/// The global secondary indexes and their partition keys (string attributes), all
/// sparse, all sorted by [`INDEX_SORT_KEY`]: review `LATEST` items carry the first
/// five (`<created_at>#<review_id>`), pending event items `by_pending`
/// (`<due_at>#<event_id>`: received, or deferred to after a failed attempt;
/// finishing an event removes it), and version items `by_day` (`day_pk` =
/// `DAY#<YYYY-MM-DD>` of `updated_at`, `<updated_at>#<review_id>#<version>`), which
/// the daily aggregation reads.
pub const INDEXES: [(&str, &str); 7] = [
    ("by_time", "all_pk"),
    ("by_repository", "repo_pk"),
    ("by_stack", "stack_pk"),
    ("by_status", "status_pk"),
    ("by_risk", "risk_pk"),
    ("by_pending", "pending_pk"),
    ("by_day", "day_pk"),
];

/// What every index carries besides its keys (projection `INCLUDE`): lists need the
/// summary and the filter attributes, pending events their envelope and attempt
/// count.
pub const PROJECTED: [&str; 7] = [
    "summary",
    "repository",
    "stack",
    "status",
    "risk_level",
    "envelope",
    "attempts",
];

/// The number attribute (epoch seconds) a finished event is given, a week ahead:
/// the table's time-to-live attribute. Nothing else carries it.
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// The records of the table's stream: keys only. The AI reviewer reads a new
/// item's keys (`llm::review_ids_to_review`), the event processor nothing but the
/// wake-up, and the triggers' filters match on the event name and the keys.
pub const STREAM_VIEW_TYPE: &str = "KEYS_ONLY";
