//! IAM privilege escalation: identity policies that let their holder grant itself
//! more than they give it directly. Each rule names one known path (rewriting a
//! policy, attaching one, minting credentials for another user, passing a powerful
//! role to code it controls) granted on every resource of its kind and with no
//! condition, so each path can be suppressed on its own.
//!
//! Actions are matched as IAM matches them: case-insensitively, with `*` and `?`
//! wildcards in the policy (`iam:Put*Policy` grants `iam:PutRolePolicy`). `*` and
//! `<service>:*` are left to RG-AWS-IAM-002/003/004, which already report them, so
//! a policy granting `iam:*` is not reported once per escalation path as well.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

use super::iam::{IDENTITY_POLICY_TYPES, both_found, identity_policies, report};
use super::policy::{Document, Statement, Text, when};

const ESCALATION: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.3"]),
    ("pci-dss-4.0", &["7.2.1", "7.2.2"]),
    ("nist-800-53-r5", &["AC-6", "AC-6(10)"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

const BROAD_ACCESS: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.3"]),
    ("pci-dss-4.0", &["7.2.1"]),
    ("nist-800-53-r5", &["AC-6"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

/// One escalation path: an action granted on every resource of a kind.
struct Path {
    /// Actions that open the path, any one of which suffices.
    actions: &'static [&'static str],
    /// The ARN resource type the grant must cover entirely (`role` in
    /// `arn:aws:iam::…:role/*`).
    kind: &'static str,
}

const PASS_ROLE: Path = Path {
    actions: &["iam:PassRole"],
    kind: "role",
};

macro_rules! escalation_rule {
    ($id:literal, $title:literal, $severity:expr, $description:literal, $remediation:literal, $frameworks:expr, $check:ident) => {
        ResourceRule {
            meta: RuleMeta {
                id: $id,
                title: $title,
                severity: $severity,
                description: $description,
                remediation: $remediation,
                aliases: &[],
                frameworks: $frameworks,
                resource_types: IDENTITY_POLICY_TYPES,
            },
            check: $check,
        }
    };
}

pub(super) const RULES: &[ResourceRule] = &[
    escalation_rule!(
        "RG-AWS-IAM-027",
        "IAM policy allows passing any role with no condition",
        Severity::High,
        "`iam:PassRole` on every role lets the holder hand any role of the account, administrator roles included, to a service (Lambda, EC2, ECS, Glue, CloudFormation) that then acts with that role's permissions on the holder's behalf. Reported when the statement has no condition (such as `iam:PassedToService`) to narrow it.",
        "List the role ARNs that may be passed in `Resource`, and add an `iam:PassedToService` condition naming the service that needs them.",
        ESCALATION,
        check_pass_role
    ),
    escalation_rule!(
        "RG-AWS-IAM-028",
        "IAM policy allows creating new versions of any managed policy",
        Severity::High,
        "`iam:CreatePolicyVersion` on every policy lets the holder write a new default version of any customer managed policy, including one attached to itself, granting `*` on `*`: a one-call path to administrator.",
        "Restrict `iam:CreatePolicyVersion` to the ARNs of the policies this principal must manage, or remove it and manage policies through Terraform.",
        ESCALATION,
        check_create_policy_version
    ),
    escalation_rule!(
        "RG-AWS-IAM-029",
        "IAM policy allows changing the default version of any managed policy",
        Severity::High,
        "`iam:SetDefaultPolicyVersion` on every policy lets the holder activate any earlier version of a customer managed policy; an old, broader version attached to itself gives back privileges that were removed.",
        "Restrict `iam:SetDefaultPolicyVersion` to specific policy ARNs, or remove it.",
        ESCALATION,
        check_set_default_policy_version
    ),
    escalation_rule!(
        "RG-AWS-IAM-030",
        "IAM policy allows attaching any policy to users, roles or groups",
        Severity::High,
        "`iam:AttachUserPolicy`, `iam:AttachRolePolicy` or `iam:AttachGroupPolicy` on every principal lets the holder attach `AdministratorAccess` to itself or to a role it can assume.",
        "Restrict the attach actions to the principals this role administers and add an `iam:PolicyARN` condition listing the policies that may be attached.",
        ESCALATION,
        check_attach_policy
    ),
    escalation_rule!(
        "RG-AWS-IAM-031",
        "IAM policy allows writing inline policies on any user, role or group",
        Severity::High,
        "`iam:PutUserPolicy`, `iam:PutRolePolicy` or `iam:PutGroupPolicy` on every principal lets the holder write an inline policy granting `*` on `*` to itself or to any role.",
        "Restrict the put actions to specific principal ARNs, or manage inline policies only through Terraform.",
        ESCALATION,
        check_put_policy
    ),
    escalation_rule!(
        "RG-AWS-IAM-032",
        "IAM policy allows creating access keys for any user",
        Severity::High,
        "`iam:CreateAccessKey` on every user lets the holder mint long-lived credentials for any IAM user, administrators included, and act as them.",
        "Restrict `iam:CreateAccessKey` to `arn:aws:iam::<account>:user/${aws:username}` so users can only manage their own keys.",
        ESCALATION,
        check_create_access_key
    ),
    escalation_rule!(
        "RG-AWS-IAM-033",
        "IAM policy allows changing the trust policy of any role",
        Severity::High,
        "`iam:UpdateAssumeRolePolicy` on every role lets the holder add itself (or an outside account) to the trust policy of any role, then assume it.",
        "Restrict `iam:UpdateAssumeRolePolicy` to specific role ARNs, or remove it.",
        ESCALATION,
        check_update_assume_role_policy
    ),
    escalation_rule!(
        "RG-AWS-IAM-034",
        "IAM policy allows setting the console password of any user",
        Severity::High,
        "`iam:CreateLoginProfile` or `iam:UpdateLoginProfile` on every user lets the holder set a console password for any IAM user and sign in as them.",
        "Restrict the login profile actions to `arn:aws:iam::<account>:user/${aws:username}`, or remove them.",
        ESCALATION,
        check_login_profile
    ),
    escalation_rule!(
        "RG-AWS-IAM-035",
        "IAM policy allows creating Lambda functions and passing any role to them",
        Severity::High,
        "`lambda:CreateFunction` together with `iam:PassRole` on every role lets the holder deploy code that runs as any role of the account and invoke it: the permissions of the most powerful role become the holder's.",
        "Restrict `iam:PassRole` to the execution roles the functions need, with an `iam:PassedToService` condition of `lambda.amazonaws.com`.",
        ESCALATION,
        check_lambda_pass_role
    ),
    escalation_rule!(
        "RG-AWS-IAM-036",
        "IAM policy allows launching EC2 instances and passing any role to them",
        Severity::High,
        "`ec2:RunInstances` together with `iam:PassRole` on every role lets the holder start an instance with the instance profile of any role and read that role's credentials from the instance metadata service.",
        "Restrict `iam:PassRole` to the instance roles needed, with an `iam:PassedToService` condition of `ec2.amazonaws.com`.",
        ESCALATION,
        check_ec2_pass_role
    ),
    escalation_rule!(
        "RG-AWS-IAM-037",
        "IAM policy allows assuming any role",
        Severity::Medium,
        "`sts:AssumeRole` on every role lets the holder assume whichever role trusts it now or later, in this account or another; which roles that is is decided by their trust policies, far from this policy.",
        "List the role ARNs this principal needs to assume in `Resource`.",
        BROAD_ACCESS,
        check_assume_any_role
    ),
    escalation_rule!(
        "RG-AWS-IAM-038",
        "IAM policy allows reading every secret in Secrets Manager",
        Severity::High,
        "`secretsmanager:GetSecretValue` on every secret with no condition gives the holder every database password, API key and token the account stores, whatever workload they belong to.",
        "List the secret ARNs the workload needs, or scope the grant with a `secretsmanager:ResourceTag/…` or `aws:ResourceTag/…` condition.",
        BROAD_ACCESS,
        check_get_any_secret
    ),
    escalation_rule!(
        "RG-AWS-IAM-039",
        "IAM policy allows decrypting with any KMS key",
        Severity::High,
        "`kms:Decrypt` on every key with no condition lets the holder decrypt data protected by any key whose key policy delegates to IAM (the default key policy does), undoing the separation that customer managed keys exist for.",
        "List the key ARNs in `Resource`, or add a `kms:ViaService` or `kms:EncryptionContext:…` condition.",
        BROAD_ACCESS,
        check_decrypt_any_key
    ),
];

/// Whether a policy action pattern grants `wanted`, IAM-style: case-insensitive, `*`
/// for any run of characters and `?` for one. The bare service wildcards are left out
/// (see the module documentation).
fn pattern_grants(pattern: &str, wanted: &str) -> bool {
    if pattern == "*" || pattern.split_once(':').is_some_and(|(_, rest)| rest == "*") {
        return false;
    }
    glob_matches(
        pattern.to_ascii_lowercase().as_bytes(),
        wanted.to_ascii_lowercase().as_bytes(),
    )
}

/// `*`/`?` glob matching, iterative with backtracking to the last `*` (linear in
/// practice, and bounded by the pattern × text lengths of a policy action).
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Whether a resource pattern covers every resource of `kind`: `*`, or an ARN whose
/// resource part is `*`, `<kind>/*` or `<kind>:*` (any partition, region, account).
fn covers_every(resource: &str, kind: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let mut parts = resource.splitn(6, ':');
    if parts.next() != Some("arn") {
        return false;
    }
    let Some(rest) = parts.nth(4) else {
        return false;
    };
    rest == "*"
        || rest
            .strip_prefix(kind)
            .is_some_and(|tail| tail == "/*" || tail == ":*")
}

/// An unconditioned allow of one of the path's actions on every resource of its kind.
fn grants_path(statement: &Statement, path: &Path) -> Tri<String> {
    when(statement.allows(), || {
        when(!statement.has_condition(), || {
            both_found(
                statement.find_action(|a| {
                    a.test(|pattern| path.actions.iter().any(|w| pattern_grants(pattern, w)))
                }),
                || statement.find_resource(|r: &Text| r.test(|s| covers_every(s, path.kind))),
            )
        })
    })
}

/// Any allow of one of `actions`, whatever its resource or condition: the other half
/// of a pass-role path.
fn allows_any(statement: &Statement, actions: &[&str]) -> Tri<String> {
    when(statement.allows(), || {
        statement
            .find_action(|a| a.test(|pattern| actions.iter().any(|w| pattern_grants(pattern, w))))
    })
}

/// Reports each identity policy of the resource that opens `path`.
fn report_path(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts, path: &Path) {
    report(
        resource,
        ctx,
        out,
        identity_policies(resource),
        |document| document.find(|s| grants_path(s, path)),
        |what| format!("policy of `{}` allows `{what}`", resource.address),
    );
}

/// Reports each identity policy that allows one of `launch` and passing any role.
fn report_pass_role_to(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    launch: &'static [&'static str],
) {
    report(
        resource,
        ctx,
        out,
        identity_policies(resource),
        |document: &Document| {
            both_found(document.find(|s| allows_any(s, launch)), || {
                document.find(|s| grants_path(s, &PASS_ROLE))
            })
        },
        |what| {
            format!(
                "policy of `{}` allows `{what}`: code it launches can run as any role",
                resource.address
            )
        },
    );
}

fn check_pass_role(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_path(resource, ctx, out, &PASS_ROLE);
}

fn check_create_policy_version(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["iam:CreatePolicyVersion"],
        kind: "policy",
    };
    report_path(resource, ctx, out, &path);
}

fn check_set_default_policy_version(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["iam:SetDefaultPolicyVersion"],
        kind: "policy",
    };
    report_path(resource, ctx, out, &path);
}

