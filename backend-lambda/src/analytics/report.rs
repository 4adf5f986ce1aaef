//! The reports of `GET /api/analytics/historical` — trends, patterns, correlations —
//! and their shapes: built from the stored daily aggregates where a day has them,
//! else folded from that day's versions at request time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::compute::compute_day;
use super::fold::{VersionFilter, rule_category};
use crate::model::{DayStats, Scope};
use crate::store::{ReviewStore, StoreError};

/// Fewer scored rules runs than this and no correlation is reported: with a handful
/// of runs a correlation is noise, and a number would be read as a finding.
pub const MIN_CORRELATION_SAMPLE: u64 = 30;
/// The longest range one historical request may cover (a leap year).
pub const MAX_RANGE_DAYS: i64 = 366;
/// Entries in the rule lists of a patterns report.
const TOP_RULES: usize = 20;

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
}
