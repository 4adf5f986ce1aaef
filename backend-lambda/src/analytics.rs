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
//! from those sums without keeping individual runs. The fold ([`DayAggregator`]) is
//! pure; [`compute_day`], [`aggregate_day`] and [`run_daily`] bring the store.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Days are chrono's dates (re-exported so that callers need not depend on chrono).
pub use chrono::NaiveDate;
use chrono::{DateTime, Datelike, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::ToSchema;

use crate::model::ReviewSummary;
use crate::store::{ReviewStore, StoreError};

/// Fewer scored rules runs than this and no correlation is reported: with a handful
/// of runs a correlation is noise, and a number would be read as a finding.
pub const MIN_CORRELATION_SAMPLE: u64 = 30;
/// The longest range one historical request may cover (a leap year).
pub const MAX_RANGE_DAYS: i64 = 366;
/// Risk levels counted as high risk.
pub const HIGH_RISK_LEVELS: [&str; 2] = ["high", "critical"];
/// Versions read per store request while folding a day.
const VERSION_PAGE: usize = 1000;
/// Reviews whose latest version of the day is kept while folding it (to find
/// previous versions without reads); beyond this many, the rest are read.
const LATEST_SEEN_CAP: usize = 200_000;
/// When the daily job runs (UTC): late enough that yesterday is over everywhere the
/// clocks of writers might drift, as the EventBridge rule `cron(0 2 * * ? *)`.
const DAILY_RUN_AT: NaiveTime = match NaiveTime::from_hms_opt(2, 0, 0) {
    Some(t) => t,
    None => panic!("02:00 is a valid time"),
};
/// How long the daily job waits after a failed day before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(10 * 60);
/// Entries in the rule lists of a patterns report.
const TOP_RULES: usize = 20;

/// What analytics can fail with.
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

/// What an aggregate is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every review.
    Global,
    /// Reviews of one `owner/repo`.
    Repository(String),
    /// Reviews of one stack.
    Stack(String),
}

impl Scope {
    /// The stored key: `GLOBAL`, `REPO#<owner/repo>`, `STACK#<stack>`.
    pub fn key(&self) -> String {
        match self {
            Scope::Global => "GLOBAL".to_owned(),
            Scope::Repository(r) => format!("REPO#{r}"),
            Scope::Stack(s) => format!("STACK#{s}"),
        }
    }

    /// Inverse of [`Scope::key`].
    pub fn from_key(key: &str) -> Option<Scope> {
        if key == "GLOBAL" {
            Some(Scope::Global)
        } else if let Some(r) = key.strip_prefix("REPO#") {
            Some(Scope::Repository(r.to_owned()))
        } else {
            key.strip_prefix("STACK#")
                .map(|s| Scope::Stack(s.to_owned()))
        }
    }
}

/// One scope's statistics for one UTC day. Every field adds up across days.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DayStats {
    /// Versions written.
    pub versions: u64,
    /// New reviews (versions 1).
    pub reviews: u64,
    /// Rules runs.
    pub runs: u64,
    /// Unsuppressed findings of the rules runs.
    pub findings: u64,
    /// Rules runs with a risk score.
    pub scored_runs: u64,
    /// Sum of their risk scores.
    pub risk_sum: u64,
    /// Sum of the squares of their risk scores (for the standard deviation).
    pub risk_sum_squares: u64,
    /// Highest risk score.
    pub risk_max: Option<u8>,
    /// Rules runs at a high or critical risk level.
    pub high_risk_runs: u64,
    /// Rules runs compared with a previous version (for recurrence rates).
    pub compared_runs: u64,
    /// Per rule id.
    pub rules: BTreeMap<String, RuleStats>,
    /// Per finding category, over the scored rules runs.
    pub categories: BTreeMap<String, CategoryStats>,
}

/// One rule's statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    /// Unsuppressed findings.
    pub findings: u64,
    /// Rules runs with at least one.
    pub runs: u64,
    /// Rules runs that found it again after the previous version had it.
    pub recurrences: u64,
}

/// One finding category's statistics over the scored rules runs that have it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryStats {
    /// Scored rules runs with at least one finding of the category.
    pub runs: u64,
    /// Sum of their risk scores.
    pub risk_sum: u64,
    /// Of them, runs at a high or critical risk level.
    pub high_risk_runs: u64,
}

impl DayStats {
    /// Adds `other` (another day, or the same day of another source) to this.
    pub fn merge(&mut self, other: &DayStats) {
        self.versions += other.versions;
        self.reviews += other.reviews;
        self.runs += other.runs;
        self.findings += other.findings;
        self.scored_runs += other.scored_runs;
        self.risk_sum += other.risk_sum;
        self.risk_sum_squares += other.risk_sum_squares;
        self.risk_max = self.risk_max.max(other.risk_max);
        self.high_risk_runs += other.high_risk_runs;
        self.compared_runs += other.compared_runs;
        for (rule, stats) in &other.rules {
            let mine = self.rules.entry(rule.clone()).or_default();
            mine.findings += stats.findings;
            mine.runs += stats.runs;
            mine.recurrences += stats.recurrences;
        }
        for (category, stats) in &other.categories {
            let mine = self.categories.entry(category.clone()).or_default();
            mine.runs += stats.runs;
            mine.risk_sum += stats.risk_sum;
            mine.high_risk_runs += stats.high_risk_runs;
        }
    }
}

