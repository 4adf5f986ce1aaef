//! Which KMS key an attribute such as `kms_key_id` names: one the account manages
//! (its own key policy, rotation and deletion) or an AWS managed `alias/aws/*` key.
//! Every rule that asks for a customer managed key reads keys through [`kms_key`].

use crate::resource::Resource;
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
            for reference in unknown
                .references
                .iter()
                .filter(|r| !is_instance_selector(r))
            {
                let this = match reference.strip_prefix("data.") {
                    None => {
                        let resource_type = reference.split('.').next().unwrap_or_default();
                        if !CUSTOMER_KEY_TYPES.contains(&resource_type) {
                            return Tri::Unknown;
                        }
                        KeyKind::Customer
                    }
                    Some(rest) => match data_source_key(ctx, from, reference, rest) {
                        Some(k) => k,
                        None => return Tri::Unknown,
                    },
                };
                // One AWS managed key among the candidates is enough to doubt the rest.
                if kind != Some(KeyKind::AwsManaged) {
                    kind = Some(this);
                }
            }
            kind.map_or(Tri::Unknown, Tri::Known)
        }
    }
}

/// The key a `data.aws_kms_alias` / `data.aws_kms_key` looks up, by its `name` /
/// `key_id` argument.
fn data_source_key(
    ctx: &Context<'_>,
    from: &Resource,
    reference: &str,
    without_prefix: &str,
) -> Option<KeyKind> {
    let argument = match without_prefix.split('.').next() {
        Some("aws_kms_alias") => "name",
        Some("aws_kms_key") => "key_id",
        _ => return None,
    };
    let single = Value::unknown(None, vec![reference.to_owned()]);
    let data = ctx.resolve(from, Some(&single))?;
    match Tri::str(data.attributes.get(argument)) {
        Tri::Known(key) if is_aws_managed_alias(key) => Some(KeyKind::AwsManaged),
        Tri::Known(_) => Some(KeyKind::Customer),
        _ => None,
    }
}
