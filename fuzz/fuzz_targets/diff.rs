//! Unified diffs, as code hosts return a pull request's change: `parse_unified_diff`
//! and the invariants of what it reads, then a review of the diff as a document
//! (where the secrets detector reads the added lines).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use reviewgate_core::diff::LineKind;
use reviewgate_core::{InputKind, parse_unified_diff};

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    if let Ok(files) = parse_unified_diff(&text) {
        for file in &files {
            for hunk in &file.hunks {
                // Hunks are read by their header's counts.
                let old = hunk.lines.iter().filter(|l| l.kind != LineKind::Added);
                let new = hunk.lines.iter().filter(|l| l.kind != LineKind::Removed);
                assert_eq!(old.clone().count(), hunk.old_lines as usize);
                assert_eq!(new.clone().count(), hunk.new_lines as usize);
                // Line numbers count up from the header's starts.
                let numbers: Vec<u32> = new.filter_map(|l| l.new_line).collect();
                assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
                let numbers: Vec<u32> = old.filter_map(|l| l.old_line).collect();
                assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
                assert!(hunk.lines.iter().all(|l| !l.text.contains('\n')));
            }
            let (added, _) = file.line_counts();
            assert_eq!(file.added_lines().count(), added);
        }
    }
    let (_, review) = common::review_document("change.diff", InputKind::Diff, &text);
    common::check_review(&review, &common::secrets_in(&text));
});
