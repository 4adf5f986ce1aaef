//! Change risk: what a plan is about to do, rather than how resources are configured.
//!
//! Misconfiguration rules ask "is this resource safe?"; these ask "is this change
//! safe?" — destroying or replacing something that holds data, a replacement a
//! small attribute edit forces, new exposure to the internet, a plan so large that
//! review cannot be thorough. They look at a plan resource's action, its
//! `replace_paths`, and its before and after values.

use crate::finding::Severity;
use crate::plan::Plan;
use crate::resource::{ChangeAction, PlannedChange, Resource};
use crate::rules::values::{blocks, lookup};
use crate::rules::{Context, RuleMeta, Tri, Verdicts};
use crate::value::{Value, ValueMap};

/// A rule over one planned resource change (creates, updates, replacements and
/// deletions alike).
pub struct ChangeRule {
    /// What the rule is.
    pub meta: RuleMeta,
    /// The check.
    pub check: fn(&Resource, &PlannedChange, &Context<'_>, &mut Verdicts),
}

/// A rule over a whole plan. Its findings point at the plan file.
pub struct PlanRule {
    /// What the rule is.
    pub meta: RuleMeta,
    /// The check.
    pub check: fn(&Plan, &mut Verdicts),
}

/// Resource types whose destruction loses data or identity that cannot be recreated
/// by applying again: databases, buckets, tables, file systems, keys, queues,
/// streams, registries, secrets, clusters holding state.
pub const STATEFUL_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_rds_global_cluster",
    "aws_dynamodb_table",
    "aws_dynamodb_global_table",
    "aws_s3_bucket",
    "aws_efs_file_system",
    "aws_fsx_lustre_file_system",
    "aws_fsx_windows_file_system",
    "aws_fsx_ontap_file_system",
    "aws_ebs_volume",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_memorydb_cluster",
    "aws_redshift_cluster",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_elasticsearch_domain",
    "aws_opensearch_domain",
    "aws_msk_cluster",
    "aws_kinesis_stream",
    "aws_kinesis_firehose_delivery_stream",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_kms_key",
    "aws_secretsmanager_secret",
    "aws_ecr_repository",
    "aws_backup_vault",
    "aws_cloudwatch_log_group",
    "aws_eks_cluster",
    "aws_cognito_user_pool",
    "aws_route53_zone",
    "aws_timestreamwrite_table",
    "aws_qldb_ledger",
    "aws_glacier_vault",
    "google_sql_database_instance",
    "google_storage_bucket",
    "google_bigquery_dataset",
    "google_bigquery_table",
    "google_spanner_instance",
    "google_spanner_database",
    "google_kms_crypto_key",
    "google_container_cluster",
    "azurerm_storage_account",
    "azurerm_mssql_database",
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_flexible_server",
    "azurerm_cosmosdb_account",
    "azurerm_key_vault",
    "azurerm_kubernetes_cluster",
];

fn is_stateful(resource: &Resource) -> bool {
    STATEFUL_TYPES.contains(&resource.resource_type())
}

const ANY: &[&str] = &["*"];

