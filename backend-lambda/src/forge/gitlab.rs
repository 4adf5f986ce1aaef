//! A GitLab REST client (API v4) for the merge-request loop: fetch a merge
//! request's diffs (and whole files when a rule needs them), then report back with
//! one persistent MR note, edited in place, and a commit status on the head commit.
//!
//! GitLab has no check-run annotations outside CI artifacts, so the findings live
//! in the note; the commit status (`reviewgate`, success or failed by `fail_on`) is
//! what "Pipelines must succeed" and external-status merge checks read.
//!
//! A project is named by its numeric id or its full path (`group/sub/project`,
//! sent as one `%2F`-encoded segment, as GitLab requires). Works for gitlab.com and
//! self-managed instances (`https://HOST/api/v4`); the tests point it at
//! `tests/gitlab_fake.py`. Authenticates with `Authorization: Bearer` (personal,
//! project or group access tokens). The token never appears in an error or a log line.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;

use super::change::{MAX_FILE_BYTES, PullRequestFile, PullRequestFileStatus, PullRequestInfo};
use super::check::{CheckConclusion, CheckRun};
use super::comment::{CommentOutcome, OwnAccount, check_marker, is_ours, marked_comment};
use super::error::ForgeError;
use super::rate_limit::RateLimitHeaders;
use super::rest::{RestClient, Write, bearer, read_json};
use crate::error_text::truncate_with_note;

/// Where gitlab.com serves its REST API.
pub const DEFAULT_API_BASE: &str = "https://gitlab.com/api/v4";
/// GitLab rejects a note longer than 1,000,000 characters.
pub const MAX_NOTE_CHARS: usize = 1_000_000;
/// GitLab keeps the first 255 characters of a commit status description.
pub const MAX_STATUS_DESCRIPTION_CHARS: usize = 255;
/// Changed files listed at most: a merge request this large is reviewed by its
/// first files (GitHub's own cap, for the same reason).
pub const MAX_MERGE_REQUEST_FILES: usize = 3000;

/// Notes of a merge request read when looking for reviewgate's (oldest first:
/// reviewgate writes early); past this many a new note is posted instead.
const MAX_LISTED_NOTES: usize = 3000;

const JSON_MEDIA_TYPE: &str = "application/json";
/// GitLab's largest page size.
const PER_PAGE: &str = "100";
const RATE_LIMIT_HEADERS: RateLimitHeaders = RateLimitHeaders {
    remaining: "ratelimit-remaining",
    reset: "ratelimit-reset",
};
const NOTE_TRUNCATED_NOTE: &str =
    "\n\n… (truncated: the full review is longer than GitLab allows in a note)";

/// One file of `GET /projects/:id/merge_requests/:iid/diffs`.
#[derive(Deserialize)]
struct MergeRequestDiff {
    old_path: String,
    new_path: String,
    #[serde(default)]
    diff: String,
    #[serde(default)]
    new_file: bool,
    #[serde(default)]
    renamed_file: bool,
    #[serde(default)]
    deleted_file: bool,
    /// Set when GitLab left the diff out for size.
    #[serde(default)]
    too_large: bool,
}

impl MergeRequestDiff {
    fn into_file(self) -> PullRequestFile {
        let status = if self.new_file {
            PullRequestFileStatus::Added
        } else if self.deleted_file {
            PullRequestFileStatus::Removed
        } else if self.renamed_file {
            PullRequestFileStatus::Renamed
        } else {
            PullRequestFileStatus::Modified
        };
        let (mut additions, mut deletions) = (0, 0);
        for line in self.diff.lines() {
            if line.starts_with('+') {
                additions += 1;
            } else if line.starts_with('-') {
                deletions += 1;
            }
        }
        // Hunks start with `@@`; anything else ("Binary files … differ", an empty
        // rename) has no lines to review.
        let patch = (!self.too_large && self.diff.starts_with("@@")).then_some(self.diff);
        PullRequestFile {
            previous_filename: self.renamed_file.then_some(self.old_path),
            filename: self.new_path,
            status,
            patch,
            additions,
            deletions,
        }
    }
}

