//! The lines a change touches, read from its diffs, and whether a finding is on
//! them: what a review of only the changed lines keeps (`reviewgate review
//! --changed-lines-only`).
//!
//! Lines are new-file lines, the lines findings point at. An added line touches
//! itself; a removed line leaves nothing in the new file, so it touches the lines
//! on either side of where it was. A finding about a resource is on a changed line
//! when any line of the resource's block is: changing one argument of a bucket can
//! make an old one matter (`acl` next to a newly removed public access block), and
//! the author is there to fix both. A finding about no resource (a secret on a line)
//! is judged by its own lines. A finding in a file the diffs do not touch is left
//! out; one that points at no file, or at a changed file but at no line, cannot
//! be placed and is kept: leaving it out would be a silent pass.

use std::collections::HashMap;

use crate::changeset::ChangeSet;
use crate::diff::LineKind;
use crate::finding::Finding;
use crate::rules::Undetermined;

/// The new-file lines each changed file's diff touches.
#[derive(Debug, Default)]
pub struct ChangedLines {
    /// By path as the diff names it: sorted, possibly overlapping, inclusive ranges.
    by_file: HashMap<String, Vec<(u32, u32)>>,
    /// The line span of every configuration resource, by (file, address).
    resource_spans: HashMap<(String, String), (u32, u32)>,
}

impl ChangedLines {
    /// The lines the change set's diffs touch, and where its resources are.
    pub fn of(change_set: &ChangeSet) -> Self {
        let mut by_file: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        for file in &change_set.changed_files {
            let ranges = by_file.entry(file.path.clone()).or_default();
            for hunk in &file.hunks {
                // The new-file line of the last line seen that is in the new file.
                let mut last_new = hunk.new_start.saturating_sub(1);
                for line in &hunk.lines {
                    match (line.kind, line.new_line) {
                        (LineKind::Added, Some(n)) => {
                            ranges.push((n, n));
                            last_new = n;
                        }
                        (LineKind::Context, Some(n)) => last_new = n,
                        (LineKind::Removed, _) => {
                            ranges.push((last_new.max(1), last_new.saturating_add(1)));
                        }
                        _ => {}
                    }
                }
            }
            ranges.sort_unstable();
        }
        let resource_spans = change_set
            .configuration
            .resources
            .iter()
            .filter_map(|r| {
                let lines = r.source.lines?;
                Some((
                    (r.source.file.clone(), r.address.to_string()),
                    (lines.start, lines.end),
                ))
            })
            .collect();
        ChangedLines {
            by_file,
            resource_spans,
        }
    }

    /// Whether any line of `first..=last` in `file` changed.
    fn touches(&self, file: &str, first: u32, last: u32) -> bool {
        self.by_file.get(file).is_some_and(|ranges| {
            ranges
                .iter()
                .take_while(|(start, _)| *start <= last)
                .any(|(_, end)| *end >= first)
        })
    }

    /// Whether `lines` (a first and an optional last line) of `file`, or the block
    /// of the resource at `address` in it, touch a changed line. `None` when there
    /// is nothing to place.
    fn place_changed(
        &self,
        file: Option<&str>,
        address: Option<&str>,
        first: Option<u32>,
        last: Option<u32>,
    ) -> Option<bool> {
        let file = file?;
        if !self.by_file.contains_key(file) {
            // A file the change does not touch: nothing in it changed, lines or not.
            return Some(false);
        }
        let span = address
            .and_then(|a| self.resource_spans.get(&(file.to_owned(), a.to_owned())))
            .copied()
            .or_else(|| first.map(|first| (first, last.unwrap_or(first).max(first))))?;
        Some(self.touches(file, span.0, span.1))
    }

    /// Whether a finding is on a changed line (see the module documentation).
    pub fn keeps_finding(&self, finding: &Finding) -> bool {
        self.place_changed(
            finding.file.as_deref(),
            finding.resource.as_deref(),
            finding.line,
            finding.end_line,
        )
        .unwrap_or(true)
    }

    /// Whether a check left undetermined is about a changed resource.
    pub fn keeps_undetermined(&self, item: &Undetermined) -> bool {
        self.place_changed(Some(&item.file), Some(&item.resource), item.line, None)
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{Document, Origin};

    const MAIN_TF: &str = "resource \"aws_s3_bucket\" \"old\" {\n  bucket = \"old\"\n}\n\nresource \"aws_s3_bucket\" \"new\" {\n  bucket = \"new\"\n  acl    = \"public-read\"\n}\n";

    fn change(diff: &str) -> ChangeSet {
        ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("main.tf", MAIN_TF),
                Document::detect("pr.diff", diff),
            ],
        )
    }

    #[test]
    fn a_resource_is_changed_when_any_line_of_its_block_is() {
        // Line 6 of the new file is `bucket = "new"`.
        let cs = change(
            "--- a/main.tf\n+++ b/main.tf\n@@ -6 +6 @@\n-  bucket = \"x\"\n+  bucket = \"new\"\n",
        );
        let lines = ChangedLines::of(&cs);
        let review = crate::rules::evaluate(&cs);
        let kept: Vec<&str> = review
            .findings
            .iter()
            .filter(|f| lines.keeps_finding(f))
            .filter_map(|f| f.resource.as_deref())
            .collect();
        assert!(kept.contains(&"aws_s3_bucket.new"), "{kept:?}");
        assert!(!kept.contains(&"aws_s3_bucket.old"), "{kept:?}");
        // The public ACL is on line 7, unchanged, but in the changed block.
        assert!(review.findings.iter().any(|f| f.line == Some(7)
            && f.resource.as_deref() == Some("aws_s3_bucket.new")
            && lines.keeps_finding(f)));
    }

    #[test]
    fn a_removed_line_touches_its_neighbours() {
        // Removing the old bucket's line 2 leaves lines 1 and 2 (now `}`) touched.
        let cs = change(
            "--- a/main.tf\n+++ b/main.tf\n@@ -1,3 +1,2 @@\n resource \"aws_s3_bucket\" \"old\" {\n-  force_destroy = true\n   bucket = \"old\"\n",
        );
        let lines = ChangedLines::of(&cs);
        assert!(lines.touches("main.tf", 1, 1));
        assert!(lines.touches("main.tf", 2, 2));
        assert!(!lines.touches("main.tf", 3, 8));
        assert!(!lines.touches("other.tf", 1, 100));
    }

    #[test]
    fn findings_that_cannot_be_placed_are_kept() {
        let lines = ChangedLines::of(&change(
            "--- a/main.tf\n+++ b/main.tf\n@@ -20 +20 @@\n-a\n+b\n",
        ));
        let review = crate::rules::evaluate(&ChangeSet::from_documents(
            Origin::Local,
            [Document::detect("main.tf", MAIN_TF)],
        ));
        // Placed on lines the diff does not touch: left out.
        assert!(!lines.keeps_finding(&review.findings[0]));
        let mut unplaced = review.findings[0].clone();
        unplaced.file = None;
        assert!(lines.keeps_finding(&unplaced));
        // In a changed file but at no line: kept.
        let mut no_line = review.findings[0].clone();
        no_line.resource = None;
        no_line.line = None;
        assert!(lines.keeps_finding(&no_line));
        // In a file the diff does not touch: left out, lines or not.
        no_line.file = Some("other.tf".into());
        assert!(!lines.keeps_finding(&no_line));
    }
}
