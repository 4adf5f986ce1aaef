//! Configuration spread over files as a repository holds it — variables and their
//! tfvars, locals, a module called with arguments and read through its outputs,
//! `count`/`for_each` and `dynamic` blocks, `.tf.json` beside `.tf` — evaluated,
//! reviewed and rendered, with every finding's provenance held to its invariants
//! (`common::check_provenance`: chain length, every link in an input file at a line
//! it has, the last link the finding's attribute, renderings intact).
//!
//! The input is the files one after another, each opened by a line `//@ PATH`
//! (an HCL comment, so a seed reads as Terraform); text before the first such line
//! is `main.tf`. The paths are the fuzzer's to choose, as a pull request's are.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

/// Files read from one input: a root, a module and their variables files fit; more
/// would only slow each run.
const MAX_FILES: usize = 8;

/// The line that opens a file.
const FILE_MARKER: &str = "//@ ";

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    let files = files(&text);
    let (_, review) = common::review_files(&files);
    let secrets: Vec<String> = files
        .iter()
        .flat_map(|(_, content)| common::secrets_in(content))
        .collect();
    common::check_review(&review, &secrets);
    common::check_provenance(&review, &files);
});

/// The input split into files at its `//@ PATH` lines.
fn files(text: &str) -> Vec<(String, String)> {
    let mut files = vec![("main.tf".to_owned(), String::new())];
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix(FILE_MARKER) {
            if files.len() == MAX_FILES {
                break;
            }
            files.push((path.trim_end_matches(['\r', '\n']).to_owned(), String::new()));
        } else if let Some((_, content)) = files.last_mut() {
            content.push_str(line);
        }
    }
    if files[0].1.is_empty() && files.len() > 1 {
        files.remove(0);
    }
    files
}
