use std::fs;

use reviewgate_core::{ChangeSet, Document, LineRange, Origin};
use reviewgate_integration_tests::corpus_path;

#[derive(serde::Deserialize)]
struct Check {
    terraform: Option<Snippets>,
}

#[derive(serde::Deserialize)]
struct Snippets {
    #[serde(default)]
    good: Vec<String>,
    #[serde(default)]
    bad: Vec<String>,
}

/// An independent oracle: `resource "T" "N" {` / `data "T" "N" {` at column 0 opens a
/// block that the next column-0 `}` outside a heredoc closes.
fn expected_blocks(snippet: &str) -> Vec<(String, LineRange)> {
    let lines: Vec<&str> = snippet.lines().collect();
    // Lines inside heredocs (`<<EOF` / `<<-EOF` … `EOF`) are text, not structure.
    let mut in_heredoc = vec![false; lines.len()];
    let mut terminator: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(t) = &terminator {
            in_heredoc[i] = true;
            if line.trim() == t {
                terminator = None;
            }
        } else if let Some(pos) = line.find("<<") {
            let tag = line[pos + 2..].trim_start_matches('-').trim();
            if !tag.is_empty() && tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
                terminator = Some(tag.to_owned());
            }
        }
    }
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if in_heredoc[i] {
            continue;
        }
        let (prefix, rest) = if let Some(rest) = line.strip_prefix("resource ") {
            ("", rest)
        } else if let Some(rest) = line.strip_prefix("data ") {
            ("data.", rest)
        } else {
            continue;
        };
        let labels: Vec<&str> = rest.split('"').collect();
        let (Some(resource_type), Some(name)) = (labels.get(1), labels.get(3)) else {
            continue;
        };
        let end = if rest.trim_end().ends_with("{}") {
            i
        } else {
            i + (i..lines.len())
                .position(|j| !in_heredoc[j] && lines[j].trim_end() == "}")
                .expect("closing brace")
        };
        blocks.push((
            format!("{prefix}{resource_type}.{name}"),
            LineRange {
                start: i as u32 + 1,
                end: end as u32 + 1,
            },
        ));
    }
    blocks
}

#[test]
fn every_trivy_snippet_parses_with_correct_addresses_and_lines() {
    let mut files: Vec<_> = fs::read_dir(corpus_path("trivy-checks/aws"))
        .expect("trivy-checks/aws")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let (mut snippets, mut resources) = (0, 0);
    for path in files {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let check: Check = serde_yaml_ng::from_str(&fs::read_to_string(&path).expect("readable"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(terraform) = check.terraform else {
            continue;
        };
        for (kind, snippet) in terraform
            .good
            .iter()
            .map(|s| ("good", s))
            .chain(terraform.bad.iter().map(|s| ("bad", s)))
        {
            let label = format!("{name} {kind} #{snippets}");
            let cs = ChangeSet::from_documents(
                Origin::Local,
                [Document::detect("main.tf", snippet.as_str())],
            );
            assert!(cs.errors.is_empty(), "{label}: {:?}\n{snippet}", cs.errors);
            let actual: Vec<(String, LineRange)> = cs
                .configuration
                .resources
                .iter()
                .map(|r| (r.address.to_string(), r.source.lines.expect("lines")))
                .collect();
            assert_eq!(actual, expected_blocks(snippet), "{label}\n{snippet}");
            snippets += 1;
            resources += actual.len();
        }
    }
    println!("parsed {snippets} Trivy snippets, {resources} resources");
    assert!(
        snippets > 250,
        "expected the whole corpus, parsed {snippets} snippets"
    );
}
