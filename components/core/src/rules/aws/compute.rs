//! Compute: EC2 instances, launch configurations and templates, EBS volumes, EKS
//! clusters, Lambda functions, ECS clusters and task definitions, ECR repositories.
//!
//! Several settings here have an account-level default that a change can declare
//! next to the resources (`aws_ebs_encryption_by_default`, `aws_ebs_default_kms_key`,
//! `aws_ec2_instance_metadata_defaults`, `aws_ecs_account_setting_default`,
//! `aws_ecr_registry_scanning_configuration`): when a resource leaves the setting
//! unset, the rules consult those before applying the provider's insecure default.
//!
//! The secret rules (user data, Lambda environment, ECS container definitions) look
//! for hard-coded literals only: a value that comes from a variable, a resource or a
//! secret store is not what they are about. They ask the secret detector
//! ([`crate::secrets::hard_coded_in_script`], [`crate::secrets::hard_coded_value`]),
//! the same one the RG-SECRET rules use. Their messages name the variable, never the
//! value.

use super::kms::{KeyKind, kms_key};
use crate::finding::Severity;
use crate::hcl::{Partial, Piece};
use crate::resource::Resource;
use crate::rules::values::{is_managed, known_blocks};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::secrets::{hard_coded_in_script, hard_coded_value};
use crate::value::{Value, ValueMap};

// Not `controls::ENCRYPTION_AT_REST`: EBS encryption is also CIS AWS 3.0 2.2.1.
const ENCRYPTION_AT_REST: &[(&str, &[&str])] = &[
    ("cis-aws-3.0", &["2.2.1"]),
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.5.1"]),
    ("hipaa", &["164.312(a)(2)(iv)"]),
    ("nist-800-53-r5", &["SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

// Not `controls::CUSTOMER_KEY`: no PCI DSS mapping for these rules.
const CUSTOMER_KEY: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("nist-800-53-r5", &["SC-12", "SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

const HARD_CODED_SECRETS: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.3.2", "8.6.2"]),
    ("nist-800-53-r5", &["IA-5(7)"]),
    ("nist-csf-2.0", &["PR.AA-01"]),
];

const IMDS_V2: &[(&str, &[&str])] = &[
    ("cis-aws-3.0", &["5.6"]),
    ("nist-800-53-r5", &["AC-3", "AC-6"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

// Not `controls::PUBLIC_NETWORK`: no PCI DSS mapping for these rules.
const PUBLIC_NETWORK: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.6"]),
    ("nist-800-53-r5", &["AC-4", "SC-7"]),
    ("nist-csf-2.0", &["PR.IR-01"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    // ----- EC2 -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-030",
            title: "EC2 instance does not require IMDSv2",
            severity: Severity::High,
            description: "With IMDSv1 allowed, any request the instance can be tricked into making (SSRF, an open proxy) can read the instance role's credentials from the metadata service. IMDSv2 requires a session token that such requests cannot obtain. An instance that leaves `http_tokens` unset gets \"optional\" unless an account-level default (`aws_ec2_instance_metadata_defaults`) or its launch template says otherwise.",
            remediation: "Set `metadata_options { http_tokens = \"required\" }` on the instance (or in its launch template), or disable the endpoint with `http_endpoint = \"disabled\"` if the instance does not use it.",
            aliases: &["AWS-0028", "AVD-AWS-0028", "CKV_AWS_79"],
            frameworks: IMDS_V2,
            resource_types: &["aws_instance"],
        },
        check: check_instance_imds,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-031",
            title: "Launch template or configuration does not require IMDSv2",
            severity: Severity::High,
            description: "Every instance launched from a launch template or launch configuration that allows IMDSv1 exposes its role credentials to SSRF through the metadata service. Unset `http_tokens` means \"optional\" unless an account-level default requires tokens.",
            remediation: "Add `metadata_options { http_tokens = \"required\" }` (or `http_endpoint = \"disabled\"`).",
            aliases: &["AWS-0130", "AVD-AWS-0130", "CKV_AWS_79"],
            frameworks: IMDS_V2,
            resource_types: &["aws_launch_template", "aws_launch_configuration"],
        },
        check: check_launch_imds,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-032",
            title: "EC2 instance has an unencrypted block device",
            severity: Severity::High,
            description: "Root and EBS block devices are created unencrypted unless `encrypted = true` is set, the volume is restored from an encrypted snapshot, or EBS encryption by default is enabled for the account. An omitted `root_block_device` leaves the root volume as unencrypted as the AMI's.",
            remediation: "Set `encrypted = true` in `root_block_device` and every `ebs_block_device`, or enable account-wide encryption with `aws_ebs_encryption_by_default`.",
            aliases: &["AWS-0131", "AVD-AWS-0131", "CKV_AWS_8"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_instance"],
        },
        check: check_instance_block_devices,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-033",
            title: "Launch configuration or template has an unencrypted block device",
            severity: Severity::High,
            description: "Every instance launched from this configuration gets unencrypted volumes: a block device without `encrypted = true` (and not restored from a snapshot) is unencrypted unless EBS encryption by default is enabled for the account. A launch configuration without `root_block_device` keeps the AMI's unencrypted root volume.",
            remediation: "Set `encrypted = true` on the `root_block_device`/`ebs_block_device` blocks (launch configuration) or `ebs { encrypted = \"true\" }` in `block_device_mappings` (launch template), or enable `aws_ebs_encryption_by_default`.",
            aliases: &["AWS-0008", "AVD-AWS-0008", "CKV_AWS_8"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_launch_configuration", "aws_launch_template"],
        },
        check: check_launch_block_devices,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-034",
            title: "EBS volume is not encrypted",
            severity: Severity::High,
            description: "An EBS volume is unencrypted unless `encrypted = true` is set, it is restored from an encrypted snapshot, or EBS encryption by default is enabled for the account; its data and snapshots are then readable by anyone who gets access to them.",
            remediation: "Set `encrypted = true` (ideally with a customer managed `kms_key_id`), or enable `aws_ebs_encryption_by_default`.",
            aliases: &["AWS-0026", "AVD-AWS-0026", "CKV_AWS_3"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_ebs_volume"],
        },
        check: check_ebs_volume_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-035",
            title: "EBS volume is not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "Without `kms_key_id` an encrypted volume uses the AWS managed key `aws/ebs`, whose policy cannot be restricted, audited per use, or rotated on your schedule. An account default key (`aws_ebs_default_kms_key`) counts.",
            remediation: "Set `kms_key_id` to a customer managed `aws_kms_key`, or set an account default with `aws_ebs_default_kms_key`.",
            aliases: &["AWS-0027", "AVD-AWS-0027", "CKV_AWS_189"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_ebs_volume"],
        },
        check: check_ebs_volume_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-036",
            title: "Launch configuration or template assigns a public IP address",
            severity: Severity::High,
            description: "Instances launched with `associate_public_ip_address = true` are directly reachable from the internet, bypassing load balancers and NAT; only their security groups stand between them and the world.",
            remediation: "Set `associate_public_ip_address = false` (or remove it) and reach the instances through a load balancer, NAT gateway or SSM.",
            aliases: &["AWS-0009", "AVD-AWS-0009"],
            frameworks: PUBLIC_NETWORK,
            resource_types: &["aws_launch_configuration", "aws_launch_template"],
        },
        check: check_launch_public_ip,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-037",
            title: "EC2 instance user data contains a hard-coded secret",
            severity: Severity::Critical,
            description: "User data is readable by anyone who can describe the instance and from inside the instance through the metadata service, and it is kept in Terraform state. Access keys, passwords and tokens written into it are exposed.",
            remediation: "Fetch secrets at boot from Secrets Manager or SSM Parameter Store using the instance role, instead of writing them into `user_data`.",
            aliases: &["AWS-0029", "AVD-AWS-0029", "CKV_AWS_46"],
            frameworks: HARD_CODED_SECRETS,
            resource_types: &["aws_instance"],
        },
        check: check_user_data_secrets,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-038",
            title: "Launch template or configuration user data contains a hard-coded secret",
            severity: Severity::Critical,
            description: "User data of a launch template or configuration is readable by anyone who can describe it and by every instance launched from it through the metadata service. Access keys, passwords and tokens written into it are exposed.",
            remediation: "Fetch secrets at boot from Secrets Manager or SSM Parameter Store using the instance role, instead of writing them into `user_data`.",
            aliases: &["AWS-0129", "AVD-AWS-0129", "AWS-0122", "AVD-AWS-0122"],
            frameworks: HARD_CODED_SECRETS,
            resource_types: &["aws_launch_template", "aws_launch_configuration"],
        },
        check: check_user_data_secrets,
    },
    // ----- EKS -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EKS-001",
            title: "EKS cluster API endpoint is publicly accessible",
            severity: Severity::Critical,
            description: "`vpc_config.endpoint_public_access` defaults to true: the Kubernetes API server is reachable from the internet, and only authentication stands between an attacker and the control plane.",
            remediation: "Set `endpoint_public_access = false` and `endpoint_private_access = true`, and reach the API through the VPC (VPN, bastion, or CI runners inside it).",
            aliases: &["AWS-0040", "AVD-AWS-0040", "CKV_AWS_39"],
            frameworks: PUBLIC_NETWORK,
            resource_types: &["aws_eks_cluster"],
        },
        check: check_eks_public_access,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EKS-002",
            title: "EKS public API endpoint is open to the whole internet",
            severity: Severity::Critical,
            description: "When the public endpoint is enabled, `public_access_cidrs` defaults to 0.0.0.0/0: anyone can reach the Kubernetes API server. An empty list is the same as none: the provider does not send it and EKS applies the default (Amazon EKS User Guide, \"Cluster API server endpoint\"; AWS provider `aws_eks_cluster`, `vpc_config.public_access_cidrs`). Restricting it to known ranges shrinks the attack surface.",
            remediation: "Set `public_access_cidrs` to the ranges that need access, or disable the public endpoint.",
            aliases: &["AWS-0041", "AVD-AWS-0041", "CKV_AWS_38"],
            frameworks: PUBLIC_NETWORK,
            resource_types: &["aws_eks_cluster"],
        },
        check: check_eks_public_cidrs,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EKS-003",
            title: "EKS cluster does not encrypt Kubernetes secrets with KMS",
            severity: Severity::High,
            description: "Without envelope encryption, Kubernetes Secrets are stored in etcd protected only by the volume encryption; anyone with access to etcd or its backups reads them in plaintext.",
            remediation: "Add `encryption_config { resources = [\"secrets\"] provider { key_arn = aws_kms_key.eks.arn } }`.",
            aliases: &["AWS-0039", "AVD-AWS-0039", "CKV_AWS_58"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("hipaa", &["164.312(a)(2)(iv)"]),
                ("nist-800-53-r5", &["SC-12", "SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_eks_cluster"],
        },
        check: check_eks_secrets_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EKS-004",
            title: "EKS control plane logging is not enabled for every log type",
            severity: Severity::Medium,
            description: "Control plane logs (API server, audit, authenticator, controller manager, scheduler) are off by default; without them, actions against the cluster cannot be investigated.",
            remediation: "Set `enabled_cluster_log_types = [\"api\", \"audit\", \"authenticator\", \"controllerManager\", \"scheduler\"]`.",
            aliases: &["AWS-0038", "AVD-AWS-0038", "CKV_AWS_37"],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("hipaa", &["164.312(b)"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &["aws_eks_cluster"],
        },
        check: check_eks_control_plane_logging,
    },
    // ----- Lambda -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-001",
            title: "Lambda function does not have X-Ray tracing active",
            severity: Severity::Low,
            description: "`tracing_config.mode` defaults to PassThrough: the function records no traces of its own, so latency and errors across the services it calls cannot be followed.",
            remediation: "Add `tracing_config { mode = \"Active\" }` and allow the role `xray:PutTraceSegments`/`xray:PutTelemetryRecords`.",
            aliases: &["AWS-0066", "AVD-AWS-0066", "CKV_AWS_50"],
            frameworks: &[("soc2", &["CC7.2"]), ("nist-csf-2.0", &["DE.CM-09"])],
            resource_types: &["aws_lambda_function"],
        },
        check: check_lambda_tracing,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-002",
            title: "Lambda function has a plaintext secret in its environment variables",
            severity: Severity::Critical,
            description: "Lambda environment variables are shown in the console and returned by `GetFunctionConfiguration` to anyone with read access, and they are kept in Terraform state. A literal password, token or key in them is exposed.",
            remediation: "Store the secret in Secrets Manager or SSM Parameter Store and read it at run time (pass its ARN or name in the environment instead).",
            aliases: &["CKV_AWS_45"],
            frameworks: HARD_CODED_SECRETS,
            resource_types: &["aws_lambda_function"],
        },
        check: check_lambda_environment_secrets,
    },
    // ----- ECS -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-001",
            title: "ECS task definition has a plaintext secret in a container environment",
            severity: Severity::Critical,
            description: "Container `environment` values are stored in the task definition, visible to anyone who can describe it and kept in Terraform state. Secrets belong in the `secrets` list, which references Secrets Manager or SSM.",
            remediation: "Move the variable to the container's `secrets` list (`{ name = \"…\", valueFrom = <secret ARN> }`).",
            aliases: &["AWS-0036", "AVD-AWS-0036"],
            frameworks: HARD_CODED_SECRETS,
            resource_types: &["aws_ecs_task_definition"],
        },
        check: check_ecs_plaintext_secrets,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-002",
            title: "ECS cluster does not have Container Insights enabled",
            severity: Severity::Low,
            description: "Without Container Insights the cluster publishes no per-task and per-service CPU, memory, network and storage metrics, which leaves resource exhaustion and anomalous workloads unnoticed.",
            remediation: "Add `setting { name = \"containerInsights\" value = \"enabled\" }` (or set the account default with `aws_ecs_account_setting_default`).",
            aliases: &["AWS-0034", "AVD-AWS-0034", "CKV_AWS_65"],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["SI-4"]),
                ("nist-csf-2.0", &["DE.CM-09"]),
            ],
            resource_types: &["aws_ecs_cluster"],
        },
        check: check_ecs_container_insights,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-003",
            title: "ECS task definition mounts an EFS volume without in-transit encryption",
            severity: Severity::High,
            description: "`efs_volume_configuration.transit_encryption` defaults to DISABLED: file data travels between the task and EFS unencrypted.",
            remediation: "Set `transit_encryption = \"ENABLED\"` in every `efs_volume_configuration`.",
            aliases: &["AWS-0035", "AVD-AWS-0035", "CKV_AWS_97"],
            frameworks: &[
                ("soc2", &["CC6.7"]),
                ("pci-dss-4.0", &["4.2.1"]),
                ("hipaa", &["164.312(e)(1)"]),
                ("nist-800-53-r5", &["SC-8"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: &["aws_ecs_task_definition"],
        },
        check: check_ecs_efs_transit_encryption,
    },
    // ----- ECR -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECR-001",
            title: "ECR repository does not scan images on push",
            severity: Severity::High,
            description: "`image_scanning_configuration.scan_on_push` defaults to false: images with known vulnerabilities are pushed and deployed without anyone being told. A registry scanning configuration whose rule covers the repository counts.",
            remediation: "Add `image_scanning_configuration { scan_on_push = true }`, or an `aws_ecr_registry_scanning_configuration` rule that matches the repository.",
            aliases: &["AWS-0030", "AVD-AWS-0030", "CKV_AWS_163"],
            frameworks: &[
                ("soc2", &["CC7.1"]),
                ("nist-800-53-r5", &["RA-5"]),
                ("nist-csf-2.0", &["ID.RA-01"]),
            ],
            resource_types: &["aws_ecr_repository"],
        },
        check: check_ecr_image_scanning,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECR-002",
            title: "ECR repository image tags are mutable",
            severity: Severity::High,
            description: "`image_tag_mutability` defaults to MUTABLE: anyone who can push can replace the image behind an existing tag, so a deployment of `app:1.2.3` may silently run different code than was reviewed and scanned.",
            remediation: "Set `image_tag_mutability = \"IMMUTABLE\"`.",
            aliases: &["AWS-0031", "AVD-AWS-0031", "CKV_AWS_51"],
            frameworks: &[
                ("soc2", &["CC8.1"]),
                ("nist-800-53-r5", &["CM-8(1)"]),
                ("nist-csf-2.0", &["PR.PS-01"]),
            ],
            resource_types: &["aws_ecr_repository"],
        },
        check: check_ecr_immutable_tags,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECR-003",
            title: "ECR repository is not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "By default ECR encrypts with AES256 under an AWS owned key, and `encryption_type = \"KMS\"` without `kms_key` uses the AWS managed `aws/ecr` key; neither key's policy can be controlled or its use audited per repository.",
            remediation: "Add `encryption_configuration { encryption_type = \"KMS\" kms_key = aws_kms_key.ecr.arn }` (encryption settings can only be chosen when the repository is created).",
            aliases: &["AWS-0033", "AVD-AWS-0033"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_ecr_repository"],
        },
        check: check_ecr_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECR-004",
            title: "ECR repository policy allows public access",
            severity: Severity::High,
            description: "A repository policy statement that allows principal `*` lets any AWS account (or anonymous caller) perform its actions — pull private images, or push and delete them — unless a condition names the callers (a fixed `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`… with a matching operator, not `…IfExists` or `ForAllValues:`) or a `Deny` turns away everyone else. Source: ECR User Guide, \"Private repository policy examples\"; IAM User Guide, \"AWS global condition context keys\".",
            remediation: "Name the accounts or roles that need access in `Principal`, or restrict the statement with a condition such as `aws:PrincipalOrgID`.",
            aliases: &["AWS-0032", "AVD-AWS-0032", "CKV_AWS_32"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3", "AC-21"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_ecr_repository_policy"],
        },
        check: check_ecr_public_policy,
    },
];

