//! (rules to come)

use crate::rules::ResourceRule;

pub(super) const RULES: &[ResourceRule] = &[];
