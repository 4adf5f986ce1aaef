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

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;

use super::change::{MAX_FILE_BYTES, PullRequestFile, PullRequestInfo};
use super::check::{Annotation, CheckConclusion, CheckRun};
use super::comment::{
    CommentOutcome, OwnAccount, check_marker, is_ours, marked_comment, refused_to_say,
};
use super::error::ForgeError;
use super::rate_limit::RateLimitHeaders;
use super::rest::{RestClient, Write, bearer, read_json};
use crate::error_text::truncate_with_note;

/// Where github.com serves its REST API.
pub const DEFAULT_API_BASE: &str = "https://api.github.com";
/// GitHub lists at most 3000 files of a pull request; later pages do not exist.
pub const MAX_PULL_REQUEST_FILES: usize = 3000;
/// GitHub accepts at most 50 annotations in one check-run create or update request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
/// Annotations sent for one check run: 10 requests. Each request is a content-creating
/// write that GitHub's secondary rate limits count (80 a minute, 500 an hour): a
/// review with thousands of findings must not spend that budget for every other
/// pull request. The rest are in the comment; the summary says how many.
pub const MAX_ANNOTATIONS_PER_CHECK: usize = 500;
/// GitHub rejects a check-run `output.summary` longer than 65535 characters.
pub const MAX_CHECK_SUMMARY_CHARS: usize = 65_535;
/// GitHub rejects an issue comment body longer than 65536 characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;
/// GitHub keeps commit status descriptions short; longer ones are refused.
pub const MAX_STATUS_DESCRIPTION_CHARS: usize = 140;
/// Comments of a pull request read when looking for reviewgate's: reviewgate
/// writes early in a pull request's life, and a conversation longer than this
/// is not worth paging through on every push (a new comment is posted instead).
const MAX_LISTED_COMMENTS: usize = 3000;

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
    /// Its author; absent (`null`) for a deleted account.
    #[serde(default)]
    user: Option<Account>,
}

impl IssueComment {
    fn author(&self) -> Option<&str> {
        self.user.as_ref().map(|user| user.login.as_str())
    }
}

/// A GitHub account as comments and `GET /user` name it.
#[derive(Deserialize)]
struct Account {
    login: String,
}

/// The part of a check run this client reads.
#[derive(Deserialize)]
struct CreatedCheckRun {
    id: u64,
}

/// A GitHub REST client, with a token or as a GitHub App. Cheap to share behind an
/// `Arc`; build it once per cold start so that connections (and, for an App,
/// installation tokens) are reused.
#[derive(Debug)]
pub struct GitHubClient {
    rest: RestClient,
    credentials: Credentials,
    /// reviewgate's login, once known: only its comments are ever edited.
    own: OwnAccount,
}

/// How the client authenticates.
enum Credentials {
    /// One token for every repository: a fine-grained or classic personal access
    /// token, or an installation token minted elsewhere.
    Token(HeaderValue),
    /// A GitHub App: a JWT signed with its private key buys, per repository, an
    /// installation token (an hour long), which is what the API calls carry.
    App(Box<AppCredentials>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
            Credentials::App(app) => f
                .debug_struct("App")
                .field("app_id", &app.app_id)
                .finish_non_exhaustive(),
        }
    }
}

/// A GitHub App's identity and the installation tokens it holds.
struct AppCredentials {
    /// The App id (or client id): the JWT's issuer.
    app_id: String,
    key: RsaKeyPair,
    /// Installation tokens by repository (`owner/repo`), each with the time to
    /// replace it: a little before GitHub expires it.
    tokens: Mutex<HashMap<String, (HeaderValue, SystemTime)>>,
}

/// Replace an installation token this long before it expires, so that no request
/// of a review starts with a token about to lapse.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

