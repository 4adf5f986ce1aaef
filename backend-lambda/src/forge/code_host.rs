//! The pull-request loop's view of a code host: the same steps on GitHub, GitLab
//! and Bitbucket Cloud — name the head commit, ask the pull request for its base,
//! fetch the change, fetch a file, report back — each done by that host's client.
//! The event processor ([`crate::events`]) is written once against this.
//!
//! | step | GitHub | GitLab | Bitbucket Cloud |
//! |---|---|---|---|
//! | base | the PR's `base.sha` | the MR's `diff_refs.base_sha` | the PR's destination commit |
//! | change | PR files with patches | MR diffs | diffstat + one PR diff |
//! | comment | issue comment by reviewgate's account, edited in place | MR note by reviewgate's user, edited in place | PR comment by reviewgate's account, edited in place |
//! | verdict | check run + annotations (a commit status for tokens that may not write check runs) | commit status | Code Insights report + annotations, build status |
//!
//! The verdict never depends on the comment: a comment that cannot be written
//! (refused, the host down, rate limited) is reported back to the caller, and the
//! verdict is recorded all the same — branch protection reads the verdict.

use reviewgate_core::Origin;
use reviewgate_ingress::event::{PullRequest, Repository};

use super::bitbucket::BitbucketClient;
use super::change::{
    LeftOut, MAX_DIFF_BYTES, PullRequestFile, PullRequestInfo, diff_names, unified_diff_within,
    whole_files_of,
};
use super::check::CheckRun;
use super::comment::{CommentOutcome, REVIEW_COMMENT_MARKER};
use super::error::ForgeError;
use super::github::GitHubClient;
use super::gitlab::GitLabClient;

