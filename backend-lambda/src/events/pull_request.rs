//! Pull-request events, written once against [`CodeHost`] for GitHub, GitLab and
//! Bitbucket Cloud:
//!
//! - `pr.opened` / `pr.updated`: ask the host for the pull request's base commit
//!   and read `.reviewgate.toml` there — never at the head, which the pull
//!   request's author controls, or a pull request could pass its own gate by
//!   excluding everything; fetch the change within the limits of `forge/change.rs`
//!   (what does not fit is listed as not reviewed, and the verdict says the pull
//!   request was too large to review fully) and the changed Terraform files at the
//!   head; when the pull request changes `.reviewgate.toml`, compare it with the
//!   base's and report what it would loosen (`RG-GATE-001`); review on the
//!   blocking pool, so that one large pull request does not stall the others;
//!   write version 1 (or n + 1 of the PR's review); then edit reviewgate's one
//!   comment on the PR and record the verdict the host's way, its conclusion
//!   following the base's `fail_on`. The verdict never waits on the comment.
//! - `pr.closed` / `pr.merged`: a new version of the PR's review with status closed.
//! - A pull request that cannot be reviewed for good (refused by its host, broken
//!   settings at the base, every attempt failed) gets a verdict all the same: the
//!   configured failure conclusion with the reason ([`EventProcessor::report_failure`]).
//!
//! A host without a configured client finishes the event as skipped, naming the
//! variable to set.

use std::sync::Arc;

use chrono::Utc;
use reviewgate_core::config::{FILE_NAME as SETTINGS_FILE, ReviewConfig};
use reviewgate_core::gate::settings_change_findings;
use reviewgate_core::output::{escape, markdown};
use reviewgate_core::{Document, Finding, InputError, InputKind, Severity};
use reviewgate_ingress::event::{EventEnvelope, EventKind, EventSource, PullRequest, Repository};
use sha2::{Digest, Sha256};

use super::{EventProcessor, ProcessError, next_version, panic_message};
use crate::config::FailureConclusion;
use crate::forge::{
    Annotation, AnnotationLevel, CheckConclusion, CheckRun, CodeHost, ForgeError, LeftOut,
    MAX_CHANGE_BYTES, MAX_FILE_BYTES, PullRequestFile, PullRequestFileStatus, PullRequestInfo,
};
use crate::model::{ReviewStatus, ReviewVersion};
use crate::reviews::{NewReview, ReviewExtras, rules_version_with};
use crate::store::EventOutcome;

/// The check run's name on the commit.
pub const CHECK_NAME: &str = "reviewgate";
/// GitHub rejects comment bodies over 65,536 characters; the rest is room for the
/// marker and the footer.
const COMMENT_BUDGET: usize = 60_000;
/// Changed Terraform files fetched whole for context; the diff covers the rest.
const MAX_CONTEXT_FILES: usize = 100;
/// The check run fails from this severity when `.reviewgate.toml` sets no `fail_on`.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;
/// How the review names a change it could not read (an input error's message
/// starts with it): what makes the verdict say "too large to review fully".
const NOT_REVIEWED: &str = "not reviewed: ";
/// Changes listed one by one as not reviewed; past this, one line says how many
/// more (a 10,000-file pull request need not store 10,000 lines saying so).
const MAX_LISTED_NOT_REVIEWED: usize = 100;

/// The CPU-heavy step of a pull request's review: the documents through the core's
/// rules, secrets redacted from the inputs kept. The processor runs it on the
/// blocking pool ([`EventProcessor::with_review_step`] replaces it).
pub type ReviewStep = Arc<dyn Fn(&NewReview, ReviewExtras) -> ReviewVersion + Send + Sync>;

