//! AWS misconfiguration rules, one module per service family.

use super::ResourceRule;

pub(super) use iam_change::{ATTACHMENT_TYPES, widened_permissions};

mod compute;
mod data_stores;
mod detection;
mod edge;
mod exposure;
mod iam;
mod iam_change;
mod iam_hygiene;
mod key_management;
mod kms;
mod logging;
mod messaging;
mod network;
mod policy;
mod privilege_escalation;
mod s3;
mod waf;

/// Every AWS rule set.
pub(super) const RULES: &[&[ResourceRule]] = &[
    s3::RULES,
    logging::RULES,
    edge::RULES,
    network::RULES,
    compute::RULES,
    iam::RULES,
    data_stores::RULES,
    iam_hygiene::RULES,
    privilege_escalation::RULES,
    key_management::RULES,
    messaging::RULES,
    detection::RULES,
    waf::RULES,
];