/// The finding category of a rule id, from the catalog's id scheme (the core's
/// risk factors use the same split): `change-risk` (`RG-CHG-*`), `secrets`
/// (`RG-SECRET-*`), `suppression-hygiene` (`RG-SUPPRESS-*`), `aws-<service>` for the
/// misconfiguration rules (`RG-AWS-S3-*` → `aws-s3`: the catalog groups them by
/// service), `plugin` for policy-plugin rules (`<plugin>/<rule>`), else `other`.
pub fn rule_category(rule_id: &str) -> Cow<'static, str> {
    if rule_id.contains('/') {
        Cow::Borrowed("plugin")
    } else if rule_id.starts_with("RG-CHG-") {
        Cow::Borrowed("change-risk")
    } else if rule_id.starts_with("RG-SECRET-") {
        Cow::Borrowed("secrets")
    } else if rule_id.starts_with("RG-SUPPRESS-") {
        Cow::Borrowed("suppression-hygiene")
    } else if let Some(service) = rule_id
        .strip_prefix("RG-AWS-")
        .and_then(|rest| rest.split_once('-'))
        .map(|(service, _)| service)
        .filter(|s| !s.is_empty())
    {
        Cow::Owned(format!("aws-{}", service.to_ascii_lowercase()))
    } else {
        Cow::Borrowed("other")
    }
}

/// Which versions a fold takes: all, or those of a repository and/or a stack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionFilter {
    /// Only this `owner/repo`.
    pub repository: Option<String>,
    /// Only this stack.
    pub stack: Option<String>,
}

impl VersionFilter {
    fn matches(&self, version: &ReviewSummary) -> bool {
        self.repository
            .as_ref()
            .is_none_or(|r| version.repository.as_ref() == Some(r))
            && self
                .stack
                .as_ref()
                .is_none_or(|s| version.stack.as_ref() == Some(s))
    }
}

/// True when `version` is a new look at the change rather than an edit: version 1,
/// or a rules run id that differs from the previous version's. When that cannot be
/// told (the previous version is unreadable, or the versions predate the id), it is
/// counted as a run.
pub fn is_rules_run(version: &ReviewSummary, previous: Option<&ReviewSummary>) -> bool {
    if version.version <= 1 {
        return true;
    }
    match (previous, &version.rules_run) {
        (Some(previous), Some(run)) => previous.rules_run.as_ref() != Some(run),
        _ => true,
    }
}

/// Folds one day's versions into per-scope statistics: global, per repository and
/// per stack. Pure: the caller reads the versions (and each one's previous version,
/// for recurrence) and feeds them in any order.
#[derive(Clone, Debug, Default)]
pub struct DayAggregator {
    filter: VersionFilter,
    scopes: BTreeMap<Scope, DayStats>,
    /// Each rule id's category, as an index into `category_names`: a day has
    /// millions of findings and a few hundred distinct rules.
    category_of: HashMap<String, usize>,
    category_names: Vec<String>,
}

impl DayAggregator {
    /// An empty fold over the versions `filter` lets through.
    pub fn new(filter: VersionFilter) -> DayAggregator {
        DayAggregator {
            filter,
            ..DayAggregator::default()
        }
    }

    fn category_index(&mut self, rule: &str) -> usize {
        if let Some(index) = self.category_of.get(rule) {
            return *index;
        }
        let name = rule_category(rule);
        let index = match self.category_names.iter().position(|n| *n == name) {
            Some(index) => index,
            None => {
                self.category_names.push(name.into_owned());
                self.category_names.len() - 1
            }
        };
        self.category_of.insert(rule.to_owned(), index);
        index
    }

