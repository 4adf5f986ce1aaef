//! Terraform plan JSON (`terraform show -json`), as CI uploads it or Spacelift's API
//! yields it: parsed with `parse_plan`, and what parses is reviewed and rendered.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use reviewgate_core::{ChangeSet, parse_plan, review};

fuzz_target!(|data: &[u8]| {
    let json = common::text(data);
    let plan = match parse_plan("plan.json", &json) {
        Ok(plan) => plan,
        Err(error) => {
            assert!(error.line().is_none_or(|line| line >= 1), "{error}");
            return;
        }
    };
    let change_set = ChangeSet {
        plans: vec![plan],
        ..ChangeSet::default()
    };
    let review = review(&change_set);
    assert_eq!(review.resources, change_set.resources().count());
    common::check_review(&review, &[]);
});
