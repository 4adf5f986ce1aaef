//! AWS Backup vaults and EFS beyond encryption at rest (in `data_stores.rs`): which
//! key protects recovery points, whether anyone can delete them early, whether a
//! file system is backed up at all, and what identity and directory EFS access points
//! impose on clients.
//!
//! A vault's lock and a file system's backup policy are separate resources
//! (`aws_backup_vault_lock_configuration`, `aws_efs_backup_policy`) that point at
//! their target; the rules look for them in the same change, and cannot tell when
//! such a resource names its target through a value not known statically.

use super::controls::{BACKUP, CUSTOMER_KEY, LEAST_PRIVILEGE};
use super::data_stores::at;
use super::settings::{attached, require_customer_key};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::single_block;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-BAK-001",
            title: "Backup vault is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_arn` a Backup vault encrypts recovery points with the AWS-managed `aws/backup` key, whose policy the account cannot restrict: anyone allowed to restore can decrypt.",
            remediation: "Set `kms_key_arn` to the ARN of a customer-managed `aws_kms_key` (at creation).",
            aliases: &["CKV_AWS_166"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_backup_vault"],
        },
        check: check_vault_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-BAK-002",
            title: "Backup vault has no vault lock",
            severity: Severity::Medium,
            description: "Without a vault lock (`aws_backup_vault_lock_configuration`) anyone with the right IAM permissions, including an attacker holding them or ransomware, can delete recovery points or shorten their retention. A lock enforces minimum and maximum retention, and in compliance mode cannot be removed even by the root user.",
            remediation: "Add an `aws_backup_vault_lock_configuration` for the vault with `min_retention_days` (and `changeable_for_days` for compliance mode).",
            aliases: &[],
            frameworks: BACKUP,
            resource_types: &["aws_backup_vault"],
        },
        check: check_vault_lock,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EFS-002",
            title: "EFS file system has no automatic backups",
            severity: Severity::Medium,
            description: "File systems created through the API, as Terraform creates them, have automatic AWS Backup backups off (only the console turns them on). Without an `aws_efs_backup_policy` with status `ENABLED` a deleted or overwritten file cannot be recovered.",
            remediation: "Add an `aws_efs_backup_policy` for the file system with `backup_policy { status = \"ENABLED\" }`, or include it in an AWS Backup plan.",
            aliases: &[],
            frameworks: BACKUP,
            resource_types: &["aws_efs_file_system"],
        },
        check: check_efs_backup_policy,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EFS-003",
            title: "EFS access point does not enforce a user identity",
            severity: Severity::Medium,
            description: "Without `posix_user` an access point passes through the user and group ids the NFS client claims, so any client can act as any user, root included, within the file system's permissions.",
            remediation: "Add `posix_user { uid = ... gid = ... }` with the application's identity.",
            aliases: &["CKV_AWS_330"],
            frameworks: LEAST_PRIVILEGE,
            resource_types: &["aws_efs_access_point"],
        },
        check: check_access_point_user,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EFS-004",
            title: "EFS access point exposes the file system root",
            severity: Severity::Medium,
            description: "An access point without `root_directory`, or whose `root_directory.path` is `/`, gives its clients the whole file system instead of the application's own directory.",
            remediation: "Set `root_directory { path = \"/app\" creation_info { ... } }` to the directory the clients need.",
            aliases: &["CKV_AWS_329"],
            frameworks: LEAST_PRIVILEGE,
            resource_types: &["aws_efs_access_point"],
        },
        check: check_access_point_root,
    },
];

fn check_vault_key(vault: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        vault,
        ctx,
        out,
        vault.attributes.get("kms_key_arn"),
        "kms_key_arn",
        "the AWS-managed `aws/backup` key",
    );
}

fn check_vault_lock(vault: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let (locks, unresolved) = attached(
        vault,
        ctx,
        "aws_backup_vault_lock_configuration",
        "backup_vault_name",
        "name",
    );
    if !locks.is_empty() {
        return;
    }
    if unresolved {
        out.cannot_tell(
            "an `aws_backup_vault_lock_configuration` names its vault through a value not known statically",
        );
        return;
    }
    out.fail(
        format!(
            "`{}` has no vault lock (no `aws_backup_vault_lock_configuration` for it)",
            vault.address
        ),
        None,
    );
}

