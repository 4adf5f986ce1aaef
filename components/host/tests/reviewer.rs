//! The `reviewer` component through wasmtime: identical reviews to the native core
//! on every corpus input, and typed errors (never a trap) on bad input.

mod support;

use std::collections::BTreeMap;

use reviewgate_core::review::review_with;
use reviewgate_core::{ChangeSet, Document, InputKind, Origin, config::ReviewConfig};
use reviewgate_host::{ComponentCache, HostError, ReviewerHost};

fn reviewer() -> ReviewerHost {
    let engine = ReviewerHost::engine().expect("engine");
    ReviewerHost::new(
        &engine,
        &support::wasm("reviewgate_reviewer"),
        &ComponentCache::disabled(),
    )
    .expect("reviewer component")
}

fn native(documents: &[Document]) -> reviewgate_core::Review {
    let cs = ChangeSet::from_documents(Origin::Local, documents.iter().cloned());
    review_with(&cs, &ReviewConfig::default())
}

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

#[test]
fn component_and_native_reviews_are_identical_on_every_corpus_input() {
    let host = reviewer();
    let mut inputs: Vec<Vec<Document>> = Vec::new();
    let mut plans: Vec<_> = std::fs::read_dir(support::corpus("terraform-plans"))
        .expect("plans")
        .map(|e| e.expect("entry").path())
        .collect();
    plans.sort();
    for path in &plans {
        let text = std::fs::read_to_string(path).expect("plan");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        inputs.push(vec![Document::detect(name, text)]);
    }
    let index: BTreeMap<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(support::corpus("trivy-checks/aws-index.json")).expect("index"),
    )
    .expect("index JSON");
    for file in index.keys() {
        let text = std::fs::read_to_string(support::corpus(&format!("trivy-checks/aws/{file}")))
            .expect("check");
        let check: Check = serde_yaml_ng::from_str(&text).expect("check YAML");
        for snippet in check
            .terraform
            .into_iter()
            .flat_map(|s| s.good.into_iter().chain(s.bad))
        {
            inputs.push(vec![Document::detect("main.tf", snippet)]);
        }
    }
    assert!(
        plans.len() >= 10 && inputs.len() > 300,
        "corpus too small: {}",
        inputs.len()
    );
    let mut with_findings = 0;
    for documents in &inputs {
        let expected = native(documents);
        let actual = host.review(documents, None, &[]).expect("component review");
        assert_eq!(actual, expected, "{}", documents[0].path);
        with_findings += usize::from(!expected.findings.is_empty());
    }
    // The comparison means something only if reviews have content.
    assert!(
        with_findings > inputs.len() / 2,
        "{with_findings} of {}",
        inputs.len()
    );
}

#[test]
fn bad_input_comes_back_as_data_or_typed_errors_never_a_trap() {
    let host = reviewer();
    // Unreadable documents are input errors inside the review, as natively.
    let cases = [
        Document::detect(
            "invalid__plan.json",
            std::fs::read_to_string(support::corpus("terraform-plans/invalid__plan.json"))
                .expect("invalid plan"),
        ),
        Document::detect("broken.tf", "resource \"aws_s3_bucket\" {{{"),
        Document {
            path: "x".into(),
            kind: Some(InputKind::Plan),
            content: "[1, 2".into(),
        },
        Document {
            path: "x.diff".into(),
            kind: Some(InputKind::Diff),
            content: "@@ -1,5 +1,9 @@\n+truncated".into(),
        },
        Document::detect(
            "deep.tf.json",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
    ];
    for document in cases {
        let documents = [document];
        let review = host
            .review(&documents, None, &[])
            .expect("a review, not a trap");
        assert!(!review.errors.is_empty(), "{}", documents[0].path);
        assert_eq!(review, native(&documents));
    }
    // Requests that cannot be served are typed WIT errors.
    match host.review(&[], None, &[]) {
        Err(HostError::Rejected(m)) => assert!(m.contains("invalid request"), "{m}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    let documents = [Document::detect("main.tf", "")];
    match host.review(&documents, Some("severity_threshold = \"severe\""), &[]) {
        Err(HostError::Rejected(m)) => assert!(m.contains("invalid configuration"), "{m}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    // And the instance is not poisoned: the next review works.
    assert!(host.review(&documents, None, &[]).is_ok());
}

#[test]
fn the_catalog_is_the_cores() {
    assert_eq!(
        reviewer().catalog().expect("catalog"),
        reviewgate_core::rules::catalog()
    );
}
