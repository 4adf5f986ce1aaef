//! Unified diffs as GitHub, GitLab, Bitbucket and `git diff` / `git format-patch`
//! produce them, and plain `diff -u` output.
//!
//! Hunks are read by their header counts, not by guessing from line prefixes, so a
//! removed line that starts with `-- ` or an added line that starts with `++ ` is
//! content, and a hunk that ends early is an error that names its line. Every line
//! keeps its old and new line numbers; rules report added lines by new-file line.

use serde::Serialize;

/// How a file changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// New file (`new file mode`, or `--- /dev/null`).
    Added,
    /// Changed in place.
    Modified,
    /// Removed (`deleted file mode`, or `+++ /dev/null`).
    Deleted,
    /// Moved (`rename from` / `rename to`), possibly with changes.
    Renamed,
    /// Copied (`copy from` / `copy to`), possibly with changes.
    Copied,
}

/// One file in a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    /// The path after the change (before it, for deletions), without `a/`/`b/` prefixes.
    pub path: String,
    /// The path before a rename or copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// How the file changed.
    pub status: FileStatus,
    /// True for `Binary files … differ` and `GIT binary patch`: no lines to review.
    pub binary: bool,
    /// The hunks, in order.
    pub hunks: Vec<Hunk>,
}

impl ChangedFile {
    /// Added lines with their new-file line numbers.
    pub fn added_lines(&self) -> impl Iterator<Item = (u32, &str)> {
        self.hunks
            .iter()
            .flat_map(|h| h.lines.iter())
            .filter_map(|l| match l.kind {
                LineKind::Added => l.new_line.map(|n| (n, l.text.as_str())),
                _ => None,
            })
    }

    /// The whole text of a file the diff adds, when the diff holds all of it: an
    /// added, non-binary file whose hunks are added lines numbered 1, 2, 3, … with
    /// nothing else. `None` for any other file, or for hunks that skip or repeat a
    /// line — a hand-written diff must not make reviewgate review a file it has not
    /// seen whole.
    pub fn added_text(&self) -> Option<String> {
        if self.status != FileStatus::Added || self.binary {
            return None;
        }
        let mut text = String::new();
        let mut expected = 1u32;
        for line in self.hunks.iter().flat_map(|h| h.lines.iter()) {
            if line.kind != LineKind::Added || line.new_line != Some(expected) {
                return None;
            }
            expected = expected.checked_add(1)?;
            text.push_str(&line.text);
            if !line.no_newline_at_end {
                text.push('\n');
            }
        }
        Some(text)
    }

    /// Number of added and removed lines.
    pub fn line_counts(&self) -> (usize, usize) {
        let mut added = 0;
        let mut removed = 0;
        for line in self.hunks.iter().flat_map(|h| h.lines.iter()) {
            match line.kind {
                LineKind::Added => added += 1,
                LineKind::Removed => removed += 1,
                LineKind::Context => {}
            }
        }
        (added, removed)
    }
}

/// A `@@ -a,b +c,d @@` hunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// First old line.
    pub old_start: u32,
    /// Old line count.
    pub old_lines: u32,
    /// First new line.
    pub new_start: u32,
    /// New line count.
    pub new_lines: u32,
    /// The text after the second `@@` (often the enclosing function or block).
    pub section: String,
    /// The lines of the hunk.
    pub lines: Vec<DiffLine>,
}

/// Kind of a hunk line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// Unchanged (` `).
    Context,
    /// Added (`+`).
    Added,
    /// Removed (`-`).
    Removed,
}

/// One line of a hunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// Context, added or removed.
    pub kind: LineKind,
    /// Line number in the old file (context and removed lines).
    pub old_line: Option<u32>,
    /// Line number in the new file (context and added lines).
    pub new_line: Option<u32>,
    /// The text, without the prefix character and line ending.
    pub text: String,
    /// Followed by `\ No newline at end of file`.
    pub no_newline_at_end: bool,
}

