//! S3 buckets: encryption, versioning, logging, public access.
//!
//! AWS provider v4+ splits bucket settings into their own resources
//! (`aws_s3_bucket_versioning`, `aws_s3_bucket_server_side_encryption_configuration`,
//! `aws_s3_bucket_acl`, `aws_s3_bucket_public_access_block`, …) that point back at the
//! bucket; every rule here accepts both the inline block and the split resource.
//!
//! Several inline attributes of `aws_s3_bucket` (`acl`, `grant`, `logging`, `policy`,
//! `server_side_encryption_configuration`, `versioning`) are Optional+Computed since
//! provider v4: when configuration leaves them out, a plan for a new bucket shows them
//! as "known after apply" because the provider reads the bucket's settings back. Such a
//! value has no configuration expression and no references; see [`configured`].

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{blocks, configured, contains_string, is_managed, lookup};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::{Value, ValueMap};

use super::kms::{KeyKind, kms_key};

const BUCKET: &str = "aws_s3_bucket";
const PUBLIC_ACCESS_BLOCK: &str = "aws_s3_bucket_public_access_block";
const ACCOUNT_PUBLIC_ACCESS_BLOCK: &str = "aws_s3_account_public_access_block";
const BUCKET_ACL: &str = "aws_s3_bucket_acl";
const BUCKET_LOGGING: &str = "aws_s3_bucket_logging";
const BUCKET_POLICY: &str = "aws_s3_bucket_policy";