/// The default [`ReviewStep`]: the core's rules.
pub(super) fn rules_step() -> ReviewStep {
    Arc::new(|new, extras| rules_version_with(new, extras, "system", Utc::now()))
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

impl From<FailureConclusion> for CheckConclusion {
    fn from(conclusion: FailureConclusion) -> Self {
        match conclusion {
            FailureConclusion::Failure => CheckConclusion::Failure,
            FailureConclusion::Neutral => CheckConclusion::Neutral,
        }
    }
}

impl EventProcessor {
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

    pub(super) async fn review_pull_request(
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
        let info = host
            .pull_request_info(repository, pr)
            .await
            .map_err(&failed)?;
        // The gate's settings are the base's: the head is the pull request's own word.
        let config = match host
            .file(repository, SETTINGS_FILE, &info.base_sha)
            .await
            .map_err(&failed)?
        {
            Some(text) => ReviewConfig::from_toml(&text).map_err(|e| {
                ProcessError::Permanent(format!(
                    "the repository's {SETTINGS_FILE} at the base commit {}: {e}",
                    short_sha(&info.base_sha)
                ))
            })?,
            None => ReviewConfig::default(),
        };
        let threshold = config.fail_on.unwrap_or(DEFAULT_FAIL_ON);
        let latest = self.store.get_latest(&review_id).await?;
        let version = match latest {
            // Written by this event before a crash: report it, do not write it again.
            Some(latest) if latest.event_id.as_deref() == Some(event.id.as_str()) => latest,
            latest => {
                let (new, extras) = self
                    .gather(host, repository, pr, &info, &head_sha, config)
                    .await?;
                let step = self.review_step.clone();
                let version = off_the_runtime(move || step(&new, extras)).await?;
                let version = next_version(version, &review_id, latest, event);
                self.write(&version).await?;
                version
            }
        };
        let number = version.version;
        let conclusion = self.failure_conclusion;
        let head = head_sha.clone();
        let (comment, check) =
            off_the_runtime(move || pull_request_report(&version, &head, threshold, conclusion))
                .await?;
        // A comment that could not be written is logged there; the verdict is what
        // gates the merge, and it was recorded.
        let _comment = host
            .report(repository, pr, &comment, &check)
            .await
            .map_err(&failed)?;
        Ok(EventOutcome::Reviewed {
            review_id,
            version: number,
        })
    }

    /// The documents of a pull request's review and what goes with them: the diff,
    /// the changed Terraform files whole (within [`MAX_CHANGE_BYTES`] in all, each
    /// within [`MAX_FILE_BYTES`]), the changes that did not fit, and what a change
    /// of the settings file would loosen compared with the base's `config`.
    async fn gather(
        &self,
        host: CodeHost<'_>,
        repository: &Repository,
        pr: &PullRequest,
        info: &PullRequestInfo,
        head_sha: &str,
        config: ReviewConfig,
    ) -> Result<(NewReview, ReviewExtras), ProcessError> {
        let failed = ProcessError::from_host(host);
        let change = host.change(repository, pr, info).await.map_err(&failed)?;
        let mut left_out = change.left_out;
        let mut budget = MAX_CHANGE_BYTES.saturating_sub(change.diff.len());
        let mut documents = vec![Document {
            path: format!("pull-{}.diff", pr.number),
            kind: Some(InputKind::Diff),
            content: change.diff,
        }];
        for file in context_files(&change.files) {
            let too_much = |reason: String| LeftOut {
                path: file.filename.clone(),
                reason: format!("{reason} (only its diff was reviewed)"),
            };
            if budget == 0 {
                left_out.push(too_much(spent_budget()));
                continue;
            }
            match host.file(repository, &file.filename, head_sha).await {
                Ok(Some(text)) if text.len() <= budget => {
                    budget -= text.len();
                    documents.push(Document::detect(file.filename.clone(), text));
                }
                Ok(Some(_)) => left_out.push(too_much(spent_budget())),
                Ok(None) => {}
                Err(ForgeError::TooLarge { .. }) => left_out.push(too_much(format!(
                    "larger than the {} MiB a file may have to be read whole",
                    MAX_FILE_BYTES / (1024 * 1024)
                ))),
                Err(e) => return Err(failed(e)),
            }
        }
        let findings = self
            .settings_change(host, repository, &change.files, head_sha, &config)
            .await?;
        let new = NewReview {
            documents,
            origin: host.origin(repository, pr, head_sha),
            repository: Some(repository.full_name()),
            stack: None,
            config,
        };
        Ok((
            new,
            ReviewExtras {
                findings,
                unread: not_reviewed(left_out),
            },
        ))
    }

    /// What the pull request's own `.reviewgate.toml` would loosen compared with the
    /// base's settings (`base`), when it changes, renames or removes the file.
    async fn settings_change(
        &self,
        host: CodeHost<'_>,
        repository: &Repository,
        files: &[PullRequestFile],
        head_sha: &str,
        base: &ReviewConfig,
    ) -> Result<Vec<Finding>, ProcessError> {
        let changed = files.iter().find_map(|f| {
            if f.filename == SETTINGS_FILE {
                Some(f.status != PullRequestFileStatus::Removed)
            } else if f.previous_filename.as_deref() == Some(SETTINGS_FILE) {
                // Renamed away: the head has none.
                Some(false)
            } else {
                None
            }
        });
        let head_text = match changed {
            None => return Ok(Vec::new()),
            Some(false) => String::new(),
            Some(true) => host
                .file(repository, SETTINGS_FILE, head_sha)
                .await
                .map_err(ProcessError::from_host(host))?
                .unwrap_or_default(),
        };
        Ok(settings_change_findings(
            base,
            &head_text,
            Some(DEFAULT_FAIL_ON),
        ))
    }

    /// Records on the pull request that it could not be reviewed, and why: the
    /// configured failure conclusion (failure unless set to neutral), so that a
    /// pull request never passes because reviewgate failed. Only a log line when
    /// even that cannot be written (the host refuses everything).
    pub(super) async fn report_failure(&self, event: &EventEnvelope, reason: &str) {
        if !matches!(event.kind, EventKind::PrOpened | EventKind::PrUpdated) {
            return;
        }
        let (Ok((repository, pr)), Ok(host)) =
            (pull_request_of(event), self.code_host(event.source))
        else {
            return;
        };
        let recorded = match host.head_commit(repository, pr).await {
            Ok(head_sha) => {
                let check = failure_check(&head_sha, reason, self.failure_conclusion);
                host.verdict(repository, pr, &check, None).await
            }
            Err(e) => Err(e),
        };
        match recorded {
            Ok(()) => tracing::warn!(
                event_id = %event.id,
                reason,
                "pull request not reviewed; its check says why"
            ),
            Err(e) => tracing::error!(
                event_id = %event.id,
                reason,
                error = %e,
                "pull request not reviewed, and the verdict saying so could not be recorded"
            ),
        }
    }

    pub(super) async fn close_pull_request(
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
}

/// What a pull request's review reports back: the comment's Markdown and the
/// verdict on the head commit, whose conclusion follows `threshold` (`fail_on`) —
/// or, when part of the change could not be reviewed and nothing else fails it,
/// `failure_conclusion`.
fn pull_request_report(
    version: &ReviewVersion,
    head_sha: &str,
    threshold: Severity,
    failure_conclusion: FailureConclusion,
) -> (String, CheckRun) {
    let review = &version.review;
    // The comment and the check's summary show the same Markdown. It has no marker:
    // the host client puts the marker on the comment, once.
    let markdown = markdown::render_body_within(review, env!("CARGO_PKG_VERSION"), COMMENT_BUDGET);
    let incomplete = review
        .errors
        .iter()
        .any(|e| e.message.starts_with(NOT_REVIEWED));
    let too_large = if incomplete {
        "**Too large to review fully**: the changes listed as not reviewed under \
         \"Inputs that could not be read\" were not reviewed.\n\n"
    } else {
        ""
    };
    let comment = format!(
        "{markdown}\n\n{too_large}<sub>reviewgate review {} · version {} · commit {} · \
         settings from the base branch</sub>\n",
        escape::markdown_code_span(&version.review_id, escape::Inline::Text),
        version.version,
        escape::markdown_text(short_sha(head_sha)),
    );
    let failing = review
        .findings
        .iter()
        .filter(|f| !f.suppressed && f.severity >= threshold)
        .count();
    let at = threshold.as_str();
    let (conclusion, title) = match (failing, incomplete) {
        (0, false) => (
            CheckConclusion::Success,
            format!("No findings at {at} or above"),
        ),
        (n, false) => (
            CheckConclusion::Failure,
            format!("{n} finding(s) at {at} or above"),
        ),
        (0, true) => (
            failure_conclusion.into(),
            format!("Too large to review fully; no findings at {at} or above in what was reviewed"),
        ),
        (n, true) => (
            CheckConclusion::Failure,
            format!("{n} finding(s) at {at} or above; too large to review fully"),
        ),
    };
    let check = CheckRun {
        name: CHECK_NAME.into(),
        head_sha: head_sha.to_owned(),
        conclusion,
        title,
        summary: format!("{too_large}{markdown}"),
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

/// The verdict on a pull request that could not be reviewed: `conclusion`, and the
/// reason as text (an indented code block: the reason may quote a host's message
/// or a settings file, and none of it is Markdown to render).
fn failure_check(head_sha: &str, reason: &str, conclusion: FailureConclusion) -> CheckRun {
    let one_line = reason.replace(['\r', '\n'], " ");
    let effect = match conclusion {
        FailureConclusion::Failure => {
            "The check fails so that nothing merges unreviewed \
             (`REVIEWGATE_FAILURE_CONCLUSION=neutral` makes it neutral)."
        }
        FailureConclusion::Neutral => {
            "The check is neutral (`REVIEWGATE_FAILURE_CONCLUSION=neutral`): the change \
             was not reviewed."
        }
    };
    CheckRun {
        name: CHECK_NAME.into(),
        head_sha: head_sha.to_owned(),
        conclusion: conclusion.into(),
        title: format!("Not reviewed: {one_line}"),
        summary: format!(
            "reviewgate could not review this pull request:\n\n    {one_line}\n\n{effect} \
             Push a new commit or redeliver the webhook to try again."
        ),
        annotations: Vec::new(),
    }
}

/// The changes left out as input errors the review lists, at most
/// [`MAX_LISTED_NOT_REVIEWED`] and then how many more.
fn not_reviewed(left_out: Vec<LeftOut>) -> Vec<InputError> {
    let error = |file: String, reason: &str| InputError {
        file,
        line: None,
        column: None,
        kind: None,
        message: format!("{NOT_REVIEWED}{reason}"),
    };
    let more = left_out.len().saturating_sub(MAX_LISTED_NOT_REVIEWED);
    let mut errors: Vec<InputError> = left_out
        .into_iter()
        .take(MAX_LISTED_NOT_REVIEWED)
        .map(|left| error(left.path, &left.reason))
        .collect();
    if more > 0 {
        errors.push(error(
            format!("{more} more changes"),
            "past the ones listed above, for the same reasons",
        ));
    }
    errors
}

fn spent_budget() -> String {
    format!(
        "reading it whole would pass the {} MiB one pull request's review reads",
        MAX_CHANGE_BYTES / (1024 * 1024)
    )
}

/// `work` on the blocking pool: reviewing a large change takes seconds of CPU, and
/// on the async runtime it would stall every other event. A panic in it is a
/// failed attempt, like any other.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ProcessError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        if e.is_panic() {
            ProcessError::Retryable(format!(
                "the review panicked: {}",
                panic_message(e.into_panic().as_ref())
            ))
        } else {
            ProcessError::Retryable("the review was cancelled".into())
        }
    })
}

