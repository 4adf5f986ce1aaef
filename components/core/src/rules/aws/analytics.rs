//! Analytics: Athena databases and workgroups, EMR clusters, security
//! configurations and the account's EMR block public access setting.
//!
//! An EMR security configuration is a JSON document (`configuration`), written as a
//! heredoc or `jsonencode(...)`; the EMR rules read it through the same partial JSON
//! reader as ECS container definitions, so references inside it stay unknown rather
//! than failing the parse.

use super::compute::json_document;
use super::controls::{ENCRYPTION_AT_REST, IN_TRANSIT};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::single_block;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ATH-001",
            title: "Athena database or workgroup query results are not encrypted",
            severity: Severity::High,
            description: "Athena writes query results to S3 unencrypted unless an `encryption_configuration` says otherwise: on an `aws_athena_database`, or in a workgroup's `configuration.result_configuration`. Query results often hold whole extracts of the data queried.",
            remediation: "Add `encryption_configuration { encryption_option = \"SSE_KMS\" kms_key_arn = aws_kms_key.athena.arn }` (database) or the same block in `configuration.result_configuration` (workgroup).",
            aliases: &["AWS-0006", "AVD-AWS-0006", "CKV_AWS_77", "CKV_AWS_159"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_athena_database", "aws_athena_workgroup"],
        },
        check: check_athena_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ATH-002",
            title: "Athena workgroup lets clients override its settings",
            severity: Severity::High,
            description: "With `enforce_workgroup_configuration = false` each query may choose its own result location and encryption, so a client can write results unencrypted or to a bucket of its choosing. A workgroup with no `configuration` block has no settings to enforce at all. The provider defaults `enforce_workgroup_configuration` to true.",
            remediation: "Add a `configuration` block with `enforce_workgroup_configuration = true` (the default) and an encrypted `result_configuration`.",
            aliases: &["AWS-0007", "AVD-AWS-0007"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_athena_workgroup"],
        },
        check: check_athena_enforced,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EMR-001",
            title: "EMR security configuration does not enable at-rest encryption",
            severity: Severity::High,
            description: "Unless the security configuration's `EncryptionConfiguration.EnableAtRestEncryption` is true, EMRFS data written to S3 and data on cluster volumes is not encrypted by EMR. AWS defaults it to false.",
            remediation: "Set `\"EnableAtRestEncryption\": true` with an `AtRestEncryptionConfiguration` (S3 and local disk) in the security configuration's JSON.",
            aliases: &["AWS-0137", "AVD-AWS-0137"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_emr_security_configuration"],
        },
        check: check_emr_at_rest,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EMR-002",
            title: "EMR security configuration does not enable in-transit encryption",
            severity: Severity::High,
            description: "Unless `EncryptionConfiguration.EnableInTransitEncryption` is true, data moving between cluster nodes (shuffle, HDFS block transfer, Spark RPC) and to S3 travels unencrypted inside the VPC. AWS defaults it to false.",
            remediation: "Set `\"EnableInTransitEncryption\": true` with an `InTransitEncryptionConfiguration` (TLS certificate provider) in the security configuration's JSON.",
            aliases: &["AWS-0138", "AVD-AWS-0138"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_emr_security_configuration"],
        },
        check: check_emr_in_transit,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EMR-003",
            title: "EMR security configuration does not encrypt local disks",
            severity: Severity::High,
            description: "Local disk encryption needs at-rest encryption enabled and an `AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration` with a key provider (`AwsKms` or `Custom`); without it, HDFS, spill files and instance store volumes on the nodes are unencrypted.",
            remediation: "Add `\"LocalDiskEncryptionConfiguration\": {\"EncryptionKeyProviderType\": \"AwsKms\", \"AwsKmsKey\": \"<key ARN>\"}` under `AtRestEncryptionConfiguration`, with `\"EnableAtRestEncryption\": true`.",
            aliases: &["AWS-0139", "AVD-AWS-0139"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_emr_security_configuration"],
        },
        check: check_emr_local_disk,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EMR-004",
            title: "EMR block public access is turned off",
            severity: Severity::High,
            description: "With `block_public_security_group_rules = false` the account lets EMR clusters launch with security groups that open ports to 0.0.0.0/0 or ::/0, exposing Hadoop, Spark and Jupyter interfaces that often have no authentication. AWS turns block public access on by default for every account.",
            remediation: "Set `block_public_security_group_rules = true` and list only the ports that must be public (usually just 22) in `permitted_public_security_group_rule_range`.",
            aliases: &["CKV_AWS_390"],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.3.1"]),
                ("nist-800-53-r5", &["AC-4", "SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_emr_block_public_access_configuration"],
        },
        check: check_emr_block_public_access,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EMR-005",
            title: "EMR cluster has no security configuration",
            severity: Severity::Medium,
            description: "A cluster launched without `security_configuration` gets none of EMR's encryption at rest, in transit or on local disk, nor Kerberos or Lake Formation authorization: they are only available through a security configuration.",
            remediation: "Create an `aws_emr_security_configuration` that enables encryption and set `security_configuration = aws_emr_security_configuration.<name>.name` on the cluster.",
            aliases: &[],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_emr_cluster"],
        },
        check: check_emr_cluster_security_configuration,
    },
];

