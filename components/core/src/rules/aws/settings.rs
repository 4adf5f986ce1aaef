//! Verdicts for the shapes most data-service settings take: a switch that must stay
//! on, a switch that must stay off, a number with a floor, a key that must be
//! customer managed, a parameter of a parameter group, a resource that should not
//! exist at all. Each takes the provider's default for an absent argument, so a rule
//! states the default once, where it declares the setting.

use super::data_stores::at;
use super::kms::{KeyKind, kms_key};
use crate::resource::Resource;
use crate::rules::values::{configured, known_blocks, plain};
use crate::rules::{Context, Tri, Verdicts};
use crate::value::Value;

/// The top-level argument of a dotted path (`cluster_config.0.x` → `cluster_config`),
/// where a finding points when the nested argument has no line of its own.
fn top(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// A switch that must be on. `default` is the provider's value when it is absent.
pub(super) fn require_on(
    resource: &Resource,
    out: &mut Verdicts,
    value: Tri<bool>,
    default: bool,
    path: &str,
    what: &str,
) {
    match value {
        Tri::Known(true) => {}
        Tri::Missing if default => {}
        Tri::Unknown => out.cannot_tell(format!("`{path}` is known only after apply")),
        Tri::Known(false) => out.fail(
            format!("`{}` {what} (`{path}` is false)", resource.address),
            at(resource, &[path, top(path)]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` {what} (`{path}` is not set and defaults to false)",
                resource.address
            ),
            at(resource, &[top(path)]),
        ),
    }
}

/// A switch that must be off. `default` is the provider's value when it is absent.
pub(super) fn require_off(
    resource: &Resource,
    out: &mut Verdicts,
    value: Tri<bool>,
    default: bool,
    path: &str,
    what: &str,
) {
    match value {
        Tri::Known(false) => {}
        Tri::Missing if !default => {}
        Tri::Unknown => out.cannot_tell(format!("`{path}` is known only after apply")),
        Tri::Known(true) => out.fail(
            format!("`{}` {what} (`{path}` is true)", resource.address),
            at(resource, &[path, top(path)]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` {what} (`{path}` is not set and defaults to true)",
                resource.address
            ),
            at(resource, &[top(path)]),
        ),
    }
}

/// A number that must be at least `minimum`; `default` applies when it is absent.
pub(super) fn require_at_least(
    resource: &Resource,
    out: &mut Verdicts,
    value: Tri<f64>,
    default: f64,
    minimum: f64,
    path: &str,
    what: &str,
) {
    match value {
        Tri::Known(n) if n >= minimum => {}
        Tri::Missing if default >= minimum => {}
        Tri::Unknown => out.cannot_tell(format!("`{path}` is known only after apply")),
        Tri::Known(n) => out.fail(
            format!(
                "`{}` {what} (`{path} = {n}`, at least {minimum} is needed)",
                resource.address
            ),
            at(resource, &[path, top(path)]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` {what} (`{path}` is not set and defaults to {default}, at least {minimum} is needed)",
                resource.address
            ),
            at(resource, &[top(path)]),
        ),
    }
}

/// A KMS key argument that must name a customer-managed key. Without one the service
/// uses `fallback` (an AWS-managed or AWS-owned key), whose policy the account
/// cannot restrict and whose use it cannot audit per key. Key arguments are mostly
/// computed too: a plan shows an unset one as known after apply, which is the
/// fallback key, not a choice of the configuration (`values::configured`).
pub(super) fn require_customer_key(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    value: Option<&Value>,
    path: &str,
    fallback: &str,
) {
    match kms_key(ctx, resource, configured(value)) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell(format!(
            "`{path}` is not known statically, so whether it names a customer-managed key cannot be told"
        )),
        Tri::Known(KeyKind::AwsManaged) => out.fail(
            format!(
                "`{}` is encrypted with an AWS-managed key (`{path}`), not a customer-managed key",
                resource.address
            ),
            at(resource, &[path, top(path)]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` names no customer-managed key (`{path}` is not set), so it is encrypted with {fallback}",
                resource.address
            ),
            at(resource, &[path, top(path)]),
        ),
    }
}

/// The resources of `resource_type` in the change whose `attribute` names `target`
/// (`aws_backup_vault_lock_configuration.backup_vault_name` → an `aws_backup_vault`),
/// by reference or by a literal equal to the target's `name_attribute`; and whether
/// some other one names its target through a value that might be this one (a
/// variable, a module output, a value computed outside the change).
pub(super) fn attached<'a>(
    target: &Resource,
    ctx: &Context<'a>,
    resource_type: &str,
    attribute: &str,
    name_attribute: &str,
) -> (Vec<&'a Resource>, bool) {
    let name = Tri::str(target.attributes.get(name_attribute)).known();
    let mut found = Vec::new();
    let mut unresolved = false;
    for candidate in ctx.of_type(resource_type).iter().copied() {
        let value = candidate.attributes.get(attribute);
        let names_target = match plain(value) {
            Some(Value::String(literal)) if name == Some(literal.as_str()) => Tri::Known(true),
            Some(Value::Unknown(_)) if ctx.resolve(candidate, value).is_none() => Tri::Unknown,
            _ => ctx.refers_to(candidate, value, target),
        };
        match names_target {
            Tri::Known(true) => found.push(candidate),
            Tri::Unknown => unresolved = true,
            _ => {}
        }
    }
    (found, unresolved)
}

