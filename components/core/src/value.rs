//! Attribute values shared by the HCL and plan-JSON parsers.
//!
//! A Terraform attribute can be a plain value, a value Terraform will only know after
//! apply (or an HCL expression we do not evaluate), or a value marked sensitive. Rules
//! must be able to tell the three apart — "cannot tell" is never a pass or a fail — and
//! a sensitive value must never reach any output, so it has its own wrapper whose
//! `Debug`, `Display` and `Serialize` all redact it.

use std::fmt;

use compact_str::CompactString;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use smallvec::SmallVec;

/// Attribute names and string values. Strings up to 24 bytes — nearly every key and
/// most values in a plan — live inline, which keeps parsing large plans from being a
/// long series of tiny allocations.
pub type Text = CompactString;

/// A Terraform attribute value, after static evaluation (HCL) or as planned (plan JSON).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, or an attribute explicitly set to null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, kept exactly as written (integers stay integers).
    Number(serde_json::Number),
    /// A string.
    String(Text),
    /// A list, set or tuple. Nested blocks are lists of maps, as in plan JSON.
    List(Vec<Value>),
    /// An object or map, and the body of a nested block.
    Map(ValueMap),
    /// Not known statically: known only after apply, or an expression we do not evaluate.
    /// Boxed because it is rare and large; it would otherwise widen every value.
    Unknown(Box<Unknown>),
    /// A value Terraform marks sensitive. Never printed or serialized.
    Sensitive(Sensitive),
}

/// Why a value is unknown, and what it refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unknown {
    /// The HCL source of the expression, when the value came from configuration.
    pub expression: Option<String>,
    /// Dotted references the expression makes (`aws_s3_bucket.logs.id`, `var.region`),
    /// in order of appearance, without duplicates. Rules use them to link resources.
    /// After evaluation they include what locals and variables led to
    /// (`local.bucket_id`, then `aws_s3_bucket.this`).
    pub references: Vec<String>,
    /// Why the value is not known.
    pub cause: UnknownCause,
}

/// Why a value is not known before apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum UnknownCause {
    /// The expression was not evaluated: parsed but not (yet) evaluated, or it uses a
    /// function or construct the evaluator does not implement.
    #[default]
    NotEvaluated,
    /// Known only after apply: a plan's `after_unknown`, or an attribute of a resource
    /// (or data source) that the provider computes.
    AfterApply,
    /// A plan's `after_unknown` for an argument the configuration does not set (it is
    /// absent from the block's expressions in the plan's `configuration` section): the
    /// provider computes it from its default, exactly as when a `.tf` file leaves it
    /// out. Terraform also leaves `dynamic` blocks out of those expressions, so only
    /// scalar readers may take this as "not set" (see `rules::values`).
    Unconfigured,
    /// A variable with no default and no value in the reviewed files.
    NoValue(String),
    /// Depends on something outside what is evaluated (a module's output, a local or
    /// variable not declared in the reviewed files); the text says what.
    Outside(String),
    /// The expression is invalid (also reported as an input error) or fails to
    /// evaluate; the text says why.
    Invalid(String),
}

impl Unknown {
    /// A value that Terraform computes during apply (plan `after_unknown`).
    pub fn after_apply() -> Self {
        Unknown {
            cause: UnknownCause::AfterApply,
            ..Unknown::default()
        }
    }

    /// Why the value is unknown, for people: "no value given for variable
    /// \"region\"", "known only after apply (aws_s3_bucket.logs.id)", "read by the
    /// provider during plan (data source data.aws_kms_alias.s3)".
    pub fn reason(&self) -> String {
        match &self.cause {
            UnknownCause::NotEvaluated => "not evaluated statically".to_owned(),
            UnknownCause::AfterApply => match self.awaited() {
                Some(Awaited::Resource(r)) => format!("known only after apply ({r})"),
                Some(Awaited::DataSource(d)) => {
                    format!("read by the provider during plan (data source {d})")
                }
                None => "known only after apply".to_owned(),
            },
            UnknownCause::Unconfigured => {
                "not set in configuration; the provider computes it during apply".to_owned()
            }
            UnknownCause::NoValue(variable) => {
                format!("no value given for variable \"{variable}\"")
            }
            UnknownCause::Outside(what) => what.clone(),
            UnknownCause::Invalid(why) => format!("invalid expression: {why}"),
        }
    }
}

