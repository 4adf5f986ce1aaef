//! A pull request's changed files, whichever host listed them, and the one
//! `git diff` text made of their patches that the core's diff parser reads.

use serde::{Deserialize, Serialize};

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

/// The pull request's files as one `git diff` text that `reviewgate_core`'s diff
/// parser reads (`Document::detect("pr.diff", …)`). Files without a patch (binary,
/// or too large for the host to show) have nothing to review and are left out.
pub fn unified_diff(files: &[PullRequestFile]) -> String {
    let mut diff = String::new();
    for file in files {
        let Some(patch) = file.patch.as_deref().filter(|p| !p.is_empty()) else {
            continue;
        };
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
            PullRequestFileStatus::Renamed | PullRequestFileStatus::Copied
                if old_path != new_path =>
            {
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
    }
    diff
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