/// The parts of a note this client reads.
#[derive(Deserialize)]
struct Note {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    /// GitLab's own notes ("added 1 commit"): never ours.
    #[serde(default)]
    system: bool,
    #[serde(default)]
    author: Option<Account>,
}

/// A GitLab user as notes and `GET /user` name it: by id, which a rename keeps.
#[derive(Deserialize)]
struct Account {
    id: u64,
}

/// A GitLab REST client with one token. Build it once per cold start so that
/// connections are reused.
#[derive(Debug)]
pub struct GitLabClient {
    rest: RestClient,
    authorization: HeaderValue,
    /// reviewgate's user id, once known: only its notes are ever edited.
    own: OwnAccount,
}

impl GitLabClient {
    /// A client for `api_base` ([`DEFAULT_API_BASE`] for gitlab.com) with an access
    /// token that has the `api` scope.
    pub fn new(api_base: &str, token: String) -> Result<Self, ForgeError> {
        let authorization = bearer(&token)?;
        let rest = RestClient::new(
            "GitLab",
            api_base,
            HeaderMap::new(),
            Some(RATE_LIMIT_HEADERS),
        )?;
        Ok(GitLabClient {
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

    /// The merge request as GitLab holds it now (`GET /projects/:id/merge_requests/:iid`):
    /// its base commit (`diff_refs.base_sha`, the merge base GitLab diffs against)
    /// and how many files it changes. GitLab computes `diff_refs` after a push; until
    /// then the merge request cannot be reviewed, which is worth retrying.
    pub async fn merge_request(
        &self,
        project: &str,
        iid: u64,
    ) -> Result<PullRequestInfo, ForgeError> {
        #[derive(Deserialize)]
        struct MergeRequest {
            #[serde(default)]
            diff_refs: Option<DiffRefs>,
            /// A count, or `"1000+"` beyond GitLab's diff limits.
            #[serde(default)]
            changes_count: Option<String>,
        }
        #[derive(Deserialize)]
        struct DiffRefs {
            #[serde(default)]
            base_sha: Option<String>,
        }
        let url = self
            .rest
            .endpoint(&["projects", project, "merge_requests", &iid.to_string()])?;
        let response = self
            .rest
            .send(
                &self.authorization,
                "gitlab.merge_request",
                Method::GET,
                url,
                JSON_MEDIA_TYPE,
                None,
            )
            .await?;
        let mr: MergeRequest = read_json(response).await?;
        let base_sha = mr
            .diff_refs
            .and_then(|refs| refs.base_sha)
            .filter(|sha| !sha.is_empty())
            .ok_or_else(|| {
                ForgeError::Unavailable(
                    "GitLab has not computed the merge request's diff yet (no diff_refs)".into(),
                )
            })?;
        Ok(PullRequestInfo {
            base_sha,
            changed_files: mr
                .changes_count
                .as_deref()
                .map(|count| count.trim_end_matches('+'))
                .and_then(|count| count.parse().ok()),
        })
    }

    /// The files a merge request changes, with their hunks:
    /// `GET /projects/:id/merge_requests/:iid/diffs`, every page.
    pub async fn merge_request_files(
        &self,
        project: &str,
        iid: u64,
    ) -> Result<Vec<PullRequestFile>, ForgeError> {
        let iid = iid.to_string();
        let mut url =
            self.rest
                .endpoint(&["projects", project, "merge_requests", &iid, "diffs"])?;
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let diffs: Vec<MergeRequestDiff> = self
            .rest
            .get_linked_pages(
                &self.authorization,
                "gitlab.merge_request_diffs",
                url,
                JSON_MEDIA_TYPE,
                Some(MAX_MERGE_REQUEST_FILES),
            )
            .await?;
        Ok(diffs.into_iter().map(MergeRequestDiff::into_file).collect())
    }

    /// A file's text at a commit, branch or tag:
    /// `GET /projects/:id/repository/files/:file_path/raw?ref=…`. `Ok(None)` when
    /// the file does not exist at that ref.
    pub async fn file_contents(
        &self,
        project: &str,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<String>, ForgeError> {
        // The whole path is one segment: GitLab wants its slashes as `%2F`.
        let mut url =
            self.rest
                .endpoint(&["projects", project, "repository", "files", path, "raw"])?;
        url.query_pairs_mut().append_pair("ref", git_ref);
        self.rest
            .get_text(
                &self.authorization,
                "gitlab.file_contents",
                url,
                "text/plain",
                MAX_FILE_BYTES,
            )
            .await?
            .map(|text| text.whole(path, MAX_FILE_BYTES))
            .transpose()
    }

    /// reviewgate's user id (`GET /user`, which every kind of access token may
    /// ask: project and group tokens answer with their bot user), asked once.
    async fn own_id(&self) -> Result<String, ForgeError> {
        if let Some(id) = self.own.known() {
            return Ok(id);
        }
        let url = self.rest.endpoint(&["user"])?;
        let response = self
            .rest
            .send(
                &self.authorization,
                "gitlab.user",
                Method::GET,
                url,
                JSON_MEDIA_TYPE,
                None,
            )
            .await?;
        let id = read_json::<Account>(response).await?.id.to_string();
        self.own.learn(&id);
        Ok(id)
    }

    /// Keeps one reviewgate note per merge request: edits the note that
    /// reviewgate's own user wrote and whose body starts with `marker`
    /// (`PUT /projects/:id/merge_requests/:iid/notes/:note_id`) or posts one
    /// (`POST …/notes`). Someone else's note is never edited, whatever it starts
    /// with.
    pub async fn upsert_merge_request_note(
        &self,
        project: &str,
        iid: u64,
        marker: &str,
        body: &str,
    ) -> Result<CommentOutcome, ForgeError> {
        check_marker(marker)?;
        let own = self.own_id().await?;
        let iid = iid.to_string();
        let notes_url =
            self.rest
                .endpoint(&["projects", project, "merge_requests", &iid, "notes"])?;
        let mut list_url = notes_url.clone();
        list_url
            .query_pairs_mut()
            .append_pair("per_page", PER_PAGE)
            // Oldest first: ours was among the first notes.
            .append_pair("sort", "asc")
            .append_pair("order_by", "created_at");
        let notes: Vec<Note> = self
            .rest
            .get_linked_pages(
                &self.authorization,
                "gitlab.list_mr_notes",
                list_url,
                JSON_MEDIA_TYPE,
                Some(MAX_LISTED_NOTES),
            )
            .await?;
        let payload = json!({
            "body": marked_comment(marker, body, MAX_NOTE_CHARS, NOTE_TRUNCATED_NOTE),
        });
        let ours = notes.iter().find(|n| {
            let author = n.author.as_ref().map(|a| a.id.to_string());
            !n.system && is_ours(author.as_deref(), n.body.as_deref(), &own, marker)
        });
        let edit = match ours {
            Some(note) => Some(Write {
                operation: "gitlab.edit_mr_note",
                method: Method::PUT,
                url: self.rest.endpoint(&[
                    "projects",
                    project,
                    "merge_requests",
                    &iid,
                    "notes",
                    &note.id.to_string(),
                ])?,
            }),
            None => None,
        };
        let create = Write {
            operation: "gitlab.create_mr_note",
            method: Method::POST,
            url: notes_url,
        };
        let (note, action): (Note, _) = self
            .rest
            .upsert(&self.authorization, edit, create, JSON_MEDIA_TYPE, &payload)
            .await?;
        Ok(CommentOutcome {
            id: note.id,
            action,
            // Notes carry no URL; the caller knows the merge request's page.
            html_url: String::new(),
        })
    }

    /// Sets the `check.name` commit status on `check.head_sha`
    /// (`POST /projects/:id/statuses/:sha`): `success`, or `failed` when findings
    /// reach the threshold; the description is the check's title. Annotations have
    /// no place in a status: they are in the note.
    pub async fn set_commit_status(
        &self,
        project: &str,
        check: &CheckRun,
        target_url: Option<&str>,
    ) -> Result<(), ForgeError> {
        let state = match check.conclusion {
            CheckConclusion::Success | CheckConclusion::Neutral => "success",
            CheckConclusion::Failure => "failed",
        };
        let mut payload = json!({
            "state": state,
            "name": check.name,
            "description": truncate_with_note(&check.title, MAX_STATUS_DESCRIPTION_CHARS, "…"),
        });
        if let Some(target_url) = target_url {
            payload["target_url"] = json!(target_url);
        }
        let url = self
            .rest
            .endpoint(&["projects", project, "statuses", &check.head_sha])?;
        match self
            .rest
            .send(
                &self.authorization,
                "gitlab.set_commit_status",
                Method::POST,
                url,
                JSON_MEDIA_TYPE,
                Some(&payload),
            )
            .await
        {
            Ok(_) => Ok(()),
            // GitLab refuses to move a status into the state it is in ("Cannot
            // transition status via :success from :success"): the commit already
            // says what we came to say, which happens when an event is reported again.
            Err(ForgeError::Validation(message)) if already_in_state(&message, state) => {
                tracing::info!(state, "GitLab commit status already set");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// Whether GitLab's refusal says the status is already `state`.
fn already_in_state(message: &str, state: &str) -> bool {
    // "Cannot transition status via :run from :running (Reason(s): …)"
    message.starts_with("Cannot transition status")
        && message
            .split_once(" from :")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            == Some(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_become_files_with_their_hunks() {
        let diff = |json: serde_json::Value| {
            serde_json::from_value::<MergeRequestDiff>(json)
                .expect("a diff")
                .into_file()
        };
        let renamed = diff(json!({"old_path": "old.tf", "new_path": "new.tf",
            "diff": "@@ -1 +1,2 @@\n a\n+b\n-c\n+d\n", "renamed_file": true}));
        assert_eq!(renamed.status, PullRequestFileStatus::Renamed);
        assert_eq!(renamed.previous_filename.as_deref(), Some("old.tf"));
        assert_eq!((renamed.additions, renamed.deletions), (2, 1));
        let binary = diff(json!({"old_path": "a.png", "new_path": "a.png",
            "diff": "Binary files a/a.png and b/a.png differ\n"}));
        assert_eq!(binary.patch, None);
        let too_large = diff(json!({"old_path": "big.tf", "new_path": "big.tf",
            "diff": "@@ -1 +1 @@\n-a\n+b\n", "too_large": true}));
        assert_eq!(too_large.patch, None);
        let deleted = diff(json!({"old_path": "gone.tf", "new_path": "gone.tf",
            "diff": "@@ -1 +0,0 @@\n-a\n", "deleted_file": true}));
        assert_eq!(deleted.status, PullRequestFileStatus::Removed);
        assert_eq!(deleted.previous_filename, None);
    }

    #[test]
    fn only_a_refusal_to_enter_the_same_state_counts_as_done() {
        assert!(already_in_state(
            "Cannot transition status via :success from :success",
            "success"
        ));
        assert!(!already_in_state(
            "Cannot transition status via :success from :failed",
            "success"
        ));
        assert!(already_in_state(
            "Cannot transition status via :run from :running (Reason(s): Status cannot transition via \"run\")",
            "running"
        ));
        assert!(!already_in_state(
            "Cannot transition status via :success from :success_pending",
            "success"
        ));
        assert!(!already_in_state("ref is missing", "success"));
    }
}
