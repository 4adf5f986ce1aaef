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
//! This file is the scheduling: events are taken by subject (a pull request, a
//! Spacelift run), several subjects at once and each subject's events in order;
//! retryable failures are deferred in the store with a backoff; every event ends
//! finished with its outcome. A panic while processing one event is caught and
//! counted as a failed attempt of that event, so the processor itself never dies;
//! an event that fails for good is reported where it came from (a pull request
//! gets a failing check saying why), never only logged. What an event does depends
//! on what it is about:
//!
//! - pull requests (`pull_request.rs`): `pr.opened` / `pr.updated` are reviewed and
//!   reported back to the code host; `pr.closed` / `pr.merged` close the review;
//! - Spacelift runs (`spacelift_run.rs`): `spacelift.run` writes the next version
//!   of the run's review, whose status follows the run state;
//! - everything else is recorded and finished as skipped, with the reason.

use std::any::Any;
use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::{FutureExt, StreamExt};
use reviewgate_ingress::event::{EventEnvelope, EventKind};
use tokio::sync::{Notify, watch};

use crate::config::FailureConclusion;
use crate::forge::bitbucket::BitbucketClient;
use crate::forge::github::GitHubClient;
use crate::forge::gitlab::GitLabClient;
use crate::model::ReviewVersion;
use crate::spacelift::SpaceliftClient;
use crate::store::{EventOutcome, PendingEvent, ReviewStore, StoreError};

mod pull_request;
mod spacelift_run;

pub use pull_request::{CHECK_NAME, DEFAULT_FAIL_ON, ReviewStep, pull_request_review_id};
pub use spacelift_run::{delta_review, spacelift_run_review_id};

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

/// Reviews accepted events and reports back.
pub struct EventProcessor {
    store: Arc<dyn ReviewStore>,
    github: Option<GitHubClient>,
    gitlab: Option<GitLabClient>,
    bitbucket: Option<BitbucketClient>,
    spacelift: Option<SpaceliftClient>,
    failure_conclusion: FailureConclusion,
    review_step: ReviewStep,
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
            failure_conclusion: FailureConclusion::default(),
            review_step: pull_request::rules_step(),
        }
    }

    /// The verdict on a pull request that could not be reviewed (default: failure).
    pub fn with_failure_conclusion(mut self, conclusion: FailureConclusion) -> Self {
        self.failure_conclusion = conclusion;
        self
    }

    /// Replaces the step that turns a pull request's documents into a review
    /// (default: the core's rules). It runs on the blocking pool; tests use it to
    /// hold a review, or make it panic.
    pub fn with_review_step(mut self, step: ReviewStep) -> Self {
        self.review_step = step;
        self
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
        // A panic is one failed attempt of this event, not the processor's end.
        let processed = catch_panic(self.process(event))
            .await
            .unwrap_or_else(|panic| {
                tracing::error!(event_id = %event.id, panic = %panic, "event processing panicked");
                Err(ProcessError::Retryable(format!(
                    "processing panicked: {panic}"
                )))
            });
        let outcome = match processed {
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
        if let EventOutcome::Failed { reason } = &outcome
            && let Err(panic) = catch_panic(self.report_failure(event, reason)).await
        {
            tracing::error!(event_id = %event.id, panic = %panic, "reporting a failure panicked");
        }
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

    async fn write(&self, version: &ReviewVersion) -> Result<(), ProcessError> {
        if version.version == 1 {
            self.store.create(version).await?;
        } else {
            self.store.put_version(version).await?;
        }
        Ok(())
    }
}

/// `future`'s output, or the message of the panic that ended it.
async fn catch_panic<T>(future: impl Future<Output = T>) -> Result<T, String> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(|payload| panic_message(payload.as_ref()))
}

/// What a panic said: its message when it is text.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// What an event is about, for ordering: events with the same subject write
/// versions of the same review, so they are processed one after another.
fn subject_of(event: &EventEnvelope) -> String {
    match (&event.repository, &event.pr, &event.spacelift) {
        (Some(repository), Some(pr), _) => {
            pull_request_review_id(event.source, repository, pr.number)
        }
        (_, _, Some(run)) => {
            spacelift_run_review_id(event.source, &run.account, &run.stack, &run.run_id)
        }
        _ => event.id.clone(),
    }
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
