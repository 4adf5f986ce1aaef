//! A Bitbucket Cloud REST client (API 2.0) for the pull-request loop: fetch a pull
//! request's diff and changed files (and whole files when a rule needs them), then
//! report back with one persistent PR comment, edited in place, a Code Insights
//! report with line annotations (Bitbucket's check run), and a build status that
//! merge checks ("minimum successful builds") can require.
//!
//! Bitbucket webhooks name the head commit by a 12-character hash; reports and
//! statuses are written against the full hash, which [`BitbucketClient::full_commit_hash`]
//! resolves. Authenticates with a repository, project or workspace access token
//! (`Authorization: Bearer`) or, when a user name is configured, an API token or
//! app password (`Basic`). The base URL is configurable; the tests point it at
//! `tests/bitbucket_fake.py`. The credential never appears in an error or a log line.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use super::change::{
    CappedText, MAX_DIFF_BYTES, MAX_FILE_BYTES, PullRequestFile, PullRequestFileStatus,
    PullRequestInfo,
};
use super::check::{AnnotationLevel, CheckConclusion, CheckRun};
use super::comment::{
    CommentOutcome, OwnAccount, check_marker, is_ours, marked_comment, refused_to_say,
};
use super::error::ForgeError;
use super::rest::{RestClient, Write, basic, bearer, read_json};
use crate::error_text::truncate_with_note;

/// Where Bitbucket Cloud serves its REST API.
pub const DEFAULT_API_BASE: &str = "https://api.bitbucket.org/2.0";
/// Bitbucket accepts at most 100 annotations in one request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 100;
/// A Code Insights report holds at most 1000 annotations.
pub const MAX_ANNOTATIONS_PER_REPORT: usize = 1000;
/// Longest annotation summary Bitbucket accepts.
pub const MAX_ANNOTATION_SUMMARY_CHARS: usize = 450;
/// Longest report `details` Bitbucket accepts.
pub const MAX_REPORT_DETAILS_CHARS: usize = 2000;
/// The comment body reviewgate keeps to: long enough for any review that fits in
/// a GitHub comment.
pub const MAX_COMMENT_CHARS: usize = 65_536;
/// Changed files listed at most, as for the other hosts.
pub const MAX_PULL_REQUEST_FILES: usize = 3000;
/// Comments of a pull request read when looking for reviewgate's; past this many
/// a new comment is posted instead.
const MAX_LISTED_COMMENTS: usize = 3000;

const JSON_MEDIA_TYPE: &str = "application/json";
/// The id of reviewgate's Code Insights report on a commit.
const REPORT_ID: &str = "reviewgate";
const COMMENT_TRUNCATED_NOTE: &str =
    "\n\n… (truncated: the full review is longer than reviewgate posts in one comment)";

/// One entry of `GET …/pullrequests/{id}/diffstat`.
#[derive(Deserialize)]
struct DiffStat {
    status: String,
    #[serde(default)]
    lines_added: u64,
    #[serde(default)]
    lines_removed: u64,
    old: Option<CommitFile>,
    new: Option<CommitFile>,
}

#[derive(Deserialize)]
struct CommitFile {
    path: String,
}

impl DiffStat {
    fn into_file(self) -> Option<PullRequestFile> {
        let old = self.old.map(|f| f.path);
        let status = match self.status.as_str() {
            "added" => PullRequestFileStatus::Added,
            "removed" => PullRequestFileStatus::Removed,
            "modified" => PullRequestFileStatus::Modified,
            "renamed" => PullRequestFileStatus::Renamed,
            _ => PullRequestFileStatus::Other,
        };
        let filename = self.new.map(|f| f.path).or_else(|| old.clone())?;
        Some(PullRequestFile {
            previous_filename: (status == PullRequestFileStatus::Renamed)
                .then_some(old)
                .flatten(),
            filename,
            status,
            // Bitbucket gives one diff for the whole pull request.
            patch: None,
            additions: self.lines_added,
            deletions: self.lines_removed,
        })
    }
}