    /// Adds one version; `previous` is version `n - 1` of the same review, when
    /// there is one and it could be read.
    pub fn add(&mut self, version: &ReviewSummary, previous: Option<&ReviewSummary>) {
        if !self.filter.matches(version) {
            return;
        }
        let run = is_rules_run(version, previous);
        let recurring: Vec<&str> = match previous {
            Some(previous) if run && version.version > 1 => version
                .rule_counts
                .keys()
                .filter(|rule| previous.rule_counts.contains_key(*rule))
                .map(String::as_str)
                .collect(),
            _ => Vec::new(),
        };
        let compared = run && version.version > 1 && previous.is_some();
        let high = version
            .risk_level
            .as_deref()
            .is_some_and(|l| HIGH_RISK_LEVELS.contains(&l));
        let mut categories: Vec<usize> = Vec::new();
        if run && version.risk_score.is_some() {
            for rule in version.rule_counts.keys() {
                let index = self.category_index(rule);
                categories.push(index);
            }
            categories.sort_unstable();
            categories.dedup();
        }
        let category_names = &self.category_names;
        let fold = |stats: &mut DayStats| {
            stats.versions += 1;
            if version.version == 1 {
                stats.reviews += 1;
            }
            if !run {
                return;
            }
            stats.runs += 1;
            stats.high_risk_runs += u64::from(high);
            stats.compared_runs += u64::from(compared);
            for (rule, count) in &version.rule_counts {
                stats.findings += u64::from(*count);
                let entry = match stats.rules.get_mut(rule) {
                    Some(entry) => entry,
                    None => stats.rules.entry(rule.clone()).or_default(),
                };
                entry.findings += u64::from(*count);
                entry.runs += 1;
            }
            for rule in &recurring {
                if let Some(entry) = stats.rules.get_mut(*rule) {
                    entry.recurrences += 1;
                }
            }
            if let Some(score) = version.risk_score {
                let score64 = u64::from(score);
                stats.scored_runs += 1;
                stats.risk_sum += score64;
                stats.risk_sum_squares += score64 * score64;
                stats.risk_max = stats.risk_max.max(Some(score));
                for category in categories.iter().map(|i| &category_names[*i]) {
                    let entry = match stats.categories.get_mut(category) {
                        Some(entry) => entry,
                        None => stats.categories.entry(category.clone()).or_default(),
                    };
                    entry.runs += 1;
                    entry.risk_sum += score64;
                    entry.high_risk_runs += u64::from(high);
                }
            }
        };
        fold(self.scopes.entry(Scope::Global).or_default());
        for scope in [
            version.repository.as_ref().map(|r| (true, r)),
            version.stack.as_ref().map(|s| (false, s)),
        ]
        .into_iter()
        .flatten()
        {
            let key = match scope {
                (true, r) => Scope::Repository(r.clone()),
                (false, s) => Scope::Stack(s.clone()),
            };
            fold(self.scopes.entry(key).or_default());
        }
    }

    /// The statistics per scope (no entry for a scope without versions).
    pub fn finish(self) -> BTreeMap<Scope, DayStats> {
        self.scopes
    }
}

/// [`DayAggregator`] over pairs of (version, previous version).
pub fn aggregate_versions<'a, I>(filter: VersionFilter, versions: I) -> BTreeMap<Scope, DayStats>
where
    I: IntoIterator<Item = (&'a ReviewSummary, Option<&'a ReviewSummary>)>,
{
    let mut aggregator = DayAggregator::new(filter);
    for (version, previous) in versions {
        aggregator.add(version, previous);
    }
    aggregator.finish()
}

/// Reads the versions written on `day` (UTC) and folds them, with their previous
/// versions for recurrence: from the day itself when written earlier that day,
/// else read in one batch per page of versions.
pub async fn compute_day(
    store: &dyn ReviewStore,
    day: NaiveDate,
    filter: &VersionFilter,
) -> Result<BTreeMap<Scope, DayStats>, StoreError> {
    let mut fold = DayFold {
        aggregator: DayAggregator::new(filter.clone()),
        latest_seen: HashMap::new(),
    };
    let mut page = store.versions_written(day, None, VERSION_PAGE).await?;
    loop {
        let read = fold.read_unseen_previous(store, &page.items).await?;
        match page.next_cursor.take() {
            // The next page is read while this one is folded: the store works (on
            // its blocking thread, or over the network) while this task computes.
            Some(cursor) => {
                let (next, ()) = tokio::join!(
                    store.versions_written(day, Some(&cursor), VERSION_PAGE),
                    async { fold.add_page(page.items, read) },
                );
                page = next?;
            }
            None => {
                fold.add_page(page.items, read);
                return Ok(fold.aggregator.finish());
            }
        }
    }
}

/// [`compute_day`]'s state between pages.
struct DayFold {
    aggregator: DayAggregator,
    /// The latest version seen today of each review (up to [`LATEST_SEEN_CAP`]):
    /// versions come in write order, so most previous versions are here and need
    /// no read.
    latest_seen: HashMap<String, ReviewSummary>,
}