// ----- Athena -----

fn check_athena_encryption(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let (encryption, path) = if resource.resource_type() == "aws_athena_database" {
        (
            single_block(resource.attributes.get("encryption_configuration")),
            "encryption_configuration",
        )
    } else {
        (
            single_block(resource.attributes.get("configuration"))
                .and_then(|c| single_block(c.get("result_configuration")))
                .and_then(|r| single_block(r.get("encryption_configuration"))),
            "configuration",
        )
    };
    match encryption {
        Tri::Known(block) => {
            if Tri::non_empty_str(block.get("encryption_option")) == Tri::Missing {
                out.fail(
                    format!(
                        "`{}` has an encryption configuration without `encryption_option`",
                        resource.address
                    ),
                    Some(path),
                );
            }
        }
        Tri::Unknown => out.cannot_tell("the encryption configuration is known only after apply"),
        Tri::Missing => out.fail(
            format!(
                "`{}` does not encrypt query results (no `encryption_configuration`)",
                resource.address
            ),
            None,
        ),
    }
}

fn check_athena_enforced(workgroup: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(workgroup.attributes.get("configuration")) {
        Tri::Known(configuration) => {
            match Tri::bool(configuration.get("enforce_workgroup_configuration"))
                .or_default_value(true)
            {
                Tri::Known(false) => out.fail(
                    format!(
                        "workgroup `{}` lets clients override its settings (`enforce_workgroup_configuration = false`)",
                        workgroup.address
                    ),
                    Some("configuration.0.enforce_workgroup_configuration"),
                ),
                Tri::Unknown => {
                    out.cannot_tell("`enforce_workgroup_configuration` is known only after apply")
                }
                _ => {}
            }
        }
        Tri::Unknown => out.cannot_tell("the workgroup configuration is known only after apply"),
        Tri::Missing => out.fail(
            format!(
                "workgroup `{}` has no `configuration`: clients choose their own result location and encryption",
                workgroup.address
            ),
            None,
        ),
    }
}

// ----- EMR security configurations -----

/// The `EncryptionConfiguration` object of a security configuration: `Missing` when
/// the document has none, `Unknown` when the document is not known statically.
fn encryption_configuration(resource: &Resource) -> Tri<serde_json::Value> {
    let value = resource.attributes.get("configuration");
    let document = match json_document(value) {
        Tri::Known(json) => json,
        Tri::Missing => return Tri::Missing,
        Tri::Unknown => return Tri::Unknown,
    };
    match document.get("EncryptionConfiguration") {
        Some(config) if config.is_object() => Tri::Known(config.clone()),
        Some(_) => Tri::Unknown,
        None => Tri::Missing,
    }
}

/// A JSON flag that must be `true`: placeholders of interpolated values are unknown.
fn json_flag(value: Option<&serde_json::Value>) -> Tri<bool> {
    match value {
        None | Some(serde_json::Value::Null) => Tri::Missing,
        Some(serde_json::Value::Bool(b)) => Tri::Known(*b),
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") => Tri::Known(true),
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("false") => Tri::Known(false),
        Some(_) => Tri::Unknown,
    }
}

fn report_emr_flag(resource: &Resource, flag: &str, what: &str, out: &mut Verdicts) {
    let enabled = encryption_configuration(resource).and_then(|c| json_flag(c.get(flag)));
    match enabled {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("the security configuration is not known statically"),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "security configuration `{}` does not enable {what} (`{flag}` is not true)",
                resource.address
            ),
            Some("configuration"),
        ),
    }
}

fn check_emr_at_rest(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_emr_flag(
        resource,
        "EnableAtRestEncryption",
        "at-rest encryption",
        out,
    );
}

fn check_emr_in_transit(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_emr_flag(
        resource,
        "EnableInTransitEncryption",
        "in-transit encryption",
        out,
    );
}

fn check_emr_local_disk(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let encrypted = encryption_configuration(resource).and_then(|config| {
        let at_rest = json_flag(config.get("EnableAtRestEncryption"));
        let provider = match config
            .pointer("/AtRestEncryptionConfiguration/LocalDiskEncryptionConfiguration/EncryptionKeyProviderType")
        {
            None | Some(serde_json::Value::Null) => Tri::Known(false),
            Some(serde_json::Value::String(kind)) if kind.contains("${") => Tri::Unknown,
            Some(serde_json::Value::String(kind)) => Tri::Known(!kind.is_empty()),
            Some(_) => Tri::Unknown,
        };
        at_rest.and(|| provider)
    });
    match encrypted {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("the security configuration is not known statically"),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "security configuration `{}` does not encrypt local disks (no enabled `LocalDiskEncryptionConfiguration` with a key provider)",
                resource.address
            ),
            Some("configuration"),
        ),
    }
}

