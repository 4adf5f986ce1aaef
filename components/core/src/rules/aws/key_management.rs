//! KMS keys and Secrets Manager secrets: how long a deleted key or secret can be
//! recovered, who the key and secret policies let in, and whether secrets are
//! encrypted with a customer managed key and rotated.
//!
//! Key rotation is RG-AWS-KMS-001 (in `logging`); which key an attribute names is
//! [`super::kms::kms_key`]'s call, and who a policy lets in is
//! [`super::policy::Document::find_public_grant`]'s.

use super::controls::RESOURCE_POLICY_ACCESS;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{configured, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::Value;

use super::iam::report;
use super::logging::require_customer_key;

/// Every resource type that creates a KMS key with its own policy and deletion window.
const KEY_TYPES: &[&str] = &[
    "aws_kms_key",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
];

const SECRET: &str = "aws_secretsmanager_secret";
const SECRET_POLICY: &str = "aws_secretsmanager_secret_policy";
const SECRET_ROTATION: &str = "aws_secretsmanager_secret_rotation";

/// Recoverability of keys and secrets.
const RECOVERY: &[(&str, &[&str])] = &[("soc2", &["A1.2"]), ("nist-800-53-r5", &["SC-12"])];

/// The shortest deletion window (days) reported as safe: two weeks gives a team that
/// reviews weekly a full cycle to notice a scheduled deletion and cancel it.
const MIN_DELETION_WINDOW_DAYS: f64 = 14.0;

/// The longest rotation interval (days) accepted for a secret.
const MAX_ROTATION_DAYS: f64 = 90.0;

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KMS-002",
            title: "KMS key can be deleted after a short waiting period",
            severity: Severity::Low,
            description: "Deleting a KMS key destroys every piece of data encrypted under it. AWS only schedules the deletion, for `deletion_window_in_days` (7 to 30, default 30), during which it can be cancelled; a window under 14 days leaves little time to notice a mistaken or malicious deletion.",
            remediation: "Set `deletion_window_in_days` to at least 14 (30 is the default and the maximum), or remove it.",
            aliases: &[],
            frameworks: RECOVERY,
            resource_types: KEY_TYPES,
        },
        check: check_deletion_window,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KMS-003",
            title: "KMS key policy allows any principal",
            severity: Severity::Critical,
            description: "A key policy statement that allows principal `*` with no condition that pins the caller down (`kms:CallerAccount`, `aws:PrincipalOrgID`, `aws:SourceArn`, …) lets any AWS account use or manage the key, and decrypt whatever it protects.",
            remediation: "Name the account root or the roles that need the key in the `Principal`, or add a `StringEquals` condition on `kms:CallerAccount` or `aws:PrincipalOrgID`.",
            aliases: &["CKV_AWS_33"],
            frameworks: RESOURCE_POLICY_ACCESS,
            resource_types: &[
                "aws_kms_key",
                "aws_kms_replica_key",
                "aws_kms_external_key",
                "aws_kms_replica_external_key",
                "aws_kms_key_policy",
            ],
        },
        check: check_key_policy_open,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KMS-004",
            title: "KMS key bypasses the policy lockout safety check",
            severity: Severity::Medium,
            description: "KMS refuses a key policy that would leave the caller unable to change it later, unless `bypass_policy_lockout_safety_check = true`. With the check bypassed a wrong policy can make the key unmanageable by anyone in the account, and only AWS Support can restore access. The default is `false`.",
            remediation: "Remove `bypass_policy_lockout_safety_check` (or set it to `false`) and make sure the key policy keeps an administrator.",
            aliases: &[],
            frameworks: &[
                ("nist-800-53-r5", &["SC-12", "AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[
                "aws_kms_key",
                "aws_kms_replica_key",
                "aws_kms_external_key",
                "aws_kms_replica_external_key",
                "aws_kms_key_policy",
            ],
        },
        check: check_lockout_bypass,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KMS-005",
            title: "KMS key is multi-Region",
            severity: Severity::Info,
            description: "A multi-Region key (`multi_region = true`) shares its key material with replica keys in other Regions, each with its own key policy: data encrypted here can be decrypted wherever a replica exists, and a permissive replica policy in any Region exposes it. AWS recommends single-Region keys unless an application needs to decrypt across Regions. The default is `false`.",
            remediation: "Remove `multi_region = true` unless cross-Region decryption is required; if it is, review the policy of every `aws_kms_replica_key`.",
            aliases: &[],
            frameworks: &[("nist-800-53-r5", &["SC-12"])],
            resource_types: &["aws_kms_key", "aws_kms_external_key"],
        },
        check: check_multi_region_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SM-001",
            title: "Secrets Manager secret is not encrypted with a customer managed KMS key",
            severity: Severity::Medium,
            description: "Without `kms_key_id` a secret is encrypted with the AWS managed key `aws/secretsmanager`, whose key policy lets every principal of the account with Secrets Manager permissions decrypt it and cannot be changed. A customer managed key adds a key policy of its own and allows sharing a secret across accounts.",
            remediation: "Set `kms_key_id` on the `aws_secretsmanager_secret` to the ARN of an `aws_kms_key`.",
            aliases: &["AWS-0098", "AVD-AWS-0098", "CKV_AWS_149"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["SC-12", "SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &[SECRET],
        },
        check: check_secret_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SM-002",
            title: "Secrets Manager secret is not rotated automatically",
            severity: Severity::Low,
            description: "A secret that never rotates stays valid forever once leaked. Rotation is configured with an `aws_secretsmanager_secret_rotation` for the secret (the provider no longer accepts rotation settings on the secret itself); reported when none in the change names the secret.",
            remediation: "Add an `aws_secretsmanager_secret_rotation` with `secret_id` set to the secret, a `rotation_lambda_arn` (or a managed rotation) and `rotation_rules`.",
            aliases: &["CKV2_AWS_57"],
            frameworks: &[
                ("pci-dss-4.0", &["8.6.3"]),
                ("nist-800-53-r5", &["IA-5(1)", "SC-12"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &[SECRET],
        },
        check: check_secret_rotated,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SM-003",
            title: "Secrets Manager secret rotates less often than every 90 days",
            severity: Severity::Low,
            description: "Rotating every 90 days or more often bounds how long a leaked secret stays useful; `rotation_rules` that wait longer (`automatically_after_days` over 90, or a `rate(...)` schedule of more than 90 days) leave a leaked credential valid for months.",
            remediation: "Set `rotation_rules { automatically_after_days = 90 }` or less (or a `schedule_expression` such as `rate(30 days)`).",
            aliases: &["CKV_AWS_304"],
            frameworks: &[
                ("pci-dss-4.0", &["8.6.3"]),
                ("nist-800-53-r5", &["IA-5(1)"]),
            ],
            resource_types: &[SECRET_ROTATION],
        },
        check: check_rotation_interval,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SM-004",
            title: "Secrets Manager secret is deleted without a recovery window",
            severity: Severity::Low,
            description: "`recovery_window_in_days = 0` makes `terraform destroy` (or a replacement) delete the secret at once, with no way to restore it; the default is a 30-day window during which the deletion can be cancelled.",
            remediation: "Remove `recovery_window_in_days = 0`, or set 7 to 30 days.",
            aliases: &[],
            frameworks: RECOVERY,
            resource_types: &[SECRET],
        },
        check: check_recovery_window,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SM-005",
            title: "Secrets Manager secret policy allows any principal",
            severity: Severity::Critical,
            description: "A resource policy statement on a secret that allows principal `*` with no condition that pins the caller down (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`, …) lets any AWS account read or change the secret.",
            remediation: "Name the principals that need the secret, or add a `StringEquals` condition on `aws:PrincipalOrgID` or `aws:PrincipalAccount`; set `block_public_policy = true` on the `aws_secretsmanager_secret_policy`.",
            aliases: &[],
            frameworks: RESOURCE_POLICY_ACCESS,
            resource_types: &[SECRET, SECRET_POLICY],
        },
        check: check_secret_policy_open,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SM-006",
            title: "Secrets Manager secret policy does not block public policies",
            severity: Severity::Low,
            description: "With `block_public_policy = true` Secrets Manager validates the policy with Zelkova and refuses one that grants broad access, a safety net against a later edit that opens the secret. The provider default is `false`.",
            remediation: "Set `block_public_policy = true` on the `aws_secretsmanager_secret_policy`.",
            aliases: &[],
            frameworks: &[
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[SECRET_POLICY],
        },
        check: check_block_public_policy,
    },
];