impl DayFold {
    /// Reads, in one request, the previous versions of the page's versions that
    /// neither an earlier page nor an earlier version of the page holds.
    async fn read_unseen_previous(
        &self,
        store: &dyn ReviewStore,
        items: &[ReviewSummary],
    ) -> Result<Vec<Option<ReviewSummary>>, StoreError> {
        let mut in_page: HashMap<&str, u32> = HashMap::new();
        let mut unseen = Vec::new();
        for (index, version) in items.iter().enumerate() {
            let id = version.review_id.as_str();
            let previous = version.version.saturating_sub(1);
            if version.version > 1
                && self.aggregator.filter.matches(version)
                && in_page.get(id) != Some(&previous)
                && self.latest_seen.get(id).map(|s| s.version) != Some(previous)
            {
                unseen.push(index);
            }
            in_page.insert(id, version.version);
        }
        let mut read = vec![None; items.len()];
        if unseen.is_empty() {
            return Ok(read);
        }
        let keys: Vec<(String, u32)> = unseen
            .iter()
            .map(|i| (items[*i].review_id.clone(), items[*i].version - 1))
            .collect();
        for (index, summary) in unseen
            .into_iter()
            .zip(store.version_summaries(&keys).await?)
        {
            read[index] = summary;
        }
        Ok(read)
    }

    /// Folds a page, in write order, each version with its previous one.
    fn add_page(&mut self, items: Vec<ReviewSummary>, read: Vec<Option<ReviewSummary>>) {
        // Versions of reviews beyond the cap, kept for the rest of this page only.
        let mut overflow: HashMap<String, ReviewSummary> = HashMap::new();
        for (version, read) in items.into_iter().zip(read) {
            {
                let previous = read.as_ref().or_else(|| {
                    self.latest_seen
                        .get(&version.review_id)
                        .or_else(|| overflow.get(&version.review_id))
                        .filter(|s| s.version + 1 == version.version)
                });
                self.aggregator.add(&version, previous);
            }
            if !self.aggregator.filter.matches(&version) {
                continue;
            }
            if let Some(seen) = self.latest_seen.get_mut(&version.review_id) {
                *seen = version;
            } else if self.latest_seen.len() < LATEST_SEEN_CAP {
                self.latest_seen.insert(version.review_id.clone(), version);
            } else {
                overflow.insert(version.review_id.clone(), version);
            }
        }
    }
}

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

/// `type=` of the historical endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Risk and findings per day or week.
    Trends,
    /// Frequent, repeated and recurring rules.
    Patterns,
    /// Finding categories against risk.
    Correlations,
}

/// Periods of a trends report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One point per UTC day.
    Day,
    /// One point per ISO week (Monday to Sunday), clipped to the range.
    Week,
}

/// A validated historical query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoricalQuery {
    /// What to report.
    pub kind: ReportKind,
    /// First day (UTC, inclusive).
    pub from: NaiveDate,
    /// Last day (UTC, inclusive).
    pub to: NaiveDate,
    /// Only this `owner/repo`.
    pub repository: Option<String>,
    /// Only this stack.
    pub stack: Option<String>,
    /// Trend periods.
    pub granularity: Granularity,
}

impl HistoricalQuery {
    fn filter(&self) -> VersionFilter {
        VersionFilter {
            repository: self.repository.clone(),
            stack: self.stack.clone(),
        }
    }

    /// The scope whose statistics the report is about. With both a repository and a
    /// stack, days are folded with both filters and `Global` is their intersection.
    fn selected(&self) -> Scope {
        match (&self.repository, &self.stack) {
            (Some(r), None) => Scope::Repository(r.clone()),
            (None, Some(s)) => Scope::Stack(s.clone()),
            _ => Scope::Global,
        }
    }

    /// Scopes listed as repositories and stacks in a patterns report: all of them
    /// without a filter, else the filtered ones.
    fn lists(&self, scope: &Scope) -> bool {
        match (scope, &self.repository, &self.stack) {
            (Scope::Global, _, _) => false,
            (_, None, None) => true,
            (Scope::Repository(r), Some(wanted), _) => r == wanted,
            (Scope::Stack(s), _, Some(wanted)) => s == wanted,
            _ => false,
        }
    }
}

/// Where a report's days came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Sources {
    /// Days read from stored daily aggregates.
    pub aggregated_days: u64,
    /// Days folded from the versions at request time (not aggregated yet, today, or
    /// a repository and a stack asked together).
    pub computed_days: u64,
}

/// What every report says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ReportRange {
    /// First day (UTC, inclusive).
    pub from: NaiveDate,
    /// Last day (UTC, inclusive).
    pub to: NaiveDate,
    /// The repository filter.
    pub repository: Option<String>,
    /// The stack filter.
    pub stack: Option<String>,
    /// Where the days came from.
    pub sources: Sources,
}

/// One period of a trends report.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period (inclusive).
    pub period_end: NaiveDate,
    /// New reviews.
    pub reviews: u64,
    /// Versions written (rules runs and edits).
    pub versions: u64,
    /// Rules runs.
    pub runs: u64,
    /// Unsuppressed findings of the rules runs.
    pub findings: u64,
    /// Mean risk score of the scored rules runs (none without any).
    pub risk_mean: Option<f64>,
    /// Highest risk score.
    pub risk_max: Option<u8>,
    /// Rules runs at a high or critical risk level.
    pub high_risk_runs: u64,
}

