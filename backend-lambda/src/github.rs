//! A GitHub REST client for the pull-request loop: fetch a pull request's changed
//! files (and whole files when a rule needs them), then report back with one
//! persistent PR comment and a check run with line annotations.
//!
//! It speaks the REST API (version `2022-11-28`) over the crate's `reqwest` with
//! rustls, so the local server and the Lambda functions share it without an SDK.
//! The base URL is configurable: GitHub Enterprise Server lives under
//! `https://HOST/api/v3`, and the tests point it at a local fake
//! (`tests/github_fake.py`). Rate limits are waited out up to a bound the caller
//! sets; beyond it the caller gets [`GitHubError::RateLimited`] and decides (the
//! Lambda re-queues the event). The token never appears in an error or a log line.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LINK, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error_text::{describe, truncate_with_note};
use crate::logging;

/// Where github.com serves its REST API.
pub const DEFAULT_API_BASE: &str = "https://api.github.com";
/// The marker that identifies reviewgate's own PR comment: an HTML comment, so it
/// is invisible in the rendered Markdown.
pub const REVIEW_COMMENT_MARKER: &str = "<!-- reviewgate:review -->";
/// GitHub lists at most 3000 files of a pull request; later pages do not exist.
pub const MAX_PULL_REQUEST_FILES: usize = 3000;
/// GitHub accepts at most 50 annotations in one check-run create or update request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub rejects a check-run `output.summary` longer than 65535 characters.
pub const MAX_CHECK_SUMMARY_CHARS: usize = 65_535;
/// GitHub rejects an issue comment body longer than 65536 characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;
/// How long a request may wait for a rate limit to reset unless configured otherwise:
/// longer than this, and a Lambda is better off re-queueing the event.
pub const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// The API version the JSON shapes below are written against; GitHub keeps
/// answering in this version's shape after it releases newer ones.
const API_VERSION: &str = "2022-11-28";
const JSON_MEDIA_TYPE: &str = "application/vnd.github+json";
/// Asks the contents API for the file itself instead of base64 inside JSON.
const RAW_MEDIA_TYPE: &str = "application/vnd.github.raw+json";
/// GitHub's largest page size for list endpoints: fewest requests per list.
const PER_PAGE: &str = "100";
/// Retries of a GET after a 5xx or a transport failure. Only GETs: a POST that
/// timed out may have been applied, and a second one would duplicate the comment.
const GET_RETRIES: u32 = 2;
/// First backoff before retrying a GET; doubles per retry.
const RETRY_BACKOFF: Duration = Duration::from_millis(250);
/// How many times one request waits out a rate limit before giving up: a limit
/// that is still exhausted after its announced reset is not worth a fourth wait.
const RATE_LIMIT_WAITS: u32 = 3;
/// GitHub's documentation: on a secondary rate limit that names no `retry-after`
/// and no reset, wait at least one minute.
const SECONDARY_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Added to a reset time: `x-ratelimit-reset` has one-second resolution and
/// GitHub's clock is not ours, so retrying at the exact second can be early.
const RESET_MARGIN: Duration = Duration::from_millis(100);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per request; a page of 100 files with patches is a few hundred kilobytes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// GitHub's error messages are short; this bounds what a misbehaving proxy can
/// push into our errors and logs.
const MAX_ERROR_MESSAGE_CHARS: usize = 1000;
const SUMMARY_TRUNCATED_NOTE: &str =
    "\n\n… (truncated: the full review is longer than GitHub allows in a check run)";
const COMMENT_TRUNCATED_NOTE: &str =
    "\n\n… (truncated: the full review is longer than GitHub allows in a comment)";

