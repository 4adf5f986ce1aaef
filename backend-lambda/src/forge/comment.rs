//! reviewgate's one comment on a pull request: the hidden marker that finds it
//! again, the body cut to what the host accepts, and what an upsert did. Each host
//! client lists, edits or posts the comment its own way with these.

use serde::Serialize;

use super::error::ForgeError;
use crate::error_text::truncate_with_note;

/// The marker that identifies reviewgate's own PR comment: an HTML comment, so it
/// is invisible in the rendered Markdown (GitHub, GitLab and Bitbucket alike).
pub const REVIEW_COMMENT_MARKER: &str = "<!-- reviewgate:review -->";

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

/// Refuses an empty comment marker: it matches every comment, and the upsert
/// would overwrite someone else's.
pub(super) fn check_marker(marker: &str) -> Result<(), ForgeError> {
    if marker.trim().is_empty() {
        return Err(ForgeError::InvalidInput(
            "the comment marker is empty".into(),
        ));
    }
    Ok(())
}

/// `marker` on its own line, then `body` cut (with `note`) so that the whole
/// comment stays within the host's `max_chars`.
pub(super) fn marked_comment(marker: &str, body: &str, max_chars: usize, note: &str) -> String {
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
pub(super) fn carries_marker(body: Option<&str>, marker: &str) -> bool {
    body.is_some_and(|b| b.starts_with(marker))
}