/// `type=trends`.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TrendsReport {
    /// Range, filters, sources.
    #[serde(flatten)]
    pub range: ReportRange,
    /// Day or week.
    pub granularity: Granularity,
    /// Every period of the range, oldest first (empty periods included).
    pub points: Vec<TrendPoint>,
}

/// A rule in a patterns report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RulePattern {
    /// Rule id.
    pub rule_id: String,
    /// Its category (see `rule_category`).
    pub category: String,
    /// Unsuppressed findings.
    pub findings: u64,
    /// Rules runs that found it.
    pub runs: u64,
}

/// A rule found again by the next rules run of the same review.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RecurringRule {
    /// Rule id.
    pub rule_id: String,
    /// Its category.
    pub category: String,
    /// Times a rules run found it after the previous version had it.
    pub recurrences: u64,
    /// `recurrences` over the rules runs compared with a previous version.
    pub recurrence_rate: f64,
}

/// Rules found in more than one rules run of a repository or stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RepeatedIssues {
    /// `repository` or `stack`.
    pub scope: String,
    /// The repository (`owner/repo`) or stack.
    pub name: String,
    /// Its rules runs in the range.
    pub runs: u64,
    /// Rules found in two runs or more, most runs first.
    pub rules: Vec<RulePattern>,
}

/// `type=patterns`.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PatternsReport {
    /// Range, filters, sources.
    #[serde(flatten)]
    pub range: ReportRange,
    /// Rules runs in the range.
    pub runs: u64,
    /// Rules runs compared with a previous version of their review.
    pub compared_runs: u64,
    /// The most frequent rules (most findings first, at most 20).
    pub top_rules: Vec<RulePattern>,
    /// Rules that recur across consecutive versions (most recurrences first, at most 20).
    pub recurring: Vec<RecurringRule>,
    /// Per repository and stack, the rules that keep coming back.
    pub repeated: Vec<RepeatedIssues>,
}

/// A finding category against risk.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CategoryCorrelation {
    /// The category.
    pub category: String,
    /// Scored rules runs with at least one finding of it.
    pub runs_with: u64,
    /// Mean risk of those runs (only with a sufficient sample).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_risk_with: Option<f64>,
    /// Mean risk of the other runs (only with a sufficient sample).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_risk_without: Option<f64>,
    /// Share of runs with it at a high or critical level (only with a sufficient sample).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_risk_share_with: Option<f64>,
    /// The point-biserial correlation, −1 to 1; absent below the minimum sample or
    /// when every run (or none) has the category, where it is undefined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_biserial: Option<f64>,
}

/// `type=correlations`.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CorrelationsReport {
    /// Range, filters, sources.
    #[serde(flatten)]
    pub range: ReportRange,
    /// `point_biserial`.
    pub statistic: String,
    /// What the statistic measures.
    pub description: String,
    /// Scored rules runs: the sample.
    pub sample_size: u64,
    /// Below this, no correlation is reported.
    pub minimum_sample_size: u64,
    /// `sample_size >= minimum_sample_size`.
    pub sufficient_sample: bool,
    /// Why numbers are missing, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Per category, strongest positive correlation first.
    pub categories: Vec<CategoryCorrelation>,
}

/// The answer of `GET /api/analytics/historical`, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HistoricalReport {
    /// Risk and findings per period.
    Trends(TrendsReport),
    /// Frequent, repeated and recurring rules.
    Patterns(PatternsReport),
    /// Categories against risk.
    Correlations(CorrelationsReport),
}

/// Per day of the range, the statistics per scope: stored aggregates where the day
/// has them, folded from the versions otherwise.
async fn days_of(
    store: &dyn ReviewStore,
    query: &HistoricalQuery,
) -> Result<(BTreeMap<NaiveDate, BTreeMap<Scope, DayStats>>, Sources), StoreError> {
    let filter = query.filter();
    // Aggregates are per repository or per stack, not per pair: both filters at
    // once are folded from the versions.
    let use_aggregates = !(query.repository.is_some() && query.stack.is_some());
    let aggregated: BTreeSet<NaiveDate> = if use_aggregates {
        store
            .aggregated_days(query.from, query.to)
            .await?
            .into_iter()
            .collect()
    } else {
        BTreeSet::new()
    };
    let mut days: BTreeMap<NaiveDate, BTreeMap<Scope, DayStats>> = BTreeMap::new();
    if !aggregated.is_empty() {
        let all_scopes = query.kind == ReportKind::Patterns
            && query.repository.is_none()
            && query.stack.is_none();
        let scope = (!all_scopes).then(|| query.selected());
        for (day, scope, stats) in store
            .daily_aggregates(query.from, query.to, scope.as_ref())
            .await?
        {
            if aggregated.contains(&day) {
                days.entry(day).or_default().insert(scope, stats);
            }
        }
    }
    let mut sources = Sources {
        aggregated_days: aggregated.len() as u64,
        computed_days: 0,
    };
    for day in query.from.iter_days().take_while(|d| *d <= query.to) {
        if !aggregated.contains(&day) {
            days.insert(day, compute_day(store, day, &filter).await?);
            sources.computed_days += 1;
        }
    }
    Ok((days, sources))
}

