//! AWS misconfiguration rules, one module per service family.

use super::ResourceRule;

pub(super) use iam_change::{ATTACHMENT_TYPES, widened_permissions};

mod analytics;
mod api_gateway;
mod build_and_config;
mod compute;
mod containers;
mod data_stores;
mod detection;
mod edge;
mod end_user;
mod exposure;
mod iam;
mod iam_change;
mod iam_hygiene;
mod instances;
mod key_management;
mod kms;
mod logging;
mod messaging;
mod network;
mod policy;
mod privilege_escalation;
mod s3;
mod serverless;
mod vpc;
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
];