fn check_efs_backup_policy(file_system: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let (policies, mut unknown) = attached(
        file_system,
        ctx,
        "aws_efs_backup_policy",
        "file_system_id",
        "id",
    );
    for policy in &policies {
        match single_block(policy.attributes.get("backup_policy"))
            .and_then(|block| Tri::str(block.get("status")))
        {
            Tri::Known("ENABLED") => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell("whether an `aws_efs_backup_policy` enables backups for this file system is not known statically");
        return;
    }
    out.fail(
        format!(
            "`{}` has no automatic backups (no `aws_efs_backup_policy` with status `ENABLED` for it)",
            file_system.address
        ),
        None,
    );
}

fn check_access_point_user(access_point: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(access_point.attributes.get("posix_user")) {
        Tri::Known(_) => {}
        Tri::Unknown => out.cannot_tell("`posix_user` is generated dynamically"),
        Tri::Missing => out.fail(
            format!(
                "`{}` lets clients choose their own user and group ids (no `posix_user`)",
                access_point.address
            ),
            None,
        ),
    }
}

fn check_access_point_root(access_point: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let path = single_block(access_point.attributes.get("root_directory"))
        .and_then(|root| Tri::str(root.get("path")));
    match path {
        Tri::Known(path) if !path.trim_end_matches('/').is_empty() => {}
        Tri::Unknown => out.cannot_tell("`root_directory.path` is known only after apply"),
        Tri::Known(_) => out.fail(
            format!(
                "`{}` gives clients the whole file system (`root_directory.path = \"/\"`)",
                access_point.address
            ),
            at(access_point, &["root_directory.0.path", "root_directory"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` gives clients the whole file system (no `root_directory`, which defaults to `/`)",
                access_point.address
            ),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, review_of, undecided};

    #[test]
    fn backup_vault_key_and_lock() {
        let r = hcl(r#"
resource "aws_kms_key" "backup" {}
resource "aws_backup_vault" "plain" {
  name = "plain"
}
resource "aws_backup_vault" "locked" {
  name        = "locked"
  kms_key_arn = aws_kms_key.backup.arn
}
resource "aws_backup_vault_lock_configuration" "locked" {
  backup_vault_name  = aws_backup_vault.locked.name
  min_retention_days = 7
}
resource "aws_backup_vault" "by_name" {
  name        = "by-name"
  kms_key_arn = var.key
}
resource "aws_backup_vault_lock_configuration" "by_name" {
  backup_vault_name  = "by-name"
  min_retention_days = 7
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-BAK-001"), ["aws_backup_vault.plain"]);
        assert_eq!(
            undecided(&r, "RG-AWS-BAK-001"),
            ["aws_backup_vault.by_name"]
        );
        assert_eq!(flagged(&r, "RG-AWS-BAK-002"), ["aws_backup_vault.plain"]);

        let unresolved = hcl(r#"
resource "aws_backup_vault" "v" {
  name = "v"
}
resource "aws_backup_vault_lock_configuration" "l" {
  backup_vault_name = var.vault
}
"#);
        assert_eq!(
            undecided(&unresolved, "RG-AWS-BAK-002"),
            ["aws_backup_vault.v"]
        );
    }

    #[test]
    fn efs_backup_policies() {
        let r = hcl(r#"
resource "aws_efs_file_system" "none" {
}
resource "aws_efs_file_system" "enabled" {
}
resource "aws_efs_backup_policy" "enabled" {
  file_system_id = aws_efs_file_system.enabled.id
  backup_policy {
    status = "ENABLED"
  }
}
resource "aws_efs_file_system" "disabled" {
}
resource "aws_efs_backup_policy" "disabled" {
  file_system_id = aws_efs_file_system.disabled.id
  backup_policy {
    status = "DISABLED"
  }
}
resource "aws_efs_file_system" "variable" {
}
resource "aws_efs_backup_policy" "variable" {
  file_system_id = aws_efs_file_system.variable.id
  backup_policy {
    status = var.status
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EFS-002"),
            ["aws_efs_file_system.none", "aws_efs_file_system.disabled"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-EFS-002"),
            ["aws_efs_file_system.variable"]
        );
    }

    #[test]
    fn efs_access_points_enforce_identity_and_directory() {
        let r = hcl(r#"
resource "aws_efs_access_point" "open" {
  file_system_id = "fs-1"
}
resource "aws_efs_access_point" "root" {
  file_system_id = "fs-1"
  root_directory {
    path = "/"
  }
}
resource "aws_efs_access_point" "scoped" {
  file_system_id = "fs-1"
  posix_user {
    uid = 1000
    gid = 1000
  }
  root_directory {
    path = "/app"
  }
}
resource "aws_efs_access_point" "variable" {
  file_system_id = "fs-1"
  posix_user {
    uid = 1000
    gid = 1000
  }
  root_directory {
    path = var.path
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EFS-003"),
            ["aws_efs_access_point.open", "aws_efs_access_point.root"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-EFS-004"),
            ["aws_efs_access_point.open", "aws_efs_access_point.root"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-EFS-004"),
            ["aws_efs_access_point.variable"]
        );
    }

    /// In a plan the lock's vault name is known only after apply; the configuration's
    /// reference still links it to its vault.
    #[test]
    fn a_planned_lock_is_linked_to_its_vault_by_its_configuration_reference() {
        let change = |address: &str, after: &str, unknown: &str| {
            let (resource_type, name) = address.split_once('.').expect("type.name");
            format!(
                r#"{{"address":"{address}","mode":"managed","type":"{resource_type}","name":"{name}","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{unknown}}}}}"#
            )
        };
        let plan = format!(
            r#"{{"format_version":"1.2","resource_changes":[{},{},{}],"configuration":{{"root_module":{{"resources":[{}]}}}}}}"#,
            change(
                "aws_backup_vault.locked",
                r#"{"name":"locked","kms_key_arn":"arn:aws:kms:eu-west-1:123456789012:key/k"}"#,
                "{}"
            ),
            change(
                "aws_backup_vault.unlocked",
                r#"{"name":"unlocked"}"#,
                r#"{"kms_key_arn":true}"#
            ),
            change(
                "aws_backup_vault_lock_configuration.lock",
                r#"{"min_retention_days":7}"#,
                r#"{"backup_vault_name":true}"#
            ),
            r#"{"address":"aws_backup_vault_lock_configuration.lock","expressions":{"backup_vault_name":{"references":["aws_backup_vault.locked.name","aws_backup_vault.locked"]}}}"#,
        );
        let r = review_of("plan.json", &plan);
        assert_eq!(flagged(&r, "RG-AWS-BAK-002"), ["aws_backup_vault.unlocked"]);
        // A key the provider computes, with nothing configured, is the AWS-managed one.
        assert_eq!(flagged(&r, "RG-AWS-BAK-001"), ["aws_backup_vault.unlocked"]);
    }
}
