//! Streaming services beyond the checks in `data_stores.rs` (MSK at-rest key, MSK
//! plaintext listeners, MSK broker logs, Kinesis stream encryption): Firehose
//! encryption, who may connect to an MSK cluster and from where, and which key
//! encrypts Kinesis data and video streams.

use super::controls::{CUSTOMER_KEY, ENCRYPTION_AT_REST, Frameworks, NETWORK_BOUNDARY};
use super::data_stores::at;
use super::kms::{KeyKind, kms_key};
use super::settings::{require_customer_key, require_on};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{known_blocks, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::ValueMap;

// Not shared with nonrelational.rs's AUTHENTICATION, which adds HIPAA 164.312(d).
/// Clients must authenticate.
const AUTHENTICATION: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.2.1"]),
    ("nist-800-53-r5", &["IA-2", "AC-3"]),
    ("nist-csf-2.0", &["PR.AA-03"]),
];
pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-FH-001",
            title: "Firehose delivery stream does not encrypt buffered data",
            severity: Severity::Medium,
            description: "A Direct PUT delivery stream buffers records before delivering them; without `server_side_encryption { enabled = true }` (the default is off) the buffer is not encrypted with KMS. Streams reading from a Kinesis data stream or MSK are not checked: their records are encrypted by the source and Firehose rejects server-side encryption for them.",
            remediation: "Add `server_side_encryption { enabled = true key_type = \"CUSTOMER_MANAGED_CMK\" key_arn = aws_kms_key.firehose.arn }`.",
            aliases: &["CKV_AWS_240"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_kinesis_firehose_delivery_stream"],
        },
        check: check_firehose_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-FH-002",
            title: "Firehose delivery stream is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Server-side encryption with `key_type = \"AWS_OWNED_CMK\"` (the default) uses a key AWS owns, which the account can neither restrict nor audit. (A stream without server-side encryption is RG-AWS-FH-001's finding.)",
            remediation: "Set `key_type = \"CUSTOMER_MANAGED_CMK\"` and `key_arn` to a customer-managed `aws_kms_key` in `server_side_encryption`.",
            aliases: &["CKV_AWS_241"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_kinesis_firehose_delivery_stream"],
        },
        check: check_firehose_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MSK-004",
            title: "MSK cluster allows unauthenticated clients",
            severity: Severity::High,
            description: "A cluster without `client_authentication`, or with `unauthenticated = true`, or with neither SASL (IAM, SCRAM) nor TLS client certificates, lets any client that reaches a broker produce and consume every topic; Kafka ACLs cannot name an anonymous client.",
            remediation: "Add `client_authentication { sasl { iam = true } }` (or SCRAM, or `tls { certificate_authority_arns = [...] }`) and leave `unauthenticated` unset or false.",
            aliases: &[],
            frameworks: AUTHENTICATION,
            resource_types: &["aws_msk_cluster"],
        },
        check: check_msk_authentication,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MSK-005",
            title: "MSK brokers are reachable from the internet",
            severity: Severity::High,
            description: "`public_access { type = \"SERVICE_PROVIDED_EIPS\" }` gives every broker a public IP address: the cluster is then guarded only by its client authentication and security groups. The default is `DISABLED`.",
            remediation: "Set `connectivity_info.public_access.type = \"DISABLED\"` and reach the cluster through the VPC, a VPC connection or PrivateLink.",
            aliases: &["CKV_AWS_291"],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_msk_cluster"],
        },
        check: check_msk_public_access,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KIN-002",
            title: "Kinesis stream is encrypted with the AWS-managed key",
            severity: Severity::Medium,
            description: "A stream encrypted with `alias/aws/kinesis` uses a key whose policy the account cannot restrict: every principal with Kinesis read access can decrypt. (An unencrypted stream is RG-AWS-KIN-001's finding.)",
            remediation: "Set `kms_key_id` to a customer-managed `aws_kms_key` (its ARN, id or alias).",
            aliases: &[],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_kinesis_stream"],
        },
        check: check_kinesis_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KIN-003",
            title: "Kinesis video stream is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_id` a video stream is encrypted with the AWS-managed `aws/kinesisvideo` key, whose policy the account cannot restrict.",
            remediation: "Set `kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["CKV_AWS_177"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_kinesis_video_stream"],
        },
        check: check_video_stream_customer_key,
    },
];

