//! Which KMS key an attribute such as `kms_key_id` names: one the account manages
//! (its own key policy, rotation and deletion) or an AWS managed `alias/aws/*` key.
//! Every rule that asks for a customer managed key reads keys through [`kms_key`].

use crate::resource::Resource;
use crate::rules::context::DataSource;
use crate::rules::values::plain;
use crate::rules::{Context, Tri};
use crate::value::{Unknown, Value};

/// Who controls the key a `kms_key_id`-style attribute names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// A key the account created: its own key policy, rotation and deletion.
    Customer,
    /// An AWS managed key (`alias/aws/s3`, …), whose policy nobody can change.
    AwsManaged,
}

/// Resources whose `arn`/`id`/`key_id` always name a customer managed key. Alias names
/// starting with `alias/aws/` are reserved by AWS, so `aws_kms_alias` cannot name an
/// AWS managed key either.
const CUSTOMER_KEY_TYPES: &[&str] = &[
    "aws_kms_key",
    "aws_kms_alias",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
];

fn is_aws_managed_alias(key: &str) -> bool {
    key.starts_with("alias/aws/") || key.contains(":alias/aws/")
}

fn unknown_of(value: Option<&Value>) -> Option<&Unknown> {
    match plain(value) {
        Some(Value::Unknown(unknown)) => Some(unknown),
        _ => None,
    }
}

/// `count.index` / `each.key` select an instance; they do not decide the value.
fn is_instance_selector(reference: &str) -> bool {
    reference.starts_with("count.") || reference.starts_with("each.")
}