pub(super) const CHANGE_RULES: &[ChangeRule] = &[
    ChangeRule {
        meta: RuleMeta {
            id: "RG-CHG-001",
            title: "Stateful resource will be destroyed",
            severity: Severity::Critical,
            description: "The plan deletes a resource that holds data (a database, bucket, table, file system, key, queue…). Unless a backup or final snapshot exists, the data is gone after apply.",
            remediation: "Make sure the deletion is intended and a backup or final snapshot exists; otherwise remove the change (or use `terraform state rm`/a `removed` block to stop managing it without destroying it).",
            aliases: &[],
            frameworks: &[
                ("soc2", &["A1.2", "CC8.1"]),
                ("nist-800-53-r5", &["CP-9", "CM-3"]),
                ("nist-csf-2.0", &["ID.RA-07", "PR.DS-11"]),
            ],
            resource_types: STATEFUL_TYPES,
        },
        check: check_stateful_destroy,
    },
    ChangeRule {
        meta: RuleMeta {
            id: "RG-CHG-002",
            title: "Stateful resource will be replaced",
            severity: Severity::Critical,
            description: "The plan destroys and recreates a resource that holds data; the new one starts empty. Replacements are usually forced by editing an attribute that cannot be changed in place.",
            remediation: "Revert the attribute that forces the replacement, or migrate the data first; consider `lifecycle { prevent_destroy = true }` on stateful resources.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["A1.2", "CC8.1"]),
                ("nist-800-53-r5", &["CP-9", "CM-3"]),
                ("nist-csf-2.0", &["ID.RA-07", "PR.DS-11"]),
            ],
            resource_types: STATEFUL_TYPES,
        },
        check: check_stateful_replace,
    },
    ChangeRule {
        meta: RuleMeta {
            id: "RG-CHG-003",
            title: "Replacement forced by an attribute change",
            severity: Severity::Medium,
            description: "The plan destroys and recreates a resource because an attribute cannot be updated in place. Replacements cause downtime and new identifiers (IPs, ARNs) that other systems may depend on.",
            remediation: "Check whether the attribute change is necessary; if the replacement is intended, consider `create_before_destroy` to avoid downtime.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC8.1"]),
                ("nist-800-53-r5", &["CM-3"]),
                ("nist-csf-2.0", &["ID.RA-07"]),
            ],
            resource_types: ANY,
        },
        check: check_forced_replacement,
    },
    ChangeRule {
        meta: RuleMeta {
            id: "RG-CHG-004",
            title: "Change widens IAM permissions",
            severity: Severity::High,
            description: "An updated policy now allows actions, resources or principals its previous version did not, or a powerful AWS managed policy (AdministratorAccess, PowerUserAccess, IAMFullAccess) is attached. Widening is how least privilege erodes one pull request at a time.",
            remediation: "Check that every new grant is needed; scope actions and resources as narrowly as the use case allows.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1", "CC6.3"]),
                ("nist-800-53-r5", &["AC-6", "CM-3"]),
                ("nist-csf-2.0", &["ID.RA-07", "PR.AA-05"]),
            ],
            resource_types: IAM_CHANGE_TYPES,
        },
        check: check_iam_widening,
    },
    ChangeRule {
        meta: RuleMeta {
            id: "RG-CHG-005",
            title: "Change opens new network exposure",
            severity: Severity::High,
            description: "The plan makes something reachable from the internet that was not before: a security group rule open to 0.0.0.0/0 or ::/0, a database or load balancer made public, an S3 public access block relaxed or removed, a public IP or EKS endpoint enabled.",
            remediation: "Restrict the source to known CIDR ranges or keep the resource private; expose services through a load balancer or VPN instead.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.2.2"]),
                ("nist-800-53-r5", &["SC-7", "CM-3"]),
                ("nist-csf-2.0", &["ID.RA-07", "PR.IR-01"]),
            ],
            resource_types: EXPOSURE_TYPES,
        },
        check: check_new_exposure,
    },
    ChangeRule {
        meta: RuleMeta {
            id: "RG-CHG-006",
            title: "Destroyed stateful resource is not protected by prevent_destroy",
            severity: Severity::Medium,
            description: "Terraform refuses to destroy a resource with `lifecycle { prevent_destroy = true }`; a stateful resource that a plan can destroy has no such guard, so one mistaken edit or rename is enough to lose it.",
            remediation: "Add `lifecycle { prevent_destroy = true }` to stateful resources, and remove it deliberately in a separate change when a deletion is really intended.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["A1.2"]),
                ("nist-800-53-r5", &["CP-9"]),
                ("nist-csf-2.0", &["PR.DS-11"]),
            ],
            resource_types: STATEFUL_TYPES,
        },
        check: check_prevent_destroy,
    },
];