/// Canned ACLs that open a bucket to everyone (`public-read`, `public-read-write`) or
/// to every AWS account in the world (`authenticated-read`).
const PUBLIC_CANNED_ACLS: &[&str] = &["public-read", "public-read-write", "authenticated-read"];
/// Grantee groups that mean "anyone" and "any AWS account".
const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
/// The group S3 server access logging writes as, when a bucket grants it by ACL.
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-001",
            title: "S3 bucket has no public access block",
            severity: Severity::Low,
            description: "S3 Block Public Access overrides bucket policies and ACLs that would make a bucket public. Since April 2023 S3 turns all four settings on for every new bucket (Amazon S3 User Guide, \"Blocking public access to your Amazon S3 storage\"; AWS News Blog, \"Heads-Up: Amazon S3 Security Changes Are Coming in April of 2023\"), so a bucket this configuration creates is protected without the resource; buckets created before then are not, and the default can be switched off outside Terraform. Defining an `aws_s3_bucket_public_access_block` for every bucket states the protection next to the bucket, where a review sees it.",
            remediation: "Add an `aws_s3_bucket_public_access_block` with `bucket` pointing at the bucket and all four settings (`block_public_acls`, `block_public_policy`, `ignore_public_acls`, `restrict_public_buckets`) set to `true`.",
            aliases: &["AWS-0094", "AVD-AWS-0094", "CKV2_AWS_6"],
            frameworks: &[
                ("cis-aws-3.0", &["2.1.4"]),
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[BUCKET],
        },
        check: check_public_access_block_defined,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-002",
            title: "S3 bucket ACL allows public access",
            severity: Severity::High,
            description: "The canned ACLs `public-read` and `public-read-write`, and grants to the AllUsers group, let anyone on the internet list or read (or write) the bucket; `authenticated-read` and grants to AuthenticatedUsers do the same for every AWS account in the world. A bucket-level `ignore_public_acls` makes such an ACL ineffective. Since April 2023 new buckets have ACLs disabled (Object Ownership `BucketOwnerEnforced`) and Block Public Access on, so such an ACL only applies once the configuration also re-enables ACLs (`aws_s3_bucket_ownership_controls`) and turns the blocks off — which is what a configuration asking for a public ACL does; the rule reports the ACL, the intent to publish (Amazon S3 User Guide, \"Controlling ownership of objects and disabling ACLs for your bucket\").",
            remediation: "Use the `private` canned ACL (or disable ACLs with `aws_s3_bucket_ownership_controls` `BucketOwnerEnforced`), remove grants to the AllUsers/AuthenticatedUsers groups, and set `ignore_public_acls = true` in the bucket's public access block.",
            aliases: &["AWS-0092", "AVD-AWS-0092"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["1.4.4"]),
                ("hipaa", &["164.312(a)(1)"]),
                ("nist-800-53-r5", &["AC-3", "AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[BUCKET, BUCKET_ACL],
        },
        check: check_public_acl,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-003",
            title: "S3 bucket leaves default encryption to the SSE-S3 default",
            severity: Severity::Low,
            description: "Since 5 January 2023 S3 encrypts every new object with SSE-S3 when the bucket has no encryption configuration, and the configuration can no longer be removed (Amazon S3 User Guide, \"Setting default server-side encryption behavior for Amazon S3 buckets\", https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html). A bucket without one is therefore encrypted at rest, but with a key nobody can restrict, audit or revoke, and the choice is invisible in code. This rule reports that implicit default; RG-AWS-S3-010 reports the real gap, a bucket not encrypted with a customer managed KMS key.",
            remediation: "Add an `aws_s3_bucket_server_side_encryption_configuration` (or the inline `server_side_encryption_configuration` block) stating `sse_algorithm`: preferably `aws:kms` with a customer managed `kms_master_key_id`.",
            aliases: &["AWS-0088", "AVD-AWS-0088"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["3.5.1"]),
                ("hipaa", &["164.312(a)(2)(iv)"]),
                ("nist-800-53-r5", &["SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_s3_bucket"],
        },
        check: check_bucket_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-004",
            title: "S3 bucket versioning is not enabled",
            severity: Severity::Medium,
            description: "Without versioning, an overwrite or delete destroys the only copy of an object; versioning keeps prior versions for recovery from mistakes and ransomware.",
            remediation: "Add an `aws_s3_bucket_versioning` resource with `versioning_configuration { status = \"Enabled\" }` (or the inline `versioning { enabled = true }`).",
            aliases: &["AWS-0090", "AVD-AWS-0090", "CKV_AWS_21"],
            frameworks: &[
                ("soc2", &["A1.2"]),
                ("nist-800-53-r5", &["CP-9"]),
                ("nist-csf-2.0", &["PR.DS-11"]),
            ],
            resource_types: &["aws_s3_bucket"],
        },
        check: check_bucket_versioning,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-005",
            title: "S3 public access block does not block public ACLs",
            severity: Severity::High,
            description: "With `block_public_acls`, S3 rejects any request that would put a public ACL on the bucket or its objects, so a mistaken `public-read` upload fails instead of exposing data. An omitted setting is sent as `false` by the AWS provider (`aws_s3_bucket_public_access_block`, every setting \"Optional, default false\"), replacing the all-on default S3 gives new buckets since April 2023.",
            remediation: "Set `block_public_acls = true` in the bucket's `aws_s3_bucket_public_access_block` (or account-wide in `aws_s3_account_public_access_block`).",
            aliases: &["AWS-0086", "AVD-AWS-0086", "CKV_AWS_53"],
            frameworks: &[
                ("cis-aws-3.0", &["2.1.4"]),
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[PUBLIC_ACCESS_BLOCK],
        },
        check: check_block_public_acls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-006",
            title: "S3 public access block does not block public bucket policies",
            severity: Severity::High,
            description: "With `block_public_policy`, S3 rejects a bucket policy that grants public access, so a policy with `Principal: \"*\"` cannot be attached by mistake. An omitted setting is sent as `false` by the AWS provider (`aws_s3_bucket_public_access_block`, every setting \"Optional, default false\"), replacing the all-on default S3 gives new buckets since April 2023.",
            remediation: "Set `block_public_policy = true` in the bucket's `aws_s3_bucket_public_access_block` (or account-wide in `aws_s3_account_public_access_block`).",
            aliases: &["AWS-0087", "AVD-AWS-0087", "CKV_AWS_54"],
            frameworks: &[
                ("cis-aws-3.0", &["2.1.4"]),
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[PUBLIC_ACCESS_BLOCK],
        },
        check: check_block_public_policy,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-007",
            title: "S3 public access block does not ignore public ACLs",
            severity: Severity::High,
            description: "With `ignore_public_acls`, S3 ignores every public ACL on the bucket and its objects, including ones that already exist, so no ACL can expose data. An omitted setting is sent as `false` by the AWS provider (`aws_s3_bucket_public_access_block`, every setting \"Optional, default false\"), replacing the all-on default S3 gives new buckets since April 2023.",
            remediation: "Set `ignore_public_acls = true` in the bucket's `aws_s3_bucket_public_access_block` (or account-wide in `aws_s3_account_public_access_block`).",
            aliases: &["AWS-0091", "AVD-AWS-0091", "CKV_AWS_55"],
            frameworks: &[
                ("cis-aws-3.0", &["2.1.4"]),
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[PUBLIC_ACCESS_BLOCK],
        },
        check: check_ignore_public_acls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-008",
            title: "S3 public access block does not restrict public buckets",
            severity: Severity::High,
            description: "With `restrict_public_buckets`, a bucket whose policy is public is still only reachable by AWS services and principals of the bucket owner's account, which neutralises a public policy that is already attached. An omitted setting is sent as `false` by the AWS provider (`aws_s3_bucket_public_access_block`, every setting \"Optional, default false\"), replacing the all-on default S3 gives new buckets since April 2023.",
            remediation: "Set `restrict_public_buckets = true` in the bucket's `aws_s3_bucket_public_access_block` (or account-wide in `aws_s3_account_public_access_block`).",
            aliases: &["AWS-0093", "AVD-AWS-0093", "CKV_AWS_56"],
            frameworks: &[
                ("cis-aws-3.0", &["2.1.4"]),
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[PUBLIC_ACCESS_BLOCK],
        },
        check: check_restrict_public_buckets,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-009",
            title: "S3 bucket access logging is not enabled",
            severity: Severity::Low,
            description: "Server access logs record every request made to the bucket (who, what, when, from where); without them, data access cannot be audited or investigated after an incident. Buckets that receive access logs themselves are exempt.",
            remediation: "Add an `aws_s3_bucket_logging` resource (or the inline `logging` block) with a `target_bucket` that receives the logs.",
            aliases: &["AWS-0089", "AVD-AWS-0089", "CKV_AWS_18"],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1.1"]),
                ("hipaa", &["164.312(b)"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &[BUCKET],
        },
        check: check_access_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-010",
            title: "S3 bucket is not encrypted with a customer managed KMS key",
            severity: Severity::High,
            description: "SSE-S3 (`AES256`) and the AWS managed `aws/s3` key encrypt data, but their access cannot be restricted with a key policy, rotated on your schedule or revoked. A customer managed KMS key adds a second, auditable access control on every object. Buckets that receive S3 server access logs are exempt: log delivery only supports SSE-S3.",
            remediation: "Set `sse_algorithm = \"aws:kms\"` and `kms_master_key_id` to an `aws_kms_key` in the bucket's `aws_s3_bucket_server_side_encryption_configuration`.",
            aliases: &["AWS-0132", "AVD-AWS-0132"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["3.6.1"]),
                ("nist-800-53-r5", &["SC-12", "SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &[BUCKET],
        },
        check: check_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-030",
            title: "S3 bucket that receives server access logs defaults to SSE-KMS",
            severity: Severity::Medium,
            description: "S3 server access logs are delivered only to a target bucket whose default encryption is SSE-S3 (`AES256`): \"SSE-KMS encryption is not supported\" for the destination, so with `aws:kms` or `aws:kms:dsse` default encryption the logs are not written and the audit trail silently stops (Amazon S3 User Guide, \"Enabling Amazon S3 server access logging\", https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). A bucket counts as a target when another bucket's `aws_s3_bucket_logging` or inline `logging` block names it in `target_bucket`.",
            remediation: "Set the log bucket's default encryption to `sse_algorithm = \"AES256\"`, or send the logs to a bucket that uses SSE-S3.",
            aliases: &[],
            frameworks: &[],
            resource_types: &[BUCKET],
        },
        check: check_log_target_kms,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-011",
            title: "S3 bucket versioning does not require MFA delete",
            severity: Severity::Low,
            description: "With MFA delete, permanently deleting an object version or changing the bucket's versioning state needs a one-time code from the root account's MFA device, so stolen credentials alone cannot destroy the version history. Applies to buckets with versioning enabled.",
            remediation: "Set `mfa_delete = \"Enabled\"` in the `versioning_configuration` of the bucket's `aws_s3_bucket_versioning` (with the `mfa` argument), or `mfa_delete = true` in the inline `versioning` block.",
            aliases: &["AWS-0170", "AVD-AWS-0170"],
            frameworks: &[
                ("cis-aws-3.0", &["2.1.2"]),
                ("nist-800-53-r5", &["CP-9"]),
                ("nist-csf-2.0", &["PR.DS-11"]),
            ],
            resource_types: &[BUCKET],
        },
        check: check_mfa_delete,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-012",
            title: "S3 object-level write events are not logged by CloudTrail",
            severity: Severity::Low,
            description: "CloudTrail does not record object-level (data event) API calls such as PutObject and DeleteObject unless a trail's event selector asks for them; without them, changes to objects cannot be attributed. Checks the trails in the same change; not run on a scan of a repository, where the account's trail usually lives in another one.",
            remediation: "Add to an `aws_cloudtrail` an `event_selector` with `read_write_type` `All` or `WriteOnly` and a `data_resource` of type `AWS::S3::Object` whose `values` include `arn:aws:s3:::BUCKET/` (or `arn:aws:s3` for every bucket).",
            aliases: &["AWS-0171", "AVD-AWS-0171"],
            frameworks: &[
                ("cis-aws-3.0", &["3.8"]),
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &[BUCKET],
        },
        check: check_object_write_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-013",
            title: "S3 object-level read events are not logged by CloudTrail",
            severity: Severity::Low,
            description: "CloudTrail does not record object-level (data event) API calls such as GetObject unless a trail's event selector asks for them; without them, who read which object cannot be established after a leak. Checks the trails in the same change; not run on a scan of a repository, where the account's trail usually lives in another one.",
            remediation: "Add to an `aws_cloudtrail` an `event_selector` with `read_write_type` `All` or `ReadOnly` and a `data_resource` of type `AWS::S3::Object` whose `values` include `arn:aws:s3:::BUCKET/` (or `arn:aws:s3` for every bucket).",
            aliases: &["AWS-0172", "AVD-AWS-0172"],
            frameworks: &[
                ("cis-aws-3.0", &["3.9"]),
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1.1"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &[BUCKET],
        },
        check: check_object_read_logging,
    },
];

/// Rules that fail a bucket because no CloudTrail trail reviewed with it logs its
/// object events. A trail is an account's (often an organisation's), usually
/// declared in another repository than the buckets, so its absence from a
/// repository proves nothing. Every other S3 rule judges a bucket by its own
/// attributes and its own `aws_s3_bucket_*` resources, which live beside it; an
/// account-level public access block only ever exempts a bucket from them.
pub(super) const ACCOUNT_WIDE_RULES: &[&str] = &["RG-AWS-S3-012", "RG-AWS-S3-013"];

