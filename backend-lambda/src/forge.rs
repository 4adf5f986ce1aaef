//! What the code-host clients (GitHub, GitLab, Bitbucket Cloud) share: one error
//! type, one REST transport, and the shapes of what the pull-request loop reports
//! back. Each host's module ([`crate::github`], [`crate::gitlab`],
//! [`crate::bitbucket`]) only knows its routes and JSON; [`RestClient`] knows how
//! to talk to a REST API politely:
//!
//! - rate limits: a refused request waits for the announced reset (`Retry-After`,
//!   else the host's `*-remaining` / `*-reset` headers) up to a bound the caller
//!   sets, and an answer that used the last request of the budget makes the next
//!   request wait instead of being refused; beyond the bound the caller gets
//!   [`ForgeError::RateLimited`] and decides (the event is deferred);
//! - GETs are retried after a 5xx or a transport failure; writes are not (a POST
//!   that timed out may have been applied, and a second one would duplicate it);
//! - pagination by `Link: <…>; rel="next"` (GitHub, GitLab) or by a `next` URL in
//!   the page (Bitbucket), each link checked to stay on the configured host — the
//!   credentials go wherever the link says;
//! - errors read from every host's error body, cut short, and never the
//!   credentials: the authorization header is marked sensitive.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LINK, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error_text::{describe, truncate_with_note};
use crate::logging;

/// How long a request may wait for a rate limit to reset unless configured otherwise:
/// longer than this, and a Lambda is better off deferring the event.
pub const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// The marker that identifies reviewgate's own PR comment: an HTML comment, so it
/// is invisible in the rendered Markdown (GitHub, GitLab and Bitbucket alike).
pub const REVIEW_COMMENT_MARKER: &str = "<!-- reviewgate:review -->";

/// Retries of a GET after a 5xx or a transport failure.
const GET_RETRIES: u32 = 2;
/// First backoff before retrying a GET; doubles per retry.
const RETRY_BACKOFF: Duration = Duration::from_millis(250);
/// How many times one request waits out a rate limit before giving up: a limit
/// that is still exhausted after its announced reset is not worth a fourth wait.
const RATE_LIMIT_WAITS: u32 = 3;
/// A refusal that names no wait (GitHub's secondary limits, Bitbucket's 429s): wait
/// at least a minute, as GitHub documents.
const UNANNOUNCED_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Added to a reset time: reset headers have one-second resolution and the host's
/// clock is not ours, so retrying at the exact second can be early.
const RESET_MARGIN: Duration = Duration::from_millis(100);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per request; a page of 100 files with patches is a few hundred kilobytes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Hosts' error messages are short; this bounds what a misbehaving proxy can push
/// into our errors and logs.
const MAX_ERROR_MESSAGE_CHARS: usize = 1000;

/// Why a call to a code host failed. No variant carries the credentials; the
/// caller says which host (the processor prefixes `GitHub: `, `GitLab: `, …).
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// The API base URL, the credentials or an argument cannot be used for a request.
    #[error("invalid request: {0}")]
    InvalidInput(String),
    /// 401: the token is missing, wrong, expired or revoked.
    #[error("the credentials were rejected (401 Unauthorized)")]
    Unauthorized,
    /// 403 that is not a rate limit: the token lacks a permission.
    #[error("the request was refused (403 Forbidden): {message}")]
    Forbidden {
        /// The host's message.
        message: String,
    },
    /// 404: the repository, pull request or resource does not exist, or the token
    /// may not see it (hosts answer 404 rather than reveal a private repository).
    #[error("not found: {resource}")]
    NotFound {
        /// The API path that was requested.
        resource: String,
    },
    /// 400 or 422: the host understood the request but refused its content.
    #[error("the request was rejected as invalid: {0}")]
    Validation(String),
    /// The rate limit is exhausted for longer than the client may wait.
    #[error("rate limit exhausted: retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the host accepts requests again.
        retry_after_secs: u64,
    },
    /// 5xx, a timeout or a connection failure (after retries, for GETs).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Any other unsuccessful status.
    #[error("answered {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The host's message, or the status reason.
        message: String,
    },
    /// A successful answer whose body is not what the API documents.
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

impl ForgeError {
    /// Whether the same call can succeed later without any change (rate limits,
    /// outages), so that the caller retries or defers instead of giving up.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ForgeError::RateLimited { .. } | ForgeError::Unavailable(_)
        )
    }
}

/// Whether an upsert wrote a new PR comment or replaced reviewgate's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentAction {
    /// No comment carried the marker: a new one was posted.
    Created,
    /// The comment carrying the marker was edited in place.
    Edited,
}