pub(super) const PLAN_RULES: &[PlanRule] = &[PlanRule {
    meta: RuleMeta {
        id: "RG-CHG-007",
        title: "Large blast radius",
        severity: Severity::Medium,
        description: "The plan changes many resources at once, or destroys several. Large changes are hard to review line by line and hard to roll back.",
        remediation: "Split the change into smaller applies (e.g. per module or stack), or review the destroyed and replaced resources one by one.",
        aliases: &[],
        frameworks: &[
            ("soc2", &["CC8.1"]),
            ("nist-800-53-r5", &["CM-3"]),
            ("nist-csf-2.0", &["ID.RA-07"]),
        ],
        resource_types: ANY,
    },
    check: check_blast_radius,
}];

/// Resources whose updates can widen permissions: policy documents and attachments.
const IAM_CHANGE_TYPES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
    "aws_s3_bucket_policy",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
    "aws_kms_key",
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
];

/// Plans changing at least this many resources are reported as a large blast radius.
pub const BLAST_RADIUS_CHANGES: usize = 25;
/// Plans destroying (deleting or replacing) at least this many resources are reported too.
pub const BLAST_RADIUS_DESTROYS: usize = 5;

fn check_iam_widening(
    resource: &Resource,
    change: &PlannedChange,
    ctx: &Context<'_>,
    out: &mut Verdicts,
) {
    let is_attachment = super::aws::ATTACHMENT_TYPES.contains(&resource.resource_type());
    // New policies are judged by the IAM misconfiguration rules; widening is about
    // what an existing policy gains. New attachments of powerful policies count.
    let relevant = match change.action {
        ChangeAction::Update => true,
        ChangeAction::Create => is_attachment,
        action => action.is_replace(),
    };
    if !relevant {
        return;
    }
    let before = change
        .before
        .as_ref()
        .map(|b| b.values())
        .unwrap_or_default();
    match super::aws::widened_permissions(ctx, resource, &before, &resource.attributes) {
        Tri::Known(grants) if !grants.is_empty() => {
            const SHOWN: usize = 5;
            let mut listed: Vec<String> = grants
                .iter()
                .take(SHOWN)
                .map(|g| format!("`{g}`"))
                .collect();
            if grants.len() > SHOWN {
                listed.push(format!("and {} more", grants.len() - SHOWN));
            }
            out.fail(
                format!("`{}` now grants {}", resource.address, listed.join(", ")),
                None,
            );
        }
        Tri::Unknown => {
            out.cannot_tell("the policy before or after the change is not known statically")
        }
        _ => {}
    }
}

fn check_stateful_destroy(
    resource: &Resource,
    change: &PlannedChange,
    _: &Context<'_>,
    out: &mut Verdicts,
) {
    if change.action == ChangeAction::Delete && is_stateful(resource) {
        out.fail(
            format!(
                "`{}` ({}) will be destroyed; its data is lost unless a backup or final snapshot exists",
                resource.address,
                resource.resource_type()
            ),
            None,
        );
    }
}

/// `engine: "postgres" → "mysql"` when both values are known, short and not sensitive.
fn describe_forcing_paths(change: &PlannedChange, after: &ValueMap) -> String {
    if change.replace_paths.is_empty() {
        return match change.action_reason.as_deref() {
            Some("replace_because_tainted") => "the resource is tainted".to_owned(),
            Some("replace_by_request") => "replacement was requested (-replace)".to_owned(),
            Some("replace_by_triggers") => "a `replace_triggered_by` reference changed".to_owned(),
            _ => "the plan does not say which attribute forces it".to_owned(),
        };
    }
    let before = change
        .before
        .as_ref()
        .map(|b| b.values())
        .unwrap_or_default();
    let render = |map: &ValueMap, path: &str| match lookup(map, path) {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null)) => {
            let text = v.to_string();
            (text.len() <= 60).then_some(text)
        }
        Some(Value::Unknown(_)) => Some("(known after apply)".to_owned()),
        Some(Value::Sensitive(_)) => Some("(sensitive value)".to_owned()),
        _ => None,
    };
    let parts: Vec<String> = change
        .replace_paths
        .iter()
        .map(|steps| {
            let path = steps.join(".");
            match (render(&before, &path), render(after, &path)) {
                (Some(old), Some(new)) if old != new => format!("`{path}` ({old} → {new})"),
                _ => format!("`{path}`"),
            }
        })
        .collect();
    format!("forced by a change to {}", parts.join(", "))
}