/// The parts of a pull-request comment this client reads.
#[derive(Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    content: Option<CommentContent>,
    #[serde(default)]
    deleted: bool,
    /// Set on comments attached to a line of the diff: never ours.
    #[serde(default)]
    inline: Option<Value>,
    #[serde(default)]
    links: Option<Value>,
    #[serde(default)]
    user: Option<Account>,
}

impl Comment {
    fn author(&self) -> Option<&str> {
        self.user.as_ref()?.uuid.as_deref()
    }

    fn raw(&self) -> Option<&str> {
        self.content.as_ref()?.raw.as_deref()
    }
}

/// A Bitbucket account as comments and `GET /user` name it: by UUID, which a
/// rename keeps (access tokens' bot users have one too).
#[derive(Deserialize)]
struct Account {
    #[serde(default)]
    uuid: Option<String>,
}

#[derive(Deserialize)]
struct CommentContent {
    #[serde(default)]
    raw: Option<String>,
}

/// A Bitbucket Cloud REST client with one credential. Build it once per cold start
/// so that connections are reused.
#[derive(Debug)]
pub struct BitbucketClient {
    rest: RestClient,
    authorization: HeaderValue,
    /// reviewgate's account UUID, once known: only its comments are ever edited.
    own: OwnAccount,
}

impl BitbucketClient {
    /// A client for `api_base` ([`DEFAULT_API_BASE`] for bitbucket.org). With a
    /// `username`, `token` is sent as its password (`Basic`: API tokens, app
    /// passwords); without, as an access token (`Bearer`).
    pub fn new(api_base: &str, token: String, username: Option<&str>) -> Result<Self, ForgeError> {
        let authorization = match username {
            Some(username) => basic(username, &token)?,
            None => bearer(&token)?,
        };
        // Bitbucket announces no reset time: a 429 waits a minute.
        let rest = RestClient::new("Bitbucket", api_base, HeaderMap::new(), None)?;
        Ok(BitbucketClient {
            rest,
            authorization,
            own: OwnAccount::default(),
        })
    }

    /// The longest a request waits for a rate limit to reset before failing with
    /// [`ForgeError::RateLimited`].
    pub fn with_max_rate_limit_wait(mut self, max: Duration) -> Self {
        self.rest.set_max_rate_limit_wait(max);
        self
    }

    /// The full hash of a commit named by a prefix (webhooks send 12 characters):
    /// `GET /repositories/{workspace}/{repo}/commit/{commit}`.
    pub async fn full_commit_hash(
        &self,
        workspace: &str,
        repo: &str,
        commit: &str,
    ) -> Result<String, ForgeError> {
        #[derive(Deserialize)]
        struct Commit {
            hash: String,
        }
        if commit.len() == 40 {
            return Ok(commit.to_owned());
        }
        let url = self.repository_endpoint(workspace, repo, &["commit", commit])?;
        let response = self
            .send_json("bitbucket.commit", Method::GET, url, None)
            .await?;
        Ok(read_json::<Commit>(response).await?.hash)
    }

    /// The pull request as Bitbucket holds it now (`GET …/pullrequests/{id}`): the
    /// commit it merges into, whose 12-character hash is resolved to the full one.
    /// Bitbucket does not count the files here (the diffstat does).
    pub async fn pull_request(
        &self,
        workspace: &str,
        repo: &str,
        id: u64,
    ) -> Result<PullRequestInfo, ForgeError> {
        #[derive(Deserialize)]
        struct PullRequest {
            destination: Side,
        }
        #[derive(Deserialize)]
        struct Side {
            commit: Commit,
        }
        #[derive(Deserialize)]
        struct Commit {
            hash: String,
        }
        let url = self.repository_endpoint(workspace, repo, &["pullrequests", &id.to_string()])?;
        let response = self
            .send_json("bitbucket.pull_request", Method::GET, url, None)
            .await?;
        let pull: PullRequest = read_json(response).await?;
        Ok(PullRequestInfo {
            base_sha: self
                .full_commit_hash(workspace, repo, &pull.destination.commit.hash)
                .await?,
            changed_files: None,
        })
    }

