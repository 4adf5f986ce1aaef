//! The pure fold of one day's review versions into statistics per scope (global,
//! per repository, per stack): which versions are rules runs, which findings recur,
//! and which category each rule belongs to. No store and no clock: callers read the
//! versions and feed them in ([`super::compute_day`] does, page by page).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::model::{DayStats, ReviewSummary, Scope};

/// Risk levels counted as high risk.
pub const HIGH_RISK_LEVELS: [&str; 2] = ["high", "critical"];

/// The finding category of a rule id, from the catalog's id scheme (the core's
/// risk factors use the same split): `change-risk` (`RG-CHG-*`), `secrets`
/// (`RG-SECRET-*`), `suppression-hygiene` (`RG-SUPPRESS-*`), `gate-settings`
/// (`RG-GATE-*`: changes that loosen the review gate), `aws-<service>` for the
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
    } else if rule_id.starts_with("RG-GATE-") {
        Cow::Borrowed("gate-settings")
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
    /// Whether the fold takes `version`.
    pub fn matches(&self, version: &ReviewSummary) -> bool {
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

    /// The versions this fold takes.
    pub fn filter(&self) -> &VersionFilter {
        &self.filter
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::model::{Analysis, ReviewStatus, RuleStats};

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
        assert_eq!(rule_category("RG-GATE-001"), "gate-settings");
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
}