// ==================================================================== Firehose

/// Whether the stream reads from a Kinesis data stream or MSK, which rules out
/// server-side encryption.
fn reads_from_a_stream(stream: &Resource) -> Tri<bool> {
    let has = |name: &str| match known_blocks(stream.attributes.get(name)) {
        Some(blocks) => Tri::Known(!blocks.is_empty()),
        None => Tri::Unknown,
    };
    Tri::any([
        has("kinesis_source_configuration"),
        has("msk_source_configuration"),
    ])
}

/// The `server_side_encryption` block and whether it is enabled; `None` when the
/// rule has nothing to say (a stream source) or already said "cannot tell".
fn firehose_encryption<'r>(
    stream: &'r Resource,
    out: &mut Verdicts,
) -> Option<(Option<&'r ValueMap>, Tri<bool>)> {
    match reads_from_a_stream(stream) {
        Tri::Known(true) => return None,
        Tri::Unknown => {
            out.cannot_tell("the stream's source is generated dynamically");
            return None;
        }
        _ => {}
    }
    match single_block(stream.attributes.get("server_side_encryption")) {
        Tri::Known(block) => Some((Some(block), Tri::bool(block.get("enabled")))),
        Tri::Missing => Some((None, Tri::Missing)),
        Tri::Unknown => {
            out.cannot_tell("`server_side_encryption` is generated dynamically");
            None
        }
    }
}

fn check_firehose_encryption(stream: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some((_, enabled)) = firehose_encryption(stream, out) else {
        return;
    };
    require_on(
        stream,
        out,
        enabled,
        false,
        "server_side_encryption.0.enabled",
        "does not encrypt its buffered records",
    );
}

