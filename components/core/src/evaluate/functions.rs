//! The Terraform functions modules use most, over known values. A function of an
//! unknown argument is unknown (with that argument's references and cause) unless
//! its result does not depend on it (`length` of a list with unknown elements);
//! a function reviewgate does not implement gives an unknown value that says so.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::values::{
    self, Eval, Failure, MAX_COLLECTION, as_index, equal, number_from_f64, to_number,
    to_template_string, unknown_among, unknown_with,
};
use crate::value::{Text, UnknownCause, Value, ValueMap};

/// Functions whose result is only known when Terraform runs.
const AT_RUN_TIME: &[&str] = &[
    "timestamp",
    "plantimestamp",
    "uuid",
    "bcrypt",
    "file",
    "fileexists",
    "fileset",
    "filebase64",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "filebase64sha256",
    "filebase64sha512",
    "templatefile",
];

/// Calls a built-in function with evaluated arguments.
pub(crate) fn call(name: &str, args: Vec<Value>) -> Eval {
    if AT_RUN_TIME.contains(&name) {
        return Ok(unknown_with(
            UnknownCause::Outside(format!(
                "depends on `{name}`, which reads files or the clock"
            )),
            Vec::new(),
        ));
    }
    let mut marked = false;
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| {
            let (v, m) = values::unmark(a);
            marked |= m;
            v
        })
        .collect();
    let result = dispatch(name, args)?;
    Ok(values::mark(result, marked))
}

