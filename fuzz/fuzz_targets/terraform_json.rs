//! Terraform JSON syntax (`.tf.json`, and `.tfvars.json`) from a pull request,
//! parsed as `ChangeSet::from_documents` does, then reviewed and rendered, its
//! findings' provenance checked (links into the file carry the lines of its keys).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use reviewgate_core::{InputKind, tfjson};

fuzz_target!(|data: &[u8]| {
    let source = common::text(data);
    let (_, review) = common::review_document("main.tf.json", InputKind::TerraformJson, &source);
    common::check_review(&review, &common::secrets_in(&source));
    common::check_provenance(&review, &[("main.tf.json".to_owned(), source.to_string())]);
    let _ = tfjson::parse_tfvars_json("terraform.tfvars.json", &source);
});
