//! Analytics stores beyond the Redshift key and subnet-group checks in
//! `data_stores.rs`: Redshift (audit logs, public endpoints, network routing, TLS,
//! snapshots, upgrades, EC2-Classic leftovers, Serverless), the Glue Data Catalog and
//! Glue security configurations, and Timestream.
//!
//! `publicly_accessible` on `aws_redshift_cluster` defaults to true in the AWS
//! provider v5 (v6 turned the default around), so an absent argument fails.

use super::controls::{
    AUDIT_LOG, BACKUP, CUSTOMER_KEY, ENCRYPTION_AT_REST, IN_TRANSIT, NETWORK_BOUNDARY, PATCHING,
};
use super::data_stores::at;
use super::settings::{
    attached, check_classic_resource, check_description, parameter, require_customer_key,
    require_off, require_on,
};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{configured, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::ValueMap;

pub(super) const RULES: &[ResourceRule] = &[
    // -------------------------------------------------------------------- Redshift
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-003",
            title: "Redshift cluster has no audit logging",
            severity: Severity::Medium,
            description: "Redshift audit logging records connections, user changes and (with `enable_user_activity_logging`) every query. It is off unless the cluster's `logging { enable = true }` block or an `aws_redshift_logging` resource for the cluster turns it on.",
            remediation: "Add an `aws_redshift_logging` resource for the cluster with `log_destination_type = \"cloudwatch\"` (or an S3 bucket), or `logging { enable = true ... }` on the cluster.",
            aliases: &[],
            frameworks: AUDIT_LOG,
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_audit_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-004",
            title: "Redshift cluster is publicly accessible",
            severity: Severity::High,
            description: "A publicly accessible cluster gets a public IP address and a DNS name that resolves to it from the internet, guarded only by its security groups and passwords. `publicly_accessible` defaults to true in the AWS provider v5.",
            remediation: "Set `publicly_accessible = false` and reach the cluster from inside the VPC (or through a Redshift-managed VPC endpoint).",
            aliases: &["CKV_AWS_87"],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_public,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-005",
            title: "Redshift cluster does not use enhanced VPC routing",
            severity: Severity::Low,
            description: "Without enhanced VPC routing `COPY` and `UNLOAD` traffic to S3 and other services leaves through the internet, bypassing the VPC's endpoints, endpoint policies, flow logs and network firewalls. `enhanced_vpc_routing` defaults to false.",
            remediation: "Set `enhanced_vpc_routing = true` and give the VPC an S3 gateway endpoint (or a NAT gateway) for the traffic.",
            aliases: &["CKV_AWS_321"],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_enhanced_routing,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-006",
            title: "Redshift parameter group does not require TLS",
            severity: Severity::Medium,
            description: "Redshift accepts unencrypted client connections unless the parameter `require_ssl` is true; its default is false.",
            remediation: "Add `parameter { name = \"require_ssl\" value = \"true\" }` to the parameter group and use it for the cluster.",
            aliases: &["CKV_AWS_105"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_redshift_parameter_group"],
        },
        check: check_redshift_require_ssl,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-007",
            title: "Redshift security group has no description",
            severity: Severity::Low,
            description: "A security group's description is the only record of what its rules are for; an empty one, or the provider's placeholder `Managed by Terraform` when `description` is unset, leaves reviewers to guess whether access is still needed.",
            remediation: "Set `description` to what the group admits and why.",
            aliases: &["AWS-0083", "AVD-AWS-0083"],
            frameworks: &[("pci-dss-4.0", &["1.2.5"]), ("nist-800-53-r5", &["CM-6"])],
            resource_types: &["aws_redshift_security_group"],
        },
        check: check_description,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-008",
            title: "Redshift uses EC2-Classic security groups",
            severity: Severity::Medium,
            description: "`aws_redshift_security_group` and a cluster's `cluster_security_groups` exist only for EC2-Classic, which AWS retired in 2023; the AWS provider removed them in v5. A configuration that still declares them pins an obsolete provider and describes network access that no longer applies.",
            remediation: "Delete the security group resource, remove `cluster_security_groups`, and give the cluster `vpc_security_group_ids` and a `cluster_subnet_group_name`.",
            aliases: &["AWS-0085", "AVD-AWS-0085"],
            frameworks: &[
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_redshift_security_group", "aws_redshift_cluster"],
        },
        check: check_redshift_classic,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-009",
            title: "Redshift cluster takes no automated snapshots",
            severity: Severity::Medium,
            description: "`automated_snapshot_retention_period = 0` turns automated snapshots off: a dropped table or a deleted cluster can then only be restored from manual snapshots, if any. The default is 1 day.",
            remediation: "Set `automated_snapshot_retention_period` to the days of recovery needed (7 or more).",
            aliases: &["CKV_AWS_343"],
            frameworks: BACKUP,
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_snapshots,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-010",
            title: "Redshift cluster does not take version upgrades",
            severity: Severity::Low,
            description: "Redshift releases carry security fixes. With `allow_version_upgrade = false` the cluster keeps its version until someone changes the setting; the default is true.",
            remediation: "Remove `allow_version_upgrade = false` (or set it to true).",
            aliases: &["CKV_AWS_141"],
            frameworks: PATCHING,
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_upgrades,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-011",
            title: "Redshift Serverless namespace is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_id` a Redshift Serverless namespace, its snapshots and recovery points are encrypted with a key AWS owns, which the account can neither restrict nor audit.",
            remediation: "Set `kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["CKV_AWS_282"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_redshiftserverless_namespace"],
        },
        check: check_redshift_serverless_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-012",
            title: "Redshift Serverless workgroup is publicly accessible",
            severity: Severity::High,
            description: "A publicly accessible workgroup has an endpoint reachable from the internet, guarded only by its security groups and credentials. `publicly_accessible` defaults to false.",
            remediation: "Set `publicly_accessible = false` and reach the workgroup from inside the VPC.",
            aliases: &[],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_redshiftserverless_workgroup"],
        },
        check: check_redshift_serverless_public,
    },
    // ------------------------------------------------------------------------ Glue
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GLUE-001",
            title: "Glue Data Catalog metadata is not encrypted",
            severity: Severity::Medium,
            description: "With `catalog_encryption_mode = \"DISABLED\"` the Data Catalog's databases, tables, partitions and connection definitions (schemas, locations, sometimes credentials) are stored without KMS encryption.",
            remediation: "Set `catalog_encryption_mode = \"SSE-KMS\"` with `sse_aws_kms_key_id` naming a customer-managed key in `data_catalog_encryption_settings.encryption_at_rest`.",
            aliases: &[],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_glue_data_catalog_encryption_settings"],
        },
        check: check_glue_catalog_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GLUE-002",
            title: "Glue Data Catalog returns connection passwords in plaintext",
            severity: Severity::Medium,
            description: "With `return_connection_password_encrypted = false` anyone allowed `glue:GetConnection` reads the passwords of JDBC and other connections in plaintext; encrypted, they also need decrypt rights on the KMS key.",
            remediation: "Set `return_connection_password_encrypted = true` with `aws_kms_key_id` in `data_catalog_encryption_settings.connection_password_encryption`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["8.3.2"]),
                ("nist-800-53-r5", &["IA-5(1)", "SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_glue_data_catalog_encryption_settings"],
        },
        check: check_glue_connection_passwords,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GLUE-003",
            title: "Glue security configuration leaves data unencrypted",
            severity: Severity::Medium,
            description: "A Glue security configuration decides how jobs, crawlers and development endpoints encrypt what they write: S3 output (`s3_encryption`), CloudWatch logs (`cloudwatch_encryption`) and job bookmarks (`job_bookmarks_encryption`). Each mode set to `DISABLED` leaves that data unencrypted.",
            remediation: "Set `s3_encryption_mode = \"SSE-KMS\"`, `cloudwatch_encryption_mode = \"SSE-KMS\"` and `job_bookmarks_encryption_mode = \"CSE-KMS\"`, each with a `kms_key_arn`.",
            aliases: &["CKV_AWS_99"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_glue_security_configuration"],
        },
        check: check_glue_security_configuration,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GLUE-004",
            title: "Glue job, crawler or development endpoint has no security configuration",
            severity: Severity::Medium,
            description: "Without `security_configuration` a Glue job, crawler or development endpoint writes its S3 output, logs and bookmarks with no Glue-managed encryption.",
            remediation: "Create an `aws_glue_security_configuration` that encrypts S3, CloudWatch and bookmarks, and set `security_configuration` to its name.",
            aliases: &["CKV_AWS_195"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_glue_job", "aws_glue_crawler", "aws_glue_dev_endpoint"],
        },
        check: check_glue_component_configuration,
    },
    // ------------------------------------------------------------------ Timestream
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-TS-001",
            title: "Timestream database is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_id` a Timestream database is encrypted with the AWS-managed `aws/timestream` key, whose policy the account cannot restrict.",
            remediation: "Set `kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["CKV_AWS_160"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_timestreamwrite_database"],
        },
        check: check_timestream_key,
    },
];

