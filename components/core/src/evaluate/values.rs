//! Values as the evaluator handles them: failures, unknowns that carry what led to
//! them, sensitivity that sticks to results, and Terraform's conversions.

use crate::value::{Sensitive, Unknown, UnknownCause, Value};

/// No collection the evaluator builds grows past this many elements (`range`,
/// `for` expressions, `flatten`): a bound on the memory and time of any input.
pub(crate) const MAX_COLLECTION: usize = 100_000;

/// A local's value nests at most this deep: locals can wrap each other without end,
/// and copying or dropping a value recurses through it.
pub(crate) const MAX_NESTING: usize = 100;

/// No string the evaluator builds in a template grows past this many bytes.
pub(crate) const MAX_STRING: usize = 1 << 20;

/// `count`, `for_each` and dynamic blocks make at most this many instances.
pub(crate) const MAX_INSTANCES: usize = 10_000;

/// At most this many references are kept on an unknown value.
const MAX_REFERENCES: usize = 16;

/// The result of evaluating an expression.
pub(crate) type Eval = Result<Value, Failure>;

/// Why an expression has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Terraform rejects the expression whatever the values are (an unknown name, a
    /// cycle between locals, a runaway expansion): reported as an input error.
    Invalid(String),
    /// Evaluation failed on these values (a missing key, a wrong type): what
    /// `try` and `can` catch.
    Error(String),
}

/// An unknown value with a cause and references.
pub(crate) fn unknown_with(cause: UnknownCause, references: Vec<String>) -> Value {
    Value::Unknown(Box::new(Unknown {
        expression: None,
        references,
        cause,
    }))
}

/// When any of `values` holds an unknown (at any depth), one unknown value with the
/// references of all of them and the cause of the first: what a result computed
/// from them is.
pub(crate) fn unknown_among(values: &[Value]) -> Option<Value> {
    let mut merged: Option<Unknown> = None;
    for value in values {
        collect_unknown(value, &mut merged);
    }
    merged.map(|mut u| {
        u.expression = None;
        Value::Unknown(Box::new(u))
    })
}

fn collect_unknown(value: &Value, merged: &mut Option<Unknown>) {
    match value {
        Value::Unknown(unknown) => match merged {
            None => *merged = Some((**unknown).clone()),
            Some(m) => {
                for reference in &unknown.references {
                    if m.references.len() < MAX_REFERENCES && !m.references.contains(reference) {
                        m.references.push(reference.clone());
                    }
                }
                // "No value for variable x" says more than "after apply".
                if m.cause == UnknownCause::AfterApply
                    && matches!(unknown.cause, UnknownCause::NoValue(_))
                {
                    m.cause = unknown.cause.clone();
                }
            }
        },
        Value::List(items) => items.iter().for_each(|v| collect_unknown(v, merged)),
        Value::Map(map) => map.values().for_each(|v| collect_unknown(v, merged)),
        Value::Sensitive(inner) => collect_unknown(inner.expose(), merged),
        _ => {}
    }
}

/// The value without its sensitive marks (at any depth), and whether it had any.
pub(crate) fn unmark(value: Value) -> (Value, bool) {
    match value {
        Value::Sensitive(inner) => (unmark(inner.expose().clone()).0, true),
        Value::List(items) if items.iter().any(has_mark) => (
            Value::List(items.into_iter().map(|v| unmark(v).0).collect()),
            true,
        ),
        Value::Map(map) if map.values().any(has_mark) => (
            Value::Map(map.into_iter().map(|(k, v)| (k, unmark(v).0)).collect()),
            true,
        ),
        other => (other, false),
    }
}

fn has_mark(value: &Value) -> bool {
    match value {
        Value::Sensitive(_) => true,
        Value::List(items) => items.iter().any(has_mark),
        Value::Map(map) => map.values().any(has_mark),
        _ => false,
    }
}

/// Marks a result sensitive when something it was computed from was.
pub(crate) fn mark(value: Value, marked: bool) -> Value {
    if marked && !matches!(value, Value::Sensitive(_) | Value::Unknown(_)) {
        Value::Sensitive(Sensitive::new(value))
    } else {
        value
    }
}

/// `bool`, or a string Terraform converts to one.
pub(crate) fn as_bool(value: &Value) -> Option<bool> {
    value.as_bool()
}

/// A number, or a string Terraform converts to one.
pub(crate) fn to_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A number as Terraform shows it: whole numbers without a fraction.
pub(crate) fn number_from_f64(f: f64) -> Result<Value, Failure> {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Ok(Value::Number((f as i64).into()));
    }
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| Failure::Error("the result is not a finite number".into()))
}

/// A list index.
pub(crate) fn as_index(value: &Value) -> Result<usize, Failure> {
    match to_number(value) {
        Some(f) if f >= 0.0 && f.fract() == 0.0 => Ok(f as usize),
        _ => Err(Failure::Error(format!(
            "an index must be a whole number, not {value}"
        ))),
    }
}

/// Terraform's `==`: same type and value (numbers by value).
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && equal(va, vb))
        }
        (Value::Sensitive(x), y) => equal(x.expose(), y),
        (x, Value::Sensitive(y)) => equal(x, y.expose()),
        _ => a == b,
    }
}

/// How a primitive value reads in a template or where a string is expected.
pub(crate) fn to_template_string(value: &Value) -> Result<String, Failure> {
    match value {
        Value::String(s) => Ok(s.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(Failure::Error(
            "a null value cannot be used as a string".into(),
        )),
        other => Err(Failure::Error(format!(
            "a {} cannot be used as a string",
            type_name(other)
        ))),
    }
}

/// The type of a value, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Unknown(_) => "unknown value",
        Value::Sensitive(_) => "sensitive value",
    }
}

/// Whether a value's elements (and string bytes, 64 to an element) stay within
/// `limit`, and its nesting within [`MAX_NESTING`]; stops counting once past either.
pub(crate) fn weight_within(value: &Value, limit: usize) -> bool {
    fn weigh(value: &Value, total: &mut usize, limit: usize, depth: usize) {
        if *total > limit {
            return;
        }
        if depth > MAX_NESTING {
            *total = usize::MAX;
            return;
        }
        *total += 1;
        match value {
            Value::String(s) => *total += s.len() / 64,
            Value::List(items) => items.iter().for_each(|v| weigh(v, total, limit, depth + 1)),
            Value::Map(map) => map.values().for_each(|v| weigh(v, total, limit, depth + 1)),
            Value::Sensitive(inner) => weigh(inner.expose(), total, limit, depth + 1),
            _ => {}
        }
    }
    let mut total = 0;
    weigh(value, &mut total, limit, 0);
    total <= limit
}
