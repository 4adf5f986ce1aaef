//! Terraform native syntax (`.tf`) from a pull request, through the core's
//! configuration parser as `ChangeSet::from_documents` runs it, then reviewed and
//! rendered, its findings' provenance checked; the same text is also read as
//! `.tfvars` and as a provider lock file.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use reviewgate_core::{InputKind, hcl};

fuzz_target!(|data: &[u8]| {
    let source = common::text(data);
    let (_, review) = common::review_document("main.tf", InputKind::Terraform, &source);
    common::check_review(&review, &common::secrets_in(&source));
    common::check_provenance(&review, &[("main.tf".to_owned(), source.to_string())]);
    let _ = hcl::parse_tfvars("terraform.tfvars", &source);
    let _ = hcl::parse_lock_file(".terraform.lock.hcl", &source);
});
