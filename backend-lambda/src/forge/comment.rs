//! reviewgate's one comment on a pull request: the hidden marker that finds it
//! again, the account that must have written it, the body cut to what the host
//! accepts, and what an upsert did. Each host client lists, edits or posts the
//! comment its own way with these.
//!
//! A comment is reviewgate's only when reviewgate's own account wrote it **and** it
//! starts with the marker. The marker alone proves nothing: anyone who may comment
//! on the pull request can post a comment that starts with it, and reviewgate would
//! then edit (or fail to edit) theirs instead of writing its own.

use std::sync::{Mutex, PoisonError};

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

/// Whether a comment carries the marker. `starts_with`, not `contains`: a person
/// quoting our comment in a reply repeats the marker after `> `, and their comment
/// must stay theirs.
pub(super) fn carries_marker(body: Option<&str>, marker: &str) -> bool {
    body.is_some_and(|b| b.starts_with(marker))
}

/// Whether a comment is reviewgate's: written by `own` (the account the host
/// names as its author, see [`OwnAccount`]) and carrying the marker.
pub(super) fn is_ours(author: Option<&str>, body: Option<&str>, own: &str, marker: &str) -> bool {
    author.is_some_and(|a| a == own) && carries_marker(body, marker)
}

/// reviewgate's own account on a host, as the host names comment authors (GitHub:
/// the login, `<slug>[bot]` for an App; GitLab: the user id; Bitbucket: the
/// account's UUID). Learnt once per client and kept: asked of the host where the
/// credential may ask (`GET /app`, `GET /user`), else read from the first comment
/// the client writes — GitHub installation tokens and Bitbucket access tokens may
/// not ask who they are.
#[derive(Debug, Default)]
pub(super) struct OwnAccount(Mutex<Option<String>>);

impl OwnAccount {
    /// The account, once known.
    pub fn known(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records the account (asked of the host, or the author of a comment this
    /// client wrote).
    pub fn learn(&self, account: &str) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(account.to_owned());
    }
}

/// The answer to "who am I?" when the credential may not ask it: such a refusal is
/// not an error of the upsert, which then learns the account from its own write.
pub(super) fn refused_to_say(error: &ForgeError) -> bool {
    matches!(
        error,
        ForgeError::Unauthorized | ForgeError::Forbidden { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_account_with_the_marker_is_ours() {
        let marker = REVIEW_COMMENT_MARKER;
        let body = format!("{marker}\nreview");
        assert!(is_ours(
            Some("reviewgate[bot]"),
            Some(&body),
            "reviewgate[bot]",
            marker
        ));
        assert!(!is_ours(
            Some("mallory"),
            Some(&body),
            "reviewgate[bot]",
            marker
        ));
        assert!(!is_ours(None, Some(&body), "reviewgate[bot]", marker));
        assert!(!is_ours(
            Some("reviewgate[bot]"),
            Some("a comment of ours without the marker"),
            "reviewgate[bot]",
            marker
        ));
        let quoted = format!("> {marker}\n> review");
        assert!(!is_ours(
            Some("reviewgate[bot]"),
            Some(&quoted),
            "reviewgate[bot]",
            marker
        ));
    }
}