/// Why a diff could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// A line starting with `@@` that is not a valid hunk header.
    #[error("line {line}: malformed hunk header `{header}` (expected `@@ -OLD[,N] +NEW[,N] @@`)")]
    BadHunkHeader {
        /// 1-based line in the diff.
        line: usize,
        /// The header as written.
        header: String,
    },
    /// A hunk that ends before its header's line counts are used up.
    #[error(
        "line {line}: hunk of `{file}` ends early: {old_missing} old and {new_missing} new line(s) missing"
    )]
    TruncatedHunk {
        /// 1-based line in the diff where the hunk stopped.
        line: usize,
        /// The file the hunk belongs to.
        file: String,
        /// Old lines the header promised but the hunk lacks.
        old_missing: u32,
        /// New lines the header promised but the hunk lacks.
        new_missing: u32,
    },
    /// A hunk before any file header.
    #[error("line {line}: hunk without a preceding `---`/`+++` or `diff --git` file header")]
    HunkWithoutFile {
        /// 1-based line in the diff.
        line: usize,
    },
    /// Text that contains no file changes at all.
    #[error("not a unified diff: no `diff --git`, `---`/`+++` or `@@` lines found")]
    NotADiff,
}

impl DiffError {
    /// The line the error points at, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            DiffError::BadHunkHeader { line, .. }
            | DiffError::TruncatedHunk { line, .. }
            | DiffError::HunkWithoutFile { line } => Some(*line),
            DiffError::NotADiff => None,
        }
    }
}

/// Parses a unified diff into its files. An empty (or whitespace-only) diff has no files.
pub fn parse_unified_diff(text: &str) -> Result<Vec<ChangedFile>, DiffError> {
    let mut parser = Parser {
        lines: text.lines().enumerate().peekable(),
        files: Vec::new(),
    };
    parser.run()?;
    if parser.files.is_empty() && !text.trim().is_empty() {
        return Err(DiffError::NotADiff);
    }
    Ok(parser.files)
}

struct Parser<'a, I: Iterator<Item = (usize, &'a str)>> {
    lines: std::iter::Peekable<I>,
    files: Vec<ChangedFile>,
}

