//! What the backend does with reviews, independent of HTTP and of the store behind
//! it: build version 1 from a change with the core's rules, apply a reviewer's
//! change as a new version, summarise for analytics.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::review::review_with_findings;
use reviewgate_core::{ChangeSet, Document, Finding, InputError, InputKind, Origin};
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::{Analysis, ReviewStatus, ReviewSummary, ReviewVersion, STORED_INPUT_CHARS};
use crate::store::{Page, ReviewQuery, ReviewStore, StoreError};

/// A change to review.
#[derive(Clone, Debug)]
pub struct NewReview {
    /// The inputs (plan JSON, configuration files, diffs).
    pub documents: Vec<Document>,
    /// Where they came from.
    pub origin: Origin,
    /// `owner/repo`.
    pub repository: Option<String>,
    /// Stack.
    pub stack: Option<String>,
    /// `.reviewgate.toml` settings.
    pub config: ReviewConfig,
}

/// What a surface knows about a change beyond its documents.
#[derive(Clone, Debug, Default)]
pub struct ReviewExtras {
    /// Findings made outside the rules: the gate's own settings under review
    /// (`reviewgate_core::gate`).
    pub findings: Vec<Finding>,
    /// Inputs that could not be given to the rules (too large to read): the review
    /// lists them with the inputs it could not read, and its confidence drops.
    pub unread: Vec<InputError>,
}

/// Version 1 of a new review: the rules' verdict on the documents.
pub fn rules_version(new: &NewReview, author: &str, now: DateTime<Utc>) -> ReviewVersion {
    rules_version_with(new, ReviewExtras::default(), author, now)
}

/// [`rules_version`] with what the caller knows beyond the documents.
pub fn rules_version_with(
    new: &NewReview,
    extras: ReviewExtras,
    author: &str,
    now: DateTime<Utc>,
) -> ReviewVersion {
    let mut change_set =
        ChangeSet::from_documents(new.origin.clone(), new.documents.iter().cloned());
    change_set.errors.extend(extras.unread);
    let review = review_with_findings(&change_set, &new.config, extras.findings);
    ReviewVersion {
        review_id: uuid::Uuid::now_v7().to_string(),
        version: 1,
        previous_version_id: None,
        created_at: now,
        updated_at: now,
        author: author.to_owned(),
        repository: new.repository.clone(),
        stack: new.stack.clone(),
        origin: new.origin.clone(),
        status: ReviewStatus::Open,
        notes: None,
        decision: None,
        analysis: Analysis::RulesOnly,
        review,
        ai: None,
        inputs: clip_inputs(&shareable_inputs(&new.documents), STORED_INPUT_CHARS),
        event_id: None,
        rules_run: Some(uuid::Uuid::now_v7().simple().to_string()),
    }
}

/// What of the inputs may be kept and shown to a model: configuration and diffs
/// with every secret the core's scanner finds replaced by its mask. Plans and
/// variable files are left out entirely: they carry values Terraform marks
/// sensitive (passwords, keys) that no scanner can recognise, and the review's
/// change summary already says what a plan does.
pub fn shareable_inputs(documents: &[Document]) -> Vec<Document> {
    documents
        .iter()
        .filter(|d| {
            !matches!(
                d.resolved_kind(),
                Some(InputKind::Plan | InputKind::Tfvars | InputKind::TfvarsJson) | None
            )
        })
        .map(|d| Document {
            path: d.path.clone(),
            kind: d.kind,
            content: redact_secrets(&d.content),
        })
        .collect()
}

