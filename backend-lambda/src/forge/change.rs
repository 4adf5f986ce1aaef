//! A pull request's changed files, whichever host listed them, and the one
//! `git diff` text made of their patches that the core's diff parser reads.

use serde::{Deserialize, Serialize};

use super::error::ForgeError;

/// The largest file read whole for review (a changed Terraform file, the settings
/// file). Hand-written Terraform files are kilobytes; one past a megabyte is
/// generated, and its changed lines are still reviewed through the diff.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The largest diff reviewed. Diffs are read line by line and every added line is
/// scanned for secrets: 4 MiB is some 100,000 changed lines, far past what a person
/// reviews in one pull request, and a few seconds of one core.
pub const MAX_DIFF_BYTES: usize = 4 * 1024 * 1024;
/// All the text one pull request's review reads: the diff, the files fetched whole
/// and the settings. Parsing multiplies input several times in memory, and the
/// processor reviews up to 8 pull requests at once: 8 MiB each keeps that well
/// inside a 1 GB Lambda or a small server.
pub const MAX_CHANGE_BYTES: usize = 8 * 1024 * 1024;

/// A text body read up to a limit: all of it, or its first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CappedText {
    /// The text read (invalid UTF-8 replaced).
    pub text: String,
    /// False when the body went on past the limit.
    pub complete: bool,
}

impl CappedText {
    /// The whole text, or [`ForgeError::TooLarge`] naming `what`.
    pub fn whole(self, what: &str, limit_bytes: usize) -> Result<String, ForgeError> {
        if self.complete {
            Ok(self.text)
        } else {
            Err(ForgeError::TooLarge {
                what: what.to_owned(),
                limit_bytes,
            })
        }
    }
}

/// A changed file of a pull request, whichever host listed it: the path, how it
/// changed and the unified-diff hunks when the host gives them per file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullRequestFileStatus {
    /// A new file.
    Added,
    /// A deleted file.
    Removed,
    /// Changed in place.
    Modified,
    /// Moved, possibly with changes (`previous_filename` is set).
    Renamed,
    /// Copied from another file.
    Copied,
    /// Only the mode changed.
    Changed,
    /// Listed without changes.
    Unchanged,
    /// A status this client does not know yet.
    #[serde(other)]
    Other,
}

/// One file of a pull request (GitHub's `GET /repos/{owner}/{repo}/pulls/{number}/files`
/// shape; GitLab's diffs and Bitbucket's diffstat are read into it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestFile {
    /// The path after the change.
    pub filename: String,
    /// How the file changed.
    pub status: PullRequestFileStatus,
    /// The unified-diff hunks; absent for binary files, diffs the host finds too
    /// large to show, and hosts that give one diff for the whole PR.
    #[serde(default)]
    pub patch: Option<String>,
    /// The path before a rename.
    #[serde(default)]
    pub previous_filename: Option<String>,
    /// Added lines.
    #[serde(default)]
    pub additions: u64,
    /// Removed lines.
    #[serde(default)]
    pub deletions: u64,
}

/// What the pull-request loop asks of the pull request itself, beyond its webhook:
/// the base commit — where the gate's settings are read, never from the head the
/// pull request's author controls — and how many files the host says it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestInfo {
    /// The full hash of the commit the pull request merges into.
    pub base_sha: String,
    /// How many files the host says the pull request changes, when it says.
    pub changed_files: Option<u64>,
}

/// A changed file the review could not read, and why: what a pull request too
/// large to review fully lists as not reviewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The file (or, for files the host did not list, how many).
    pub path: String,
    /// Why it was not reviewed.
    pub reason: String,
}

/// The pull request's files as one `git diff` text that `reviewgate_core`'s diff
/// parser reads (`Document::detect("pr.diff", …)`). Files without a patch (binary,
/// or too large for the host to show) have nothing to review and are left out.
pub fn unified_diff(files: &[PullRequestFile]) -> String {
    unified_diff_within(files, usize::MAX).0
}

/// [`unified_diff`] of the files whose patches fit in `limit` bytes, in order, and
/// the files whose patches did not.
pub fn unified_diff_within(
    files: &[PullRequestFile],
    limit: usize,
) -> (String, Vec<&PullRequestFile>) {
    let mut diff = String::new();
    let mut left_out = Vec::new();
    for file in files {
        let Some(patch) = file.patch.as_deref().filter(|p| !p.is_empty()) else {
            continue;
        };
        let one = file_diff(file, patch);
        if diff.len().saturating_add(one.len()) > limit {
            left_out.push(file);
        } else {
            diff.push_str(&one);
        }
    }
    (diff, left_out)
}

