//! AWS misconfiguration rules, one module per service family.

use super::ResourceRule;

pub(super) use iam_change::{ATTACHMENT_TYPES, widened_permissions};

mod backup_and_files;
mod compute;
mod data_stores;
mod edge;
mod iam;
mod iam_change;
mod kms;
mod logging;
mod machine_learning;
mod network;
mod nonrelational;
mod policy;
mod relational;
mod s3;
mod search;
mod settings;
mod streaming;
mod warehouses;

/// Every AWS rule set.
pub(super) const RULES: &[&[ResourceRule]] = &[
    s3::RULES,
    logging::RULES,
    edge::RULES,
    network::RULES,
    compute::RULES,
    iam::RULES,
    data_stores::RULES,
    relational::RULES,
    search::RULES,
    nonrelational::RULES,
    streaming::RULES,
    warehouses::RULES,
    backup_and_files::RULES,
    machine_learning::RULES,
];
