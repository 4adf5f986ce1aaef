//! Non-relational data stores beyond encryption at rest, point-in-time recovery and
//! log export (those are in `data_stores.rs`): DynamoDB and DAX, MemoryDB,
//! ElastiCache, DocumentDB and Neptune. How clients authenticate and whether they
//! must use TLS, which key encrypts the data, how long backups are kept, whether the
//! store can be deleted by one mistaken apply, and whether it survives a node failure.
//!
//! DocumentDB and Neptune take TLS and audit settings from cluster parameter groups;
//! those are read as RDS parameter groups are (`settings::parameter`).

use super::controls::{
    AUDIT_LOG, BACKUP, CENTRAL_AUTHENTICATION, CUSTOMER_KEY, Frameworks, IN_TRANSIT, PATCHING,
    RESILIENCE,
};
use super::data_stores::at;
use super::kms::refers_only_to;
use super::settings::{
    check_classic_resource, check_description, parameter, require_at_least, require_customer_key,
    require_on,
};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{configured, plain, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::Value;

// Not shared with streaming.rs's AUTHENTICATION, which has no HIPAA 164.312(d).
/// Clients must authenticate.
const AUTHENTICATION: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.2.1"]),
    ("hipaa", &["164.312(d)"]),
    ("nist-800-53-r5", &["IA-2", "AC-3"]),
    ("nist-csf-2.0", &["PR.AA-03"]),
];
/// Network rules must say what they are for.
const DOCUMENTED_NETWORK_RULES: Frameworks =
    &[("pci-dss-4.0", &["1.2.5"]), ("nist-800-53-r5", &["CM-6"])];

/// Days of backups kept, at least: a week, so a problem noticed after a weekend can
/// still be rolled back.
const MINIMUM_BACKUP_DAYS: f64 = 7.0;