/// Why a GitHub call failed. No variant carries the token.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// The API base URL, the token or an argument cannot be used for a request.
    #[error("invalid GitHub request: {0}")]
    InvalidInput(String),
    /// 401: the token is missing, wrong, expired or revoked.
    #[error("GitHub rejected the credentials (401 Unauthorized)")]
    Unauthorized,
    /// 403 that is not a rate limit: the token lacks a permission.
    #[error("GitHub refused the request (403 Forbidden): {message}")]
    Forbidden {
        /// GitHub's `message`.
        message: String,
    },
    /// 404: the repository, pull request or resource does not exist, or the token
    /// may not see it (GitHub answers 404 rather than reveal a private repository).
    #[error("not found on GitHub: {resource}")]
    NotFound {
        /// The API path that was requested.
        resource: String,
    },
    /// 422: GitHub understood the request but refused its content.
    #[error("GitHub rejected the request (422): {0}")]
    Validation(String),
    /// The rate limit is exhausted for longer than the client may wait.
    #[error("GitHub rate limit exhausted: retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until GitHub accepts requests again.
        retry_after_secs: u64,
    },
    /// 5xx, a timeout or a connection failure (after retries, for GETs).
    #[error("GitHub is unavailable: {0}")]
    Unavailable(String),
    /// Any other unsuccessful status.
    #[error("GitHub answered {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// GitHub's `message`, or the status reason.
        message: String,
    },
    /// A successful answer whose body is not what the API documents.
    #[error("unexpected answer from GitHub: {0}")]
    Malformed(String),
}

impl GitHubError {
    /// Whether the same call can succeed later without any change (rate limits,
    /// outages), so that the caller retries or re-queues instead of giving up.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            GitHubError::RateLimited { .. } | GitHubError::Unavailable(_)
        )
    }
}

/// How a pull request changed a file, as the pull-request files API names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullRequestFileStatus {
    /// A new file.
    Added,
    /// A deleted file.
    Removed,
    /// Changed in place.
    Modified,
    /// Moved, possibly with changes (`previous_filename` is set).
    Renamed,
    /// Copied from another file.
    Copied,
    /// Only the mode changed.
    Changed,
    /// Listed without changes.
    Unchanged,
    /// A status this client does not know yet.
    #[serde(other)]
    Other,
}

/// One file of a pull request (`GET /repos/{owner}/{repo}/pulls/{number}/files`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestFile {
    /// The path after the change.
    pub filename: String,
    /// How the file changed.
    pub status: PullRequestFileStatus,
    /// The unified-diff hunks; absent for binary files and diffs GitHub finds too
    /// large to show.
    #[serde(default)]
    pub patch: Option<String>,
    /// The path before a rename.
    #[serde(default)]
    pub previous_filename: Option<String>,
    /// Added lines.
    #[serde(default)]
    pub additions: u64,
    /// Removed lines.
    #[serde(default)]
    pub deletions: u64,
}

/// Whether [`GitHubClient::upsert_pr_comment`] wrote a new comment or replaced one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentAction {
    /// No comment carried the marker: a new one was posted.
    Created,
    /// The comment carrying the marker was edited in place.
    Edited,
}

/// The PR comment after [`GitHubClient::upsert_pr_comment`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommentOutcome {
    /// The issue comment id (stable across edits).
    pub id: u64,
    /// Created or edited.
    pub action: CommentAction,
    /// Where people read it.
    pub html_url: String,
}

/// The verdict of a completed check run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    /// Nothing blocks the change.
    Success,
    /// Findings at or above the failure threshold.
    Failure,
    /// Reviewed, but nothing to judge (no reviewable files).
    Neutral,
}

/// How loudly GitHub shows an annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationLevel {
    /// Informational.
    Notice,
    /// Worth a look.
    Warning,
    /// Should block the change.
    Failure,
}

/// A finding pinned to lines of a file in the pull request's diff view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Repository-relative path.
    pub path: String,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line (inclusive).
    pub end_line: u32,
    /// Notice, warning or failure.
    pub annotation_level: AnnotationLevel,
    /// A short headline (the rule's title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

/// A completed check run to create on a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    /// The check's name in the PR's checks list (`reviewgate`).
    pub name: String,
    /// The commit it judges: the PR head.
    pub head_sha: String,
    /// The verdict.
    pub conclusion: CheckConclusion,
    /// The output's title (one line).
    pub title: String,
    /// Markdown; cut to [`MAX_CHECK_SUMMARY_CHARS`] with a note when longer.
    pub summary: String,
    /// Any number: they are sent [`MAX_ANNOTATIONS_PER_REQUEST`] at a time.
    pub annotations: Vec<Annotation>,
}