/// What a value known only after apply waits for (see [`Unknown::awaited`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Awaited<'u> {
    /// A managed resource's attribute (`aws_s3_bucket.logs.id`): known once applied.
    Resource(&'u str),
    /// A data source (`data.aws_kms_alias.s3`): the provider reads it during plan,
    /// unless its own arguments wait for apply.
    DataSource(&'u str),
}

impl Unknown {
    /// What the value waits for, from its references: the first managed resource,
    /// since a value that needs one is known only after apply whatever else it
    /// reads; else the first data source, by its address (`data.TYPE.NAME`).
    /// `None` when it names neither (a plan's "known after apply" names nothing).
    pub fn awaited(&self) -> Option<Awaited<'_>> {
        let mut data_source = None;
        for reference in &self.references {
            // A module's output names what it read inside the module
            // (`module.vpc.aws_vpc.this`); anything else of a module's is an output
            // that is not known for a reason of its own.
            let mut within = reference.as_str();
            while let Some(rest) = within.strip_prefix("module.") {
                match rest.split_once('.') {
                    Some((_, inner)) => within = inner,
                    None => break,
                }
            }
            let named = [
                "var.", "local.", "each.", "count.", "module.", "path.", "self.",
            ]
            .iter()
            .any(|p| within.starts_with(p));
            if named || !within.contains('.') {
                continue;
            }
            let Some(data) = within.strip_prefix("data.") else {
                return Some(Awaited::Resource(reference));
            };
            // `data.TYPE.NAME.ATTRIBUTE` is read from `data.TYPE.NAME`.
            let end = reference.len() - data.len()
                + data
                    .match_indices(['.', '['])
                    .nth(1)
                    .map_or(data.len(), |(at, _)| at);
            data_source.get_or_insert(&reference[..end]);
        }
        data_source.map(Awaited::DataSource)
    }
}

/// A sensitive value. The inner value is available to rules through [`Sensitive::expose`]
/// but every formatting and serialization path redacts it.
#[derive(Clone, PartialEq)]
pub struct Sensitive(Box<Value>);

impl Sensitive {
    /// Wraps a value so it will not be shown.
    pub fn new(value: Value) -> Self {
        Sensitive(Box::new(value))
    }

    /// The real value, for rules only. Never log or render what this returns.
    pub fn expose(&self) -> &Value {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

impl Value {
    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is a known boolean (Terraform also accepts "true"/"false").
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a known number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The map, if this is a known map or block body.
    pub fn as_map(&self) -> Option<&ValueMap> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list, if this is a known list (or repeated nested block).
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// A value that is unknown until apply.
    pub fn unknown_after_apply() -> Value {
        Value::Unknown(Box::new(Unknown::after_apply()))
    }

    /// An unknown value from an expression that was not evaluated.
    pub fn unknown(expression: Option<String>, references: Vec<String>) -> Value {
        Value::Unknown(Box::new(Unknown {
            expression,
            references,
            cause: UnknownCause::NotEvaluated,
        }))
    }

    /// True when the value is not known statically (anywhere at its top level).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// True when this value, or anything inside it, is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::List(items) => items.iter().any(Value::contains_unknown),
            Value::Map(map) => map.values().any(Value::contains_unknown),
            Value::Sensitive(s) => s.expose().contains_unknown(),
            _ => false,
        }
    }

    /// Follows a path of map keys and list indexes (`["rule", "0", "enabled"]`).
    pub fn pointer<'a>(&'a self, path: &[&str]) -> Option<&'a Value> {
        let mut current = self;
        for step in path {
            current = match current {
                Value::Map(map) => map.get(step)?,
                Value::List(items) => items.get(step.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// Converts a `serde_json::Value` (e.g. a plan's index or a tfvars.json value).
    pub fn from_json(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s.into()),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.into_iter()
                    .map(|(k, v)| (Text::from(k), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Renders the value as compact JSON the way Terraform's `jsonencode` does (object
    /// keys sorted). `None` when any part is unknown or sensitive.
    pub fn to_json_string(&self) -> Option<String> {
        if self.contains_unknown() || self.contains_sensitive() {
            return None;
        }
        serde_json::to_string(self).ok()
    }

    fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    /// HCL-like rendering for people. Sensitive values show as `(sensitive value)`,
    /// unknown ones as their expression or `(known after apply)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str("}")
            }
            Value::Unknown(u) => match &u.expression {
                Some(expr) => f.write_str(expr),
                None => f.write_str("(known after apply)"),
            },
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

/// JSON form: plain values as themselves; unknown as `{"$unknown": "<expression>"}`
/// (or `true` when known only after apply); sensitive as `{"$sensitive": true}`.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => items.serialize(serializer),
            Value::Map(map) => map.serialize(serializer),
            Value::Unknown(u) => {
                let mut m = serializer.serialize_map(Some(1))?;
                match &u.expression {
                    Some(expr) => m.serialize_entry("$unknown", expr)?,
                    None => m.serialize_entry("$unknown", &true)?,
                }
                m.end()
            }
            Value::Sensitive(_) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("$sensitive", &true)?;
                m.end()
            }
        }
    }
}