pub(super) const RULES: &[ResourceRule] = &[
    // -------------------------------------------------------------- DynamoDB / DAX
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DDB-004",
            title: "DAX cluster endpoint does not use TLS",
            severity: Severity::Medium,
            description: "A DAX cluster whose `cluster_endpoint_encryption_type` is `NONE` (the default) serves cached table items to clients in plaintext. The setting is fixed at creation.",
            remediation: "Set `cluster_endpoint_encryption_type = \"TLS\"` (a new cluster) and connect with a TLS-capable DAX client.",
            aliases: &["CKV_AWS_239"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_dax_cluster"],
        },
        check: check_dax_tls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DDB-005",
            title: "DynamoDB table has no deletion protection",
            severity: Severity::Medium,
            description: "Without deletion protection one `terraform destroy`, a renamed resource or a stray API call deletes the table and its data; point-in-time recovery backups go with it after 35 days at most. `deletion_protection_enabled` defaults to false.",
            remediation: "Set `deletion_protection_enabled = true`.",
            aliases: &[],
            frameworks: BACKUP,
            resource_types: &["aws_dynamodb_table"],
        },
        check: check_dynamodb_deletion_protection,
    },
    // -------------------------------------------------------------------- MemoryDB
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MDB-001",
            title: "MemoryDB cluster does not encrypt traffic in transit",
            severity: Severity::High,
            description: "With `tls_enabled = false` clients and the cluster exchange commands, data and passwords in plaintext. The provider default is true; it cannot be changed after creation.",
            remediation: "Remove `tls_enabled = false` (or set it to true).",
            aliases: &["CKV_AWS_202"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_memorydb_cluster"],
        },
        check: check_memorydb_tls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MDB-002",
            title: "MemoryDB cluster is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_arn` a MemoryDB cluster, its transaction log and its snapshots are encrypted with a key AWS owns, which the account can neither restrict nor audit.",
            remediation: "Set `kms_key_arn` to the ARN of a customer-managed `aws_kms_key` (at creation).",
            aliases: &["CKV_AWS_201"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_memorydb_cluster"],
        },
        check: check_memorydb_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MDB-003",
            title: "MemoryDB cluster uses the open-access ACL",
            severity: Severity::High,
            description: "The built-in `open-access` ACL lets any client that reaches the cluster run any command without a password.",
            remediation: "Create `aws_memorydb_user`s with passwords or IAM authentication, an `aws_memorydb_acl` naming them, and set `acl_name` to it.",
            aliases: &[],
            frameworks: AUTHENTICATION,
            resource_types: &["aws_memorydb_cluster"],
        },
        check: check_memorydb_open_access,
    },
    // ----------------------------------------------------------------- ElastiCache
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-004",
            title: "ElastiCache Redis/Valkey replication group does not authenticate clients",
            severity: Severity::High,
            description: "A Redis or Valkey replication group with neither an `auth_token` (Redis AUTH) nor `user_group_ids` (role-based access control) accepts every command from any client that reaches it, including `FLUSHALL` and `CONFIG`.",
            remediation: "Set `user_group_ids` to an `aws_elasticache_user_group` whose users have passwords or IAM authentication, or set `auth_token` (from a secret) with `transit_encryption_enabled = true`.",
            aliases: &[],
            frameworks: AUTHENTICATION,
            resource_types: &["aws_elasticache_replication_group"],
        },
        check: check_elasticache_authentication,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-005",
            title: "ElastiCache security group has no description",
            severity: Severity::Low,
            description: "A security group's description is the only record of what its rules are for; an empty one, or the provider's placeholder `Managed by Terraform` when `description` is unset, leaves reviewers to guess whether access is still needed.",
            remediation: "Set `description` to what the group admits and why.",
            aliases: &["AWS-0049", "AVD-AWS-0049"],
            frameworks: DOCUMENTED_NETWORK_RULES,
            resource_types: &["aws_elasticache_security_group"],
        },
        check: check_description,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-006",
            title: "ElastiCache security group is an EC2-Classic resource",
            severity: Severity::Medium,
            description: "`aws_elasticache_security_group` exists only for EC2-Classic, which AWS retired in 2023; the AWS provider removed it in v5. A configuration that still declares one pins an obsolete provider and describes network access that no longer applies, while the cluster's real access is governed by VPC security groups not shown here.",
            remediation: "Delete the resource and give the cluster VPC security groups (`security_group_ids`) in an `aws_elasticache_subnet_group`.",
            aliases: &["CKV_AWS_196"],
            frameworks: &[
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_elasticache_security_group"],
        },
        check: check_classic_resource,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-007",
            title: "ElastiCache replication group is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "A replication group encrypted at rest without `kms_key_id` uses a key AWS manages, whose policy the account cannot restrict. (One not encrypted at rest at all is RG-AWS-ECA-001's finding; Valkey groups are encrypted by default, Redis groups are not.)",
            remediation: "Set `kms_key_id` to the ARN of a customer-managed `aws_kms_key` together with `at_rest_encryption_enabled = true` (at creation).",
            aliases: &["CKV_AWS_191"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_elasticache_replication_group"],
        },
        check: check_elasticache_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-008",
            title: "ElastiCache user needs no password",
            severity: Severity::High,
            description: "A user with `no_password_required = true` or an `authentication_mode` of type `no-password-required` signs in without credentials: whoever reaches the cache gets that user's access string. The `default` user of a user group is the usual culprit.",
            remediation: "Give the user `passwords` or `authentication_mode { type = \"password\" }` (or `iam`), and turn the `default` user's access string off (`off -@all`).",
            aliases: &[],
            frameworks: AUTHENTICATION,
            resource_types: &["aws_elasticache_user"],
        },
        check: check_elasticache_passwordless_user,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-009",
            title: "ElastiCache replication group has no automatic failover",
            severity: Severity::Low,
            description: "Without automatic failover a failed primary node stays down, and the cache with it, until someone promotes a replica. `automatic_failover_enabled` defaults to false (it needs at least one replica).",
            remediation: "Set `automatic_failover_enabled = true` and `multi_az_enabled = true` with at least two nodes (`num_cache_clusters` or replicas per node group).",
            aliases: &["CKV2_AWS_50"],
            frameworks: RESILIENCE,
            resource_types: &["aws_elasticache_replication_group"],
        },
        check: check_elasticache_failover,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-010",
            title: "ElastiCache does not take minor version upgrades automatically",
            severity: Severity::Low,
            description: "Minor engine versions carry security fixes. With `auto_minor_version_upgrade = false` they are applied only when someone upgrades by hand; the provider default is true.",
            remediation: "Remove `auto_minor_version_upgrade = false` (or set it to true).",
            aliases: &[],
            frameworks: PATCHING,
            resource_types: &[
                "aws_elasticache_cluster",
                "aws_elasticache_replication_group",
            ],
        },
        check: check_elasticache_minor_upgrades,
    },
    // ------------------------------------------------------------------ DocumentDB
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-004",
            title: "DocumentDB cluster keeps backups for less than 7 days",
            severity: Severity::Medium,
            description: "`backup_retention_period` defaults to 1 day: a corruption or deletion noticed after a day can no longer be rolled back to a point in time before it.",
            remediation: "Set `backup_retention_period` to 7 or more (up to 35).",
            aliases: &[],
            frameworks: BACKUP,
            resource_types: &["aws_docdb_cluster"],
        },
        check: check_backup_retention,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-005",
            title: "DocumentDB cluster has no deletion protection",
            severity: Severity::Medium,
            description: "Without deletion protection one destroy or replacement deletes the cluster, and automated backups go with it. `deletion_protection` defaults to false.",
            remediation: "Set `deletion_protection = true`.",
            aliases: &[],
            frameworks: BACKUP,
            resource_types: &["aws_docdb_cluster"],
        },
        check: check_deletion_protection,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-006",
            title: "DocumentDB parameter group disables TLS",
            severity: Severity::High,
            description: "A cluster parameter group whose `tls` parameter is `disabled` lets clients connect without TLS, so queries, documents and credentials cross the network in plaintext. The default is `enabled`.",
            remediation: "Remove the `tls` parameter or set it to `enabled` (or `fips-140-3`, `tls1.2+`, `tls1.3+`).",
            aliases: &["CKV_AWS_90"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_docdb_cluster_parameter_group"],
        },
        check: check_docdb_tls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-007",
            title: "DocumentDB parameter group does not enable auditing",
            severity: Severity::Medium,
            description: "DocumentDB records authentication, DDL and user-management events only when the cluster parameter `audit_logs` is `enabled` (or lists event types); its default is `disabled`, so exporting the `audit` log alone yields nothing.",
            remediation: "Add `parameter { name = \"audit_logs\" value = \"enabled\" }` and export `audit` in the cluster's `enabled_cloudwatch_logs_exports`.",
            aliases: &["CKV_AWS_104"],
            frameworks: AUDIT_LOG,
            resource_types: &["aws_docdb_cluster_parameter_group"],
        },
        check: check_docdb_audit_parameter,
    },
    // --------------------------------------------------------------------- Neptune
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-004",
            title: "Neptune cluster does not enable IAM database authentication",
            severity: Severity::Medium,
            description: "Without IAM authentication any client that reaches a Neptune endpoint can query and modify the graph: Neptune has no database users. `iam_database_authentication_enabled` defaults to false.",
            remediation: "Set `iam_database_authentication_enabled = true` and grant `neptune-db:*` actions to the roles that need the graph.",
            aliases: &["CKV_AWS_359"],
            frameworks: CENTRAL_AUTHENTICATION,
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_neptune_iam_authentication,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-005",
            title: "Neptune cluster has no deletion protection",
            severity: Severity::Medium,
            description: "Without deletion protection one destroy or replacement deletes the cluster, and automated backups go with it. `deletion_protection` defaults to false.",
            remediation: "Set `deletion_protection = true`.",
            aliases: &["CKV2_AWS_58"],
            frameworks: BACKUP,
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_deletion_protection,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-006",
            title: "Neptune cluster keeps backups for less than 7 days",
            severity: Severity::Medium,
            description: "`backup_retention_period` defaults to 1 day: a corruption or deletion noticed after a day can no longer be rolled back to a point in time before it.",
            remediation: "Set `backup_retention_period` to 7 or more (up to 35).",
            aliases: &[],
            frameworks: BACKUP,
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_backup_retention,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-007",
            title: "Neptune parameter group does not enable audit logging",
            severity: Severity::Medium,
            description: "Neptune writes its audit log only when the cluster parameter `neptune_enable_audit_log` is 1; the default is 0, so exporting the `audit` log alone yields nothing.",
            remediation: "Add `parameter { name = \"neptune_enable_audit_log\" value = \"1\" }` and export `audit` in the cluster's `enable_cloudwatch_logs_exports`.",
            aliases: &[],
            frameworks: AUDIT_LOG,
            resource_types: &["aws_neptune_cluster_parameter_group"],
        },
        check: check_neptune_audit_parameter,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-008",
            title: "Neptune snapshots do not inherit the cluster's tags",
            severity: Severity::Low,
            description: "Tags classify data and drive tag-based access policies and backup selections. `copy_tags_to_snapshot` defaults to false, so snapshots, which hold the whole graph, are created untagged.",
            remediation: "Set `copy_tags_to_snapshot = true`.",
            aliases: &["CKV_AWS_362"],
            frameworks: &[
                ("nist-800-53-r5", &["CM-8"]),
                ("nist-csf-2.0", &["ID.AM-07"]),
            ],
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_neptune_copy_tags,
    },
];