// ====================================================================================
// Shared readers
// ====================================================================================

/// Whether EBS encryption by default is enabled by a resource of the change
/// (`aws_ebs_encryption_by_default`, whose `enabled` defaults to true).
fn ebs_encryption_by_default(ctx: &Context<'_>) -> Tri<bool> {
    Tri::any(
        ctx.of_type("aws_ebs_encryption_by_default")
            .iter()
            .filter(|r| is_managed(r))
            .map(|r| Tri::bool(r.attributes.get("enabled")).or_default_value(true)),
    )
}

/// Whether a volume whose `encrypted` is `explicit` ends up encrypted. A volume
/// restored from a snapshot inherits the snapshot's encryption, which is not
/// visible here; otherwise an unset flag means unencrypted unless the account
/// encrypts new volumes by default. An explicit `false` is reported as written.
fn volume_encrypted(
    explicit: Tri<bool>,
    from_snapshot: bool,
    account_default: Tri<bool>,
) -> Tri<bool> {
    match explicit {
        Tri::Known(encrypted) => Tri::Known(encrypted),
        Tri::Unknown => Tri::Unknown,
        Tri::Missing => match account_default {
            Tri::Known(true) => Tri::Known(true),
            _ if from_snapshot => Tri::Unknown,
            other => other,
        },
    }
}

/// True when a block device sets a snapshot to restore from (known or not).
fn has_snapshot(device: &ValueMap) -> bool {
    !matches!(Tri::non_empty_str(device.get("snapshot_id")), Tri::Missing)
}