// ----- EMR account and clusters -----

fn check_emr_block_public_access(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(resource.attributes.get("block_public_security_group_rules")) {
        Tri::Known(false) => out.fail(
            format!(
                "`{}` turns EMR block public access off (`block_public_security_group_rules = false`)",
                resource.address
            ),
            Some("block_public_security_group_rules"),
        ),
        Tri::Unknown => out.cannot_tell("`block_public_security_group_rules` is known only after apply"),
        _ => {}
    }
}

fn check_emr_cluster_security_configuration(
    cluster: &Resource,
    _ctx: &Context<'_>,
    out: &mut Verdicts,
) {
    if Tri::non_empty_str(cluster.attributes.get("security_configuration")) == Tri::Missing {
        out.fail(
            format!(
                "EMR cluster `{}` has no `security_configuration`",
                cluster.address
            ),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn athena_encryption_and_enforcement() {
        let r = hcl(r#"
resource "aws_athena_database" "plain" {
  name   = "a"
  bucket = "b"
}
resource "aws_athena_database" "sealed" {
  name   = "c"
  bucket = "d"
  encryption_configuration {
    encryption_option = "SSE_KMS"
    kms_key_arn       = aws_kms_key.k.arn
  }
}
resource "aws_athena_workgroup" "bare" {
  name = "bare"
}
resource "aws_athena_workgroup" "loose" {
  name = "loose"
  configuration {
    enforce_workgroup_configuration = false
    result_configuration {
      encryption_configuration { encryption_option = "SSE_S3" }
    }
  }
}
resource "aws_athena_workgroup" "good" {
  name = "good"
  configuration {
    result_configuration {
      encryption_configuration { encryption_option = "SSE_KMS" }
    }
  }
}
resource "aws_athena_workgroup" "chosen" {
  name = "chosen"
  configuration {
    enforce_workgroup_configuration = var.enforce
    dynamic "result_configuration" {
      for_each = var.results
      content {}
    }
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ATH-001"),
            ["aws_athena_database.plain", "aws_athena_workgroup.bare"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ATH-001"),
            ["aws_athena_workgroup.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-ATH-002"),
            ["aws_athena_workgroup.bare", "aws_athena_workgroup.loose"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ATH-002"),
            ["aws_athena_workgroup.chosen"]
        );
    }

    #[test]
    fn emr_security_configuration() {
        let r = hcl(r#"
resource "aws_emr_security_configuration" "none" {
  configuration = jsonencode({})
}
resource "aws_emr_security_configuration" "full" {
  configuration = jsonencode({
    EncryptionConfiguration = {
      EnableAtRestEncryption    = true
      EnableInTransitEncryption = true
      AtRestEncryptionConfiguration = {
        LocalDiskEncryptionConfiguration = {
          EncryptionKeyProviderType = "AwsKms"
          AwsKmsKey                 = aws_kms_key.emr.arn
        }
      }
    }
  })
}
resource "aws_emr_security_configuration" "s3_only" {
  configuration = <<EOF
{"EncryptionConfiguration": {"EnableAtRestEncryption": true, "EnableInTransitEncryption": false,
 "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}}}}
EOF
}
resource "aws_emr_security_configuration" "chosen" {
  configuration = jsonencode({
    EncryptionConfiguration = {
      EnableAtRestEncryption    = var.at_rest
      EnableInTransitEncryption = var.in_transit
      AtRestEncryptionConfiguration = {
        LocalDiskEncryptionConfiguration = { EncryptionKeyProviderType = var.provider }
      }
    }
  })
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EMR-001"),
            ["aws_emr_security_configuration.none"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-EMR-001"),
            ["aws_emr_security_configuration.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-EMR-002"),
            [
                "aws_emr_security_configuration.none",
                "aws_emr_security_configuration.s3_only"
            ]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-EMR-003"),
            [
                "aws_emr_security_configuration.none",
                "aws_emr_security_configuration.s3_only"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-EMR-003"),
            ["aws_emr_security_configuration.chosen"]
        );
    }

    #[test]
    fn emr_account_and_cluster() {
        let r = hcl(r#"
resource "aws_emr_block_public_access_configuration" "off" {
  block_public_security_group_rules = false
}
resource "aws_emr_block_public_access_configuration" "on" {
  block_public_security_group_rules = true
}
resource "aws_emr_cluster" "bare" {
  name          = "a"
  release_label = "emr-7.0.0"
}
resource "aws_emr_cluster" "secured" {
  name                   = "b"
  release_label          = "emr-7.0.0"
  security_configuration = aws_emr_security_configuration.full.name
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EMR-004"),
            ["aws_emr_block_public_access_configuration.off"]
        );
        assert_eq!(flagged(&r, "RG-AWS-EMR-005"), ["aws_emr_cluster.bare"]);
    }
}