// ============================================================== DynamoDB / DAX

fn check_dax_tls(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(cluster.attributes.get("cluster_endpoint_encryption_type")) {
        Tri::Known("TLS") => {}
        Tri::Unknown => {
            out.cannot_tell("`cluster_endpoint_encryption_type` is known only after apply");
        }
        Tri::Known(other) => out.fail(
            format!(
                "`{}` serves clients without TLS (`cluster_endpoint_encryption_type = \"{other}\"`)",
                cluster.address
            ),
            at(cluster, &["cluster_endpoint_encryption_type"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` serves clients without TLS (`cluster_endpoint_encryption_type` is not set and defaults to `NONE`)",
                cluster.address
            ),
            None,
        ),
    }
}

fn check_dynamodb_deletion_protection(table: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        table,
        out,
        Tri::bool(table.attributes.get("deletion_protection_enabled")),
        false,
        "deletion_protection_enabled",
        "can be deleted without first disabling deletion protection",
    );
}

// ==================================================================== MemoryDB

fn check_memorydb_tls(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cluster,
        out,
        Tri::bool(cluster.attributes.get("tls_enabled")),
        true,
        "tls_enabled",
        "does not encrypt traffic in transit",
    );
}

fn check_memorydb_customer_key(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        cluster,
        ctx,
        out,
        cluster.attributes.get("kms_key_arn"),
        "kms_key_arn",
        "a key AWS owns",
    );
}

fn check_memorydb_open_access(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(cluster.attributes.get("acl_name")) {
        Tri::Known("open-access") => out.fail(
            format!(
                "`{}` lets any client in without a password (`acl_name = \"open-access\"`)",
                cluster.address
            ),
            at(cluster, &["acl_name"]),
        ),
        // An ACL this configuration creates cannot be the built-in `open-access`.
        Tri::Unknown if names_a_created_acl(cluster.attributes.get("acl_name")) => {}
        Tri::Unknown => out.cannot_tell("`acl_name` is known only after apply"),
        Tri::Known(_) | Tri::Missing => {}
    }
}

/// True when a value is built only from `aws_memorydb_acl` resources (not data
/// sources, which could look up `open-access`).
fn names_a_created_acl(value: Option<&Value>) -> bool {
    let created = match plain(value) {
        Some(Value::Unknown(unknown)) => !unknown.references.iter().any(|r| r.starts_with("data.")),
        _ => false,
    };
    created && refers_only_to(value, "aws_memorydb_acl")
}

// ================================================================= ElastiCache

/// Replication groups are Redis unless `engine` says otherwise; Memcached has no AUTH.
fn is_redis_or_valkey(group: &Resource) -> Tri<bool> {
    Tri::str(group.attributes.get("engine"))
        .or_default_value("redis")
        .map(|engine| matches!(engine, "redis" | "valkey"))
}

fn check_elasticache_authentication(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match is_redis_or_valkey(group) {
        Tri::Known(true) => {}
        Tri::Known(false) | Tri::Missing => return,
        Tri::Unknown => {
            out.cannot_tell("`engine` is known only after apply");
            return;
        }
    }
    let token = ctx.is_set(group, group.attributes.get("auth_token"));
    let user_groups = match Tri::list(group.attributes.get("user_group_ids")) {
        Tri::Known(ids) => Tri::Known(!ids.is_empty()),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    match Tri::any([token, user_groups]) {
        Tri::Known(true) => {}
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "`{}` accepts clients without authentication (neither `auth_token` nor `user_group_ids` is set)",
                group.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`auth_token` or `user_group_ids` is known only after apply"),
    }
}

fn check_elasticache_customer_key(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    // Computed (Valkey turns it on): a plan shows an unset value as known after apply.
    let encrypted = match Tri::bool(configured(
        group.attributes.get("at_rest_encryption_enabled"),
    )) {
        Tri::Missing => Tri::str(group.attributes.get("engine")).map(|engine| engine == "valkey"),
        other => other,
    };
    match encrypted {
        Tri::Known(true) => require_customer_key(
            group,
            ctx,
            out,
            group.attributes.get("kms_key_id"),
            "kms_key_id",
            "the AWS-managed ElastiCache key",
        ),
        Tri::Unknown => {
            out.cannot_tell("whether the group is encrypted at rest is known only after apply")
        }
        Tri::Known(false) | Tri::Missing => {}
    }
}

fn check_elasticache_passwordless_user(user: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let flag = Tri::bool(user.attributes.get("no_password_required"));
    let mode = single_block(user.attributes.get("authentication_mode"))
        .and_then(|mode| Tri::str(mode.get("type")))
        .map(|kind| kind == "no-password-required");
    match Tri::any([flag, mode]) {
        Tri::Known(true) => out.fail(
            format!("`{}` signs in without a password", user.address),
            at(user, &["no_password_required", "authentication_mode"]),
        ),
        Tri::Unknown => out.cannot_tell(
            "`no_password_required` or `authentication_mode.type` is known only after apply",
        ),
        Tri::Known(false) | Tri::Missing => {}
    }
}

fn check_elasticache_failover(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        group,
        out,
        Tri::bool(group.attributes.get("automatic_failover_enabled")),
        false,
        "automatic_failover_enabled",
        "does not fail over automatically when its primary fails",
    );
}

fn check_elasticache_minor_upgrades(cache: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cache,
        out,
        Tri::bool(cache.attributes.get("auto_minor_version_upgrade")),
        true,
        "auto_minor_version_upgrade",
        "does not apply minor engine versions automatically",
    );
}