fn check_stateful_replace(
    resource: &Resource,
    change: &PlannedChange,
    _: &Context<'_>,
    out: &mut Verdicts,
) {
    if change.action.is_replace() && is_stateful(resource) {
        let why = describe_forcing_paths(change, &resource.attributes);
        out.fail(
            format!(
                "`{}` ({}) will be destroyed and recreated empty: {why}",
                resource.address,
                resource.resource_type()
            ),
            change.replace_paths.first().map(|p| p.join(".")).as_deref(),
        );
    }
}

fn check_forced_replacement(
    resource: &Resource,
    change: &PlannedChange,
    _: &Context<'_>,
    out: &mut Verdicts,
) {
    // Stateful replacements have their own, more severe rule.
    if change.action.is_replace() && !is_stateful(resource) {
        let why = describe_forcing_paths(change, &resource.attributes);
        out.fail(
            format!("`{}` will be replaced: {why}", resource.address),
            None,
        );
    }
}

fn check_prevent_destroy(
    resource: &Resource,
    change: &PlannedChange,
    ctx: &Context<'_>,
    out: &mut Verdicts,
) {
    if !(change.action.destroys() && is_stateful(resource)) {
        return;
    }
    // With the configuration in the review, look at the block itself; a planned
    // destroy already proves the guard is absent (Terraform would refuse otherwise).
    let protected = ctx.memo("change_risk.prevent_destroy", || {
        ctx.resources()
            .iter()
            .filter(|r| {
                r.change.is_none() && Tri::bool(r.meta.prevent_destroy.as_ref()) == Tri::Known(true)
            })
            .map(|r| r.address.config_address())
            .collect::<std::collections::HashSet<String>>()
    });
    if protected.contains(&resource.address.config_address()) {
        return;
    }
    out.fail(
        format!(
            "`{}` can be destroyed by this plan: it has no `lifecycle {{ prevent_destroy = true }}`",
            resource.address
        ),
        None,
    );
}

fn check_blast_radius(plan: &Plan, out: &mut Verdicts) {
    let mut changed = 0;
    let mut destroyed = 0;
    let mut by_action: std::collections::BTreeMap<&str, usize> = Default::default();
    for change in plan.resources.iter().filter_map(|r| r.change.as_ref()) {
        if matches!(change.action, ChangeAction::NoOp | ChangeAction::Read) {
            continue;
        }
        changed += 1;
        destroyed += usize::from(change.action.destroys());
        *by_action.entry(change.action.as_str()).or_default() += 1;
    }
    if changed >= BLAST_RADIUS_CHANGES || destroyed >= BLAST_RADIUS_DESTROYS {
        let counts: Vec<String> = by_action
            .iter()
            .map(|(action, n)| format!("{n} {action}"))
            .collect();
        out.fail(
            format!(
                "{changed} resources change ({}), {destroyed} of them destroyed or replaced",
                counts.join(", ")
            ),
            None,
        );
    }
}

/// Resource types whose changes can expose something to the internet.
const EXPOSURE_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_db_instance",
    "aws_rds_cluster_instance",
    "aws_lb",
    "aws_alb",
    "aws_s3_bucket_public_access_block",
    "aws_instance",
    "aws_eks_cluster",
];