/// A parameter group's `parameter` value for `name`: `Known(None)` when the group
/// does not set it, `Unknown` when a parameter block or its name or value is not
/// known statically. Numbers and strings are both accepted, as the provider does.
pub(super) fn parameter(group: &Resource, name: &str) -> Tri<Option<String>> {
    let Some(parameters) = known_blocks(group.attributes.get("parameter")) else {
        return Tri::Unknown;
    };
    let mut unknown = false;
    for parameter in parameters {
        match Tri::str(parameter.get("name")) {
            Tri::Known(n) if n.eq_ignore_ascii_case(name) => {
                return match Tri::value(parameter.get("value")) {
                    Tri::Known(Value::String(s)) => Tri::Known(Some(s.to_string())),
                    Tri::Known(Value::Number(n)) => Tri::Known(Some(n.to_string())),
                    Tri::Known(Value::Bool(b)) => Tri::Known(Some(u8::from(*b).to_string())),
                    Tri::Missing => Tri::Known(None),
                    Tri::Known(_) | Tri::Unknown => Tri::Unknown,
                };
            }
            Tri::Known(_) => {}
            Tri::Unknown | Tri::Missing => unknown = true,
        }
    }
    if unknown {
        Tri::Unknown
    } else {
        Tri::Known(None)
    }
}

/// The resource exists only for EC2-Classic: declaring one is the finding.
pub(super) fn check_classic_resource(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    out.fail(
        format!(
            "`{}` is an EC2-Classic `{}`, retired by AWS and removed from the AWS provider v5",
            resource.address,
            resource.resource_type()
        ),
        None,
    );
}

/// The provider writes this when `description` is unset.
const PLACEHOLDER_DESCRIPTION: &str = "Managed by Terraform";

/// A description that must say something: not empty, not the provider's placeholder.
pub(super) fn check_description(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(group.attributes.get("description")) {
        Tri::Known(text) if !text.trim().is_empty() && text != PLACEHOLDER_DESCRIPTION => {}
        Tri::Unknown => out.cannot_tell("`description` is known only after apply"),
        Tri::Known(_) => out.fail(
            format!("`{}` has no meaningful description", group.address),
            at(group, &["description"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` has no description (`description` is not set and defaults to \"{PLACEHOLDER_DESCRIPTION}\")",
                group.address
            ),
            None,
        ),
    }
}