/// Builds the report `query` asks for.
pub async fn historical(
    store: &dyn ReviewStore,
    query: &HistoricalQuery,
) -> Result<HistoricalReport, StoreError> {
    let (days, sources) = days_of(store, query).await?;
    let range = ReportRange {
        from: query.from,
        to: query.to,
        repository: query.repository.clone(),
        stack: query.stack.clone(),
        sources,
    };
    let selected = query.selected();
    let total = |days: &BTreeMap<NaiveDate, BTreeMap<Scope, DayStats>>| {
        let mut total = DayStats::default();
        for scopes in days.values() {
            if let Some(stats) = scopes.get(&selected) {
                total.merge(stats);
            }
        }
        total
    };
    Ok(match query.kind {
        ReportKind::Trends => HistoricalReport::Trends(trends(query, &selected, &days, range)),
        ReportKind::Patterns => {
            let mut listed: BTreeMap<Scope, DayStats> = BTreeMap::new();
            for scopes in days.values() {
                for (scope, stats) in scopes.iter().filter(|(s, _)| query.lists(s)) {
                    listed.entry(scope.clone()).or_default().merge(stats);
                }
            }
            HistoricalReport::Patterns(patterns(&total(&days), &listed, range))
        }
        ReportKind::Correlations => {
            HistoricalReport::Correlations(correlations(&total(&days), range))
        }
    })
}

fn trends(
    query: &HistoricalQuery,
    selected: &Scope,
    days: &BTreeMap<NaiveDate, BTreeMap<Scope, DayStats>>,
    range: ReportRange,
) -> TrendsReport {
    let mut points: Vec<(NaiveDate, NaiveDate, DayStats)> = Vec::new();
    for day in query.from.iter_days().take_while(|d| *d <= query.to) {
        let start = match query.granularity {
            Granularity::Day => day,
            Granularity::Week => {
                let monday =
                    day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
                monday.max(query.from)
            }
        };
        if points.last().is_none_or(|(s, _, _)| *s != start) {
            points.push((start, day, DayStats::default()));
        }
        if let Some((_, end, stats)) = points.last_mut() {
            *end = day;
            if let Some(day_stats) = days.get(&day).and_then(|s| s.get(selected)) {
                stats.merge(day_stats);
            }
        }
    }
    TrendsReport {
        range,
        granularity: query.granularity,
        points: points
            .into_iter()
            .map(|(period_start, period_end, s)| TrendPoint {
                period_start,
                period_end,
                reviews: s.reviews,
                versions: s.versions,
                runs: s.runs,
                findings: s.findings,
                risk_mean: mean(s.risk_sum, s.scored_runs),
                risk_max: s.risk_max,
                high_risk_runs: s.high_risk_runs,
            })
            .collect(),
    }
}

fn mean(sum: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| round(sum as f64 / count as f64, 2))
}

fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