/// True when an unknown value is built only from attributes of resources (or data
/// sources) of `resource_type`: an attribute such as an ARN or id, which is never null.
pub(super) fn refers_only_to(value: Option<&Value>, resource_type: &str) -> bool {
    let Some(unknown) = unknown_of(value) else {
        return false;
    };
    let mut references = unknown
        .references
        .iter()
        .filter(|r| !is_instance_selector(r))
        .peekable();
    references.peek().is_some()
        && references.all(|r| {
            let r = r.strip_prefix("data.").unwrap_or(r);
            r.strip_prefix(resource_type)
                .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// Classifies a KMS key reference: a literal key id, ARN or alias, or an expression
/// that refers only to KMS resources (`aws_kms_key.k.arn`, `data.aws_kms_alias.a.arn`).
/// An expression involving anything else (`var.key`, a conditional) cannot be told:
/// it might evaluate to `null`.
pub(super) fn kms_key(ctx: &Context<'_>, from: &Resource, value: Option<&Value>) -> Tri<KeyKind> {
    match Tri::scalar(value) {
        Tri::Missing => Tri::Missing,
        Tri::Known(Value::String(key)) if key.is_empty() => Tri::Missing,
        Tri::Known(Value::String(key)) => Tri::Known(if is_aws_managed_alias(key) {
            KeyKind::AwsManaged
        } else {
            KeyKind::Customer
        }),
        Tri::Known(_) => Tri::Unknown,
        Tri::Unknown => {
            let Some(unknown) = unknown_of(value) else {
                return Tri::Unknown;
            };
            let mut kind = None;
            // One AWS managed key among the candidates is enough to doubt the rest.
            let mut note = |this| {
                if kind != Some(KeyKind::AwsManaged) {
                    kind = Some(this);
                }
            };
            let mut reads_data = false;
            for reference in unknown
                .references
                .iter()
                .filter(|r| !is_instance_selector(r))
            {
                if reference.starts_with("data.") {
                    reads_data = true;
                    continue;
                }
                let resource_type = reference.split('.').next().unwrap_or_default();
                if !CUSTOMER_KEY_TYPES.contains(&resource_type) {
                    return Tri::Unknown;
                }
                note(KeyKind::Customer);
            }
            if reads_data {
                // The value reads one data source, which decides the key by what it
                // looks up; another one among its references could be the key.
                let Some(data) = ctx.data_source(from, value) else {
                    return Tri::Unknown;
                };
                let other = unknown
                    .references
                    .iter()
                    .any(|r| r.starts_with("data.") && !data.is_named_by(r));
                match data_source_key(&data) {
                    Some(looked_up) if !other => note(looked_up),
                    _ => return Tri::Unknown,
                }
            }
            kind.map_or(Tri::Unknown, Tri::Known)
        }
    }
}

/// The key a `data.aws_kms_alias` / `data.aws_kms_key` looks up, by its `name` /
/// `key_id` argument, over every instance the value may read: AWS managed when
/// one of them names an `alias/aws/` alias; `None` for another data source, or
/// when an instance's argument is not known.
fn data_source_key(data: &DataSource<'_>) -> Option<KeyKind> {
    let argument = match data.resource_type() {
        "aws_kms_alias" => "name",
        "aws_kms_key" => "key_id",
        _ => return None,
    };
    let mut kind = KeyKind::Customer;
    for instance in &data.instances {
        match Tri::str(instance.attributes.get(argument)) {
            Tri::Known(key) if is_aws_managed_alias(key) => kind = KeyKind::AwsManaged,
            Tri::Known(_) => {}
            _ => return None,
        }
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, messages, undecided};

    /// Secrets Manager's customer-key rule stands for every rule that reads keys
    /// through [`super::kms_key`].
    const RULE: &str = "RG-AWS-SM-001";

    #[test]
    fn a_data_source_looking_up_an_aws_managed_alias_is_an_aws_managed_key() {
        let r = hcl(r#"
data "aws_kms_alias" "managed" { name = "alias/aws/secretsmanager" }
data "aws_kms_alias" "own" { name = "alias/app" }
data "aws_kms_alias" "from_variable" { name = var.alias }
data "aws_kms_key" "managed" { key_id = "alias/aws/secretsmanager" }
data "aws_kms_key" "managed_by_arn" { key_id = "arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager" }
data "aws_kms_key" "own" { key_id = "alias/app" }
data "aws_kms_alias" "numbered" {
  count = 2
  name  = ["alias/app", "alias/aws/secretsmanager"][count.index]
}
resource "aws_secretsmanager_secret" "alias_target" {
  kms_key_id = data.aws_kms_alias.managed.target_key_arn
}
resource "aws_secretsmanager_secret" "alias_arn" {
  kms_key_id = data.aws_kms_alias.managed.arn
}
resource "aws_secretsmanager_secret" "alias_name" {
  kms_key_id = data.aws_kms_alias.managed.name
}
resource "aws_secretsmanager_secret" "key_arn" {
  kms_key_id = data.aws_kms_key.managed.arn
}
resource "aws_secretsmanager_secret" "key_by_arn" {
  kms_key_id = data.aws_kms_key.managed_by_arn.arn
}
resource "aws_secretsmanager_secret" "numbered" {
  count      = 2
  kms_key_id = data.aws_kms_alias.numbered[count.index].target_key_arn
}
resource "aws_secretsmanager_secret" "own_alias" {
  kms_key_id = data.aws_kms_alias.own.target_key_arn
}
resource "aws_secretsmanager_secret" "own_key" {
  kms_key_id = data.aws_kms_key.own.arn
}
resource "aws_secretsmanager_secret" "from_variable" {
  kms_key_id = data.aws_kms_alias.from_variable.target_key_arn
}
resource "aws_secretsmanager_secret" "either" {
  kms_key_id = var.own ? data.aws_kms_alias.own.arn : data.aws_kms_key.own.arn
}
"#);
        let mut failed = flagged(&r, RULE);
        failed.sort();
        assert_eq!(
            failed,
            [
                "aws_secretsmanager_secret.alias_arn",
                "aws_secretsmanager_secret.alias_name",
                "aws_secretsmanager_secret.alias_target",
                "aws_secretsmanager_secret.key_arn",
                "aws_secretsmanager_secret.key_by_arn",
                "aws_secretsmanager_secret.numbered[1]",
            ]
        );
        assert!(
            messages(&r, RULE)
                .iter()
                .all(|m| m.contains("uses an AWS managed key")),
            "{:?}",
            messages(&r, RULE)
        );
        let mut open = undecided(&r, RULE);
        open.sort();
        assert_eq!(
            open,
            [
                "aws_secretsmanager_secret.either",
                "aws_secretsmanager_secret.from_variable",
            ]
        );
    }
}