/// Reports each identity policy that opens any of `paths` (users, roles and groups
/// are separate ARN kinds, each action checked against its own).
fn report_paths(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts, paths: &[Path]) {
    report(
        resource,
        ctx,
        out,
        identity_policies(resource),
        |document| document.find(|s| Tri::first(paths.iter().map(|path| grants_path(s, path)))),
        |what| format!("policy of `{}` allows `{what}`", resource.address),
    );
}

fn check_attach_policy(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_paths(
        resource,
        ctx,
        out,
        &[
            Path {
                actions: &["iam:AttachUserPolicy"],
                kind: "user",
            },
            Path {
                actions: &["iam:AttachRolePolicy"],
                kind: "role",
            },
            Path {
                actions: &["iam:AttachGroupPolicy"],
                kind: "group",
            },
        ],
    );
}

fn check_put_policy(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_paths(
        resource,
        ctx,
        out,
        &[
            Path {
                actions: &["iam:PutUserPolicy"],
                kind: "user",
            },
            Path {
                actions: &["iam:PutRolePolicy"],
                kind: "role",
            },
            Path {
                actions: &["iam:PutGroupPolicy"],
                kind: "group",
            },
        ],
    );
}

fn check_create_access_key(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["iam:CreateAccessKey"],
        kind: "user",
    };
    report_path(resource, ctx, out, &path);
}