/// A configured code host, borrowed from the processor for one event.
#[derive(Clone, Copy)]
pub(crate) enum CodeHost<'a> {
    GitHub(&'a GitHubClient),
    GitLab(&'a GitLabClient),
    Bitbucket(&'a BitbucketClient),
}

/// What a pull request changes: one `git diff` text for the diff rules, the
/// changed files (to fetch the Terraform among them whole), and the changes left
/// out of the diff — past [`MAX_DIFF_BYTES`], or more files than the host lists.
pub(crate) struct Change {
    pub diff: String,
    pub files: Vec<PullRequestFile>,
    pub left_out: Vec<LeftOut>,
}

impl CodeHost<'_> {
    /// The host's name, for errors and skip reasons.
    pub fn name(self) -> &'static str {
        match self {
            CodeHost::GitHub(_) => "GitHub",
            CodeHost::GitLab(_) => "GitLab",
            CodeHost::Bitbucket(_) => "Bitbucket",
        }
    }

    /// The head commit as the host's write APIs want it: Bitbucket's webhooks
    /// abbreviate it, the others send it whole.
    pub async fn head_commit(
        self,
        repository: &Repository,
        pr: &PullRequest,
    ) -> Result<String, ForgeError> {
        match self {
            CodeHost::Bitbucket(client) => {
                client
                    .full_commit_hash(&repository.owner, &repository.name, &pr.head_sha)
                    .await
            }
            CodeHost::GitHub(_) | CodeHost::GitLab(_) => Ok(pr.head_sha.clone()),
        }
    }

    /// The pull request as the host holds it now: its base commit (where the gate's
    /// settings are read) and how many files it changes. Asked of the host's API,
    /// never taken from the webhook or the head.
    pub async fn pull_request_info(
        self,
        repository: &Repository,
        pr: &PullRequest,
    ) -> Result<PullRequestInfo, ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        match self {
            CodeHost::GitHub(client) => client.pull_request(owner, name, pr.number).await,
            CodeHost::GitLab(client) => {
                client
                    .merge_request(&gitlab_project(repository), pr.number)
                    .await
            }
            CodeHost::Bitbucket(client) => client.pull_request(owner, name, pr.number).await,
        }
    }

    /// The pull request's diff and changed files, within [`MAX_DIFF_BYTES`]; what
    /// did not fit, and files the host did not list (`info` says how many it
    /// changes), are in [`Change::left_out`].
    pub async fn change(
        self,
        repository: &Repository,
        pr: &PullRequest,
        info: &PullRequestInfo,
    ) -> Result<Change, ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        let past_limit = || {
            format!(
                "its diff is past the {} MiB of diff reviewed per pull request",
                MAX_DIFF_BYTES / (1024 * 1024)
            )
        };
        let (files, most_listed) = match self {
            CodeHost::GitHub(client) => (
                client.pull_request_files(owner, name, pr.number).await?,
                super::github::MAX_PULL_REQUEST_FILES,
            ),
            CodeHost::GitLab(client) => (
                client
                    .merge_request_files(&gitlab_project(repository), pr.number)
                    .await?,
                super::gitlab::MAX_MERGE_REQUEST_FILES,
            ),
            CodeHost::Bitbucket(client) => (
                client.pull_request_files(owner, name, pr.number).await?,
                super::bitbucket::MAX_PULL_REQUEST_FILES,
            ),
        };
        let left_out_of = |left: Vec<&PullRequestFile>| -> Vec<LeftOut> {
            left.into_iter()
                .map(|file| LeftOut {
                    path: file.filename.clone(),
                    reason: past_limit(),
                })
                .collect()
        };
        let (diff, mut left_out) = match self {
            // Bitbucket gives one diff for the whole pull request: cut at the limit,
            // then back to the last whole file.
            CodeHost::Bitbucket(client) => {
                let text = client.pull_request_diff(owner, name, pr.number).await?;
                if text.complete {
                    (text.text, Vec::new())
                } else {
                    let kept = whole_files_of(&text.text).to_owned();
                    let left = files
                        .iter()
                        .filter(|file| !diff_names(&kept, &file.filename))
                        .collect();
                    (kept, left_out_of(left))
                }
            }
            CodeHost::GitHub(_) | CodeHost::GitLab(_) => {
                let (diff, left) = unified_diff_within(&files, MAX_DIFF_BYTES);
                (diff, left_out_of(left))
            }
        };
        let listed = u64::try_from(files.len()).unwrap_or(u64::MAX);
        match info.changed_files {
            Some(total) if total > listed => left_out.push(LeftOut {
                path: format!("{} more files", total - listed),
                reason: format!(
                    "{} lists {listed} of the {total} files the pull request changes",
                    self.name()
                ),
            }),
            None if files.len() >= most_listed => left_out.push(LeftOut {
                path: format!("files past the first {most_listed}"),
                reason: format!(
                    "the pull request changes more files than the {most_listed} reviewgate lists"
                ),
            }),
            _ => {}
        }
        Ok(Change {
            diff,
            files,
            left_out,
        })
    }

    /// A file's text at `commit`, or `None` where it does not exist.
    pub async fn file(
        self,
        repository: &Repository,
        path: &str,
        commit: &str,
    ) -> Result<Option<String>, ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        match self {
            CodeHost::GitHub(client) => client.file_contents(owner, name, path, commit).await,
            CodeHost::GitLab(client) => {
                client
                    .file_contents(&gitlab_project(repository), path, commit)
                    .await
            }
            CodeHost::Bitbucket(client) => client.file_contents(owner, name, path, commit).await,
        }
    }

    /// Edits reviewgate's one comment on the pull request (or posts it) with
    /// `comment`, then records `check` on its commit the host's way — whether or
    /// not the comment could be written. `Err` only when the verdict could not be
    /// recorded; the comment's own result is returned for the caller to report.
    pub async fn report(
        self,
        repository: &Repository,
        pr: &PullRequest,
        comment: &str,
        check: &CheckRun,
    ) -> Result<Result<CommentOutcome, ForgeError>, ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        let written = match self {
            CodeHost::GitHub(client) => {
                client
                    .upsert_pr_comment(owner, name, pr.number, REVIEW_COMMENT_MARKER, comment)
                    .await
            }
            CodeHost::GitLab(client) => {
                client
                    .upsert_merge_request_note(
                        &gitlab_project(repository),
                        pr.number,
                        REVIEW_COMMENT_MARKER,
                        comment,
                    )
                    .await
            }
            CodeHost::Bitbucket(client) => {
                client
                    .upsert_pr_comment(owner, name, pr.number, REVIEW_COMMENT_MARKER, comment)
                    .await
            }
        };
        if let Err(e) = &written {
            tracing::warn!(
                host = self.name(),
                error = %e,
                "cannot write the review comment; recording the verdict anyway"
            );
        }
        self.verdict(repository, pr, check, written.as_ref().ok())
            .await?;
        Ok(written)
    }

    /// Records `check` on its commit the host's way, linking to `comment` when
    /// there is one (else to the pull request).
    pub async fn verdict(
        self,
        repository: &Repository,
        pr: &PullRequest,
        check: &CheckRun,
        comment: Option<&CommentOutcome>,
    ) -> Result<(), ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        match self {
            CodeHost::GitHub(client) => match client.create_check_run(owner, name, check).await {
                Ok(_) => {}
                // Only GitHub Apps may write check runs; a personal access token
                // gets 403 ("Resource not accessible by personal access token")
                // and can still set a commit status, which branch protection
                // can require just the same.
                Err(ForgeError::Forbidden { message }) => {
                    tracing::warn!(
                        reason = %message,
                        "GitHub refused the check run; setting a commit status instead \
                         (check runs with annotations need a GitHub App)"
                    );
                    let link = comment.map(|c| c.html_url.as_str());
                    client
                        .create_commit_status(owner, name, check, link)
                        .await?;
                }
                Err(e) => return Err(e),
            },
            CodeHost::GitLab(client) => {
                // The webhook's diff URL is the merge request's page plus `.diff`.
                let page = pr
                    .diff_url
                    .as_deref()
                    .and_then(|url| url.strip_suffix(".diff"));
                let link = match (page, comment) {
                    (Some(page), Some(note)) => Some(format!("{page}#note_{}", note.id)),
                    (Some(page), None) => Some(page.to_owned()),
                    (None, _) => None,
                };
                client
                    .set_commit_status(&gitlab_project(repository), check, link.as_deref())
                    .await?;
            }
            CodeHost::Bitbucket(client) => {
                // A build status needs a link; the comment holds the review.
                let link = match comment.filter(|c| !c.html_url.is_empty()) {
                    Some(comment) => comment.html_url.clone(),
                    None => format!(
                        "https://bitbucket.org/{owner}/{name}/pull-requests/{}",
                        pr.number
                    ),
                };
                client.report(owner, name, check, &link).await?;
            }
        }
        Ok(())
    }

    /// Where the reviewed change came from, as the review records it.
    pub fn origin(self, repository: &Repository, pr: &PullRequest, head_sha: &str) -> Origin {
        match self {
            CodeHost::GitHub(_) => Origin::GithubPullRequest {
                owner: repository.owner.clone(),
                repo: repository.name.clone(),
                number: pr.number,
                head_sha: head_sha.to_owned(),
            },
            CodeHost::GitLab(_) => Origin::GitlabMergeRequest {
                project: repository.full_name(),
                iid: pr.number,
                head_sha: head_sha.to_owned(),
            },
            CodeHost::Bitbucket(_) => Origin::BitbucketPullRequest {
                workspace: repository.owner.clone(),
                repo: repository.name.clone(),
                id: pr.number,
                head_sha: head_sha.to_owned(),
            },
        }
    }
}

/// GitLab names a project by its id (stable across renames and transfers) or,
/// when the webhook gave none, by its full path.
fn gitlab_project(repository: &Repository) -> String {
    repository
        .id
        .clone()
        .unwrap_or_else(|| repository.full_name())
}