// ==================================================================== Redshift

/// Whether an `aws_redshift_logging` of this change turns logging on for `cluster`.
fn logged_by_resource(cluster: &Resource, ctx: &Context<'_>) -> Tri<bool> {
    let (logging, unresolved) = attached(
        cluster,
        ctx,
        "aws_redshift_logging",
        "cluster_identifier",
        "cluster_identifier",
    );
    if !logging.is_empty() {
        Tri::Known(true)
    } else if unresolved {
        Tri::Unknown
    } else {
        Tri::Known(false)
    }
}

fn check_redshift_audit_logging(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let inline = single_block(cluster.attributes.get("logging"))
        .and_then(|logging| Tri::bool(logging.get("enable")));
    match Tri::any([inline, logged_by_resource(cluster, ctx)]) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell(
            "whether an `aws_redshift_logging` or the `logging` block enables audit logging is known only after apply",
        ),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "`{}` has no audit logging (no enabled `logging` block and no `aws_redshift_logging` for it)",
                cluster.address
            ),
            at(cluster, &["logging"]),
        ),
    }
}

fn check_redshift_public(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_off(
        cluster,
        out,
        Tri::bool(cluster.attributes.get("publicly_accessible")),
        true,
        "publicly_accessible",
        "is reachable from the internet",
    );
}