fn pull_request_of(event: &EventEnvelope) -> Result<(&Repository, &PullRequest), ProcessError> {
    match (&event.repository, &event.pr) {
        (Some(repository), Some(pr)) => Ok((repository, pr)),
        _ => Err(ProcessError::Permanent(
            "a pull-request event without its repository or pull request".into(),
        )),
    }
}

/// One review per pull request, whatever number of events: the id is derived from
/// the PR, so every event about it writes the next version of the same review.
pub fn pull_request_review_id(source: EventSource, repository: &Repository, number: u64) -> String {
    let key = format!("{}:{}#{number}", source.as_str(), repository.full_name());
    let digest = Sha256::digest(key.as_bytes());
    format!("pr-{}", hex::encode(&digest[..12]))
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
        // Annotations are plain text: only hidden characters need showing.
        title: Some(annotation_text(
            &format!("{}: {}", finding.rule_id, finding.title),
            MAX_ANNOTATION_TITLE_CHARS,
        )),
        message: annotation_text(&finding.message, MAX_ANNOTATION_MESSAGE_CHARS),
    })
}

/// GitHub refuses a whole check run for one annotation title over 255 characters.
const MAX_ANNOTATION_TITLE_CHARS: usize = 200;
/// Far below every host's limit (GitHub: 64 KB), so a message quoting a huge value
/// cannot get the check run refused.
const MAX_ANNOTATION_MESSAGE_CHARS: usize = 2_000;

fn annotation_text(text: &str, max_chars: usize) -> String {
    escape::plain_text(&escape::clip(text, max_chars)).into_owned()
}

fn short_sha(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