/// Whether a key reference names a customer managed KMS key. Missing or empty
/// means the AWS managed default; an `alias/aws/…` alias is AWS managed; a
/// reference to an `aws_kms_key` (or its alias, or a replica) is customer managed;
/// a variable or a value known only after apply cannot be told.
pub(super) fn customer_key(ctx: &Context<'_>, from: &Resource, value: Option<&Value>) -> Tri<bool> {
    match kms_key(ctx, from, value) {
        Tri::Known(kind) => Tri::Known(kind == KeyKind::Customer),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    }
}

// ====================================================================================
// EC2: instance metadata service
// ====================================================================================

/// What a `metadata_options` block says about IMDSv2.
#[derive(Debug, PartialEq, Eq)]
enum Imds {
    /// Tokens required, or the endpoint disabled.
    Protected,
    /// `http_tokens` explicitly set to something other than "required".
    Optional,
    /// Not set: the account default (or "optional") applies.
    Unset,
    /// Depends on values not known statically.
    Unknown,
}

fn imds(options: Option<&Value>) -> Imds {
    let Some(bodies) = known_blocks(options) else {
        return Imds::Unknown;
    };
    let Some(options) = bodies.first() else {
        return Imds::Unset;
    };
    let endpoint = Tri::non_empty_str(options.get("http_endpoint"));
    if endpoint == Tri::Known("disabled") {
        return Imds::Protected;
    }
    match (
        Tri::non_empty_str(options.get("http_tokens")),
        endpoint.is_unknown(),
    ) {
        (Tri::Known("required"), _) => Imds::Protected,
        (Tri::Unknown, _) | (_, true) => Imds::Unknown,
        (Tri::Known(_), false) => Imds::Optional,
        (Tri::Missing, false) => Imds::Unset,
    }
}

/// Whether the account's instance metadata defaults (`aws_ec2_instance_metadata_defaults`)
/// require tokens or disable the endpoint for launches that do not say.
fn imds_account_default(ctx: &Context<'_>) -> Tri<bool> {
    Tri::any(
        ctx.of_type("aws_ec2_instance_metadata_defaults")
            .iter()
            .filter(|r| is_managed(r))
            .map(|r| {
                let tokens = Tri::non_empty_str(r.attributes.get("http_tokens"));
                let endpoint = Tri::non_empty_str(r.attributes.get("http_endpoint"));
                if tokens == Tri::Known("required") || endpoint == Tri::Known("disabled") {
                    Tri::Known(true)
                } else if tokens.is_unknown() || endpoint.is_unknown() {
                    Tri::Unknown
                } else {
                    Tri::Known(false)
                }
            }),
    )
}

/// Reports an IMDS verdict for a resource whose `metadata_options` gave `state`.
fn report_imds(
    resource: &Resource,
    ctx: &Context<'_>,
    state: Imds,
    what: &str,
    out: &mut Verdicts,
) {
    match state {
        Imds::Protected => {}
        Imds::Unknown => {
            out.cannot_tell("the metadata options depend on values known only after apply")
        }
        Imds::Optional => out.fail(
            format!(
                "{what} `{}` allows IMDSv1: `metadata_options.http_tokens` is not \"required\"",
                resource.address
            ),
            Some("metadata_options.0.http_tokens"),
        ),
        Imds::Unset => match imds_account_default(ctx) {
            Tri::Known(true) => {}
            Tri::Unknown => out.cannot_tell(
                "the account's instance metadata defaults depend on values known only after apply",
            ),
            _ => out.fail(
                format!(
                    "{what} `{}` does not require IMDSv2: `metadata_options.http_tokens` is not set and defaults to \"optional\"",
                    resource.address
                ),
                Some("metadata_options"),
            ),
        },
    }
}

/// IMDSv2 on an instance: its own `metadata_options`, else those of the launch
/// template it is launched from, else the account default.
fn check_instance_imds(instance: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let own = imds(instance.attributes.get("metadata_options"));
    if own != Imds::Unset {
        return report_imds(instance, ctx, own, "instance", out);
    }
    match launch_template_of(instance, ctx) {
        LaunchTemplate::None => report_imds(instance, ctx, own, "instance", out),
        LaunchTemplate::Unresolved => {
            out.cannot_tell("the instance's launch template is not part of this change")
        }
        LaunchTemplate::Resolved(template) => {
            // The template's own rule reports its settings; here only the outcome
            // for this instance matters.
            match imds(template.attributes.get("metadata_options")) {
                Imds::Protected => {}
                Imds::Unknown => out.cannot_tell(
                    "the launch template's metadata options depend on values known only after apply",
                ),
                inherited => report_imds(instance, ctx, inherited, "instance", out),
            }
        }
    }
}

/// IMDSv2 on a launch template or launch configuration.
fn check_launch_imds(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let what = launch_kind(resource);
    report_imds(
        resource,
        ctx,
        imds(resource.attributes.get("metadata_options")),
        what,
        out,
    );
}

fn launch_kind(resource: &Resource) -> &'static str {
    if resource.resource_type() == "aws_launch_template" {
        "launch template"
    } else {
        "launch configuration"
    }
}

/// The launch template an instance is launched from, if any.
enum LaunchTemplate<'a> {
    None,
    Unresolved,
    Resolved(&'a Resource),
}

fn launch_template_of<'a>(instance: &Resource, ctx: &Context<'a>) -> LaunchTemplate<'a> {
    let value = instance.attributes.get("launch_template");
    let Some(bodies) = known_blocks(value) else {
        return LaunchTemplate::Unresolved;
    };
    let Some(block) = bodies.first() else {
        return LaunchTemplate::None;
    };
    for key in ["id", "name"] {
        if let Some(target) = ctx.resolve(instance, block.get(key))
            && target.resource_type() == "aws_launch_template"
            && is_managed(target)
        {
            return LaunchTemplate::Resolved(target);
        }
        // A literal name or id: look for the template among the change's resources.
        if let Tri::Known(literal) = Tri::non_empty_str(block.get(key))
            && let Some(target) = ctx
                .of_type("aws_launch_template")
                .iter()
                .copied()
                .filter(|r| is_managed(r))
                .find(|r| {
                    ctx.refers_to(instance, Some(&Value::String(literal.into())), r)
                        == Tri::Known(true)
                })
        {
            return LaunchTemplate::Resolved(target);
        }
    }
    LaunchTemplate::Unresolved
}

// ====================================================================================
// EC2: block device encryption
// ====================================================================================

/// Root and EBS block devices of an instance. Without `root_block_device` the root
/// volume comes from the AMI (or the launch template), unencrypted unless the
/// account encrypts by default.
fn check_instance_block_devices(instance: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let account_default = ebs_encryption_by_default(ctx);
    let mut unknown = false;
    let Some(roots) = known_blocks(instance.attributes.get("root_block_device")) else {
        out.cannot_tell("the root block device depends on values known only after apply");
        return;
    };
    match roots.first() {
        Some(root) => match volume_encrypted(
            Tri::non_empty_bool(root.get("encrypted")),
            false,
            account_default,
        ) {
            Tri::Known(false) => out.fail(
                format!("instance `{}` has an unencrypted root block device", instance.address),
                Some(if root.contains_key("encrypted") {
                    "root_block_device.0.encrypted"
                } else {
                    "root_block_device"
                }),
            ),
            Tri::Unknown => unknown = true,
            _ => {}
        },
        None => match (account_default, launch_template_of(instance, ctx)) {
            (Tri::Known(true), _) => {}
            // The launch template's mappings (checked by their own rule) or the AMI decide.
            (_, LaunchTemplate::Resolved(_) | LaunchTemplate::Unresolved) | (Tri::Unknown, _) => {
                unknown = true
            }
            _ => out.fail(
                format!(
                    "instance `{}` does not encrypt its root volume: `root_block_device` is not set, so the root volume is as unencrypted as the AMI's",
                    instance.address
                ),
                Some("root_block_device"),
            ),
        },
    }
    match known_blocks(instance.attributes.get("ebs_block_device")) {
        None => unknown = true,
        Some(devices) => {
            for (i, device) in devices.iter().enumerate() {
                match volume_encrypted(
                    Tri::non_empty_bool(device.get("encrypted")),
                    has_snapshot(device),
                    account_default,
                ) {
                    Tri::Known(false) => out.fail(
                        format!(
                            "instance `{}` has an unencrypted EBS block device{}",
                            instance.address,
                            device_name(device)
                        ),
                        Some(&if device.contains_key("encrypted") {
                            format!("ebs_block_device.{i}.encrypted")
                        } else {
                            format!("ebs_block_device.{i}")
                        }),
                    ),
                    Tri::Unknown => unknown = true,
                    _ => {}
                }
            }
        }
    }
    if unknown {
        out.cannot_tell("the encryption of some block devices depends on values known only after apply or on the AMI");
    }
}

fn device_name(device: &ValueMap) -> String {
    match Tri::str(device.get("device_name")) {
        Tri::Known(name) => format!(" (`{name}`)"),
        _ => String::new(),
    }
}

