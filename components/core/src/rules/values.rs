//! Reading attribute values the way every rule does: three-valued ([`Tri`]: known,
//! unknown until apply, or not set), sensitive values unwrapped, nested blocks in
//! both of their shapes. One name per reading, shared by all rule files.

use crate::address::Mode;
use crate::resource::Resource;
use crate::value::{UnknownCause, Value, ValueMap};

/// A value as a rule sees it: known, unknown until apply (or not statically
/// known), or not set at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri<T> {
    /// Set to this value.
    Known(T),
    /// Set, but to something not known statically: the rule cannot tell.
    Unknown,
    /// Not set (absent or `null`): the provider default applies.
    Missing,
}

impl<T> Tri<T> {
    /// The known value, if any.
    pub fn known(self) -> Option<T> {
        match self {
            Tri::Known(v) => Some(v),
            _ => None,
        }
    }

    /// True when unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Tri::Unknown)
    }

    /// Replaces `Missing` with a known default (the provider's default value).
    pub fn or_default_value(self, default: T) -> Tri<T> {
        match self {
            Tri::Missing => Tri::Known(default),
            other => other,
        }
    }

    /// Applies `f` to a known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Tri<U> {
        match self {
            Tri::Known(v) => Tri::Known(f(v)),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        }
    }

    /// Reads a known value further (`f` may find it unknown or missing in turn).
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Tri<U>) -> Tri<U> {
        match self {
            Tri::Known(v) => f(v),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        }
    }

    /// `Missing` read as a known absence: "looked, found nothing".
    pub fn optional(self) -> Tri<Option<T>> {
        match self {
            Tri::Known(v) => Tri::Known(Some(v)),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(None),
        }
    }

    /// The first known item; else `Unknown` when an item is unknown (it might have
    /// been the one), else `Missing`. Rules use it for "the first finding of several".
    pub fn first(items: impl IntoIterator<Item = Tri<T>>) -> Tri<T> {
        let mut unknown = false;
        for item in items {
            match item {
                Tri::Known(found) => return Tri::Known(found),
                Tri::Unknown => unknown = true,
                Tri::Missing => {}
            }
        }
        if unknown { Tri::Unknown } else { Tri::Missing }
    }
}

impl std::ops::Not for Tri<bool> {
    type Output = Tri<bool>;

