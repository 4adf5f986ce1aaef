//! S3 buckets: encryption, versioning, logging, public access.
//!
//! AWS provider v4+ splits bucket settings into their own resources
//! (`aws_s3_bucket_versioning`, `aws_s3_bucket_server_side_encryption_configuration`,
//! …) that point back at the bucket; every rule here accepts both the inline block
//! and the split resource.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::context::{blocks, lookup};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-S3-003",
            title: "S3 bucket has no default encryption",
            severity: Severity::High,
            description: "Objects written without server-side encryption are stored in plaintext unless every client encrypts them. Default encryption makes every new object encrypted at rest.",
            remediation: "Add an `aws_s3_bucket_server_side_encryption_configuration` (or the inline `server_side_encryption_configuration` block) with `sse_algorithm` set to `aws:kms` or `AES256`.",
            aliases: &["AWS-0088", "AVD-AWS-0088", "CKV_AWS_19", "CKV_AWS_145"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-3.2.1", &["3.4"]),
                ("hipaa", &["164.312(a)(2)(iv)"]),
                ("nist-800-53-r5", &["SC-28"]),
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
            frameworks: &[("soc2", &["A1.2"]), ("nist-800-53-r5", &["CP-9"])],
            resource_types: &["aws_s3_bucket"],
        },
        check: check_bucket_versioning,
    },
];

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
                "bucket `{}` has no default server-side encryption",
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