impl<'a, I: Iterator<Item = (usize, &'a str)>> Parser<'a, I> {
    fn run(&mut self) -> Result<(), DiffError> {
        // True while the current file came from `diff --git` and has not seen a hunk
        // yet, so `---`/`+++` lines refine it instead of starting a new file.
        let mut in_git_header = false;
        while let Some((index, line)) = self.lines.next() {
            let line_no = index + 1;
            if let Some(rest) = line.strip_prefix("diff --git ") {
                self.files.push(git_header_file(rest));
                in_git_header = true;
            } else if in_git_header && self.extended_header(line) {
                // handled
            } else if line.starts_with("--- ") && self.next_starts_with("+++ ") {
                let old = header_path(&line[4..]);
                let (_, plus) = self.lines.next().unwrap_or((index + 1, ""));
                let new = header_path(&plus[4..]);
                if !in_git_header {
                    self.files.push(ChangedFile {
                        path: String::new(),
                        old_path: None,
                        status: FileStatus::Modified,
                        binary: false,
                        hunks: Vec::new(),
                    });
                }
                if let Some(file) = self.files.last_mut() {
                    apply_header_paths(file, old, new);
                }
                in_git_header = false;
            } else if line.starts_with("@@") {
                in_git_header = false;
                let header = parse_hunk_header(line).ok_or_else(|| DiffError::BadHunkHeader {
                    line: line_no,
                    header: line.to_owned(),
                })?;
                let hunk = self.hunk_body(header, line_no)?;
                match self.files.last_mut() {
                    Some(file) => file.hunks.push(hunk),
                    None => return Err(DiffError::HunkWithoutFile { line: line_no }),
                }
            }
            // Anything else (commit message, `index` lines outside a header, a
            // format-patch signature) is not part of any file's content.
        }
        Ok(())
    }

    fn next_starts_with(&mut self, prefix: &str) -> bool {
        self.lines
            .peek()
            .is_some_and(|(_, l)| l.starts_with(prefix))
    }

    /// `git diff` extended header lines; returns false for anything else.
    fn extended_header(&mut self, line: &str) -> bool {
        let Some(file) = self.files.last_mut() else {
            return false;
        };
        if line.starts_with("new file mode") {
            file.status = FileStatus::Added;
        } else if line.starts_with("deleted file mode") {
            file.status = FileStatus::Deleted;
        } else if let Some(from) = line.strip_prefix("rename from ") {
            file.status = FileStatus::Renamed;
            file.old_path = Some(unquote(from));
        } else if let Some(to) = line.strip_prefix("rename to ") {
            file.status = FileStatus::Renamed;
            file.path = unquote(to);
        } else if let Some(from) = line.strip_prefix("copy from ") {
            file.status = FileStatus::Copied;
            file.old_path = Some(unquote(from));
        } else if let Some(to) = line.strip_prefix("copy to ") {
            file.status = FileStatus::Copied;
            file.path = unquote(to);
        } else if line.starts_with("Binary files ") && line.ends_with(" differ") {
            file.binary = true;
        } else if line == "GIT binary patch" {
            file.binary = true;
            // The base85 payload runs until a blank line after its last block.
            while let Some((_, l)) = self.lines.peek() {
                if l.starts_with("diff --git ") {
                    break;
                }
                self.lines.next();
            }
        } else {
            return line.starts_with("old mode")
                || line.starts_with("new mode")
                || line.starts_with("similarity index")
                || line.starts_with("dissimilarity index")
                || line.starts_with("index ");
        }
        true
    }

    fn hunk_body(&mut self, header: HunkHeader, header_line: usize) -> Result<Hunk, DiffError> {
        let mut old_left = header.old_lines;
        let mut new_left = header.new_lines;
        let mut old_no = header.old_start;
        let mut new_no = header.new_start;
        let mut lines = Vec::new();
        let mut last_line = header_line;
        while old_left > 0 || new_left > 0 {
            let Some(&(index, line)) = self.lines.peek() else {
                break;
            };
            let (kind, text) = match line.as_bytes().first() {
                Some(b' ') if old_left > 0 && new_left > 0 => (LineKind::Context, &line[1..]),
                // Some tools strip the single space of an empty context line.
                None if old_left > 0 && new_left > 0 => (LineKind::Context, ""),
                Some(b'-') if old_left > 0 => (LineKind::Removed, &line[1..]),
                Some(b'+') if new_left > 0 => (LineKind::Added, &line[1..]),
                Some(b'\\') => {
                    self.lines.next();
                    if let Some(previous) = lines.last_mut() {
                        mark_no_newline(previous);
                    }
                    continue;
                }
                _ => break,
            };
            self.lines.next();
            last_line = index + 1;
            let (old_line, new_line) = match kind {
                LineKind::Context => {
                    old_left -= 1;
                    new_left -= 1;
                    old_no += 1;
                    new_no += 1;
                    (Some(old_no - 1), Some(new_no - 1))
                }
                LineKind::Removed => {
                    old_left -= 1;
                    old_no += 1;
                    (Some(old_no - 1), None)
                }
                LineKind::Added => {
                    new_left -= 1;
                    new_no += 1;
                    (None, Some(new_no - 1))
                }
            };
            lines.push(DiffLine {
                kind,
                old_line,
                new_line,
                text: text.strip_suffix('\r').unwrap_or(text).to_owned(),
                no_newline_at_end: false,
            });
        }
        if old_left > 0 || new_left > 0 {
            return Err(DiffError::TruncatedHunk {
                line: last_line + 1,
                file: self
                    .files
                    .last()
                    .map(|f| f.path.clone())
                    .unwrap_or_default(),
                old_missing: old_left,
                new_missing: new_left,
            });
        }
        // A `\ No newline at end of file` right after the last line of the hunk.
        while let Some((_, l)) = self.lines.peek() {
            if !l.starts_with('\\') {
                break;
            }
            self.lines.next();
            if let Some(previous) = lines.last_mut() {
                mark_no_newline(previous);
            }
        }
        Ok(Hunk {
            old_start: header.old_start,
            old_lines: header.old_lines,
            new_start: header.new_start,
            new_lines: header.new_lines,
            section: header.section,
            lines,
        })
    }
}