/// Block devices of a launch configuration (root and EBS blocks, like an instance)
/// or a launch template (`block_device_mappings[].ebs`). A launch template that
/// declares no mappings leaves storage to the AMI and to whatever launches it.
fn check_launch_block_devices(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let account_default = ebs_encryption_by_default(ctx);
    let what = launch_kind(resource);
    let mut unknown = false;
    // Each device with the dotted path of its block, for the finding's line.
    let mut devices: Vec<(&ValueMap, String)> = Vec::new();
    if resource.resource_type() == "aws_launch_template" {
        match known_blocks(resource.attributes.get("block_device_mappings")) {
            None => unknown = true,
            Some(mappings) => {
                for (i, mapping) in mappings.iter().enumerate() {
                    match known_blocks(mapping.get("ebs")) {
                        None => unknown = true,
                        Some(ebs) => {
                            for (j, volume) in ebs.into_iter().enumerate() {
                                devices
                                    .push((volume, format!("block_device_mappings.{i}.ebs.{j}")));
                            }
                        }
                    }
                }
            }
        }
    } else {
        match known_blocks(resource.attributes.get("root_block_device")) {
            None => unknown = true,
            Some(roots) if roots.is_empty() => match account_default {
                Tri::Known(true) => {}
                Tri::Unknown => unknown = true,
                _ => out.fail(
                    format!(
                        "{what} `{}` does not encrypt the root volume: `root_block_device` is not set, so the root volume is as unencrypted as the AMI's",
                        resource.address
                    ),
                    Some("root_block_device"),
                ),
            },
            Some(roots) => {
                for (i, root) in roots.into_iter().enumerate() {
                    devices.push((root, format!("root_block_device.{i}")));
                }
            }
        }
        match known_blocks(resource.attributes.get("ebs_block_device")) {
            None => unknown = true,
            Some(ebs) => {
                for (i, device) in ebs.into_iter().enumerate() {
                    devices.push((device, format!("ebs_block_device.{i}")));
                }
            }
        }
    }
    for (device, path) in devices {
        match volume_encrypted(
            Tri::non_empty_bool(device.get("encrypted")),
            has_snapshot(device),
            account_default,
        ) {
            Tri::Known(false) => {
                let attribute = if device.contains_key("encrypted") {
                    format!("{path}.encrypted")
                } else {
                    path.clone()
                };
                out.fail(
                    format!(
                        "{what} `{}` has an unencrypted block device ({})",
                        resource.address,
                        path.split('.').next().unwrap_or_default()
                    ),
                    Some(&attribute),
                );
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell("the encryption of some block devices depends on values known only after apply or on a snapshot");
    }
}

/// An EBS volume is encrypted when it says so, when the account encrypts new volumes
/// by default, or (not visible here) when it is restored from an encrypted snapshot.
fn check_ebs_volume_encryption(volume: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let explicit = Tri::non_empty_bool(volume.attributes.get("encrypted"));
    let from_snapshot = has_snapshot(&volume.attributes);
    match volume_encrypted(explicit, from_snapshot, ebs_encryption_by_default(ctx)) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell(
            "the volume's encryption depends on a snapshot or on values known only after apply",
        ),
        _ => out.fail(
            format!(
                "EBS volume `{}` is not encrypted{}",
                volume.address,
                if explicit == Tri::Missing {
                    " (`encrypted` is not set and defaults to false)"
                } else {
                    ""
                }
            ),
            Some("encrypted"),
        ),
    }
}

/// The volume names a customer managed key, or the account sets one as the default
/// for encrypted volumes (`aws_ebs_default_kms_key`).
fn check_ebs_volume_customer_key(volume: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match customer_key(ctx, volume, volume.attributes.get("kms_key_id")) {
        Tri::Known(true) => return,
        Tri::Unknown => {
            out.cannot_tell("the volume's KMS key is not known statically");
            return;
        }
        Tri::Known(false) | Tri::Missing => {}
    }
    let explicit_key = Tri::non_empty_str(volume.attributes.get("kms_key_id")) != Tri::Missing;
    if !explicit_key {
        let account_key = Tri::any(
            ctx.of_type("aws_ebs_default_kms_key")
                .iter()
                .filter(|r| is_managed(r))
                .map(|r| customer_key(ctx, r, r.attributes.get("key_arn"))),
        );
        match account_key {
            Tri::Known(true) => return,
            Tri::Unknown => {
                out.cannot_tell("the account's default EBS key is not known statically");
                return;
            }
            _ => {}
        }
    }
    out.fail(
        format!(
            "EBS volume `{}` is not encrypted with a customer managed KMS key",
            volume.address
        ),
        Some("kms_key_id"),
    );
}

/// Launch configurations (`associate_public_ip_address`) and launch templates
/// (`network_interfaces[].associate_public_ip_address`) that assign a public IP.
/// Unset means the subnet decides, which is the subnet rule's business.
fn check_launch_public_ip(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let what = launch_kind(resource);
    let mut candidates: Vec<(Tri<bool>, String)> = Vec::new();
    if resource.resource_type() == "aws_launch_template" {
        match known_blocks(resource.attributes.get("network_interfaces")) {
            None => candidates.push((Tri::Unknown, String::new())),
            Some(interfaces) => {
                for (i, interface) in interfaces.iter().enumerate() {
                    candidates.push((
                        Tri::non_empty_bool(interface.get("associate_public_ip_address")),
                        format!("network_interfaces.{i}.associate_public_ip_address"),
                    ));
                }
            }
        }
    } else {
        candidates.push((
            Tri::non_empty_bool(resource.attributes.get("associate_public_ip_address")),
            "associate_public_ip_address".to_owned(),
        ));
    }
    let mut unknown = false;
    for (public, path) in candidates {
        match public {
            Tri::Known(true) => {
                return out.fail(
                    format!(
                        "{what} `{}` associates a public IP address with its instances",
                        resource.address
                    ),
                    Some(&path),
                );
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell(
            "whether a public IP is associated depends on values known only after apply",
        );
    }
}

// ====================================================================================
// EC2: user data secrets
// ====================================================================================

/// Scans `user_data` and `user_data_base64` for hard-coded secrets: AWS access key
/// ids, private keys, and assignments of literal values to secret-looking names
/// (`export DB_PASSWORD=…`, `password: …`). Launch templates require base64 user
/// data, plans show it as written (instances and launch configurations show a hash,
/// which holds nothing to find), so base64 text is decoded before scanning.
fn check_user_data_secrets(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let what = match resource.resource_type() {
        "aws_instance" => "instance",
        "aws_launch_template" => "launch template",
        _ => "launch configuration",
    };
    let mut unknown = false;
    for attribute in ["user_data", "user_data_base64"] {
        let value = resource.attributes.get(attribute);
        let found = match Tri::str(value) {
            Tri::Missing => continue,
            Tri::Known(text) => hard_coded_in_script(text),
            Tri::Unknown => match partial_template_of(value) {
                Some(text) => hard_coded_in_script(&text),
                None => {
                    unknown = true;
                    continue;
                }
            },
        };
        if let Some(what_found) = found {
            out.fail(
                format!(
                    "{what} `{}` has a hard-coded secret in `{attribute}`: {what_found}",
                    resource.address
                ),
                Some(attribute),
            );
            return;
        }
    }
    if unknown {
        out.cannot_tell("the user data is not known statically");
    }
}

// ====================================================================================
// EKS
// ====================================================================================

/// Whether the public endpoint is enabled (`endpoint_public_access`, default true).
fn eks_public_endpoint(cluster: &Resource) -> Option<Tri<bool>> {
    let configs = known_blocks(cluster.attributes.get("vpc_config"))?;
    Some(match configs.first() {
        Some(config) => {
            Tri::non_empty_bool(config.get("endpoint_public_access")).or_default_value(true)
        }
        None => Tri::Known(true),
    })
}

fn check_eks_public_access(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match eks_public_endpoint(cluster) {
        Some(Tri::Known(false)) => {}
        Some(Tri::Known(true)) => out.fail(
            format!(
                "EKS cluster `{}` has a public API endpoint (`vpc_config.endpoint_public_access` is true or unset)",
                cluster.address
            ),
            Some(
                if cluster
                    .attribute("vpc_config.0.endpoint_public_access")
                    .is_some()
                {
                    "vpc_config.0.endpoint_public_access"
                } else {
                    "vpc_config"
                },
            ),
        ),
        _ => out.cannot_tell("the endpoint access depends on values known only after apply"),
    }
}

/// The public endpoint, when enabled, must not be open to every address;
/// `public_access_cidrs` defaults to 0.0.0.0/0.
fn check_eks_public_cidrs(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match eks_public_endpoint(cluster) {
        Some(Tri::Known(false)) => return,
        Some(Tri::Known(true)) => {}
        _ => {
            out.cannot_tell("the endpoint access depends on values known only after apply");
            return;
        }
    }
    let cidrs = cluster.attribute("vpc_config.0.public_access_cidrs");
    let open = match Tri::list(cidrs) {
        // An empty set is not sent to EKS (the provider omits it), so the AWS default
        // applies: 0.0.0.0/0.
        Tri::Missing => Tri::Known(true),
        Tri::Known([]) => Tri::Known(true),
        Tri::Unknown => Tri::Unknown,
        Tri::Known(items) => Tri::any(items.iter().map(|cidr| match Tri::str(Some(cidr)) {
            Tri::Known(cidr) => Tri::Known(open_cidr(cidr)),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(false),
        })),
    };
    match open {
        Tri::Known(true) => out.fail(
            format!(
                "EKS cluster `{}` exposes its public API endpoint to 0.0.0.0/0{}",
                cluster.address,
                if Tri::list(cidrs).known().is_none_or(<[_]>::is_empty) {
                    " (`public_access_cidrs` is not set, so the AWS default applies)"
                } else {
                    ""
                }
            ),
            Some(if cidrs.is_some() {
                "vpc_config.0.public_access_cidrs"
            } else {
                "vpc_config"
            }),
        ),
        Tri::Unknown => {
            out.cannot_tell("the public access CIDRs depend on values known only after apply")
        }
        _ => {}
    }
}

fn open_cidr(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0")
}

/// An `encryption_config` must cover "secrets" and name a KMS key. Any key counts
/// (EKS itself rejects keys it cannot use), so a reference is enough.
fn check_eks_secrets_encryption(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(configs) = known_blocks(cluster.attributes.get("encryption_config")) else {
        out.cannot_tell("the encryption configuration depends on values known only after apply");
        return;
    };
    let covered = Tri::any(configs.iter().map(|config| {
        let secrets = match Tri::list(config.get("resources")) {
            Tri::Known(items) => Tri::any(items.iter().map(|r| match Tri::str(Some(r)) {
                Tri::Known(kind) => Tri::Known(kind == "secrets"),
                Tri::Unknown => Tri::Unknown,
                Tri::Missing => Tri::Known(false),
            })),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(false),
        };
        let key = match known_blocks(config.get("provider")) {
            None => Tri::Unknown,
            Some(providers) => {
                Tri::any(
                    providers
                        .iter()
                        .map(|p| match Tri::non_empty_str(p.get("key_arn")) {
                            Tri::Known(_) | Tri::Unknown => Tri::Known(true),
                            Tri::Missing => Tri::Known(false),
                        }),
                )
            }
        };
        secrets.and(|| key)
    }));
    match covered {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("the encryption configuration depends on values known only after apply")
        }
        _ => out.fail(
            format!(
                "EKS cluster `{}` does not encrypt Kubernetes secrets with a KMS key",
                cluster.address
            ),
            Some("encryption_config"),
        ),
    }
}

const EKS_LOG_TYPES: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/// Every control plane log type must be enabled; none is by default.
fn check_eks_control_plane_logging(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let value = cluster.attributes.get("enabled_cluster_log_types");
    let (enabled, unknown): (Vec<&str>, bool) = match Tri::list(value) {
        Tri::Missing => (Vec::new(), false),
        Tri::Unknown => (Vec::new(), true),
        Tri::Known(items) => {
            let mut unknown = false;
            let mut known = Vec::new();
            for item in items {
                match Tri::str(Some(item)) {
                    Tri::Known(kind) => known.push(kind),
                    Tri::Unknown => unknown = true,
                    Tri::Missing => {}
                }
            }
            (known, unknown)
        }
    };
    let missing: Vec<&str> = EKS_LOG_TYPES
        .iter()
        .copied()
        .filter(|kind| !enabled.contains(kind))
        .collect();
    if missing.is_empty() {
        return;
    }
    if unknown {
        out.cannot_tell("the enabled log types depend on values known only after apply");
        return;
    }
    out.fail(
        format!(
            "EKS cluster `{}` does not log these control plane components: {}",
            cluster.address,
            missing.join(", ")
        ),
        Some("enabled_cluster_log_types"),
    );
}

// ====================================================================================
// Lambda
// ====================================================================================

/// Tracing must be "Active"; unset means PassThrough.
fn check_lambda_tracing(function: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(configs) = known_blocks(function.attributes.get("tracing_config")) else {
        out.cannot_tell("the tracing configuration depends on values known only after apply");
        return;
    };
    let mode = configs.first().map_or(Tri::Missing, |config| {
        Tri::non_empty_str(config.get("mode"))
    });
    match mode {
        Tri::Known("Active") => {}
        Tri::Unknown => out.cannot_tell("the tracing mode depends on values known only after apply"),
        Tri::Known(other) => out.fail(
            format!(
                "Lambda function `{}` has X-Ray tracing mode \"{other}\" instead of \"Active\"",
                function.address
            ),
            Some("tracing_config.0.mode"),
        ),
        Tri::Missing => out.fail(
            format!(
                "Lambda function `{}` does not have X-Ray tracing active (`tracing_config.mode` defaults to PassThrough)",
                function.address
            ),
            Some("tracing_config"),
        ),
    }
}

/// Literal secret values in `environment.variables`. Values that are references
/// (variables, resources, secret stores) are not hard-coded and are skipped; a map
/// that is itself not known statically cannot be told.
fn check_lambda_environment_secrets(function: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(environments) = known_blocks(function.attributes.get("environment")) else {
        out.cannot_tell("the environment depends on values known only after apply");
        return;
    };
    let mut unknown = false;
    let mut found: Vec<String> = Vec::new();
    for (i, environment) in environments.iter().enumerate() {
        match Tri::value(environment.get("variables")) {
            Tri::Missing => {}
            Tri::Known(Value::Map(variables)) => {
                for (name, value) in variables.iter() {
                    if let Tri::Known(text) = Tri::str(Some(value))
                        && let Some(secret) = hard_coded_value(name, text)
                    {
                        found.push(secret.to_string());
                    }
                }
                if !found.is_empty() {
                    out.fail(
                        format!(
                            "Lambda function `{}` has plaintext secrets in its environment: {}",
                            function.address,
                            found.join(", ")
                        ),
                        Some(&format!("environment.{i}.variables")),
                    );
                    return;
                }
            }
            Tri::Known(_) | Tri::Unknown => unknown = true,
        }
    }
    if unknown {
        out.cannot_tell("the environment variables are not known statically");
    }
}

// ====================================================================================
// ECS
// ====================================================================================

/// Secret-looking names with literal values in any container's `environment`.
fn check_ecs_plaintext_secrets(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let value = task.attributes.get("container_definitions");
    let definitions = match Tri::str(value) {
        Tri::Missing => return,
        Tri::Known(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json) => json,
            Err(_) => {
                out.cannot_tell("`container_definitions` is not valid JSON");
                return;
            }
        },
        Tri::Unknown => match partial_json_of(value) {
            Some(json) => json,
            None => {
                out.cannot_tell("`container_definitions` is not known statically");
                return;
            }
        },
    };
    let found = container_environment_secrets(&definitions);
    if !found.is_empty() {
        out.fail(
            format!(
                "task definition `{}` has plaintext secrets in container environments: {}",
                task.address,
                found.join(", ")
            ),
            Some("container_definitions"),
        );
    }
}

fn container_environment_secrets(definitions: &serde_json::Value) -> Vec<String> {
    let containers = match definitions {
        serde_json::Value::Array(items) => items.as_slice(),
        single @ serde_json::Value::Object(_) => std::slice::from_ref(single),
        _ => &[],
    };
    let mut found = Vec::new();
    for container in containers {
        let container_name = container
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?");
        let Some(environment) = container
            .get("environment")
            .and_then(serde_json::Value::as_array)
        else {
            continue;
        };
        for variable in environment {
            let name = variable
                .get("name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            if let Some(value) = variable.get("value").and_then(serde_json::Value::as_str)
                && let Some(secret) = hard_coded_value(name, value)
            {
                found.push(format!("{secret} in container `{container_name}`"));
            }
        }
    }
    found
}

/// Container Insights on the cluster, or as the account default for clusters that
/// do not say.
fn check_ecs_container_insights(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(settings) = known_blocks(cluster.attributes.get("setting")) else {
        out.cannot_tell("the cluster settings depend on values known only after apply");
        return;
    };
    let mut unknown = false;
    for (i, setting) in settings.iter().enumerate() {
        match Tri::non_empty_str(setting.get("name")) {
            Tri::Known("containerInsights") => {}
            Tri::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        match Tri::non_empty_str(setting.get("value")) {
            Tri::Known(value) if insights_on(value) => return,
            Tri::Unknown => unknown = true,
            _ => {
                return out.fail(
                    format!(
                        "ECS cluster `{}` has Container Insights disabled",
                        cluster.address
                    ),
                    Some(&format!("setting.{i}.value")),
                );
            }
        }
    }
    if unknown {
        out.cannot_tell("the cluster settings depend on values known only after apply");
        return;
    }
    let account_default = Tri::any(
        ctx.of_type("aws_ecs_account_setting_default")
            .iter()
            .filter(|r| is_managed(r))
            .map(|r| match Tri::non_empty_str(r.attributes.get("name")) {
                Tri::Known("containerInsights") => {
                    match Tri::non_empty_str(r.attributes.get("value")) {
                        Tri::Known(value) => Tri::Known(insights_on(value)),
                        Tri::Unknown => Tri::Unknown,
                        Tri::Missing => Tri::Known(false),
                    }
                }
                Tri::Unknown => Tri::Unknown,
                _ => Tri::Known(false),
            }),
    );
    match account_default {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("the account's ECS settings depend on values known only after apply")
        }
        _ => out.fail(
            format!(
                "ECS cluster `{}` does not enable Container Insights",
                cluster.address
            ),
            Some("setting"),
        ),
    }
}

fn insights_on(value: &str) -> bool {
    matches!(value, "enabled" | "enhanced")
}

/// Every EFS volume of the task definition must use TLS.
fn check_ecs_efs_transit_encryption(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(volumes) = known_blocks(task.attributes.get("volume")) else {
        out.cannot_tell("the task's volumes depend on values known only after apply");
        return;
    };
    let mut unknown = false;
    for (i, volume) in volumes.iter().enumerate() {
        let Some(efs) = known_blocks(volume.get("efs_volume_configuration")) else {
            unknown = true;
            continue;
        };
        for (j, configuration) in efs.iter().enumerate() {
            match Tri::non_empty_str(configuration.get("transit_encryption")) {
                Tri::Known("ENABLED") => {}
                Tri::Unknown => unknown = true,
                explicit => {
                    let name = match Tri::str(volume.get("name")) {
                        Tri::Known(name) => format!(" `{name}`"),
                        _ => String::new(),
                    };
                    out.fail(
                        format!(
                            "task definition `{}` mounts EFS volume{name} without in-transit encryption",
                            task.address
                        ),
                        Some(&if explicit == Tri::Missing {
                            format!("volume.{i}.efs_volume_configuration.{j}")
                        } else {
                            format!("volume.{i}.efs_volume_configuration.{j}.transit_encryption")
                        }),
                    );
                }
            }
        }
    }
    if unknown {
        out.cannot_tell("the EFS volume configuration depends on values known only after apply");
    }
}

// ====================================================================================
// ECR
// ====================================================================================

/// Scan on push, or a registry scanning rule (basic or enhanced, on push or
/// continuous) whose filter matches the repository name.
fn check_ecr_image_scanning(repository: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(configs) = known_blocks(repository.attributes.get("image_scanning_configuration"))
    else {
        out.cannot_tell("the scanning configuration depends on values known only after apply");
        return;
    };
    let own = configs
        .first()
        .map_or(Tri::Missing, |c| Tri::non_empty_bool(c.get("scan_on_push")));
    match own {
        Tri::Known(true) => return,
        Tri::Unknown => {
            out.cannot_tell("`scan_on_push` depends on values known only after apply");
            return;
        }
        _ => {}
    }
    match registry_scans(repository, ctx) {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("the registry scanning rules depend on values known only after apply")
        }
        _ => out.fail(
            format!(
                "ECR repository `{}` does not scan images on push",
                repository.address
            ),
            Some(if own == Tri::Missing {
                "image_scanning_configuration"
            } else {
                "image_scanning_configuration.0.scan_on_push"
            }),
        ),
    }
}

/// Whether an `aws_ecr_registry_scanning_configuration` rule scans this repository.
fn registry_scans(repository: &Resource, ctx: &Context<'_>) -> Tri<bool> {
    let registries: Vec<&Resource> = ctx
        .of_type("aws_ecr_registry_scanning_configuration")
        .iter()
        .copied()
        .filter(|r| is_managed(r))
        .collect();
    if registries.is_empty() {
        return Tri::Known(false);
    }
    let name = Tri::str(repository.attributes.get("name"));
    Tri::any(registries.iter().map(|registry| {
        let Some(rules) = known_blocks(registry.attributes.get("rule")) else {
            return Tri::Unknown;
        };
        Tri::any(rules.iter().map(|rule| {
            match Tri::non_empty_str(rule.get("scan_frequency")) {
                Tri::Known("SCAN_ON_PUSH" | "CONTINUOUS_SCAN") => {}
                Tri::Unknown => return Tri::Unknown,
                _ => return Tri::Known(false),
            }
            let Some(filters) = known_blocks(rule.get("repository_filter")) else {
                return Tri::Unknown;
            };
            Tri::any(filters.iter().map(|filter| {
                match (Tri::non_empty_str(filter.get("filter")), name) {
                    (Tri::Known(pattern), Tri::Known(name)) => {
                        Tri::Known(matches_ecr_filter(pattern, name))
                    }
                    (Tri::Known("*"), _) => Tri::Known(true),
                    (Tri::Missing, _) | (_, Tri::Missing) => Tri::Known(false),
                    _ => Tri::Unknown,
                }
            }))
        }))
    }))
}

/// ECR's `WILDCARD` filters: `*` matches any run of characters.
fn matches_ecr_filter(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Tags must be immutable; the default is MUTABLE.
fn check_ecr_immutable_tags(repository: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::non_empty_str(repository.attributes.get("image_tag_mutability")) {
        Tri::Known(mode) if mode.starts_with("IMMUTABLE") => {}
        Tri::Unknown => out.cannot_tell("`image_tag_mutability` depends on values known only after apply"),
        Tri::Known(_) => out.fail(
            format!("ECR repository `{}` has mutable image tags", repository.address),
            Some("image_tag_mutability"),
        ),
        Tri::Missing => out.fail(
            format!(
                "ECR repository `{}` has mutable image tags (`image_tag_mutability` defaults to MUTABLE)",
                repository.address
            ),
            Some("image_tag_mutability"),
        ),
    }
}

/// KMS encryption with a customer managed key.
fn check_ecr_customer_key(repository: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(configs) = known_blocks(repository.attributes.get("encryption_configuration")) else {
        out.cannot_tell("the encryption configuration depends on values known only after apply");
        return;
    };
    let Some(config) = configs.first() else {
        return out.fail(
            format!(
                "ECR repository `{}` is encrypted with an AWS owned key (no `encryption_configuration`)",
                repository.address
            ),
            None,
        );
    };
    match Tri::non_empty_str(config.get("encryption_type")) {
        Tri::Known("KMS") => {}
        Tri::Unknown => {
            return out.cannot_tell("the encryption type depends on values known only after apply");
        }
        _ => {
            return out.fail(
                format!(
                    "ECR repository `{}` is encrypted with an AWS owned key, not KMS",
                    repository.address
                ),
                Some("encryption_configuration.0"),
            );
        }
    }
    match customer_key(ctx, repository, config.get("kms_key")) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("the repository's KMS key is not known statically"),
        _ => out.fail(
            format!(
                "ECR repository `{}` uses the AWS managed `aws/ecr` key instead of a customer managed key",
                repository.address
            ),
            Some("encryption_configuration.0"),
        ),
    }
}

/// A statement that lets anyone in, as the shared policy reader decides it (see
/// `policy::Document::find_public_grant`): the same reading as the SQS and trust
/// policy rules, so a condition or a `Deny` that fences callers counts here too.
fn check_ecr_public_policy(policy: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let value = policy.attributes.get("policy");
    let public = match super::policy::document(ctx, policy, value) {
        Tri::Known(document) => document.find_public_grant(),
        Tri::Unknown => Tri::Unknown,
        Tri::Missing => Tri::Missing,
    };
    match public {
        Tri::Known(what) => out.fail(
            format!("ECR repository policy `{}` {what}", policy.address),
            Some("policy"),
        ),
        Tri::Unknown => out.cannot_tell("the repository policy is not known statically"),
        Tri::Missing => {}
    }
}

// ====================================================================================
// Text and JSON written out in values the parser left unknown (see `hcl::Partial`)
// ====================================================================================

/// Placeholder for an interpolated part: contains `${`, so no secret test treats
/// it as a literal.
const INTERPOLATED: &str = "${…}";

/// What the configuration writes out of a value the parser left unknown.
fn partial_of(value: Option<&Value>) -> Option<Partial> {
    let Some(Value::Unknown(unknown)) = value else {
        return None;
    };
    Partial::of(unknown)
}

/// The text of a template, heredoc or `base64encode` of one, with each
/// interpolation replaced by a placeholder: the literal parts are what was written
/// into the configuration. `None` for anything else (`file(…)`, `templatefile(…)`,
/// references), whose text is not in the configuration.
fn partial_template_of(value: Option<&Value>) -> Option<String> {
    partial_template(&partial_of(value)?)
}

fn partial_template(partial: &Partial) -> Option<String> {
    match partial {
        Partial::Text(pieces) => template_text(pieces, false),
        Partial::Call { name, args }
            if matches!(name.as_str(), "base64encode" | "trimspace" | "chomp")
                && args.len() == 1 =>
        {
            partial_template(&args[0])
        }
        _ => None,
    }
}

/// Literal template text; interpolations become a placeholder, quoted as a JSON
/// string when `json` and the interpolation stands outside a string. Directives
/// (`%{ if }`, `%{ for }`) make the text unknowable, and so does a template of
/// interpolations alone (`"${file("boot.sh")}"`, which `.tf.json` writes unquoted):
/// it writes out no text of its own.
fn template_text(pieces: &[Piece], json: bool) -> Option<String> {
    if !pieces.is_empty() && pieces.iter().all(|p| matches!(p, Piece::Interpolation(_))) {
        return None;
    }
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for piece in pieces {
        match piece {
            Piece::Literal(text) => {
                for c in text.chars() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' && in_string {
                        escaped = true;
                    } else if c == '"' {
                        in_string = !in_string;
                    }
                    out.push(c);
                }
            }
            Piece::Interpolation(_) if json && !in_string => {
                out.push('"');
                out.push_str(INTERPOLATED);
                out.push('"');
            }
            Piece::Interpolation(_) => out.push_str(INTERPOLATED),
            Piece::Directive => return None,
        }
    }
    Some(out)
}