/// Encryption is on when the inline rule or a split configuration resource names an
/// algorithm.
fn check_bucket_encryption(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let algorithm_of = |configuration: &crate::value::ValueMap| -> Tri<bool> {
        let mut result = Tri::Known(false);
        for rule in blocks(configuration.get("rule")) {
            for default in blocks(rule.get("apply_server_side_encryption_by_default")) {
                match Tri::str(default.get("sse_algorithm")) {
                    Tri::Known(algorithm) if !algorithm.is_empty() => return Tri::Known(true),
                    Tri::Unknown => result = Tri::Unknown,
                    _ => {}
                }
            }
        }
        result
    };

    let mut unknown = false;
    for inline in blocks(
        bucket
            .attributes
            .get("server_side_encryption_configuration"),
    ) {
        match algorithm_of(inline) {
            Tri::Known(true) => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if bucket
        .attributes
        .get("server_side_encryption_configuration")
        .is_some_and(|v| v.is_unknown())
    {
        unknown = true;
    }
    let split = ctx.referencing(
        bucket,
        "aws_s3_bucket_server_side_encryption_configuration",
        "bucket",
    );
    for configuration in &split.definite {
        match algorithm_of(&configuration.attributes) {
            Tri::Known(true) => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown || split.unresolved {
        out.cannot_tell("the encryption configuration depends on values known only after apply");
    } else {
        out.fail(
            format!(
                "bucket `{}` declares no default encryption, so S3 applies SSE-S3 with an AWS owned key",
                bucket.address
            ),
            Some("server_side_encryption_configuration"),
        );
    }
}

/// Versioning is on when the inline block says `enabled = true` or a split
/// `aws_s3_bucket_versioning` says `status = "Enabled"`.
fn check_bucket_versioning(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unknown = false;
    for versioning in blocks(bucket.attributes.get("versioning")) {
        match Tri::bool(versioning.get("enabled")) {
            Tri::Known(true) => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    let split = ctx.referencing(bucket, "aws_s3_bucket_versioning", "bucket");
    for resource in &split.definite {
        match Tri::str(lookup(
            &resource.attributes,
            "versioning_configuration.0.status",
        )) {
            Tri::Known("Enabled") => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown || split.unresolved {
        out.cannot_tell("the versioning status depends on values known only after apply");
    } else {
        out.fail(
            format!(
                "bucket `{}` does not have versioning enabled",
                bucket.address
            ),
            Some("versioning"),
        );
    }
}

// ---------------------------------------------------------------------------------
// Block Public Access
// ---------------------------------------------------------------------------------

/// One of the four S3 Block Public Access settings.
struct Setting {
    /// Attribute on both the bucket-level and the account-level resource.
    attribute: &'static str,
    /// What turning it off allows, for messages.
    consequence: &'static str,
}

const BLOCK_PUBLIC_ACLS: Setting = Setting {
    attribute: "block_public_acls",
    consequence: "public ACLs can be put on the bucket and its objects",
};
const BLOCK_PUBLIC_POLICY: Setting = Setting {
    attribute: "block_public_policy",
    consequence: "a public bucket policy can be attached",
};
const IGNORE_PUBLIC_ACLS: Setting = Setting {
    attribute: "ignore_public_acls",
    consequence: "public ACLs on the bucket and its objects take effect",
};
const RESTRICT_PUBLIC_BUCKETS: Setting = Setting {
    attribute: "restrict_public_buckets",
    consequence: "a public bucket policy gives access to anyone",
};

/// The setting in an `aws_s3_account_public_access_block` of the change: it applies to
/// every bucket of the account, so it satisfies the bucket-level setting. Each setting
/// defaults to `false`.
fn account_setting(ctx: &Context<'_>, attribute: &str) -> Tri<bool> {
    Tri::any(
        ctx.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK)
            .iter()
            .filter(|r| is_managed(r))
            .map(|r| Tri::bool(r.attributes.get(attribute)).or_default_value(false)),
    )
}

/// One Block Public Access setting, checked on the public access block itself so the
/// finding points at its line. A bucket with no block at all is reported once, by
/// RG-AWS-S3-001, rather than four more times here.
fn check_public_access_setting(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    setting: &Setting,
) {
    let account = account_setting(ctx, setting.attribute);
    if account == Tri::Known(true) {
        return;
    }
    match Tri::bool(resource.attributes.get(setting.attribute)) {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell(format!("`{}` is known only after apply", setting.attribute))
        }
        Tri::Known(false) | Tri::Missing if account.is_unknown() => out.cannot_tell(format!(
            "the account-level `{}` is known only after apply",
            setting.attribute
        )),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "public access block `{}` does not set `{} = true`, so {}",
                resource.address, setting.attribute, setting.consequence
            ),
            Some(setting.attribute),
        ),
    }
}

/// `block_public_acls` must be on for the bucket.
fn check_block_public_acls(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_public_access_setting(resource, ctx, out, &BLOCK_PUBLIC_ACLS);
}

/// `block_public_policy` must be on for the bucket.
fn check_block_public_policy(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_public_access_setting(resource, ctx, out, &BLOCK_PUBLIC_POLICY);
}

/// `ignore_public_acls` must be on for the bucket.
fn check_ignore_public_acls(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_public_access_setting(resource, ctx, out, &IGNORE_PUBLIC_ACLS);
}

/// `restrict_public_buckets` must be on for the bucket.
fn check_restrict_public_buckets(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_public_access_setting(resource, ctx, out, &RESTRICT_PUBLIC_BUCKETS);
}

/// Every bucket has its own `aws_s3_bucket_public_access_block`. An account-level block
/// with all four settings on leaves nothing for a bucket-level one to add, so it counts.
fn check_public_access_block_defined(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let block = ctx.referencing(bucket, PUBLIC_ACCESS_BLOCK, "bucket");
    if !block.definite.is_empty() {
        return;
    }
    let account = Tri::all(
        [
            &BLOCK_PUBLIC_ACLS,
            &BLOCK_PUBLIC_POLICY,
            &IGNORE_PUBLIC_ACLS,
            &RESTRICT_PUBLIC_BUCKETS,
        ]
        .iter()
        .map(|s| account_setting(ctx, s.attribute)),
    );
    if account == Tri::Known(true) {
        return;
    }
    if block.unresolved || account.is_unknown() {
        out.cannot_tell(
            "whether a public access block applies to the bucket is known only after apply",
        );
    } else {
        out.fail(
            format!(
                "bucket `{}` has no `aws_s3_bucket_public_access_block`",
                bucket.address
            ),
            None,
        );
    }
}

// ---------------------------------------------------------------------------------
// ACLs
// ---------------------------------------------------------------------------------

/// The grantee group URI of a grant: inline `grant { uri }` on the bucket, or
/// `grant { grantee { uri } }` in an `aws_s3_bucket_acl` access control policy.
fn grantee_uri(grant: &ValueMap) -> Tri<&str> {
    match Tri::str(grant.get("uri")) {
        Tri::Missing => {}
        other => return other,
    }
    if grant.get("grantee").is_some_and(Value::is_unknown) {
        return Tri::Unknown;
    }
    let mut result = Tri::Missing;
    for grantee in blocks(grant.get("grantee")) {
        match Tri::str(grantee.get("uri")) {
            Tri::Known(uri) => return Tri::Known(uri),
            Tri::Unknown => result = Tri::Unknown,
            Tri::Missing => {}
        }
    }
    result
}

/// Whether a grant gives `permission` (or FULL_CONTROL): `permissions` (a set, inline
/// bucket grants) or `permission` (one string, `aws_s3_bucket_acl` grants).
fn grants_permission(grant: &ValueMap, permissions: &[&str]) -> Tri<bool> {
    let wanted = |p: &str| permissions.contains(&p) || p == "FULL_CONTROL";
    match Tri::str(grant.get("permission")) {
        Tri::Known(p) => Tri::Known(wanted(p)),
        Tri::Unknown => Tri::Unknown,
        Tri::Missing => contains_string(grant.get("permissions"), wanted),
    }
}

/// A public canned ACL or a grant to AllUsers/AuthenticatedUsers, as a description of
/// what exposes the bucket. `grants` is the value holding the grant blocks.
fn acl_exposure(acl: Option<&Value>, grants: Option<&Value>) -> Tri<Option<String>> {
    let canned = match Tri::str(acl) {
        Tri::Known(canned) if PUBLIC_CANNED_ACLS.contains(&canned) => {
            Tri::Known(format!("the public canned ACL `{canned}`"))
        }
        Tri::Unknown => Tri::Unknown,
        _ => Tri::Missing,
    };
    let grant_list = match Tri::value(grants) {
        Tri::Unknown => Tri::Unknown,
        _ => Tri::Missing,
    };
    let public_grants = blocks(grants)
        .into_iter()
        .map(|grant| match grantee_uri(grant) {
            Tri::Known(ALL_USERS) => Tri::Known("a grant to all users (AllUsers)".to_owned()),
            Tri::Known(AUTHENTICATED_USERS) => {
                Tri::Known("a grant to every AWS account (AuthenticatedUsers)".to_owned())
            }
            Tri::Unknown => Tri::Unknown,
            _ => Tri::Missing,
        });
    Tri::first([canned, grant_list].into_iter().chain(public_grants)).optional()
}

/// The ACL settings of an `aws_s3_bucket_acl`: the canned `acl` and the grants of its
/// `access_control_policy`.
fn split_acl_exposure(acl: &Resource) -> Tri<Option<String>> {
    let policy = configured(acl.attributes.get("access_control_policy"));
    let exposure = acl_exposure(configured(acl.attributes.get("acl")), None);
    if !matches!(exposure, Tri::Known(None)) {
        return exposure;
    }
    if Tri::value(policy).is_unknown() {
        return Tri::Unknown;
    }
    let mut unknown = false;
    for body in blocks(policy) {
        match acl_exposure(None, body.get("grant")) {
            Tri::Known(Some(what)) => return Tri::Known(Some(what)),
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        Tri::Unknown
    } else {
        Tri::Known(None)
    }
}

/// Whether S3 ignores the bucket's public ACLs (`ignore_public_acls` on its public
/// access block or account-wide). `block_public_acls` alone is not enough: it rejects
/// new public ACLs but leaves one applied before it in force.
fn public_acls_ignored(ctx: &Context<'_>, bucket: &Resource) -> Tri<bool> {
    let block = ctx.referencing(bucket, PUBLIC_ACCESS_BLOCK, "bucket");
    let mut result = Tri::any(block.definite.iter().map(|b| {
        Tri::bool(b.attributes.get(IGNORE_PUBLIC_ACLS.attribute)).or_default_value(false)
    }));
    if result == Tri::Known(false) && block.unresolved {
        result = Tri::Unknown;
    }
    Tri::any([result, account_setting(ctx, IGNORE_PUBLIC_ACLS.attribute)])
}

/// The managed bucket a split resource's `bucket` attribute names, if it is in the change.
fn bucket_of<'a>(ctx: &Context<'a>, split: &Resource) -> Tri<Option<&'a Resource>> {
    let mut unknown = false;
    for bucket in ctx
        .of_type(BUCKET)
        .iter()
        .copied()
        .filter(|b| is_managed(b))
    {
        match ctx.refers_to(split, split.attributes.get("bucket"), bucket) {
            Tri::Known(true) => return Tri::Known(Some(bucket)),
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        Tri::Unknown
    } else {
        Tri::Known(None)
    }
}

/// How a bucket is exposed through its ACLs, inline or split, unless S3 ignores them.
/// `Known(None)` when it is not.
pub(super) fn bucket_acl_exposure(ctx: &Context<'_>, bucket: &Resource) -> Tri<Option<String>> {
    let mut exposures = vec![acl_exposure(
        configured(bucket.attributes.get("acl")),
        configured(bucket.attributes.get("grant")),
    )];
    let split = ctx.referencing(bucket, BUCKET_ACL, "bucket");
    exposures.extend(split.definite.iter().map(|acl| split_acl_exposure(acl)));
    let mut unknown = split.unresolved;
    let mut exposed = None;
    for exposure in exposures {
        match exposure {
            Tri::Known(Some(what)) => {
                exposed = Some(what);
                break;
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    match (exposed, public_acls_ignored(ctx, bucket)) {
        (_, Tri::Known(true)) => Tri::Known(None),
        (Some(what), Tri::Known(false)) => Tri::Known(Some(what)),
        (None, _) if !unknown => Tri::Known(None),
        _ => Tri::Unknown,
    }
}

/// No ACL (the bucket's own, or an `aws_s3_bucket_acl`) makes the bucket public,
/// unless the bucket ignores public ACLs. Runs on both resource types so the finding
/// points at the ACL that does it.
fn check_public_acl(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let (exposure, attribute, ignored) = if resource.resource_type() == BUCKET_ACL {
        let exposure = split_acl_exposure(resource);
        let attribute = match Tri::str(resource.attributes.get("acl")) {
            Tri::Known(canned) if PUBLIC_CANNED_ACLS.contains(&canned) => "acl",
            _ => "access_control_policy",
        };
        let ignored = match bucket_of(ctx, resource) {
            Tri::Known(Some(bucket)) => public_acls_ignored(ctx, bucket),
            // The bucket is not in this change: only an account-wide setting is visible.
            Tri::Known(None) => account_setting(ctx, IGNORE_PUBLIC_ACLS.attribute),
            _ => Tri::Unknown,
        };
        (exposure, attribute, ignored)
    } else {
        let exposure = acl_exposure(
            configured(resource.attributes.get("acl")),
            configured(resource.attributes.get("grant")),
        );
        let attribute = match Tri::str(resource.attributes.get("acl")) {
            Tri::Known(canned) if PUBLIC_CANNED_ACLS.contains(&canned) => "acl",
            _ => "grant",
        };
        (exposure, attribute, public_acls_ignored(ctx, resource))
    };
    match (exposure, ignored) {
        (Tri::Known(None), _) | (_, Tri::Known(true)) => {}
        (Tri::Known(Some(what)), Tri::Known(false)) => out.fail(
            format!(
                "`{}` makes the bucket public through {what}, and the bucket does not ignore public ACLs",
                resource.address
            ),
            Some(attribute),
        ),
        _ => out.cannot_tell("the bucket's ACL or public access block is known only after apply"),
    }
}

// ---------------------------------------------------------------------------------
// Server access logging
// ---------------------------------------------------------------------------------

/// Whether the bucket sends server access logs somewhere: an inline `logging` block
/// with a target, or an `aws_s3_bucket_logging` for it. A target that is known only
/// after apply (`aws_s3_bucket.logs.id`) still means logging is on.
pub(super) fn access_logging(ctx: &Context<'_>, bucket: &Resource) -> Tri<bool> {
    let inline = configured(bucket.attributes.get("logging"));
    let mut result = if Tri::value(inline).is_unknown() {
        Tri::Unknown
    } else {
        Tri::any(blocks(inline).into_iter().map(|logging| {
            match Tri::str(logging.get("target_bucket")) {
                Tri::Known(target) => Tri::Known(!target.is_empty()),
                Tri::Unknown => Tri::Known(true),
                Tri::Missing => Tri::Known(false),
            }
        }))
    };
    let split = ctx.referencing(bucket, BUCKET_LOGGING, "bucket");
    if !split.definite.is_empty() {
        return Tri::Known(true);
    }
    if split.unresolved {
        result = Tri::any([result, Tri::Unknown]);
    }
    result
}

/// Whether a bucket policy document (JSON) lets the S3 logging service put objects.
fn policy_allows_log_delivery(json: &str) -> Tri<bool> {
    let Ok(document) = serde_json::from_str::<serde_json::Value>(json) else {
        return Tri::Known(false);
    };
    let as_list = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match document.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(single @ serde_json::Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    Tri::Known(statements.into_iter().any(|statement| {
        let allow = statement
            .get("Effect")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
        let logging_service = as_list(statement.get("Principal").and_then(|p| p.get("Service")))
            .iter()
            .any(|s| s == "logging.s3.amazonaws.com");
        let put = as_list(statement.get("Action"))
            .iter()
            .any(|a| is_put_object_action(a));
        allow && logging_service && put
    }))
}

fn is_put_object_action(action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    action == "s3:putobject" || action == "s3:*" || action == "*"
}

/// The same for an `aws_iam_policy_document` data source the policy refers to.
fn policy_document_allows_log_delivery(document: &Resource) -> Tri<bool> {
    if document
        .attributes
        .get("statement")
        .is_some_and(Value::is_unknown)
    {
        return Tri::Unknown;
    }
    Tri::any(document.blocks("statement").into_iter().map(|statement| {
        let allow = match Tri::str(statement.get("effect")).or_default_value("Allow") {
            Tri::Known(effect) => Tri::Known(effect == "Allow"),
            _ => Tri::Unknown,
        };
        let service = Tri::any(blocks(statement.get("principals")).into_iter().map(|p| {
            Tri::and(
                match Tri::str(p.get("type")) {
                    Tri::Known(t) => Tri::Known(t == "Service"),
                    Tri::Unknown => Tri::Unknown,
                    Tri::Missing => Tri::Known(false),
                },
                || contains_string(p.get("identifiers"), |i| i == "logging.s3.amazonaws.com"),
            )
        }));
        let put = contains_string(statement.get("actions"), is_put_object_action);
        Tri::and(Tri::and(allow, || service), || put)
    }))
}

/// A bucket policy value (`policy` of the bucket or of an `aws_s3_bucket_policy`).
fn policy_value_allows_log_delivery(
    ctx: &Context<'_>,
    from: &Resource,
    policy: Option<&Value>,
) -> Tri<bool> {
    match Tri::value(policy) {
        Tri::Known(Value::String(json)) => policy_allows_log_delivery(json),
        Tri::Missing => Tri::Known(false),
        Tri::Known(_) => Tri::Unknown,
        Tri::Unknown => match ctx.resolve(from, policy) {
            Some(document) if document.resource_type() == "aws_iam_policy_document" => {
                policy_document_allows_log_delivery(document)
            }
            _ => Tri::Unknown,
        },
    }
}

/// Whether the bucket receives S3 server access logs: the `log-delivery-write` ACL, a
/// WRITE grant to the LogDelivery group, a bucket policy allowing the logging service
/// to put objects, or another bucket's logging configuration naming it as target. Such
/// buckets are exempt from logging to themselves and from SSE-KMS (unsupported there).
fn is_log_bucket(ctx: &Context<'_>, bucket: &Resource) -> Tri<bool> {
    let canned = |acl: Option<&Value>| match Tri::str(acl) {
        Tri::Known(canned) => Tri::Known(canned == "log-delivery-write"),
        Tri::Unknown => Tri::Unknown,
        Tri::Missing => Tri::Known(false),
    };
    let log_grant = |grants: Option<&Value>| {
        if Tri::value(grants).is_unknown() {
            return Tri::Unknown;
        }
        Tri::any(
            blocks(grants)
                .into_iter()
                .map(|grant| match grantee_uri(grant) {
                    Tri::Known(LOG_DELIVERY) => grants_permission(grant, &["WRITE"]),
                    Tri::Unknown => Tri::Unknown,
                    _ => Tri::Known(false),
                }),
        )
    };
    let mut signals = vec![
        canned(configured(bucket.attributes.get("acl"))),
        log_grant(configured(bucket.attributes.get("grant"))),
        policy_value_allows_log_delivery(ctx, bucket, configured(bucket.attributes.get("policy"))),
    ];
    let acls = ctx.referencing(bucket, BUCKET_ACL, "bucket");
    for acl in &acls.definite {
        signals.push(canned(configured(acl.attributes.get("acl"))));
        let policy = configured(acl.attributes.get("access_control_policy"));
        if Tri::value(policy).is_unknown() {
            signals.push(Tri::Unknown);
        }
        for body in blocks(policy) {
            signals.push(log_grant(body.get("grant")));
        }
    }
    let policies = ctx.referencing(bucket, BUCKET_POLICY, "bucket");
    for policy in &policies.definite {
        signals.push(policy_value_allows_log_delivery(
            ctx,
            policy,
            policy.attributes.get("policy"),
        ));
    }
    if acls.unresolved || policies.unresolved {
        signals.push(Tri::Unknown);
    }
    signals.push(Tri::Known(is_logging_target(ctx, bucket)));
    Tri::any(signals)
}

/// Whether another bucket's server access logging (`aws_s3_bucket_logging` or an
/// inline `logging` block) names this bucket as `target_bucket`. A target known only
/// after apply is not counted either way: it would leave nearly every bucket
/// undecided.
fn is_logging_target(ctx: &Context<'_>, bucket: &Resource) -> bool {
    let targets = ctx.memo("s3.logging_targets", || {
        let mut names = std::collections::HashSet::new();
        for logging in ctx.of_type(BUCKET_LOGGING) {
            names.extend(ctx.names_in(logging, logging.attributes.get("target_bucket")));
        }
        for other in ctx.of_type(BUCKET) {
            for block in blocks(configured(other.attributes.get("logging"))) {
                names.extend(ctx.names_in(other, block.get("target_bucket")));
            }
        }
        names
    });
    ctx.is_named_by(bucket, &targets)
}

/// The first default-encryption algorithm of the bucket that is SSE-KMS (`aws:kms`,
/// `aws:kms:dsse`), inline or in a split configuration; `Unknown` when an algorithm
/// is not known statically.
fn kms_default_encryption(ctx: &Context<'_>, bucket: &Resource) -> Tri<String> {
    let inline = configured(
        bucket
            .attributes
            .get("server_side_encryption_configuration"),
    );
    let split = ctx.referencing(
        bucket,
        "aws_s3_bucket_server_side_encryption_configuration",
        "bucket",
    );
    let configurations = blocks(inline).into_iter().chain(
        split
            .definite
            .iter()
            .map(|c| -> &ValueMap { &c.attributes }),
    );
    let mut algorithms = Vec::new();
    for configuration in configurations {
        if Tri::value(configuration.get("rule")).is_unknown() {
            algorithms.push(Tri::Unknown);
        }
        for rule in blocks(configuration.get("rule")) {
            let by_default = rule.get("apply_server_side_encryption_by_default");
            if Tri::value(by_default).is_unknown() {
                algorithms.push(Tri::Unknown);
            }
            for default in blocks(by_default) {
                algorithms.push(
                    Tri::str(default.get("sse_algorithm"))
                        .and_then(|a| Tri::Known(a.starts_with("aws:kms")).then(|| a.to_owned())),
                );
            }
        }
    }
    if Tri::value(inline).is_unknown() || split.unresolved {
        algorithms.push(Tri::Unknown);
    }
    Tri::first(algorithms)
}

/// A bucket that receives server access logs must not default to SSE-KMS: S3 does
/// not deliver the logs.
fn check_log_target_kms(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if !is_logging_target(ctx, bucket) {
        return;
    }
    match kms_default_encryption(ctx, bucket) {
        Tri::Known(algorithm) => out.fail(
            format!(
                "bucket `{}` receives S3 server access logs but defaults to `{algorithm}` encryption, so S3 does not deliver the logs",
                bucket.address
            ),
            Some("server_side_encryption_configuration"),
        ),
        Tri::Unknown => out.cannot_tell(
            "the default encryption of a bucket that receives server access logs is known only after apply",
        ),
        Tri::Missing => {}
    }
}

/// Server access logging is on, unless the bucket is itself a log destination.
fn check_access_logging(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let logging = access_logging(ctx, bucket);
    if logging == Tri::Known(true) {
        return;
    }
    let exempt = is_log_bucket(ctx, bucket);
    match (logging, exempt) {
        (_, Tri::Known(true)) => {}
        (Tri::Known(false), Tri::Known(false)) => out.fail(
            format!(
                "bucket `{}` does not have server access logging enabled",
                bucket.address
            ),
            Some("logging"),
        ),
        _ => out.cannot_tell(
            "the bucket's logging configuration, ACL or policy is known only after apply",
        ),
    }
}

// ---------------------------------------------------------------------------------
// Customer managed keys
// ---------------------------------------------------------------------------------

/// Whether one server-side encryption configuration body uses a customer managed key:
/// `aws:kms`/`aws:kms:dsse` with a `kms_master_key_id` that is not an AWS managed
/// alias. `aws:kms` without a key id uses the AWS managed `aws/s3` key.
fn uses_customer_key(ctx: &Context<'_>, from: &Resource, configuration: &ValueMap) -> Tri<bool> {
    if configuration.get("rule").is_some_and(Value::is_unknown) {
        return Tri::Unknown;
    }
    Tri::any(
        blocks(configuration.get("rule"))
            .into_iter()
            .flat_map(|rule| {
                let by_default = rule.get("apply_server_side_encryption_by_default");
                let unknown = by_default.is_some_and(Value::is_unknown);
                blocks(by_default)
                    .into_iter()
                    .map(|default| {
                        let kms = match Tri::str(default.get("sse_algorithm")) {
                            Tri::Known(algorithm) => Tri::Known(algorithm.starts_with("aws:kms")),
                            Tri::Unknown => Tri::Unknown,
                            Tri::Missing => Tri::Known(false),
                        };
                        let key = match kms_key(ctx, from, default.get("kms_master_key_id")) {
                            Tri::Known(KeyKind::Customer) => Tri::Known(true),
                            Tri::Known(KeyKind::AwsManaged) | Tri::Missing => Tri::Known(false),
                            Tri::Unknown => Tri::Unknown,
                        };
                        Tri::and(kms, || key)
                    })
                    .chain(unknown.then_some(Tri::Unknown))
                    .collect::<Vec<_>>()
            }),
    )
}

/// Default encryption uses a customer managed KMS key (inline or split configuration),
/// except on buckets that receive server access logs.
fn check_customer_key(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let inline = configured(
        bucket
            .attributes
            .get("server_side_encryption_configuration"),
    );
    let mut signals = vec![if Tri::value(inline).is_unknown() {
        Tri::Unknown
    } else {
        Tri::Known(false)
    }];
    signals.extend(
        blocks(inline)
            .into_iter()
            .map(|c| uses_customer_key(ctx, bucket, c)),
    );
    let split = ctx.referencing(
        bucket,
        "aws_s3_bucket_server_side_encryption_configuration",
        "bucket",
    );
    signals.extend(
        split
            .definite
            .iter()
            .map(|c| uses_customer_key(ctx, c, &c.attributes)),
    );
    if split.unresolved {
        signals.push(Tri::Unknown);
    }
    let customer_key = Tri::any(signals);
    if customer_key == Tri::Known(true) {
        return;
    }
    match (customer_key, is_log_bucket(ctx, bucket)) {
        (_, Tri::Known(true)) => {}
        (Tri::Known(false), Tri::Known(false)) => out.fail(
            format!(
                "bucket `{}` is not encrypted by default with a customer managed KMS key",
                bucket.address
            ),
            Some("server_side_encryption_configuration"),
        ),
        _ => {
            out.cannot_tell("the bucket's encryption key, ACL or policy is known only after apply")
        }
    }
}

// ---------------------------------------------------------------------------------
// MFA delete
// ---------------------------------------------------------------------------------

/// A bucket with versioning enabled requires MFA to delete versions. Buckets without
/// versioning are left to the versioning rule: MFA delete protects version history.
fn check_mfa_delete(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let inline = configured(bucket.attributes.get("versioning"));
    let split = ctx.referencing(bucket, "aws_s3_bucket_versioning", "bucket");
    let mut enabled = vec![if Tri::value(inline).is_unknown() {
        Tri::Unknown
    } else {
        Tri::Known(false)
    }];
    let mut mfa = enabled.clone();
    for versioning in blocks(inline) {
        enabled.push(Tri::bool(versioning.get("enabled")).or_default_value(false));
        mfa.push(Tri::bool(versioning.get("mfa_delete")).or_default_value(false));
    }
    for resource in &split.definite {
        let status = |path: &str| match Tri::str(lookup(&resource.attributes, path)) {
            Tri::Known(status) => Tri::Known(status == "Enabled"),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(false),
        };
        enabled.push(status("versioning_configuration.0.status"));
        mfa.push(status("versioning_configuration.0.mfa_delete"));
    }
    if split.unresolved {
        enabled.push(Tri::Unknown);
        mfa.push(Tri::Unknown);
    }
    match (Tri::any(enabled), Tri::any(mfa)) {
        (Tri::Known(false), _) | (_, Tri::Known(true)) => {}
        (Tri::Known(true), Tri::Known(false)) => out.fail(
            format!(
                "bucket `{}` has versioning enabled without MFA delete",
                bucket.address
            ),
            Some("versioning"),
        ),
        _ => out.cannot_tell("the bucket's versioning configuration is known only after apply"),
    }
}

// ---------------------------------------------------------------------------------
// Object-level (data event) logging by CloudTrail
// ---------------------------------------------------------------------------------

/// Which object-level API calls a rule wants logged.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DataEvents {
    Read,
    Write,
}

impl DataEvents {
    fn name(self) -> &'static str {
        match self {
            DataEvents::Read => "read",
            DataEvents::Write => "write",
        }
    }
}

/// `arn:aws:s3` (or `arn:aws:s3:::`, in any partition): every bucket of the account.
fn is_all_buckets(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() >= 3
        && parts[0] == "arn"
        && parts[2] == "s3"
        && (parts.len() == 3 || (parts.len() == 6 && parts[3..].iter().all(|p| p.is_empty())))
}

/// The object prefix of an S3 ARN (`arn:aws:s3:::bucket/` → `bucket/`).
fn s3_resource(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    rest.strip_prefix("s3:::")
}

/// Whether a data resource value covers every object of `bucket`: all buckets, or
/// exactly `arn:aws:s3:::NAME/` (a longer prefix covers only part of the bucket).
fn value_covers_bucket(bucket: &Resource, value: &Value) -> Tri<bool> {
    let relative = format!("{}.{}", bucket.address.resource_type, bucket.address.name);
    match Tri::value(Some(value)) {
        Tri::Known(Value::String(arn)) => {
            if is_all_buckets(arn) {
                return Tri::Known(true);
            }
            let Some(object) = s3_resource(arn) else {
                return Tri::Known(false);
            };
            match Tri::str(bucket.attributes.get("bucket")) {
                Tri::Known(name) => Tri::Known(object == format!("{name}/")),
                // A name chosen at apply time could be the one named here.
                Tri::Unknown => Tri::Unknown,
                Tri::Missing => match Tri::str(bucket.attributes.get("bucket_prefix")) {
                    Tri::Known(prefix) if !object.starts_with(prefix) => Tri::Known(false),
                    Tri::Known(_) | Tri::Unknown => Tri::Unknown,
                    // AWS generates a random name nothing here can have named.
                    Tri::Missing => Tri::Known(false),
                },
            }
        }
        Tri::Unknown => {
            let Value::Unknown(unknown) = value else {
                return Tri::Unknown;
            };
            if let Some(expression) = &unknown.expression {
                let text: String = expression
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '"')
                    .collect();
                let whole_bucket = ["bucket", "id"].iter().any(|attr| {
                    text.starts_with("arn:")
                        && text.ends_with(&format!(":s3:::${{{relative}.{attr}}}/"))
                }) || text == format!("${{{relative}.arn}}/");
                if whole_bucket {
                    return Tri::Known(true);
                }
            }
            // Built only from other resources' attributes: another bucket's ARN. Anything
            // else (variables, locals, or this bucket with a longer prefix) cannot be told.
            let others_only = !unknown.references.is_empty()
                && unknown.references.iter().all(|r| {
                    r.starts_with("aws_")
                        && r != &relative
                        && !r.starts_with(&format!("{relative}."))
                        && !r.starts_with(&format!("{relative}["))
                });
            if others_only {
                Tri::Known(false)
            } else {
                Tri::Unknown
            }
        }
        _ => Tri::Known(false),
    }
}

/// A classic `event_selector`: read/write type and `AWS::S3::Object` data resources.
fn event_selector_covers(bucket: &Resource, selector: &ValueMap, events: DataEvents) -> Tri<bool> {
    let read_write = match Tri::str(selector.get("read_write_type")).or_default_value("All") {
        Tri::Known(kind) => Tri::Known(
            kind == "All"
                || (events == DataEvents::Read && kind == "ReadOnly")
                || (events == DataEvents::Write && kind == "WriteOnly"),
        ),
        _ => Tri::Unknown,
    };
    let resources = selector.get("data_resource");
    let covered = if Tri::value(resources).is_unknown() {
        Tri::Unknown
    } else {
        Tri::any(blocks(resources).into_iter().map(|resource| {
            let object_type = match Tri::str(resource.get("type")) {
                Tri::Known(t) => Tri::Known(t == "AWS::S3::Object"),
                Tri::Unknown => Tri::Unknown,
                Tri::Missing => Tri::Known(false),
            };
            let values = match Tri::list(resource.get("values")) {
                Tri::Known(values) => {
                    Tri::any(values.iter().map(|v| value_covers_bucket(bucket, v)))
                }
                Tri::Unknown => Tri::Unknown,
                Tri::Missing => Tri::Known(false),
            };
            Tri::and(object_type, || values)
        }))
    };
    Tri::and(read_write, || covered)
}

/// An `advanced_event_selector`: data events (`eventCategory = Data`) on
/// `AWS::S3::Object`, for the wanted `readOnly` side, with no ARN restriction or an
/// ARN `starts_with` that covers the whole bucket. Any other field narrows the
/// selector to some events, which is not full coverage.
fn advanced_selector_covers(
    bucket: &Resource,
    selector: &ValueMap,
    events: DataEvents,
) -> Tri<bool> {
    if selector
        .get("field_selector")
        .is_some_and(Value::is_unknown)
    {
        return Tri::Unknown;
    }
    let mut data = Tri::Known(false);
    let mut objects = Tri::Known(false);
    let mut side = Tri::Known(true);
    let mut arn = Tri::Known(true);
    for field in blocks(selector.get("field_selector")) {
        let equals = |wanted: &str| contains_string(field.get("equals"), |v| v == wanted);
        match Tri::str(field.get("field")) {
            Tri::Known("eventCategory") => data = equals("Data"),
            Tri::Known("resources.type") => objects = equals("AWS::S3::Object"),
            Tri::Known("readOnly") => {
                side = equals(match events {
                    DataEvents::Read => "true",
                    DataEvents::Write => "false",
                });
            }
            Tri::Known("resources.ARN") => {
                arn = match Tri::str(bucket.attributes.get("bucket")) {
                    Tri::Known(name) => {
                        let whole = format!("arn:aws:s3:::{name}/");
                        let narrowing = [
                            "equals",
                            "not_equals",
                            "ends_with",
                            "not_ends_with",
                            "not_starts_with",
                        ]
                        .iter()
                        .any(|k| Tri::value(field.get(k)) != Tri::Missing);
                        if narrowing {
                            Tri::Known(false)
                        } else {
                            contains_string(field.get("starts_with"), |p| whole.starts_with(p))
                        }
                    }
                    _ => Tri::Unknown,
                };
            }
            Tri::Known(_) => arn = Tri::Known(false),
            Tri::Unknown => arn = Tri::Unknown,
            Tri::Missing => {}
        }
    }
    Tri::all([data, objects, side, arn])
}

/// Whether one trail logs object-level `events` for every object of `bucket`.
fn trail_covers(bucket: &Resource, trail: &Resource, events: DataEvents) -> Tri<bool> {
    let logging = Tri::bool(trail.attributes.get("enable_logging")).or_default_value(true);
    let classic = trail.attributes.get("event_selector");
    let advanced = trail.attributes.get("advanced_event_selector");
    let mut signals: Vec<Tri<bool>> = [classic, advanced]
        .iter()
        .filter(|v| Tri::value(**v).is_unknown())
        .map(|_| Tri::Unknown)
        .collect();
    signals.extend(
        blocks(classic)
            .into_iter()
            .map(|s| event_selector_covers(bucket, s, events)),
    );
    signals.extend(
        blocks(advanced)
            .into_iter()
            .map(|s| advanced_selector_covers(bucket, s, events)),
    );
    Tri::and(logging, || Tri::any(signals))
}

/// Some CloudTrail trail in the change logs object-level `events` for the bucket.
fn check_object_logging(
    bucket: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    events: DataEvents,
) {
    let covered = Tri::any(
        ctx.of_type("aws_cloudtrail")
            .iter()
            .filter(|t| is_managed(t))
            .map(|trail| trail_covers(bucket, trail, events)),
    );
    match covered {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell(format!(
            "whether a trail logs object-level {} events for the bucket is known only after apply",
            events.name()
        )),
        _ => out.fail(
            format!(
                "no CloudTrail trail in this change logs object-level {} events for bucket `{}`",
                events.name(),
                bucket.address
            ),
            None,
        ),
    }
}

/// Object-level write events (PutObject, DeleteObject, …) are logged.
fn check_object_write_logging(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_object_logging(bucket, ctx, out, DataEvents::Write);
}

/// Object-level read events (GetObject, …) are logged.
fn check_object_read_logging(bucket: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_object_logging(bucket, ctx, out, DataEvents::Read);
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::*;

    const PLAN: &str = r#"{
      "format_version": "1.2",
      "resource_changes": [
        {"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data",
         "provider_name": "registry.terraform.io/hashicorp/aws",
         "change": {"actions": ["create"], "before": null,
           "after": {"bucket": "data-bucket", "force_destroy": false, "tags": null},
           "after_unknown": {"id": true, "arn": true, "acl": true, "grant": true, "logging": true,
                             "policy": true, "server_side_encryption_configuration": true, "versioning": true}}},
        {"address": "aws_s3_bucket_public_access_block.data", "mode": "managed",
         "type": "aws_s3_bucket_public_access_block", "name": "data",
         "provider_name": "registry.terraform.io/hashicorp/aws",
         "change": {"actions": ["create"], "before": null,
           "after": {"block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": false},
           "after_unknown": {"id": true, "bucket": true, "block_public_acls": true}}}
      ],
      "configuration": {"root_module": {"resources": [
        {"address": "aws_s3_bucket_public_access_block.data",
         "expressions": {"bucket": {"references": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]},
                         "block_public_acls": {"references": ["var.block_acls"]}}}
      ]}}
    }"#;

    /// S3 does not deliver server access logs to a bucket that defaults to SSE-KMS;
    /// SSE-S3 targets, and KMS buckets nobody logs to, are fine.
    #[test]
    fn a_log_target_bucket_cannot_default_to_sse_kms() {
        let review = hcl(r#"
resource "aws_s3_bucket" "app" { bucket = "app" }
resource "aws_s3_bucket_logging" "app" {
  bucket        = aws_s3_bucket.app.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "app/"
}
resource "aws_s3_bucket" "logs" { bucket = "logs" }
resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}
resource "aws_s3_bucket" "legacy" {
  bucket = "legacy"
  logging { target_bucket = aws_s3_bucket.legacy_logs.id }
}
resource "aws_s3_bucket" "legacy_logs" {
  bucket = "legacy-logs"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default { sse_algorithm = "AES256" }
    }
  }
}
resource "aws_s3_bucket" "data" {
  bucket = "data"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default { sse_algorithm = "aws:kms:dsse" }
    }
  }
}
"#);
        assert_eq!(
            messages(&review, "RG-AWS-S3-030"),
            [
                "bucket `aws_s3_bucket.logs` receives S3 server access logs but defaults to `aws:kms` encryption, so S3 does not deliver the logs"
            ]
        );
        // Since January 2023 a bucket without configuration is SSE-S3 encrypted: the
        // finding says so instead of calling it unencrypted.
        assert_eq!(
            messages(&review, "RG-AWS-S3-003"),
            [
                "bucket `aws_s3_bucket.app` declares no default encryption, so S3 applies SSE-S3 with an AWS owned key",
                "bucket `aws_s3_bucket.legacy` declares no default encryption, so S3 applies SSE-S3 with an AWS owned key",
            ]
        );
    }

    #[test]
    fn plan_links_the_block_to_the_bucket_and_reads_unknown_settings_as_undecided() {
        let review = review_of("plan.json", PLAN);
        // The block refers to the bucket through an after-apply `bucket`: the bucket
        // itself has a block, so only the block's own settings count.
        assert!(flagged(&review, "RG-AWS-S3-001").is_empty());
        assert_eq!(
            flagged(&review, "RG-AWS-S3-008"),
            ["aws_s3_bucket_public_access_block.data"]
        );
        assert!(flagged(&review, "RG-AWS-S3-007").is_empty());
        // `block_public_acls` comes from a variable whose value is known after apply.
        assert!(flagged(&review, "RG-AWS-S3-005").is_empty());
        assert_eq!(
            undecided(&review, "RG-AWS-S3-005"),
            ["aws_s3_bucket_public_access_block.data"]
        );
    }

    #[test]
    fn plan_reads_unconfigured_computed_bucket_attributes_as_missing() {
        let review = review_of("plan.json", PLAN);
        // `logging`, `acl` and the encryption configuration are provider-computed and
        // not configured: no access logging, no public ACL, no customer managed key.
        assert_eq!(flagged(&review, "RG-AWS-S3-009"), ["aws_s3_bucket.data"]);
        assert!(flagged(&review, "RG-AWS-S3-002").is_empty());
        assert!(undecided(&review, "RG-AWS-S3-002").is_empty());
        assert_eq!(flagged(&review, "RG-AWS-S3-010"), ["aws_s3_bucket.data"]);
    }

    #[test]
    fn account_level_block_satisfies_every_bucket() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_s3_account_public_access_block" "all" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket" "b" {
  bucket = "b"
  acl    = "public-read"
}
"#,
        );
        for rule in [
            "RG-AWS-S3-001",
            "RG-AWS-S3-002",
            "RG-AWS-S3-005",
            "RG-AWS-S3-006",
            "RG-AWS-S3-007",
            "RG-AWS-S3-008",
        ] {
            assert!(flagged(&review, rule).is_empty(), "{rule}");
            assert!(undecided(&review, rule).is_empty(), "{rule}");
        }
    }

    #[test]
    fn public_acls_count_unless_ignored() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_s3_bucket" "open" { bucket = "open" }