impl AppCredentials {
    /// Reads the App's private key: PEM as GitHub hands it out (PKCS#1, `BEGIN RSA
    /// PRIVATE KEY`) or converted to PKCS#8 (`BEGIN PRIVATE KEY`); `\n` escapes,
    /// as environment variables often carry them, are read as line breaks.
    fn new(app_id: &str, private_key_pem: &str) -> Result<AppCredentials, ForgeError> {
        use base64::Engine as _;
        let app_id = app_id.trim();
        if app_id.is_empty() {
            return Err(ForgeError::InvalidInput(
                "the GitHub App id is empty".into(),
            ));
        }
        // Never quote the key in an error: it may be almost right.
        let invalid =
            |what: &str| ForgeError::InvalidInput(format!("the GitHub App private key {what}"));
        let pem = private_key_pem.replace("\\n", "\n");
        let pkcs1 = pem.contains("-----BEGIN RSA PRIVATE KEY-----");
        let body: String = pem
            .lines()
            .map(str::trim)
            .skip_while(|line| !line.starts_with("-----BEGIN "))
            .skip(1)
            .take_while(|line| !line.starts_with("-----END "))
            .collect();
        if body.is_empty() {
            return Err(invalid("is not PEM (-----BEGIN RSA PRIVATE KEY----- …)"));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| invalid("is not valid base64 inside its PEM lines"))?;
        let key = if pkcs1 {
            RsaKeyPair::from_der(&der)
        } else {
            RsaKeyPair::from_pkcs8(&der)
        }
        .map_err(|e| invalid(&format!("is not a usable RSA key ({e})")))?;
        Ok(AppCredentials {
            app_id: app_id.to_owned(),
            key,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// The App's JWT (RS256), valid from a minute ago (GitHub's advice against
    /// clock drift) for nine minutes (GitHub accepts at most ten).
    fn jwt(&self, now: SystemTime) -> Result<HeaderValue, ForgeError> {
        use base64::Engine as _;
        let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| ForgeError::InvalidInput("the clock is before 1970".into()))?
            .as_secs();
        let header = encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = encode(
            json!({"iat": now.saturating_sub(60), "exp": now + 9 * 60, "iss": self.app_id})
                .to_string()
                .as_bytes(),
        );
        let signed = format!("{header}.{claims}");
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| ForgeError::InvalidInput("cannot sign the GitHub App JWT".into()))?;
        bearer(&format!("{signed}.{}", encode(&signature)))
    }

    fn cached(&self, repository: &str, now: SystemTime) -> Option<HeaderValue> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let (token, refresh_at) = tokens.get(repository)?;
        (now < *refresh_at).then(|| token.clone())
    }
}

/// GitHub's answer to `POST /app/installations/{id}/access_tokens`.
#[derive(Deserialize)]
struct InstallationToken {
    token: String,
    expires_at: String,
}

impl GitHubClient {
    /// A client for `api_base` ([`DEFAULT_API_BASE`] for github.com) with a token
    /// (installation, app or personal access token). Check runs need a GitHub
    /// App's token; with another, the verdict becomes a commit status.
    pub fn new(api_base: &str, token: String) -> Result<Self, ForgeError> {
        Ok(GitHubClient {
            rest: rest_client(api_base)?,
            credentials: Credentials::Token(bearer(&token)?),
            own: OwnAccount::default(),
        })
    }

    /// A client acting as the GitHub App `app_id`, signing its JWTs with
    /// `private_key_pem` (the `.pem` file GitHub generates). Each repository is
    /// reached through the App's installation on it, whose token is kept until
    /// shortly before it expires.
    pub fn for_app(
        api_base: &str,
        app_id: &str,
        private_key_pem: &str,
    ) -> Result<Self, ForgeError> {
        Ok(GitHubClient {
            rest: rest_client(api_base)?,
            credentials: Credentials::App(Box::new(AppCredentials::new(app_id, private_key_pem)?)),
            own: OwnAccount::default(),
        })
    }

