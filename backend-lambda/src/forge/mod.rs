//! The code hosts — GitHub, GitLab, Bitbucket Cloud — as the pull-request loop uses
//! them. Each host's client ([`github`], [`gitlab`], [`bitbucket`]) only knows its
//! routes and JSON; what they share lives once beside them:
//!
//! - `rest.rs` — the REST transport (`RestClient`): GET retries, pagination kept
//!   on the configured host, credentials marked sensitive;
//! - `rate_limit.rs` — waiting out a host's rate limit within a bound;
//! - `error.rs` — [`ForgeError`], and every host's error body read into one line;
//! - `comment.rs` — reviewgate's one PR comment: its author and marker, and what an
//!   upsert did;
//! - `check.rs` — the verdict recorded on the head commit ([`CheckRun`]);
//! - `change.rs` — a pull request's changed files and the one diff made of them,
//!   and how much of a change is read ([`MAX_FILE_BYTES`], [`MAX_DIFF_BYTES`],
//!   [`MAX_CHANGE_BYTES`]);
//! - `code_host.rs` — the four steps the event processor takes, once per host.

pub mod bitbucket;
mod change;
mod check;
mod code_host;
mod comment;
mod error;
pub mod github;
pub mod gitlab;
mod rate_limit;
mod rest;

pub use change::{
    CappedText, LeftOut, MAX_CHANGE_BYTES, MAX_DIFF_BYTES, MAX_FILE_BYTES, PullRequestFile,
    PullRequestFileStatus, PullRequestInfo, unified_diff, unified_diff_within,
};
pub use check::{Annotation, AnnotationLevel, CheckConclusion, CheckRun};
pub(crate) use code_host::CodeHost;
pub use comment::{CommentAction, CommentOutcome, REVIEW_COMMENT_MARKER};
pub use error::ForgeError;
pub use rate_limit::DEFAULT_MAX_RATE_LIMIT_WAIT;