fn rule_patterns(stats: &DayStats, min_runs: u64, limit: usize) -> Vec<RulePattern> {
    let mut rules: Vec<RulePattern> = stats
        .rules
        .iter()
        .filter(|(_, r)| r.runs >= min_runs)
        .map(|(rule_id, r)| RulePattern {
            rule_id: rule_id.clone(),
            category: rule_category(rule_id).into_owned(),
            findings: r.findings,
            runs: r.runs,
        })
        .collect();
    rules.sort_by(|a, b| {
        (b.findings, b.runs)
            .cmp(&(a.findings, a.runs))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    rules.truncate(limit);
    rules
}

fn patterns(
    total: &DayStats,
    listed: &BTreeMap<Scope, DayStats>,
    range: ReportRange,
) -> PatternsReport {
    let mut recurring: Vec<RecurringRule> = total
        .rules
        .iter()
        .filter(|(_, r)| r.recurrences > 0)
        .map(|(rule_id, r)| RecurringRule {
            rule_id: rule_id.clone(),
            category: rule_category(rule_id).into_owned(),
            recurrences: r.recurrences,
            recurrence_rate: round(r.recurrences as f64 / total.compared_runs.max(1) as f64, 4),
        })
        .collect();
    recurring.sort_by(|a, b| {
        b.recurrences
            .cmp(&a.recurrences)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    recurring.truncate(TOP_RULES);
    let repeated = listed
        .iter()
        .filter_map(|(scope, stats)| {
            let (kind, name) = match scope {
                Scope::Repository(r) => ("repository", r),
                Scope::Stack(s) => ("stack", s),
                Scope::Global => return None,
            };
            let mut rules = rule_patterns(stats, 2, TOP_RULES);
            rules.sort_by(|a, b| {
                (b.runs, b.findings)
                    .cmp(&(a.runs, a.findings))
                    .then_with(|| a.rule_id.cmp(&b.rule_id))
            });
            (!rules.is_empty()).then(|| RepeatedIssues {
                scope: kind.to_owned(),
                name: name.clone(),
                runs: stats.runs,
                rules,
            })
        })
        .collect();
    PatternsReport {
        range,
        runs: total.runs,
        compared_runs: total.compared_runs,
        top_rules: rule_patterns(total, 1, TOP_RULES),
        recurring,
        repeated,
    }
}

/// The point-biserial correlation between a binary variable (1 for `n1` of `n`
/// samples, whose values sum to `sum1`) and a continuous one (values summing to
/// `sum`, squares to `sum_squares`), from those sums alone:
/// `r = (M1 − M0) / s · √(n1 · n0) / n`, with `s` the population standard deviation.
/// `None` when undefined (no sample, the binary variable constant, or no variance).
pub fn point_biserial(n: u64, sum: u64, sum_squares: u64, n1: u64, sum1: u64) -> Option<f64> {
    let n0 = n.checked_sub(n1)?;
    if n == 0 || n1 == 0 || n0 == 0 {
        return None;
    }
    let (nf, n1f, n0f) = (n as f64, n1 as f64, n0 as f64);
    let variance = sum_squares as f64 / nf - (sum as f64 / nf).powi(2);
    if variance <= f64::EPSILON {
        return None;
    }
    let mean1 = sum1 as f64 / n1f;
    let mean0 = (sum - sum1) as f64 / n0f;
    Some((mean1 - mean0) / variance.sqrt() * (n1f * n0f).sqrt() / nf)
}

fn correlations(total: &DayStats, range: ReportRange) -> CorrelationsReport {
    let n = total.scored_runs;
    let sufficient = n >= MIN_CORRELATION_SAMPLE;
    let mut categories: Vec<CategoryCorrelation> = total
        .categories
        .iter()
        .map(|(category, c)| {
            let with_numbers = |value: Option<f64>| value.filter(|_| sufficient);
            CategoryCorrelation {
                category: category.clone(),
                runs_with: c.runs,
                mean_risk_with: with_numbers(mean(c.risk_sum, c.runs)),
                mean_risk_without: with_numbers(mean(
                    total.risk_sum.saturating_sub(c.risk_sum),
                    n.saturating_sub(c.runs),
                )),
                high_risk_share_with: with_numbers(
                    (c.runs > 0).then(|| round(c.high_risk_runs as f64 / c.runs as f64, 4)),
                ),
                point_biserial: with_numbers(
                    point_biserial(
                        n,
                        total.risk_sum,
                        total.risk_sum_squares,
                        c.runs,
                        c.risk_sum,
                    )
                    .map(|r| round(r, 4)),
                ),
            }
        })
        .collect();
    categories.sort_by(|a, b| {
        b.point_biserial
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.point_biserial.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| b.runs_with.cmp(&a.runs_with))
            .then_with(|| a.category.cmp(&b.category))
    });
    CorrelationsReport {
        range,
        statistic: "point_biserial".to_owned(),
        description: "Point-biserial correlation (r_pb, −1 to 1) between a finding category \
                      being present in a rules run (1/0) and that run's risk score (0–100), \
                      over the scored rules runs of the range; positive means the category \
                      goes with higher risk. High risk means level high or critical."
            .to_owned(),
        sample_size: n,
        minimum_sample_size: MIN_CORRELATION_SAMPLE,
        sufficient_sample: sufficient,
        note: (!sufficient).then(|| {
            format!(
                "{n} scored rules runs is below the minimum sample of {MIN_CORRELATION_SAMPLE}: \
                 no correlation is reported"
            )
        }),
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Analysis, ReviewStatus};

    fn summary(
        id: &str,
        version: u32,
        run: &str,
        repository: Option<&str>,
        score: u8,
        rules: &[(&str, u32)],
    ) -> ReviewSummary {
        let at = DateTime::parse_from_rfc3339("2026-10-15T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        ReviewSummary {
            review_id: id.to_owned(),
            version,
            created_at: at,
            updated_at: at,
            repository: repository.map(str::to_owned),
            stack: None,
            status: ReviewStatus::Open,
            risk_level: Some(
                match score {
                    0..25 => "low",
                    25..50 => "medium",
                    50..75 => "high",
                    _ => "critical",
                }
                .to_owned(),
            ),
            risk_score: Some(score),
            findings: rules.iter().map(|(_, n)| *n as usize).sum(),
            analysis: Analysis::RulesOnly,
            rule_counts: rules.iter().map(|(r, n)| ((*r).to_owned(), *n)).collect(),
            rules_run: Some(run.to_owned()),
        }
    }

    #[test]
    fn categories_follow_the_catalog_id_scheme() {
        assert_eq!(rule_category("RG-AWS-S3-004"), "aws-s3");
        assert_eq!(rule_category("RG-AWS-IAM-012"), "aws-iam");
        assert_eq!(rule_category("RG-CHG-003"), "change-risk");
        assert_eq!(rule_category("RG-SECRET-017"), "secrets");
        assert_eq!(rule_category("RG-SUPPRESS-001"), "suppression-hygiene");
        assert_eq!(rule_category("required-tags/RT-1"), "plugin");
        assert_eq!(rule_category("RG-AWS-"), "other");
        // Every rule of the catalog falls in a named category.
        for rule in reviewgate_core::rules::catalog() {
            assert_ne!(rule_category(&rule.id), "other", "{}", rule.id);
        }
    }

    #[test]
    fn edits_are_versions_but_not_runs_and_recurrence_needs_a_new_run() {
        let v1 = summary("a", 1, "run-1", Some("acme/x"), 60, &[("RG-AWS-S3-001", 2)]);
        // An edit (same run id): a version, nothing observed.
        let v2 = summary("a", 2, "run-1", Some("acme/x"), 60, &[("RG-AWS-S3-001", 2)]);
        // A new push: S3-001 is still there (recurs), IAM-001 is new.
        let v3 = summary(
            "a",
            3,
            "run-2",
            Some("acme/x"),
            70,
            &[("RG-AWS-S3-001", 1), ("RG-AWS-IAM-001", 1)],
        );
        let scopes = aggregate_versions(
            VersionFilter::default(),
            [(&v1, None), (&v2, Some(&v1)), (&v3, Some(&v2))],
        );
        let global = &scopes[&Scope::Global];
        assert_eq!(global.versions, 3);
        assert_eq!(global.reviews, 1);
        assert_eq!(global.runs, 2);
        assert_eq!(global.compared_runs, 1);
        assert_eq!(global.findings, 4);
        assert_eq!((global.risk_sum, global.risk_max), (130, Some(70)));
        assert_eq!(global.risk_sum_squares, 60 * 60 + 70 * 70);
        assert_eq!(
            global.rules["RG-AWS-S3-001"],
            RuleStats {
                findings: 3,
                runs: 2,
                recurrences: 1
            }
        );
        assert_eq!(global.rules["RG-AWS-IAM-001"].recurrences, 0);
        assert_eq!(global.categories["aws-s3"].runs, 2);
        assert_eq!(global.categories["aws-iam"].risk_sum, 70);
        assert_eq!(scopes[&Scope::Repository("acme/x".into())], *global);
        assert_eq!(scopes.len(), 2, "no stack scope without a stack");
    }

    #[test]
    fn merged_days_equal_one_fold() {
        let a = summary("a", 1, "r1", None, 20, &[("RG-CHG-001", 1)]);
        let b = summary("b", 1, "r2", None, 80, &[("RG-SECRET-001", 1)]);
        let mut day1 = aggregate_versions(VersionFilter::default(), [(&a, None)])
            .remove(&Scope::Global)
            .expect("global");
        let day2 = aggregate_versions(VersionFilter::default(), [(&b, None)])
            .remove(&Scope::Global)
            .expect("global");
        day1.merge(&day2);
        let both = aggregate_versions(VersionFilter::default(), [(&a, None), (&b, None)])
            .remove(&Scope::Global)
            .expect("global");
        assert_eq!(day1, both);
    }

    #[test]
    fn point_biserial_matches_pearson_on_the_samples() {
        // Scores and whether a category is present.
        let samples = [
            (80u64, true),
            (60, true),
            (70, false),
            (20, false),
            (10, false),
            (90, true),
        ];
        let n = samples.len() as f64;
        let xs: Vec<f64> = samples.iter().map(|(s, _)| *s as f64).collect();
        let ys: Vec<f64> = samples
            .iter()
            .map(|(_, p)| if *p { 1.0 } else { 0.0 })
            .collect();
        let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
        let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sx = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>().sqrt();
        let sy = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>().sqrt();
        let pearson = cov / (sx * sy);
        let r = point_biserial(
            6,
            samples.iter().map(|(s, _)| s).sum(),
            samples.iter().map(|(s, _)| s * s).sum(),
            3,
            80 + 60 + 90,
        )
        .expect("defined");
        assert!((r - pearson).abs() < 1e-12, "{r} vs {pearson}");
        assert!((r - 0.725_589_243_841_731_8).abs() < 1e-9, "{r}");
        assert_eq!(point_biserial(6, 330, 21_300, 0, 0), None);
        assert_eq!(point_biserial(6, 330, 21_300, 6, 330), None);
        assert_eq!(point_biserial(0, 0, 0, 0, 0), None);
    }

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

    #[test]
    fn scopes_round_trip_their_keys() {
        for scope in [
            Scope::Global,
            Scope::Repository("acme/infra".into()),
            Scope::Stack("prod#1".into()),
        ] {
            assert_eq!(Scope::from_key(&scope.key()), Some(scope));
        }
        assert_eq!(Scope::from_key("NOPE"), None);
    }
}
