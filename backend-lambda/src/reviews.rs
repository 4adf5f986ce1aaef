//! What the backend does with reviews, independent of HTTP and of the store behind
//! it: build version 1 from a change with the core's rules, apply a reviewer's
//! change as a new version, summarise for analytics.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::review::review_with;
use reviewgate_core::{ChangeSet, Document, Origin};
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

/// Version 1 of a new review: the rules' verdict on the documents.
pub fn rules_version(new: &NewReview, author: &str, now: DateTime<Utc>) -> ReviewVersion {
    let change_set = ChangeSet::from_documents(new.origin.clone(), new.documents.iter().cloned());
    let review = review_with(&change_set, &new.config);
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
        inputs: clip_inputs(&new.documents, STORED_INPUT_CHARS),
    }
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
/// Walks the list pages; the scheduled aggregator of the analytics issue will keep
/// precomputed counts instead.
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