/// The parts of an issue comment this client reads.
#[derive(Deserialize)]
struct IssueComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    html_url: String,
}

/// The part of a check run this client reads.
#[derive(Deserialize)]
struct CreatedCheckRun {
    id: u64,
}

/// A GitHub REST client with one token. Cheap to share behind an `Arc`; build it
/// once per cold start so that connections are reused.
pub struct GitHubClient {
    http: reqwest::Client,
    api_base: Url,
    /// `Bearer <token>`, marked sensitive so that `reqwest` never prints it.
    authorization: HeaderValue,
    max_rate_limit_wait: Duration,
    /// Set when an answer said the budget is used up: GitHub would refuse anything
    /// sent before this time, and each refusal makes a secondary limit likelier.
    blocked_until: Mutex<Option<SystemTime>>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("api_base", &self.api_base.as_str())
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .finish_non_exhaustive()
    }
}

impl GitHubClient {
    /// A client for `api_base` ([`DEFAULT_API_BASE`] for github.com) with a token
    /// (installation, app or personal access token).
    pub fn new(api_base: &str, token: String) -> Result<Self, GitHubError> {
        let api_base = Url::parse(api_base.trim_end_matches('/')).map_err(|e| {
            GitHubError::InvalidInput(format!("the API base URL `{api_base}` is not a URL: {e}"))
        })?;
        if !matches!(api_base.scheme(), "http" | "https") || api_base.cannot_be_a_base() {
            return Err(GitHubError::InvalidInput(format!(
                "the API base URL `{api_base}` must be an http(s) URL"
            )));
        }
        if token.trim().is_empty() {
            return Err(GitHubError::InvalidInput("the token is empty".into()));
        }
        // The message must not quote the token: it may be almost right.
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                GitHubError::InvalidInput(
                    "the token contains characters that cannot be sent in a header".into(),
                )
            })?;
        authorization.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        let http = reqwest::Client::builder()
            // GitHub refuses requests without a User-Agent.
            .user_agent("reviewgate")
            .default_headers(headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| GitHubError::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(GitHubClient {
            http,
            api_base,
            authorization,
            max_rate_limit_wait: DEFAULT_MAX_RATE_LIMIT_WAIT,
            blocked_until: Mutex::new(None),
        })
    }

    /// The longest a request waits for a rate limit to reset before failing with
    /// [`GitHubError::RateLimited`] (default [`DEFAULT_MAX_RATE_LIMIT_WAIT`]).
    pub fn with_max_rate_limit_wait(mut self, max: Duration) -> Self {
        self.max_rate_limit_wait = max;
        self
    }

    /// The files a pull request changes, with their patches:
    /// `GET /repos/{owner}/{repo}/pulls/{number}/files`, every page, up to the
    /// [`MAX_PULL_REQUEST_FILES`] GitHub lists.
    pub async fn pull_request_files(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Vec<PullRequestFile>, GitHubError> {
        let number = number.to_string();
        let mut url = self.endpoint(&["repos", owner, repo, "pulls", &number, "files"])?;
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        self.get_all_pages(
            "github.pull_request_files",
            url,
            Some(MAX_PULL_REQUEST_FILES),
        )
        .await
    }

    /// A file's text at a commit, branch or tag:
    /// `GET /repos/{owner}/{repo}/contents/{path}?ref={git_ref}` as raw content.
    /// `Ok(None)` when the file does not exist at that ref.
    pub async fn file_contents(
        &self,
        owner: &str,
        repo: &str,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<String>, GitHubError> {
        let mut segments = vec!["repos", owner, repo, "contents"];
        // One segment per path component, so that `/` stays a separator while
        // spaces, `#` and `?` in file names are percent-encoded.
        segments.extend(path.split('/').filter(|s| !s.is_empty()));
        let mut url = self.endpoint(&segments)?;
        url.query_pairs_mut().append_pair("ref", git_ref);
        match self
            .send(
                "github.file_contents",
                Method::GET,
                url,
                RAW_MEDIA_TYPE,
                None,
            )
            .await
        {
            Ok(response) => response
                .text()
                .await
                .map(Some)
                .map_err(|e| GitHubError::Unavailable(describe(e))),
            Err(GitHubError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Keeps one reviewgate comment per pull request: edits the issue comment whose
    /// body starts with `marker` (`PATCH /repos/{owner}/{repo}/issues/comments/{id}`)
    /// or, when there is none, posts one
    /// (`POST /repos/{owner}/{repo}/issues/{number}/comments`). The marker is
    /// prepended to `body` here; use an HTML comment such as
    /// [`REVIEW_COMMENT_MARKER`] so that readers do not see it.
    pub async fn upsert_pr_comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        marker: &str,
        body: &str,
    ) -> Result<CommentOutcome, GitHubError> {
        if marker.trim().is_empty() {
            // An empty marker matches every comment: we would overwrite someone's.
            return Err(GitHubError::InvalidInput(
                "the comment marker is empty".into(),
            ));
        }
        let number = number.to_string();
        let comments_url = self.endpoint(&["repos", owner, repo, "issues", &number, "comments"])?;
        let mut list_url = comments_url.clone();
        list_url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let comments: Vec<IssueComment> = self
            .get_all_pages("github.list_pr_comments", list_url, None)
            .await?;
        let full_body = format!(
            "{marker}\n{}",
            truncate_with_note(
                body,
                MAX_COMMENT_CHARS.saturating_sub(marker.chars().count() + 1),
                COMMENT_TRUNCATED_NOTE,
            )
        );
        let payload = json!({ "body": full_body });
        // `starts_with`, not `contains`: a person quoting our comment in a reply
        // repeats the marker after `> `, and their comment must stay theirs.
        let ours = comments
            .iter()
            .find(|c| c.body.as_deref().is_some_and(|b| b.starts_with(marker)));
        let (operation, method, url, action) = match ours {
            Some(comment) => (
                "github.edit_pr_comment",
                Method::PATCH,
                self.endpoint(&[
                    "repos",
                    owner,
                    repo,
                    "issues",
                    "comments",
                    &comment.id.to_string(),
                ])?,
                CommentAction::Edited,
            ),
            None => (
                "github.create_pr_comment",
                Method::POST,
                comments_url,
                CommentAction::Created,
            ),
        };
        let response = self
            .send(operation, method, url, JSON_MEDIA_TYPE, Some(&payload))
            .await?;
        let comment: IssueComment = read_json(response).await?;
        Ok(CommentOutcome {
            id: comment.id,
            action,
            html_url: comment.html_url,
        })
    }

    /// Creates a completed check run (`POST /repos/{owner}/{repo}/check-runs`) with
    /// the first [`MAX_ANNOTATIONS_PER_REQUEST`] annotations, then adds the rest
    /// in batches of that size (`PATCH /repos/{owner}/{repo}/check-runs/{id}`;
    /// GitHub appends annotations on update). Returns the check run id.
    pub async fn create_check_run(
        &self,
        owner: &str,
        repo: &str,
        check: &CheckRun,
    ) -> Result<u64, GitHubError> {
        let summary = truncate_with_note(
            &check.summary,
            MAX_CHECK_SUMMARY_CHARS,
            SUMMARY_TRUNCATED_NOTE,
        );
        let mut batches = check.annotations.chunks(MAX_ANNOTATIONS_PER_REQUEST);
        let first: &[Annotation] = batches.next().unwrap_or_default();
        let create = json!({
            "name": check.name,
            "head_sha": check.head_sha,
            "status": "completed",
            "conclusion": check.conclusion,
            "completed_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "output": {"title": check.title, "summary": summary, "annotations": first},
        });
        let url = self.endpoint(&["repos", owner, repo, "check-runs"])?;
        let response = self
            .send(
                "github.create_check_run",
                Method::POST,
                url,
                JSON_MEDIA_TYPE,
                Some(&create),
            )
            .await?;
        let id = read_json::<CreatedCheckRun>(response).await?.id;
        let update_url = self.endpoint(&["repos", owner, repo, "check-runs", &id.to_string()])?;
        for batch in batches {
            // GitHub requires title and summary in every `output`, even when only
            // annotations are added.
            let update = json!({
                "output": {"title": check.title, "summary": summary, "annotations": batch},
            });
            self.send(
                "github.annotate_check_run",
                Method::PATCH,
                update_url.clone(),
                JSON_MEDIA_TYPE,
                Some(&update),
            )
            .await
            .inspect_err(|_| {
                // The run exists with its conclusion; only some annotations are missing.
                tracing::warn!(
                    check_run_id = id,
                    "check run created, annotations incomplete"
                );
            })?;
        }
        Ok(id)
    }

    /// `api_base` with `segments` appended, each percent-encoded.
    fn endpoint(&self, segments: &[&str]) -> Result<Url, GitHubError> {
        let mut url = self.api_base.clone();
        url.path_segments_mut()
            .map_err(|()| GitHubError::InvalidInput("the API base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Every item of a paginated list, following `Link: <…>; rel="next"`, stopping
    /// after `limit` items.
    async fn get_all_pages<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        first_page: Url,
        limit: Option<usize>,
    ) -> Result<Vec<T>, GitHubError> {
        let mut items = Vec::new();
        let mut url = first_page;
        loop {
            let response = self
                .send(operation, Method::GET, url, JSON_MEDIA_TYPE, None)
                .await?;
            let next = next_page_link(response.headers());
            items.extend(read_json::<Vec<T>>(response).await?);
            if let Some(limit) = limit
                && items.len() >= limit
            {
                items.truncate(limit);
                return Ok(items);
            }
            match next {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(items),
            }
        }
    }

    /// A pagination link, checked to point at the API we were configured with:
    /// the token goes wherever the link says.
    fn same_origin(&self, link: &str) -> Result<Url, GitHubError> {
        let url = Url::parse(link)
            .map_err(|e| GitHubError::Malformed(format!("bad pagination link: {e}")))?;
        if url.origin() != self.api_base.origin() {
            return Err(GitHubError::Malformed(format!(
                "pagination link to another host: {}",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// Sends one request, waiting out rate limits (up to the configured bound) and
    /// retrying GETs after 5xx and transport failures. Every non-success status
    /// becomes a [`GitHubError`].
    async fn send(
        &self,
        operation: &'static str,
        method: Method,
        url: Url,
        accept: &'static str,
        body: Option<&Value>,
    ) -> Result<Response, GitHubError> {
        let retries = if method == Method::GET {
            GET_RETRIES
        } else {
            0
        };
        let mut failures = 0;
        let mut rate_limit_waits = 0;
        loop {
            self.wait_for_announced_reset().await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(ACCEPT, accept)
                .header(AUTHORIZATION, self.authorization.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            let started = Instant::now();
            let sent = request.send().await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    logging::perf(operation, elapsed_ms, false);
                    if failures < retries {
                        failures += 1;
                        tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(failures - 1)).await;
                        continue;
                    }
                    return Err(GitHubError::Unavailable(describe(e)));
                }
            };
            let status = response.status();
            logging::perf(operation, elapsed_ms, status.is_success());
            self.remember_exhausted_budget(response.headers());
            if status.is_success() {
                return Ok(response);
            }
            if status.is_server_error() {
                if failures < retries {
                    failures += 1;
                    tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(failures - 1)).await;
                    continue;
                }
                return Err(GitHubError::Unavailable(format!(
                    "{} answered {status}",
                    url.path()
                )));
            }
            let announced_wait = rate_limit_wait(response.headers(), SystemTime::now());
            let message = error_message(response).await;
            let wait = match status {
                StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
                    announced_wait.or_else(|| {
                        // A 403 without rate-limit headers is a permission problem,
                        // unless GitHub's message says it is a (secondary) limit.
                        let secondary = status == StatusCode::TOO_MANY_REQUESTS
                            || message.to_ascii_lowercase().contains("rate limit");
                        secondary.then_some(SECONDARY_RATE_LIMIT_WAIT)
                    })
                }
                _ => None,
            };
            if let Some(wait) = wait {
                if wait <= self.max_rate_limit_wait && rate_limit_waits < RATE_LIMIT_WAITS {
                    rate_limit_waits += 1;
                    tracing::warn!(
                        operation,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "GitHub rate limit: waiting for the reset"
                    );
                    tokio::time::sleep(wait).await;
                    // The wait covered the announced reset.
                    *self
                        .blocked_until
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = None;
                    continue;
                }
                return Err(GitHubError::RateLimited {
                    retry_after_secs: whole_seconds(wait),
                });
            }
            return Err(match status {
                StatusCode::UNAUTHORIZED => GitHubError::Unauthorized,
                StatusCode::FORBIDDEN => GitHubError::Forbidden { message },
                StatusCode::NOT_FOUND => GitHubError::NotFound {
                    resource: url.path().to_owned(),
                },
                StatusCode::UNPROCESSABLE_ENTITY => GitHubError::Validation(message),
                _ => GitHubError::Rejected {
                    status: status.as_u16(),
                    message,
                },
            });
        }
    }

    /// Notes an answer that used the last request of the budget, so that the next
    /// request waits for the reset instead of being refused.
    fn remember_exhausted_budget(&self, headers: &HeaderMap) {
        let remaining = header_u64(headers, "x-ratelimit-remaining");
        let reset = header_u64(headers, "x-ratelimit-reset");
        let mut blocked = self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match (remaining, reset) {
            (Some(0), Some(reset)) => {
                *blocked = Some(UNIX_EPOCH + Duration::from_secs(reset) + RESET_MARGIN);
            }
            (Some(_), _) => *blocked = None,
            (None, _) => {}
        }
    }

    /// Sleeps until a reset announced by an earlier answer, or fails at once when
    /// that is further away than the client may wait.
    async fn wait_for_announced_reset(&self) -> Result<(), GitHubError> {
        let blocked_until = *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(until) = blocked_until else {
            return Ok(());
        };
        if let Ok(wait) = until.duration_since(SystemTime::now()) {
            if wait > self.max_rate_limit_wait {
                return Err(GitHubError::RateLimited {
                    retry_after_secs: whole_seconds(wait),
                });
            }
            tracing::warn!(
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "GitHub rate limit used up: waiting for the reset"
            );
            tokio::time::sleep(wait).await;
        }
        *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }
}

/// The wait a refused answer announces: `retry-after` (seconds) first, as GitHub
/// documents for secondary limits, else `x-ratelimit-reset` when the budget is 0.
fn rate_limit_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(seconds) = header_u64(headers, RETRY_AFTER.as_str()) {
        return Some(Duration::from_secs(seconds));
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = UNIX_EPOCH + Duration::from_secs(header_u64(headers, "x-ratelimit-reset")?);
        return Some(reset.duration_since(now).unwrap_or(Duration::ZERO) + RESET_MARGIN);
    }
    None
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The URL of `rel="next"` in the `Link` headers, as GitHub paginates.
fn next_page_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_owned())
        })
}

async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, GitHubError> {
    let path = response.url().path().to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| GitHubError::Unavailable(describe(e)))?;
    serde_json::from_slice(&bytes).map_err(|e| GitHubError::Malformed(format!("{path}: {e}")))
}

/// GitHub's error body `{"message", "errors": [...]}` as one line, e.g.
/// `Validation Failed: CheckRun.head_sha missing_field`.
async fn error_message(response: Response) -> String {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let Ok(body) = serde_json::from_str::<Value>(&text) else {
        return status.canonical_reason().unwrap_or("no message").to_owned();
    };
    let mut message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("no message"))
        .to_owned();
    let details: Vec<String> = body
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|error| match error {
            Value::String(s) => s.clone(),
            _ => {
                let field = |name: &str| error.get(name).and_then(Value::as_str);
                if let Some(text) = field("message") {
                    text.to_owned()
                } else {
                    let target = [field("resource"), field("field")]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(".");
                    format!("{target} {}", field("code").unwrap_or("invalid"))
                        .trim()
                        .to_owned()
                }
            }
        })
        .collect();
    if !details.is_empty() {
        message = format!("{message}: {}", details.join("; "));
    }
    truncate_with_note(&message, MAX_ERROR_MESSAGE_CHARS, "…")
}