    /// The files a pull request changes (`GET …/pullrequests/{id}/diffstat`, every
    /// page), without patches: see [`Self::pull_request_diff`].
    pub async fn pull_request_files(
        &self,
        workspace: &str,
        repo: &str,
        id: u64,
    ) -> Result<Vec<PullRequestFile>, ForgeError> {
        let id = id.to_string();
        let mut url =
            self.repository_endpoint(workspace, repo, &["pullrequests", &id, "diffstat"])?;
        url.query_pairs_mut().append_pair("pagelen", "500");
        let stats: Vec<DiffStat> = self
            .rest
            .get_paged_values(
                &self.authorization,
                "bitbucket.pull_request_diffstat",
                url,
                Some(MAX_PULL_REQUEST_FILES),
            )
            .await?;
        Ok(stats.into_iter().filter_map(DiffStat::into_file).collect())
    }

    /// The pull request's changes as one `git diff` text
    /// (`GET …/pullrequests/{id}/diff`, which redirects to the diff of the two
    /// commits on the same host), read up to [`MAX_DIFF_BYTES`]: past that, the
    /// first bytes, `complete` false.
    pub async fn pull_request_diff(
        &self,
        workspace: &str,
        repo: &str,
        id: u64,
    ) -> Result<CappedText, ForgeError> {
        let id_text = id.to_string();
        let url = self.repository_endpoint(workspace, repo, &["pullrequests", &id_text, "diff"])?;
        let path = url.path().to_owned();
        self.rest
            .get_text(
                &self.authorization,
                "bitbucket.pull_request_diff",
                url,
                "text/plain",
                MAX_DIFF_BYTES,
            )
            .await?
            .ok_or(ForgeError::NotFound { resource: path })
    }

    /// A file's text at a commit: `GET /repositories/{workspace}/{repo}/src/{commit}/{path}`.
    /// `Ok(None)` when the file does not exist there.
    pub async fn file_contents(
        &self,
        workspace: &str,
        repo: &str,
        path: &str,
        commit: &str,
    ) -> Result<Option<String>, ForgeError> {
        let mut segments = vec!["src", commit];
        segments.extend(path.split('/').filter(|s| !s.is_empty()));
        let url = self.repository_endpoint(workspace, repo, &segments)?;
        self.rest
            .get_text(
                &self.authorization,
                "bitbucket.file_contents",
                url,
                "text/plain",
                MAX_FILE_BYTES,
            )
            .await?
            .map(|text| text.whole(path, MAX_FILE_BYTES))
            .transpose()
    }

