//! IAM account hygiene: the password policy beyond the Trivy thresholds (CIS 3.0),
//! long-lived user credentials and the secrets Terraform keeps for them in state,
//! and role trust policies that let in more callers than intended.
//!
//! Trust policies are read through [`super::policy`]. A `"*"` trust behind conditions
//! that do not name the caller is RG-AWS-IAM-017's finding (`iam`), read there as AWS
//! evaluates it.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::configured;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

use super::iam::{report, user_name};
use super::policy::{Principal, Statement, Text, when};

const PASSWORD_POLICY: &str = "aws_iam_account_password_policy";
const ACCESS_KEY: &str = "aws_iam_access_key";
const LOGIN_PROFILE: &str = "aws_iam_user_login_profile";

const CREDENTIAL_SECRECY: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.3.2"]),
    ("nist-800-53-r5", &["IA-5(1)", "SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

const TRUST: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("nist-800-53-r5", &["AC-3", "AC-6"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-018",
            title: "IAM password policy remembers fewer than 24 previous passwords",
            severity: Severity::Low,
            description: "CIS AWS Foundations 3.0 asks the password policy to remember the last 24 passwords so that a user cannot cycle back to a password that has leaked. Reported when `password_reuse_prevention` is set below 24; a policy without it at all is RG-AWS-IAM-009's finding.",
            remediation: "Set `password_reuse_prevention = 24` on the `aws_iam_account_password_policy`.",
            aliases: &[],
            frameworks: &[
                ("cis-aws-3.0", &["1.9"]),
                ("pci-dss-4.0", &["8.3.7"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
            ],
            resource_types: &[PASSWORD_POLICY],
        },
        check: check_reuse_prevention_24,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-019",
            title: "IAM password policy does not let users change their own password",
            severity: Severity::Low,
            description: "With `allow_users_to_change_password = false` a user who suspects their password has leaked cannot change it and has to wait for an administrator. The provider default is `true`.",
            remediation: "Remove `allow_users_to_change_password = false` (or set it to `true`).",
            aliases: &[],
            frameworks: &[("nist-800-53-r5", &["IA-5(1)"])],
            resource_types: &[PASSWORD_POLICY],
        },
        check: check_users_change_password,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-020",
            title: "Long-lived access key created for an IAM user",
            severity: Severity::Low,
            description: "An `aws_iam_access_key` is a credential that never expires: it works from anywhere until someone deletes it, and leaks through CI logs, laptops and repositories. Roles with temporary credentials (OIDC federation for CI, instance profiles, IAM Identity Center for people) avoid it. Inactive keys and keys for `root` (RG-AWS-IAM-007) are not reported.",
            remediation: "Replace the key with a role the workload assumes (for CI, an OIDC provider and `sts:AssumeRoleWithWebIdentity`), or set `status = \"Inactive\"` once it is no longer used.",
            aliases: &[],
            frameworks: &[
                ("nist-800-53-r5", &["IA-5", "AC-2"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &[ACCESS_KEY],
        },
        check: check_long_lived_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-021",
            title: "Access key created for a user who also has a console password",
            severity: Severity::Medium,
            description: "CIS AWS Foundations 3.0 recommends not creating access keys for users that sign in to the console: a person gets a second, long-lived credential that is easy to leak and is not covered by console MFA. Decided when the user's `aws_iam_user_login_profile` is in the same change.",
            remediation: "Remove the `aws_iam_access_key` for the console user; use `aws sso login` or role assumption for programmatic access.",
            aliases: &[],
            frameworks: &[
                ("cis-aws-3.0", &["1.11"]),
                ("nist-800-53-r5", &["IA-5", "AC-2"]),
            ],
            resource_types: &[ACCESS_KEY],
        },
        check: check_key_for_console_user,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-022",
            title: "Access key secret is stored unencrypted in Terraform state",
            severity: Severity::Medium,
            description: "Without `pgp_key`, the provider writes the access key's `secret` in plain text to the Terraform state, so anyone who can read the state bucket or a plan file holds a working credential.",
            remediation: "Set `pgp_key` (`keybase:<user>` or a base64 public key) so only `encrypted_secret` is stored, or avoid Terraform-managed access keys.",
            aliases: &[],
            frameworks: CREDENTIAL_SECRECY,
            resource_types: &[ACCESS_KEY],
        },
        check: check_key_secret_in_state,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-023",
            title: "Console password is stored unencrypted in Terraform state",
            severity: Severity::Medium,
            description: "Without `pgp_key`, the provider writes the generated console password of an `aws_iam_user_login_profile` in plain text to the Terraform state (the `password` attribute), where anyone who can read the state can sign in as the user.",
            remediation: "Set `pgp_key` so only `encrypted_password` is stored, and `password_reset_required = true` so the generated password is replaced at first sign-in.",
            aliases: &[],
            frameworks: CREDENTIAL_SECRECY,
            resource_types: &[LOGIN_PROFILE],
        },
        check: check_password_in_state,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-025",
            title: "IAM role trusts a whole AWS account with no condition",
            severity: Severity::Low,
            description: "A trust policy naming an account's root (`arn:aws:iam::<account>:root` or the bare account id) delegates to that account: any of its principals that its administrators allow `sts:AssumeRole`, now or later, can assume the role. For another company's account AWS recommends an `sts:ExternalId` condition against the confused-deputy problem; within an organisation, `aws:PrincipalArn` names who may assume it.",
            remediation: "Name the role ARNs that may assume this role, or add a condition (`sts:ExternalId` for a third party, `aws:PrincipalArn` or `aws:PrincipalTag/…` otherwise).",
            aliases: &[],
            frameworks: TRUST,
            resource_types: &["aws_iam_role"],
        },
        check: check_trust_account_root,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-IAM-026",
            title: "IAM role trusts an OIDC provider without restricting the subject",
            severity: Severity::Critical,
            description: "A role federated with an OIDC provider such as GitHub Actions (`token.actions.githubusercontent.com`) trusts every token that provider issues, to every repository and workflow of every customer, unless a condition on `<provider>:sub` names which ones. An `aud` condition is not enough for shared providers: its value is the same for everyone. Amazon Cognito identity pools and Google are identified by `aud`, which is accepted there.",
            remediation: "Add a `StringEquals` (or `StringLike`) condition on `<provider>:sub`, e.g. `token.actions.githubusercontent.com:sub = repo:<org>/<repo>:ref:refs/heads/main`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3", "IA-8"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_iam_role"],
        },
        check: check_oidc_subject,
    },
];

