//! The values of a planned resource change, kept as the plan's JSON text until a rule
//! reads them (see [`PlanValues`]). The plan parser (`plan`) finds the text; building
//! the values, with the plan's unknown and sensitive masks applied, happens here.

use std::ops::Range;
use std::sync::Arc;

use crate::value::{Sensitive, UnknownCause, Value, ValueMap};

/// A configuration block's `expressions`, shared by all instances of the block.
pub(crate) type Expressions = Arc<serde_json::Map<String, serde_json::Value>>;

/// Values of a resource change — `before`, or `after` — kept as the plan's JSON text
/// and turned into a [`ValueMap`] the first time something asks for them.
///
/// A plan's resource changes are most of its bytes. Rules read the values of the
/// resource types they know; `before` is read only by rules that compare. Deferring
/// the tree building keeps parsing a 10,000-resource plan near the cost of scanning
/// its JSON, and resources no rule looks at are never built at all. The text was
/// validated as JSON (and as an object) while the plan was read, so building the
/// values cannot fail.
#[derive(Clone)]
pub struct PlanValues {
    /// The whole plan text, shared by all resources of the plan.
    pub(crate) source: Arc<str>,
    /// The values object inside `source`.
    pub(crate) json: Range<usize>,
    /// `after_unknown` inside `source`, for planned values.
    pub(crate) unknown: Option<Range<usize>>,
    /// `before_sensitive` / `after_sensitive` inside `source`.
    pub(crate) sensitive: Option<Range<usize>>,
    /// The configuration expressions of the block, for references of unknown values.
    pub(crate) expressions: Option<Expressions>,
}

impl PlanValues {
    /// Builds the values, with unknown and sensitive values marked.
    pub fn values(&self) -> ValueMap {
        // All ranges were validated as JSON when the plan was parsed.
        let parse = |range: &Range<usize>| {
            self.source
                .get(range.clone())
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
        };
        let mut values = match parse(&self.json) {
            Some(Value::Map(map)) => map,
            _ => ValueMap::new(),
        };
        if let Some(mask) = self.unknown.as_ref().and_then(parse) {
            mark_map(&mut values, &mask, &Mark::Unknown);
        }
        if let Some(expressions) = &self.expressions {
            attach_references(&mut values, expressions);
        }
        if let Some(mask) = self.sensitive.as_ref().and_then(parse) {
            mark_map(&mut values, &mask, &Mark::Sensitive);
        }
        values
    }
}

impl PartialEq for PlanValues {
    fn eq(&self, other: &Self) -> bool {
        self.values() == other.values()
    }
}

impl std::fmt::Debug for PlanValues {
    /// Shows the values with sensitive ones redacted, never the raw text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.values().fmt(f)
    }
}

impl serde::Serialize for PlanValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values().serialize(serializer)
    }
}

enum Mark {
    Unknown,
    Sensitive,
}

/// Applies an `after_unknown` / `*_sensitive` mask: `true` marks the value at that
/// path; objects and arrays recurse. Unknown attributes are absent from `after`, so a
/// `true` for a missing key inserts the marker.
fn mark(target: &mut Value, mask: &Value, how: &Mark) {
    match mask {
        Value::Bool(true) => {
            let current = std::mem::replace(target, Value::Null);
            *target = match how {
                Mark::Unknown => match current {
                    already @ Value::Unknown(_) => already,
                    _ => Value::unknown_after_apply(),
                },
                Mark::Sensitive => match current {
                    already @ Value::Sensitive(_) => already,
                    other => Value::Sensitive(Sensitive::new(other)),
                },
            };
        }
        Value::Map(_) => {
            if let Value::Map(map) = target {
                mark_map(map, mask, how);
            }
        }
        Value::List(masks) => {
            if let Value::List(items) = target {
                for (i, m) in masks.iter().enumerate() {
                    if !mask_marks_anything(m) {
                        continue;
                    }
                    if i >= items.len() {
                        items.resize(i + 1, Value::Null);
                    }
                    mark(&mut items[i], m, how);
                }
            }
        }
        _ => {}
    }
}

fn mark_map(map: &mut ValueMap, mask: &Value, how: &Mark) {
    let Value::Map(masks) = mask else {
        return;
    };
    // Unknown attributes are usually absent from `after`: grow the map once for all.
    let missing = masks
        .iter()
        .filter(|(key, m)| mask_marks_anything(m) && !map.contains_key(key))
        .count();
    map.reserve(missing);
    for (key, m) in masks.iter() {
        if !mask_marks_anything(m) {
            continue;
        }
        let slot = map.get_or_insert_with(key, || Value::Null);
        mark(slot, m, how);
    }
}

fn mask_marks_anything(mask: &Value) -> bool {
    match mask {
        Value::Bool(b) => *b,
        Value::Map(map) => map.values().any(mask_marks_anything),
        Value::List(items) => items.iter().any(mask_marks_anything),
        _ => false,
    }
}

/// Gives unknown planned values the references of their configuration expression,
/// and marks the unknown values of arguments the configuration does not set as
/// [`UnknownCause::Unconfigured`]. Expressions are `{"references": [...]}` /
/// `{"constant_value": ...}`; nested blocks are arrays of objects of expressions.
fn attach_references(values: &mut ValueMap, exprs: &serde_json::Map<String, serde_json::Value>) {
    for (key, value) in values.iter_mut() {
        let Some(expr) = exprs.get(key) else {
            if let Value::Unknown(unknown) = value {
                unknown.cause = UnknownCause::Unconfigured;
            }
            continue;
        };
        match (value, expr) {
            (Value::Unknown(unknown), serde_json::Value::Object(e)) => {
                if let Some(serde_json::Value::Array(refs)) = e.get("references") {
                    unknown.references = refs
                        .iter()
                        .filter_map(|r| r.as_str().map(str::to_owned))
                        .collect();
                }
            }
            (Value::List(blocks), serde_json::Value::Array(block_exprs)) => {
                for (block, block_expr) in blocks.iter_mut().zip(block_exprs) {
                    if let (Value::Map(block), serde_json::Value::Object(block_expr)) =
                        (block, block_expr)
                    {
                        attach_references(block, block_expr);
                    }
                }
            }
            _ => {}
        }
    }
}