const PUBLIC_CIDRS: &[&str] = &["0.0.0.0/0", "::/0"];

/// Public CIDR ingress in a security group's inline rules or a standalone rule.
fn public_ingress(resource_type: &str, values: &ValueMap) -> Vec<String> {
    let mut found = Vec::new();
    let mut collect = |rule: &ValueMap| {
        for key in ["cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"] {
            let cidrs: Vec<&str> = match rule.get(key) {
                Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
                Some(Value::String(s)) => vec![s.as_str()],
                _ => Vec::new(),
            };
            for cidr in cidrs.into_iter().filter(|c| PUBLIC_CIDRS.contains(c)) {
                let ports = match (
                    rule.get("from_port").and_then(Value::as_f64),
                    rule.get("to_port").and_then(Value::as_f64),
                ) {
                    (Some(from), Some(to)) if from == to => format!("port {from}"),
                    (Some(from), Some(to)) => format!("ports {from}-{to}"),
                    _ => "all ports".to_owned(),
                };
                found.push(format!("{cidr} on {ports}"));
            }
        }
    };
    match resource_type {
        "aws_security_group" => blocks(values.get("ingress"))
            .into_iter()
            .for_each(&mut collect),
        "aws_security_group_rule" => {
            if values.get("type").and_then(Value::as_str) == Some("ingress") {
                collect(values);
            }
        }
        _ => collect(values),
    }
    found
}

fn flag(values: &ValueMap, key: &str) -> Option<bool> {
    Tri::bool(values.get(key)).known()
}