// ----- KMS ----------------------------------------------------------------------------

fn check_deletion_window(key: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "deletion_window_in_days";
    match Tri::number(key.attributes.get(attribute)) {
        Tri::Known(days) if days < MIN_DELETION_WINDOW_DAYS => out.fail(
            format!(
                "KMS key `{}` can be deleted {days} days after deletion is scheduled (at least {MIN_DELETION_WINDOW_DAYS} wanted)",
                key.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

/// The key policy a resource sets, when it sets one: `aws_kms_key.policy` is also
/// computed (the default key policy) when left unset.
fn key_policy(resource: &Resource) -> Option<&Value> {
    let policy = resource.attributes.get("policy");
    if resource.resource_type() == "aws_kms_key_policy" {
        policy
    } else {
        configured(policy)
    }
}

fn check_key_policy_open(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        vec![("policy".to_owned(), key_policy(resource))],
        |document| document.find_public_grant(),
        |what| format!("key policy of `{}` {what}", resource.address),
    );
}

/// A boolean that must not be `true`; `false` by default.
fn refuse_true(resource: &Resource, out: &mut Verdicts, attribute: &str, problem: &str) {
    match Tri::bool(resource.attributes.get(attribute)) {
        Tri::Known(true) => out.fail(format!("`{}` {problem}", resource.address), Some(attribute)),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

fn check_lockout_bypass(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_true(
        resource,
        out,
        "bypass_policy_lockout_safety_check",
        "bypasses the KMS key policy lockout safety check",
    );
}

fn check_multi_region_key(key: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "multi_region";
    // Optional and computed: a plan shows it unset as known after apply.
    match Tri::bool(configured(key.attributes.get(attribute))) {
        Tri::Known(true) => out.fail(
            format!(
                "`{}` is a multi-Region key: its key material can be replicated to other Regions",
                key.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

// ----- Secrets Manager -----------------------------------------------------------------

fn check_secret_customer_key(secret: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(secret, ctx, out, "kms_key_id", "secret");
}

fn check_secret_rotated(secret: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let rotations = ctx.referencing(secret, SECRET_ROTATION, "secret_id");
    if !rotations.definite.is_empty() {
        return;
    }
    if rotations.unresolved {
        out.cannot_tell(
            "the secret of some `aws_secretsmanager_secret_rotation` is known only after apply",
        );
    } else {
        out.fail(
            format!(
                "secret `{}` has no `aws_secretsmanager_secret_rotation` in this change",
                secret.address
            ),
            None,
        );
    }
}

/// Days between rotations in a `rate(N unit)` expression; `None` for anything else.
fn rate_days(expression: &str) -> Option<f64> {
    let inner = expression.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (count, unit) = inner.trim().split_once(' ')?;
    let count: f64 = count.trim().parse().ok()?;
    let per_day = match unit.trim().trim_end_matches('s') {
        "day" => 1.0,
        "hour" => 1.0 / 24.0,
        "minute" => 1.0 / 1440.0,
        _ => return None,
    };
    Some(count * per_day)
}

/// Whether a `cron(...)` expression fires at least once a month: its month field is
/// `*` (or `?`), so it fires in every month.
fn cron_is_monthly_or_more(expression: &str) -> Option<bool> {
    let inner = expression.trim().strip_prefix("cron(")?.strip_suffix(')')?;
    let fields: Vec<&str> = inner.split_whitespace().collect();
    // minutes hours day-of-month month day-of-week year
    let month = fields.get(3)?;
    Some(matches!(*month, "*" | "?"))
}

fn check_rotation_interval(rotation: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let rules = match single_block(rotation.attributes.get("rotation_rules")) {
        Tri::Known(rules) => rules,
        Tri::Missing => return,
        Tri::Unknown => {
            out.cannot_tell("`rotation_rules` is not known statically");
            return;
        }
    };
    let too_long = |days: f64, shown: String| {
        (days > MAX_ROTATION_DAYS).then(|| {
            format!(
                "`{}` rotates its secret only every {shown} (at most {MAX_ROTATION_DAYS} days wanted)",
                rotation.address
            )
        })
    };
    let finding = match (
        Tri::number(rules.get("automatically_after_days")),
        Tri::str(rules.get("schedule_expression")),
    ) {
        (Tri::Known(days), _) => Tri::Known(too_long(days, format!("{days} days"))),
        (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
        (Tri::Missing, Tri::Known(expression)) => {
            if let Some(days) = rate_days(expression) {
                Tri::Known(too_long(days, format!("`{expression}`")))
            } else if cron_is_monthly_or_more(expression) == Some(true) {
                Tri::Known(None)
            } else {
                Tri::Unknown
            }
        }
        (Tri::Missing, Tri::Missing) => Tri::Known(None),
    };
    match finding {
        Tri::Known(Some(message)) => out.fail(message, Some("rotation_rules")),
        Tri::Unknown => out.cannot_tell("how often the secret rotates is not known statically"),
        _ => {}
    }
}

fn check_recovery_window(secret: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "recovery_window_in_days";
    match Tri::number(secret.attributes.get(attribute)) {
        Tri::Known(0.0) => out.fail(
            format!(
                "secret `{}` is deleted immediately, with no recovery window",
                secret.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

fn check_secret_policy_open(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let policy = resource.attributes.get("policy");
    let policy = if resource.resource_type() == SECRET {
        configured(policy)
    } else {
        policy
    };
    report(
        resource,
        ctx,
        out,
        vec![("policy".to_owned(), policy)],
        |document| document.find_public_grant(),
        |what| format!("secret policy of `{}` {what}", resource.address),
    );
}

fn check_block_public_policy(policy: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "block_public_policy";
    match Tri::bool(policy.attributes.get(attribute)) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "secret policy `{}` does not set `block_public_policy = true`",
                policy.address
            ),
            Some(attribute),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{cron_is_monthly_or_more, rate_days};
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn key_settings_deletion_window_lockout_and_regions() {
        let review = hcl(r#"
resource "aws_kms_key" "defaults" {}
resource "aws_kms_key" "hasty" {
  deletion_window_in_days            = 7
  bypass_policy_lockout_safety_check = true
  multi_region                       = true
}
resource "aws_kms_key" "careful" {
  deletion_window_in_days            = 30
  bypass_policy_lockout_safety_check = false
  multi_region                       = false
}
resource "aws_kms_replica_key" "replica" {
  primary_key_arn         = aws_kms_key.hasty.arn
  deletion_window_in_days = 10
}
resource "aws_kms_key" "variable" {
  deletion_window_in_days            = var.days
  bypass_policy_lockout_safety_check = var.bypass
  multi_region                       = var.multi
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-KMS-002"),
            ["aws_kms_key.hasty", "aws_kms_replica_key.replica"]
        );
        assert_eq!(flagged(&review, "RG-AWS-KMS-004"), ["aws_kms_key.hasty"]);
        assert_eq!(flagged(&review, "RG-AWS-KMS-005"), ["aws_kms_key.hasty"]);
        for rule in ["RG-AWS-KMS-002", "RG-AWS-KMS-004", "RG-AWS-KMS-005"] {
            assert_eq!(undecided(&review, rule), ["aws_kms_key.variable"], "{rule}");
        }
    }

    #[test]
    fn key_policies_open_to_anyone() {
        let review = hcl(r#"
resource "aws_kms_key" "open" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }]
  })
}
resource "aws_kms_key" "same_account" {
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow", Principal = { AWS = "*" }, Action = "kms:Decrypt", Resource = "*"
      Condition = { StringEquals = { "kms:CallerAccount" = "123456789012" } }
    }]
  })
}
resource "aws_kms_key" "default_policy" {}
resource "aws_kms_key_policy" "weak" {
  key_id = aws_kms_key.default_policy.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*"
      Condition = { StringEqualsIfExists = { "kms:CallerAccount" = "123456789012" } }
    }]
  })
}
resource "aws_kms_key_policy" "variable" {
  key_id = aws_kms_key.default_policy.id
  policy = var.policy
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-KMS-003"),
            ["aws_kms_key.open", "aws_kms_key_policy.weak"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-KMS-003"),
            ["aws_kms_key_policy.variable"]
        );
    }

    #[test]
    fn secrets_keys_rotation_recovery_and_policies() {
        let review = hcl(r#"
resource "aws_kms_key" "secrets" { enable_key_rotation = true }
resource "aws_secretsmanager_secret" "plain" {
  name                    = "plain"
  recovery_window_in_days = 0
}
resource "aws_secretsmanager_secret" "aws_key" {
  name       = "aws-key"
  kms_key_id = "alias/aws/secretsmanager"
}
resource "aws_secretsmanager_secret" "good" {
  name       = "good"
  kms_key_id = aws_kms_key.secrets.arn
}
resource "aws_secretsmanager_secret" "variable" {
  name                    = "variable"
  kms_key_id              = var.key
  recovery_window_in_days = var.window
}
resource "aws_secretsmanager_secret_rotation" "good" {
  secret_id           = aws_secretsmanager_secret.good.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
  rotation_rules { automatically_after_days = 30 }
}
resource "aws_secretsmanager_secret_rotation" "yearly" {
  secret_id           = aws_secretsmanager_secret.aws_key.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
  rotation_rules { schedule_expression = "rate(365 days)" }
}
resource "aws_secretsmanager_secret_rotation" "monthly_cron" {
  secret_id = aws_secretsmanager_secret.variable.id
  rotation_rules { schedule_expression = "cron(0 16 1 * ? *)" }
}
resource "aws_secretsmanager_secret_rotation" "half_yearly_cron" {
  secret_id = aws_secretsmanager_secret.variable.id
  rotation_rules { schedule_expression = "cron(0 16 1 1/6 ? *)" }
}
resource "aws_secretsmanager_secret_policy" "open" {
  secret_arn = aws_secretsmanager_secret.good.arn
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
resource "aws_secretsmanager_secret_policy" "org" {
  secret_arn          = aws_secretsmanager_secret.good.arn
  block_public_policy = true
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow", Principal = { AWS = "*" }, Action = "secretsmanager:GetSecretValue", Resource = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-1234567890" } }
    }]
  })
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-SM-001"),
            [
                "aws_secretsmanager_secret.plain",
                "aws_secretsmanager_secret.aws_key"
            ]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-SM-001"),
            ["aws_secretsmanager_secret.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SM-002"),
            ["aws_secretsmanager_secret.plain"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SM-003"),
            ["aws_secretsmanager_secret_rotation.yearly"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-SM-003"),
            ["aws_secretsmanager_secret_rotation.half_yearly_cron"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SM-004"),
            ["aws_secretsmanager_secret.plain"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-SM-004"),
            ["aws_secretsmanager_secret.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SM-005"),
            ["aws_secretsmanager_secret_policy.open"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SM-006"),
            ["aws_secretsmanager_secret_policy.open"]
        );
    }

    /// As everywhere in the change model, a variable names no resource of the change:
    /// a rotation for `var.secret_id` rotates some other secret.
    #[test]
    fn rotation_of_another_secret_does_not_count() {
        let review = hcl(r#"
resource "aws_secretsmanager_secret" "s" { name = "s" }
resource "aws_secretsmanager_secret" "by_name" { name = "by-name" }
resource "aws_secretsmanager_secret_rotation" "other" {
  secret_id = var.secret_id
}
resource "aws_secretsmanager_secret_rotation" "by_name" {
  secret_id = "by-name"
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-SM-002"),
            ["aws_secretsmanager_secret.s"]
        );
        assert!(undecided(&review, "RG-AWS-SM-002").is_empty());
    }

    #[test]
    fn schedule_expressions() {
        assert_eq!(rate_days("rate(10 days)"), Some(10.0));
        assert_eq!(rate_days("rate(1 day)"), Some(1.0));
        assert_eq!(rate_days("rate(48 hours)"), Some(2.0));
        assert_eq!(rate_days("cron(0 0 * * ? *)"), None);
        assert_eq!(cron_is_monthly_or_more("cron(0 16 1 * ? *)"), Some(true));
        assert_eq!(cron_is_monthly_or_more("cron(0 16 1 1/6 ? *)"), Some(false));
        assert_eq!(cron_is_monthly_or_more("rate(1 day)"), None);
    }
}
