//! The pull-request loop's view of a code host: the same four steps on GitHub,
//! GitLab and Bitbucket Cloud — name the head commit, fetch the change, fetch a
//! file, report back — each done by that host's client. The event processor
//! ([`crate::events`]) is written once against this.
//!
//! | step | GitHub | GitLab | Bitbucket Cloud |
//! |---|---|---|---|
//! | change | PR files with patches | MR diffs | diffstat + one PR diff |
//! | comment | issue comment, edited in place | MR note, edited in place | PR comment, edited in place |
//! | verdict | check run + annotations (a commit status for tokens that may not write check runs) | commit status | Code Insights report + annotations, build status |

use reviewgate_core::Origin;
use reviewgate_ingress::event::{PullRequest, Repository};

use super::bitbucket::BitbucketClient;
use super::change::{PullRequestFile, unified_diff};
use super::check::CheckRun;
use super::comment::REVIEW_COMMENT_MARKER;
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

/// What a pull request changes: one `git diff` text for the diff rules, and the
/// changed files (to fetch the Terraform among them whole).
pub(crate) struct Change {
    pub diff: String,
    pub files: Vec<PullRequestFile>,
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

    /// The pull request's diff and changed files.
    pub async fn change(
        self,
        repository: &Repository,
        pr: &PullRequest,
    ) -> Result<Change, ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        match self {
            CodeHost::GitHub(client) => {
                let files = client.pull_request_files(owner, name, pr.number).await?;
                Ok(Change {
                    diff: unified_diff(&files),
                    files,
                })
            }
            CodeHost::GitLab(client) => {
                let files = client
                    .merge_request_files(&gitlab_project(repository), pr.number)
                    .await?;
                Ok(Change {
                    diff: unified_diff(&files),
                    files,
                })
            }
            CodeHost::Bitbucket(client) => Ok(Change {
                files: client.pull_request_files(owner, name, pr.number).await?,
                diff: client.pull_request_diff(owner, name, pr.number).await?,
            }),
        }
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
    /// `comment`, then records `check` on its commit the host's way.
    pub async fn report(
        self,
        repository: &Repository,
        pr: &PullRequest,
        comment: &str,
        check: &CheckRun,
    ) -> Result<(), ForgeError> {
        let (owner, name) = (&repository.owner, &repository.name);
        match self {
            CodeHost::GitHub(client) => {
                let comment = client
                    .upsert_pr_comment(owner, name, pr.number, REVIEW_COMMENT_MARKER, comment)
                    .await?;
                match client.create_check_run(owner, name, check).await {
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
                        client
                            .create_commit_status(owner, name, check, Some(&comment.html_url))
                            .await?;
                    }
                    Err(e) => return Err(e),
                }
            }
            CodeHost::GitLab(client) => {
                let project = gitlab_project(repository);
                let note = client
                    .upsert_merge_request_note(&project, pr.number, REVIEW_COMMENT_MARKER, comment)
                    .await?;
                // The webhook's diff URL is the merge request's page plus `.diff`.
                let note_url = pr
                    .diff_url
                    .as_deref()
                    .and_then(|url| url.strip_suffix(".diff"))
                    .map(|page| format!("{page}#note_{}", note.id));
                client
                    .set_commit_status(&project, check, note_url.as_deref())
                    .await?;
            }
            CodeHost::Bitbucket(client) => {
                let comment = client
                    .upsert_pr_comment(owner, name, pr.number, REVIEW_COMMENT_MARKER, comment)
                    .await?;
                // A build status needs a link; the comment holds the review.
                let link = if comment.html_url.is_empty() {
                    format!(
                        "https://bitbucket.org/{owner}/{name}/pull-requests/{}",
                        pr.number
                    )
                } else {
                    comment.html_url
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