fn check_new_exposure(
    resource: &Resource,
    change: &PlannedChange,
    _: &Context<'_>,
    out: &mut Verdicts,
) {
    let after: &ValueMap = &resource.attributes;
    let before = change
        .before
        .as_ref()
        .map(|b| b.values())
        .unwrap_or_default();
    let creating = change.before.is_none();
    let mut exposures: Vec<String> = Vec::new();
    match resource.resource_type() {
        t @ ("aws_security_group"
        | "aws_security_group_rule"
        | "aws_vpc_security_group_ingress_rule") => {
            if change.action == ChangeAction::Delete {
                return;
            }
            let old = public_ingress(t, &before);
            exposures.extend(
                public_ingress(t, after)
                    .into_iter()
                    .filter(|e| !old.contains(e))
                    .map(|e| format!("allows ingress from {e}")),
            );
        }
        "aws_db_instance" | "aws_rds_cluster_instance"
            if flag(after, "publicly_accessible") == Some(true)
                && (creating || flag(&before, "publicly_accessible") != Some(true)) =>
        {
            exposures.push("becomes publicly accessible".to_owned());
        }
        "aws_lb" | "aws_alb"
            if flag(after, "internal") == Some(false)
                && flag(&before, "internal") == Some(true) =>
        {
            exposures.push("changes from internal to internet-facing".to_owned());
        }
        "aws_instance"
            if flag(after, "associate_public_ip_address") == Some(true)
                && flag(&before, "associate_public_ip_address") == Some(false) =>
        {
            exposures.push("gets a public IP address".to_owned());
        }
        "aws_eks_cluster" => {
            let public = |values: &ValueMap| {
                Tri::bool(lookup(values, "vpc_config.0.endpoint_public_access")).known()
            };
            if public(after) == Some(true) && public(&before) == Some(false) {
                exposures.push("enables the public API endpoint".to_owned());
            }
        }
        "aws_s3_bucket_public_access_block" => {
            const FLAGS: [&str; 4] = [
                "block_public_acls",
                "block_public_policy",
                "ignore_public_acls",
                "restrict_public_buckets",
            ];
            if change.action == ChangeAction::Delete {
                let protected: Vec<&str> = FLAGS
                    .into_iter()
                    .filter(|f| flag(&before, f) == Some(true))
                    .collect();
                if !protected.is_empty() {
                    exposures.push(format!("is removed, lifting {}", protected.join(", ")));
                }
            } else {
                let relaxed: Vec<&str> = FLAGS
                    .into_iter()
                    .filter(|f| flag(&before, f) == Some(true) && flag(after, f) == Some(false))
                    .collect();
                if !relaxed.is_empty() {
                    exposures.push(format!("turns off {}", relaxed.join(", ")));
                }
            }
        }
        _ => {}
    }
    if !exposures.is_empty() {
        out.fail(
            format!("`{}` {}", resource.address, exposures.join("; ")),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::changeset::{ChangeSet, Document, Origin};
    use crate::review::{Review, review};

    fn review_plan(changes: &str) -> Review {
        let plan = format!(r#"{{"format_version":"1.2","resource_changes":[{changes}]}}"#);
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("plan.json", plan)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    fn messages<'a>(review: &'a Review, rule: &str) -> Vec<&'a str> {
        review
            .findings
            .iter()
            .filter(|f| f.rule_id == rule)
            .map(|f| f.message.as_str())
            .collect()
    }

    #[test]
    fn stateful_replacement_names_the_forcing_attribute() {
        let r = review_plan(
            r#"{"address":"aws_db_instance.main","type":"aws_db_instance","name":"main","change":{"actions":["delete","create"],
               "before":{"engine":"postgres","identifier":"main"},"after":{"engine":"mysql","identifier":"main"},"after_unknown":{"id":true},
               "replace_paths":[["engine"]]}},
               {"address":"aws_instance.web","type":"aws_instance","name":"web","change":{"actions":["create","delete"],
               "before":{"ami":"ami-1"},"after":{"ami":"ami-2"},"replace_paths":[["ami"]]}}"#,
        );
        assert_eq!(
            messages(&r, "RG-CHG-002"),
            [
                r#"`aws_db_instance.main` (aws_db_instance) will be destroyed and recreated empty: forced by a change to `engine` ("postgres" → "mysql")"#
            ]
        );
        assert_eq!(
            messages(&r, "RG-CHG-003"),
            [
                r#"`aws_instance.web` will be replaced: forced by a change to `ami` ("ami-1" → "ami-2")"#
            ]
        );
        assert_eq!(
            messages(&r, "RG-CHG-006").len(),
            1,
            "the replaced database has no prevent_destroy"
        );
        assert!(messages(&r, "RG-CHG-001").is_empty());
    }

    #[test]
    fn stateful_destroy_and_prevent_destroy_with_configuration() {
        let plan = r#"{"format_version":"1.2","resource_changes":[
            {"address":"aws_s3_bucket.logs","type":"aws_s3_bucket","name":"logs","change":{"actions":["delete"],"before":{"bucket":"logs"},"after":null}},
            {"address":"null_resource.x","type":"null_resource","name":"x","change":{"actions":["delete"],"before":{},"after":null}}]}"#;
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("plan.json", plan)]);
        let r = review(&cs);
        assert_eq!(messages(&r, "RG-CHG-001").len(), 1);
        assert!(messages(&r, "RG-CHG-001")[0].contains("aws_s3_bucket.logs"));
        assert_eq!(messages(&r, "RG-CHG-006").len(), 1);
        assert!(
            r.findings
                .iter()
                .all(|f| f.resource.as_deref() != Some("null_resource.x"))
        );
    }

    #[test]
    fn new_exposure_compares_before_and_after() {
        let r = review_plan(
            r#"{"address":"aws_security_group.app","type":"aws_security_group","name":"app","change":{"actions":["update"],
                "before":{"ingress":[{"cidr_blocks":["10.0.0.0/8"],"from_port":22,"to_port":22,"protocol":"tcp"}]},
                "after":{"ingress":[{"cidr_blocks":["10.0.0.0/8"],"from_port":22,"to_port":22,"protocol":"tcp"},
                                     {"cidr_blocks":["0.0.0.0/0"],"from_port":443,"to_port":443,"protocol":"tcp"}]}}},
               {"address":"aws_db_instance.db","type":"aws_db_instance","name":"db","change":{"actions":["update"],
                "before":{"publicly_accessible":false},"after":{"publicly_accessible":true}}},
               {"address":"aws_s3_bucket_public_access_block.b","type":"aws_s3_bucket_public_access_block","name":"b","change":{"actions":["delete"],
                "before":{"block_public_acls":true,"block_public_policy":true},"after":null}},
               {"address":"aws_security_group.same","type":"aws_security_group","name":"same","change":{"actions":["update"],
                "before":{"ingress":[{"cidr_blocks":["0.0.0.0/0"],"from_port":443,"to_port":443}]},
                "after":{"ingress":[{"cidr_blocks":["0.0.0.0/0"],"from_port":443,"to_port":443}],"description":"x"}}}"#,
        );
        let mut found = messages(&r, "RG-CHG-005");
        found.sort_unstable();
        assert_eq!(
            found,
            [
                "`aws_db_instance.db` becomes publicly accessible",
                "`aws_s3_bucket_public_access_block.b` is removed, lifting block_public_acls, block_public_policy",
                "`aws_security_group.app` allows ingress from 0.0.0.0/0 on port 443",
            ]
        );
    }

    #[test]
    fn blast_radius_counts_changes() {
        let changes: Vec<String> = (0..30)
            .map(|i| {
                let action = if i < 6 { r#"["delete"]"# } else { r#"["create"]"# };
                format!(r#"{{"address":"null_resource.n{i}","type":"null_resource","name":"n{i}","change":{{"actions":{action},"before":{{}},"after":{{}}}}}}"#)
            })
            .collect();
        let r = review_plan(&changes.join(","));
        assert_eq!(
            messages(&r, "RG-CHG-007"),
            ["30 resources change (24 create, 6 delete), 6 of them destroyed or replaced"]
        );
        let small = review_plan(
            r#"{"address":"null_resource.a","type":"null_resource","name":"a","change":{"actions":["create"],"after":{}}}"#,
        );
        assert!(messages(&small, "RG-CHG-007").is_empty());
    }

    #[test]
    fn iam_widening_lists_new_grants() {
        let before = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"#;
        let after = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::b/*\"}]}"#;
        let r = review_plan(&format!(
            r#"{{"address":"aws_iam_policy.p","type":"aws_iam_policy","name":"p","change":{{"actions":["update"],
                "before":{{"policy":"{before}"}},"after":{{"policy":"{after}"}}}}}},
               {{"address":"aws_iam_role_policy_attachment.admin","type":"aws_iam_role_policy_attachment","name":"admin","change":{{"actions":["create"],
                "after":{{"policy_arn":"arn:aws:iam::aws:policy/AdministratorAccess","role":"r"}}}}}},
               {{"address":"aws_iam_policy.same","type":"aws_iam_policy","name":"same","change":{{"actions":["update"],
                "before":{{"policy":"{before}"}},"after":{{"policy":"{before}","description":"x"}}}}}},
               {{"address":"aws_iam_policy.later","type":"aws_iam_policy","name":"later","change":{{"actions":["update"],
                "before":{{"policy":"{before}"}},"after":{{}},"after_unknown":{{"policy":true}}}}}}"#
        ));
        let mut found = messages(&r, "RG-CHG-004");
        found.sort_unstable();
        assert_eq!(
            found,
            [
                "`aws_iam_policy.p` now grants `s3:PutObject on arn:aws:s3:::b/*`",
                "`aws_iam_role_policy_attachment.admin` now grants `the AWS managed policy AdministratorAccess`",
            ]
        );
        assert!(
            r.undetermined
                .iter()
                .any(|u| u.rule_id == "RG-CHG-004" && u.resource == "aws_iam_policy.later")
        );
    }
}