resource "aws_s3_bucket_acl" "open" {
  bucket = aws_s3_bucket.open.id
  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "READ"
    }
    owner { id = "abc" }
  }
}
resource "aws_s3_bucket" "ignored" {
  bucket = "ignored"
  acl    = "public-read-write"
}
resource "aws_s3_bucket_public_access_block" "ignored" {
  bucket             = aws_s3_bucket.ignored.id
  ignore_public_acls = true
}
resource "aws_s3_bucket" "only_blocked" {
  bucket = "only-blocked"
  acl    = "authenticated-read"
}
resource "aws_s3_bucket_public_access_block" "only_blocked" {
  bucket            = "only-blocked"
  block_public_acls = true
}
resource "aws_s3_bucket" "unknown" {
  bucket = "unknown"
  acl    = var.acl
}
"#,
        );
        assert_eq!(
            flagged(&review, "RG-AWS-S3-002"),
            ["aws_s3_bucket_acl.open", "aws_s3_bucket.only_blocked"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-S3-002"),
            ["aws_s3_bucket.unknown"]
        );
    }

    #[test]
    fn log_destination_buckets_are_exempt_from_logging_and_cmk() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_s3_bucket" "app" { bucket = "app" }
resource "aws_s3_bucket_logging" "app" {
  bucket        = aws_s3_bucket.app.id
  target_bucket = aws_s3_bucket.logs.id
}
resource "aws_s3_bucket" "logs" { bucket = "logs" }
resource "aws_s3_bucket" "by_policy" { bucket = "by-policy" }
resource "aws_s3_bucket_policy" "by_policy" {
  bucket = aws_s3_bucket.by_policy.id
  policy = data.aws_iam_policy_document.logging.json
}
data "aws_iam_policy_document" "logging" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::by-policy/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
  }
}
resource "aws_s3_bucket" "opaque" { bucket = "opaque" }
resource "aws_s3_bucket_policy" "opaque" {
  bucket = aws_s3_bucket.opaque.id
  policy = var.policy
}
"#,
        );
        assert!(flagged(&review, "RG-AWS-S3-009").is_empty());
        assert_eq!(
            undecided(&review, "RG-AWS-S3-009"),
            ["aws_s3_bucket.opaque"]
        );
        assert_eq!(flagged(&review, "RG-AWS-S3-010"), ["aws_s3_bucket.app"]);
        assert_eq!(
            undecided(&review, "RG-AWS-S3-010"),
            ["aws_s3_bucket.opaque"]
        );
    }

    #[test]
    fn customer_key_tells_aws_managed_aliases_apart() {
        let review = review_of(
            "main.tf",
            r#"
data "aws_kms_alias" "s3" { name = "alias/aws/s3" }
resource "aws_s3_bucket" "aws_managed" { bucket = "a" }
resource "aws_s3_bucket_server_side_encryption_configuration" "aws_managed" {
  bucket = aws_s3_bucket.aws_managed.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = data.aws_kms_alias.s3.target_key_arn
    }
  }
}
resource "aws_s3_bucket" "default_key" { bucket = "b" }
resource "aws_s3_bucket_server_side_encryption_configuration" "default_key" {
  bucket = aws_s3_bucket.default_key.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}