    /// reviewgate's account UUID (`GET /user`), asked once. `None` when the
    /// credential may not ask — Bitbucket refuses `/user` to repository, project
    /// and workspace access tokens — and nothing has been learnt yet.
    async fn own_uuid(&self) -> Result<Option<String>, ForgeError> {
        if let Some(uuid) = self.own.known() {
            return Ok(Some(uuid));
        }
        let url = self.rest.endpoint(&["user"])?;
        let account = match self
            .send_json("bitbucket.user", Method::GET, url, None)
            .await
        {
            Ok(response) => read_json::<Account>(response).await?,
            Err(e) if refused_to_say(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(uuid) = account.uuid else {
            return Ok(None);
        };
        self.own.learn(&uuid);
        Ok(Some(uuid))
    }

    /// Keeps one reviewgate comment per pull request: edits the top-level comment
    /// that reviewgate's own account wrote and whose text starts with `marker`
    /// (`PUT …/pullrequests/{id}/comments/{comment_id}`) or posts one (`POST
    /// …/comments`). Someone else's comment is never edited, whatever it starts
    /// with.
    ///
    /// When the credential may not ask who it is (an access token), the account is
    /// learnt from the comment posted, and older marked comments by that same
    /// account (written before a restart) are deleted, so one stays.
    pub async fn upsert_pr_comment(
        &self,
        workspace: &str,
        repo: &str,
        id: u64,
        marker: &str,
        body: &str,
    ) -> Result<CommentOutcome, ForgeError> {
        check_marker(marker)?;
        let own = self.own_uuid().await?;
        let id = id.to_string();
        let comments_url =
            self.repository_endpoint(workspace, repo, &["pullrequests", &id, "comments"])?;
        let mut list_url = comments_url.clone();
        list_url.query_pairs_mut().append_pair("pagelen", "100");
        let comments: Vec<Comment> = self
            .rest
            .get_paged_values(
                &self.authorization,
                "bitbucket.list_pr_comments",
                list_url,
                Some(MAX_LISTED_COMMENTS),
            )
            .await?;
        let payload = json!({
            "content": {
                "raw": marked_comment(marker, body, MAX_COMMENT_CHARS, COMMENT_TRUNCATED_NOTE),
            },
        });
        // Top-level and not deleted: an inline comment on a line is never ours.
        let candidates = || comments.iter().filter(|c| !c.deleted && c.inline.is_none());
        let ours = own
            .as_deref()
            .and_then(|own| candidates().find(|c| is_ours(c.author(), c.raw(), own, marker)));
        let edit = match ours {
            Some(comment) => Some(Write {
                operation: "bitbucket.edit_pr_comment",
                method: Method::PUT,
                url: self.repository_endpoint(
                    workspace,
                    repo,
                    &["pullrequests", &id, "comments", &comment.id.to_string()],
                )?,
            }),
            None => None,
        };
        let create = Write {
            operation: "bitbucket.create_pr_comment",
            method: Method::POST,
            url: comments_url,
        };
        let (comment, action): (Comment, _) = self
            .rest
            .upsert(&self.authorization, edit, create, JSON_MEDIA_TYPE, &payload)
            .await?;
        if own.is_none()
            && let Some(author) = comment.author()
        {
            self.own.learn(author);
            let stale = candidates()
                .filter(|c| c.id != comment.id && is_ours(c.author(), c.raw(), author, marker));
            for old in stale {
                let url = self.repository_endpoint(
                    workspace,
                    repo,
                    &["pullrequests", &id, "comments", &old.id.to_string()],
                )?;
                if let Err(e) = self
                    .send_json("bitbucket.delete_pr_comment", Method::DELETE, url, None)
                    .await
                {
                    tracing::warn!(comment_id = old.id, error = %e, "cannot delete an older reviewgate comment");
                }
            }
        }
        let html_url = comment
            .links
            .as_ref()
            .and_then(|links| links.pointer("/html/href"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(CommentOutcome {
            id: comment.id,
            action,
            html_url,
        })
    }

    /// Reports `check` on its commit: replaces reviewgate's Code Insights report
    /// (`DELETE` then `PUT …/commit/{commit}/reports/reviewgate`, so that no
    /// annotation of an earlier review survives), adds the annotations in batches
    /// of [`MAX_ANNOTATIONS_PER_REQUEST`] (the first [`MAX_ANNOTATIONS_PER_REPORT`]),
    /// then sets the `reviewgate` build status, linking to `link`.
    pub async fn report(
        &self,
        workspace: &str,
        repo: &str,
        check: &CheckRun,
        link: &str,
    ) -> Result<(), ForgeError> {
        let commit = check.head_sha.as_str();
        let report_url =
            self.repository_endpoint(workspace, repo, &["commit", commit, "reports", REPORT_ID])?;
        match self
            .send_json(
                "bitbucket.delete_report",
                Method::DELETE,
                report_url.clone(),
                None,
            )
            .await
        {
            Ok(_) | Err(ForgeError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let passed = check.conclusion != CheckConclusion::Failure;
        let shown = check.annotations.len().min(MAX_ANNOTATIONS_PER_REPORT);
        let omitted = check.annotations.len() - shown;
        let details = if omitted > 0 {
            format!(
                "{omitted} of {} annotations are not shown (a report holds \
                 {MAX_ANNOTATIONS_PER_REPORT}); the findings are in the pull request's \
                 comment and the stored review. {}",
                check.annotations.len(),
                check.title
            )
        } else {
            check.title.clone()
        };
        let report = json!({
            "title": check.name,
            "details": truncate_with_note(&details, MAX_REPORT_DETAILS_CHARS, "…"),
            "report_type": "SECURITY",
            "reporter": "reviewgate",
            "result": if passed { "PASSED" } else { "FAILED" },
            "link": link,
            "data": [
                {"title": "Findings with a location", "type": "NUMBER", "value": check.annotations.len()},
            ],
        });
        self.send_json(
            "bitbucket.put_report",
            Method::PUT,
            report_url,
            Some(&report),
        )
        .await?;
        let annotations_url = self.repository_endpoint(
            workspace,
            repo,
            &["commit", commit, "reports", REPORT_ID, "annotations"],
        )?;
        let annotations: Vec<Value> = check.annotations[..shown]
            .iter()
            .enumerate()
            .map(|(index, a)| {
                let summary = a.title.as_deref().unwrap_or(&a.message);
                json!({
                    "external_id": format!("reviewgate-{}", index + 1),
                    "annotation_type": "VULNERABILITY",
                    "summary": truncate_with_note(summary, MAX_ANNOTATION_SUMMARY_CHARS, "…"),
                    "details": a.message,
                    "path": a.path,
                    "line": a.start_line.max(1),
                    "severity": match a.annotation_level {
                        AnnotationLevel::Failure => "HIGH",
                        AnnotationLevel::Warning => "MEDIUM",
                        AnnotationLevel::Notice => "LOW",
                    },
                    "result": "FAILED",
                })
            })
            .collect();
        for batch in annotations.chunks(MAX_ANNOTATIONS_PER_REQUEST) {
            self.send_json(
                "bitbucket.annotate_report",
                Method::POST,
                annotations_url.clone(),
                Some(&Value::Array(batch.to_vec())),
            )
            .await
            .inspect_err(|_| {
                tracing::warn!(commit, "report created, annotations incomplete");
            })?;
        }
        let status_url =
            self.repository_endpoint(workspace, repo, &["commit", commit, "statuses", "build"])?;
        let status = json!({
            "key": REPORT_ID,
            "state": if passed { "SUCCESSFUL" } else { "FAILED" },
            "name": check.name,
            "description": truncate_with_note(&check.title, 255, "…"),
            "url": link,
        });
        self.send_json(
            "bitbucket.set_build_status",
            Method::POST,
            status_url,
            Some(&status),
        )
        .await?;
        Ok(())
    }

    /// `/repositories/{workspace}/{repo}/…`.
    fn repository_endpoint(
        &self,
        workspace: &str,
        repo: &str,
        rest: &[&str],
    ) -> Result<reqwest::Url, ForgeError> {
        let mut segments = vec!["repositories", workspace, repo];
        segments.extend_from_slice(rest);
        self.rest.endpoint(&segments)
    }

    /// One request with this client's credential that expects JSON back.
    async fn send_json(
        &self,
        operation: &'static str,
        method: Method,
        url: reqwest::Url,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, ForgeError> {
        self.rest
            .send(
                &self.authorization,
                operation,
                method,
                url,
                JSON_MEDIA_TYPE,
                body,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffstat_entries_become_files() {
        let stat = |json: Value| {
            serde_json::from_value::<DiffStat>(json)
                .expect("a diffstat")
                .into_file()
        };
        let renamed = stat(
            json!({"status": "renamed", "lines_added": 2, "lines_removed": 1,
            "old": {"path": "a.tf"}, "new": {"path": "b.tf"}}),
        )
        .expect("a file");
        assert_eq!(
            (
                renamed.filename.as_str(),
                renamed.previous_filename.as_deref()
            ),
            ("b.tf", Some("a.tf"))
        );
        assert_eq!((renamed.additions, renamed.deletions), (2, 1));
        let removed = stat(json!({"status": "removed", "old": {"path": "gone.tf"}, "new": null}))
            .expect("a file");
        assert_eq!(
            (removed.filename.as_str(), removed.status),
            ("gone.tf", PullRequestFileStatus::Removed)
        );
        let conflict =
            stat(json!({"status": "merge conflict", "old": null, "new": {"path": "x.tf"}}))
                .expect("a file");
        assert_eq!(conflict.status, PullRequestFileStatus::Other);
        assert!(stat(json!({"status": "modified", "old": null, "new": null})).is_none());
    }

    #[test]
    fn the_credential_is_not_in_debug_output() {
        let client = BitbucketClient::new(DEFAULT_API_BASE, "ATCTT3secret".into(), Some("me"))
            .expect("client");
        assert!(!format!("{client:?}").contains("ATCTT3secret"));
        assert!(BitbucketClient::new(DEFAULT_API_BASE, " ".into(), None).is_err());
    }
}
