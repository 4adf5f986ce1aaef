//! Turns accepted events into reviews. Intake stores every verified event as pending
//! before it answers 2xx ([`ReviewStore::accept_event`]); the [`EventProcessor`]
//! takes pending events oldest first, reviews what they are about, reports back to
//! where the team works, and marks each event finished with its outcome.
//!
//! Processing is idempotent per event, which is what makes "every acknowledged event
//! is reviewed, none twice" hold across crashes: the review version an event writes
//! carries the event's id, so an event processed again after a crash (written but
//! not yet marked finished) finds its own version and only reports it again.
//!
//! - `pr.opened` / `pr.updated` (GitHub): fetch the changed files and their patches,
//!   the changed Terraform files at the head commit and the repository's
//!   `.reviewgate.toml`; review; write version 1 (or n + 1 of the PR's review); then
//!   edit the one reviewgate comment on the PR in place and post a check run whose
//!   conclusion follows `fail_on`.
//! - `pr.closed` / `pr.merged`: a new version of the PR's review with status closed.
//! - `spacelift.run`: a new version of the review of that stack's run, whose status
//!   follows the run state. Spacelift numbers a run's state changes
//!   (`stateVersion`); the version records the last one applied, and a delivery
//!   that is not newer changes nothing, so late deliveries never move a review
//!   backwards. With a Spacelift API key the run's planned changes are fetched once
//!   it has planned and reviewed by the change rules; without one, the `delta`
//!   (added / changed / deleted counts) is scored as the plan's blast radius.
//! - Everything else is recorded and finished as skipped, with the reason.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::output::markdown;
use reviewgate_core::review::{ChangeSummary, PlanSummary};
use reviewgate_core::risk::{self, Coverage};
use reviewgate_core::{Document, Finding, InputError, InputKind, Origin, Review, Severity};
use reviewgate_ingress::event::{
    EventEnvelope, EventKind, EventSource, PullRequest, Repository, SpaceliftDelta, SpaceliftRun,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, watch};

use crate::forge::bitbucket::BitbucketClient;
use crate::forge::github::GitHubClient;
use crate::forge::gitlab::GitLabClient;
use crate::forge::{
    Annotation, AnnotationLevel, CheckConclusion, CheckRun, CodeHost, ForgeError, PullRequestFile,
    PullRequestFileStatus,
};
use crate::model::{Analysis, ReviewStatus, ReviewVersion};
use crate::reviews::{NewReview, rules_version};
use crate::spacelift::{SpaceliftClient, SpaceliftError, run_plan, run_plan_path};
use crate::store::{EventOutcome, PendingEvent, ReviewStore, StoreError};

/// The check run's name on the commit.
pub const CHECK_NAME: &str = "reviewgate";
/// GitHub rejects comment bodies over 65,536 characters; the rest is room for the
/// marker and the footer.
const COMMENT_BUDGET: usize = 60_000;
/// Changed Terraform files fetched whole for context; the diff covers the rest.
const MAX_CONTEXT_FILES: usize = 100;
/// The check run fails from this severity when `.reviewgate.toml` sets no `fail_on`.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;
/// How often a retryable failure is retried before the event is finished as failed.
const MAX_ATTEMPTS: u32 = 8;
/// How many subjects (pull requests, runs) are processed at once: enough to overlap
/// the code hosts' latency, few enough to stay far inside their rate limits.
const PARALLEL_SUBJECTS: usize = 8;
/// How often the worker looks for pending events when nothing wakes it (another
/// process may have accepted them, or a retry came due).
const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Why an event could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Worth trying again later: the provider or the store is throttling or down.
    #[error("{0} (will retry)")]
    Retryable(String),
    /// Will not work however often it is tried: no access, a PR that is gone.
    #[error("{0}")]
    Permanent(String),
}

impl From<StoreError> for ProcessError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) | StoreError::VersionConflict { .. } => {
                ProcessError::Retryable(e.to_string())
            }
            other => ProcessError::Permanent(other.to_string()),
        }
    }
}

impl From<SpaceliftError> for ProcessError {
    fn from(e: SpaceliftError) -> Self {
        if e.is_retryable() {
            ProcessError::Retryable(format!("Spacelift: {e}"))
        } else {
            ProcessError::Permanent(format!("Spacelift: {e}"))
        }
    }
}