fn check_redshift_enhanced_routing(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cluster,
        out,
        Tri::bool(configured(cluster.attributes.get("enhanced_vpc_routing"))),
        false,
        "enhanced_vpc_routing",
        "sends COPY and UNLOAD traffic outside the VPC",
    );
}

fn check_redshift_require_ssl(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match parameter(group, "require_ssl") {
        Tri::Known(Some(value)) if matches!(value.to_ascii_lowercase().as_str(), "true" | "1") => {}
        Tri::Unknown | Tri::Missing => out.cannot_tell(
            "the `require_ssl` parameter is generated dynamically or known only after apply",
        ),
        Tri::Known(Some(value)) => out.fail(
            format!(
                "`{}` accepts unencrypted connections (`require_ssl = {value}`)",
                group.address
            ),
            at(group, &["parameter"]),
        ),
        Tri::Known(None) => out.fail(
            format!(
                "`{}` accepts unencrypted connections (`require_ssl` is not set and defaults to false)",
                group.address
            ),
            at(group, &["parameter"]),
        ),
    }
}

/// A classic security group resource fails by existing; a cluster fails when it
/// names classic security groups.
fn check_redshift_classic(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if resource.resource_type() == "aws_redshift_security_group" {
        check_classic_resource(resource, ctx, out);
        return;
    }
    match Tri::list(resource.attributes.get("cluster_security_groups")) {
        Tri::Known([]) | Tri::Missing => {}
        Tri::Known(_) => out.fail(
            format!(
                "`{}` uses EC2-Classic security groups (`cluster_security_groups`)",
                resource.address
            ),
            at(resource, &["cluster_security_groups"]),
        ),
        Tri::Unknown => out.cannot_tell("`cluster_security_groups` is known only after apply"),
    }
}

fn check_redshift_snapshots(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::number(
        cluster
            .attributes
            .get("automated_snapshot_retention_period"),
    ) {
        Tri::Known(days) if days < 1.0 => out.fail(
            format!(
                "`{}` takes no automated snapshots (`automated_snapshot_retention_period = 0`)",
                cluster.address
            ),
            at(cluster, &["automated_snapshot_retention_period"]),
        ),
        Tri::Unknown => {
            out.cannot_tell("`automated_snapshot_retention_period` is known only after apply")
        }
        Tri::Known(_) | Tri::Missing => {}
    }
}

fn check_redshift_upgrades(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        cluster,
        out,
        Tri::bool(cluster.attributes.get("allow_version_upgrade")),
        true,
        "allow_version_upgrade",
        "does not take Redshift version upgrades",
    );
}

fn check_redshift_serverless_key(namespace: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        namespace,
        ctx,
        out,
        namespace.attributes.get("kms_key_id"),
        "kms_key_id",
        "a key AWS owns",
    );
}