/// `text` with each secret found by the core's scanner replaced by its mask; a line
/// whose match cannot be located exactly is dropped whole rather than kept.
///
/// Linear in the text: the scanner is, and the lines and the matches (sorted by
/// line) are then walked once, together, each line getting the slice of matches on
/// it (filtering every match for every line was quadratic in a text with a secret
/// on each line).
pub fn redact_secrets(text: &str) -> String {
    let mut matches = reviewgate_core::secrets::find_secrets(text);
    if matches.is_empty() {
        return text.to_owned();
    }
    matches.sort_by_key(|m| m.line_index());
    let mut out = String::with_capacity(text.len());
    let lines = text.split_inclusive('\n');
    let on_lines = per_line(&matches, |m| m.line_index());
    for (line, on_line) in lines.zip(on_lines.chain(std::iter::repeat(&[][..]))) {
        if on_line.is_empty() {
            out.push_str(line);
            continue;
        }
        let mut spans: Vec<_> = on_line
            .iter()
            .map(|m| (m.span(), m.masked().to_owned()))
            .collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.0.start));
        let mut redacted = line.to_owned();
        let mut exact = true;
        for (span, masked) in spans {
            if span.end <= redacted.len()
                && redacted.is_char_boundary(span.start)
                && redacted.is_char_boundary(span.end)
                && span.start < span.end
            {
                redacted.replace_range(span, &format!("[redacted {masked}]"));
            } else {
                exact = false;
            }
        }
        if exact {
            out.push_str(&redacted);
        } else {
            out.push_str("[line redacted: it holds a secret]\n");
        }
    }
    out
}

/// `items`, sorted by line, as one slice per line from line 0 up to the last item's
/// line, in one pass: `line_of` is called at most twice per item.
fn per_line<T>(items: &[T], mut line_of: impl FnMut(&T) -> usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    let mut next_line = rest.first().map(&mut line_of);
    let mut line = 0;
    std::iter::from_fn(move || {
        let first_line = next_line?;
        let here = if first_line == line {
            let count = 1 + rest[1..]
                .iter()
                .take_while(|item| {
                    let item_line = line_of(item);
                    next_line = Some(item_line);
                    item_line == line
                })
                .count();
            if count == rest.len() {
                next_line = None;
            }
            let (here, later) = rest.split_at(count);
            rest = later;
            here
        } else {
            &[]
        };
        line += 1;
        Some(here)
    })
}

/// The documents, each cut (at a character boundary) so that all fit in `budget`
/// characters; later documents get what earlier ones leave.
pub fn clip_inputs(documents: &[Document], budget: usize) -> Vec<Document> {
    let mut left = budget;
    documents
        .iter()
        .map(|d| {
            let mut end = d.content.len().min(left);
            while !d.content.is_char_boundary(end) {
                end -= 1;
            }
            left -= end;
            Document {
                path: d.path.clone(),
                kind: d.kind,
                content: d.content[..end].to_owned(),
            }
        })
        .collect()
}

/// A reviewer's change: each field present replaces the current value.
#[derive(Clone, Debug, Default)]
pub struct ReviewChange {
    /// New status.
    pub status: Option<ReviewStatus>,
    /// New notes.
    pub notes: Option<String>,
    /// The reviewer's decision.
    pub decision: Option<String>,
}

impl ReviewChange {
    /// Applies the change to the next version.
    pub fn apply(&self, version: &mut ReviewVersion) {
        if let Some(status) = self.status {
            version.status = status;
        }
        if let Some(notes) = &self.notes {
            version.notes = Some(notes.clone());
        }
        if let Some(decision) = &self.decision {
            version.decision = Some(decision.clone());
        }
    }
}

/// Counts over the latest version of every review in range.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct Analytics {
    /// Reviews counted.
    pub reviews: usize,
    /// Per risk level (`none` when a review has no score).
    pub by_risk_level: BTreeMap<String, usize>,
    /// Per status.
    pub by_status: BTreeMap<String, usize>,
    /// The rules with the most unsuppressed findings, most first (at most 10).
    pub top_rules: Vec<RuleCount>,
}

/// Findings of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RuleCount {
    /// Rule id.
    pub rule_id: String,
    /// Unsuppressed findings across reviews.
    pub findings: u64,
}