impl ProcessError {
    /// A code host's failure, named after the host (`GitLab: not found: …`).
    fn from_host(host: CodeHost<'_>) -> impl Fn(ForgeError) -> ProcessError {
        move |e| {
            let reason = format!("{}: {e}", host.name());
            if e.is_retryable() {
                ProcessError::Retryable(reason)
            } else {
                ProcessError::Permanent(reason)
            }
        }
    }
}

/// Reviews accepted events and reports back.
pub struct EventProcessor {
    store: Arc<dyn ReviewStore>,
    github: Option<GitHubClient>,
    gitlab: Option<GitLabClient>,
    bitbucket: Option<BitbucketClient>,
    spacelift: Option<SpaceliftClient>,
}

impl EventProcessor {
    /// A processor over `store`; pull-request events from a host without a client
    /// (GitHub here, GitLab and Bitbucket with [`Self::with_gitlab`] and
    /// [`Self::with_bitbucket`]) are finished as skipped with the reason.
    pub fn new(store: Arc<dyn ReviewStore>, github: Option<GitHubClient>) -> Self {
        EventProcessor {
            store,
            github,
            gitlab: None,
            bitbucket: None,
            spacelift: None,
        }
    }

    /// Reviews GitLab merge requests through `client`.
    pub fn with_gitlab(mut self, client: GitLabClient) -> Self {
        self.gitlab = Some(client);
        self
    }

    /// Reviews Bitbucket Cloud pull requests through `client`.
    pub fn with_bitbucket(mut self, client: BitbucketClient) -> Self {
        self.bitbucket = Some(client);
        self
    }

