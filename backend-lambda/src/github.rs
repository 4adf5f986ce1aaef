//! A GitHub REST client for the pull-request loop: fetch a pull request's changed
//! files (and whole files when a rule needs them), then report back with one
//! persistent PR comment and a check run with line annotations.
//!
//! It speaks the REST API (version `2022-11-28`) over [`RestClient`] (rate-limit
//! waits, GET retries, `Link` pagination), so the local server and the Lambda
//! functions share it without an SDK. The base URL is configurable: GitHub
//! Enterprise Server lives under `https://HOST/api/v3`, and the tests point it at a
//! local fake (`tests/github_fake.py`). The token never appears in an error or a
//! log line.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;

use crate::error_text::truncate_with_note;
use crate::forge::{self, ForgeError, RateLimitHeaders, RestClient, read_json};
pub use crate::forge::{
    Annotation, AnnotationLevel, CheckConclusion, CheckRun, CommentAction, CommentOutcome,
    DEFAULT_MAX_RATE_LIMIT_WAIT, PullRequestFile, PullRequestFileStatus, REVIEW_COMMENT_MARKER,
    unified_diff,
};

/// GitHub's errors are the code hosts' shared error type.
pub type GitHubError = ForgeError;

/// Where github.com serves its REST API.
pub const DEFAULT_API_BASE: &str = "https://api.github.com";
/// GitHub lists at most 3000 files of a pull request; later pages do not exist.
pub const MAX_PULL_REQUEST_FILES: usize = 3000;
/// GitHub accepts at most 50 annotations in one check-run create or update request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub rejects a check-run `output.summary` longer than 65535 characters.
pub const MAX_CHECK_SUMMARY_CHARS: usize = 65_535;
/// GitHub rejects an issue comment body longer than 65536 characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;

/// The API version the JSON shapes below are written against; GitHub keeps
/// answering in this version's shape after it releases newer ones.
const API_VERSION: &str = "2022-11-28";
const JSON_MEDIA_TYPE: &str = "application/vnd.github+json";
/// Asks the contents API for the file itself instead of base64 inside JSON.
const RAW_MEDIA_TYPE: &str = "application/vnd.github.raw+json";
/// GitHub's largest page size for list endpoints: fewest requests per list.
const PER_PAGE: &str = "100";
const RATE_LIMIT_HEADERS: RateLimitHeaders = RateLimitHeaders {
    remaining: "x-ratelimit-remaining",
    reset: "x-ratelimit-reset",
};
const SUMMARY_TRUNCATED_NOTE: &str =
    "\n\n… (truncated: the full review is longer than GitHub allows in a check run)";
const COMMENT_TRUNCATED_NOTE: &str =
    "\n\n… (truncated: the full review is longer than GitHub allows in a comment)";

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
#[derive(Debug)]
pub struct GitHubClient {
    rest: RestClient,
}

impl GitHubClient {
    /// A client for `api_base` ([`DEFAULT_API_BASE`] for github.com) with a token
    /// (installation, app or personal access token).
    pub fn new(api_base: &str, token: String) -> Result<Self, GitHubError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        let rest = RestClient::new(
            "GitHub",
            api_base,
            forge::bearer(&token)?,
            headers,
            Some(RATE_LIMIT_HEADERS),
        )?;
        Ok(GitHubClient { rest })
    }

    /// The longest a request waits for a rate limit to reset before failing with
    /// [`GitHubError::RateLimited`] (default [`DEFAULT_MAX_RATE_LIMIT_WAIT`]).
    pub fn with_max_rate_limit_wait(mut self, max: Duration) -> Self {
        self.rest.set_max_rate_limit_wait(max);
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
        let mut url = self
            .rest
            .endpoint(&["repos", owner, repo, "pulls", &number, "files"])?;
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        self.rest
            .get_linked_pages(
                "github.pull_request_files",
                url,
                JSON_MEDIA_TYPE,
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
        let mut url = self.rest.endpoint(&segments)?;
        url.query_pairs_mut().append_pair("ref", git_ref);
        self.rest
            .get_text("github.file_contents", url, RAW_MEDIA_TYPE)
            .await
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
        forge::check_marker(marker)?;
        let number = number.to_string();
        let comments_url = self
            .rest
            .endpoint(&["repos", owner, repo, "issues", &number, "comments"])?;
        let mut list_url = comments_url.clone();
        list_url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let comments: Vec<IssueComment> = self
            .rest
            .get_linked_pages("github.list_pr_comments", list_url, JSON_MEDIA_TYPE, None)
            .await?;
        let payload = json!({
            "body": forge::marked_comment(marker, body, MAX_COMMENT_CHARS, COMMENT_TRUNCATED_NOTE),
        });
        let ours = comments
            .iter()
            .find(|c| forge::carries_marker(c.body.as_deref(), marker));
        let (operation, method, url, action) = match ours {
            Some(comment) => (
                "github.edit_pr_comment",
                Method::PATCH,
                self.rest.endpoint(&[
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
            .rest
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
        let url = self.rest.endpoint(&["repos", owner, repo, "check-runs"])?;
        let response = self
            .rest
            .send(
                "github.create_check_run",
                Method::POST,
                url,
                JSON_MEDIA_TYPE,
                Some(&create),
            )
            .await?;
        let id = read_json::<CreatedCheckRun>(response).await?.id;
        let update_url =
            self.rest
                .endpoint(&["repos", owner, repo, "check-runs", &id.to_string()])?;
        for batch in batches {
            // GitHub requires title and summary in every `output`, even when only
            // annotations are added.
            let update = json!({
                "output": {"title": check.title, "summary": summary, "annotations": batch},
            });
            self.rest
                .send(
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_limit_and_says_so() {
        let long = "é".repeat(MAX_CHECK_SUMMARY_CHARS + 10);
        let cut = truncate_with_note(&long, MAX_CHECK_SUMMARY_CHARS, SUMMARY_TRUNCATED_NOTE);
        assert_eq!(cut.chars().count(), MAX_CHECK_SUMMARY_CHARS);
        assert!(cut.ends_with(SUMMARY_TRUNCATED_NOTE));
        assert_eq!(truncate_with_note("short", 10, "…"), "short");
    }

    #[test]
    fn the_token_is_not_in_debug_output() {
        let client = GitHubClient::new(DEFAULT_API_BASE, "ghs_secretvalue".into()).expect("client");
        assert!(!format!("{client:?}").contains("ghs_secretvalue"));
    }
}
