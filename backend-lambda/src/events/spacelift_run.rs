//! Spacelift run events: `spacelift.run` writes the next version of the review of
//! that stack's run, whose status follows the run state. Spacelift numbers a run's
//! state changes (`stateVersion`); the version records the last one applied, and a
//! delivery that is not newer changes nothing, so late deliveries never move a
//! review backwards. With a Spacelift API key the run's planned changes are fetched
//! once it has planned and reviewed by the change rules; without one, the `delta`
//! (added / changed / deleted counts) is scored as the plan's blast radius.

use std::collections::BTreeMap;

use chrono::Utc;
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::review::{ChangeSummary, PlanSummary};
use reviewgate_core::risk::{self, Coverage};
use reviewgate_core::{Document, InputError, InputKind, Origin, Review};
use reviewgate_ingress::event::{EventEnvelope, EventSource, SpaceliftDelta, SpaceliftRun};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{EventProcessor, ProcessError, next_version};
use crate::model::{Analysis, ReviewStatus, ReviewVersion};
use crate::reviews::{NewReview, rules_version};
use crate::spacelift::{SpaceliftClient, SpaceliftError, run_plan, run_plan_path};
use crate::store::EventOutcome;

impl From<SpaceliftError> for ProcessError {
    fn from(e: SpaceliftError) -> Self {
        if e.is_retryable() {
            ProcessError::Retryable(format!("Spacelift: {e}"))
        } else {
            ProcessError::Permanent(format!("Spacelift: {e}"))
        }
    }
}

impl EventProcessor {
    pub(super) async fn review_spacelift_run(
        &self,
        event: &EventEnvelope,
    ) -> Result<EventOutcome, ProcessError> {
        let Some(run) = &event.spacelift else {
            return Err(ProcessError::Permanent(
                "a spacelift.run event without its run".into(),
            ));
        };
        let review_id =
            spacelift_run_review_id(event.source, &run.account, &run.stack, &run.run_id);
        let latest = self.store.get_latest(&review_id).await?;
        // Written by this event before a crash: done already.
        if let Some(latest) = &latest
            && latest.event_id.as_deref() == Some(event.id.as_str())
        {
            return Ok(EventOutcome::Reviewed {
                review_id,
                version: latest.version,
            });
        }
        let applied = latest.as_ref().and_then(RunRecord::of);
        let applied_state_version = applied.as_ref().and_then(|r| r.run.state_version);
        if let (Some(new), Some(old)) = (run.state_version, applied_state_version)
            && new <= old
        {
            return Ok(EventOutcome::Skipped {
                reason: format!(
                    "stateVersion {new} ({}) is not newer than stateVersion {old} already \
                     applied to review {review_id}: a late delivery changes nothing",
                    run.state
                ),
            });
        }
        // A replan makes a new plan in the same run: the next planned state fetches it.
        let plan_reviewed = applied.as_ref().is_some_and(|r| r.plan_reviewed) && !replanning(run);
        // Only the Spacelift integration's runs are read from Spacelift's API: another
        // sender cannot make reviewgate fetch a run it names.
        let client = self
            .spacelift
            .as_ref()
            .filter(|_| event.source == EventSource::Spacelift);
        let fetched = match client {
            Some(client) if !plan_reviewed && has_planned(run) => {
                match self.review_run_plan(client, run).await {
                    Ok(version) => Some(Ok(version)),
                    Err(e) if e.is_retryable() => return Err(e.into()),
                    // A refused key or a run the key cannot see: keep following the
                    // run from its delta, and say in the review why the plan is missing.
                    Err(e) => {
                        tracing::warn!(event_id = %event.id, error = %e, "cannot read the run's plan");
                        Some(Err(e))
                    }
                }
            }
            _ => None,
        };
        let (mut version, from_plan) = match (latest.as_ref(), fetched) {
            // The plan of a run does not change once made: later states keep its review.
            (Some(latest), _) if plan_reviewed => (latest.clone(), true),
            (_, Some(Ok(mut version))) => {
                if let Some(latest) = &latest {
                    version.notes = latest.notes.clone();
                }
                (version, true)
            }
            (latest, fetch_error) => {
                let mut version = match latest {
                    Some(latest) => latest.clone(),
                    None => empty_run_version(run),
                };
                if let Some(delta) = &run.delta {
                    version.review = delta_review(delta);
                    // A model's review of another delta no longer applies.
                    version.ai = None;
                    version.analysis = Analysis::RulesOnly;
                }
                if let Some(Err(e)) = fetch_error {
                    version.review.errors.push(InputError {
                        file: run_plan_path(&run.stack, &run.run_id),
                        line: None,
                        column: None,
                        kind: Some(InputKind::Plan),
                        message: format!(
                            "the run's planned changes could not be read, so only its delta \
                             was scored: {e}"
                        ),
                    });
                }
                (version, false)
            }
        };
        let (status, decision) = run_status(&run.state);
        version.status = status;
        if let Some(decision) = decision {
            version.decision = Some(decision.to_owned());
        }
        version.author = "system".into();
        // Keep the highest stateVersion seen, should a payload come without one.
        let record = RunRecord {
            run: SpaceliftRun {
                state_version: run.state_version.max(applied_state_version),
                ..run.clone()
            },
            plan_reviewed: from_plan,
        };
        record.store_in(&mut version.inputs);
        let version = next_version(version, &review_id, latest, event);
        self.write(&version).await?;
        Ok(EventOutcome::Reviewed {
            review_id,
            version: version.version,
        })
    }