fn check_update_assume_role_policy(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["iam:UpdateAssumeRolePolicy"],
        kind: "role",
    };
    report_path(resource, ctx, out, &path);
}

fn check_login_profile(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
        kind: "user",
    };
    report_path(resource, ctx, out, &path);
}

fn check_lambda_pass_role(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_pass_role_to(resource, ctx, out, &["lambda:CreateFunction"]);
}

fn check_ec2_pass_role(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_pass_role_to(resource, ctx, out, &["ec2:RunInstances"]);
}

fn check_assume_any_role(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["sts:AssumeRole"],
        kind: "role",
    };
    report_path(resource, ctx, out, &path);
}

fn check_get_any_secret(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["secretsmanager:GetSecretValue"],
        kind: "secret",
    };
    report_path(resource, ctx, out, &path);
}

fn check_decrypt_any_key(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let path = Path {
        actions: &["kms:Decrypt"],
        kind: "key",
    };
    report_path(resource, ctx, out, &path);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{flagged, hcl, undecided};

    /// A policy resource per statement, named after what it grants.
    fn policies(statements: &[(&str, &str)]) -> String {
        statements
            .iter()
            .map(|(name, statement)| {
                format!(
                    "resource \"aws_iam_policy\" \"{name}\" {{\n  policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{statement}] }})\n}}\n"
                )
            })
            .collect()
    }

    #[test]
    fn glob_matching_follows_iam_wildcards() {
        assert!(pattern_grants("iam:PassRole", "iam:passrole"));
        assert!(pattern_grants("iam:Pass*", "iam:PassRole"));
        assert!(pattern_grants("iam:Put*Policy", "iam:PutRolePolicy"));
        assert!(pattern_grants("iam:?assRole", "iam:PassRole"));
        assert!(!pattern_grants("iam:Put*Policy", "iam:PassRole"));
        assert!(!pattern_grants("iam:GetRole", "iam:PassRole"));
        // Left to the service-wildcard rules.
        assert!(!pattern_grants("*", "iam:PassRole"));
        assert!(!pattern_grants("iam:*", "iam:PassRole"));
        assert!(covers_every("*", "role"));
        assert!(covers_every("arn:aws:iam::*:role/*", "role"));
        assert!(covers_every("arn:aws:iam::123456789012:*", "role"));
        assert!(covers_every(
            "arn:aws:secretsmanager:*:*:secret:*",
            "secret"
        ));
        assert!(!covers_every(
            "arn:aws:iam::123456789012:role/deploy",
            "role"
        ));
        assert!(!covers_every(
            "arn:aws:iam::123456789012:role/app/*",
            "role"
        ));
        assert!(!covers_every("arn:aws:iam::123456789012:user/*", "role"));
    }

    #[test]
    fn single_action_paths_need_every_resource_and_no_condition() {
        let review = hcl(&policies(&[
            (
                "pass_any",
                r#"{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }"#,
            ),
            (
                "pass_one",
                r#"{ Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::123456789012:role/app" }"#,
            ),
            (
                "pass_to_lambda",
                r#"{ Effect = "Allow", Action = "iam:PassRole", Resource = "*", Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } } }"#,
            ),
            (
                "pass_variable",
                r#"{ Effect = "Allow", Action = "iam:PassRole", Resource = var.roles }"#,
            ),
            (
                "versions",
                r#"{ Effect = "Allow", Action = ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"], Resource = "arn:aws:iam::*:policy/*" }"#,
            ),
            (
                "attach_roles",
                r#"{ Effect = "Allow", Action = "iam:Attach*", Resource = "arn:aws:iam::123456789012:role/*" }"#,
            ),
            (
                "attach_users_on_roles",
                r#"{ Effect = "Allow", Action = "iam:AttachUserPolicy", Resource = "arn:aws:iam::123456789012:role/*" }"#,
            ),
            (
                "put_group",
                r#"{ Effect = "Allow", Action = "iam:PutGroupPolicy", Resource = "*" }"#,
            ),
            (
                "keys",
                r#"{ Effect = "Allow", Action = ["iam:CreateAccessKey", "iam:UpdateLoginProfile"], Resource = "arn:aws:iam::123456789012:user/*" }"#,
            ),
            (
                "own_keys",
                r#"{ Effect = "Allow", Action = "iam:CreateAccessKey", Resource = "arn:aws:iam::123456789012:user/$${aws:username}" }"#,
            ),
            (
                "trust",
                r#"{ Effect = "Allow", Action = "iam:UpdateAssumeRolePolicy", Resource = "*" }"#,
            ),
            (
                "assume",
                r#"{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::*:role/*" }"#,
            ),
            (
                "secrets",
                r#"{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*" }"#,
            ),
            (
                "tagged_secrets",
                r#"{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*", Condition = { StringEquals = { "aws:ResourceTag/team" = "payments" } } }"#,
            ),
            (
                "decrypt",
                r#"{ Effect = "Allow", Action = ["kms:Decrypt"], Resource = "*" }"#,
            ),
            (
                "denied",
                r#"{ Effect = "Deny", Action = "kms:Decrypt", Resource = "*" }"#,
            ),
            (
                "admin",
                r#"{ Effect = "Allow", Action = "*", Resource = "*" }"#,
            ),
        ]));
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-027"),
            ["aws_iam_policy.pass_any"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-IAM-027"),
            ["aws_iam_policy.pass_variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-028"),
            ["aws_iam_policy.versions"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-029"),
            ["aws_iam_policy.versions"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-030"),
            ["aws_iam_policy.attach_roles"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-031"),
            ["aws_iam_policy.put_group"]
        );
        assert_eq!(flagged(&review, "RG-AWS-IAM-032"), ["aws_iam_policy.keys"]);
        assert_eq!(flagged(&review, "RG-AWS-IAM-033"), ["aws_iam_policy.trust"]);
        assert_eq!(flagged(&review, "RG-AWS-IAM-034"), ["aws_iam_policy.keys"]);
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-037"),
            ["aws_iam_policy.assume"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-038"),
            ["aws_iam_policy.secrets"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-039"),
            ["aws_iam_policy.decrypt"]
        );
    }

    #[test]
    fn pass_role_combinations_need_both_halves_in_one_policy() {
        let review = hcl(&format!(
            "{}{}",
            policies(&[
                (
                    "lambda_deployer",
                    r#"{ Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" }, { Effect = "Allow", Action = "iam:PassRole", Resource = "*" }"#,
                ),
                (
                    "ec2_launcher",
                    r#"{ Effect = "Allow", Action = "ec2:Run*", Resource = "*" }, { Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::123456789012:role/*" }"#,
                ),
                (
                    "scoped",
                    r#"{ Effect = "Allow", Action = "lambda:CreateFunction", Resource = "*" }, { Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::123456789012:role/fn-exec" }"#,
                ),
                (
                    "no_pass_role",
                    r#"{ Effect = "Allow", Action = "lambda:CreateFunction", Resource = "*" }"#,
                ),
            ]),
            r#"
data "aws_iam_policy_document" "inline" {
  statement {
    actions   = ["lambda:CreateFunction", "iam:PassRole"]
    resources = ["*"]
  }
}
resource "aws_iam_role" "deployer" {
  assume_role_policy = "{}"
  inline_policy {
    name   = "deploy"
    policy = data.aws_iam_policy_document.inline.json
  }
}
"#
        ));
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-035"),
            ["aws_iam_policy.lambda_deployer", "aws_iam_role.deployer"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-036"),
            ["aws_iam_policy.ec2_launcher"]
        );
        assert!(undecided(&review, "RG-AWS-IAM-035").is_empty());
    }
}