/// Unknown when any argument is unknown at its top level.
fn top_level_unknown(args: &[Value]) -> Option<Value> {
    let unknown: Vec<Value> = args.iter().filter(|a| a.is_unknown()).cloned().collect();
    unknown_among(&unknown)
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), Failure> {
    if args.len() < min || args.len() > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(Failure::Invalid(format!(
            "`{name}` takes {expected} argument{}, not {}",
            if expected == "1" { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

fn string(value: &Value, what: &str) -> Result<String, Failure> {
    to_template_string(value).map_err(|_| {
        Failure::Error(format!(
            "{what} must be a string, not {}",
            values::type_name(value)
        ))
    })
}

fn list<'a>(value: &'a Value, what: &str) -> Result<&'a [Value], Failure> {
    match value {
        Value::List(items) => Ok(items),
        other => Err(Failure::Error(format!(
            "{what} must be a list, not {}",
            values::type_name(other)
        ))),
    }
}

fn map<'a>(value: &'a Value, what: &str) -> Result<&'a ValueMap, Failure> {
    match value {
        Value::Map(m) => Ok(m),
        other => Err(Failure::Error(format!(
            "{what} must be a map or object, not {}",
            values::type_name(other)
        ))),
    }
}

fn number(value: &Value, what: &str) -> Result<f64, Failure> {
    to_number(value).ok_or_else(|| {
        Failure::Error(format!(
            "{what} must be a number, not {}",
            values::type_name(value)
        ))
    })
}

fn text(s: impl Into<Text>) -> Value {
    Value::String(s.into())
}

fn bounded(items: Vec<Value>) -> Eval {
    if items.len() > MAX_COLLECTION {
        return Err(Failure::Invalid(format!(
            "a function result has more than {MAX_COLLECTION} elements"
        )));
    }
    Ok(Value::List(items))
}

fn dispatch(name: &str, args: Vec<Value>) -> Eval {
    // Functions that read inside collections handle unknown elements themselves;
    // every function is unknown when a whole argument is.
    let partial_ok = matches!(
        name,
        "coalesce"
            | "merge"
            | "concat"
            | "length"
            | "lookup"
            | "keys"
            | "tolist"
            | "toset"
            | "tomap"
            | "slice"
    );
    if !partial_ok && let Some(unknown) = top_level_unknown(&args) {
        return Ok(unknown);
    }
    let deep_unknown = || unknown_among(&args);
    match name {
        // Collections.
        "length" => {
            arity(name, &args, 1, 1)?;
            Ok(match &args[0] {
                Value::Unknown(_) => return Ok(args[0].clone()),
                Value::String(s) => Value::Number((s.chars().count() as u64).into()),
                Value::List(items) => Value::Number((items.len() as u64).into()),
                Value::Map(m) => Value::Number((m.len() as u64).into()),
                other => {
                    return Err(Failure::Error(format!(
                        "`length` needs a string or a collection, not {}",
                        values::type_name(other)
                    )));
                }
            })
        }
        "merge" => {
            let mut merged = ValueMap::new();
            for arg in &args {
                match arg {
                    Value::Null => {}
                    Value::Map(m) => {
                        for (k, v) in m.iter() {
                            merged.insert(k, v.clone());
                        }
                    }
                    // Later keys could override anything: the result is unknown.
                    Value::Unknown(_) => {
                        return Ok(
                            top_level_unknown(&args).unwrap_or_else(Value::unknown_after_apply)
                        );
                    }
                    other => {
                        return Err(Failure::Error(format!(
                            "`merge` needs maps or objects, not {}",
                            values::type_name(other)
                        )));
                    }
                }
            }
            Ok(Value::Map(merged))
        }
        "concat" => {
            if let Some(unknown) = top_level_unknown(&args) {
                return Ok(unknown);
            }
            let mut out = Vec::new();
            for arg in &args {
                out.extend(list(arg, "each argument of `concat`")?.iter().cloned());
            }
            bounded(out)
        }
        "lookup" => {
            arity(name, &args, 2, 3)?;
            if let Some(unknown) = top_level_unknown(&args) {
                return Ok(unknown);
            }
            let key = string(&args[1], "the key")?;
            match map(&args[0], "the first argument of `lookup`")?.get(&key) {
                Some(v) => Ok(v.clone()),
                None => args.get(2).cloned().ok_or_else(|| {
                    Failure::Error(format!(
                        "the map has no key \"{key}\" and no default was given"
                    ))
                }),
            }
        }
        "keys" => {
            arity(name, &args, 1, 1)?;
            if let Some(unknown) = top_level_unknown(&args) {
                return Ok(unknown);
            }
            Ok(Value::List(
                map(&args[0], "the argument of `keys`")?
                    .keys()
                    .map(text)
                    .collect(),
            ))
        }
        "values" => {
            arity(name, &args, 1, 1)?;
            Ok(Value::List(
                map(&args[0], "the argument of `values`")?
                    .values()
                    .cloned()
                    .collect(),
            ))
        }
        "element" => {
            arity(name, &args, 2, 2)?;
            let items = list(&args[0], "the first argument of `element`")?;
            if items.is_empty() {
                return Err(Failure::Error("`element` of an empty list".into()));
            }
            Ok(items[as_index(&args[1])? % items.len()].clone())
        }
        "index" => {
            arity(name, &args, 2, 2)?;
            let items = list(&args[0], "the first argument of `index`")?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            items
                .iter()
                .position(|item| equal(item, &args[1]))
                .map(|i| Value::Number((i as u64).into()))
                .ok_or_else(|| Failure::Error("`index`: the value is not in the list".into()))
        }
        "contains" => {
            arity(name, &args, 2, 2)?;
            let items = list(&args[0], "the first argument of `contains`")?;
            if items.iter().any(|item| equal(item, &args[1])) {
                return Ok(Value::Bool(true));
            }
            Ok(deep_unknown().unwrap_or(Value::Bool(false)))
        }
        "flatten" => {
            arity(name, &args, 1, 1)?;
            let mut out = Vec::new();
            flatten_into(list(&args[0], "the argument of `flatten`")?, &mut out, 0)?;
            bounded(out)
        }
        "distinct" => {
            arity(name, &args, 1, 1)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            Ok(Value::List(distinct(list(
                &args[0],
                "the argument of `distinct`",
            )?)))
        }
        "compact" => {
            arity(name, &args, 1, 1)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            Ok(Value::List(
                list(&args[0], "the argument of `compact`")?
                    .iter()
                    .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
                    .cloned()
                    .collect(),
            ))
        }
        "coalesce" => {
            for arg in &args {
                match arg {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    // An unknown argument may or may not be null or empty.
                    Value::Unknown(_) => return Ok(arg.clone()),
                    other => return Ok(other.clone()),
                }
            }
            Err(Failure::Error(
                "`coalesce`: no non-null, non-empty argument".into(),
            ))
        }
        "coalescelist" => Ok(args
            .iter()
            .find(|a| matches!(a, Value::List(items) if !items.is_empty()))
            .cloned()
            .unwrap_or(Value::List(Vec::new()))),
        "one" => {
            arity(name, &args, 1, 1)?;
            let items = list(&args[0], "the argument of `one`")?;
            match items {
                [] => Ok(Value::Null),
                [single] => Ok(single.clone()),
                _ => Err(Failure::Error(
                    "`one` of a list with more than one element".into(),
                )),
            }
        }
        "slice" => {
            arity(name, &args, 3, 3)?;
            if args[1].is_unknown() || args[2].is_unknown() {
                return Ok(top_level_unknown(&args).unwrap_or_else(Value::unknown_after_apply));
            }
            if let Value::Unknown(unknown) = &args[0] {
                // Terraform fails a slice past the end of the list, so one that
                // evaluates has exactly `end - start` elements, each unknown for the
                // list's reason: `slice(data.aws_availability_zones.x.names, 0, 3)`
                // is three zones, and what is counted or indexed by them is known.
                let (start, end) = (as_index(&args[1])?, as_index(&args[2])?);
                if start > end {
                    return Err(Failure::Error("`slice`: indexes out of range".into()));
                }
                if end - start > MAX_COLLECTION {
                    return Err(Failure::Invalid(format!(
                        "a function result has more than {MAX_COLLECTION} elements"
                    )));
                }
                let mut element = unknown.clone();
                element.expression = None;
                return Ok(Value::List(vec![Value::Unknown(element); end - start]));
            }
            let items = list(&args[0], "the first argument of `slice`")?;
            let (start, end) = (as_index(&args[1])?, as_index(&args[2])?);
            if start > end || end > items.len() {
                return Err(Failure::Error("`slice`: indexes out of range".into()));
            }
            Ok(Value::List(items[start..end].to_vec()))
        }
        "reverse" => {
            arity(name, &args, 1, 1)?;
            let mut items = list(&args[0], "the argument of `reverse`")?.to_vec();
            items.reverse();
            Ok(Value::List(items))
        }
        "sort" => {
            arity(name, &args, 1, 1)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            let mut items = list(&args[0], "the argument of `sort`")?
                .iter()
                .map(|v| string(v, "each element of `sort`"))
                .collect::<Result<Vec<_>, _>>()?;
            items.sort();
            Ok(Value::List(items.into_iter().map(text).collect()))
        }
        "range" => {
            arity(name, &args, 1, 3)?;
            let numbers = args
                .iter()
                .map(|a| number(a, "each argument of `range`"))
                .collect::<Result<Vec<_>, _>>()?;
            let (start, end, step) = match numbers.as_slice() {
                [end] => (0.0, *end, 1.0),
                [start, end] => (*start, *end, if start <= end { 1.0 } else { -1.0 }),
                [start, end, step] => (*start, *end, *step),
                _ => unreachable!("arity checked"),
            };
            if step == 0.0 {
                return Err(Failure::Error("`range` with a step of zero".into()));
            }
            let count = ((end - start) / step).ceil();
            if count > MAX_COLLECTION as f64 {
                return Err(Failure::Invalid(format!(
                    "`range` makes more than {MAX_COLLECTION} elements"
                )));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(number_from_f64(x)?);
                x += step;
            }
            Ok(Value::List(out))
        }
        "zipmap" => {
            arity(name, &args, 2, 2)?;
            let keys = list(&args[0], "the keys of `zipmap`")?;
            let vals = list(&args[1], "the values of `zipmap`")?;
            if keys.len() != vals.len() {
                return Err(Failure::Error(
                    "`zipmap`: lists of different lengths".into(),
                ));
            }
            let mut out = ValueMap::new();
            for (k, v) in keys.iter().zip(vals) {
                out.insert(string(k, "each key of `zipmap`")?, v.clone());
            }
            Ok(Value::Map(out))
        }
        "chunklist" => {
            arity(name, &args, 2, 2)?;
            let items = list(&args[0], "the list of `chunklist`")?;
            let size = as_index(&args[1])?;
            if size == 0 {
                return Ok(Value::List(vec![Value::List(items.to_vec())]));
            }
            Ok(Value::List(
                items
                    .chunks(size)
                    .map(|c| Value::List(c.to_vec()))
                    .collect(),
            ))
        }
        "setunion" | "setintersection" | "setsubtract" => {
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            let sets = args
                .iter()
                .map(|a| list(a, "each argument of a set function"))
                .collect::<Result<Vec<_>, _>>()?;
            let Some((first, rest)) = sets.split_first() else {
                return Err(Failure::Invalid(format!("`{name}` needs arguments")));
            };
            let contains = |set: &[Value], v: &Value| set.iter().any(|x| equal(x, v));
            let out: Vec<Value> = match name {
                "setunion" => {
                    let all: Vec<Value> = sets.iter().flat_map(|s| s.iter().cloned()).collect();
                    distinct(&all)
                }
                "setintersection" => distinct(
                    &first
                        .iter()
                        .filter(|v| rest.iter().all(|s| contains(s, v)))
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
                _ => distinct(
                    &first
                        .iter()
                        .filter(|v| !rest.iter().any(|s| contains(s, v)))
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
            };
            Ok(to_set(out))
        }
        "alltrue" | "anytrue" => {
            arity(name, &args, 1, 1)?;
            let items = list(&args[0], "the argument")?;
            let bools: Vec<Option<bool>> = items.iter().map(Value::as_bool).collect();
            let want = name == "anytrue";
            if bools.contains(&Some(want)) {
                return Ok(Value::Bool(want));
            }
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            if bools.contains(&None) {
                return Err(Failure::Error(format!("`{name}` needs a list of bools")));
            }
            Ok(Value::Bool(!want))
        }
        "sum" => {
            arity(name, &args, 1, 1)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            let mut total = 0.0;
            for v in list(&args[0], "the argument of `sum`")? {
                total += number(v, "each element of `sum`")?;
            }
            number_from_f64(total)
        }
        "min" | "max" => {
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            let numbers = args
                .iter()
                .map(|a| number(a, "each argument"))
                .collect::<Result<Vec<_>, _>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            let first = *numbers
                .first()
                .ok_or_else(|| Failure::Invalid(format!("`{name}` needs arguments")))?;
            number_from_f64(numbers.into_iter().fold(first, pick))
        }
        "abs" | "ceil" | "floor" | "signum" => {
            arity(name, &args, 1, 1)?;
            let n = number(&args[0], "the argument")?;
            number_from_f64(match name {
                "abs" => n.abs(),
                "ceil" => n.ceil(),
                "floor" => n.floor(),
                _ => n.signum(),
            })
        }
        "pow" => {
            arity(name, &args, 2, 2)?;
            number_from_f64(number(&args[0], "the base")?.powf(number(&args[1], "the exponent")?))
        }
        "parseint" => {
            arity(name, &args, 2, 2)?;
            let s = string(&args[0], "the number")?;
            let base = as_index(&args[1])? as u32;
            if !(2..=36).contains(&base) {
                return Err(Failure::Error("`parseint`: base must be 2 to 36".into()));
            }
            i64::from_str_radix(&s, base)
                .map(|n| Value::Number(n.into()))
                .map_err(|_| Failure::Error(format!("`parseint`: cannot parse \"{s}\"")))
        }

        // Type conversions.
        "tolist" | "toset" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Unknown(_) | Value::Null => Ok(args[0].clone()),
                Value::List(items) if name == "toset" => {
                    if items.iter().any(Value::contains_unknown) {
                        return Ok(deep_unknown().unwrap_or_else(Value::unknown_after_apply));
                    }
                    Ok(to_set(distinct(items)))
                }
                Value::List(_) => Ok(args[0].clone()),
                other => Err(Failure::Error(format!(
                    "`{name}` needs a list, not {}",
                    values::type_name(other)
                ))),
            }
        }
        "tomap" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Unknown(_) | Value::Null | Value::Map(_) => Ok(args[0].clone()),
                other => Err(Failure::Error(format!(
                    "`tomap` needs a map, not {}",
                    values::type_name(other)
                ))),
            }
        }
        "tostring" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Null => Ok(Value::Null),
                other => Ok(text(string(other, "the argument of `tostring`")?)),
            }
        }
        "tonumber" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Null => Ok(Value::Null),
                other => number_from_f64(number(other, "the argument of `tonumber`")?),
            }
        }
        "tobool" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Null => Ok(Value::Null),
                other => other.as_bool().map(Value::Bool).ok_or_else(|| {
                    Failure::Error("`tobool` needs a bool or \"true\"/\"false\"".into())
                }),
            }
        }
        "jsonencode" => {
            arity(name, &args, 1, 1)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            args[0]
                .to_json_string()
                .map(text)
                .ok_or_else(|| Failure::Error("`jsonencode` of a value it cannot encode".into()))
        }
        "jsondecode" => {
            arity(name, &args, 1, 1)?;
            let source = match &args[0] {
                Value::String(s) => s,
                other => {
                    return Err(Failure::Error(format!(
                        "`jsondecode` needs a string, not {}",
                        values::type_name(other)
                    )));
                }
            };
            serde_json::from_str::<Value>(source)
                .map_err(|e| Failure::Error(format!("`jsondecode`: {e}")))
        }

        // Strings.
        "join" => {
            arity(name, &args, 2, usize::MAX)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            let separator = string(&args[0], "the separator")?;
            let mut parts = Vec::new();
            for arg in &args[1..] {
                for item in list(arg, "the list of `join`")? {
                    parts.push(string(item, "each element of `join`")?);
                }
            }
            Ok(text(parts.join(&separator)))
        }
        "split" => {
            arity(name, &args, 2, 2)?;
            let (separator, s) = (
                string(&args[0], "the separator")?,
                string(&args[1], "the string")?,
            );
            if s.is_empty() {
                return Ok(Value::List(Vec::new()));
            }
            bounded(s.split(separator.as_str()).map(text).collect())
        }
        "format" => {
            arity(name, &args, 1, usize::MAX)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            format(&string(&args[0], "the format")?, &args[1..]).map(text)
        }
        "formatlist" => {
            arity(name, &args, 1, usize::MAX)?;
            if let Some(u) = deep_unknown() {
                return Ok(u);
            }
            let spec = string(&args[0], "the format")?;
            let rows = args[1..]
                .iter()
                .filter_map(|a| a.as_list().map(<[Value]>::len))
                .max()
                .unwrap_or(1);
            let mut out = Vec::with_capacity(rows);
            for row in 0..rows {
                let row_args: Vec<Value> = args[1..]
                    .iter()
                    .map(|a| match a {
                        Value::List(items) => items.get(row).cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    })
                    .collect();
                out.push(text(format(&spec, &row_args)?));
            }
            bounded(out)
        }
        "lower" | "upper" | "title" | "trimspace" | "chomp" | "strrev" | "base64encode"
        | "urlencode" => {
            arity(name, &args, 1, 1)?;
            let s = string(&args[0], "the argument")?;
            Ok(text(match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "title" => title(&s),
                "trimspace" => s.trim().to_owned(),
                "chomp" => s.trim_end_matches(['\n', '\r']).to_owned(),
                "strrev" => s.chars().rev().collect(),
                "base64encode" => base64_encode(s.as_bytes()),
                _ => urlencode(&s),
            }))
        }
        "trimprefix" | "trimsuffix" | "trim" | "startswith" | "endswith" | "strcontains" => {
            arity(name, &args, 2, 2)?;
            let (s, affix) = (
                string(&args[0], "the string")?,
                string(&args[1], "the argument")?,
            );
            Ok(match name {
                "trimprefix" => text(s.strip_prefix(affix.as_str()).unwrap_or(&s)),
                "trimsuffix" => text(s.strip_suffix(affix.as_str()).unwrap_or(&s)),
                "trim" => text(s.trim_matches(|c| affix.contains(c))),
                "startswith" => Value::Bool(s.starts_with(affix.as_str())),
                "endswith" => Value::Bool(s.ends_with(affix.as_str())),
                _ => Value::Bool(s.contains(affix.as_str())),
            })
        }
        "replace" => {
            arity(name, &args, 3, 3)?;
            let (s, search, replacement) = (
                string(&args[0], "the string")?,
                string(&args[1], "the substring")?,
                string(&args[2], "the replacement")?,
            );
            if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
                return Ok(not_implemented("replace with a regular expression"));
            }
            Ok(text(s.replace(search.as_str(), &replacement)))
        }
        "substr" => {
            arity(name, &args, 3, 3)?;
            let s = string(&args[0], "the string")?;
            let chars: Vec<char> = s.chars().collect();
            let offset = number(&args[1], "the offset")? as i64;
            let length = number(&args[2], "the length")? as i64;
            let start = if offset < 0 {
                (chars.len() as i64 + offset).max(0) as usize
            } else {
                (offset as usize).min(chars.len())
            };
            let end = if length < 0 {
                chars.len()
            } else {
                start.saturating_add(length as usize).min(chars.len())
            };
            Ok(text(chars[start..end].iter().collect::<String>()))
        }

        // Networks.
        "cidrsubnet" => {
            arity(name, &args, 3, 3)?;
            let prefix = string(&args[0], "the prefix")?;
            let newbits = as_index(&args[1])? as u32;
            let netnum = number(&args[2], "the network number")?;
            cidr_subnet(&prefix, newbits, netnum as u128).map(text)
        }
        "cidrsubnets" => {
            arity(name, &args, 1, usize::MAX)?;
            let prefix = string(&args[0], "the prefix")?;
            let (network, length, width) = parse_cidr(&prefix)?;
            let parent_end = network.saturating_add(block_size(width - length));
            let mut next = network;
            let mut out = Vec::new();
            for arg in &args[1..] {
                let new_length = length + as_index(arg)? as u32;
                if new_length > width {
                    return Err(Failure::Error(
                        "`cidrsubnets`: not enough address space".into(),
                    ));
                }
                let size = block_size(width - new_length);
                // Each subnet starts at the next boundary of its own size.
                let start = next.div_ceil(size).saturating_mul(size);
                if start.saturating_add(size) > parent_end {
                    return Err(Failure::Error(
                        "`cidrsubnets`: not enough address space".into(),
                    ));
                }
                out.push(text(render_cidr(start, new_length, width)));
                next = start + size;
            }
            Ok(Value::List(out))
        }
        "cidrhost" => {
            arity(name, &args, 2, 2)?;
            let (network, length, width) = parse_cidr(&string(&args[0], "the prefix")?)?;
            let host = number(&args[1], "the host number")? as i128;
            let size = block_size(width - length);
            let offset = if host < 0 { size as i128 + host } else { host };
            if offset < 0 || offset as u128 >= size {
                return Err(Failure::Error(
                    "`cidrhost`: host number out of range".into(),
                ));
            }
            Ok(text(render_address(network + offset as u128, width)))
        }
        "cidrnetmask" => {
            arity(name, &args, 1, 1)?;
            let (_, length, width) = parse_cidr(&string(&args[0], "the prefix")?)?;
            if width != 32 {
                return Err(Failure::Error("`cidrnetmask` needs an IPv4 prefix".into()));
            }
            let mask = if length == 0 {
                0
            } else {
                u32::MAX << (32 - length)
            };
            Ok(text(Ipv4Addr::from(mask).to_string()))
        }
        _ => Ok(not_implemented(&format!("the function `{name}`"))),
    }
}