    /// The client for the host an event came from, or why there is none.
    fn code_host(&self, source: EventSource) -> Result<CodeHost<'_>, String> {
        match source {
            EventSource::Github => self.github.as_ref().map(CodeHost::GitHub).ok_or_else(|| {
                "no GitHub credentials are configured (REVIEWGATE_GITHUB_TOKEN, or \
                     REVIEWGATE_GITHUB_APP_ID with its private key)"
                    .into()
            }),
            EventSource::Gitlab => self
                .gitlab
                .as_ref()
                .map(CodeHost::GitLab)
                .ok_or_else(|| "no GitLab token is configured (REVIEWGATE_GITLAB_TOKEN)".into()),
            EventSource::Bitbucket => {
                self.bitbucket
                    .as_ref()
                    .map(CodeHost::Bitbucket)
                    .ok_or_else(|| {
                        "no Bitbucket token is configured (REVIEWGATE_BITBUCKET_TOKEN)".into()
                    })
            }
            other => Err(format!(
                "pull requests from {} cannot be fetched: reviewgate knows GitHub, GitLab and Bitbucket",
                other.as_str()
            )),
        }
    }

    /// Fetches Spacelift runs' planned changes with `client`; without one, run
    /// events are reviewed from their `delta` counts alone.
    pub fn with_spacelift(mut self, client: SpaceliftClient) -> Self {
        self.spacelift = Some(client);
        self
    }

    /// Processes one event to its outcome (not yet recorded: see [`Self::run`]).
    pub async fn process(&self, event: &EventEnvelope) -> Result<EventOutcome, ProcessError> {
        match event.kind {
            EventKind::PrOpened | EventKind::PrUpdated => self.review_pull_request(event).await,
            EventKind::PrClosed | EventKind::PrMerged => self.close_pull_request(event).await,
            EventKind::SpaceliftRun => self.review_spacelift_run(event).await,
            other => Ok(EventOutcome::Skipped {
                reason: format!("{} events are recorded, not reviewed", other.as_str()),
            }),
        }
    }

    /// Processes pending events until `shutdown` turns true, sleeping until `wake`
    /// is notified (intake accepted an event) or the poll interval passes. Events
    /// being processed when shutdown comes (one per subject in hand) are finished
    /// first; events not started stay pending in the store for the next start.
    pub async fn run(&self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let due = match self.store.pending_events(100).await {
                Ok(events) => events,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read pending events");
                    Vec::new()
                }
            };
            if due.is_empty() {
                // Deferred events come due within a poll interval of their time.
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(POLL_INTERVAL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let stop = || *shutdown.borrow();
            self.process_by_subject(due, &stop).await;
        }
    }

    /// Processes `due` with up to [`PARALLEL_SUBJECTS`] subjects (a pull request,
    /// a Spacelift run, an event of its own) at once, each subject's events one
    /// after another in the order given, so two events about one review never race
    /// for its next version. Stops starting events once `stop` says so; returns how
    /// many were processed.
    async fn process_by_subject(
        &self,
        due: Vec<PendingEvent>,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> usize {
        let mut subjects: Vec<(String, Vec<PendingEvent>)> = Vec::new();
        for event in due {
            let subject = subject_of(&event.envelope);
            match subjects.iter_mut().find(|(s, _)| *s == subject) {
                Some((_, events)) => events.push(event),
                None => subjects.push((subject, vec![event])),
            }
        }
        futures_util::stream::iter(subjects)
            .map(|(_, events)| async move {
                let mut processed = 0;
                for event in &events {
                    if stop() {
                        break;
                    }
                    self.process_and_finish(event).await;
                    processed += 1;
                }
                processed
            })
            .buffer_unordered(PARALLEL_SUBJECTS)
            .fold(0, |total, n| async move { total + n })
            .await
    }

    /// Processes the events due now, once each (a retryable failure defers the
    /// event in the store), until none is due or `budget` has passed: what a
    /// Lambda invocation or a test does instead of [`Self::run`]. Returns how many
    /// were processed.
    pub async fn process_pending(&self, budget: Duration) -> Result<usize, StoreError> {
        let started = Instant::now();
        let mut processed = 0;
        let mut seen = HashSet::new();
        while started.elapsed() < budget {
            let due = self.store.pending_events(100).await?;
            // An event still listed after processing (its finish failed, or the
            // index has not caught up) waits for the next invocation.
            let fresh: Vec<_> = due
                .into_iter()
                .filter(|e| seen.insert(e.envelope.id.clone()))
                .collect();
            if fresh.is_empty() {
                break;
            }
            let over_budget = || started.elapsed() >= budget;
            processed += self.process_by_subject(fresh, &over_budget).await;
        }
        Ok(processed)
    }

    async fn process_and_finish(&self, pending: &PendingEvent) {
        let event = &pending.envelope;
        let started = Instant::now();
        let outcome = match self.process(event).await {
            Ok(outcome) => outcome,
            Err(ProcessError::Retryable(reason)) => {
                let attempts = pending.attempts + 1;
                if attempts < MAX_ATTEMPTS {
                    // 4 s, 8 s, … 256 s: long enough for a rate limit to reset.
                    let backoff = Duration::from_secs(2u64 << attempts.min(7));
                    tracing::warn!(
                        event_id = %event.id,
                        attempts,
                        retry_in_secs = backoff.as_secs(),
                        reason = %reason,
                        "event processing failed; will retry"
                    );
                    let retry_at = Utc::now()
                        + chrono::Duration::from_std(backoff).unwrap_or(chrono::Duration::zero());
                    if let Err(e) = self.store.defer_event(&event.id, &reason, retry_at).await {
                        // Not deferred: it is due again at once, which only retries sooner.
                        tracing::error!(event_id = %event.id, error = %e, "cannot defer event");
                    }
                    return;
                }
                EventOutcome::Failed {
                    reason: format!("gave up after {attempts} attempts: {reason}"),
                }
            }
            Err(ProcessError::Permanent(reason)) => EventOutcome::Failed { reason },
        };
        match self.store.finish_event(&event.id, &outcome).await {
            Ok(()) => tracing::info!(
                event_type = "PERF",
                event_id = %event.id,
                kind = event.kind.as_str(),
                outcome = ?outcome,
                duration_ms = started.elapsed().as_millis() as u64,
                "event processed"
            ),
            // Still pending: the next pass processes it again and finds its version.
            Err(e) => tracing::error!(event_id = %event.id, error = %e, "cannot finish event"),
        }
    }

    async fn review_pull_request(
        &self,
        event: &EventEnvelope,
    ) -> Result<EventOutcome, ProcessError> {
        let (repository, pr) = pull_request_of(event)?;
        let host = match self.code_host(event.source) {
            Ok(host) => host,
            Err(reason) => return Ok(EventOutcome::Skipped { reason }),
        };
        let failed = ProcessError::from_host(host);
        let review_id = pull_request_review_id(event.source, repository, pr.number);
        let head_sha = host.head_commit(repository, pr).await.map_err(&failed)?;
        let config = match host
            .file(repository, ".reviewgate.toml", &head_sha)
            .await
            .map_err(&failed)?
        {
            Some(text) => ReviewConfig::from_toml(&text).map_err(|e| {
                ProcessError::Permanent(format!("the repository's .reviewgate.toml: {e}"))
            })?,
            None => ReviewConfig::default(),
        };
        let threshold = config.fail_on.unwrap_or(DEFAULT_FAIL_ON);
        let latest = self.store.get_latest(&review_id).await?;
        let version = match latest {
            // Written by this event before a crash: report it, do not write it again.
            Some(latest) if latest.event_id.as_deref() == Some(event.id.as_str()) => latest,
            latest => {
                let change = host.change(repository, pr).await.map_err(&failed)?;
                let mut documents = vec![Document {
                    path: format!("pull-{}.diff", pr.number),
                    kind: Some(InputKind::Diff),
                    content: change.diff,
                }];
                for file in context_files(&change.files) {
                    if let Some(text) = host
                        .file(repository, &file.filename, &head_sha)
                        .await
                        .map_err(&failed)?
                    {
                        documents.push(Document::detect(file.filename.clone(), text));
                    }
                }
                let new = NewReview {
                    documents,
                    origin: host.origin(repository, pr, &head_sha),
                    repository: Some(repository.full_name()),
                    stack: None,
                    config,
                };
                let version = next_version(
                    rules_version(&new, "system", Utc::now()),
                    &review_id,
                    latest,
                    event,
                );
                self.write(&version).await?;
                version
            }
        };
        let (comment, check) = pull_request_report(&version, &head_sha, threshold);
        host.report(repository, pr, &comment, &check)
            .await
            .map_err(&failed)?;
        Ok(EventOutcome::Reviewed {
            review_id,
            version: version.version,
        })
    }

    async fn close_pull_request(
        &self,
        event: &EventEnvelope,
    ) -> Result<EventOutcome, ProcessError> {
        let (repository, pr) = pull_request_of(event)?;
        let review_id = pull_request_review_id(event.source, repository, pr.number);
        let Some(latest) = self.store.get_latest(&review_id).await? else {
            return Ok(EventOutcome::Skipped {
                reason: "the pull request was never reviewed".into(),
            });
        };
        if latest.event_id.as_deref() == Some(event.id.as_str()) {
            return Ok(EventOutcome::Reviewed {
                review_id,
                version: latest.version,
            });
        }
        let mut version = latest.clone();
        version.status = ReviewStatus::Closed;
        version.decision = Some(
            if event.kind == EventKind::PrMerged {
                "pull request merged"
            } else {
                "pull request closed without merging"
            }
            .into(),
        );
        let version = next_version(version, &review_id, Some(latest), event);
        self.write(&version).await?;
        Ok(EventOutcome::Reviewed {
            review_id,
            version: version.version,
        })
    }

    async fn review_spacelift_run(
        &self,
        event: &EventEnvelope,
    ) -> Result<EventOutcome, ProcessError> {
        let Some(run) = &event.spacelift else {
            return Err(ProcessError::Permanent(
                "a spacelift.run event without its run".into(),
            ));
        };
        let review_id = spacelift_run_review_id(&run.account, &run.stack, &run.run_id);
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
        let fetched = match &self.spacelift {
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

    async fn write(&self, version: &ReviewVersion) -> Result<(), ProcessError> {
        if version.version == 1 {
            self.store.create(version).await?;
        } else {
            self.store.put_version(version).await?;
        }
        Ok(())
    }
}

/// What a pull request's review reports back: the comment's Markdown and the
/// verdict on the head commit, whose conclusion follows `threshold` (`fail_on`).
fn pull_request_report(
    version: &ReviewVersion,
    head_sha: &str,
    threshold: Severity,
) -> (String, CheckRun) {
    let review = &version.review;
    // The comment and the check's summary show the same Markdown.
    let markdown = markdown::render_within(review, env!("CARGO_PKG_VERSION"), COMMENT_BUDGET);
    let comment = format!(
        "{markdown}\n\n<sub>reviewgate review `{}` · version {} · commit {}</sub>\n",
        version.review_id,
        version.version,
        short_sha(head_sha),
    );
    let failing = review
        .findings
        .iter()
        .filter(|f| !f.suppressed && f.severity >= threshold)
        .count();
    let check = CheckRun {
        name: CHECK_NAME.into(),
        head_sha: head_sha.to_owned(),
        conclusion: if failing == 0 {
            CheckConclusion::Success
        } else {
            CheckConclusion::Failure
        },
        title: if failing == 0 {
            format!("No findings at {} or above", threshold.as_str())
        } else {
            format!("{failing} finding(s) at {} or above", threshold.as_str())
        },
        summary: markdown,
        // A finding skipped inline (`reviewgate:skip`, `checkov:skip`, …) stays in the
        // comment's Markdown as suppressed, but is not pinned on the diff.
        annotations: review
            .findings
            .iter()
            .filter(|f| !f.suppressed)
            .filter_map(annotation)
            .collect(),
    };
    (comment, check)
}

fn pull_request_of(event: &EventEnvelope) -> Result<(&Repository, &PullRequest), ProcessError> {
    match (&event.repository, &event.pr) {
        (Some(repository), Some(pr)) => Ok((repository, pr)),
        _ => Err(ProcessError::Permanent(
            "a pull-request event without its repository or pull request".into(),
        )),
    }
}

/// What an event is about, for ordering: events with the same subject write
/// versions of the same review, so they are processed one after another.
fn subject_of(event: &EventEnvelope) -> String {
    match (&event.repository, &event.pr, &event.spacelift) {
        (Some(repository), Some(pr), _) => {
            pull_request_review_id(event.source, repository, pr.number)
        }
        (_, _, Some(run)) => spacelift_run_review_id(&run.account, &run.stack, &run.run_id),
        _ => event.id.clone(),
    }
}

/// One review per pull request, whatever number of events: the id is derived from
/// the PR, so every event about it writes the next version of the same review.
pub fn pull_request_review_id(source: EventSource, repository: &Repository, number: u64) -> String {
    let key = format!("{}:{}#{number}", source.as_str(), repository.full_name());
    let digest = Sha256::digest(key.as_bytes());
    format!("pr-{}", hex::encode(&digest[..12]))
}

/// One review per Spacelift run, whatever number of state changes: the id is
/// derived from the account, stack and run, so every event about the run writes the
/// next version of the same review.
pub fn spacelift_run_review_id(account: &str, stack: &str, run_id: &str) -> String {
    let key = format!("spacelift:{account}/{stack}#{run_id}");
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

/// `version` made the successor of `latest` (or version 1), written for `event`.
fn next_version(
    mut version: ReviewVersion,
    review_id: &str,
    latest: Option<ReviewVersion>,
    event: &EventEnvelope,
) -> ReviewVersion {
    version.review_id = review_id.to_owned();
    version.event_id = Some(event.id.clone());
    version.updated_at = Utc::now();
    match latest {
        Some(latest) => {
            version.version = latest.version + 1;
            version.previous_version_id =
                Some(ReviewVersion::version_id(review_id, latest.version));
            version.created_at = latest.created_at;
        }
        None => {
            version.version = 1;
            version.previous_version_id = None;
        }
    }
    version
}

/// Changed Terraform files that still exist at the head commit.
fn context_files(files: &[PullRequestFile]) -> impl Iterator<Item = &PullRequestFile> {
    files
        .iter()
        .filter(|f| f.status != PullRequestFileStatus::Removed)
        .filter(|f| {
            let path = f.filename.as_str();
            path.ends_with(".tf") || path.ends_with(".tfvars") || path.ends_with(".tf.json")
        })
        .take(MAX_CONTEXT_FILES)
}

fn annotation(finding: &Finding) -> Option<Annotation> {
    let (path, line) = (finding.file.clone()?, finding.line?);
    Some(Annotation {
        path,
        start_line: line,
        end_line: finding.end_line.unwrap_or(line).max(line),
        annotation_level: match finding.severity {
            Severity::Critical | Severity::High => AnnotationLevel::Failure,
            Severity::Medium => AnnotationLevel::Warning,
            Severity::Low | Severity::Info => AnnotationLevel::Notice,
        },
        title: Some(format!("{}: {}", finding.rule_id, finding.title)),
        message: finding.message.clone(),
    })
}

fn short_sha(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