/// The PR comment after an upsert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommentOutcome {
    /// The comment (GitLab: note) id, stable across edits.
    pub id: u64,
    /// Created or edited.
    pub action: CommentAction,
    /// Where people read it, when the host says.
    pub html_url: String,
}

/// The verdict on a commit.
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

/// How loudly an annotation is shown.
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

/// A finding pinned to lines of a file in the pull request's diff view. The shape
/// is GitHub's check-run annotation; the other hosts translate it.
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

/// A completed check of a commit: a GitHub check run, a GitLab commit status, a
/// Bitbucket Code Insights report with its build status.
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
    /// Markdown; each host cuts it to what it accepts, with a note.
    pub summary: String,
    /// Any number: each host sends them in batches of the size it accepts.
    pub annotations: Vec<Annotation>,
}

/// Refuses an empty comment marker: it matches every comment, and the upsert
/// would overwrite someone else's.
pub(crate) fn check_marker(marker: &str) -> Result<(), ForgeError> {
    if marker.trim().is_empty() {
        return Err(ForgeError::InvalidInput(
            "the comment marker is empty".into(),
        ));
    }
    Ok(())
}

/// `marker` on its own line, then `body` cut (with `note`) so that the whole
/// comment stays within the host's `max_chars`.
pub(crate) fn marked_comment(marker: &str, body: &str, max_chars: usize, note: &str) -> String {
    format!(
        "{marker}\n{}",
        truncate_with_note(
            body,
            max_chars.saturating_sub(marker.chars().count() + 1),
            note
        )
    )
}

/// Whether a comment is reviewgate's. `starts_with`, not `contains`: a person
/// quoting our comment in a reply repeats the marker after `> `, and their comment
/// must stay theirs.
pub(crate) fn carries_marker(body: Option<&str>, marker: &str) -> bool {
    body.is_some_and(|b| b.starts_with(marker))
}

/// Which headers announce a host's remaining budget and its reset (Unix seconds).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateLimitHeaders {
    pub remaining: &'static str,
    pub reset: &'static str,
}

/// One write request: its operation name for PERF lines, method and URL.
pub(crate) struct Write {
    pub operation: &'static str,
    pub method: Method,
    pub url: Url,
}

/// One REST API: the transport the host clients share.
pub(crate) struct RestClient {
    /// The host's name for log lines (`GitHub`).
    host: &'static str,
    http: reqwest::Client,
    api_base: Url,
    rate_limit_headers: Option<RateLimitHeaders>,
    max_rate_limit_wait: Duration,
    /// Set when an answer said the budget is used up: the host would refuse
    /// anything sent before this time, and each refusal makes a stricter limit likelier.
    blocked_until: Mutex<Option<SystemTime>>,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("host", &self.host)
            .field("api_base", &self.api_base.as_str())
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .finish_non_exhaustive()
    }
}

/// `Authorization: Bearer <token>`, marked sensitive.
pub(crate) fn bearer(token: &str) -> Result<HeaderValue, ForgeError> {
    if token.trim().is_empty() {
        return Err(ForgeError::InvalidInput("the token is empty".into()));
    }
    sensitive(format!("Bearer {token}"))
}

/// `Authorization: Basic <base64 user:secret>`, marked sensitive.
pub(crate) fn basic(user: &str, secret: &str) -> Result<HeaderValue, ForgeError> {
    use base64::Engine as _;
    if user.trim().is_empty() || secret.trim().is_empty() {
        return Err(ForgeError::InvalidInput(
            "the user name or the secret is empty".into(),
        ));
    }
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
    sensitive(format!("Basic {pair}"))
}