/// A JSON document written as `jsonencode(…)` or as a template/heredoc, with the
/// parts not known statically replaced by placeholder strings.
pub(super) fn partial_json_of(value: Option<&Value>) -> Option<serde_json::Value> {
    partial_json(&partial_of(value)?)
}

/// A JSON document argument (an EMR security configuration, ECS container
/// definitions): `Missing` when absent, `Unknown` when it is not valid JSON or not
/// even partly known statically.
pub(super) fn json_document(value: Option<&Value>) -> Tri<serde_json::Value> {
    match Tri::str(value) {
        Tri::Missing => Tri::Missing,
        Tri::Known(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json) => Tri::Known(json),
            Err(_) => Tri::Unknown,
        },
        Tri::Unknown => match partial_json_of(value) {
            Some(json) => Tri::Known(json),
            None => Tri::Unknown,
        },
    }
}

fn partial_json(partial: &Partial) -> Option<serde_json::Value> {
    match partial {
        Partial::Call { name, args } if name == "jsonencode" && args.len() == 1 => {
            Some(partial_value(&args[0]))
        }
        Partial::Text(pieces) => serde_json::from_str(&template_text(pieces, true)?).ok(),
        _ => None,
    }
}

/// An HCL expression as JSON, literal parts kept, everything else a placeholder.
fn partial_value(partial: &Partial) -> serde_json::Value {
    use serde_json::Value as Json;
    match partial {
        Partial::Null => Json::Null,
        Partial::Bool(b) => Json::Bool(*b),
        Partial::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Json::String(INTERPOLATED.into()), Json::Number),
        Partial::List(items) => Json::Array(items.iter().map(partial_value).collect()),
        Partial::Object(entries) => Json::Object(
            entries
                .iter()
                .map(|(key, value)| {
                    let key = key
                        .literal_text()
                        .unwrap_or_else(|| INTERPOLATED.to_owned());
                    (key, partial_value(value))
                })
                .collect(),
        ),
        other => Json::String(partial_template(other).unwrap_or_else(|| INTERPOLATED.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{ChangeSet, Document, Origin};
    use crate::review::{Review, review};

    fn review_hcl(hcl: &str) -> Review {
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    fn review_plan(resource_changes: &str) -> Review {
        let json = format!(r#"{{"format_version":"1.2","resource_changes":[{resource_changes}]}}"#);
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("plan.json", json)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    fn fails(review: &Review, rule: &str) -> bool {
        review.findings.iter().any(|f| f.rule_id == rule)
    }

    fn undetermined(review: &Review, rule: &str) -> bool {
        review.undetermined.iter().any(|u| u.rule_id == rule)
    }

    /// Neither failing nor undetermined.
    fn passes(review: &Review, rule: &str) -> bool {
        !fails(review, rule) && !undetermined(review, rule)
    }

    fn change(address_type: &str, name: &str, after: &str, after_unknown: &str) -> String {
        format!(
            r#"{{"address":"{address_type}.{name}","mode":"managed","type":"{address_type}","name":"{name}",
               "provider_name":"registry.terraform.io/hashicorp/aws",
               "change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{after_unknown}}}}}"#
        )
    }

    #[test]
    fn ecr_wildcard_filters_match() {
        assert!(matches_ecr_filter("prod-*", "prod-api"));
        assert!(matches_ecr_filter("*", "anything"));
        assert!(!matches_ecr_filter("prod-*-x", "prod-api"));
        assert!(matches_ecr_filter("exact", "exact"));
    }

    // ----- EC2 -----

    #[test]
    fn imds_endpoint_disabled_launch_template_and_account_defaults() {
        // Endpoint disabled: no metadata service to abuse.
        let r = review_hcl(
            r#"resource "aws_instance" "a" {
  metadata_options {
    http_endpoint = "disabled"
  }
}"#,
        );
        assert!(passes(&r, "RG-AWS-EC2-030"));
        // The instance inherits the launch template's options.
        let r = review_hcl(
            r#"
resource "aws_launch_template" "t" {
  metadata_options { http_tokens = "required" }
}
resource "aws_instance" "a" {
  launch_template { id = aws_launch_template.t.id }
}"#,
        );
        assert!(passes(&r, "RG-AWS-EC2-030"));
        assert!(passes(&r, "RG-AWS-EC2-031"));
        // A template outside the change: cannot tell.
        let r = review_hcl(
            r#"resource "aws_instance" "a" {
  launch_template { id = var.template_id }
}"#,
        );
        assert!(undetermined(&r, "RG-AWS-EC2-030") && !fails(&r, "RG-AWS-EC2-030"));
        // Account-level defaults require tokens for launches that do not say.
        let r = review_hcl(
            r#"
resource "aws_ec2_instance_metadata_defaults" "d" { http_tokens = "required" }
resource "aws_instance" "a" { ami = "ami-1" }
resource "aws_launch_configuration" "c" { image_id = "ami-1" }"#,
        );
        assert!(passes(&r, "RG-AWS-EC2-030"));
        assert!(passes(&r, "RG-AWS-EC2-031"));
        // An explicit "optional" is not overridden by the default.
        let r = review_hcl(
            r#"
resource "aws_ec2_instance_metadata_defaults" "d" { http_tokens = "required" }
resource "aws_instance" "a" {
  metadata_options { http_tokens = "optional" }
}"#,
        );
        assert!(fails(&r, "RG-AWS-EC2-030"));
        let r = review_hcl(
            r#"resource "aws_instance" "a" {
  metadata_options { http_tokens = var.tokens }
}"#,
        );
        assert!(undetermined(&r, "RG-AWS-EC2-030") && !fails(&r, "RG-AWS-EC2-030"));
    }

    #[test]
    fn block_device_encryption_defaults_and_account_setting() {
        let r = review_hcl(r#"resource "aws_instance" "a" { ami = "ami-1" }"#);
        assert!(
            fails(&r, "RG-AWS-EC2-032"),
            "missing root_block_device is unencrypted"
        );
        let r = review_hcl(
            r#"
resource "aws_ebs_encryption_by_default" "on" {}
resource "aws_instance" "a" {
  ebs_block_device { device_name = "/dev/sdb" }
}
resource "aws_ebs_volume" "v" { size = 10 }
resource "aws_launch_configuration" "c" { image_id = "ami-1" }
resource "aws_launch_template" "t" {
  block_device_mappings {
    device_name = "/dev/sdb"
    ebs { volume_size = 20 }
  }
}"#,
        );
        for rule in ["RG-AWS-EC2-032", "RG-AWS-EC2-033", "RG-AWS-EC2-034"] {
            assert!(
                passes(&r, rule),
                "{rule}: {:?} {:?}",
                r.findings,
                r.undetermined
            );
        }
        let r = review_hcl(
            r#"
resource "aws_launch_template" "t" {
  block_device_mappings {
    device_name = "/dev/sdb"
    ebs { encrypted = "false" }
  }
}
resource "aws_ebs_volume" "restored" { snapshot_id = "snap-1" }"#,
        );
        let finding = r
            .findings
            .iter()
            .find(|f| f.rule_id == "RG-AWS-EC2-033")
            .expect("template mapping unencrypted");
        assert_eq!(finding.line, Some(5));
        // Restored from a snapshot: encryption follows the snapshot.
        assert!(undetermined(&r, "RG-AWS-EC2-034") && !fails(&r, "RG-AWS-EC2-034"));
    }

    #[test]
    fn ebs_customer_key_resolution() {
        let r = review_hcl(
            r#"
resource "aws_ebs_volume" "managed_alias" {
  encrypted  = true
  kms_key_id = "alias/aws/ebs"
}
resource "aws_ebs_volume" "variable" {
  encrypted  = true
  kms_key_id = var.key
}"#,
        );
        assert!(r.findings.iter().any(|f| f.rule_id == "RG-AWS-EC2-035"
            && f.resource.as_deref() == Some("aws_ebs_volume.managed_alias")));
        assert!(
            r.undetermined
                .iter()
                .any(|u| u.rule_id == "RG-AWS-EC2-035" && u.resource == "aws_ebs_volume.variable")
        );
        let r = review_hcl(
            r#"
resource "aws_kms_key" "k" {}
resource "aws_ebs_default_kms_key" "d" { key_arn = aws_kms_key.k.arn }
resource "aws_ebs_volume" "v" { encrypted = true }"#,
        );
        assert!(passes(&r, "RG-AWS-EC2-035"));
    }

    #[test]
    fn user_data_secrets_in_templates_and_plans() {
        // A heredoc with interpolations: the literal lines are still written here.
        let r = review_hcl(
            r#"resource "aws_instance" "a" {
  user_data = <<-EOF
    #!/bin/bash
    export REGION=${var.region}
    export DB_PASSWORD=hunter22
  EOF
}"#,
        );
        let finding = r
            .findings
            .iter()
            .find(|f| f.rule_id == "RG-AWS-EC2-037")
            .expect("secret in template");
        assert!(finding.message.contains("DB_PASSWORD") && !finding.message.contains("hunter22"));
        let r = review_hcl(
            r#"resource "aws_instance" "a" {
  user_data = <<-EOF
    export DB_PASSWORD=${var.db_password}
  EOF
}
resource "aws_instance" "b" { user_data = file("boot.sh") }"#,
        );
        assert!(!fails(&r, "RG-AWS-EC2-037"));
        assert!(
            r.undetermined
                .iter()
                .any(|u| u.rule_id == "RG-AWS-EC2-037" && u.resource == "aws_instance.b")
        );
        // Plan: launch template user data is base64 as written.
        let r = review_plan(&change(
            "aws_launch_template",
            "t",
            r#"{"user_data":"ZXhwb3J0IERBVEFCQVNFX1BBU1NXT1JEPSJTb21lU29ydE9mUGFzc3dvcmQi","metadata_options":[{"http_tokens":"required","http_endpoint":"enabled"}]}"#,
            r#"{"id":true}"#,
        ));
        assert!(fails(&r, "RG-AWS-EC2-038"));
        assert!(passes(&r, "RG-AWS-EC2-031"));
        // Plan: user data known only after apply.
        let r = review_plan(&change(
            "aws_launch_template",
            "t",
            r#"{}"#,
            r#"{"user_data":true,"metadata_options":true}"#,
        ));
        assert!(undetermined(&r, "RG-AWS-EC2-038") && !fails(&r, "RG-AWS-EC2-038"));
        assert!(undetermined(&r, "RG-AWS-EC2-031") && !fails(&r, "RG-AWS-EC2-031"));
    }

    /// Which of the two readers of unknown expressions was kept: a template of
    /// interpolations alone writes out no text, so its secrets cannot be told, whether
    /// it is quoted (HCL, which used to pass as empty text) or not (`.tf.json`).
    #[test]
    fn user_data_of_interpolations_alone_cannot_be_told() {
        let r = review_hcl(r#"resource "aws_instance" "a" { user_data = "${file("boot.sh")}" }"#);
        assert!(undetermined(&r, "RG-AWS-EC2-037") && !fails(&r, "RG-AWS-EC2-037"));
        let json = r#"{"resource":{"aws_instance":{"a":{"user_data":"${file(\"boot.sh\")}"}}}}"#;
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf.json", json)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let r = review(&cs);
        assert!(undetermined(&r, "RG-AWS-EC2-037") && !fails(&r, "RG-AWS-EC2-037"));
    }

    #[test]
    fn instance_plan_with_computed_devices_cannot_tell() {
        let r = review_plan(&change(
            "aws_instance",
            "web",
            r#"{"ami":"ami-1","metadata_options":[{"http_tokens":"optional","http_endpoint":"enabled"}]}"#,
            r#"{"root_block_device":true,"ebs_block_device":true,"id":true}"#,
        ));
        assert!(fails(&r, "RG-AWS-EC2-030"));
        assert!(undetermined(&r, "RG-AWS-EC2-032") && !fails(&r, "RG-AWS-EC2-032"));
    }

    // ----- EKS -----

    #[test]
    fn eks_plan_and_partial_values() {
        let r = review_plan(&change(
            "aws_eks_cluster",
            "c",
            r#"{"name":"c","vpc_config":[{"endpoint_public_access":true,"endpoint_private_access":true,"public_access_cidrs":["10.0.0.0/8"]}],
               "enabled_cluster_log_types":["api","audit"],"encryption_config":[]}"#,
            r#"{"vpc_config":[{"vpc_id":true}],"arn":true}"#,
        ));
        assert!(fails(&r, "RG-AWS-EKS-001"));
        assert!(passes(&r, "RG-AWS-EKS-002"));
        assert!(fails(&r, "RG-AWS-EKS-003"));
        let logging = r
            .findings
            .iter()
            .find(|f| f.rule_id == "RG-AWS-EKS-004")
            .expect("logging");
        assert!(
            logging
                .message
                .contains("authenticator, controllerManager, scheduler")
        );
        let r = review_plan(&change(
            "aws_eks_cluster",
            "c",
            r#"{"name":"c","vpc_config":[{"endpoint_public_access":true}]}"#,
            r#"{"vpc_config":[{"public_access_cidrs":true}],"enabled_cluster_log_types":true}"#,
        ));
        assert!(undetermined(&r, "RG-AWS-EKS-002") && !fails(&r, "RG-AWS-EKS-002"));
        assert!(undetermined(&r, "RG-AWS-EKS-004") && !fails(&r, "RG-AWS-EKS-004"));
        // `public_access_cidrs = []` is omitted by the provider: EKS opens the
        // endpoint to 0.0.0.0/0.
        let r = review_plan(&change(
            "aws_eks_cluster",
            "c",
            r#"{"name":"c","vpc_config":[{"endpoint_public_access":true,"public_access_cidrs":[]}]}"#,
            r#"{"arn":true}"#,
        ));
        assert!(fails(&r, "RG-AWS-EKS-002"));
    }

    // ----- Lambda -----

    #[test]
    fn lambda_environment_secrets() {
        let r = review_hcl(
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  environment {
    variables = {
      DB_PASSWORD       = "correct-horse"
      API_TOKEN         = var.token
      SECRET_ARN        = "arn:aws:secretsmanager:eu-west-1:1:secret:x"
      GREETING          = "hello"
      STRIPE_SECRET_KEY = random_password.p.result
    }
  }
}"#,
        );
        let finding = r
            .findings
            .iter()
            .find(|f| f.rule_id == "RG-AWS-LMB-002")
            .expect("literal password");
        assert!(finding.message.contains("DB_PASSWORD"));
        assert!(!finding.message.contains("API_TOKEN") && !finding.message.contains("SECRET_ARN"));
        assert!(!finding.message.contains("correct-horse"));
        assert_eq!(finding.line, Some(4));
        let r = review_hcl(
            r#"resource "aws_lambda_function" "f" {
  environment {
    variables = { API_TOKEN = var.token, MODE = "prod" }
  }
}
resource "aws_lambda_function" "g" {
  environment {
    variables = merge(local.common, { X = "1" })
  }
}"#,
        );
        assert!(!fails(&r, "RG-AWS-LMB-002"));
        assert!(
            r.undetermined
                .iter()
                .any(|u| u.rule_id == "RG-AWS-LMB-002" && u.resource == "aws_lambda_function.g")
        );
        assert!(
            !r.undetermined
                .iter()
                .any(|u| u.rule_id == "RG-AWS-LMB-002" && u.resource == "aws_lambda_function.f")
        );
    }

    #[test]
    fn lambda_plan_values() {
        let r = review_plan(&change(
            "aws_lambda_function",
            "f",
            r#"{"function_name":"f","environment":[{"variables":{"AWS_SECRET_ACCESS_KEY":"wJalrXUtnFEMI/K7MDENG"}}],"tracing_config":[{"mode":"Active"}]}"#,
            r#"{"arn":true}"#,
        ));
        assert!(fails(&r, "RG-AWS-LMB-002"));
        assert!(passes(&r, "RG-AWS-LMB-001"));
        let r = review_plan(&change(
            "aws_lambda_function",
            "f",
            r#"{"function_name":"f"}"#,
            r#"{"environment":true,"tracing_config":true}"#,
        ));
        assert!(undetermined(&r, "RG-AWS-LMB-002") && !fails(&r, "RG-AWS-LMB-002"));
        assert!(undetermined(&r, "RG-AWS-LMB-001") && !fails(&r, "RG-AWS-LMB-001"));
        let r = review_hcl(r#"resource "aws_lambda_function" "f" { function_name = "f" }"#);
        assert!(fails(&r, "RG-AWS-LMB-001"), "PassThrough by default");
    }

    // ----- ECS -----

    #[test]
    fn ecs_secrets_in_jsonencode_with_references() {
        let r = review_hcl(
            r#"resource "aws_ecs_task_definition" "t" {
  family = "t"
  container_definitions = jsonencode([{
    name  = "app"
    image = var.image
    environment = [
      { name = "MODE", value = "prod" },
      { name = "DB_PASSWORD", value = "hunter22" },
      { name = "API_KEY", value = var.api_key },
    ]
    secrets = [{ name = "TOKEN", valueFrom = aws_secretsmanager_secret.t.arn }]
  }])
}"#,
        );
        let finding = r
            .findings
            .iter()
            .find(|f| f.rule_id == "RG-AWS-ECS-001")
            .expect("literal in jsonencode");
        assert!(finding.message.contains("DB_PASSWORD") && !finding.message.contains("API_KEY"));
        let r = review_hcl(
            r#"resource "aws_ecs_task_definition" "t" {
  container_definitions = <<EOF
[{"name": "app", "image": "${var.image}", "cpu": ${var.cpu},
  "environment": [{"name": "API_TOKEN", "value": "${var.token}"}]}]
EOF
}
resource "aws_ecs_task_definition" "u" {
  container_definitions = file("containers.json")
}"#,
        );
        assert!(!fails(&r, "RG-AWS-ECS-001"));
        assert!(
            r.undetermined
                .iter()
                .all(|u| u.rule_id != "RG-AWS-ECS-001" || u.resource == "aws_ecs_task_definition.u")
        );
        assert!(undetermined(&r, "RG-AWS-ECS-001"));
    }

    #[test]
    fn ecs_plan_insights_and_transit_encryption() {
        let changes = [
            change(
                "aws_ecs_cluster",
                "c",
                r#"{"name":"c","setting":[{"name":"containerInsights","value":"disabled"}]}"#,
                r#"{"arn":true}"#,
            ),
            change(
                "aws_ecs_task_definition",
                "t",
                r#"{"family":"t","container_definitions":"[{\"name\":\"a\",\"environment\":[{\"name\":\"MODE\",\"value\":\"x\"}]}]",
                   "volume":[{"name":"data","efs_volume_configuration":[{"file_system_id":"fs-1","transit_encryption":"DISABLED"}]}]}"#,
                r#"{"arn":true}"#,
            ),
        ]
        .join(",");
        let r = review_plan(&changes);
        assert!(fails(&r, "RG-AWS-ECS-002"));
        assert!(fails(&r, "RG-AWS-ECS-003"));
        assert!(passes(&r, "RG-AWS-ECS-001"));
        // The account default covers clusters that do not say.
        let r = review_hcl(
            r#"
resource "aws_ecs_account_setting_default" "insights" {
  name  = "containerInsights"
  value = "enabled"
}
resource "aws_ecs_cluster" "c" { name = "c" }"#,
        );
        assert!(passes(&r, "RG-AWS-ECS-002"));
        let r = review_hcl(
            r#"resource "aws_ecs_task_definition" "t" {
  volume {
    name = "data"
    efs_volume_configuration {
      file_system_id     = "fs-1"
      transit_encryption = var.tls
    }
  }
}"#,
        );
        assert!(undetermined(&r, "RG-AWS-ECS-003") && !fails(&r, "RG-AWS-ECS-003"));
    }

    // ----- ECR -----

    #[test]
    fn ecr_registry_scanning_and_keys() {
        let r = review_hcl(
            r#"
resource "aws_ecr_registry_scanning_configuration" "s" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "prod-*"
      filter_type = "WILDCARD"
    }
  }
}
resource "aws_ecr_repository" "prod" { name = "prod-api" }
resource "aws_ecr_repository" "dev" { name = "dev-api" }"#,
        );
        let scanning: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == "RG-AWS-ECR-001")
            .filter_map(|f| f.resource.as_deref())
            .collect();
        assert_eq!(scanning, ["aws_ecr_repository.dev"]);
        assert!(fails(&r, "RG-AWS-ECR-002") && fails(&r, "RG-AWS-ECR-003"));
        let r = review_plan(&change(
            "aws_ecr_repository",
            "r",
            r#"{"name":"r","image_tag_mutability":"IMMUTABLE","image_scanning_configuration":[{"scan_on_push":true}],
               "encryption_configuration":[{"encryption_type":"KMS"}]}"#,
            r#"{"encryption_configuration":[{"kms_key":true}],"arn":true}"#,
        ));
        assert!(passes(&r, "RG-AWS-ECR-001") && passes(&r, "RG-AWS-ECR-002"));
        assert!(undetermined(&r, "RG-AWS-ECR-003") && !fails(&r, "RG-AWS-ECR-003"));
    }

    #[test]
    fn ecr_policy_conditions_and_jsonencode() {
        let r = review_hcl(
            r#"
resource "aws_ecr_repository_policy" "org_only" {
  repository = "r"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["ecr:BatchGetImage"]
      Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org } }
    }]
  })
}
resource "aws_ecr_repository_policy" "public" {
  repository = var.repo
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = ["*"] }, Action = "ecr:*", Sid = var.sid }]
  })
}"#,
        );
        let public: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == "RG-AWS-ECR-004")
            .filter_map(|f| f.resource.as_deref())
            .collect();
        assert_eq!(public, ["aws_ecr_repository_policy.public"]);
    }
}
