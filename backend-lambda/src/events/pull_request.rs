//! Pull-request events, written once against [`CodeHost`] for GitHub, GitLab and
//! Bitbucket Cloud:
//!
//! - `pr.opened` / `pr.updated`: fetch the change (files and patches, or the host's
//!   diff), the changed Terraform files at the head commit and the repository's
//!   `.reviewgate.toml`; review; write version 1 (or n + 1 of the PR's review); then
//!   edit the one reviewgate comment on the PR in place and record the verdict the
//!   host's way, its conclusion following `fail_on`.
//! - `pr.closed` / `pr.merged`: a new version of the PR's review with status closed.
//!
//! A host without a configured client finishes the event as skipped, naming the
//! variable to set.

use chrono::Utc;
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::output::{escape, markdown};
use reviewgate_core::{Document, Finding, InputKind, Severity};
use reviewgate_ingress::event::{EventEnvelope, EventKind, EventSource, PullRequest, Repository};
use sha2::{Digest, Sha256};

use super::{EventProcessor, ProcessError, next_version};
use crate::forge::{
    Annotation, AnnotationLevel, CheckConclusion, CheckRun, CodeHost, ForgeError, PullRequestFile,
    PullRequestFileStatus,
};
use crate::model::{ReviewStatus, ReviewVersion};
use crate::reviews::{NewReview, rules_version};
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
/// verdict on the head commit, whose conclusion follows `threshold` (`fail_on`).
fn pull_request_report(
    version: &ReviewVersion,
    head_sha: &str,
    threshold: Severity,
) -> (String, CheckRun) {
    let review = &version.review;
    // The comment and the check's summary show the same Markdown. It has no marker:
    // the host client puts the marker on the comment, once.
    let markdown = markdown::render_body_within(review, env!("CARGO_PKG_VERSION"), COMMENT_BUDGET);
    let comment = format!(
        "{markdown}\n\n<sub>reviewgate review {} · version {} · commit {}</sub>\n",
        escape::markdown_code_span(&version.review_id, escape::Inline::Text),
        version.version,
        escape::markdown_text(short_sha(head_sha)),
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