/// The pull request's files as one `git diff` text that `reviewgate_core`'s diff
/// parser reads (`Document::detect("pr.diff", …)`). Files without a patch (binary,
/// or too large for GitHub to show) have nothing to review and are left out.
pub fn unified_diff(files: &[PullRequestFile]) -> String {
    let mut diff = String::new();
    for file in files {
        let Some(patch) = file.patch.as_deref().filter(|p| !p.is_empty()) else {
            continue;
        };
        let new_path = file.filename.as_str();
        let old_path = match file.status {
            PullRequestFileStatus::Renamed | PullRequestFileStatus::Copied => {
                file.previous_filename.as_deref().unwrap_or(new_path)
            }
            _ => new_path,
        };
        let a = quoted("a/", old_path);
        let b = quoted("b/", new_path);
        diff.push_str(&format!("diff --git {a} {b}\n"));
        let (minus, plus) = match file.status {
            PullRequestFileStatus::Added => {
                diff.push_str("new file mode 100644\n");
                ("/dev/null".to_owned(), b)
            }
            PullRequestFileStatus::Removed => {
                diff.push_str("deleted file mode 100644\n");
                (a, "/dev/null".to_owned())
            }
            PullRequestFileStatus::Renamed if old_path != new_path => {
                diff.push_str(&format!(
                    "rename from {}\nrename to {}\n",
                    quoted("", old_path),
                    quoted("", new_path)
                ));
                (a, b)
            }
            PullRequestFileStatus::Copied if old_path != new_path => {
                diff.push_str(&format!(
                    "copy from {}\ncopy to {}\n",
                    quoted("", old_path),
                    quoted("", new_path)
                ));
                (a, b)
            }
            _ => (a, b),
        };
        diff.push_str(&format!("--- {minus}\n+++ {plus}\n"));
        diff.push_str(patch);
        if !patch.ends_with('\n') {
            diff.push('\n');
        }
    }
    diff
}

