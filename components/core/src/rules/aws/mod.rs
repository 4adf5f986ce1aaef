//! AWS misconfiguration rules, one module per service family.

use super::ResourceRule;

pub(super) use iam_change::{ATTACHMENT_TYPES, widened_permissions};

mod analytics;
mod api_gateway;
mod backup_and_files;
mod build_and_config;
mod compute;
mod containers;
mod controls;
mod data_stores;
mod detection;
mod edge;
mod end_user;
mod iam;
mod iam_change;
mod iam_hygiene;
mod instances;
mod key_management;
mod kms;
mod logging;
mod machine_learning;
mod messaging;
mod network;
mod nonrelational;
mod policy;
mod privilege_escalation;
mod relational;
mod s3;
mod search;
mod serverless;
mod settings;
mod state_secrets;
mod streaming;
mod vpc;
mod waf;
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
    api_gateway::RULES,
    analytics::RULES,
    build_and_config::RULES,
    end_user::RULES,
    instances::RULES,
    vpc::RULES,
    containers::RULES,
    serverless::RULES,
    iam_hygiene::RULES,
    privilege_escalation::RULES,
    key_management::RULES,
    messaging::RULES,
    detection::RULES,
    waf::RULES,
    relational::RULES,
    search::RULES,
    nonrelational::RULES,
    streaming::RULES,
    warehouses::RULES,
    backup_and_files::RULES,
    machine_learning::RULES,
    state_secrets::RULES,
];

/// The rules of every family whose verdict rests on something account-wide being
/// absent from what is reviewed (see [`super::RuleScope::Account`]).
pub(super) const ACCOUNT_WIDE_RULES: &[&[&str]] = &[s3::ACCOUNT_WIDE_RULES];