    /// Three-valued "not", `Missing` counting as false (so `!missing` is true).
    fn not(self) -> Tri<bool> {
        match self {
            Tri::Known(b) => Tri::Known(!b),
            Tri::Missing => Tri::Known(true),
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// Unwraps sensitive values: rules may look at them, outputs never show them.
pub fn plain(value: Option<&Value>) -> Option<&Value> {
    match value {
        Some(Value::Sensitive(s)) => Some(s.expose()),
        other => other,
    }
}

impl<'v> Tri<&'v Value> {
    /// Any value.
    pub fn value(value: Option<&'v Value>) -> Tri<&'v Value> {
        match plain(value) {
            None | Some(Value::Null) => Tri::Missing,
            Some(Value::Unknown(_)) => Tri::Unknown,
            Some(v) => Tri::Known(v),
        }
    }

    /// A value read as a scalar (a boolean, string or number). A plan's unknown
    /// value for an argument its configuration does not set is the provider's
    /// default, as when a `.tf` file leaves it out: `Missing`. Only scalars: a
    /// `dynamic` block is also absent from a plan's configuration, so an unknown
    /// block may be one whose `for_each` is unknown, and stays unknown.
    pub fn scalar(value: Option<&'v Value>) -> Tri<&'v Value> {
        match plain(value) {
            Some(Value::Unknown(u)) if u.cause == UnknownCause::Unconfigured => Tri::Missing,
            _ => Tri::value(value),
        }
    }
}

impl Tri<bool> {
    /// Three-valued "any": true when one item is true, else unknown when one is
    /// unknown, else false.
    pub fn any(items: impl IntoIterator<Item = Tri<bool>>) -> Tri<bool> {
        Tri::first(items.into_iter().map(|item| item.then(|| ())))
            .optional()
            .map(|found| found.is_some())
    }

    /// `value()` where this is true: `Missing` where it is false or missing, so that
    /// [`Tri::first`] finds the first item for which a test holds.
    pub fn then<T>(self, value: impl FnOnce() -> T) -> Tri<T> {
        match self {
            Tri::Known(true) => Tri::Known(value()),
            Tri::Unknown => Tri::Unknown,
            Tri::Known(false) | Tri::Missing => Tri::Missing,
        }
    }

    /// Three-valued "all", `Missing` counting as false: false when one item is false,
    /// else unknown when one is unknown, else true.
    pub fn all(items: impl IntoIterator<Item = Tri<bool>>) -> Tri<bool> {
        items
            .into_iter()
            .fold(Tri::Known(true), |all, item| all.and(|| item))
    }

    /// Three-valued "and", `Missing` counting as false: false when either is false,
    /// else unknown when either is. `other` is only read when it can matter.
    pub fn and(self, other: impl FnOnce() -> Tri<bool>) -> Tri<bool> {
        match self {
            Tri::Known(false) | Tri::Missing => Tri::Known(false),
            Tri::Known(true) => match other() {
                Tri::Missing => Tri::Known(false),
                decided => decided,
            },
            Tri::Unknown => match other() {
                Tri::Known(false) | Tri::Missing => Tri::Known(false),
                _ => Tri::Unknown,
            },
        }
    }

    /// A boolean (Terraform also accepts the strings `"true"`/`"false"`).
    pub fn bool(value: Option<&Value>) -> Tri<bool> {
        match Tri::scalar(value) {
            Tri::Known(v) => v.as_bool().map_or(Tri::Unknown, Tri::Known),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        }
    }

    /// A boolean where the empty string means "not set": launch templates type
    /// `encrypted` and `associate_public_ip_address` as strings, and plans show them
    /// unset as `""`.
    pub fn non_empty_bool(value: Option<&Value>) -> Tri<bool> {
        match Tri::value(value) {
            Tri::Known(Value::String(s)) if s.is_empty() => Tri::Missing,
            _ => Tri::bool(value),
        }
    }
}

impl<'v> Tri<&'v str> {
    /// A string.
    pub fn str(value: Option<&'v Value>) -> Tri<&'v str> {
        match Tri::scalar(value) {
            Tri::Known(Value::String(s)) => Tri::Known(s.as_str()),
            Tri::Known(_) | Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        }
    }

    /// A string where the empty string means "not set": launch templates and plans
    /// report unset optional strings as `""`.
    pub fn non_empty_str(value: Option<&'v Value>) -> Tri<&'v str> {
        match Tri::str(value) {
            Tri::Known("") => Tri::Missing,
            other => other,
        }
    }
}

impl Tri<f64> {
    /// A number (Terraform also accepts numeric strings).
    pub fn number(value: Option<&Value>) -> Tri<f64> {
        match Tri::scalar(value) {
            Tri::Known(Value::Number(n)) => n.as_f64().map_or(Tri::Unknown, Tri::Known),
            Tri::Known(Value::String(s)) => s.parse().map_or(Tri::Unknown, Tri::Known),
            Tri::Known(_) | Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        }
    }
}

impl<'v> Tri<&'v [Value]> {
    /// A list (or set, or repeated block).
    pub fn list(value: Option<&'v Value>) -> Tri<&'v [Value]> {
        match Tri::value(value) {
            Tri::Known(Value::List(items)) => Tri::Known(items.as_slice()),
            Tri::Known(_) | Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Missing,
        }
    }
}

/// A value inside a map by dotted path (`rule.0.apply_server_side_encryption_by_default.0.sse_algorithm`).
pub fn lookup<'v>(map: &'v ValueMap, path: &str) -> Option<&'v Value> {
    let mut steps = path.split('.');
    let first = map.get(steps.next()?)?;
    let rest: Vec<&str> = steps.collect();
    first.pointer(&rest)
}

/// The bodies of a nested block value: a list of maps (native HCL, plans) or a
/// single map (`.tf.json`). Unknown or missing values have no known bodies.
pub fn blocks(value: Option<&Value>) -> Vec<&ValueMap> {
    match plain(value) {
        Some(Value::List(items)) => items.iter().filter_map(Value::as_map).collect(),
        Some(Value::Map(map)) => vec![map],
        _ => Vec::new(),
    }
}

/// The bodies of a nested block, or `None` when they are not known statically: a
/// `dynamic` block, a block a plan computes, or anything that is not a block body.
/// Absent or `null` is no bodies.
pub fn known_blocks(value: Option<&Value>) -> Option<Vec<&ValueMap>> {
    match Tri::value(value) {
        Tri::Missing => Some(Vec::new()),
        Tri::Unknown => None,
        Tri::Known(Value::Map(body)) => Some(vec![body]),
        Tri::Known(Value::List(items)) => {
            let mut bodies = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Map(body) => bodies.push(body),
                    Value::Null => {}
                    _ => return None,
                }
            }
            Some(bodies)
        }
        Tri::Known(_) => None,
    }
}

/// The body of a single (`MaxItems: 1`) nested block: `Missing` when absent.
pub fn single_block(value: Option<&Value>) -> Tri<&ValueMap> {
    match known_blocks(value) {
        Some(bodies) => bodies.first().copied().map_or(Tri::Missing, Tri::Known),
        None => Tri::Unknown,
    }
}

/// The value of an optional attribute the provider also computes (an S3 bucket's
/// inline settings, `aws_sqs_queue.policy`, `aws_iam_role.inline_policy`), as far as
/// the configuration sets it.
///
/// A plan shows such an attribute as known after apply when the configuration
/// leaves it unset: with no expression and no configuration references behind it, it
/// is the value AWS will report (set by other resources, or a default), not
/// something this resource sets, so it reads as missing. An unknown value that comes
/// from configuration (an HCL expression, or a plan value with references) stays
/// unknown.
pub fn configured(value: Option<&Value>) -> Option<&Value> {
    match value {
        Some(Value::Unknown(u)) if u.expression.is_none() && u.references.is_empty() => None,
        other => other,
    }
}

/// Whether a list of strings (`permissions = [...]`, `enabled_cloudwatch_logs_exports`)
/// holds one that satisfies `wanted`. A single string, as some modules pass it,
/// counts as a list of one.
pub fn contains_string(value: Option<&Value>, wanted: impl Fn(&str) -> bool) -> Tri<bool> {
    let item = |item: &Value| match Tri::str(Some(item)) {
        Tri::Known(s) => Tri::Known(wanted(s)),
        Tri::Unknown => Tri::Unknown,
        Tri::Missing => Tri::Known(false),
    };
    match Tri::value(value) {
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
        Tri::Known(string @ Value::String(_)) => item(string),
        Tri::Known(Value::List(items)) => Tri::any(items.iter().map(item)),
        Tri::Known(_) => Tri::Unknown,
    }
}

/// True for a managed resource (a `resource` block), false for a data source.
pub fn is_managed(resource: &Resource) -> bool {
    resource.address.mode == Mode::Managed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        Value::from_json(serde_json::from_str(text).expect("JSON"))
    }

    /// Blocks had two readers: data stores' took anything but block bodies as "not
    /// known", compute's ignored it (a scalar was no blocks at all). Kept: not known,
    /// because a rule must not pass what it cannot read.
    #[test]
    fn blocks_are_known_only_when_every_item_is_a_body() {
        let bodies = json(r#"[{"a": 1}, null, {"a": 2}]"#);
        assert_eq!(known_blocks(Some(&bodies)).map(|b| b.len()), Some(2));
        assert_eq!(
            known_blocks(Some(&json(r#"{"a": 1}"#))).map(|b| b.len()),
            Some(1)
        );
        assert_eq!(known_blocks(None), Some(Vec::new()));
        assert_eq!(known_blocks(Some(&json(r#"[{"a": 1}, "x"]"#))), None);
        assert_eq!(known_blocks(Some(&json("3"))), None);
        assert_eq!(known_blocks(Some(&Value::unknown_after_apply())), None);
        assert_eq!(single_block(Some(&bodies)).map(|b| b.len()), Tri::Known(1));
        assert_eq!(single_block(Some(&json("[]"))), Tri::Missing);
    }

    /// The list readers differed on a single string, which data stores took as a list
    /// of one and the S3 rules as unknown. Kept: a list of one, as modules pass it.
    #[test]
    fn a_single_string_is_a_list_of_one() {
        let wanted = |s: &str| s == "audit";
        assert_eq!(
            contains_string(Some(&json(r#""audit""#)), wanted),
            Tri::Known(true)
        );
        assert_eq!(
            contains_string(Some(&json(r#"["x", "audit"]"#)), wanted),
            Tri::Known(true)
        );
        assert_eq!(
            contains_string(Some(&json(r#"["x"]"#)), wanted),
            Tri::Known(false)
        );
        assert_eq!(contains_string(None, wanted), Tri::Known(false));
        let unknown_item = Value::List(vec![Value::unknown_after_apply()]);
        assert_eq!(contains_string(Some(&unknown_item), wanted), Tri::Unknown);
    }

    /// "and" had two copies: the S3 rules' `both`, and the policy reader's `and`, which
    /// returned `Missing` for true-and-missing. Kept: `Missing` counts as false, always.
    #[test]
    fn three_valued_logic_counts_missing_as_false() {
        let (t, f, u, m) = (
            Tri::Known(true),
            Tri::Known(false),
            Tri::Unknown,
            Tri::Missing,
        );
        assert_eq!(t.and(|| m), f);
        assert_eq!(u.and(|| m), f);
        assert_eq!(u.and(|| t), u);
        assert_eq!(t.and(|| t), t);
        assert_eq!(Tri::all([t, u, f]), f);
        assert_eq!(Tri::all([t, u]), u);
        assert_eq!(Tri::any([m, u]), u);
        assert_eq!(!m, t);
        assert_eq!(
            Tri::first([Tri::Missing, Tri::Unknown, Tri::Known(2)]),
            Tri::Known(2)
        );
        assert_eq!(Tri::first([Tri::<u8>::Missing, Tri::Unknown]), Tri::Unknown);
    }

    #[test]
    fn empty_strings_are_unset_where_launch_templates_write_them() {
        let empty = json(r#""""#);
        assert_eq!(Tri::non_empty_str(Some(&empty)), Tri::Missing);
        assert_eq!(Tri::str(Some(&empty)), Tri::Known(""));
        assert_eq!(Tri::non_empty_bool(Some(&empty)), Tri::Missing);
        assert_eq!(Tri::bool(Some(&empty)), Tri::Unknown);
        assert_eq!(
            Tri::non_empty_bool(Some(&json(r#""true""#))),
            Tri::Known(true)
        );
    }
}
