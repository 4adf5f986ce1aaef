//! The rules acceptance test: for every Trivy check in the corpus that a rule claims
//! through an alias, every `terraform.bad` snippet is flagged with that alias and no
//! `terraform.good` snippet is. Enumerates the corpus, so a new rule is covered by
//! adding its alias.

use std::collections::BTreeMap;
use std::fs;

use reviewgate_core::rules::{RuleScope, catalog, find_rule};
use reviewgate_core::{ChangeSet, Document, Origin, review};
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

#[derive(serde::Deserialize)]
struct IndexEntry {
    id: String,
}

#[test]
fn every_claimed_trivy_check_flags_bad_and_passes_good_snippets() {
    let index: BTreeMap<String, IndexEntry> = serde_json::from_str(
        &fs::read_to_string(corpus_path("trivy-checks/aws-index.json")).expect("index"),
    )
    .expect("index JSON");
    let rules = catalog();
    let mut covered = Vec::new();
    let mut failures = Vec::new();
    for (file, entry) in &index {
        let claiming: Vec<_> = rules
            .iter()
            .filter(|r| r.aliases.contains(&entry.id))
            .collect();
        if claiming.is_empty() {
            continue;
        }
        let text = fs::read_to_string(corpus_path(&format!("trivy-checks/aws/{file}")))
            .expect("check file");
        let check: Check = serde_yaml_ng::from_str(&text).expect("check YAML");
        let Some(snippets) = check.terraform else {
            continue;
        };
        covered.push(entry.id.clone());
        for rule in &claiming {
            for (kind, list) in [("bad", &snippets.bad), ("good", &snippets.good)] {
                for (i, snippet) in list.iter().enumerate() {
                    let cs = ChangeSet::from_documents(
                        Origin::Local,
                        [snippet_document(rule.id.as_str(), snippet)],
                    );
                    let review = review(&cs);
                    let flagged = review
                        .findings
                        .iter()
                        .any(|f| f.rule_id == rule.id && f.aliases.contains(&entry.id));
                    if (kind == "bad") != flagged {
                        let undetermined: Vec<_> = review
                            .undetermined
                            .iter()
                            .filter(|u| u.rule_id == rule.id)
                            .collect();
                        failures.push(format!(
                            "{} ({}) {kind} #{i}: {} — undetermined: {undetermined:?}\n{snippet}",
                            rule.id,
                            entry.id,
                            if flagged {
                                "flagged but should pass"
                            } else {
                                "not flagged"
                            }
                        ));
                    }
                }
            }
        }
    }
    println!(
        "rules cover {} Trivy checks: {}",
        covered.len(),
        covered.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(!covered.is_empty());
}

/// A snippet as the rule is meant to see it: a file on its own, or — for a rule that
/// fails a resource for something account-wide missing, which runs on changes only
/// (`RuleScope::Account`) — a file a pull request adds, as a diff.
fn snippet_document(rule_id: &str, snippet: &str) -> Document {
    let account_wide = find_rule(rule_id).is_some_and(|m| m.scope() == RuleScope::Account);
    if !account_wide {
        return Document::detect("main.tf", snippet);
    }
    let lines: Vec<&str> = snippet.lines().collect();
    let mut diff = format!(
        "diff --git a/main.tf b/main.tf\nnew file mode 100644\n--- /dev/null\n+++ b/main.tf\n@@ -0,0 +1,{} @@\n",
        lines.len()
    );
    for line in lines {
        diff.push('+');
        diff.push_str(line);
        diff.push('\n');
    }
    Document::detect("pr.diff", diff)
}

#[test]
fn findings_point_at_the_offending_lines() {
    let hcl = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n\n  versioning {\n    enabled = false\n  }\n}\n";
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl)]);
    let review = review(&cs);
    let versioning = review
        .findings
        .iter()
        .find(|f| f.rule_id == "RG-AWS-S3-004")
        .expect("versioning finding");
    assert_eq!((versioning.line, versioning.end_line), (Some(4), Some(6)));
    assert_eq!(versioning.file.as_deref(), Some("main.tf"));
    assert!(find_rule("RG-AWS-S3-004").is_some());
}
