//! AWS misconfiguration rules, one module per service family.

use super::ResourceRule;

pub(super) use iam_change::{ATTACHMENT_TYPES, widened_permissions};

mod compute;
mod data_stores;
mod edge;
mod iam;
mod iam_change;
mod kms;
mod logging;
mod network;
mod policy;
mod s3;

/// Every AWS rule set.
pub(super) const RULES: &[&[ResourceRule]] = &[
    s3::RULES,
    logging::RULES,
    edge::RULES,
    network::RULES,
    compute::RULES,
    iam::RULES,
    data_stores::RULES,
];

/// The rules of every family whose verdict rests on something account-wide being
/// absent from what is reviewed (see [`super::RuleScope::Account`]).
pub(super) const ACCOUNT_WIDE_RULES: &[&[&str]] = &[s3::ACCOUNT_WIDE_RULES];
