//! IAM: policy documents (wildcards, administrator access, S3 full access, open trust
//! policies), policies attached to users, root access keys, group MFA, the account
//! password policy; and the resource policies of SQS queues and Lambda permissions,
//! which share the policy-document reading in [`super::policy`].
//!
//! Identity policies live in `aws_iam_policy`, `aws_iam_role_policy`,
//! `aws_iam_user_policy`, `aws_iam_group_policy` and the `inline_policy` blocks of
//! `aws_iam_role`; every policy rule reads all of them, whatever shape the document
//! has (JSON, `jsonencode`, heredoc, `data "aws_iam_policy_document"`).

use super::controls::LEAST_PRIVILEGE;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{blocks, configured, is_managed};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::Value;

use super::policy::{self, Document, Statement, Text, when};

/// Resources holding an identity-based policy document.
pub(super) const IDENTITY_POLICY_TYPES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
];

/// Resources attaching a managed policy by ARN.
const POLICY_ATTACHMENT_TYPES: &[&str] = &[
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_role",
];

/// Both: the rules that also judge an attached AWS managed policy by its name.
const POLICY_AND_ATTACHMENT_TYPES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-001",
            title: "IAM policy uses wildcards in actions, resources or principals",
            severity: Severity::High,
            description: "An allow statement with a wildcarded action (`s3:*`, `ec2:Describe*`), a wildcarded resource for actions that support resource-level permissions, or a wildcarded principal grants more than the holder needs, including actions and resources added later. Resource `*` is accepted for actions that only work on `*`, S3 object keys under a named bucket (`arn:aws:s3:::bucket/*`) and log streams of a named log group.",
            remediation: "List the exact actions needed and scope `Resource` to the ARNs they apply to.",
            aliases: &["AWS-0057", "AVD-AWS-0057"],
            frameworks: &[
                ("cis-aws-3.0", &["1.16"]),
                ("soc2", &["CC6.3"]),
                ("pci-dss-4.0", &["7.2.2"]),
                ("nist-800-53-r5", &["AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: IDENTITY_POLICY_TYPES,
        },
        check: check_policy_wildcards,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-002",
            title: "IAM policy allows every action of a service",
            severity: Severity::High,
            description: "An allow statement with `Action: \"*\"` or `\"<service>:*\"` (or an allow with `NotAction`) grants every present and future action of the service, including destructive and permission-changing ones.",
            remediation: "Replace the wildcard with the specific actions the workload calls.",
            aliases: &[],
            frameworks: LEAST_PRIVILEGE,
            resource_types: IDENTITY_POLICY_TYPES,
        },
        check: check_service_wildcard_actions,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-003",
            title: "IAM policy grants full administrator access",
            severity: Severity::Critical,
            description: "An allow statement with `Action: \"*\"` on `Resource: \"*\"`, or an attachment of the AWS managed `AdministratorAccess` policy (by its ARN, or through a `data \"aws_iam_policy\"` that looks it up by name or ARN), gives whoever holds the policy complete control of the account, including disabling logging and creating new credentials.",
            remediation: "Grant only the actions and resources needed; keep administrator access to a few break-glass roles managed outside this configuration.",
            aliases: &["CKV_AWS_1", "CKV_AWS_62"],
            frameworks: &[
                ("cis-aws-3.0", &["1.16"]),
                ("soc2", &["CC6.3"]),
                ("pci-dss-4.0", &["7.2.2"]),
                ("nist-800-53-r5", &["AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: POLICY_AND_ATTACHMENT_TYPES,
        },
        check: check_full_admin,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-004",
            title: "IAM policy grants full IAM privileges",
            severity: Severity::High,
            description: "An allow statement with `iam:*` (or `*`) on `Resource: \"*\"` lets the holder create users, keys and policies, and so escalate to administrator.",
            remediation: "Grant only the IAM actions needed, on the specific roles, users or policies they manage.",
            aliases: &["CKV2_AWS_40"],
            frameworks: LEAST_PRIVILEGE,
            resource_types: IDENTITY_POLICY_TYPES,
        },
        check: check_full_iam,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-005",
            title: "IAM policy allows full S3 access",
            severity: Severity::High,
            description: "`s3:*` (or the AWS managed `AmazonS3FullAccess` policy) allows reading, overwriting and deleting every object, and changing bucket policies, encryption and public access settings.",
            remediation: "Grant the specific S3 actions needed (`s3:GetObject`, `s3:PutObject`, …) on the buckets and prefixes concerned.",
            aliases: &["AWS-0345", "AVD-AWS-0345"],
            frameworks: LEAST_PRIVILEGE,
            resource_types: POLICY_AND_ATTACHMENT_TYPES,
        },
        check: check_s3_full_access,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-006",
            title: "IAM policy is attached directly to a user",
            severity: Severity::Low,
            description: "Permissions granted user by user are hard to review and tend to accumulate; CIS recommends granting them through groups and roles only.",
            remediation: "Attach the policy to a group (or role) and make the user a member of that group.",
            aliases: &["AWS-0143", "AVD-AWS-0143", "CKV_AWS_40"],
            frameworks: &[
                ("cis-aws-3.0", &["1.15"]),
                ("nist-800-53-r5", &["AC-2"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[
                "aws_iam_user_policy",
                "aws_iam_user_policy_attachment",
                "aws_iam_policy_attachment",
            ],
        },
        check: check_user_attached_policies,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-007",
            title: "Access key created for the root user",
            severity: Severity::Critical,
            description: "The root user has unrestricted access to the account; a long-lived access key for it is the most valuable credential an attacker can steal.",
            remediation: "Do not create access keys for `root`; use an IAM user or role with only the permissions needed.",
            aliases: &["AWS-0141", "AVD-AWS-0141"],
            frameworks: &[
                ("cis-aws-3.0", &["1.4"]),
                ("nist-800-53-r5", &["AC-6"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_access_key"],
        },
        check: check_root_access_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-008",
            title: "IAM group does not enforce MFA",
            severity: Severity::Medium,
            description: "Without a policy conditioned on `aws:MultiFactorAuthPresent`, members of the group can use their permissions with a password alone.",
            remediation: "Attach a policy to the group that allows (or stops denying) its actions only when `aws:MultiFactorAuthPresent` is true.",
            aliases: &["AWS-0123", "AVD-AWS-0123"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["8.4.2"]),
                ("nist-800-53-r5", &["IA-2(1)"]),
                ("nist-csf-2.0", &["PR.AA-03"]),
            ],
            resource_types: &["aws_iam_group"],
        },
        check: check_group_mfa,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-009",
            title: "IAM password policy allows password reuse",
            severity: Severity::Medium,
            description: "Users can cycle back to a previous (possibly leaked) password unless the policy remembers at least the last five.",
            remediation: "Set `password_reuse_prevention` to 5 or more (CIS recommends 24).",
            aliases: &["AWS-0056", "AVD-AWS-0056"],
            frameworks: &[
                ("cis-aws-3.0", &["1.9"]),
                ("pci-dss-4.0", &["8.3.7"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_reuse,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-010",
            title: "IAM password policy does not require lowercase letters",
            severity: Severity::Medium,
            description: "Passwords without required character classes are easier to guess. The provider default is not to require lowercase letters.",
            remediation: "Set `require_lowercase_characters = true`.",
            aliases: &["AWS-0058", "AVD-AWS-0058", "CKV_AWS_11"],
            frameworks: &[
                ("pci-dss-4.0", &["8.3.6"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_lowercase,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-011",
            title: "IAM password policy does not require numbers",
            severity: Severity::Medium,
            description: "Passwords without required character classes are easier to guess. The provider default is not to require numbers.",
            remediation: "Set `require_numbers = true`.",
            aliases: &["AWS-0059", "AVD-AWS-0059", "CKV_AWS_12"],
            frameworks: &[
                ("pci-dss-4.0", &["8.3.6"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_numbers,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-012",
            title: "IAM password policy does not require symbols",
            severity: Severity::Medium,
            description: "Passwords without required character classes are easier to guess. The provider default is not to require symbols.",
            remediation: "Set `require_symbols = true`.",
            aliases: &["AWS-0060", "AVD-AWS-0060", "CKV_AWS_14"],
            frameworks: &[
                ("pci-dss-4.0", &["8.3.6"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_symbols,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-013",
            title: "IAM password policy does not require uppercase letters",
            severity: Severity::Medium,
            description: "Passwords without required character classes are easier to guess. The provider default is not to require uppercase letters.",
            remediation: "Set `require_uppercase_characters = true`.",
            aliases: &["AWS-0061", "AVD-AWS-0061", "CKV_AWS_15"],
            frameworks: &[
                ("pci-dss-4.0", &["8.3.6"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_uppercase,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-014",
            title: "IAM passwords do not expire within 90 days",
            severity: Severity::Medium,
            description: "Without `max_password_age` passwords never expire, so a leaked password stays valid indefinitely.",
            remediation: "Set `max_password_age` to 90 or less.",
            aliases: &["AWS-0062", "AVD-AWS-0062", "CKV_AWS_9"],
            frameworks: &[
                ("pci-dss-4.0", &["8.3.9"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_max_age,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-015",
            title: "IAM password policy allows passwords shorter than 14 characters",
            severity: Severity::Medium,
            description: "Short passwords fall to brute force quickly. The AWS default minimum length is 6.",
            remediation: "Set `minimum_password_length` to 14 or more.",
            aliases: &["AWS-0063", "AVD-AWS-0063", "CKV_AWS_10"],
            frameworks: &[
                ("cis-aws-3.0", &["1.8"]),
                ("pci-dss-4.0", &["8.3.6"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_iam_account_password_policy"],
        },
        check: check_password_length,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-003",
            title: "Lambda permission for an AWS service has no source ARN",
            severity: Severity::Critical,
            description: "A permission granting an AWS service principal (`s3.amazonaws.com`, `sns.amazonaws.com`, …) the right to invoke a function without `source_arn` lets that service invoke it on behalf of any resource, including resources in other accounts (the confused-deputy problem).",
            remediation: "Set `source_arn` to the ARN of the bucket, topic, rule or API that should invoke the function (and `source_account` for S3).",
            aliases: &["AWS-0067", "AVD-AWS-0067"],
            frameworks: &[
                ("nist-800-53-r5", &["AC-3", "AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_lambda_permission"],
        },
        check: check_lambda_source_arn,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-017",
            title: "IAM role can be assumed by any AWS principal",
            severity: Severity::Critical,
            description: "A trust policy allowing `sts:AssumeRole` (or any action) to `*` lets any AWS account in the world assume the role and use its permissions, unless a condition names who may: a fixed `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceVpc(e)`, `aws:SourceIp` (no wider than /8 or /32) or `aws:userid` with a matching operator (`StringEquals`, `ArnEquals`, `StringLike`/`ArnLike` without wildcards, `IpAddress`; not `…IfExists`, not `ForAllValues:`), or a `Deny` turns away everyone else. Conditions such as `aws:SecureTransport` or `sts:ExternalId` do not say who the caller is. Source: IAM User Guide, \"AWS global condition context keys\" and \"Condition operators\"; S3 User Guide, \"The meaning of public\".",
            remediation: "Name the accounts, roles or services that may assume the role, or restrict the wildcard with a condition such as `aws:PrincipalOrgID` or `sts:ExternalId`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3", "AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_iam_role"],
        },
        check: check_open_trust_policy,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SQS-001",
            title: "SQS queue policy allows all actions",
            severity: Severity::High,
            description: "An allow statement with `sqs:*` or `*` in a queue policy lets the principals it names delete or purge the queue and change its policy, not just send or receive messages.",
            remediation: "List the specific SQS actions needed (`sqs:SendMessage`, `sqs:ReceiveMessage`, …).",
            aliases: &["AWS-0097", "AVD-AWS-0097", "CKV_AWS_72"],
            frameworks: &[
                ("nist-800-53-r5", &["AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_sqs_queue_policy", "aws_sqs_queue"],
        },
        check: check_sqs_wildcard_actions,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SQS-002",
            title: "SQS queue policy allows anyone",
            severity: Severity::High,
            description: "An allow statement with principal `*` lets any AWS account (or anonymous caller) use the queue — inject messages, read them, or both — unless a condition names the callers (a fixed `aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`… with `StringEquals`/`ArnEquals`/`ArnLike` without wildcards; `…IfExists` and `ForAllValues:` name nobody) or a `Deny` turns away everyone else (`StringNotEquals aws:SourceVpce`). Source: IAM User Guide, \"AWS global condition context keys\" and \"Condition operators\"; SQS Developer Guide, \"Basic examples of Amazon SQS policies\".",
            remediation: "Name the accounts, roles or services allowed, or restrict the statement with a condition such as `aws:SourceArn` or `aws:PrincipalOrgID`.",
            aliases: &["CKV_AWS_168"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_sqs_queue_policy", "aws_sqs_queue"],
        },
        check: check_sqs_public,
    },
];

// ----- reading policies ------------------------------------------------------------

/// The identity policies a resource holds, with the attribute path of each.
pub(super) fn identity_policies(resource: &Resource) -> Vec<(String, Option<&Value>)> {
    if resource.resource_type() != "aws_iam_role" {
        return vec![("policy".to_owned(), resource.attributes.get("policy"))];
    }
    let inline = configured(resource.attributes.get("inline_policy"));
    if inline.is_some_and(Value::contains_unknown) && blocks(inline).is_empty() {
        // A `dynamic "inline_policy"` block: policies not known statically.
        return vec![("inline_policy".to_owned(), inline)];
    }
    blocks(inline)
        .into_iter()
        .enumerate()
        .map(|(i, block)| (format!("inline_policy.{i}.policy"), block.get("policy")))
        .collect()
}

/// Runs a document check over policies, failing each offending one and saying
/// "cannot tell" once when nothing failed but some policy could not be read.
pub(super) fn report(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    policies: Vec<(String, Option<&Value>)>,
    check: impl Fn(&Document) -> Tri<String>,
    message: impl Fn(&str) -> String,
) {
    let mut failed = false;
    // The first policy that could not be read, which the message names so that
    // the undetermined check says why.
    let mut unknown = None;
    for (path, value) in policies {
        match policy::document(ctx, resource, value) {
            Tri::Known(document) => match check(&document) {
                Tri::Known(what) => {
                    failed = true;
                    out.fail(message(&what), Some(&path));
                }
                Tri::Unknown => {
                    unknown.get_or_insert(path);
                }
                Tri::Missing => {}
            },
            Tri::Unknown => {
                unknown.get_or_insert(path);
            }
            Tri::Missing => {}
        }
    }
    if let Some(path) = unknown
        && !failed
    {
        out.cannot_tell(format!(
            "the policy of `{}` (`{path}`) depends on values not known statically (a variable, a function call, or a value known only after apply)",
            resource.address
        ));
    }
}

/// Two findings that must both hold, reported together (`action` on `resource`):
/// `Known` when both are, `Missing` when either is, `Unknown` otherwise.
pub(super) fn both_found(a: Tri<String>, b: impl FnOnce() -> Tri<String>) -> Tri<String> {
    match a {
        Tri::Missing => Tri::Missing,
        Tri::Known(first) => match b() {
            Tri::Known(second) => Tri::Known(format!("{first}` on `{second}")),
            Tri::Missing => Tri::Missing,
            Tri::Unknown => Tri::Unknown,
        },
        Tri::Unknown => match b() {
            Tri::Missing => Tri::Missing,
            _ => Tri::Unknown,
        },
    }
}

/// A finding as a boolean.
fn found(finding: Tri<String>) -> Tri<bool> {
    match finding {
        Tri::Known(_) => Tri::Known(true),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    }
}

// ----- wildcards (AWS-0057) and administrator access --------------------------------

/// Allow statements must not use wildcarded actions, wildcarded resources for actions
/// that support resource-level permissions, or wildcarded principals.
fn check_policy_wildcards(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        identity_policies(resource),
        |document| document.find(wildcard_in_statement),
        |what| format!("policy of `{}` {what}", resource.address),
    );
}

fn wildcard_in_statement(statement: &Statement) -> Tri<String> {
    when(statement.allows(), || {
        Tri::first([
            statement.find_action(Text::has_wildcard).map(|a| {
                format!("allows the wildcarded action `{a}`")
            }),
            wildcard_resource(statement).map(|r| {
                format!(
                    "allows actions that support resource-level permissions on the wildcarded resource `{r}`"
                )
            }),
            when(statement.has_wildcard_principal(), || {
                Tri::Known("grants access to a wildcarded principal".to_owned())
            }),
        ])
    })
}

/// A resource with `*` is fine when every action of the statement only works on `*`,
/// for object keys under a named S3 bucket, and for the log streams of a named log group.
fn wildcard_resource(statement: &Statement) -> Tri<String> {
    let all_need_wildcard = match &statement.actions {
        // No `Action` (a `NotAction` statement): nothing to scope, as Trivy reads it.
        Tri::Missing => Tri::Known(true),
        Tri::Unknown => Tri::Unknown,
        Tri::Known(actions) => !Tri::any(actions.iter().map(|a| !a.test(only_on_any_resource))),
    };
    when(!all_need_wildcard, || {
        statement.find_resource(|r| {
            Tri::and(r.has_wildcard(), || {
                !r.test(|arn| s3_object_key_wildcard(arn) || log_stream_wildcard(arn))
            })
        })
    })
}

/// `arn:aws:s3:::bucket/prefix/*`: a wildcard only in the object key, under a named bucket.
fn s3_object_key_wildcard(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[2] != "s3" {
        return false;
    }
    match parts[5].split_once('/') {
        Some((bucket, key)) => !bucket.contains('*') && key.contains('*'),
        None => false,
    }
}

/// `arn:aws:logs:region:account:log-group:name:*`: the log streams of one log group.
fn log_stream_wildcard(arn: &str) -> bool {
    let Some(rest) = arn
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(':'))
        .and_then(|(_partition, r)| r.strip_prefix("logs:"))
    else {
        return false;
    };
    let Some((account_part, group)) = rest.split_once(":log-group:") else {
        return false;
    };
    // `region:account` must name an account; the group name must be non-empty and
    // literal, followed by `:*`.
    account_part
        .split_once(':')
        .is_some_and(|(_, account)| !account.is_empty())
        && group
            .split_once(":*")
            .is_some_and(|(name, _)| !name.is_empty() && !name.contains('*'))
}

/// Actions that support no resource-level permissions: AWS only accepts `Resource: "*"`
/// for them. A curated list of the common ones (from the AWS Service Authorization
/// Reference); other actions are treated as scopable, which can only make the rule
/// stricter.
const ACTIONS_ONLY_ON_ANY_RESOURCE: &[&str] = &[
    "acm:listcertificates",
    "autoscaling:describeautoscalinggroups",
    "autoscaling:describeautoscalinginstances",
    "autoscaling:describelaunchconfigurations",
    "autoscaling:describepolicies",
    "autoscaling:describescalingactivities",
    "autoscaling:describetags",
    "cloudformation:describeaccountlimits",
    "cloudformation:listexports",
    "cloudformation:liststacks",
    "cloudformation:validatetemplate",
    "cloudtrail:describetrails",
    "cloudtrail:lookupevents",
    "cloudwatch:getmetricdata",
    "cloudwatch:getmetricstatistics",
    "cloudwatch:getmetricwidgetimage",
    "cloudwatch:listdashboards",
    "cloudwatch:listmetrics",
    "cloudwatch:putmetricdata",
    "dynamodb:describelimits",
    "dynamodb:listtables",
    "ec2:describeaccountattributes",
    "ec2:describeaddresses",
    "ec2:describeavailabilityzones",
    "ec2:describedhcpoptions",
    "ec2:describeimages",
    "ec2:describeinstances",
    "ec2:describeinstancestatus",
    "ec2:describeinstancetypes",
    "ec2:describeinternetgateways",
    "ec2:describekeypairs",
    "ec2:describelaunchtemplates",
    "ec2:describelaunchtemplateversions",
    "ec2:describenatgateways",
    "ec2:describenetworkacls",
    "ec2:describenetworkinterfaces",
    "ec2:describeprefixlists",
    "ec2:describeregions",
    "ec2:describeroutetables",
    "ec2:describesecuritygrouprules",
    "ec2:describesecuritygroups",
    "ec2:describesnapshots",
    "ec2:describespotpricehistory",
    "ec2:describesubnets",
    "ec2:describetags",
    "ec2:describevolumes",
    "ec2:describevpcendpoints",
    "ec2:describevpcs",
    "ecr:getauthorizationtoken",
    "ecs:deregistertaskdefinition",
    "ecs:describetaskdefinition",
    "ecs:listclusters",
    "ecs:listtaskdefinitionfamilies",
    "ecs:listtaskdefinitions",
    "ecs:registertaskdefinition",
    "eks:listclusters",
    "elasticloadbalancing:describelistenercertificates",
    "elasticloadbalancing:describelisteners",
    "elasticloadbalancing:describeloadbalancerattributes",
    "elasticloadbalancing:describeloadbalancers",
    "elasticloadbalancing:describerules",
    "elasticloadbalancing:describesslpolicies",
    "elasticloadbalancing:describetags",
    "elasticloadbalancing:describetargetgroupattributes",
    "elasticloadbalancing:describetargetgroups",
    "elasticloadbalancing:describetargethealth",
    "es:listdomainnames",
    "guardduty:listdetectors",
    "iam:generatecredentialreport",
    "iam:getaccountauthorizationdetails",
    "iam:getaccountpasswordpolicy",
    "iam:getaccountsummary",
    "iam:getcredentialreport",
    "iam:listaccountaliases",
    "iam:listgroups",
    "iam:listopenidconnectproviders",
    "iam:listpolicies",
    "iam:listroles",
    "iam:listsamlproviders",
    "iam:listservercertificates",
    "iam:listusers",
    "iam:listvirtualmfadevices",
    "kms:createkey",
    "kms:generaterandom",
    "kms:listaliases",
    "kms:listkeys",
    "lambda:getaccountsettings",
    "lambda:listeventsourcemappings",
    "lambda:listfunctions",
    "lambda:listlayers",
    "logs:describedestinations",
    "logs:describeexporttasks",
    "logs:describeloggroups",
    "logs:describequeries",
    "logs:describeresourcepolicies",
    "organizations:describeorganization",
    "rds:describedbengineversions",
    "rds:describeorderabledbinstanceoptions",
    "route53:gethostedzonecount",
    "route53:listhostedzones",
    "route53:listhostedzonesbyname",
    "s3:getaccountpublicaccessblock",
    "s3:listallmybuckets",
    "s3:putaccountpublicaccessblock",
    "secretsmanager:getrandompassword",
    "secretsmanager:listsecrets",
    "sns:listtopics",
    "sqs:listqueues",
    "ssm:describeparameters",
    "sts:getcalleridentity",
    "tag:getresources",
    "tag:gettagkeys",
    "tag:gettagvalues",
    "xray:getsamplingrules",
    "xray:getsamplingstatisticsummaries",
    "xray:getsamplingtargets",
    "xray:puttelemetryrecords",
    "xray:puttracesegments",
];

fn only_on_any_resource(action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    ACTIONS_ONLY_ON_ANY_RESOURCE
        .binary_search(&action.as_str())
        .is_ok()
}

/// `*`, `*:*` or `<service>:*`: every action of a service. An allow with `NotAction`
/// allows everything it does not list.
fn check_service_wildcard_actions(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        identity_policies(resource),
        |document| {
            document.find(|s| {
                when(s.allows(), || {
                    Tri::first([
                        s.find_action(|a| a.test(|x| x == "*" || x.ends_with(":*")))
                            .map(|a| format!("allows every action of `{a}`")),
                        match &s.not_actions {
                            Tri::Known(listed) if !listed.is_empty() => Tri::Known(
                                "allows every action except those in `NotAction`".to_owned(),
                            ),
                            Tri::Unknown => Tri::Unknown,
                            _ => Tri::Missing,
                        },
                    ])
                })
            })
        },
        |what| format!("policy of `{}` {what}", resource.address),
    );
}

/// `Action: "*"` on `Resource: "*"`, or the AWS managed `AdministratorAccess` attached.
fn check_full_admin(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if IDENTITY_POLICY_TYPES.contains(&resource.resource_type()) {
        report_actions_on_everything(
            resource,
            ctx,
            out,
            &["*", "*:*"],
            "full administrator access",
        );
    }
    // `AdministratorAccess` is `"Action": "*"` on `"Resource": "*"`.
    if POLICY_ATTACHMENT_TYPES.contains(&resource.resource_type()) {
        report_managed_policy(resource, ctx, out, "AdministratorAccess");
    }
}

/// `iam:*` (or `*`) on `Resource: "*"`.
fn check_full_iam(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_actions_on_everything(
        resource,
        ctx,
        out,
        &["*", "*:*", "iam:*"],
        "full IAM privileges",
    );
}

/// Fails each identity policy that allows one of `actions` on `Resource: "*"`.
fn report_actions_on_everything(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    actions: &[&str],
    grant: &str,
) {
    report(
        resource,
        ctx,
        out,
        identity_policies(resource),
        |document| {
            document.find(|s| {
                when(s.allows(), || {
                    both_found(s.find_action(|a| a.is_any(actions)), || {
                        s.find_resource(|r| r.is("*"))
                    })
                })
            })
        },
        |what| format!("policy of `{}` grants {grant} (`{what}`)", resource.address),
    );
}

// ----- S3 full access (AWS-0345) ----------------------------------------------------

/// An allow of `s3:*` not revoked by an unconditional deny of `s3:*` (or `*`) on every
/// resource; or an attachment of the AWS managed `AmazonS3FullAccess` policy.
fn check_s3_full_access(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if IDENTITY_POLICY_TYPES.contains(&resource.resource_type()) {
        report(
            resource,
            ctx,
            out,
            identity_policies(resource),
            s3_full_access,
            |what| format!("policy of `{}` allows `{what}`", resource.address),
        );
    }
    if POLICY_ATTACHMENT_TYPES.contains(&resource.resource_type()) {
        report_managed_policy(resource, ctx, out, "AmazonS3FullAccess");
    }
}

fn s3_full_access(document: &Document) -> Tri<String> {
    let allowed = document.find(|s| when(s.allows(), || s.find_action(|a| a.is("s3:*"))));
    let Tri::Known(action) = allowed else {
        return allowed;
    };
    let denied = document.any(|s| {
        Tri::and(s.denies(), || {
            Tri::and(!s.has_condition(), || {
                Tri::and(found(s.find_action(|a| a.is_any(&["s3:*", "*"]))), || {
                    found(s.find_resource(|r| r.is("*")))
                })
            })
        })
    });
    match denied {
        Tri::Known(true) => Tri::Missing,
        Tri::Known(false) | Tri::Missing => Tri::Known(action),
        Tri::Unknown => Tri::Unknown,
    }
}

/// Fails an attachment (or a role's `managed_policy_arns`) of the AWS managed policy
/// `name`.
fn report_managed_policy(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts, name: &str) {
    let attached: Vec<(&str, &Value)> = if resource.resource_type() == "aws_iam_role" {
        match configured(resource.attributes.get("managed_policy_arns")) {
            Some(Value::List(arns)) => arns.iter().map(|a| ("managed_policy_arns", a)).collect(),
            Some(other) if other.is_unknown() => vec![("managed_policy_arns", other)],
            _ => Vec::new(),
        }
    } else {
        resource
            .attributes
            .get("policy_arn")
            .map(|a| vec![("policy_arn", a)])
            .unwrap_or_default()
    };
    let mut unknown = false;
    for (path, value) in attached {
        match managed_policy_name(ctx, resource, value) {
            Tri::Known(attached_name) if attached_name == name => {
                out.fail(
                    format!(
                        "`{}` attaches the AWS managed policy `{name}`",
                        resource.address
                    ),
                    Some(path),
                );
                return;
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell(format!(
            "the policy ARN attached by `{}` is not known statically",
            resource.address
        ));
    }
}

/// The name of the AWS managed policy an ARN value names (`arn:aws:iam::aws:policy/X`),
/// `Missing` when it names a customer policy, `Unknown` when it cannot be known.
fn managed_policy_name(ctx: &Context<'_>, from: &Resource, value: &Value) -> Tri<String> {
    let arn_name = |arn: &str| -> Tri<String> {
        match arn.split_once(":iam::aws:policy/") {
            Some((_, path)) => Tri::Known(path.rsplit('/').next().unwrap_or(path).to_owned()),
            None => Tri::Missing,
        }
    };
    if let Some(data) = ctx.only_data_source(from, Some(value))
        && data.resource_type() == "aws_iam_policy"
    {
        // `data "aws_iam_policy"` looks a policy up by ARN or by name; a name that
        // is not an AWS managed policy's is a customer policy, checked on its own.
        // Instances that look up different policies leave it open.
        let mut names =
            data.instances
                .iter()
                .map(|policy| match Tri::str(policy.attributes.get("arn")) {
                    Tri::Known(arn) => arn_name(arn),
                    Tri::Missing => match Tri::str(policy.attributes.get("name")) {
                        Tri::Known(name) => Tri::Known(name.to_owned()),
                        _ => Tri::Unknown,
                    },
                    Tri::Unknown => Tri::Unknown,
                });
        let first = names.next().unwrap_or(Tri::Unknown);
        return if names.all(|other| other == first) {
            first
        } else {
            Tri::Unknown
        };
    }
    if let Some(policy) = ctx.resolve(from, Some(value))
        && policy.resource_type() == "aws_iam_policy"
        && is_managed(policy)
    {
        // A policy created here is a customer policy, checked on its own.
        return Tri::Missing;
    }
    // A literal, or a template such as `arn:${data.aws_partition.p.partition}:iam::aws:policy/X`;
    // interpolated resource attributes never spell out an AWS managed policy ARN.
    match policy::text_of(value).sample() {
        Some(arn) => arn_name(&arn),
        None => Tri::Unknown,
    }
}

// ----- users, root, groups ----------------------------------------------------------

/// Policies belong on groups and roles: any user policy or user attachment fails.
fn check_user_attached_policies(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match resource.resource_type() {
        "aws_iam_user_policy" => out.fail(
            format!(
                "`{}` is an inline policy attached directly to a user",
                resource.address
            ),
            Some("user"),
        ),
        "aws_iam_user_policy_attachment" => out.fail(
            format!(
                "`{}` attaches a policy directly to a user",
                resource.address
            ),
            Some("user"),
        ),
        _ => match Tri::list(resource.attributes.get("users")) {
            Tri::Known(users) if !users.is_empty() => out.fail(
                format!("`{}` attaches a policy directly to users", resource.address),
                Some("users"),
            ),
            Tri::Unknown => out.cannot_tell(format!(
                "the users `{}` attaches its policy to are not known statically",
                resource.address
            )),
            _ => {}
        },
    }
}

/// An active access key (the default status) for a user named `root`.
fn check_root_access_key(key: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(key.attributes.get("status")) {
        Tri::Known(status) if status.eq_ignore_ascii_case("Inactive") => return,
        Tri::Unknown => {
            // The key may be inactive; only a root user would make it matter.
            if user_name(ctx, key).known().is_some_and(|n| is_root(&n)) {
                out.cannot_tell("the status of an access key for `root` is not known statically");
            }
            return;
        }
        _ => {}
    }
    match user_name(ctx, key) {
        Tri::Known(name) if is_root(&name) => out.fail(
            format!("`{}` is an access key for the root user", key.address),
            Some("user"),
        ),
        Tri::Unknown => out.cannot_tell(format!(
            "the user `{}` belongs to is not known statically",
            key.address
        )),
        _ => {}
    }
}

fn is_root(name: &str) -> bool {
    name.eq_ignore_ascii_case("root")
}

/// The user name of an access key: the literal, or the `name` of the `aws_iam_user`
/// it refers to.
pub(super) fn user_name(ctx: &Context<'_>, key: &Resource) -> Tri<String> {
    let user = key.attributes.get("user");
    match Tri::str(user) {
        Tri::Known(name) => Tri::Known(name.to_owned()),
        Tri::Missing => Tri::Missing,
        Tri::Unknown => match ctx.resolve(key, user) {
            Some(u) if u.resource_type() == "aws_iam_user" => {
                match Tri::str(u.attributes.get("name")) {
                    Tri::Known(name) => Tri::Known(name.to_owned()),
                    _ => Tri::Unknown,
                }
            }
            _ => Tri::Unknown,
        },
    }
}

/// Condition keys that tie a statement to MFA.
const MFA_KEYS: &[&str] = &["aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge"];

/// A group enforces MFA when one of its policies (inline, attached through
/// `aws_iam_group_policy_attachment` or `aws_iam_policy_attachment`) has a statement
/// conditioned on MFA.
fn check_group_mfa(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unknown = false;
    let mut consider = |document: Tri<Document>| -> bool {
        match document {
            Tri::Known(document) => match document.any(|s| s.has_condition_key(MFA_KEYS)) {
                Tri::Known(true) => return true,
                Tri::Unknown => unknown = true,
                _ => {}
            },
            Tri::Unknown => unknown = true,
            Tri::Missing => {}
        }
        false
    };

    let inline = ctx.referencing(group, "aws_iam_group_policy", "group");
    for policy in &inline.definite {
        if consider(policy::document(
            ctx,
            policy,
            policy.attributes.get("policy"),
        )) {
            return;
        }
    }
    let attachments = ctx.referencing(group, "aws_iam_group_policy_attachment", "group");
    let shared = ctx.referencing(group, "aws_iam_policy_attachment", "groups");
    for attachment in attachments.definite.iter().chain(&shared.definite) {
        if consider(attached_document(ctx, attachment)) {
            return;
        }
    }
    if unknown || inline.unresolved || attachments.unresolved || shared.unresolved {
        out.cannot_tell(format!(
            "some policy of group `{}` is not known statically",
            group.address
        ));
    } else {
        out.fail(
            format!(
                "no policy of group `{}` requires multi-factor authentication",
                group.address
            ),
            None,
        );
    }
}

/// The document of the policy an attachment's `policy_arn` names. AWS managed policies
/// have no MFA conditions; a customer policy not in this change cannot be read.
fn attached_document(ctx: &Context<'_>, attachment: &Resource) -> Tri<Document> {
    let arn = attachment.attributes.get("policy_arn");
    if let Some(policy) = ctx.resolve(attachment, arn)
        && policy.resource_type() == "aws_iam_policy"
    {
        if is_managed(policy) {
            return policy::document(ctx, policy, policy.attributes.get("policy"));
        }
        // `data "aws_iam_policy"`: an existing policy whose document is not here.
        return Tri::Unknown;
    }
    match Tri::str(arn) {
        Tri::Known(literal) => {
            for policy in ctx.of_type("aws_iam_policy") {
                if is_managed(policy) && ctx.refers_to(attachment, arn, policy) == Tri::Known(true)
                {
                    return policy::document(ctx, policy, policy.attributes.get("policy"));
                }
            }
            if literal.contains(":iam::aws:policy/") {
                Tri::Known(Document::default())
            } else {
                Tri::Unknown
            }
        }
        Tri::Missing => Tri::Missing,
        // `arn:${data.aws_partition.p.partition}:iam::aws:policy/X` is still AWS managed.
        Tri::Unknown => match arn.map(policy::text_of).and_then(|t| t.sample()) {
            Some(sample) if sample.contains(":iam::aws:policy/") => Tri::Known(Document::default()),
            _ => Tri::Unknown,
        },
    }
}

// ----- account password policy ------------------------------------------------------

/// A boolean password requirement; the provider default is `false`.
fn password_requirement(policy: &Resource, out: &mut Verdicts, attribute: &str, what: &str) {
    match Tri::bool(policy.attributes.get(attribute)).or_default_value(false) {
        Tri::Known(false) => out.fail(
            format!(
                "password policy `{}` does not require {what}",
                policy.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

/// Lowercase letters are required.
fn check_password_lowercase(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    password_requirement(
        policy,
        out,
        "require_lowercase_characters",
        "lowercase letters",
    );
}

/// Numbers are required.
fn check_password_numbers(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    password_requirement(policy, out, "require_numbers", "numbers");
}

/// Symbols are required.
fn check_password_symbols(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    password_requirement(policy, out, "require_symbols", "symbols");
}

/// Uppercase letters are required.
fn check_password_uppercase(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    password_requirement(
        policy,
        out,
        "require_uppercase_characters",
        "uppercase letters",
    );
}

/// At least the last 5 passwords are remembered; unset means none are.
fn check_password_reuse(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::number(policy.attributes.get("password_reuse_prevention")) {
        Tri::Missing => out.fail(
            format!(
                "password policy `{}` does not prevent password reuse",
                policy.address
            ),
            None,
        ),
        Tri::Known(n) if n < 5.0 => out.fail(
            format!(
                "password policy `{}` remembers only {n} previous passwords (at least 5 needed)",
                policy.address
            ),
            Some("password_reuse_prevention"),
        ),
        Tri::Unknown => out.cannot_tell("`password_reuse_prevention` is not known statically"),
        _ => {}
    }
}

/// Passwords expire within 90 days; unset means they never expire.
fn check_password_max_age(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::number(policy.attributes.get("max_password_age")) {
        Tri::Missing => out.fail(
            format!(
                "password policy `{}` never expires passwords",
                policy.address
            ),
            None,
        ),
        Tri::Known(days) if days > 90.0 || days <= 0.0 => out.fail(
            format!(
                "password policy `{}` lets passwords live {days} days (at most 90 allowed)",
                policy.address
            ),
            Some("max_password_age"),
        ),
        Tri::Unknown => out.cannot_tell("`max_password_age` is not known statically"),
        _ => {}
    }
}

/// Passwords have at least 14 characters; AWS's default minimum is 6.
fn check_password_length(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::number(policy.attributes.get("minimum_password_length")).or_default_value(6.0) {
        Tri::Known(n) if n < 14.0 => out.fail(
            format!(
                "password policy `{}` allows passwords of {n} characters (at least 14 needed)",
                policy.address
            ),
            Some("minimum_password_length"),
        ),
        Tri::Unknown => out.cannot_tell("`minimum_password_length` is not known statically"),
        _ => {}
    }
}

// ----- resource policies ------------------------------------------------------------

/// A permission for an AWS service principal (`*.amazonaws.com`) names the source
/// resource it is for.
fn check_lambda_source_arn(permission: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let service = match Tri::str(permission.attributes.get("principal")) {
        Tri::Known(principal) => principal.ends_with(".amazonaws.com"),
        Tri::Unknown => {
            if matches!(
                Tri::str(permission.attributes.get("source_arn")),
                Tri::Missing | Tri::Known("")
            ) {
                out.cannot_tell("the principal of the Lambda permission is not known statically");
            }
            return;
        }
        Tri::Missing => false,
    };
    if !service {
        return;
    }
    if matches!(
        Tri::str(permission.attributes.get("source_arn")),
        Tri::Missing | Tri::Known("")
    ) {
        out.fail(
            format!(
                "`{}` lets an AWS service invoke the function without `source_arn`",
                permission.address
            ),
            Some("principal"),
        );
    }
}

/// Anyone (`*`, `arn:aws:iam::*:root`) may assume the role, with no condition.
fn check_open_trust_policy(role: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        role,
        ctx,
        out,
        vec![(
            "assume_role_policy".to_owned(),
            role.attributes.get("assume_role_policy"),
        )],
        |document| document.find_public_grant(),
        |what| format!("trust policy of `{}` {what}", role.address),
    );
}

/// The queue policy's attribute: `policy` on both resource types.
fn queue_policy(resource: &Resource) -> Vec<(String, Option<&Value>)> {
    let policy = resource.attributes.get("policy");
    let policy = if resource.resource_type() == "aws_sqs_queue" {
        configured(policy)
    } else {
        policy
    };
    vec![("policy".to_owned(), policy)]
}

/// No allow statement uses `sqs:*` or `*`.
fn check_sqs_wildcard_actions(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        queue_policy(resource),
        |document| {
            document.find(|s| when(s.allows(), || s.find_action(|a| a.is_any(&["*", "sqs:*"]))))
        },
        |what| {
            format!(
                "queue policy of `{}` allows every SQS action (`{what}`)",
                resource.address
            )
        },
    );
}

/// No allow statement opens the queue to anyone without a condition.
fn check_sqs_public(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        queue_policy(resource),
        |document| document.find_public_grant(),
        |what| format!("queue policy of `{}` {what}", resource.address),
    );
}

#[cfg(test)]
mod tests {
    use crate::changeset::{ChangeSet, Document, Origin};
    use crate::review::{Review, review};
    use crate::rules::test_support::{messages, review_files};

    fn review_hcl(hcl: &str) -> Review {
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    fn flagged(review: &Review, rule: &str) -> Vec<String> {
        review
            .findings
            .iter()
            .filter(|f| f.rule_id == rule)
            .filter_map(|f| f.resource.clone())
            .collect()
    }

    fn undetermined(review: &Review, rule: &str) -> Vec<String> {
        review
            .undetermined
            .iter()
            .filter(|u| u.rule_id == rule)
            .map(|u| u.resource.clone())
            .collect()
    }

    fn review_plan(resource_changes: &str) -> Review {
        let json = format!(
            r#"{{"format_version":"1.2","terraform_version":"1.9.0","resource_changes":[{resource_changes}]}}"#
        );
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [Document::detect("plan.json", json.as_str())],
        );
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    fn change(resource_type: &str, name: &str, after: &str, after_unknown: &str) -> String {
        format!(
            r#"{{"address":"{resource_type}.{name}","mode":"managed","type":"{resource_type}","name":"{name}",
               "provider_name":"registry.terraform.io/hashicorp/aws",
               "change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{after_unknown}}}}}"#
        )
    }

    const ADMIN: &str = "RG-AWS-IAM-003";
    const WILDCARDS: &str = "RG-AWS-IAM-001";
    const SERVICE_WILDCARD: &str = "RG-AWS-IAM-002";

    #[test]
    fn full_admin_is_found_in_every_policy_shape() {
        let r = review_hcl(
            r#"
resource "aws_iam_policy" "inline_json" {
  policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
}

resource "aws_iam_role_policy" "jsonencode_with_references" {
  role = aws_iam_role.r.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.b.arn}/*" },
      { Effect = "Allow", Action = ["*"], Resource = ["*"] },
    ]
  })
}

data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_user_policy" "document" {
  user   = "ops"
  policy = data.aws_iam_policy_document.admin.json
}

resource "aws_iam_role" "inline" {
  name               = "r"
  assume_role_policy = "{}"
  inline_policy {
    name   = "admin"
    policy = <<-EOF
      {
        "Statement": {"Effect": "Allow", "Action": "*:*", "Resource": "*"}
      }
    EOF
  }
}

resource "aws_iam_group_policy" "denied" {
  group  = "g"
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "scoped" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = aws_s3_bucket.b.arn }] })
}
"#,
        );
        let mut admin = flagged(&r, ADMIN);
        admin.sort();
        assert_eq!(
            admin,
            [
                "aws_iam_policy.inline_json",
                "aws_iam_role.inline",
                "aws_iam_role_policy.jsonencode_with_references",
                "aws_iam_user_policy.document",
            ]
        );
        assert!(undetermined(&r, ADMIN).is_empty(), "{:?}", r.undetermined);
        let finding = r
            .findings
            .iter()
            .find(|f| f.rule_id == ADMIN && f.resource.as_deref() == Some("aws_iam_role.inline"))
            .expect("inline policy finding");
        assert_eq!(finding.line, Some(34), "points at the inline policy");
        // `Action = "*"` on one bucket is not administrator access, but it is a
        // wildcard action.
        assert!(flagged(&r, SERVICE_WILDCARD).contains(&"aws_iam_policy.scoped".to_owned()));
        assert!(!flagged(&r, SERVICE_WILDCARD).contains(&"aws_iam_group_policy.denied".to_owned()));
    }

    #[test]
    fn service_wildcards_and_not_action_are_wildcard_actions() {
        let r = review_hcl(
            r#"
resource "aws_iam_policy" "service" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "dynamodb:*", Resource = aws_dynamodb_table.t.arn }] })
}
resource "aws_iam_policy" "not_action" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", NotAction = "iam:*", Resource = "*" }] })
}
resource "aws_iam_policy" "prefix" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:Get*", Resource = aws_s3_bucket.b.arn }] })
}
resource "aws_iam_policy" "from_variable" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }] })
}
"#,
        );
        let mut found = flagged(&r, SERVICE_WILDCARD);
        found.sort();
        assert_eq!(
            found,
            ["aws_iam_policy.not_action", "aws_iam_policy.service"]
        );
        assert_eq!(
            undetermined(&r, SERVICE_WILDCARD),
            ["aws_iam_policy.from_variable"]
        );
        // Trivy's rule also counts partial wildcards (`s3:Get*`).
        assert!(flagged(&r, WILDCARDS).contains(&"aws_iam_policy.prefix".to_owned()));
    }

    #[test]
    fn wildcard_resources_are_allowed_only_where_aws_needs_them() {
        let r = review_hcl(
            r#"
resource "aws_iam_policy" "describe_only" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["ec2:DescribeInstances", "s3:ListAllMyBuckets"], Resource = "*" }] })
}
resource "aws_iam_policy" "objects_under_bucket" {
  policy = <<EOF
{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.b.arn}/*"}]}
EOF
}
resource "aws_iam_policy" "log_streams" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.g.arn}:*" }] })
}
resource "aws_iam_policy" "any_log_group" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream"], Resource = "*" }] })
}
resource "aws_iam_policy" "any_bucket" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::*" }] })
}
resource "aws_iam_policy" "variable_resource" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "${var.bucket_arn}/*" }] })
}
resource "aws_iam_policy" "variable_arn" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = var.bucket_arn }] })
}
"#,
        );
        let mut found = flagged(&r, WILDCARDS);
        found.sort();
        assert_eq!(
            found,
            ["aws_iam_policy.any_bucket", "aws_iam_policy.any_log_group"]
        );
        // `${var.bucket_arn}/*` has a literal `*` after an unknown bucket; a bare
        // variable could itself be `*`.
        let mut unknown = undetermined(&r, WILDCARDS);
        unknown.sort();
        assert_eq!(
            unknown,
            [
                "aws_iam_policy.variable_arn",
                "aws_iam_policy.variable_resource"
            ]
        );
    }

    #[test]
    fn policy_documents_merge_sources_and_overrides_by_sid() {
        let r = review_hcl(
            r#"
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Everything"
    actions   = ["*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "narrowed" {
  source_policy_documents   = [data.aws_iam_policy_document.base.json]
  override_policy_documents = [jsonencode({ Statement = [{ Sid = "Everything", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*" }] })]
}
data "aws_iam_policy_document" "extended" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid       = "Other"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.q.arn]
  }
}
data "aws_iam_policy_document" "dynamic" {
  dynamic "statement" {
    for_each = var.statements
    content {
      actions   = statement.value.actions
      resources = ["*"]
    }
  }
}
resource "aws_iam_policy" "narrowed" { policy = data.aws_iam_policy_document.narrowed.json }
resource "aws_iam_policy" "extended" { policy = data.aws_iam_policy_document.extended.json }
resource "aws_iam_policy" "dynamic" { policy = data.aws_iam_policy_document.dynamic.json }
resource "aws_iam_policy" "missing_document" { policy = data.aws_iam_policy_document.elsewhere.json }
"#,
        );
        assert_eq!(flagged(&r, ADMIN), ["aws_iam_policy.extended"]);
        let mut unknown = undetermined(&r, ADMIN);
        unknown.sort();
        assert_eq!(
            unknown,
            ["aws_iam_policy.dynamic", "aws_iam_policy.missing_document"]
        );
    }

    #[test]
    fn unknown_effect_or_policy_is_cannot_tell() {
        let r = review_hcl(
            r#"
resource "aws_iam_policy" "effect" {
  policy = jsonencode({ Statement = [{ Effect = var.effect, Action = "*", Resource = "*" }] })
}
resource "aws_iam_policy" "file" {
  policy = file("${path.module}/policy.json")
}
resource "aws_iam_policy" "narrow" {
  policy = jsonencode({ Statement = [{ Effect = var.effect, Action = "s3:GetObject", Resource = "arn:aws:s3:::b/k" }] })
}
"#,
        );
        assert!(flagged(&r, ADMIN).is_empty());
        let mut unknown = undetermined(&r, ADMIN);
        unknown.sort();
        assert_eq!(unknown, ["aws_iam_policy.effect", "aws_iam_policy.file"]);
    }

    #[test]
    fn plan_policies_known_and_known_after_apply() {
        let admin = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"#;
        let r = review_plan(
            &[
                change(
                    "aws_iam_policy",
                    "admin",
                    &format!(r#"{{"name":"a","policy":"{admin}"}}"#),
                    "{}",
                ),
                change(
                    "aws_iam_policy",
                    "later",
                    r#"{"name":"b"}"#,
                    r#"{"policy":true}"#,
                ),
                change(
                    "aws_sqs_queue_policy",
                    "q",
                    r#"{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"sqs:*\"}]}"}"#,
                    r#"{"queue_url":true}"#,
                ),
                change(
                    "aws_sqs_queue_policy",
                    "later",
                    r#"{}"#,
                    r#"{"policy":true,"queue_url":true}"#,
                ),
                // Unset optional-computed attributes are known after apply in a plan:
                // they are not policies this resource sets.
                change(
                    "aws_sqs_queue",
                    "plain",
                    r#"{"name":"q"}"#,
                    r#"{"policy":true,"arn":true}"#,
                ),
                change(
                    "aws_iam_role",
                    "plain",
                    r#"{"name":"r","assume_role_policy":"{\"Statement\":[]}"}"#,
                    r#"{"inline_policy":true,"managed_policy_arns":true,"arn":true}"#,
                ),
            ]
            .join(","),
        );
        assert_eq!(flagged(&r, ADMIN), ["aws_iam_policy.admin"]);
        assert_eq!(undetermined(&r, ADMIN), ["aws_iam_policy.later"]);
        assert_eq!(flagged(&r, "RG-AWS-SQS-001"), ["aws_sqs_queue_policy.q"]);
        assert_eq!(
            undetermined(&r, "RG-AWS-SQS-001"),
            ["aws_sqs_queue_policy.later"]
        );
        assert!(
            r.undetermined
                .iter()
                .all(|u| !u.resource.ends_with(".plain")),
            "{:?}",
            r.undetermined
        );
        // A named account is not "anyone".
        assert!(flagged(&r, "RG-AWS-SQS-002").is_empty());
    }

    #[test]
    fn full_iam_and_s3_full_access() {
        let r = review_hcl(
            r#"
resource "aws_iam_policy" "iam" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })
}
resource "aws_iam_policy" "s3_denied" {
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = "s3:*", Resource = "*" },
    { Effect = "Deny", Action = "s3:*", Resource = "*" },
  ] })
}
resource "aws_iam_policy" "s3_denied_conditionally" {
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = "s3:*", Resource = "*" },
    { Effect = "Deny", Action = "s3:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } },
  ] })
}
data "aws_iam_policy" "s3" { name = "AmazonS3FullAccess" }
resource "aws_iam_group_policy_attachment" "by_data_source" {
  group      = "g"
  policy_arn = data.aws_iam_policy.s3.arn
}
resource "aws_iam_role" "managed" {
  name                = "r"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
}
resource "aws_iam_user_policy_attachment" "customer" {
  user       = "u"
  policy_arn = aws_iam_policy.iam.arn
}
resource "aws_iam_role_policy_attachment" "partition" {
  role       = "r"
  policy_arn = "arn:${data.aws_partition.p.partition}:iam::aws:policy/AmazonS3FullAccess"
}
data "aws_partition" "p" {}
resource "aws_iam_role_policy_attachment" "other_managed" {
  role       = "r"
  policy_arn = "arn:${data.aws_partition.p.partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
resource "aws_iam_role_policy_attachment" "variable" {
  role       = "r"
  policy_arn = var.policy_arn
}
"#,
        );
        assert_eq!(flagged(&r, "RG-AWS-IAM-004"), ["aws_iam_policy.iam"]);
        let mut s3 = flagged(&r, "RG-AWS-IAM-005");
        s3.sort();
        assert_eq!(
            s3,
            [
                "aws_iam_group_policy_attachment.by_data_source",
                "aws_iam_policy.s3_denied_conditionally",
                "aws_iam_role.managed",
                "aws_iam_role_policy_attachment.partition",
            ]
        );
        assert_eq!(
            undetermined(&r, "RG-AWS-IAM-005"),
            ["aws_iam_role_policy_attachment.variable"]
        );
        // Attaching to a user is the user-attachment rule's business.
        assert_eq!(
            flagged(&r, "RG-AWS-IAM-006"),
            ["aws_iam_user_policy_attachment.customer"]
        );
    }

    /// `AdministratorAccess` attached by ARN, or through a `data "aws_iam_policy"`
    /// that looks it up by name or ARN, per instance of a data source with `count`
    /// and inside a module.
    #[test]
    fn attaching_administrator_access_grants_full_administrator_access() {
        let r = review_hcl(
            r#"
data "aws_iam_policy" "admin_by_name" { name = "AdministratorAccess" }
data "aws_iam_policy" "admin_by_arn" { arn = "arn:aws:iam::aws:policy/AdministratorAccess" }
data "aws_iam_policy" "read_only" { name = "ReadOnlyAccess" }
data "aws_iam_policy" "looked_up" { name = var.policy_name }
data "aws_iam_policy" "numbered" {
  count = 2
  name  = ["ReadOnlyAccess", "AdministratorAccess"][count.index]
}
resource "aws_iam_role_policy_attachment" "by_name" {
  role       = "r"
  policy_arn = data.aws_iam_policy.admin_by_name.arn
}
resource "aws_iam_user_policy_attachment" "by_arn" {
  user       = "u"
  policy_arn = data.aws_iam_policy.admin_by_arn.arn
}
resource "aws_iam_group_policy_attachment" "literal" {
  group      = "g"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_role" "managed" {
  name                = "r"
  assume_role_policy  = "{}"
  managed_policy_arns = [data.aws_iam_policy.admin_by_name.arn]
}
resource "aws_iam_role_policy_attachment" "read_only" {
  role       = "r"
  policy_arn = data.aws_iam_policy.read_only.arn
}
resource "aws_iam_role_policy_attachment" "looked_up" {
  role       = "r"
  policy_arn = data.aws_iam_policy.looked_up.arn
}
resource "aws_iam_role_policy_attachment" "numbered" {
  count      = 2
  role       = "r"
  policy_arn = data.aws_iam_policy.numbered[count.index].arn
}
resource "aws_iam_role_policy_attachment" "either" {
  role       = "r"
  policy_arn = var.admin ? data.aws_iam_policy.admin_by_name.arn : data.aws_iam_policy.read_only.arn
}
"#,
        );
        let mut admin = flagged(&r, ADMIN);
        admin.sort();
        assert_eq!(
            admin,
            [
                "aws_iam_group_policy_attachment.literal",
                "aws_iam_role.managed",
                "aws_iam_role_policy_attachment.by_name",
                "aws_iam_role_policy_attachment.numbered[1]",
                "aws_iam_user_policy_attachment.by_arn",
            ]
        );
        let mut open = undetermined(&r, ADMIN);
        open.sort();
        assert_eq!(
            open,
            [
                "aws_iam_role_policy_attachment.either",
                "aws_iam_role_policy_attachment.looked_up",
            ]
        );
        assert!(
            messages(&r, ADMIN)
                .iter()
                .any(|m| m.contains("attaches the AWS managed policy `AdministratorAccess`")),
            "{:?}",
            messages(&r, ADMIN)
        );
        // The same attachment in a module, whose data source reads the call's input.
        let modules = review_files(&[
            (
                "main.tf",
                "module \"admin\" {\n  source = \"./attach\"\n  policy = \"AdministratorAccess\"\n}\nmodule \"reader\" {\n  source = \"./attach\"\n  policy = \"ReadOnlyAccess\"\n}\n",
            ),
            (
                "attach/main.tf",
                "variable \"policy\" {}\ndata \"aws_iam_policy\" \"this\" { name = var.policy }\nresource \"aws_iam_role_policy_attachment\" \"this\" {\n  role       = \"r\"\n  policy_arn = data.aws_iam_policy.this.arn\n}\n",
            ),
        ]);
        assert_eq!(
            flagged(&modules, ADMIN),
            ["module.admin.aws_iam_role_policy_attachment.this"]
        );
    }

    #[test]
    fn group_mfa_follows_attachments_to_policies() {
        let r = review_hcl(
            r#"
resource "aws_iam_group" "attached" { name = "attached" }
resource "aws_iam_group" "shared" { name = "shared" }
resource "aws_iam_group" "managed_only" { name = "managed_only" }
resource "aws_iam_group" "unknown" { name = "unknown" }

resource "aws_iam_policy" "mfa" {
  policy = jsonencode({ Statement = [{
    Effect    = "Deny"
    NotAction = ["iam:ChangePassword"]
    Resource  = "*"
    Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
  }] })
}
resource "aws_iam_group_policy_attachment" "attached" {
  group      = aws_iam_group.attached.name
  policy_arn = aws_iam_policy.mfa.arn
}
resource "aws_iam_policy_attachment" "shared" {
  name       = "shared"
  groups     = [aws_iam_group.shared.name]
  policy_arn = aws_iam_policy.mfa.arn
}
resource "aws_iam_group_policy_attachment" "managed_only" {
  group      = "managed_only"
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
resource "aws_iam_group_policy" "unknown" {
  group  = aws_iam_group.unknown.name
  policy = file("mfa.json")
}
"#,
        );
        assert_eq!(
            flagged(&r, "RG-AWS-IAM-008"),
            ["aws_iam_group.managed_only"]
        );
        assert_eq!(
            undetermined(&r, "RG-AWS-IAM-008"),
            ["aws_iam_group.unknown"]
        );
    }

    #[test]
    fn root_access_keys_resolve_the_user() {
        let r = review_hcl(
            r#"
resource "aws_iam_user" "root" { name = "root" }
resource "aws_iam_access_key" "by_reference" { user = aws_iam_user.root.name }
resource "aws_iam_access_key" "literal" { user = "root" }
resource "aws_iam_access_key" "inactive" {
  user   = "root"
  status = "Inactive"
}
resource "aws_iam_access_key" "other" { user = "deploy" }
resource "aws_iam_access_key" "variable" { user = var.user }
"#,
        );
        let mut found = flagged(&r, "RG-AWS-IAM-007");
        found.sort();
        assert_eq!(
            found,
            [
                "aws_iam_access_key.by_reference",
                "aws_iam_access_key.literal"
            ]
        );
        assert_eq!(
            undetermined(&r, "RG-AWS-IAM-007"),
            ["aws_iam_access_key.variable"]
        );
    }

    #[test]
    fn password_policy_thresholds() {
        let r = review_hcl(
            r#"
resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 14
  require_lowercase_characters   = true
  require_numbers                = true
  require_uppercase_characters   = true
  require_symbols                = true
  max_password_age               = 90
  password_reuse_prevention      = 24
}
resource "aws_iam_account_password_policy" "weak" {
  minimum_password_length   = 8
  max_password_age          = 365
  password_reuse_prevention = 4
  require_symbols           = var.symbols
}
"#,
        );
        for rule in [
            "RG-AWS-IAM-009",
            "RG-AWS-IAM-014",
            "RG-AWS-IAM-015",
            "RG-AWS-IAM-010",
        ] {
            assert_eq!(
                flagged(&r, rule),
                ["aws_iam_account_password_policy.weak"],
                "{rule}"
            );
        }
        assert!(flagged(&r, "RG-AWS-IAM-012").is_empty());
        assert_eq!(
            undetermined(&r, "RG-AWS-IAM-012"),
            ["aws_iam_account_password_policy.weak"]
        );
    }

    #[test]
    fn lambda_permissions_for_services_need_a_source() {
        let r = review_hcl(
            r#"
resource "aws_lambda_permission" "events" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.r.arn
}
resource "aws_lambda_permission" "s3" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "s3.amazonaws.com"
}
resource "aws_lambda_permission" "account" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "123456789012"
}
resource "aws_lambda_permission" "variable" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = var.principal
}
"#,
        );
        assert_eq!(flagged(&r, "RG-AWS-LMB-003"), ["aws_lambda_permission.s3"]);
        assert_eq!(
            undetermined(&r, "RG-AWS-LMB-003"),
            ["aws_lambda_permission.variable"]
        );
    }

    #[test]
    fn open_trust_policies_and_public_queues() {
        let r = review_hcl(
            r#"
resource "aws_iam_role" "open" {
  name = "open"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "*" } }] })
}
resource "aws_iam_role" "org_only" {
  name = "org"
  assume_role_policy = jsonencode({ Statement = [{
    Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "*" },
    Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-123" } }
  }] })
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}
resource "aws_iam_role" "service" {
  name               = "svc"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
resource "aws_sqs_queue" "public" {
  name   = "q"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }] })
}
resource "aws_sqs_queue_policy" "from_topic" {
  queue_url = aws_sqs_queue.public.id
  policy = jsonencode({ Statement = [{
    Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage",
    Resource = aws_sqs_queue.public.arn,
    Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.t.arn } }
  }] })
}
"#,
        );
        assert_eq!(flagged(&r, "RG-AWS-IAM-017"), ["aws_iam_role.open"]);
        assert!(undetermined(&r, "RG-AWS-IAM-017").is_empty());
        assert_eq!(flagged(&r, "RG-AWS-SQS-002"), ["aws_sqs_queue.public"]);
        assert!(flagged(&r, "RG-AWS-SQS-001").is_empty());
        assert!(undetermined(&r, "RG-AWS-SQS-001").is_empty());
    }

    #[test]
    fn json_configuration_documents_are_followed() {
        let json = r#"{
  "data": {"aws_iam_policy_document": {"admin": {"statement": [{"actions": ["*"], "resources": ["*"]}]}}},
  "resource": {"aws_iam_policy": {"p": {"policy": "${data.aws_iam_policy_document.admin.json}"}}}
}"#;
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf.json", json)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let r = review(&cs);
        assert_eq!(flagged(&r, ADMIN), ["aws_iam_policy.p"]);
    }

    #[test]
    fn arn_shapes_that_need_a_wildcard() {
        use super::{log_stream_wildcard, s3_object_key_wildcard};
        assert!(s3_object_key_wildcard("arn:aws:s3:::bucket/*"));
        assert!(s3_object_key_wildcard("arn:aws:s3:::bucket/prefix/*.json"));
        assert!(!s3_object_key_wildcard("arn:aws:s3:::*"));
        assert!(!s3_object_key_wildcard("arn:aws:s3:::bucket-*/*"));
        assert!(!s3_object_key_wildcard("arn:aws:sqs:us-east-1:1:q/*"));
        assert!(log_stream_wildcard(
            "arn:aws:logs:us-west-2:123456789012:log-group:SampleLogGroupName:*"
        ));
        assert!(!log_stream_wildcard(
            "arn:aws:logs:us-west-2:123456789012:log-group:*"
        ));
        assert!(!log_stream_wildcard("arn:aws:logs:*:*:*"));
    }

    #[test]
    fn sorted_action_list() {
        let list = super::ACTIONS_ONLY_ON_ANY_RESOURCE;
        assert!(list.windows(2).all(|w| w[0] < w[1]), "keep the list sorted");
        assert!(list.iter().all(|a| *a == a.to_ascii_lowercase()));
    }
}