/// One file's part of a `git diff`: its header lines and its hunks.
fn file_diff(file: &PullRequestFile, patch: &str) -> String {
    let mut diff = String::new();
    let new_path = file.filename.as_str();
    let old_path = match file.status {
        PullRequestFileStatus::Renamed | PullRequestFileStatus::Copied => {
            file.previous_filename.as_deref().unwrap_or(new_path)
        }
        _ => new_path,
    };
    let a = quoted("a/", old_path);
    let b = quoted("b/", new_path);
    diff.push_str(&format!("diff --git {a} {b}\n"));
    let (minus, plus) = match file.status {
        PullRequestFileStatus::Added => {
            diff.push_str("new file mode 100644\n");
            ("/dev/null".to_owned(), b)
        }
        PullRequestFileStatus::Removed => {
            diff.push_str("deleted file mode 100644\n");
            (a, "/dev/null".to_owned())
        }
        PullRequestFileStatus::Renamed | PullRequestFileStatus::Copied if old_path != new_path => {
            let how = if file.status == PullRequestFileStatus::Renamed {
                "rename"
            } else {
                "copy"
            };
            diff.push_str(&format!(
                "{how} from {}\n{how} to {}\n",
                quoted("", old_path),
                quoted("", new_path)
            ));
            (a, b)
        }
        _ => (a, b),
    };
    diff.push_str(&format!("--- {minus}\n+++ {plus}\n"));
    diff.push_str(patch);
    if !patch.ends_with('\n') {
        diff.push('\n');
    }
    diff
}

/// A `git diff` text cut short by a size limit, made whole again: what comes
/// before the last file header (`diff --git`) that starts inside it, so that no
/// file's hunks are half there. Returns the text kept.
pub fn whole_files_of(cut: &str) -> &str {
    match cut.rfind("\ndiff --git ") {
        Some(at) => &cut[..=at],
        None if cut.starts_with("diff --git ") => "",
        None => cut,
    }
}

/// Whether a `git diff` text has a file header naming `path` (before or after).
pub fn diff_names(diff: &str, path: &str) -> bool {
    let after = format!(" b/{path}");
    let before = format!("diff --git a/{path} ");
    diff.lines()
        .filter(|line| line.starts_with("diff --git "))
        .any(|line| line.ends_with(&after) || line.starts_with(&before))
}

/// `prefix` + `path`, quoted C-style as git does when the path holds a quote, a
/// backslash or a control character (a tab would otherwise end the path on a
/// `---` line). The core reads the quotes with JSON string rules.
fn quoted(prefix: &str, path: &str) -> String {
    let plain = format!("{prefix}{path}");
    if path
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        serde_json::to_string(&plain).unwrap_or(plain)
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_and_copies_name_both_paths() {
        let moved = |status, to: &str| PullRequestFile {
            filename: to.to_owned(),
            status,
            patch: Some("@@ -1 +1 @@\n-a\n+b".to_owned()),
            previous_filename: Some("old.tf".to_owned()),
            additions: 1,
            deletions: 1,
        };
        assert_eq!(
            unified_diff(&[moved(PullRequestFileStatus::Renamed, "new.tf")]),
            "diff --git a/old.tf b/new.tf\nrename from old.tf\nrename to new.tf\n\
             --- a/old.tf\n+++ b/new.tf\n@@ -1 +1 @@\n-a\n+b\n"
        );
        assert_eq!(
            unified_diff(&[moved(PullRequestFileStatus::Copied, "copy.tf")]),
            "diff --git a/old.tf b/copy.tf\ncopy from old.tf\ncopy to copy.tf\n\
             --- a/old.tf\n+++ b/copy.tf\n@@ -1 +1 @@\n-a\n+b\n"
        );
    }

    #[test]
    fn paths_that_end_a_header_line_are_quoted() {
        assert_eq!(quoted("a/", "main.tf"), "a/main.tf");
        assert_eq!(quoted("a/", "odd\tname.tf"), "\"a/odd\\tname.tf\"");
    }
}
