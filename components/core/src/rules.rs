//! The rule catalog and its evaluation over a change set.
//!
//! The catalog's shape is fixed here so that every surface (CLI, components, API)
//! prints it the same way; the rules themselves arrive with the review engine.

use crate::changeset::ChangeSet;
use crate::finding::{Finding, RuleInfo};

/// Every rule reviewgate knows, in id order.
pub fn catalog() -> Vec<RuleInfo> {
    Vec::new()
}

/// Runs every rule in the catalog over a change set.
pub fn evaluate(_change_set: &ChangeSet) -> Vec<Finding> {
    Vec::new()
}