fn check_redshift_serverless_public(workgroup: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_off(
        workgroup,
        out,
        Tri::bool(configured(workgroup.attributes.get("publicly_accessible"))),
        false,
        "publicly_accessible",
        "is reachable from the internet",
    );
}

// ======================================================================== Glue

/// The `data_catalog_encryption_settings` block.
fn catalog_settings(settings: &Resource) -> Tri<&ValueMap> {
    single_block(settings.attributes.get("data_catalog_encryption_settings"))
}

fn check_glue_catalog_encryption(settings: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let mode = catalog_settings(settings)
        .and_then(|block| single_block(block.get("encryption_at_rest")))
        .and_then(|block| Tri::str(block.get("catalog_encryption_mode")));
    match mode {
        Tri::Known("DISABLED") => out.fail(
            format!(
                "`{}` stores Data Catalog metadata unencrypted (`catalog_encryption_mode = \"DISABLED\"`)",
                settings.address
            ),
            at(settings, &["data_catalog_encryption_settings"]),
        ),
        Tri::Unknown => out.cannot_tell("`catalog_encryption_mode` is known only after apply"),
        Tri::Known(_) | Tri::Missing => {}
    }
}

fn check_glue_connection_passwords(settings: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let encrypted = catalog_settings(settings)
        .and_then(|block| single_block(block.get("connection_password_encryption")))
        .and_then(|block| Tri::bool(block.get("return_connection_password_encrypted")));
    match encrypted {
        Tri::Known(false) => out.fail(
            format!(
                "`{}` returns connection passwords in plaintext (`return_connection_password_encrypted = false`)",
                settings.address
            ),
            at(settings, &["data_catalog_encryption_settings"]),
        ),
        Tri::Unknown => {
            out.cannot_tell("`return_connection_password_encrypted` is known only after apply")
        }
        Tri::Known(true) | Tri::Missing => {}
    }
}

/// The three encryption settings of a security configuration: block, mode argument.
const GLUE_ENCRYPTION_MODES: &[(&str, &str)] = &[
    ("s3_encryption", "s3_encryption_mode"),
    ("cloudwatch_encryption", "cloudwatch_encryption_mode"),
    ("job_bookmarks_encryption", "job_bookmarks_encryption_mode"),
];

fn check_glue_security_configuration(
    configuration: &Resource,
    _ctx: &Context<'_>,
    out: &mut Verdicts,
) {
    let encryption = single_block(configuration.attributes.get("encryption_configuration"));
    let mut disabled = Vec::new();
    let mut unknown = false;
    for (block, argument) in GLUE_ENCRYPTION_MODES {
        let mode = encryption
            .and_then(|e| single_block(e.get(block)))
            .and_then(|b| Tri::str(b.get(argument)));
        match mode {
            Tri::Known("DISABLED") | Tri::Missing => disabled.push(*block),
            Tri::Unknown => unknown = true,
            Tri::Known(_) => {}
        }
    }
    if !disabled.is_empty() {
        out.fail(
            format!(
                "`{}` does not encrypt `{}`",
                configuration.address,
                disabled.join("`, `")
            ),
            at(configuration, &["encryption_configuration"]),
        );
    } else if unknown {
        out.cannot_tell("an encryption mode is known only after apply");
    }
}

fn check_glue_component_configuration(component: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match ctx.is_set(component, component.attributes.get("security_configuration")) {
        Tri::Known(true) => {}
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`security_configuration` is known only after apply");
        }
        Tri::Known(false) => out.fail(
            format!(
                "`{}` has no `security_configuration`, so its output, logs and bookmarks are not encrypted by Glue",
                component.address
            ),
            at(component, &["security_configuration"]),
        ),
    }
}

// ================================================================== Timestream