/// Adds one review to the counts.
fn count(analytics: &mut Analytics, rules: &mut BTreeMap<String, u64>, summary: &ReviewSummary) {
    analytics.reviews += 1;
    *analytics
        .by_risk_level
        .entry(summary.risk_level.clone().unwrap_or_else(|| "none".into()))
        .or_default() += 1;
    *analytics
        .by_status
        .entry(summary.status.as_str().to_owned())
        .or_default() += 1;
    for (rule, n) in &summary.rule_counts {
        *rules.entry(rule.clone()).or_default() += u64::from(*n);
    }
}

/// Summary counts over every review matching `query` (its page fields are ignored).
/// Walks the list pages: a snapshot of current state. History over time is
/// [`crate::analytics`], from daily aggregates.
pub async fn analytics(
    store: &dyn ReviewStore,
    query: &ReviewQuery,
) -> Result<Analytics, StoreError> {
    let mut result = Analytics::default();
    let mut rules = BTreeMap::new();
    let mut query = ReviewQuery {
        limit: 100,
        cursor: None,
        ..query.clone()
    };
    loop {
        let Page { items, next_cursor } = store.list_reviews(&query).await?;
        for summary in &items {
            count(&mut result, &mut rules, summary);
        }
        match next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    let mut top: Vec<RuleCount> = rules
        .into_iter()
        .map(|(rule_id, findings)| RuleCount { rule_id, findings })
        .collect();
    top.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    top.truncate(10);
    result.top_rules = top;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_cut_into_lines_in_one_pass() {
        // Two items on every other line: the shape that made filtering per line
        // quadratic.
        let items: Vec<usize> = (0..10_000).flat_map(|l| [2 * l, 2 * l]).collect();
        let mut calls = 0;
        let lines: Vec<&[usize]> = per_line(&items, |line| {
            calls += 1;
            *line
        })
        .collect();
        assert_eq!(calls, items.len(), "each item's line is read once");
        assert_eq!(lines.len(), 2 * 9_999 + 1);
        assert!(lines.iter().enumerate().all(|(i, on_line)| on_line.len()
            == if i % 2 == 0 { 2 } else { 0 }
            && on_line.iter().all(|line| *line == i)));
        assert_eq!(per_line(&[] as &[usize], |l| *l).count(), 0);
    }

    #[test]
    fn a_secret_on_every_line_of_a_large_text_is_redacted() {
        let secret = "Zq3kX9vR2mT8wL5nP1yB7cF4hJ6dS0aGeKuN2i8Q";
        let lines = 20_000;
        let text = format!("aws_secret_access_key = \"{secret}\"\nregion = \"eu\"\n").repeat(lines);
        let redacted = redact_secrets(&text);
        assert!(!redacted.contains(secret));
        assert_eq!(redacted.matches("[redacted ").count(), lines);
        assert_eq!(redacted.lines().count(), 2 * lines);
    }

    #[test]
    fn kept_inputs_hold_no_secret_and_no_plan() {
        let secret = "Zq3kX9vR2mT8wL5nP1yB7cF4hJ6dS0aGeKuN2i8Q";
        let tf = format!(
            "locals {{\n  aws_secret_access_key = \"{secret}\"\n  region = \"eu-west-1\"\n}}\n"
        );
        let kept = shareable_inputs(&[
            Document::detect("main.tf", tf.as_str()),
            Document::detect(
                "plan.json",
                r#"{"format_version":"1.2","resource_changes":[]}"#,
            ),
            Document::detect("prod.tfvars", "db_password = \"hunter2\"\n"),
        ]);
        assert_eq!(kept.len(), 1, "plans and variable files are not kept");
        assert!(!kept[0].content.contains(secret), "{}", kept[0].content);
        assert!(kept[0].content.contains("region = \"eu-west-1\""));
        assert!(kept[0].content.contains("[redacted"));
    }
}
