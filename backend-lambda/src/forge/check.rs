//! The verdict a review records on the head commit: a check with a conclusion, a
//! summary and line annotations. The shape is GitHub's check run; GitLab (commit
//! status) and Bitbucket (Code Insights report and build status) translate it.

use serde::{Deserialize, Serialize};

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