// ----- password policy ---------------------------------------------------------------

/// Set below 24; an unset value is RG-AWS-IAM-009's finding.
fn check_reuse_prevention_24(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "password_reuse_prevention";
    // Optional and computed: a plan shows it unset as known after apply.
    match Tri::number(configured(policy.attributes.get(attribute))) {
        Tri::Known(n) if n < 24.0 => out.fail(
            format!(
                "password policy `{}` remembers only {n} previous passwords (CIS asks for 24)",
                policy.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

/// `allow_users_to_change_password` defaults to `true`.
fn check_users_change_password(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "allow_users_to_change_password";
    match Tri::bool(policy.attributes.get(attribute)) {
        Tri::Known(false) => out.fail(
            format!(
                "password policy `{}` does not let users change their own password",
                policy.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

// ----- user credentials --------------------------------------------------------------

/// Whether a key is active: `status` defaults to `Active`.
fn key_is_active(key: &Resource) -> Tri<bool> {
    match Tri::str(key.attributes.get("status")) {
        Tri::Known(status) => Tri::Known(!status.eq_ignore_ascii_case("Inactive")),
        Tri::Missing => Tri::Known(true),
        Tri::Unknown => Tri::Unknown,
    }
}

fn check_long_lived_key(key: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if let Tri::Known(name) = user_name(ctx, key)
        && name.eq_ignore_ascii_case("root")
    {
        return;
    }
    match key_is_active(key) {
        Tri::Known(true) => out.fail(
            format!(
                "`{}` is a long-lived access key for an IAM user",
                key.address
            ),
            Some("user"),
        ),
        Tri::Unknown => out.cannot_tell("the access key's `status` is not known statically"),
        _ => {}
    }
}

/// Whether two resources name the same IAM user through their `user` attributes:
/// both refer to the same `aws_iam_user`, or both names are known and equal.
fn same_user(ctx: &Context<'_>, a: &Resource, b: &Resource) -> Tri<bool> {
    if let (Some(x), Some(y)) = (
        ctx.resolve(a, a.attributes.get("user")),
        ctx.resolve(b, b.attributes.get("user")),
    ) && std::ptr::eq(x, y)
    {
        return Tri::Known(true);
    }
    match (user_name(ctx, a), user_name(ctx, b)) {
        (Tri::Known(x), Tri::Known(y)) => Tri::Known(x == y),
        (Tri::Missing, _) | (_, Tri::Missing) => Tri::Known(false),
        _ => Tri::Unknown,
    }
}

fn check_key_for_console_user(key: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if key_is_active(key) == Tri::Known(false) {
        return;
    }
    let profiles = ctx
        .of_type(LOGIN_PROFILE)
        .iter()
        .copied()
        .filter(|p| crate::rules::values::is_managed(p));
    match Tri::first(profiles.map(|profile| same_user(ctx, key, profile).then(|| profile))) {
        Tri::Known(profile) => out.fail(
            format!(
                "`{}` creates an access key for the user that `{}` gives a console password",
                key.address, profile.address
            ),
            Some("user"),
        ),
        Tri::Unknown => out.cannot_tell(
            "whether the key's user has a console password in this change is not known statically",
        ),
        Tri::Missing => {}
    }
}

/// Fails when `pgp_key` is unset: the provider then stores `secret_attribute` in plain text.
fn require_pgp_key(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts, what: &str) {
    match ctx.is_set(resource, resource.attributes.get("pgp_key")) {
        Tri::Known(true) => {}
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "`{}` has no `pgp_key`: its {what} is stored in plain text in the Terraform state",
                resource.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`pgp_key` is not known statically"),
    }
}

fn check_key_secret_in_state(key: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if key_is_active(key) == Tri::Known(false) {
        return;
    }
    require_pgp_key(key, ctx, out, "secret access key");
}

fn check_password_in_state(profile: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_pgp_key(profile, ctx, out, "generated console password");
}

// ----- trust policies -----------------------------------------------------------------

/// Reports each finding `find` makes on a statement of the role's trust policy.
fn report_trust(
    role: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    find: impl Fn(&Statement) -> Tri<String>,
) {
    report(
        role,
        ctx,
        out,
        vec![(
            "assume_role_policy".to_owned(),
            role.attributes.get("assume_role_policy"),
        )],
        |document| document.find(&find),
        |what| format!("trust policy of `{}` {what}", role.address),
    );
}

/// `arn:aws:iam::<account>:root` or a bare 12-digit account id, without wildcards
/// (a wildcard is RG-AWS-IAM-017's finding).
fn is_account_root(principal: &Principal) -> Tri<bool> {
    principal.kind.is("AWS").and(|| {
        principal.id.test(|id| {
            let bare_account = id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit());
            let root_arn = id.starts_with("arn:") && id.contains(":iam::") && id.ends_with(":root");
            (bare_account || root_arn) && !id.contains('*')
        })
    })
}

fn check_trust_account_root(role: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_trust(role, ctx, out, |s| {
        when(s.allows(), || {
            when(!s.has_condition(), || match &s.principals {
                Tri::Known(principals) => Tri::first(principals.iter().map(|p| {
                    is_account_root(p).then(|| {
                        format!(
                            "trusts the whole account `{}` with no condition",
                            p.id.display()
                        )
                    })
                })),
                Tri::Unknown => Tri::Unknown,
                Tri::Missing => Tri::Missing,
            })
        })
    });
}

/// The condition-key suffixes that identify the token holder for an OIDC provider:
/// `sub` everywhere; `aud` where it is the caller's own application id.
fn subject_suffixes(provider: &str) -> &'static [&'static str] {
    let lower = provider.to_ascii_lowercase();
    if lower.contains("cognito-identity.amazonaws.com") || lower.contains("accounts.google.com") {
        &[":sub", ":aud"]
    } else {
        &[":sub"]
    }
}

/// Whether a federated principal is an OIDC provider (not a SAML one).
fn is_oidc(principal: &Principal) -> Tri<bool> {
    principal.kind.is("Federated").and(|| {
        principal
            .id
            .test(|id| !id.to_ascii_lowercase().contains(":saml-provider/"))
    })
}

/// Whether a condition on a key ending in one of `suffixes` must match. Condition
/// values are not read by the policy reader, so `StringLike` on `repo:*` still counts:
/// the rule catches the missing subject check, not a subject pattern that is too wide.
fn restricts_subject(statement: &Statement, suffixes: &[&str]) -> Tri<bool> {
    let matching = |operator: &Text| {
        operator.test(|op| {
            let op = op.to_ascii_lowercase();
            let base = op.strip_prefix("foranyvalue:").unwrap_or(&op);
            matches!(
                base,
                "stringequals" | "stringlike" | "stringequalsignorecase"
            )
        })
    };
    match &statement.conditions {
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
        Tri::Known(conditions) => Tri::any(conditions.iter().map(|c| {
            c.key
                .test(|key| {
                    let key = key.to_ascii_lowercase();
                    suffixes.iter().any(|s| key.ends_with(s))
                })
                .and(|| matching(&c.test))
        })),
    }
}

fn check_oidc_subject(role: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report_trust(role, ctx, out, |s| {
        when(s.allows(), || match &s.principals {
            Tri::Known(principals) => Tri::first(principals.iter().map(|p| {
                when(is_oidc(p), || {
                    let provider = p.id.sample().unwrap_or_default();
                    when(!restricts_subject(s, subject_suffixes(&provider)), || {
                        Tri::Known(format!(
                            "trusts tokens from `{}` without a condition on the token's subject",
                            p.id.display()
                        ))
                    })
                })
            })),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        })
    });
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn password_policy_reuse_and_self_service() {
        let review = hcl(r#"
resource "aws_iam_account_password_policy" "short_memory" {
  password_reuse_prevention      = 5
  allow_users_to_change_password = false
}
resource "aws_iam_account_password_policy" "cis" {
  password_reuse_prevention      = 24
  allow_users_to_change_password = true
}
resource "aws_iam_account_password_policy" "defaults" {}
resource "aws_iam_account_password_policy" "variable" {
  password_reuse_prevention      = var.reuse
  allow_users_to_change_password = var.self_service
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-018"),
            ["aws_iam_account_password_policy.short_memory"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-019"),
            ["aws_iam_account_password_policy.short_memory"]
        );
        for rule in ["RG-AWS-IAM-018", "RG-AWS-IAM-019"] {
            assert_eq!(
                undecided(&review, rule),
                ["aws_iam_account_password_policy.variable"],
                "{rule}"
            );
        }
    }

    #[test]
    fn access_keys_and_login_profiles() {
        let review = hcl(r#"
resource "aws_iam_user" "alice" { name = "alice" }
resource "aws_iam_user" "ci" { name = "ci" }
resource "aws_iam_user_login_profile" "alice" {
  user    = aws_iam_user.alice.name
  pgp_key = "keybase:alice"
}
resource "aws_iam_user_login_profile" "bob" {
  user = "bob"
}
resource "aws_iam_access_key" "alice" {
  user    = aws_iam_user.alice.name
  pgp_key = "keybase:alice"
}
resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
resource "aws_iam_access_key" "retired" {
  user   = "bob"
  status = "Inactive"
}
resource "aws_iam_access_key" "root" {
  user    = "root"
  pgp_key = "keybase:ops"
}
resource "aws_iam_access_key" "variable" {
  user    = var.user
  status  = var.status
  pgp_key = var.pgp_key
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-020"),
            ["aws_iam_access_key.alice", "aws_iam_access_key.ci"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-IAM-020"),
            ["aws_iam_access_key.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-021"),
            ["aws_iam_access_key.alice"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-IAM-021"),
            ["aws_iam_access_key.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-022"),
            ["aws_iam_access_key.ci"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-IAM-022"),
            ["aws_iam_access_key.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-023"),
            ["aws_iam_user_login_profile.bob"]
        );
    }

    fn role(name: &str, statement: &str) -> String {
        format!(
            "resource \"aws_iam_role\" \"{name}\" {{\n  assume_role_policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{statement}] }})\n}}\n"
        )
    }

    #[test]
    fn trust_policies_with_weak_conditions_or_whole_accounts() {
        let review = hcl(&[
            role(
                "region_only",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole", Condition = { StringEquals = { "aws:RequestedRegion" = "eu-west-1" } } }"#,
            ),
            role(
                "not_equals",
                r#"{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole", Condition = { StringNotEquals = { "aws:PrincipalOrgID" = "o-1234567890" } } }"#,
            ),
            role(
                "org",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole", Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-1234567890" } } }"#,
            ),
            role(
                "unconditioned",
                r#"{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }"#,
            ),
            role(
                "vendor",
                r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sts:AssumeRole" }"#,
            ),
            role(
                "vendor_external_id",
                r#"{ Effect = "Allow", Principal = { AWS = "123456789012" }, Action = "sts:AssumeRole", Condition = { StringEquals = { "sts:ExternalId" = "b7c1" } } }"#,
            ),
            role(
                "named_role",
                r#"{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/deployer" }, Action = "sts:AssumeRole" }"#,
            ),
            role(
                "variable_principal",
                r#"{ Effect = "Allow", Principal = { AWS = var.trusted }, Action = "sts:AssumeRole" }"#,
            ),
        ]
        .concat());
        // A condition that does not name the caller (a region, a negated operator) is
        // no fence: RG-AWS-IAM-017 reports it with the unconditioned statement.
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-017"),
            [
                "aws_iam_role.region_only",
                "aws_iam_role.not_equals",
                "aws_iam_role.unconditioned"
            ]
        );
        assert_eq!(flagged(&review, "RG-AWS-IAM-025"), ["aws_iam_role.vendor"]);
        assert_eq!(
            undecided(&review, "RG-AWS-IAM-025"),
            ["aws_iam_role.variable_principal"]
        );
    }

    #[test]
    fn oidc_trust_needs_a_subject_condition() {
        let review = hcl(&[
            role(
                "any_repo",
                r#"{ Effect = "Allow", Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, Action = "sts:AssumeRoleWithWebIdentity", Condition = { StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" } } }"#,
            ),
            role(
                "one_repo",
                r#"{ Effect = "Allow", Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, Action = "sts:AssumeRoleWithWebIdentity", Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme/app:*" } } }"#,
            ),
            role(
                "if_exists",
                r#"{ Effect = "Allow", Principal = { Federated = aws_iam_openid_connect_provider.gh.arn }, Action = "sts:AssumeRoleWithWebIdentity", Condition = { StringLikeIfExists = { "token.actions.githubusercontent.com:sub" = "repo:acme/app:*" } } }"#,
            ),
            role(
                "cognito",
                r#"{ Effect = "Allow", Principal = { Federated = "cognito-identity.amazonaws.com" }, Action = "sts:AssumeRoleWithWebIdentity", Condition = { StringEquals = { "cognito-identity.amazonaws.com:aud" = "eu-west-1:1234" } } }"#,
            ),
            role(
                "saml",
                r#"{ Effect = "Allow", Principal = { Federated = "arn:aws:iam::123456789012:saml-provider/okta" }, Action = "sts:AssumeRoleWithSAML" }"#,
            ),
            role(
                "service",
                r#"{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }"#,
            ),
        ]
        .concat());
        assert_eq!(
            flagged(&review, "RG-AWS-IAM-026"),
            ["aws_iam_role.any_repo", "aws_iam_role.if_exists"]
        );
        assert!(undecided(&review, "RG-AWS-IAM-026").is_empty());
    }
}