// ======================================================= DocumentDB and Neptune

/// `backup_retention_period` defaults to 1 day on DocumentDB and Neptune clusters.
fn check_backup_retention(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_at_least(
        cluster,
        out,
        Tri::number(cluster.attributes.get("backup_retention_period")),
        1.0,
        MINIMUM_BACKUP_DAYS,
        "backup_retention_period",
        "keeps backups for less than a week",
    );
}

/// `deletion_protection` defaults to false on DocumentDB and Neptune clusters.
fn check_deletion_protection(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cluster,
        out,
        Tri::bool(cluster.attributes.get("deletion_protection")),
        false,
        "deletion_protection",
        "can be deleted without first disabling deletion protection",
    );
}

/// A parameter that must have (case-insensitively) one of `good` values; `None` is
/// the verdict for an absent parameter (`Some(message)` fails with it).
fn require_parameter(
    group: &Resource,
    out: &mut Verdicts,
    name: &str,
    acceptable: impl Fn(&str) -> bool,
    when_absent: Option<&str>,
    what: &str,
) {
    match parameter(group, name) {
        Tri::Known(Some(value)) if acceptable(&value.to_ascii_lowercase()) => {}
        Tri::Known(Some(value)) => out.fail(
            format!("`{}` {what} (`{name} = {value}`)", group.address),
            at(group, &["parameter"]),
        ),
        Tri::Known(None) => {
            if let Some(default) = when_absent {
                out.fail(
                    format!(
                        "`{}` {what} (`{name}` is not set and defaults to {default})",
                        group.address
                    ),
                    at(group, &["parameter", "family"]),
                );
            }
        }
        Tri::Unknown | Tri::Missing => out.cannot_tell(format!(
            "the `{name}` parameter is generated dynamically or known only after apply"
        )),
    }
}