fn sensitive(value: String) -> Result<HeaderValue, ForgeError> {
    // The message must not quote the credential: it may be almost right.
    let mut value = HeaderValue::from_str(&value).map_err(|_| {
        ForgeError::InvalidInput(
            "the credential contains characters that cannot be sent in a header".into(),
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl RestClient {
    /// A transport for `api_base` (an http(s) URL, trailing `/` ignored) sending
    /// `default_headers` with every request. The credential is the caller's: each
    /// request names its `Authorization` value (marked sensitive, see [`bearer`]),
    /// so that one client can act for several GitHub App installations.
    pub fn new(
        host: &'static str,
        api_base: &str,
        default_headers: HeaderMap,
        rate_limit_headers: Option<RateLimitHeaders>,
    ) -> Result<Self, ForgeError> {
        let api_base = Url::parse(api_base.trim_end_matches('/')).map_err(|e| {
            ForgeError::InvalidInput(format!("the API base URL `{api_base}` is not a URL: {e}"))
        })?;
        if !matches!(api_base.scheme(), "http" | "https") || api_base.cannot_be_a_base() {
            return Err(ForgeError::InvalidInput(format!(
                "the API base URL `{api_base}` must be an http(s) URL"
            )));
        }
        let http = reqwest::Client::builder()
            // GitHub refuses requests without a User-Agent; the others log it.
            .user_agent("reviewgate")
            .default_headers(default_headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ForgeError::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(RestClient {
            host,
            http,
            api_base,
            rate_limit_headers,
            max_rate_limit_wait: DEFAULT_MAX_RATE_LIMIT_WAIT,
            blocked_until: Mutex::new(None),
        })
    }

    /// The longest a request waits for a rate limit to reset before failing with
    /// [`ForgeError::RateLimited`].
    pub fn set_max_rate_limit_wait(&mut self, max: Duration) {
        self.max_rate_limit_wait = max;
    }

    /// `api_base` with `segments` appended, each percent-encoded (a `/` inside a
    /// segment becomes `%2F`, as GitLab wants for project paths and file paths).
    pub fn endpoint(&self, segments: &[&str]) -> Result<Url, ForgeError> {
        let mut url = self.api_base.clone();
        url.path_segments_mut()
            .map_err(|()| ForgeError::InvalidInput("the API base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Every item of a list paginated by `Link: <…>; rel="next"` headers (each page
    /// a JSON array), stopping after `limit` items.
    pub async fn get_linked_pages<T: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        first_page: Url,
        accept: &'static str,
        limit: Option<usize>,
    ) -> Result<Vec<T>, ForgeError> {
        let mut items = Vec::new();
        let mut url = first_page;
        loop {
            let response = self
                .send(auth, operation, Method::GET, url, accept, None)
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

    /// Every item of a list paginated in the body, `{"values": [...], "next": URL}`
    /// (Bitbucket), stopping after `limit` items.
    pub async fn get_paged_values<T: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        first_page: Url,
        limit: Option<usize>,
    ) -> Result<Vec<T>, ForgeError> {
        #[derive(Deserialize)]
        struct Page<T> {
            values: Vec<T>,
            #[serde(default)]
            next: Option<String>,
        }
        let mut items = Vec::new();
        let mut url = first_page;
        loop {
            let response = self
                .send(auth, operation, Method::GET, url, "application/json", None)
                .await?;
            let page: Page<T> = read_json(response).await?;
            items.extend(page.values);
            if let Some(limit) = limit
                && items.len() >= limit
            {
                items.truncate(limit);
                return Ok(items);
            }
            match page.next {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(items),
            }
        }
    }

    /// A pagination link, checked to point at the API we were configured with:
    /// the credentials go wherever the link says.
    fn same_origin(&self, link: &str) -> Result<Url, ForgeError> {
        let url = Url::parse(link)
            .map_err(|e| ForgeError::Malformed(format!("bad pagination link: {e}")))?;
        if url.origin() != self.api_base.origin() {
            return Err(ForgeError::Malformed(format!(
                "pagination link to another host: {}",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// Writes `payload` to the comment found by its marker (`edit`) or, when there
    /// is none, creates it (`create`); returns the host's answer and which it was.
    pub async fn upsert<T: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        edit: Option<Write>,
        create: Write,
        accept: &'static str,
        payload: &Value,
    ) -> Result<(T, CommentAction), ForgeError> {
        let (write, action) = match edit {
            Some(edit) => (edit, CommentAction::Edited),
            None => (create, CommentAction::Created),
        };
        let response = self
            .send(
                auth,
                write.operation,
                write.method,
                write.url,
                accept,
                Some(payload),
            )
            .await?;
        Ok((read_json(response).await?, action))
    }

    /// A GET whose body is text (a file, a diff); `Ok(None)` on 404.
    pub async fn get_text(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        url: Url,
        accept: &'static str,
    ) -> Result<Option<String>, ForgeError> {
        match self
            .send(auth, operation, Method::GET, url, accept, None)
            .await
        {
            Ok(response) => response
                .text()
                .await
                .map(Some)
                .map_err(|e| ForgeError::Unavailable(describe(e))),
            Err(ForgeError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends one request, waiting out rate limits (up to the configured bound) and
    /// retrying GETs after 5xx and transport failures. Every non-success status
    /// becomes a [`ForgeError`].
    pub async fn send(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        method: Method,
        url: Url,
        accept: &'static str,
        body: Option<&Value>,
    ) -> Result<Response, ForgeError> {
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
                .header(AUTHORIZATION, auth.clone());
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
                    return Err(ForgeError::Unavailable(describe(e)));
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
                return Err(ForgeError::Unavailable(format!(
                    "{} answered {status}",
                    url.path()
                )));
            }
            let announced_wait = self.rate_limit_wait(response.headers(), SystemTime::now());
            let message = error_message(response).await;
            let wait = match status {
                StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
                    announced_wait.or_else(|| {
                        // A 403 without rate-limit headers is a permission problem,
                        // unless the message says it is a (secondary) limit.
                        let limited = status == StatusCode::TOO_MANY_REQUESTS
                            || message.to_ascii_lowercase().contains("rate limit");
                        limited.then_some(UNANNOUNCED_RATE_LIMIT_WAIT)
                    })
                }
                _ => None,
            };
            if let Some(wait) = wait {
                if wait <= self.max_rate_limit_wait && rate_limit_waits < RATE_LIMIT_WAITS {
                    rate_limit_waits += 1;
                    tracing::warn!(
                        operation,
                        host = self.host,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "rate limit: waiting for the reset"
                    );
                    tokio::time::sleep(wait).await;
                    // The wait covered the announced reset.
                    *self
                        .blocked_until
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = None;
                    continue;
                }
                return Err(ForgeError::RateLimited {
                    retry_after_secs: whole_seconds(wait),
                });
            }
            return Err(match status {
                StatusCode::UNAUTHORIZED => ForgeError::Unauthorized,
                StatusCode::FORBIDDEN => ForgeError::Forbidden { message },
                StatusCode::NOT_FOUND => ForgeError::NotFound {
                    resource: url.path().to_owned(),
                },
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                    ForgeError::Validation(message)
                }
                _ => ForgeError::Rejected {
                    status: status.as_u16(),
                    message,
                },
            });
        }
    }

    /// Notes an answer that used the last request of the budget, so that the next
    /// request waits for the reset instead of being refused.
    fn remember_exhausted_budget(&self, headers: &HeaderMap) {
        let Some(names) = self.rate_limit_headers else {
            return;
        };
        let remaining = header_u64(headers, names.remaining);
        let reset = header_u64(headers, names.reset);
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
    async fn wait_for_announced_reset(&self) -> Result<(), ForgeError> {
        let blocked_until = *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(until) = blocked_until else {
            return Ok(());
        };
        if let Ok(wait) = until.duration_since(SystemTime::now()) {
            if wait > self.max_rate_limit_wait {
                return Err(ForgeError::RateLimited {
                    retry_after_secs: whole_seconds(wait),
                });
            }
            tracing::warn!(
                host = self.host,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "rate limit used up: waiting for the reset"
            );
            tokio::time::sleep(wait).await;
        }
        *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }

    /// The wait a refused answer announces: `Retry-After` (seconds) first, else the
    /// reset when the remaining budget is 0.
    fn rate_limit_wait(&self, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
        rate_limit_wait(headers, self.rate_limit_headers, now)
    }
}

fn rate_limit_wait(
    headers: &HeaderMap,
    names: Option<RateLimitHeaders>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(seconds) = header_u64(headers, RETRY_AFTER.as_str()) {
        return Some(Duration::from_secs(seconds));
    }
    let names = names?;
    if header_u64(headers, names.remaining) == Some(0) {
        let reset = UNIX_EPOCH + Duration::from_secs(header_u64(headers, names.reset)?);
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

/// The URL of `rel="next"` in the `Link` headers.
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

/// A successful answer's JSON body.
pub(crate) async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ForgeError> {
    let path = response.url().path().to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ForgeError::Unavailable(describe(e)))?;
    serde_json::from_slice(&bytes).map_err(|e| ForgeError::Malformed(format!("{path}: {e}")))
}

/// The error body as one line, whichever host wrote it:
/// - GitHub `{"message", "errors": [...]}`, e.g. `Validation Failed: CheckRun.head_sha missing_field`;
/// - GitLab `{"message": "..."}`, `{"message": {"note": ["is too long"]}}` or `{"error": "..."}`;
/// - Bitbucket `{"type": "error", "error": {"message", "fields": {"url": ["required"]}}}`.
async fn error_message(response: Response) -> String {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let reason = || status.canonical_reason().unwrap_or("no message").to_owned();
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(body) => error_text(&body).unwrap_or_else(reason),
        Err(_) => reason(),
    };
    truncate_with_note(&message, MAX_ERROR_MESSAGE_CHARS, "…")
}

fn error_text(body: &Value) -> Option<String> {
    let (message, details) = match (body.get("message"), body.get("error")) {
        (Some(Value::String(message)), _) => (message.clone(), github_details(body)),
        (Some(Value::Object(fields)), _) => (String::new(), field_errors(fields)),
        (_, Some(Value::String(error))) => (error.clone(), Vec::new()),
        (_, Some(Value::Object(error))) => (
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            error
                .get("fields")
                .and_then(Value::as_object)
                .map(field_errors)
                .unwrap_or_default(),
        ),
        _ => return None,
    };
    Some(match (message.is_empty(), details.is_empty()) {
        (_, true) => message,
        (true, false) => details.join("; "),
        (false, false) => format!("{message}: {}", details.join("; ")),
    })
}

/// GitHub's `errors`: strings, or `{resource, field, code}` / `{message}` objects.
fn github_details(body: &Value) -> Vec<String> {
    body.get("errors")
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
        .collect()
}

/// `{"field": ["problem", …]}` as `field problem` items (GitLab, Bitbucket).
fn field_errors(fields: &serde_json::Map<String, Value>) -> Vec<String> {
    fields
        .iter()
        .map(|(field, problems)| {
            let problems = match problems {
                Value::Array(items) => items
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{field} {problems}")
        })
        .collect()
}

/// A changed file of a pull request, whichever host listed it: the path, how it
/// changed and the unified-diff hunks when the host gives them per file.
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

/// One file of a pull request (GitHub's `GET /repos/{owner}/{repo}/pulls/{number}/files`
/// shape; GitLab's diffs and Bitbucket's diffstat are read into it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestFile {
    /// The path after the change.
    pub filename: String,
    /// How the file changed.
    pub status: PullRequestFileStatus,
    /// The unified-diff hunks; absent for binary files, diffs the host finds too
    /// large to show, and hosts that give one diff for the whole PR.
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

/// The pull request's files as one `git diff` text that `reviewgate_core`'s diff
/// parser reads (`Document::detect("pr.diff", …)`). Files without a patch (binary,
/// or too large for the host to show) have nothing to review and are left out.
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
    use serde_json::json;

    const GITHUB: Option<RateLimitHeaders> = Some(RateLimitHeaders {
        remaining: "x-ratelimit-remaining",
        reset: "x-ratelimit-reset",
    });

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
    fn retry_after_wins_over_the_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1030"));
        assert_eq!(
            rate_limit_wait(&headers, GITHUB, now),
            Some(Duration::from_secs(30) + RESET_MARGIN)
        );
        // A host whose reset headers are named otherwise does not read GitHub's.
        assert_eq!(rate_limit_wait(&headers, None, now), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        assert_eq!(
            rate_limit_wait(&headers, GITHUB, now),
            Some(Duration::from_secs(5))
        );
        let mut budget_left = HeaderMap::new();
        budget_left.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        assert_eq!(rate_limit_wait(&budget_left, GITHUB, now), None);
    }

    #[test]
    fn every_hosts_error_body_becomes_one_line() {
        let github = json!({"message": "Validation Failed",
            "errors": [{"resource": "CheckRun", "field": "head_sha", "code": "missing_field"}]});
        assert_eq!(
            error_text(&github).as_deref(),
            Some("Validation Failed: CheckRun.head_sha missing_field")
        );
        let gitlab = json!({"message": {"note": ["is too long (maximum is 1000000 characters)"]}});
        assert_eq!(
            error_text(&gitlab).as_deref(),
            Some("note is too long (maximum is 1000000 characters)")
        );
        let gitlab_plain = json!({"error": "state does not have a valid value"});
        assert_eq!(
            error_text(&gitlab_plain).as_deref(),
            Some("state does not have a valid value")
        );
        let bitbucket = json!({"type": "error", "error": {"message": "Bad request",
            "fields": {"url": ["This field is required."]}}});
        assert_eq!(
            error_text(&bitbucket).as_deref(),
            Some("Bad request: url This field is required.")
        );
        assert_eq!(error_text(&json!({"unexpected": 1})), None);
    }

    #[test]
    fn paths_that_end_a_header_line_are_quoted() {
        assert_eq!(quoted("a/", "main.tf"), "a/main.tf");
        assert_eq!(quoted("a/", "odd\tname.tf"), "\"a/odd\\tname.tf\"");
    }

    #[test]
    fn credentials_are_refused_when_empty_and_hidden_when_printed() {
        assert!(matches!(bearer(" "), Err(ForgeError::InvalidInput(_))));
        assert!(matches!(basic("", "x"), Err(ForgeError::InvalidInput(_))));
        let value = basic("user", "app-password").expect("basic");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("app-password"));
        assert_eq!(
            value.to_str().expect("ascii"),
            "Basic dXNlcjphcHAtcGFzc3dvcmQ="
        );
    }
}