resource "aws_s3_bucket" "variable" { bucket = "c" }
resource "aws_s3_bucket_server_side_encryption_configuration" "variable" {
  bucket = aws_s3_bucket.variable.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.key
    }
  }
}
"#,
        );
        assert_eq!(
            flagged(&review, "RG-AWS-S3-010"),
            ["aws_s3_bucket.aws_managed", "aws_s3_bucket.default_key"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-S3-010"),
            ["aws_s3_bucket.variable"]
        );
    }

    #[test]
    fn mfa_delete_applies_to_versioned_buckets() {
        let review = review_of(
            "main.tf",
            r#"
resource "aws_s3_bucket" "unversioned" { bucket = "a" }
resource "aws_s3_bucket" "inline" {
  bucket = "b"
  versioning {
    enabled    = true
    mfa_delete = true
  }
}
resource "aws_s3_bucket" "split" { bucket = "c" }
resource "aws_s3_bucket_versioning" "split" {
  bucket = aws_s3_bucket.split.id
  versioning_configuration { status = "Enabled" }
}
"#,
        );
        assert_eq!(flagged(&review, "RG-AWS-S3-011"), ["aws_s3_bucket.split"]);
    }

    #[test]
    fn object_logging_follows_classic_and_advanced_selectors() {
        let review = change_of(
            "main.tf",
            r#"
resource "aws_s3_bucket" "named" { bucket = "named" }
resource "aws_s3_bucket" "by_arn" { bucket = "by-arn" }
resource "aws_s3_bucket" "computed" { bucket = var.name }
resource "aws_cloudtrail" "classic" {
  name           = "classic"
  s3_bucket_name = "trail"
  event_selector {
    read_write_type = "WriteOnly"
    data_resource {
      type   = "AWS::S3::Object"
      values = ["arn:aws:s3:::named/", "${aws_s3_bucket.by_arn.arn}/", "arn:aws:s3:::other/"]
    }
  }
}
resource "aws_cloudtrail" "advanced" {
  name           = "advanced"
  s3_bucket_name = "trail"
  advanced_event_selector {
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::S3::Object"]
    }
    field_selector {
      field  = "readOnly"
      equals = ["true"]
    }
    field_selector {
      field       = "resources.ARN"
      starts_with = ["arn:aws:s3:::named/"]
    }
  }
}
"#,
        );
        // Writes: the classic selector names `named` and `by_arn`; `other/` might be
        // the computed bucket's name.
        assert_eq!(flagged(&review, "RG-AWS-S3-012"), Vec::<String>::new());
        assert_eq!(
            undecided(&review, "RG-AWS-S3-012"),
            ["aws_s3_bucket.computed"]
        );
        // Reads: only the advanced selector, for `named`.
        assert_eq!(flagged(&review, "RG-AWS-S3-013"), ["aws_s3_bucket.by_arn"]);
        assert_eq!(
            undecided(&review, "RG-AWS-S3-013"),
            ["aws_s3_bucket.computed"]
        );
    }
}