fn check_docdb_tls(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_parameter(
        group,
        out,
        "tls",
        |value| value != "disabled",
        None,
        "lets clients connect without TLS",
    );
}

fn check_docdb_audit_parameter(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_parameter(
        group,
        out,
        "audit_logs",
        |value| value != "disabled" && value != "none",
        Some("`disabled`"),
        "does not record audit events",
    );
}

fn check_neptune_iam_authentication(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cluster,
        out,
        Tri::bool(
            cluster
                .attributes
                .get("iam_database_authentication_enabled"),
        ),
        false,
        "iam_database_authentication_enabled",
        "lets any client that reaches it query the graph (IAM authentication is off)",
    );
}

fn check_neptune_audit_parameter(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_parameter(
        group,
        out,
        "neptune_enable_audit_log",
        |value| value == "1" || value == "true",
        Some("0"),
        "does not write an audit log",
    );
}

fn check_neptune_copy_tags(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cluster,
        out,
        Tri::bool(cluster.attributes.get("copy_tags_to_snapshot")),
        false,
        "copy_tags_to_snapshot",
        "creates snapshots without its tags",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn dax_endpoints_need_tls() {
        let r = hcl(r#"
resource "aws_dax_cluster" "default" {
  cluster_name = "a"
}
resource "aws_dax_cluster" "none" {
  cluster_name                      = "b"
  cluster_endpoint_encryption_type = "NONE"
}
resource "aws_dax_cluster" "tls" {
  cluster_name                      = "c"
  cluster_endpoint_encryption_type = "TLS"
}
resource "aws_dax_cluster" "variable" {
  cluster_name                      = "d"
  cluster_endpoint_encryption_type = var.encryption
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-DDB-004"),
            ["aws_dax_cluster.default", "aws_dax_cluster.none"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-DDB-004"),
            ["aws_dax_cluster.variable"]
        );
    }

    #[test]
    fn dynamodb_tables_need_deletion_protection() {
        let r = hcl(r#"
resource "aws_dynamodb_table" "unset" {
  name = "a"
}
resource "aws_dynamodb_table" "on" {
  name                        = "b"
  deletion_protection_enabled = true
}
resource "aws_dynamodb_table" "variable" {
  name                        = "c"
  deletion_protection_enabled = var.protect
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-DDB-005"), ["aws_dynamodb_table.unset"]);
        assert_eq!(
            undecided(&r, "RG-AWS-DDB-005"),
            ["aws_dynamodb_table.variable"]
        );
    }

    #[test]
    fn memorydb_tls_key_and_acl() {
        let r = hcl(r#"
resource "aws_kms_key" "cache" {}
resource "aws_memorydb_cluster" "good" {
  name        = "a"
  acl_name    = aws_memorydb_acl.app.name
  kms_key_arn = aws_kms_key.cache.arn
}
resource "aws_memorydb_cluster" "bad" {
  name        = "b"
  acl_name    = "open-access"
  tls_enabled = false
}
resource "aws_memorydb_cluster" "variable" {
  name        = "c"
  acl_name    = var.acl
  tls_enabled = var.tls
  kms_key_arn = var.key
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-MDB-001"), ["aws_memorydb_cluster.bad"]);
        assert_eq!(
            undecided(&r, "RG-AWS-MDB-001"),
            ["aws_memorydb_cluster.variable"]
        );
        assert_eq!(flagged(&r, "RG-AWS-MDB-002"), ["aws_memorydb_cluster.bad"]);
        assert_eq!(
            undecided(&r, "RG-AWS-MDB-002"),
            ["aws_memorydb_cluster.variable"]
        );
        assert_eq!(flagged(&r, "RG-AWS-MDB-003"), ["aws_memorydb_cluster.bad"]);
        assert_eq!(
            undecided(&r, "RG-AWS-MDB-003"),
            ["aws_memorydb_cluster.variable"]
        );
    }

    #[test]
    fn elasticache_groups_must_authenticate_clients() {
        let r = hcl(r#"
resource "aws_elasticache_replication_group" "open" {
  replication_group_id = "a"
  description          = "a"
}
resource "aws_elasticache_replication_group" "token" {
  replication_group_id       = "b"
  description                = "b"
  transit_encryption_enabled = true
  auth_token                 = "correct-horse-battery-staple"
}
resource "aws_elasticache_replication_group" "rbac" {
  replication_group_id = "c"
  description          = "c"
  user_group_ids       = [aws_elasticache_user_group.app.id]
}
resource "aws_elasticache_replication_group" "variable" {
  replication_group_id = "d"
  description          = "d"
  auth_token           = var.token
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ECA-004"),
            ["aws_elasticache_replication_group.open"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ECA-004"),
            ["aws_elasticache_replication_group.variable"]
        );
    }

    #[test]
    fn elasticache_security_groups_need_descriptions_and_are_classic() {
        let r = hcl(r#"
resource "aws_elasticache_security_group" "empty" {
  name        = "a"
  description = ""
}
resource "aws_elasticache_security_group" "unset" {
  name = "b"
}
resource "aws_elasticache_security_group" "described" {
  name        = "c"
  description = "Cache clients of the web tier"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ECA-005"),
            [
                "aws_elasticache_security_group.empty",
                "aws_elasticache_security_group.unset"
            ]
        );
        assert_eq!(flagged(&r, "RG-AWS-ECA-006").len(), 3);
    }

    #[test]
    fn encrypted_elasticache_groups_need_a_customer_key() {
        let r = hcl(r#"
resource "aws_kms_key" "cache" {}
resource "aws_elasticache_replication_group" "managed" {
  replication_group_id       = "a"
  description                = "a"
  at_rest_encryption_enabled = true
}
resource "aws_elasticache_replication_group" "valkey_default" {
  replication_group_id = "b"
  description          = "b"
  engine               = "valkey"
}
resource "aws_elasticache_replication_group" "customer" {
  replication_group_id       = "c"
  description                = "c"
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.cache.arn
}
resource "aws_elasticache_replication_group" "unencrypted" {
  replication_group_id = "d"
  description          = "d"
}
resource "aws_elasticache_replication_group" "variable" {
  replication_group_id       = "e"
  description                = "e"
  at_rest_encryption_enabled = var.encrypt
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ECA-007"),
            [
                "aws_elasticache_replication_group.managed",
                "aws_elasticache_replication_group.valkey_default"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ECA-007"),
            ["aws_elasticache_replication_group.variable"]
        );
    }

    #[test]
    fn passwordless_elasticache_users_fail() {
        let r = hcl(r#"
resource "aws_elasticache_user" "flag" {
  user_id              = "default-user"
  user_name            = "default"
  access_string        = "on ~* +@all"
  engine               = "REDIS"
  no_password_required = true
}
resource "aws_elasticache_user" "mode" {
  user_id       = "b"
  user_name     = "b"
  access_string = "on ~app:* +@read"
  engine        = "REDIS"
  authentication_mode {
    type = "no-password-required"
  }
}
resource "aws_elasticache_user" "iam" {
  user_id       = "c"
  user_name     = "c"
  access_string = "on ~app:* +@read"
  engine        = "REDIS"
  authentication_mode {
    type = "iam"
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ECA-008"),
            ["aws_elasticache_user.flag", "aws_elasticache_user.mode"]
        );
    }

    #[test]
    fn elasticache_failover_and_upgrades() {
        let r = hcl(r#"
resource "aws_elasticache_replication_group" "single" {
  replication_group_id       = "a"
  description                = "a"
  auto_minor_version_upgrade = false
}
resource "aws_elasticache_replication_group" "ha" {
  replication_group_id       = "b"
  description                = "b"
  automatic_failover_enabled = true
}
resource "aws_elasticache_cluster" "default" {
  cluster_id = "c"
  engine     = "redis"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ECA-009"),
            ["aws_elasticache_replication_group.single"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-ECA-010"),
            ["aws_elasticache_replication_group.single"]
        );
    }

    #[test]
    fn document_and_graph_clusters_keep_a_week_of_backups_and_deletion_protection() {
        let r = hcl(r#"
resource "aws_docdb_cluster" "defaults" {
}
resource "aws_docdb_cluster" "good" {
  backup_retention_period = 7
  deletion_protection     = true
}
resource "aws_neptune_cluster" "short" {
  backup_retention_period = 3
  deletion_protection     = false
}
resource "aws_neptune_cluster" "variable" {
  backup_retention_period = var.days
  deletion_protection     = var.protect
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-DOC-004"),
            ["aws_docdb_cluster.defaults"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-DOC-005"),
            ["aws_docdb_cluster.defaults"]
        );
        assert_eq!(flagged(&r, "RG-AWS-NEP-005"), ["aws_neptune_cluster.short"]);
        assert_eq!(flagged(&r, "RG-AWS-NEP-006"), ["aws_neptune_cluster.short"]);
        assert_eq!(
            undecided(&r, "RG-AWS-NEP-005"),
            ["aws_neptune_cluster.variable"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-NEP-006"),
            ["aws_neptune_cluster.variable"]
        );
    }

    #[test]
    fn docdb_parameter_groups_keep_tls_and_audit_on() {
        let r = hcl(r#"
resource "aws_docdb_cluster_parameter_group" "defaults" {
  family = "docdb5.0"
}
resource "aws_docdb_cluster_parameter_group" "insecure" {
  family = "docdb5.0"
  parameter {
    name  = "tls"
    value = "disabled"
  }
}
resource "aws_docdb_cluster_parameter_group" "audited" {
  family = "docdb5.0"
  parameter {
    name  = "audit_logs"
    value = "enabled"
  }
}
resource "aws_docdb_cluster_parameter_group" "variable" {
  family = "docdb5.0"
  parameter {
    name  = "tls"
    value = var.tls
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-DOC-006"),
            ["aws_docdb_cluster_parameter_group.insecure"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-DOC-006"),
            ["aws_docdb_cluster_parameter_group.variable"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-DOC-007"),
            [
                "aws_docdb_cluster_parameter_group.defaults",
                "aws_docdb_cluster_parameter_group.insecure",
                "aws_docdb_cluster_parameter_group.variable"
            ]
        );
    }

    #[test]
    fn neptune_authentication_audit_and_tags() {
        let r = hcl(r#"
resource "aws_neptune_cluster" "defaults" {
}
resource "aws_neptune_cluster" "good" {
  iam_database_authentication_enabled = true
  copy_tags_to_snapshot               = true
}
resource "aws_neptune_cluster_parameter_group" "defaults" {
  family = "neptune1.3"
}
resource "aws_neptune_cluster_parameter_group" "audited" {
  family = "neptune1.3"
  parameter {
    name  = "neptune_enable_audit_log"
    value = 1
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-NEP-004"),
            ["aws_neptune_cluster.defaults"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-NEP-008"),
            ["aws_neptune_cluster.defaults"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-NEP-007"),
            ["aws_neptune_cluster_parameter_group.defaults"]
        );
    }

    #[test]
    fn settings_known_only_after_apply_are_undecided() {
        let r = hcl(r#"
resource "aws_elasticache_user" "variable" {
  user_id              = "a"
  user_name            = "a"
  access_string        = "on ~* +@all"
  engine               = "REDIS"
  no_password_required = var.open
}
resource "aws_elasticache_replication_group" "variable" {
  replication_group_id       = "a"
  description                = "a"
  auth_token                 = "correct-horse-battery-staple"
  automatic_failover_enabled = var.failover
  auto_minor_version_upgrade = var.upgrade
}
resource "aws_neptune_cluster" "variable" {
  iam_database_authentication_enabled = var.iam
  copy_tags_to_snapshot               = var.tags
}
resource "aws_neptune_cluster_parameter_group" "variable" {
  family = "neptune1.3"
  parameter {
    name  = "neptune_enable_audit_log"
    value = var.audit
  }
}
resource "aws_docdb_cluster" "variable" {
  backup_retention_period = var.days
  deletion_protection     = var.protect
}
"#);
        for (rule, resource) in [
            ("RG-AWS-ECA-008", "aws_elasticache_user.variable"),
            (
                "RG-AWS-ECA-009",
                "aws_elasticache_replication_group.variable",
            ),
            (
                "RG-AWS-ECA-010",
                "aws_elasticache_replication_group.variable",
            ),
            ("RG-AWS-NEP-004", "aws_neptune_cluster.variable"),
            ("RG-AWS-NEP-008", "aws_neptune_cluster.variable"),
            (
                "RG-AWS-NEP-007",
                "aws_neptune_cluster_parameter_group.variable",
            ),
            ("RG-AWS-DOC-004", "aws_docdb_cluster.variable"),
            ("RG-AWS-DOC-005", "aws_docdb_cluster.variable"),
        ] {
            assert_eq!(undecided(&r, rule), [resource], "{rule}");
            assert!(flagged(&r, rule).is_empty(), "{rule}");
        }
    }
}