fn not_implemented(what: &str) -> Value {
    unknown_with(
        UnknownCause::Outside(format!("uses {what}, which reviewgate does not evaluate")),
        Vec::new(),
    )
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>, depth: usize) -> Result<(), Failure> {
    if depth > 32 {
        return Err(Failure::Invalid(
            "`flatten` of lists nested too deeply".into(),
        ));
    }
    for item in items {
        match item {
            Value::List(inner) => flatten_into(inner, out, depth + 1)?,
            other => out.push(other.clone()),
        }
        if out.len() > MAX_COLLECTION {
            return Err(Failure::Invalid(format!(
                "`flatten` makes more than {MAX_COLLECTION} elements"
            )));
        }
    }
    Ok(())
}

fn distinct(items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut seen_strings = HashSet::new();
    for item in items {
        let new = match item {
            Value::String(s) => seen_strings.insert(s.clone()),
            other => !out.iter().any(|o| equal(o, other)),
        };
        if new {
            out.push(item.clone());
        }
    }
    out
}

/// A set as Terraform orders it: strings sorted, other elements as given.
fn to_set(mut items: Vec<Value>) -> Value {
    if items.iter().all(|v| matches!(v, Value::String(_))) {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Value::List(items)
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Terraform's `format`: `%s`, `%d`, `%v`, `%t`, `%q`, `%f`, `%x`, `%%`, with
/// width, precision and the `-`/`0` flags.
fn format(spec: &str, args: &[Value]) -> Result<String, Failure> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let (mut left, mut zero) = (false, false);
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse::<usize>().unwrap_or(0));
        }
        let verb = chars
            .next()
            .ok_or_else(|| Failure::Error("`format`: a verb is missing after %".into()))?;
        let arg = next
            .next()
            .ok_or_else(|| Failure::Error("`format`: not enough arguments".into()))?;
        let rendered = match verb {
            's' => string(arg, "a `%s` argument")?,
            'v' => match arg {
                Value::List(_) | Value::Map(_) => arg.to_json_string().unwrap_or_default(),
                other => string(other, "a `%v` argument")?,
            },
            'd' => {
                let n = number(arg, "a `%d` argument")?;
                if n.fract() != 0.0 {
                    return Err(Failure::Error("`format`: %d of a fraction".into()));
                }
                format!("{}", n as i64)
            }
            'f' => format!(
                "{:.*}",
                precision.unwrap_or(6),
                number(arg, "a `%f` argument")?
            ),
            'x' => format!("{:x}", number(arg, "a `%x` argument")? as i64),
            'X' => format!("{:X}", number(arg, "a `%X` argument")? as i64),
            't' => arg
                .as_bool()
                .ok_or_else(|| Failure::Error("`format`: %t needs a bool".into()))?
                .to_string(),
            'q' => serde_json::to_string(&string(arg, "a `%q` argument")?).unwrap_or_default(),
            other => {
                return Err(Failure::Error(format!(
                    "`format`: unsupported verb %{other}"
                )));
            }
        };
        let rendered = match (verb, precision) {
            ('s', Some(p)) => rendered.chars().take(p).collect(),
            _ => rendered,
        };
        let width = width.parse::<usize>().unwrap_or(0).min(1_000);
        let pad = width.saturating_sub(rendered.chars().count());
        if left {
            out.push_str(&rendered);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            let fill = if zero { '0' } else { ' ' };
            out.extend(std::iter::repeat_n(fill, pad));
            out.push_str(&rendered);
        }
    }
    Ok(out)
}

