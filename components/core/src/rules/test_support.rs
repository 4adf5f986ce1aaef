//! Helpers shared by the rule modules' unit tests: review a document and list what
//! a rule flagged or could not decide.

use crate::changeset::{ChangeSet, Document, Origin};
use crate::review::{Review, review};

/// Reviews one document, which must parse cleanly.
pub(crate) fn review_of(path: &str, text: &str) -> Review {
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect(path, text)]);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    review(&cs)
}

/// Reviews several documents together (a module and its callers), which must parse
/// cleanly.
pub(crate) fn review_files(files: &[(&str, &str)]) -> Review {
    let documents = files
        .iter()
        .map(|(path, text)| Document::detect(*path, *text));
    let cs = ChangeSet::from_documents(Origin::Local, documents);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    review(&cs)
}

/// Reviews one configuration document as part of a change: with a diff that touches
/// it, so account-wide rules run (see `rules::RuleScope`).
pub(crate) fn change_of(path: &str, text: &str) -> Review {
    let diff = format!("--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-\n+\n");
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect(path, text),
            Document::detect("change.diff", diff),
        ],
    );
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    review(&cs)
}

/// Reviews one `main.tf`.
pub(crate) fn hcl(text: &str) -> Review {
    review_of("main.tf", text)
}

/// Resources a rule flagged.
pub(crate) fn flagged(review: &Review, rule: &str) -> Vec<String> {
    review
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .filter_map(|f| f.resource.clone())
        .collect()
}

/// Messages of a rule's findings.
pub(crate) fn messages(review: &Review, rule: &str) -> Vec<String> {
    review
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.message.clone())
        .collect()
}

/// Resources a rule could not decide.
pub(crate) fn undecided(review: &Review, rule: &str) -> Vec<String> {
    review
        .undetermined
        .iter()
        .filter(|u| u.rule_id == rule)
        .map(|u| u.resource.clone())
        .collect()
}
