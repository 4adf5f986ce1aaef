//! Verdicts for the shapes most data-service settings take: a switch that must stay
//! on, a switch that must stay off, a number with a floor, a key that must be
//! customer managed. Each takes the provider's default for an absent argument, so a
//! rule states the default once, where it declares the setting.

use super::data_stores::at;
use super::kms::{KeyKind, kms_key};
use crate::resource::Resource;
use crate::rules::values::plain;
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
/// cannot restrict and whose use it cannot audit per key.
pub(super) fn require_customer_key(
    resource: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    value: Option<&Value>,
    path: &str,
    fallback: &str,
) {
    match kms_key(ctx, resource, value) {
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
