//! A large review is split across threads; its result must be exactly what reviewing
//! the same inputs piece by piece gives. The inputs are every Trivy snippet of the
//! corpus, written into several directories (each directory is its own Terraform
//! module, so the copies cannot see each other): the whole set is large enough to be
//! split, each directory alone is reviewed on one thread.

use std::fs;

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

/// `(file name, HCL)` for every snippet of the corpus.
fn snippets() -> Vec<(String, String)> {
    let dir = corpus_path("trivy-checks/aws");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("trivy checks")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let check: Check =
            serde_yaml_ng::from_str(&fs::read_to_string(&path).expect("check")).expect("YAML");
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        for (kind, list) in check
            .terraform
            .iter()
            .flat_map(|s| [("good", &s.good), ("bad", &s.bad)])
        {
            for (i, snippet) in list.iter().enumerate() {
                out.push((format!("{stem}-{kind}-{i}.tf"), snippet.clone()));
            }
        }
    }
    out
}

#[test]
fn a_review_split_across_threads_equals_reviews_of_its_parts() {
    const COPIES: usize = 4;
    let snippets = snippets();
    let documents = |copies: std::ops::Range<usize>| -> Vec<(String, &str)> {
        copies
            .flat_map(|copy| {
                snippets
                    .iter()
                    .map(move |(name, hcl)| (format!("copy{copy}/{name}"), hcl.as_str()))
            })
            .collect()
    };
    let review_of = |docs: &[(String, &str)]| {
        let cs = ChangeSet::from_documents(
            Origin::Local,
            docs.iter()
                .map(|(path, hcl)| Document::detect(path.as_str(), *hcl)),
        );
        (cs.configuration.resources.len(), review(&cs))
    };

    let (resources, whole) = review_of(&documents(0..COPIES));
    // Enough resources for several threads (rules::evaluate splits at 256 per thread).
    assert!(resources >= 1_500, "only {resources} resources");
    assert!(!whole.findings.is_empty());

    let mut parts_findings = 0;
    for copy in 0..COPIES {
        let (_, part) = review_of(&documents(copy..copy + 1));
        let prefix = format!("copy{copy}/");
        let in_copy =
            |file: &Option<String>| file.as_deref().is_some_and(|f| f.starts_with(&prefix));
        let whole_findings: Vec<_> = whole.findings.iter().filter(|f| in_copy(&f.file)).collect();
        assert_eq!(
            whole_findings,
            part.findings.iter().collect::<Vec<_>>(),
            "findings of {prefix}"
        );
        let whole_undetermined: Vec<_> = whole
            .undetermined
            .iter()
            .filter(|u| u.file.starts_with(&prefix))
            .collect();
        assert_eq!(
            whole_undetermined,
            part.undetermined.iter().collect::<Vec<_>>(),
            "undetermined of {prefix}"
        );
        parts_findings += part.findings.len();
    }
    assert_eq!(whole.findings.len(), parts_findings);
}
