//! Audit logging and the keys that protect it: CloudTrail trails, KMS key rotation and
//! CloudWatch log group encryption.
//!
//! Customer managed keys are told from AWS managed ones by [`super::kms::kms_key`].

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::is_managed;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::Value;

use super::kms::{KeyKind, kms_key, refers_only_to};
use super::s3::{access_logging, bucket_acl_exposure};

const TRAIL: &str = "aws_cloudtrail";

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-001",
            title: "CloudTrail trail is not enabled in all regions",
            severity: Severity::Medium,
            description: "A single-region trail records nothing about activity in the other regions, which is exactly where an attacker would start resources unnoticed. The console creates multi-region trails by default; the Terraform resource does not.",
            remediation: "Set `is_multi_region_trail = true` on the `aws_cloudtrail`.",
            aliases: &["AWS-0014", "AVD-AWS-0014", "CKV_AWS_67"],
            frameworks: &[
                ("cis-aws-3.0", &["3.1"]),
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("hipaa", &["164.312(b)"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_multi_region,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-002",
            title: "CloudTrail log file validation is not enabled",
            severity: Severity::High,
            description: "With log file validation CloudTrail writes signed digest files, so any modification or deletion of a delivered log file can be detected. Without it, someone with access to the bucket can alter the audit trail undetected.",
            remediation: "Set `enable_log_file_validation = true` on the `aws_cloudtrail`.",
            aliases: &["AWS-0016", "AVD-AWS-0016", "CKV_AWS_36"],
            frameworks: &[
                ("cis-aws-3.0", &["3.2"]),
                ("pci-dss-4.0", &["10.3.4"]),
                ("nist-800-53-r5", &["AU-9"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_log_validation,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-003",
            title: "CloudTrail logs are not encrypted with a customer managed KMS key",
            severity: Severity::High,
            description: "By default CloudTrail log files get SSE-S3 encryption, which anyone who can read the bucket can decrypt. SSE-KMS with a customer managed key adds a key policy that decides who can read the audit log, and records every decryption.",
            remediation: "Set `kms_key_id` on the `aws_cloudtrail` to the ARN of an `aws_kms_key` (or its alias) whose policy allows CloudTrail to use it.",
            aliases: &["AWS-0015", "AVD-AWS-0015", "CKV_AWS_35"],
            frameworks: &[
                ("cis-aws-3.0", &["3.5"]),
                ("pci-dss-4.0", &["10.3.1", "10.3.2"]),
                ("nist-800-53-r5", &["AU-9", "SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_trail_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-004",
            title: "CloudTrail trail does not send its logs to CloudWatch Logs",
            severity: Severity::Low,
            description: "Logs that only land in S3 are read after the fact; sending them to CloudWatch Logs allows metric filters and alarms on sensitive API activity (root logins, policy changes) as it happens.",
            remediation: "Set `cloud_watch_logs_group_arn` (`\"${aws_cloudwatch_log_group.trail.arn}:*\"`) and `cloud_watch_logs_role_arn` on the `aws_cloudtrail`.",
            aliases: &["AWS-0162", "AVD-AWS-0162", "CKV2_AWS_10"],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.4.1.1"]),
                ("nist-800-53-r5", &["AU-6", "SI-4"]),
                ("nist-csf-2.0", &["DE.CM-09"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_cloudwatch_integration,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-005",
            title: "The S3 bucket that stores CloudTrail logs is public",
            severity: Severity::Critical,
            description: "CloudTrail logs record every API call of the account; a bucket ACL that makes them readable to everyone (or to every AWS account) hands an attacker a map of the account and its weaknesses.",
            remediation: "Give the trail's bucket the `private` ACL, remove grants to AllUsers/AuthenticatedUsers, and add an `aws_s3_bucket_public_access_block` with every setting on.",
            aliases: &["AWS-0161", "AVD-AWS-0161"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["10.3.1", "10.3.2"]),
                ("nist-800-53-r5", &["AU-9", "AC-3"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_trail_bucket_private,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-006",
            title: "The S3 bucket that stores CloudTrail logs has no access logging",
            severity: Severity::Low,
            description: "Server access logging on the CloudTrail bucket records who read or deleted the audit logs themselves, which is how tampering with the trail is detected and investigated.",
            remediation: "Add an `aws_s3_bucket_logging` (or inline `logging` block) to the bucket named in the trail's `s3_bucket_name`, targeting a different bucket.",
            aliases: &["AWS-0163", "AVD-AWS-0163"],
            frameworks: &[
                ("cis-aws-3.0", &["3.4"]),
                ("pci-dss-4.0", &["10.2.1.3"]),
                ("nist-800-53-r5", &["AU-2", "AU-9"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_trail_bucket_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KMS-001",
            title: "KMS key does not rotate automatically",
            severity: Severity::Medium,
            description: "Automatic rotation replaces a symmetric key's material every year (or on the configured period) while keeping old material for decryption, which limits how much data any one key version protects. Only symmetric encryption keys in the AWS key store support it: asymmetric, HMAC and custom-key-store keys are exempt.",
            remediation: "Set `enable_key_rotation = true` on the `aws_kms_key`.",
            aliases: &["AWS-0065", "AVD-AWS-0065", "CKV_AWS_7"],
            frameworks: &[
                ("cis-aws-3.0", &["3.6"]),
                ("pci-dss-4.0", &["3.7.4"]),
                ("nist-800-53-r5", &["SC-12"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_kms_key"],
        },
        check: check_key_rotation,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CW-001",
            title: "CloudWatch log group is not encrypted with a customer managed KMS key",
            severity: Severity::Low,
            description: "Log groups are encrypted by CloudWatch Logs with a service key by default. A customer managed KMS key adds a key policy over who can read the logs, which often carry secrets and personal data, and lets access be revoked.",
            remediation: "Set `kms_key_id` on the `aws_cloudwatch_log_group` to the ARN of an `aws_kms_key` whose policy allows the CloudWatch Logs service principal.",
            aliases: &["AWS-0017", "AVD-AWS-0017", "CKV_AWS_158"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["SC-12", "SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_cloudwatch_log_group"],
        },
        check: check_log_group_customer_key,
    },
];

/// Fails `attribute` unless it names a customer managed key.
pub(super) fn require_customer_key(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    attribute: &str,
    what: &str,
) {
    match kms_key(ctx, resource, resource.attributes.get(attribute)) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Known(KeyKind::AwsManaged) => out.fail(
            format!(
                "{what} `{}` uses an AWS managed key, not a customer managed one",
                resource.address
            ),
            Some(attribute),
        ),
        Tri::Missing => out.fail(
            format!(
                "{what} `{}` has no `{attribute}`: it is not encrypted with a customer managed KMS key",
                resource.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!(
            "`{attribute}` is not known statically or until apply"
        )),
    }
}

// ---------------------------------------------------------------------------------
// CloudTrail
// ---------------------------------------------------------------------------------

/// A boolean trail setting that must be `true` (the provider default is `false`).
fn require_trail_flag(trail: &Resource, out: &mut Verdicts, attribute: &str, problem: &str) {
    match Tri::bool(trail.attributes.get(attribute)) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is known only after apply")),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!("trail `{}` {problem}", trail.address),
            Some(attribute),
        ),
    }
}

/// `is_multi_region_trail` defaults to `false` in Terraform.
fn check_multi_region(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_trail_flag(
        trail,
        out,
        "is_multi_region_trail",
        "records only its own region (`is_multi_region_trail` is not `true`)",
    );
}

/// `enable_log_file_validation` defaults to `false`.
fn check_log_validation(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_trail_flag(
        trail,
        out,
        "enable_log_file_validation",
        "does not validate its log files (`enable_log_file_validation` is not `true`)",
    );
}

/// Without `kms_key_id` CloudTrail uses SSE-S3.
fn check_trail_customer_key(trail: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(trail, ctx, out, "kms_key_id", "trail");
}

/// `cloud_watch_logs_group_arn` names a log group: a literal ARN, or an expression
/// built only from a log group (`"${aws_cloudwatch_log_group.t.arn}:*"`).
fn check_cloudwatch_integration(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "cloud_watch_logs_group_arn";
    let value = trail.attributes.get(attribute);
    match Tri::str(value) {
        Tri::Known(arn) if !arn.is_empty() => {}
        Tri::Known(_) | Tri::Missing => out.fail(
            format!(
                "trail `{}` does not send its logs to CloudWatch Logs",
                trail.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => {
            if !refers_only_to(value, "aws_cloudwatch_log_group") {
                out.cannot_tell(format!("`{attribute}` is known only after apply"));
            }
        }
    }
}

/// The managed S3 bucket of the change that a trail delivers to, if any.
fn trail_bucket<'a>(ctx: &Context<'a>, trail: &Resource) -> Tri<Option<&'a Resource>> {
    let name = trail.attributes.get("s3_bucket_name");
    let buckets = ctx.of_type("aws_s3_bucket").iter().copied();
    Tri::first(
        buckets
            .filter(|b| is_managed(b))
            .map(|bucket| ctx.refers_to(trail, name, bucket).then(|| bucket)),
    )
    .optional()
}

/// The trail's bucket (when it is in the change) is not public through its ACLs.
fn check_trail_bucket_private(trail: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let bucket = match trail_bucket(ctx, trail) {
        Tri::Known(Some(bucket)) => bucket,
        Tri::Known(None) | Tri::Missing => return,
        Tri::Unknown => {
            out.cannot_tell("the trail's bucket is known only after apply");
            return;
        }
    };
    match bucket_acl_exposure(ctx, bucket) {
        Tri::Known(None) | Tri::Missing => {}
        Tri::Known(Some(what)) => out.fail(
            format!(
                "trail `{}` delivers its logs to bucket `{}`, which is public through {what}",
                trail.address, bucket.address
            ),
            Some("s3_bucket_name"),
        ),
        Tri::Unknown => out
            .cannot_tell("the trail bucket's ACL or public access block is known only after apply"),
    }
}

/// The trail's bucket (when it is in the change) has server access logging.
fn check_trail_bucket_logging(trail: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let bucket = match trail_bucket(ctx, trail) {
        Tri::Known(Some(bucket)) => bucket,
        Tri::Known(None) | Tri::Missing => return,
        Tri::Unknown => {
            out.cannot_tell("the trail's bucket is known only after apply");
            return;
        }
    };
    match access_logging(ctx, bucket) {
        Tri::Known(true) => {}
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "trail `{}` delivers its logs to bucket `{}`, which has no server access logging",
                trail.address, bucket.address
            ),
            Some("s3_bucket_name"),
        ),
        Tri::Unknown => {
            out.cannot_tell("the trail bucket's logging configuration is known only after apply")
        }
    }
}

// ---------------------------------------------------------------------------------
// KMS
// ---------------------------------------------------------------------------------

/// Symmetric encryption keys in the AWS key store must rotate. `key_usage` defaults to
/// `ENCRYPT_DECRYPT` and `customer_master_key_spec` to `SYMMETRIC_DEFAULT`; keys in a
/// custom key store (CloudHSM or external) cannot rotate automatically.
fn check_key_rotation(key: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let rotation = Tri::bool(key.attributes.get("enable_key_rotation"));
    if rotation == Tri::Known(true) {
        return;
    }
    let is = |attribute: &str, default: &str, wanted: &str| match Tri::str(
        key.attributes.get(attribute),
    )
    .or_default_value(default)
    {
        Tri::Known(v) => Tri::Known(v == wanted),
        _ => Tri::Unknown,
    };
    let store = key.attributes.get("custom_key_store_id");
    let aws_key_store = match Tri::value(store) {
        Tri::Missing => Tri::Known(true),
        Tri::Known(Value::String(s)) => Tri::Known(s.is_empty()),
        // The id of a custom key store resource is never null.
        Tri::Unknown if refers_only_to(store, "aws_kms_custom_key_store") => Tri::Known(false),
        _ => Tri::Unknown,
    };
    let rotatable = [
        is("key_usage", "ENCRYPT_DECRYPT", "ENCRYPT_DECRYPT"),
        is(
            "customer_master_key_spec",
            "SYMMETRIC_DEFAULT",
            "SYMMETRIC_DEFAULT",
        ),
        aws_key_store,
    ];
    if rotatable.contains(&Tri::Known(false)) {
        // Asymmetric, HMAC or custom-key-store keys cannot rotate automatically.
        return;
    }
    if rotation.is_unknown() {
        out.cannot_tell("`enable_key_rotation` is known only after apply");
    } else if rotatable.iter().any(Tri::is_unknown) {
        out.cannot_tell(
            "whether the key supports rotation (its usage, spec or key store) is known only after apply",
        );
    } else {
        out.fail(
            format!(
                "KMS key `{}` does not have automatic rotation enabled",
                key.address
            ),
            Some("enable_key_rotation"),
        );
    }
}

// ---------------------------------------------------------------------------------
// CloudWatch Logs
// ---------------------------------------------------------------------------------

/// Without `kms_key_id` a log group is encrypted with a CloudWatch Logs service key.
fn check_log_group_customer_key(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(group, ctx, out, "kms_key_id", "log group");
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::*;

    fn change(address: &str, after: &str, after_unknown: &str) -> String {
        let (resource_type, name) = address.split_once('.').unwrap_or_default();
        format!(
            r#"{{"address": "{address}", "mode": "managed", "type": "{resource_type}", "name": "{name}",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {{"actions": ["create"], "before": null, "after": {after}, "after_unknown": {after_unknown}}}}}"#
        )
    }

    #[test]
    fn plan_trail_key_left_unset_in_configuration_is_the_provider_default() {
        let plan = format!(
            r#"{{"format_version": "1.2", "resource_changes": [{}, {}, {}, {}],
              "configuration": {{"root_module": {{"resources": [
                {{"address": "aws_cloudwatch_log_group.trail",
                  "expressions": {{"kms_key_id": {{"references": ["aws_kms_key.logs.arn", "aws_kms_key.logs"]}}}}}},
                {{"address": "aws_cloudtrail.main",
                  "expressions": {{"cloud_watch_logs_group_arn": {{"references": ["aws_cloudwatch_log_group.trail.arn", "aws_cloudwatch_log_group.trail"]}}}}}}
              ]}}}}}}"#,
            change(
                "aws_kms_key.logs",
                r#"{"enable_key_rotation": false, "key_usage": "ENCRYPT_DECRYPT", "customer_master_key_spec": "SYMMETRIC_DEFAULT", "custom_key_store_id": null}"#,
                r#"{"arn": true, "key_id": true}"#,
            ),
            change(
                "aws_cloudwatch_log_group.trail",
                r#"{"name": "trail"}"#,
                r#"{"arn": true, "kms_key_id": true}"#,
            ),
            change(
                "aws_cloudtrail.main",
                r#"{"name": "main", "s3_bucket_name": "trail-logs", "is_multi_region_trail": true, "enable_log_file_validation": false}"#,
                r#"{"kms_key_id": true, "cloud_watch_logs_group_arn": true}"#,
            ),
            change(
                "aws_kms_key.signing",
                r#"{"enable_key_rotation": false, "key_usage": "SIGN_VERIFY", "customer_master_key_spec": "RSA_2048"}"#,
                r#"{"arn": true}"#,
            ),
        );
        let review = review_of("plan.json", &plan);
        // `kms_key_id` is known only after apply, and the trail's configuration does
        // not set it: the provider's default (no key), as when a `.tf` file leaves it
        // out.
        assert_eq!(flagged(&review, "RG-AWS-CT-003"), ["aws_cloudtrail.main"]);
        assert!(undecided(&review, "RG-AWS-CT-003").is_empty());
        // The log group's key and the trail's log group come from resources in the
        // plan: decided even though their values are known only after apply.
        assert!(flagged(&review, "RG-AWS-CW-001").is_empty());
        assert!(undecided(&review, "RG-AWS-CW-001").is_empty());
        assert!(flagged(&review, "RG-AWS-CT-004").is_empty());
        assert!(undecided(&review, "RG-AWS-CT-004").is_empty());
        assert!(flagged(&review, "RG-AWS-CT-001").is_empty());
        assert_eq!(flagged(&review, "RG-AWS-CT-002"), ["aws_cloudtrail.main"]);
        // The signing key cannot rotate; the symmetric one must.
        assert_eq!(flagged(&review, "RG-AWS-KMS-001"), ["aws_kms_key.logs"]);
    }

    #[test]
    fn key_rotation_exempts_keys_that_cannot_rotate() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_kms_key" "default" {}
resource "aws_kms_key" "hmac" {
  key_usage                = "GENERATE_VERIFY_MAC"
  customer_master_key_spec = "HMAC_256"
}
resource "aws_kms_key" "asymmetric_encryption" {
  customer_master_key_spec = "RSA_4096"
}
resource "aws_kms_key" "hsm" {
  custom_key_store_id = aws_kms_custom_key_store.hsm.id
}
resource "aws_kms_key" "chosen_later" {
  customer_master_key_spec = var.spec
}
resource "aws_kms_key" "rotation_from_variable" {
  enable_key_rotation = var.rotate
}
"#,
        );
        assert_eq!(flagged(&review, "RG-AWS-KMS-001"), ["aws_kms_key.default"]);
        assert_eq!(
            undecided(&review, "RG-AWS-KMS-001"),
            [
                "aws_kms_key.chosen_later",
                "aws_kms_key.rotation_from_variable"
            ]
        );
    }

    #[test]
    fn trail_bucket_rules_follow_the_bucket_by_name_and_its_split_resources() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_cloudtrail" "public" {
  name           = "public"
  s3_bucket_name = "public-trail-logs"
}
resource "aws_s3_bucket" "public" { bucket = "public-trail-logs" }
resource "aws_s3_bucket_acl" "public" {
  bucket = aws_s3_bucket.public.id
  acl    = "public-read"
}

resource "aws_cloudtrail" "private" {
  name           = "private"
  s3_bucket_name = aws_s3_bucket.private.id
}
resource "aws_s3_bucket" "private" {
  bucket = "private-trail-logs"
  acl    = "public-read"
}
resource "aws_s3_bucket_public_access_block" "private" {
  bucket             = aws_s3_bucket.private.id
  ignore_public_acls = true
}
resource "aws_s3_bucket_logging" "private" {
  bucket        = aws_s3_bucket.private.id
  target_bucket = "access-logs"
}

resource "aws_cloudtrail" "elsewhere" {
  name           = "elsewhere"
  s3_bucket_name = "bucket-of-another-stack"
}
"#,
        );
        assert_eq!(flagged(&review, "RG-AWS-CT-005"), ["aws_cloudtrail.public"]);
        assert_eq!(flagged(&review, "RG-AWS-CT-006"), ["aws_cloudtrail.public"]);
        assert!(undecided(&review, "RG-AWS-CT-005").is_empty());
        assert!(undecided(&review, "RG-AWS-CT-006").is_empty());
    }

    #[test]
    fn key_references_through_variables_or_conditionals_cannot_be_told() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_kms_key" "k" { enable_key_rotation = true }
resource "aws_cloudwatch_log_group" "conditional" {
  kms_key_id = var.encrypt ? aws_kms_key.k.arn : null
}
resource "aws_cloudwatch_log_group" "counted" {
  count      = 2
  kms_key_id = aws_kms_key.k[count.index].arn
}
resource "aws_cloudwatch_log_group" "aws_alias" {
  kms_key_id = "arn:aws:kms:eu-west-1:111122223333:alias/aws/logs"
}
resource "aws_cloudtrail" "variable_group" {
  cloud_watch_logs_group_arn = var.group_arn
  is_multi_region_trail      = var.multi
}
"#,
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CW-001"),
            ["aws_cloudwatch_log_group.conditional"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CW-001"),
            ["aws_cloudwatch_log_group.aws_alias"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CT-004"),
            ["aws_cloudtrail.variable_group"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CT-001"),
            ["aws_cloudtrail.variable_group"]
        );
    }
}