    /// A version reviewing the run's planned changes, fetched from Spacelift. The
    /// API gives actions, not values: only the change rules (deletions and
    /// replacements of stateful resources, blast radius) can judge them, so the
    /// attribute rules' verdicts on empty values are left out and the confidence
    /// says that misconfiguration was not checked.
    async fn review_run_plan(
        &self,
        client: &SpaceliftClient,
        run: &SpaceliftRun,
    ) -> Result<ReviewVersion, SpaceliftError> {
        let changes = client.run_changes(&run.stack, &run.run_id).await?;
        let plan = run_plan(&run.stack, &run.run_id, &changes);
        let new = NewReview {
            documents: vec![plan.document.clone()],
            origin: run_origin(run),
            repository: None,
            stack: Some(run.stack.clone()),
            config: ReviewConfig::default(),
        };
        let mut version = rules_version(&new, "system", Utc::now());
        let review = &mut version.review;
        review
            .findings
            .retain(|f| f.rule_id.starts_with(CHANGE_RULE_PREFIX));
        review
            .undetermined
            .retain(|u| u.rule_id.starts_with(CHANGE_RULE_PREFIX));
        review
            .errors
            .extend(plan.unknown_change_types.iter().map(|message| InputError {
                file: plan.document.path.clone(),
                line: None,
                column: None,
                kind: Some(InputKind::Plan),
                message: message.clone(),
            }));
        let changed = changed_resources(review.changes.plan.as_ref());
        review.risk = Some(risk::score(
            &review.findings,
            &Coverage {
                documents: 1,
                unusable_documents: usize::from(!review.errors.is_empty()),
                resources: review.resources,
                // Values are unknown: no attribute rule could judge any resource.
                resources_with_rules: 0,
                checks: 0,
                undetermined: 0,
                changed_resources: changed,
            },
        ));
        tracing::info!(
            stack = %run.stack,
            run_id = %run.run_id,
            changes = changes.len(),
            non_resources = plan.non_resources,
            unknown_change_types = plan.unknown_change_types.len(),
            "reviewed a Spacelift run's planned changes"
        );
        Ok(version)
    }
}

/// One review per Spacelift run, whatever number of state changes: the id is
/// derived from the account, stack and run, so every event about the run writes the
/// next version of the same review. And from the sender: a Standard Webhooks sender
/// speaking `spacelift.run` writes reviews of its own, and can neither create nor
/// advance a run of the Spacelift integration. (The Spacelift integration's ids are
/// what they were before the sender was part of the key.)
pub fn spacelift_run_review_id(
    source: EventSource,
    account: &str,
    stack: &str,
    run_id: &str,
) -> String {
    let key = format!("{}:{account}/{stack}#{run_id}", source.as_str());
    let digest = Sha256::digest(key.as_bytes());
    format!("run-{}", hex::encode(&digest[..12]))
}

/// Change-risk rules: the ones that judge a plan's actions rather than values.
const CHANGE_RULE_PREFIX: &str = "RG-CHG-";
/// Where a version keeps the Spacelift run it was written for (see [`RunRecord`]).
const RUN_RECORD_PATH: &str = "spacelift-run.json";

/// The Spacelift run as last applied to a review, kept as one of the version's
/// inputs (a small JSON document): the version's own record of the `stateVersion`
/// it reflects, which is what orders later deliveries, and of whether its review
/// came from the run's plan (then later states keep it).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RunRecord {
    #[serde(flatten)]
    run: SpaceliftRun,
    #[serde(default)]
    plan_reviewed: bool,
}

impl RunRecord {
    fn of(version: &ReviewVersion) -> Option<RunRecord> {
        let document = version.inputs.iter().find(|d| d.path == RUN_RECORD_PATH)?;
        serde_json::from_str(&document.content).ok()
    }