fn check_timestream_key(database: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        database,
        ctx,
        out,
        database.attributes.get("kms_key_id"),
        "kms_key_id",
        "the AWS-managed `aws/timestream` key",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn redshift_audit_logging_inline_or_by_resource() {
        let r = hcl(r#"
resource "aws_redshift_cluster" "none" {
  cluster_identifier = "none"
}
resource "aws_redshift_cluster" "inline" {
  cluster_identifier = "inline"
  logging {
    enable = true
  }
}
resource "aws_redshift_cluster" "by_reference" {
  cluster_identifier = "by-reference"
}
resource "aws_redshift_logging" "by_reference" {
  cluster_identifier   = aws_redshift_cluster.by_reference.id
  log_destination_type = "cloudwatch"
}
resource "aws_redshift_cluster" "by_name" {
  cluster_identifier = "by-name"
}
resource "aws_redshift_logging" "by_name" {
  cluster_identifier   = "by-name"
  log_destination_type = "cloudwatch"
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-RSH-003"), ["aws_redshift_cluster.none"]);
        let unknown = hcl(r#"
resource "aws_redshift_cluster" "c" {
  cluster_identifier = "c"
}
resource "aws_redshift_logging" "l" {
  cluster_identifier = var.cluster
}
"#);
        assert_eq!(
            undecided(&unknown, "RG-AWS-RSH-003"),
            ["aws_redshift_cluster.c"]
        );
    }

    #[test]
    fn redshift_cluster_settings() {
        let r = hcl(r#"
resource "aws_redshift_cluster" "defaults" {
  cluster_identifier = "a"
}
resource "aws_redshift_cluster" "hardened" {
  cluster_identifier                  = "b"
  publicly_accessible                 = false
  enhanced_vpc_routing                = true
  automated_snapshot_retention_period = 7
}
resource "aws_redshift_cluster" "risky" {
  cluster_identifier                  = "c"
  publicly_accessible                 = true
  automated_snapshot_retention_period = 0
  allow_version_upgrade               = false
  cluster_security_groups             = ["legacy"]
}
resource "aws_redshift_cluster" "variable" {
  cluster_identifier  = "d"
  publicly_accessible = var.public
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-004"),
            [
                "aws_redshift_cluster.defaults",
                "aws_redshift_cluster.risky"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RSH-004"),
            ["aws_redshift_cluster.variable"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-005"),
            [
                "aws_redshift_cluster.defaults",
                "aws_redshift_cluster.risky",
                "aws_redshift_cluster.variable"
            ]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-008"),
            ["aws_redshift_cluster.risky"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-009"),
            ["aws_redshift_cluster.risky"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-010"),
            ["aws_redshift_cluster.risky"]
        );
    }

    #[test]
    fn redshift_parameter_groups_require_ssl() {
        let r = hcl(r#"
resource "aws_redshift_parameter_group" "default" {
  name   = "a"
  family = "redshift-1.0"
}
resource "aws_redshift_parameter_group" "ssl" {
  name   = "b"
  family = "redshift-1.0"
  parameter {
    name  = "require_ssl"
    value = "true"
  }
}
resource "aws_redshift_parameter_group" "variable" {
  name   = "c"
  family = "redshift-1.0"
  parameter {
    name  = "require_ssl"
    value = var.ssl
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-006"),
            ["aws_redshift_parameter_group.default"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RSH-006"),
            ["aws_redshift_parameter_group.variable"]
        );
    }

    #[test]
    fn redshift_classic_security_groups() {
        let r = hcl(r#"
resource "aws_redshift_security_group" "empty" {
  name        = "a"
  description = ""
}
resource "aws_redshift_security_group" "described" {
  name        = "b"
  description = "Analysts' workstations"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-007"),
            ["aws_redshift_security_group.empty"]
        );
        assert_eq!(flagged(&r, "RG-AWS-RSH-008").len(), 2);
    }

    #[test]
    fn redshift_serverless() {
        let r = hcl(r#"
resource "aws_kms_key" "warehouse" {}
resource "aws_redshiftserverless_namespace" "default" {
  namespace_name = "a"
}
resource "aws_redshiftserverless_namespace" "customer" {
  namespace_name = "b"
  kms_key_id     = aws_kms_key.warehouse.arn
}
resource "aws_redshiftserverless_workgroup" "public" {
  namespace_name      = "b"
  workgroup_name      = "w"
  publicly_accessible = true
}
resource "aws_redshiftserverless_workgroup" "default" {
  namespace_name = "b"
  workgroup_name = "x"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-011"),
            ["aws_redshiftserverless_namespace.default"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-RSH-012"),
            ["aws_redshiftserverless_workgroup.public"]
        );
    }

    #[test]
    fn glue_catalog_and_security_configurations() {
        let r = hcl(r#"
resource "aws_glue_data_catalog_encryption_settings" "bad" {
  data_catalog_encryption_settings {
    connection_password_encryption {
      return_connection_password_encrypted = false
    }
    encryption_at_rest {
      catalog_encryption_mode = "DISABLED"
    }
  }
}
resource "aws_glue_data_catalog_encryption_settings" "good" {
  data_catalog_encryption_settings {
    connection_password_encryption {
      return_connection_password_encrypted = true
      aws_kms_key_id                       = aws_kms_key.glue.arn
    }
    encryption_at_rest {
      catalog_encryption_mode = "SSE-KMS"
      sse_aws_kms_key_id      = aws_kms_key.glue.arn
    }
  }
}
resource "aws_glue_security_configuration" "partial" {
  name = "a"
  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "DISABLED"
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.glue.arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.glue.arn
    }
  }
}
resource "aws_glue_security_configuration" "full" {
  name = "b"
  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.glue.arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.glue.arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-S3"
    }
  }
}
resource "aws_glue_job" "none" {
  name     = "a"
  role_arn = "arn:aws:iam::123456789012:role/glue"
  command {
    script_location = "s3://scripts/a.py"
  }
}
resource "aws_glue_crawler" "configured" {
  name                   = "b"
  role                   = "glue"
  database_name          = "db"
  security_configuration = aws_glue_security_configuration.full.name
}
resource "aws_glue_job" "variable" {
  name                   = "c"
  role_arn               = "arn:aws:iam::123456789012:role/glue"
  security_configuration = var.configuration
  command {
    script_location = "s3://scripts/c.py"
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-GLUE-001"),
            ["aws_glue_data_catalog_encryption_settings.bad"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-GLUE-002"),
            ["aws_glue_data_catalog_encryption_settings.bad"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-GLUE-003"),
            ["aws_glue_security_configuration.partial"]
        );
        assert_eq!(flagged(&r, "RG-AWS-GLUE-004"), ["aws_glue_job.none"]);
        assert_eq!(undecided(&r, "RG-AWS-GLUE-004"), ["aws_glue_job.variable"]);
    }

    #[test]
    fn timestream_databases_need_a_customer_key() {
        let r = hcl(r#"
resource "aws_timestreamwrite_database" "default" {
  database_name = "a"
}
resource "aws_timestreamwrite_database" "customer" {
  database_name = "b"
  kms_key_id    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}
resource "aws_timestreamwrite_database" "variable" {
  database_name = "c"
  kms_key_id    = var.key
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-TS-001"),
            ["aws_timestreamwrite_database.default"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-TS-001"),
            ["aws_timestreamwrite_database.variable"]
        );
    }

    #[test]
    fn settings_known_only_after_apply_are_undecided() {
        let r = hcl(r#"
resource "aws_redshiftserverless_namespace" "variable" {
  namespace_name = "a"
  kms_key_id     = var.key
}
resource "aws_redshiftserverless_workgroup" "variable" {
  namespace_name      = "a"
  workgroup_name      = "w"
  publicly_accessible = var.public
}
resource "aws_redshift_cluster" "variable" {
  cluster_identifier                  = "c"
  automated_snapshot_retention_period = var.days
  allow_version_upgrade               = var.upgrade
  enhanced_vpc_routing                = var.routing
}
resource "aws_glue_data_catalog_encryption_settings" "variable" {
  data_catalog_encryption_settings {
    connection_password_encryption {
      return_connection_password_encrypted = var.encrypted
    }
    encryption_at_rest {
      catalog_encryption_mode = var.mode
    }
  }
}
resource "aws_glue_security_configuration" "variable" {
  name = "a"
  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = var.mode
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
    }
  }
}
"#);
        for (rule, resource) in [
            (
                "RG-AWS-RSH-011",
                "aws_redshiftserverless_namespace.variable",
            ),
            (
                "RG-AWS-RSH-012",
                "aws_redshiftserverless_workgroup.variable",
            ),
            ("RG-AWS-RSH-009", "aws_redshift_cluster.variable"),
            ("RG-AWS-RSH-010", "aws_redshift_cluster.variable"),
            ("RG-AWS-RSH-005", "aws_redshift_cluster.variable"),
            (
                "RG-AWS-GLUE-001",
                "aws_glue_data_catalog_encryption_settings.variable",
            ),
            (
                "RG-AWS-GLUE-002",
                "aws_glue_data_catalog_encryption_settings.variable",
            ),
            (
                "RG-AWS-GLUE-003",
                "aws_glue_security_configuration.variable",
            ),
        ] {
            assert_eq!(undecided(&r, rule), [resource], "{rule}");
            assert!(flagged(&r, rule).is_empty(), "{rule}");
        }
    }
}