/// An IPv4 or IPv6 prefix: its network address (host bits cleared), prefix length and
/// address width (32 or 128).
fn parse_cidr(prefix: &str) -> Result<(u128, u32, u32), Failure> {
    let bad = || Failure::Error(format!("\"{prefix}\" is not a CIDR prefix"));
    let (address, length) = prefix.split_once('/').ok_or_else(bad)?;
    let length: u32 = length.parse().map_err(|_| bad())?;
    let (address, width) = if let Ok(v4) = address.parse::<Ipv4Addr>() {
        (u128::from(u32::from(v4)), 32)
    } else {
        (
            u128::from(address.parse::<Ipv6Addr>().map_err(|_| bad())?),
            128,
        )
    };
    if length > width {
        return Err(bad());
    }
    let host_bits = width - length;
    let network = if host_bits >= 128 {
        0
    } else {
        address >> host_bits << host_bits
    };
    Ok((network, length, width))
}

fn render_address(address: u128, width: u32) -> String {
    if width == 32 {
        Ipv4Addr::from(address as u32).to_string()
    } else {
        Ipv6Addr::from(address).to_string()
    }
}

fn render_cidr(address: u128, length: u32, width: u32) -> String {
    format!("{}/{length}", render_address(address, width))
}

fn cidr_subnet(prefix: &str, newbits: u32, netnum: u128) -> Result<String, Failure> {
    let (network, length, width) = parse_cidr(prefix)?;
    let new_length = length + newbits;
    if new_length > width {
        return Err(Failure::Error(format!(
            "`cidrsubnet`: {newbits} more bits do not fit in \"{prefix}\""
        )));
    }
    if newbits < 128 && netnum >= 1u128 << newbits {
        return Err(Failure::Error(format!(
            "`cidrsubnet`: network number {netnum} does not fit in {newbits} bits"
        )));
    }
    let shift = width - new_length;
    let subnet = if shift >= 128 {
        network
    } else {
        network | (netnum << shift)
    };
    Ok(render_cidr(subnet, new_length, width))
}

/// How many addresses `bits` host bits hold (saturating for a whole IPv6 space).
fn block_size(bits: u32) -> u128 {
    1u128.checked_shl(bits).unwrap_or(u128::MAX)
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