/// Deserializes plain JSON straight into [`Value`] (no intermediate `serde_json::Value`),
/// which keeps plan parsing to a single pass over large documents.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    // Collecting on the stack first and allocating once at the exact size avoids the
    // grow-and-copy steps of a Vec: serde_json gives no size hint, and this is the
    // hottest loop of parsing a large plan.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items: SmallVec<[Value; 8]> = SmallVec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items.into_vec()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries: SmallVec<[(Text, Value); 16]> = SmallVec::new();
        while let Some(entry) = access.next_entry::<Text, Value>()? {
            entries.push(entry);
        }
        Ok(Value::Map(ValueMap::from_entries(entries.into_vec())))
    }
}

/// A map of attribute names to values, kept sorted by name.
///
/// A sorted vector rather than a `BTreeMap`: attribute maps are small, Terraform
/// writes their keys already sorted (so building one from a plan is a single
/// check), and a B-tree node costs the same memory for 2 entries as for 11.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueMap {
    entries: Vec<(Text, Value)>,
}

impl ValueMap {
    /// An empty map.
    pub fn new() -> Self {
        ValueMap::default()
    }

    /// Builds a map from entries in any order; for duplicate keys the last one wins,
    /// as in JSON and HCL.
    pub fn from_entries(mut entries: Vec<(Text, Value)>) -> Self {
        let sorted_unique = entries.windows(2).all(|w| w[0].0 < w[1].0);
        if !sorted_unique {
            // Stable sort keeps duplicates in input order; keep the last of each run.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut deduped: Vec<(Text, Value)> = Vec::with_capacity(entries.len());
            for entry in entries {
                match deduped.last_mut() {
                    Some(last) if last.0 == entry.0 => *last = entry,
                    _ => deduped.push(entry),
                }
            }
            entries = deduped;
        }
        ValueMap { entries }
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Makes room for `additional` more entries in one allocation.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value under a key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value under a key, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// True when the key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: impl Into<Text>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value under a key, inserting `make()` first when it is missing.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key.into(), make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Removes a key; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&str, &mut Value)> {
        self.entries.iter_mut().map(|(k, v)| (k.as_str(), v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// Values in key order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<K: Into<Text>> FromIterator<(K, Value)> for ValueMap {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        ValueMap::from_entries(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl IntoIterator for ValueMap {
    type Item = (Text, Value);
    type IntoIter = std::vec::IntoIter<(Text, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Serialize for ValueMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_redacted_in_every_rendering() {
        let v = Value::Sensitive(Sensitive::new(Value::String("hunter2".into())));
        assert_eq!(
            std::mem::size_of::<Value>(),
            32,
            "keep Value small: it is allocated per attribute"
        );
        assert_eq!(v.to_string(), "(sensitive value)");
        assert!(!format!("{v:?}").contains("hunter2"));
        let json = serde_json::to_string(&v).expect("serialize");
        assert_eq!(json, r#"{"$sensitive":true}"#);
        assert_eq!(v.to_json_string(), None);
    }

    #[test]
    fn unknown_values_serialize_with_their_expression() {
        let v = Value::unknown(
            Some("aws_kms_key.k.arn".into()),
            vec!["aws_kms_key.k.arn".into()],
        );
        assert_eq!(
            serde_json::to_string(&v).expect("serialize"),
            r#"{"$unknown":"aws_kms_key.k.arn"}"#
        );
        assert_eq!(
            serde_json::to_string(&Value::unknown_after_apply()).expect("serialize"),
            r#"{"$unknown":true}"#
        );
    }

    #[test]
    fn deserializes_json_preserving_integer_numbers() {
        let v: Value = serde_json::from_str(r#"{"a":[1,2.5,"x",null,true]}"#).expect("parse");
        assert_eq!(
            v.pointer(&["a", "0"]),
            Some(&Value::Number(serde_json::Number::from(1)))
        );
        assert_eq!(v.pointer(&["a", "1"]).and_then(Value::as_f64), Some(2.5));
        assert_eq!(
            serde_json::to_string(&v).expect("ser"),
            r#"{"a":[1,2.5,"x",null,true]}"#
        );
    }

    #[test]
    fn maps_stay_sorted_and_last_duplicate_wins() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":2,"b":3}"#).expect("parse");
        let map = v.as_map().expect("map");
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(map.get("b"), Some(&Value::Number(3.into())));
        let mut m = ValueMap::new();
        m.insert("z", Value::Null);
        m.insert("a", Value::Bool(true));
        *m.get_or_insert_with("m", || Value::List(Vec::new())) = Value::Null;
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "m", "z"]);
        assert_eq!(m.remove("a"), Some(Value::Bool(true)));
        assert!(!m.contains_key("a"));
    }

    #[test]
    fn jsonencode_sorts_keys_like_terraform() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).expect("parse");
        assert_eq!(
            v.to_json_string().as_deref(),
            Some(r#"{"a":{"c":3,"d":2},"b":1}"#)
        );
    }
}