fn mark_no_newline(line: &mut DiffLine) {
    line.no_newline_at_end = true;
}

struct HunkHeader {
    old_start: u32,
    old_lines: u32,
    new_start: u32,
    new_lines: u32,
    section: String,
}

/// `@@ -OLD[,N] +NEW[,N] @@ [section]`; a missing count means 1.
fn parse_hunk_header(line: &str) -> Option<HunkHeader> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, section) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let range = |r: &str| -> Option<(u32, u32)> {
        match r.split_once(',') {
            Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (old_start, old_lines) = range(old)?;
    let (new_start, new_lines) = range(new)?;
    Some(HunkHeader {
        old_start,
        old_lines,
        new_start,
        new_lines,
        section: section.trim().to_owned(),
    })
}

/// The file announced by `diff --git a/X b/Y`. Paths with spaces are ambiguous here;
/// the `---`/`+++` or `rename` lines that follow correct them.
fn git_header_file(rest: &str) -> ChangedFile {
    let (old, new) = if rest.starts_with('"') {
        split_quoted_pair(rest)
    } else {
        // Unquoted: find the ` b/` that splits the two halves. For an unrenamed file
        // both halves are equal, which the midpoint split finds first.
        let mid = rest.len() / 2;
        if rest.len() % 2 == 1 && rest.get(mid..mid + 3) == Some(" b/") {
            (rest[..mid].to_owned(), rest[mid + 1..].to_owned())
        } else if let Some(pos) = rest.find(" b/") {
            (rest[..pos].to_owned(), rest[pos + 1..].to_owned())
        } else {
            (rest.to_owned(), rest.to_owned())
        }
    };
    ChangedFile {
        path: strip_prefix(&new),
        old_path: None,
        status: FileStatus::Modified,
        binary: false,
        hunks: Vec::new(),
    }
    .with_old_candidate(strip_prefix(&old))
}

impl ChangedFile {
    fn with_old_candidate(mut self, old: String) -> Self {
        if old != self.path {
            self.old_path = Some(old);
        }
        self
    }
}

fn split_quoted_pair(rest: &str) -> (String, String) {
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
    let first = stream.next().and_then(Result::ok).unwrap_or_default();
    let after = rest[stream.byte_offset()..].trim_start();
    (first, unquote(after))
}

/// Git quotes paths with unusual characters C-style; JSON string rules cover the
/// escapes it uses for UTF-8 text.
fn unquote(path: &str) -> String {
    let path = path.trim_end();
    if path.starts_with('"')
        && let Ok(s) = serde_json::from_str::<String>(path)
    {
        return s;
    }
    path.to_owned()
}

fn strip_prefix(path: &str) -> String {
    path.strip_prefix("a/")
        .or_else(|| path.strip_prefix("b/"))
        .unwrap_or(path)
        .to_owned()
}

/// The path on a `---`/`+++` line: drops the `diff -u` timestamp after a tab and the
/// `a/`/`b/` prefix; `None` for `/dev/null`.
fn header_path(raw: &str) -> Option<String> {
    let raw = raw.split('\t').next().unwrap_or(raw).trim_end();
    if raw == "/dev/null" {
        return None;
    }
    Some(strip_prefix(&unquote(raw)))
}

fn apply_header_paths(file: &mut ChangedFile, old: Option<String>, new: Option<String>) {
    match (old, new) {
        (None, Some(new)) => {
            file.status = FileStatus::Added;
            file.path = new;
            file.old_path = None;
        }
        (Some(old), None) => {
            file.status = FileStatus::Deleted;
            file.path = old;
            file.old_path = None;
        }
        (Some(old), Some(new)) => {
            if old != new && file.status == FileStatus::Modified {
                file.status = FileStatus::Renamed;
            }
            file.old_path = (old != new).then_some(old);
            file.path = new;
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT_DIFF: &str = "\
diff --git a/main.tf b/main.tf
index 3b18e51..a9c5e2f 100644
--- a/main.tf
+++ b/main.tf
@@ -1,4 +1,5 @@ terraform {
 resource \"aws_s3_bucket\" \"b\" {
-  acl = \"private\"
+  acl = \"public-read\"
+  -- not a header
   bucket = \"x\"
 }
diff --git a/new.tf b/new.tf
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/new.tf
@@ -0,0 +1,2 @@
+variable \"a\" {}
+variable \"b\" {}
\\ No newline at end of file
diff --git a/old.tf b/old.tf
deleted file mode 100644
--- a/old.tf
+++ /dev/null
@@ -1 +0,0 @@
-locals {}
diff --git a/a.tf b/modules/a.tf
similarity index 90%
rename from a.tf
rename to modules/a.tf
diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
Binary files a/logo.png and b/logo.png differ
";

    #[test]
    fn parses_git_diff_with_all_statuses() {
        let files = parse_unified_diff(GIT_DIFF).expect("valid diff");
        let summary: Vec<(&str, FileStatus, bool)> = files
            .iter()
            .map(|f| (f.path.as_str(), f.status, f.binary))
            .collect();
        assert_eq!(
            summary,
            [
                ("main.tf", FileStatus::Modified, false),
                ("new.tf", FileStatus::Added, false),
                ("old.tf", FileStatus::Deleted, false),
                ("modules/a.tf", FileStatus::Renamed, false),
                ("logo.png", FileStatus::Modified, true),
            ]
        );
        assert_eq!(files[3].old_path.as_deref(), Some("a.tf"));
        let added: Vec<(u32, &str)> = files[0].added_lines().collect();
        assert_eq!(
            added,
            [(2, "  acl = \"public-read\""), (3, "  -- not a header")]
        );
        assert_eq!(files[0].hunks[0].section, "terraform {");
        assert!(files[1].hunks[0].lines[1].no_newline_at_end);
        assert_eq!(files[2].line_counts(), (0, 1));
    }

    #[test]
    fn an_added_file_is_whole_only_when_its_lines_run_from_the_first() {
        let files = parse_unified_diff(GIT_DIFF).expect("valid diff");
        assert_eq!(
            files[1].added_text().as_deref(),
            Some("variable \"a\" {}\nvariable \"b\" {}")
        );
        // Modified, deleted and binary files are not whole in a diff.
        assert!(
            files
                .iter()
                .filter(|f| f.path != "new.tf")
                .all(|f| f.added_text().is_none())
        );
        // A hand-written "new file" whose hunk starts at line 7 leaves lines 1-6 unseen.
        let gap = "diff --git a/x.tf b/x.tf\nnew file mode 100644\n--- /dev/null\n+++ b/x.tf\n@@ -0,0 +7,1 @@\n+locals {}\n";
        let files = parse_unified_diff(gap).expect("valid diff");
        assert_eq!(files[0].status, FileStatus::Added);
        assert_eq!(files[0].added_text(), None);
        // Two hunks that both start at line 1 repeat it.
        let twice = "--- /dev/null\n+++ b/x.tf\n@@ -0,0 +1 @@\n+a\n@@ -0,0 +1 @@\n+b\n";
        let files = parse_unified_diff(twice).expect("valid diff");
        assert_eq!(files[0].added_text(), None);
    }

    #[test]
    fn parses_plain_diff_u_with_timestamps() {
        let text = "--- main.tf\t2024-01-01 10:00:00\n+++ main.tf\t2024-01-02 10:00:00\n@@ -3 +3 @@\n-a\n+b\n";
        let files = parse_unified_diff(text).expect("valid");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "main.tf");
        assert_eq!(files[0].added_lines().collect::<Vec<_>>(), [(3, "b")]);
    }

    #[test]
    fn reports_bad_hunk_headers_and_truncated_hunks_with_lines() {
        let bad = "--- a/x\n+++ b/x\n@@ -1,2 +1,two @@\n a\n";
        assert_eq!(
            parse_unified_diff(bad),
            Err(DiffError::BadHunkHeader {
                line: 3,
                header: "@@ -1,2 +1,two @@".into()
            })
        );
        let truncated = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n";
        assert_eq!(
            parse_unified_diff(truncated),
            Err(DiffError::TruncatedHunk {
                line: 7,
                file: "x".into(),
                old_missing: 1,
                new_missing: 1
            })
        );
        assert_eq!(
            parse_unified_diff("@@ -1 +1 @@\n-a\n+b\n"),
            Err(DiffError::HunkWithoutFile { line: 1 })
        );
        assert_eq!(
            parse_unified_diff("hello\nworld\n"),
            Err(DiffError::NotADiff)
        );
        assert_eq!(parse_unified_diff("  \n"), Ok(Vec::new()));
    }

    #[test]
    fn handles_quoted_paths_and_crlf() {
        let text = "diff --git \"a/dir with space/m\\u00e4in.tf\" \"b/dir with space/m\\u00e4in.tf\"\n--- \"a/dir with space/m\\u00e4in.tf\"\n+++ \"b/dir with space/m\\u00e4in.tf\"\n@@ -1 +1 @@\r\n-a\r\n+b\r\n";
        let files = parse_unified_diff(text).expect("valid");
        assert_eq!(files[0].path, "dir with space/mäin.tf");
        assert_eq!(files[0].added_lines().collect::<Vec<_>>(), [(1, "b")]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use similar::TextDiff;

    fn text_from(lines: &[u8], trailing_newline: bool) -> String {
        // A small alphabet makes equal lines (and so context and moves) common.
        let mut s: String = lines.iter().map(|n| format!("line {n}\n")).collect();
        if !trailing_newline && s.ends_with('\n') {
            s.pop();
        }
        s
    }

    proptest! {
        /// Every line of every hunk sits at the line number the parser gives it, in the
        /// old file (context, removed) and the new file (context, added).
        #[test]
        fn line_numbers_point_at_the_right_lines(
            old in proptest::collection::vec(0u8..6, 0..40),
            new in proptest::collection::vec(0u8..6, 0..40),
            old_nl in any::<bool>(),
            new_nl in any::<bool>(),
            context in 0usize..4,
            git_header in any::<bool>(),
        ) {
            let old_text = text_from(&old, old_nl);
            let new_text = text_from(&new, new_nl);
            let body = TextDiff::from_lines(&old_text, &new_text)
                .unified_diff()
                .context_radius(context)
                .header("a/f.tf", "b/f.tf")
                .to_string();
            let diff = if git_header { format!("diff --git a/f.tf b/f.tf\n{body}") } else { body.clone() };
            let files = parse_unified_diff(&diff).map_err(|e| TestCaseError::fail(format!("{e}\n{diff}")))?;
            if old_text == new_text {
                prop_assert!(files.iter().all(|f| f.hunks.is_empty()));
                return Ok(());
            }
            prop_assert_eq!(files.len(), 1);
            let old_lines: Vec<&str> = old_text.lines().collect();
            let new_lines: Vec<&str> = new_text.lines().collect();
            let mut added = 0;
            let mut removed = 0;
            for line in files[0].hunks.iter().flat_map(|h| &h.lines) {
                if let Some(n) = line.old_line {
                    prop_assert_eq!(old_lines[n as usize - 1], line.text.as_str());
                }
                if let Some(n) = line.new_line {
                    prop_assert_eq!(new_lines[n as usize - 1], line.text.as_str());
                }
                match line.kind {
                    LineKind::Added => { added += 1; prop_assert!(line.old_line.is_none() && line.new_line.is_some()); }
                    LineKind::Removed => { removed += 1; prop_assert!(line.new_line.is_none() && line.old_line.is_some()); }
                    LineKind::Context => prop_assert!(line.old_line.is_some() && line.new_line.is_some()),
                }
            }
            let expected_added = body.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).count();
            let expected_removed = body.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).count();
            prop_assert_eq!((added, removed), (expected_added, expected_removed));
        }
    }
}