    /// The `Authorization` value for calls about `owner/repo`: the token, or the
    /// App's installation token for that repository — looked up
    /// (`GET /repos/{owner}/{repo}/installation`) and minted
    /// (`POST /app/installations/{id}/access_tokens`) with the App's JWT when none
    /// is held or it is about to expire.
    async fn auth(&self, owner: &str, repo: &str) -> Result<HeaderValue, ForgeError> {
        let app = match &self.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::App(app) => app,
        };
        let repository = format!("{owner}/{repo}");
        let now = SystemTime::now();
        if let Some(token) = app.cached(&repository, now) {
            return Ok(token);
        }
        #[derive(Deserialize)]
        struct Installation {
            id: u64,
        }
        let jwt = app.jwt(now)?;
        let url = self
            .rest
            .endpoint(&["repos", owner, repo, "installation"])?;
        let response = self
            .rest
            .send(
                &jwt,
                "github.repository_installation",
                Method::GET,
                url,
                JSON_MEDIA_TYPE,
                None,
            )
            .await
            .map_err(|e| match e {
                ForgeError::NotFound { .. } => ForgeError::Forbidden {
                    message: format!("the GitHub App is not installed on {repository}"),
                },
                other => other,
            })?;
        let installation: Installation = read_json(response).await?;
        let url = self.rest.endpoint(&[
            "app",
            "installations",
            &installation.id.to_string(),
            "access_tokens",
        ])?;
        let response = self
            .rest
            .send(
                &jwt,
                "github.installation_token",
                Method::POST,
                url,
                JSON_MEDIA_TYPE,
                None,
            )
            .await?;
        let minted: InstallationToken = read_json(response).await?;
        let expires_at = chrono::DateTime::parse_from_rfc3339(&minted.expires_at)
            .map(|t| SystemTime::from(t.with_timezone(&chrono::Utc)))
            .map_err(|e| ForgeError::Malformed(format!("installation token expiry: {e}")))?;
        let token = bearer(&minted.token)?;
        let refresh_at = expires_at
            .checked_sub(TOKEN_REFRESH_MARGIN)
            .unwrap_or(expires_at);
        app.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(repository, (token.clone(), refresh_at));
        Ok(token)
    }

    /// reviewgate's login on GitHub, as comment authors are named, asked once and
    /// kept: an App's bot user, `<slug>[bot]` (`GET /app` with the App's JWT), or the
    /// token's user (`GET /user`). `None` when the token may not ask — GitHub
    /// answers 403 to installation tokens — and nothing has been learnt yet.
    async fn own_login(&self) -> Result<Option<String>, ForgeError> {
        if let Some(login) = self.own.known() {
            return Ok(Some(login));
        }
        let login = match &self.credentials {
            Credentials::App(app) => {
                #[derive(Deserialize)]
                struct App {
                    slug: String,
                }
                let jwt = app.jwt(SystemTime::now())?;
                let url = self.rest.endpoint(&["app"])?;
                let response = self
                    .rest
                    .send(&jwt, "github.app", Method::GET, url, JSON_MEDIA_TYPE, None)
                    .await?;
                format!("{}[bot]", read_json::<App>(response).await?.slug)
            }
            Credentials::Token(token) => {
                let url = self.rest.endpoint(&["user"])?;
                match self
                    .rest
                    .send(
                        token,
                        "github.user",
                        Method::GET,
                        url,
                        JSON_MEDIA_TYPE,
                        None,
                    )
                    .await
                {
                    Ok(response) => read_json::<Account>(response).await?.login,
                    Err(e) if refused_to_say(&e) => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
        };
        self.own.learn(&login);
        Ok(Some(login))
    }

    /// The longest a request waits for a rate limit to reset before failing with
    /// [`ForgeError::RateLimited`] (default [`super::DEFAULT_MAX_RATE_LIMIT_WAIT`]).
    pub fn with_max_rate_limit_wait(mut self, max: Duration) -> Self {
        self.rest.set_max_rate_limit_wait(max);
        self
    }

    /// The pull request as GitHub holds it now (`GET /repos/{owner}/{repo}/pulls/{number}`):
    /// the base commit it merges into and how many files it changes.
    pub async fn pull_request(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<PullRequestInfo, ForgeError> {
        #[derive(Deserialize)]
        struct Pull {
            base: Commit,
            #[serde(default)]
            changed_files: Option<u64>,
        }
        #[derive(Deserialize)]
        struct Commit {
            sha: String,
        }
        let auth = self.auth(owner, repo).await?;
        let url = self
            .rest
            .endpoint(&["repos", owner, repo, "pulls", &number.to_string()])?;
        let response = self
            .rest
            .send(
                &auth,
                "github.pull_request",
                Method::GET,
                url,
                JSON_MEDIA_TYPE,
                None,
            )
            .await?;
        let pull: Pull = read_json(response).await?;
        Ok(PullRequestInfo {
            base_sha: pull.base.sha,
            changed_files: pull.changed_files,
        })
    }

    /// The files a pull request changes, with their patches:
    /// `GET /repos/{owner}/{repo}/pulls/{number}/files`, every page, up to the
    /// [`MAX_PULL_REQUEST_FILES`] GitHub lists.
    pub async fn pull_request_files(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Vec<PullRequestFile>, ForgeError> {
        let auth = self.auth(owner, repo).await?;
        let number = number.to_string();
        let mut url = self
            .rest
            .endpoint(&["repos", owner, repo, "pulls", &number, "files"])?;
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        self.rest
            .get_linked_pages(
                &auth,
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
    ) -> Result<Option<String>, ForgeError> {
        let auth = self.auth(owner, repo).await?;
        let mut segments = vec!["repos", owner, repo, "contents"];
        // One segment per path component, so that `/` stays a separator while
        // spaces, `#` and `?` in file names are percent-encoded.
        segments.extend(path.split('/').filter(|s| !s.is_empty()));
        let mut url = self.rest.endpoint(&segments)?;
        url.query_pairs_mut().append_pair("ref", git_ref);
        self.rest
            .get_text(
                &auth,
                "github.file_contents",
                url,
                RAW_MEDIA_TYPE,
                MAX_FILE_BYTES,
            )
            .await?
            .map(|text| text.whole(path, MAX_FILE_BYTES))
            .transpose()
    }

    /// Keeps one reviewgate comment per pull request: edits the issue comment that
    /// reviewgate's own account wrote and whose body starts with `marker`
    /// (`PATCH /repos/{owner}/{repo}/issues/comments/{id}`) or, when there is none,
    /// posts one (`POST /repos/{owner}/{repo}/issues/{number}/comments`). A comment
    /// someone else wrote is never edited, whatever it starts with. The marker is
    /// prepended to `body` here; use an HTML comment such as
    /// [`super::REVIEW_COMMENT_MARKER`] so that readers do not see it.
    ///
    /// When the credential may not ask who it is (an installation token), the
    /// account is learnt from the comment posted, and older marked comments by that
    /// same account (written before a restart) are deleted, so one stays.
    pub async fn upsert_pr_comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        marker: &str,
        body: &str,
    ) -> Result<CommentOutcome, ForgeError> {
        let auth = self.auth(owner, repo).await?;
        check_marker(marker)?;
        let own = self.own_login().await?;
        let number = number.to_string();
        let comments_url = self
            .rest
            .endpoint(&["repos", owner, repo, "issues", &number, "comments"])?;
        let mut list_url = comments_url.clone();
        list_url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let comments: Vec<IssueComment> = self
            .rest
            .get_linked_pages(
                &auth,
                "github.list_pr_comments",
                list_url,
                JSON_MEDIA_TYPE,
                Some(MAX_LISTED_COMMENTS),
            )
            .await?;
        let payload = json!({
            "body": marked_comment(marker, body, MAX_COMMENT_CHARS, COMMENT_TRUNCATED_NOTE),
        });
        let ours = own.as_deref().and_then(|own| {
            comments
                .iter()
                .find(|c| is_ours(c.author(), c.body.as_deref(), own, marker))
        });
        let edit = match ours {
            Some(comment) => Some(Write {
                operation: "github.edit_pr_comment",
                method: Method::PATCH,
                url: self.comment_endpoint(owner, repo, comment.id)?,
            }),
            None => None,
        };
        let create = Write {
            operation: "github.create_pr_comment",
            method: Method::POST,
            url: comments_url,
        };
        let (comment, action): (IssueComment, _) = self
            .rest
            .upsert(&auth, edit, create, JSON_MEDIA_TYPE, &payload)
            .await?;
        if own.is_none()
            && let Some(author) = comment.author()
        {
            self.own.learn(author);
            let stale = comments.iter().filter(|c| {
                c.id != comment.id && is_ours(c.author(), c.body.as_deref(), author, marker)
            });
            for old in stale {
                let url = self.comment_endpoint(owner, repo, old.id)?;
                if let Err(e) = self
                    .rest
                    .send(
                        &auth,
                        "github.delete_pr_comment",
                        Method::DELETE,
                        url,
                        JSON_MEDIA_TYPE,
                        None,
                    )
                    .await
                {
                    tracing::warn!(comment_id = old.id, error = %e, "cannot delete an older reviewgate comment");
                }
            }
        }
        Ok(CommentOutcome {
            id: comment.id,
            action,
            html_url: comment.html_url,
        })
    }

    fn comment_endpoint(
        &self,
        owner: &str,
        repo: &str,
        id: u64,
    ) -> Result<reqwest::Url, ForgeError> {
        self.rest
            .endpoint(&["repos", owner, repo, "issues", "comments", &id.to_string()])
    }

    /// Creates a completed check run (`POST /repos/{owner}/{repo}/check-runs`) with
    /// the first [`MAX_ANNOTATIONS_PER_REQUEST`] annotations, then adds the rest
    /// in batches of that size (`PATCH /repos/{owner}/{repo}/check-runs/{id}`;
    /// GitHub appends annotations on update), at most [`MAX_ANNOTATIONS_PER_CHECK`]
    /// in all — the summary says how many more there were. Returns the check run id.
    pub async fn create_check_run(
        &self,
        owner: &str,
        repo: &str,
        check: &CheckRun,
    ) -> Result<u64, ForgeError> {
        let auth = self.auth(owner, repo).await?;
        let shown = check.annotations.len().min(MAX_ANNOTATIONS_PER_CHECK);
        let omitted = check.annotations.len() - shown;
        // The note goes first: a summary cut to GitHub's limit keeps it.
        let summary = if omitted > 0 {
            format!(
                "> {omitted} of {} annotations are not shown on the diff (GitHub takes \
                 {MAX_ANNOTATIONS_PER_CHECK} per check run here); the findings are in the \
                 pull request's comment and the stored review.\n\n{}",
                check.annotations.len(),
                check.summary
            )
        } else {
            check.summary.clone()
        };
        let summary = truncate_with_note(&summary, MAX_CHECK_SUMMARY_CHARS, SUMMARY_TRUNCATED_NOTE);
        let mut batches = check.annotations[..shown].chunks(MAX_ANNOTATIONS_PER_REQUEST);
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
                &auth,
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
                    &auth,
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

    /// Sets the `check.name` commit status on `check.head_sha`
    /// (`POST /repos/{owner}/{repo}/statuses/{sha}`): what a token that may not
    /// write check runs (only GitHub Apps may) can still say. The description is the
    /// check's title; the findings are in the comment `target_url` points at.
    pub async fn create_commit_status(
        &self,
        owner: &str,
        repo: &str,
        check: &CheckRun,
        target_url: Option<&str>,
    ) -> Result<(), ForgeError> {
        let auth = self.auth(owner, repo).await?;
        let state = match check.conclusion {
            CheckConclusion::Success | CheckConclusion::Neutral => "success",
            CheckConclusion::Failure => "failure",
        };
        let mut payload = json!({
            "state": state,
            "context": check.name,
            "description": truncate_with_note(&check.title, MAX_STATUS_DESCRIPTION_CHARS, "…"),
        });
        if let Some(target_url) = target_url.filter(|url| !url.is_empty()) {
            payload["target_url"] = json!(target_url);
        }
        let url = self
            .rest
            .endpoint(&["repos", owner, repo, "statuses", &check.head_sha])?;
        self.rest
            .send(
                &auth,
                "github.create_commit_status",
                Method::POST,
                url,
                JSON_MEDIA_TYPE,
                Some(&payload),
            )
            .await?;
        Ok(())
    }
}

/// The transport every GitHub client uses: API version header, GitHub's rate-limit
/// headers.
fn rest_client(api_base: &str) -> Result<RestClient, ForgeError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-github-api-version",
        HeaderValue::from_static(API_VERSION),
    );
    RestClient::new("GitHub", api_base, headers, Some(RATE_LIMIT_HEADERS))
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

    const TEST_KEY: &str = include_str!("../../tests/fixtures/github-app-test-key.pem");
    const TEST_KEY_PKCS8: &str = include_str!("../../tests/fixtures/github-app-test-key.pkcs8.pem");

    #[test]
    fn an_app_jwt_is_rs256_signed_and_lives_nine_minutes() {
        use base64::Engine as _;
        use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
        let app = AppCredentials::new("123456", TEST_KEY).expect("PKCS#1 key");
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let jwt = app.jwt(now).expect("signed");
        let jwt = jwt
            .to_str()
            .expect("ascii")
            .strip_prefix("Bearer ")
            .expect("bearer");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |part: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .expect("base64url")
        };
        let header: serde_json::Value = serde_json::from_slice(&decode(parts[0])).expect("json");
        assert_eq!(header["alg"], "RS256");
        let claims: serde_json::Value = serde_json::from_slice(&decode(parts[1])).expect("json");
        assert_eq!(
            (&claims["iss"], &claims["iat"], &claims["exp"]),
            (
                &json!("123456"),
                &json!(1_800_000_000u64 - 60),
                &json!(1_800_000_000u64 + 540)
            )
        );
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, app.key.public().as_ref());
        let signed = format!("{}.{}", parts[0], parts[1]);
        public
            .verify(signed.as_bytes(), &decode(parts[2]))
            .expect("the signature verifies with the App's public key");
        assert!(public.verify(b"something else", &decode(parts[2])).is_err());
    }

    #[test]
    fn app_keys_are_read_as_github_and_environments_give_them() {
        let pkcs8 = AppCredentials::new("1", TEST_KEY_PKCS8).expect("PKCS#8 key");
        let pkcs1 = AppCredentials::new("1", TEST_KEY).expect("PKCS#1 key");
        assert_eq!(pkcs8.key.public().as_ref(), pkcs1.key.public().as_ref());
        let escaped = TEST_KEY.trim_end().replace('\n', "\\n");
        AppCredentials::new("1", &escaped).expect("one line with \\n escapes");
        for bad in [
            "",
            "not a key",
            "-----BEGIN RSA PRIVATE KEY-----\n!!!\n-----END RSA PRIVATE KEY-----",
        ] {
            let error = AppCredentials::new("1", bad).err().expect("refused");
            assert!(matches!(error, ForgeError::InvalidInput(_)), "{error:?}");
        }
        let truncated: String = TEST_KEY.lines().take(10).collect::<Vec<_>>().join("\n")
            + "\n-----END RSA PRIVATE KEY-----\n";
        let error = AppCredentials::new("1", &truncated).err().expect("refused");
        let text = error.to_string();
        assert!(text.contains("not a usable RSA key"), "{text}");
        assert!(!text.contains(TEST_KEY.lines().nth(3).expect("a key line")));
        assert!(
            AppCredentials::new(" ", TEST_KEY).is_err(),
            "an App id is needed"
        );
    }

    #[test]
    fn the_token_is_not_in_debug_output() {
        let client = GitHubClient::new(DEFAULT_API_BASE, "ghs_secretvalue".into()).expect("client");
        assert!(!format!("{client:?}").contains("ghs_secretvalue"));
        let app = GitHubClient::for_app(DEFAULT_API_BASE, "42", TEST_KEY).expect("app client");
        let debug = format!("{app:?}");
        assert!(
            debug.contains("42") && !debug.contains("PRIVATE KEY"),
            "{debug}"
        );
    }
}