/// `prefix` + `path`, quoted C-style as git does when the path holds a quote, a
/// backslash or a control character (a tab would otherwise end the path on a
/// `---` line). The core reads the quotes with JSON string rules.
fn quoted(prefix: &str, path: &str) -> String {
    let plain = format!("{prefix}{path}");
    if path
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        serde_json::to_string(&plain).unwrap_or(plain)
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_the_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static(
                "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_page_link(&headers).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        headers.insert(
            LINK,
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"first\""),
        );
        assert_eq!(next_page_link(&headers), None);
    }

    #[test]
    fn truncation_keeps_the_limit_and_says_so() {
        let long = "é".repeat(MAX_CHECK_SUMMARY_CHARS + 10);
        let cut = truncate_with_note(&long, MAX_CHECK_SUMMARY_CHARS, SUMMARY_TRUNCATED_NOTE);
        assert_eq!(cut.chars().count(), MAX_CHECK_SUMMARY_CHARS);
        assert!(cut.ends_with(SUMMARY_TRUNCATED_NOTE));
        assert_eq!(truncate_with_note("short", 10, "…"), "short");
    }

    #[test]
    fn retry_after_wins_over_the_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1030"));
        assert_eq!(
            rate_limit_wait(&headers, now),
            Some(Duration::from_secs(30) + RESET_MARGIN)
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        assert_eq!(rate_limit_wait(&headers, now), Some(Duration::from_secs(5)));
        let mut budget_left = HeaderMap::new();
        budget_left.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        assert_eq!(rate_limit_wait(&budget_left, now), None);
    }

    #[test]
    fn paths_that_end_a_header_line_are_quoted() {
        assert_eq!(quoted("a/", "main.tf"), "a/main.tf");
        assert_eq!(quoted("a/", "odd\tname.tf"), "\"a/odd\\tname.tf\"");
    }

    #[test]
    fn the_token_is_not_in_debug_output() {
        let client = GitHubClient::new(DEFAULT_API_BASE, "ghs_secretvalue".into()).expect("client");
        assert!(!format!("{client:?}").contains("ghs_secretvalue"));
    }
}