    /// Replaces the record among `inputs`, first so that clipping never cuts it.
    fn store_in(&self, inputs: &mut Vec<Document>) {
        inputs.retain(|d| d.path != RUN_RECORD_PATH);
        let content = serde_json::to_string(self).unwrap_or_default();
        inputs.insert(
            0,
            Document {
                path: RUN_RECORD_PATH.into(),
                kind: None,
                content,
            },
        );
    }
}

fn run_origin(run: &SpaceliftRun) -> Origin {
    Origin::SpaceliftRun {
        account: run.account.clone(),
        stack: run.stack.clone(),
        run_id: run.run_id.clone(),
    }
}

/// Whether the run is making a new plan (a replan asked for on an unconfirmed run).
fn replanning(run: &SpaceliftRun) -> bool {
    matches!(
        run.state.to_ascii_uppercase().as_str(),
        "REPLAN_REQUESTED" | "PREPARING_REPLAN"
    )
}

/// Whether the run has a plan to fetch: it reported a delta, or its state comes
/// after planning (and it is not planning again, when the delta is the old plan's).
fn has_planned(run: &SpaceliftRun) -> bool {
    !replanning(run)
        && (run.delta.is_some()
            || matches!(
                run.state.to_ascii_uppercase().as_str(),
                "UNCONFIRMED"
                    | "CONFIRMED"
                    | "PREPARING_APPLY"
                    | "APPLYING"
                    | "PERFORMING"
                    | "FINISHED"
                    | "DISCARDED"
            ))
}

/// The review status a run state means, and the decision text for states that end
/// or decide the run. Confirming a plan is a person (or an auto-deploy policy)
/// accepting the change; discarding it is rejecting it; a run that ended any other
/// way closes its review.
fn run_status(state: &str) -> (ReviewStatus, Option<&'static str>) {
    match state.to_ascii_uppercase().as_str() {
        "CONFIRMED" | "PREPARING_APPLY" | "APPLYING" | "PERFORMING" | "DESTROYING" => (
            ReviewStatus::Approved,
            Some("Spacelift run confirmed: the plan is being applied"),
        ),
        "FINISHED" => (ReviewStatus::Closed, Some("Spacelift run finished")),
        "FAILED" => (ReviewStatus::Closed, Some("Spacelift run failed")),
        "DISCARDED" => (
            ReviewStatus::Rejected,
            Some("Spacelift run discarded: the plan was not confirmed"),
        ),
        "CANCELED" | "STOPPED" | "SKIPPED" => (
            ReviewStatus::Closed,
            Some("Spacelift run canceled or stopped before it finished"),
        ),
        // Queued, initializing, planning, unconfirmed and states added later: the
        // change still waits for a decision.
        _ => (ReviewStatus::Open, None),
    }
}

/// Version 1 of a run's review before anything is known of its changes.
fn empty_run_version(run: &SpaceliftRun) -> ReviewVersion {
    let new = NewReview {
        documents: Vec::new(),
        origin: run_origin(run),
        repository: None,
        stack: Some(run.stack.clone()),
        config: ReviewConfig::default(),
    };
    let mut version = rules_version(&new, "system", Utc::now());
    // Nothing was reviewed: no score rather than a confident zero.
    version.review.risk = None;
    version
}

/// A review of a run's `delta` alone: the plan summary's counts, and the core's
/// blast-radius term for that many changed resources. No rule saw a resource, so
/// the confidence is the core's for "parsed, nothing covered".
pub fn delta_review(delta: &SpaceliftDelta) -> Review {
    let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let actions: BTreeMap<String, usize> = [
        ("create", delta.added),
        ("update", delta.changed),
        ("delete", delta.deleted),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(action, n)| (action.to_owned(), count(n)))
    .collect();
    let summary = PlanSummary {
        actions,
        ..PlanSummary::default()
    };
    let changed = changed_resources(Some(&summary));
    Review {
        findings: Vec::new(),
        risk: Some(risk::score(
            &[],
            &Coverage {
                documents: 1,
                resources: changed,
                changed_resources: changed,
                ..Coverage::default()
            },
        )),
        changes: ChangeSummary {
            plan: Some(summary),
            ..ChangeSummary::default()
        },
        resources: changed,
        errors: Vec::new(),
        undetermined: Vec::new(),
        not_evaluated: Vec::new(),
        failed_checks: Vec::new(),
    }
}

/// Plan changes other than no-op and read: what the core's blast radius counts.
fn changed_resources(plan: Option<&PlanSummary>) -> usize {
    plan.map_or(0, |p| {
        p.actions
            .iter()
            .filter(|(action, _)| !matches!(action.as_str(), "no-op" | "read"))
            .map(|(_, n)| *n)
            .fold(0, usize::saturating_add)
    })
}