fn check_firehose_customer_key(stream: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let Some((block, enabled)) = firehose_encryption(stream, out) else {
        return;
    };
    let block = match (block, enabled) {
        (Some(block), Tri::Known(true)) => block,
        (_, Tri::Unknown) => {
            out.cannot_tell("`server_side_encryption.enabled` is known only after apply");
            return;
        }
        _ => return,
    };
    match Tri::str(block.get("key_type")) {
        Tri::Known("CUSTOMER_MANAGED_CMK") => require_customer_key(
            stream,
            ctx,
            out,
            block.get("key_arn"),
            "server_side_encryption.0.key_arn",
            "nothing: Firehose rejects `CUSTOMER_MANAGED_CMK` without `key_arn`",
        ),
        Tri::Unknown => out.cannot_tell("`server_side_encryption.key_type` is known only after apply"),
        Tri::Known(other) => out.fail(
            format!(
                "`{}` encrypts with a key AWS owns (`key_type = \"{other}\"`)",
                stream.address
            ),
            at(stream, &["server_side_encryption.0.key_type", "server_side_encryption"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` encrypts with a key AWS owns (`key_type` is not set and defaults to `AWS_OWNED_CMK`)",
                stream.address
            ),
            at(stream, &["server_side_encryption"]),
        ),
    }
}

// ========================================================================= MSK

/// Whether a `client_authentication` block enables some authentication: SASL/IAM,
/// SASL/SCRAM or TLS client certificates.
fn authenticates(block: &ValueMap) -> Tri<bool> {
    let sasl = match single_block(block.get("sasl")) {
        Tri::Known(sasl) => Tri::any([Tri::bool(sasl.get("iam")), Tri::bool(sasl.get("scram"))]),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    let tls = match single_block(block.get("tls")) {
        Tri::Known(tls) => match Tri::list(tls.get("certificate_authority_arns")) {
            Tri::Known(arns) => Tri::Known(!arns.is_empty()),
            Tri::Missing => Tri::Known(false),
            Tri::Unknown => Tri::Unknown,
        },
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    Tri::any([sasl, tls])
}

fn check_msk_authentication(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let block = match single_block(cluster.attributes.get("client_authentication")) {
        Tri::Known(block) => block,
        Tri::Missing => {
            out.fail(
                format!(
                    "`{}` lets clients connect without authentication (no `client_authentication` block)",
                    cluster.address
                ),
                None,
            );
            return;
        }
        Tri::Unknown => {
            out.cannot_tell("`client_authentication` is generated dynamically");
            return;
        }
    };
    match Tri::bool(block.get("unauthenticated")) {
        Tri::Known(true) => {
            out.fail(
                format!(
                    "`{}` lets clients connect without authentication (`unauthenticated = true`)",
                    cluster.address
                ),
                at(
                    cluster,
                    &[
                        "client_authentication.0.unauthenticated",
                        "client_authentication",
                    ],
                ),
            );
            return;
        }
        Tri::Unknown => {
            out.cannot_tell("`client_authentication.unauthenticated` is known only after apply");
            return;
        }
        _ => {}
    }
    match authenticates(block) {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("the cluster's SASL or TLS authentication is known only after apply")
        }
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "`{}` enables no client authentication (neither SASL nor TLS certificates)",
                cluster.address
            ),
            at(cluster, &["client_authentication"]),
        ),
    }
}

fn check_msk_public_access(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let access = single_block(cluster.attributes.get("broker_node_group_info"))
        .and_then(|info| single_block(info.get("connectivity_info")))
        .and_then(|connectivity| single_block(connectivity.get("public_access")))
        .and_then(|public| Tri::str(public.get("type")));
    match access {
        Tri::Known("SERVICE_PROVIDED_EIPS") => out.fail(
            format!(
                "`{}` gives its brokers public IP addresses (`public_access.type = \"SERVICE_PROVIDED_EIPS\"`)",
                cluster.address
            ),
            at(cluster, &["broker_node_group_info"]),
        ),
        Tri::Unknown => out.cannot_tell("`public_access.type` is known only after apply"),
        Tri::Known(_) | Tri::Missing => {}
    }
}

// ===================================================================== Kinesis

fn check_kinesis_customer_key(stream: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(stream.attributes.get("encryption_type")) {
        Tri::Known("KMS") => {}
        Tri::Unknown => {
            out.cannot_tell("`encryption_type` is known only after apply");
            return;
        }
        _ => return,
    }
    match kms_key(ctx, stream, stream.attributes.get("kms_key_id")) {
        Tri::Known(KeyKind::AwsManaged) => out.fail(
            format!(
                "`{}` is encrypted with the AWS-managed `alias/aws/kinesis` key",
                stream.address
            ),
            at(stream, &["kms_key_id"]),
        ),
        Tri::Unknown => out.cannot_tell("`kms_key_id` is known only after apply"),
        Tri::Known(KeyKind::Customer) | Tri::Missing => {}
    }
}

fn check_video_stream_customer_key(stream: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        stream,
        ctx,
        out,
        stream.attributes.get("kms_key_id"),
        "kms_key_id",
        "the AWS-managed `aws/kinesisvideo` key",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn firehose_encryption_and_key() {
        let r = hcl(r#"
resource "aws_kms_key" "firehose" {}
resource "aws_kinesis_firehose_delivery_stream" "plain" {
  name        = "a"
  destination = "extended_s3"
}
resource "aws_kinesis_firehose_delivery_stream" "aws_owned" {
  name        = "b"
  destination = "extended_s3"
  server_side_encryption {
    enabled = true
  }
}
resource "aws_kinesis_firehose_delivery_stream" "customer" {
  name        = "c"
  destination = "extended_s3"
  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.firehose.arn
  }
}
resource "aws_kinesis_firehose_delivery_stream" "from_stream" {
  name        = "d"
  destination = "extended_s3"
  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.source.arn
    role_arn           = aws_iam_role.firehose.arn
  }
}
resource "aws_kinesis_firehose_delivery_stream" "variable" {
  name        = "e"
  destination = "extended_s3"
  server_side_encryption {
    enabled = var.sse
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-FH-001"),
            ["aws_kinesis_firehose_delivery_stream.plain"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-FH-001"),
            ["aws_kinesis_firehose_delivery_stream.variable"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-FH-002"),
            ["aws_kinesis_firehose_delivery_stream.aws_owned"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-FH-002"),
            ["aws_kinesis_firehose_delivery_stream.variable"]
        );
    }

    #[test]
    fn msk_clients_must_authenticate() {
        let r = hcl(r#"
resource "aws_msk_cluster" "none" {
  cluster_name = "a"
}
resource "aws_msk_cluster" "anonymous" {
  cluster_name = "b"
  client_authentication {
    unauthenticated = true
    sasl {
      iam = true
    }
  }
}
resource "aws_msk_cluster" "iam" {
  cluster_name = "c"
  client_authentication {
    sasl {
      iam = true
    }
  }
}
resource "aws_msk_cluster" "empty" {
  cluster_name = "d"
  client_authentication {
    sasl {
      iam = false
    }
  }
}
resource "aws_msk_cluster" "variable" {
  cluster_name = "e"
  client_authentication {
    sasl {
      scram = var.scram
    }
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-MSK-004"),
            [
                "aws_msk_cluster.none",
                "aws_msk_cluster.anonymous",
                "aws_msk_cluster.empty"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-MSK-004"),
            ["aws_msk_cluster.variable"]
        );
    }

    #[test]
    fn msk_public_brokers_fail() {
        let r = hcl(r#"
resource "aws_msk_cluster" "public" {
  cluster_name = "a"
  broker_node_group_info {
    instance_type = "kafka.m5.large"
    connectivity_info {
      public_access {
        type = "SERVICE_PROVIDED_EIPS"
      }
    }
  }
}
resource "aws_msk_cluster" "private" {
  cluster_name = "b"
  broker_node_group_info {
    instance_type = "kafka.m5.large"
  }
}
resource "aws_msk_cluster" "variable" {
  cluster_name = "c"
  broker_node_group_info {
    instance_type = "kafka.m5.large"
    connectivity_info {
      public_access {
        type = var.access
      }
    }
  }
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-MSK-005"), ["aws_msk_cluster.public"]);
        assert_eq!(
            undecided(&r, "RG-AWS-MSK-005"),
            ["aws_msk_cluster.variable"]
        );
    }

    #[test]
    fn kinesis_keys_must_be_customer_managed() {
        let r = hcl(r#"
resource "aws_kms_key" "stream" {}
resource "aws_kinesis_stream" "managed" {
  name            = "a"
  encryption_type = "KMS"
  kms_key_id      = "alias/aws/kinesis"
}
resource "aws_kinesis_stream" "customer" {
  name            = "b"
  encryption_type = "KMS"
  kms_key_id      = aws_kms_key.stream.arn
}
resource "aws_kinesis_stream" "plain" {
  name = "c"
}
resource "aws_kinesis_video_stream" "default" {
  name = "d"
}
resource "aws_kinesis_video_stream" "customer" {
  name       = "e"
  kms_key_id = aws_kms_key.stream.arn
}
resource "aws_kinesis_video_stream" "variable" {
  name       = "f"
  kms_key_id = var.key
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-KIN-002"),
            ["aws_kinesis_stream.managed"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-KIN-003"),
            ["aws_kinesis_video_stream.default"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-KIN-003"),
            ["aws_kinesis_video_stream.variable"]
        );
    }
}
