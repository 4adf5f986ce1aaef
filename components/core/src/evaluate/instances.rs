//! A resource block becomes its instances: one per `count` index or `for_each` key
//! when those are known (none for `count = 0` or an empty set), each with its
//! attributes evaluated and its `dynamic` blocks expanded; a single instance with
//! unknown `count.index` / `each.*` when they are not.

use super::expr::{Evaluator, Frame, append_blocks, iterate_for_each};
use super::provenance::{Reference, Tracing, bind};
use super::values::{Failure, MAX_INSTANCES, as_index, unknown_among, unknown_with};
use super::{Scope, already_evaluated};
use crate::address::InstanceKey;
use crate::resource::{DynamicBlock, Resource};
use crate::value::{UnknownCause, Value, ValueMap};

/// Pushes the instances of `resource` onto `out`.
pub(super) fn expand(scope: &Scope<'_>, mut resource: Resource, out: &mut Vec<Resource>) {
    if already_evaluated(&resource) {
        out.push(resource);
        return;
    }
    let json = resource.source.file.ends_with(".json");
    let line = resource.source.lines.map(|l| l.start);
    let file = resource.source.file.clone();
    let address = resource.address.clone();
    let settle = |result, expression: Option<&str>, what: &str| {
        scope.settle(
            result,
            expression,
            &file,
            || line,
            || format!("{address}: {what}"),
        )
    };
    // What `for_each` read: what `each.key` and `each.value` stand for.
    let mut each_read = Vec::new();
    let instances: Vec<(Option<InstanceKey>, Frame)> =
        if let Some(count) = resource.meta.count.take() {
            let value = settle(
                scope.evaluate_parsed(&count, &Frame::default(), json),
                expression_of(&count),
                "count",
            );
            let instances = match count_instances(&value) {
                Ok(instances) => instances,
                Err(failure) => {
                    let value = settle(Err(failure), expression_of(&count), "count");
                    unknown_instances("count", &value)
                }
            };
            resource.meta.count = Some(value);
            instances
        } else if let Some(for_each) = resource.meta.for_each.take() {
            scope.trace.begin();
            let result = scope.evaluate_parsed(&for_each, &Frame::default(), json);
            each_read = scope.trace.end();
            let value = settle(result, expression_of(&for_each), "for_each");
            let instances = match for_each_instances(&value) {
                Ok(instances) => instances,
                Err(failure) => {
                    let value = settle(Err(failure), expression_of(&for_each), "for_each");
                    unknown_instances("for_each", &value)
                }
            };
            resource.meta.for_each = Some(value);
            instances
        } else {
            vec![(None, Frame::default())]
        };
    let dynamic_blocks = std::mem::take(&mut resource.meta.dynamic_blocks);
    let count = instances.len();
    let mut computed = Vec::new();
    for (name, value) in resource.attributes.iter() {
        if needs_evaluation(value) {
            expression_paths(value, &mut name.to_owned(), &mut computed);
        }
    }
    computed.extend(
        dynamic_blocks
            .iter()
            .map(|d| format!("{}{}", d.within, d.name)),
    );
    if count > 1 || !computed.is_empty() {
        resource.evaluated = Some(std::sync::Arc::new(computed));
    }
    let mut resource = Some(resource);
    for (i, (key, frame)) in instances.into_iter().enumerate() {
        // The last instance takes the block itself; the others are copies.
        let mut instance = match (i + 1 == count, resource.take()) {
            (true, Some(r)) => r,
            (_, Some(r)) => {
                let copy = r.clone();
                resource = Some(r);
                copy
            }
            (_, None) => return,
        };
        instance.address.index = key;
        evaluate_instance(
            scope,
            &mut instance,
            &frame,
            &dynamic_blocks,
            json,
            &each_read,
        );
        out.push(instance);
    }
}

fn expression_of(value: &Value) -> Option<&str> {
    match value {
        Value::Unknown(u) => u.expression.as_deref(),
        _ => None,
    }
}

/// The instances `count` makes.
pub(super) fn count_instances(count: &Value) -> Result<Vec<(Option<InstanceKey>, Frame)>, Failure> {
    let count = match count {
        Value::Unknown(_) => return Ok(unknown_instances("count", count)),
        Value::Sensitive(_) => {
            return Err(Failure::Invalid(
                "`count` cannot be a sensitive value".into(),
            ));
        }
        Value::Null => return Err(Failure::Invalid("`count` cannot be null".into())),
        other => as_index(other).map_err(|_| {
            Failure::Invalid(format!(
                "`count` must be a whole number of 0 or more, not {other}"
            ))
        })?,
    };
    if count > MAX_INSTANCES {
        return Err(Failure::Invalid(format!(
            "`count` is {count}; reviewgate expands at most {MAX_INSTANCES} instances of a resource"
        )));
    }
    Ok((0..count)
        .map(|i| {
            let frame = Frame {
                count_index: Some(Value::Number((i as u64).into())),
                ..Frame::default()
            };
            (Some(InstanceKey::Int(i as i64)), frame)
        })
        .collect())
}

/// The instances `for_each` makes: one per map key or set element.
pub(super) fn for_each_instances(
    for_each: &Value,
) -> Result<Vec<(Option<InstanceKey>, Frame)>, Failure> {
    match for_each {
        Value::Unknown(_) => return Ok(unknown_instances("for_each", for_each)),
        Value::Sensitive(_) => {
            return Err(Failure::Invalid(
                "`for_each` cannot be a sensitive value".into(),
            ));
        }
        Value::Null => return Err(Failure::Invalid("`for_each` cannot be null".into())),
        Value::List(items)
            if items
                .iter()
                .any(|i| !matches!(i, Value::String(_) | Value::Unknown(_))) =>
        {
            return Err(Failure::Invalid(
                "`for_each` needs a map or a set of strings".into(),
            ));
        }
        Value::List(items) if items.iter().any(Value::is_unknown) => {
            return Ok(unknown_instances(
                "for_each",
                &unknown_among(items).unwrap_or_else(Value::unknown_after_apply),
            ));
        }
        Value::List(_) | Value::Map(_) => {}
        other => {
            return Err(Failure::Invalid(format!(
                "`for_each` needs a map or a set of strings, not {other}"
            )));
        }
    }
    let pairs = match for_each {
        // A set's elements are both key and value.
        Value::List(items) => items.iter().map(|v| (v.clone(), v.clone())).collect(),
        _ => iterate_for_each(for_each.clone())?,
    };
    if pairs.len() > MAX_INSTANCES {
        return Err(Failure::Invalid(format!(
            "`for_each` makes {} instances; reviewgate expands at most {MAX_INSTANCES} instances of a resource",
            pairs.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    Ok(pairs
        .into_iter()
        .filter(|(key, _)| seen.insert(key.as_str().unwrap_or_default().to_owned()))
        .map(|(key, value)| {
            let name = key.as_str().unwrap_or_default().to_owned();
            let frame = Frame {
                each: Some((key, value)),
                ..Frame::default()
            };
            (Some(InstanceKey::Str(name)), frame)
        })
        .collect())
}

/// One instance whose `count.index` / `each.*` are unknown for the reason the
/// meta-argument is.
pub(super) fn unknown_instances(meta: &str, value: &Value) -> Vec<(Option<InstanceKey>, Frame)> {
    let (cause, mut references) = match value {
        Value::Unknown(u) => (u.cause.clone(), u.references.clone()),
        _ => (
            UnknownCause::Invalid(format!("`{meta}` is invalid")),
            Vec::new(),
        ),
    };
    let frame = if meta == "count" {
        references.insert(0, "count.index".into());
        Frame {
            count_index: Some(unknown_with(cause, references)),
            ..Frame::default()
        }
    } else {
        let mut key_refs = references.clone();
        key_refs.insert(0, "each.key".into());
        references.insert(0, "each.value".into());
        Frame {
            each: Some((
                unknown_with(cause.clone(), key_refs),
                unknown_with(cause, references),
            )),
            ..Frame::default()
        }
    };
    vec![(None, frame)]
}

fn evaluate_instance(
    scope: &Scope<'_>,
    instance: &mut Resource,
    frame: &Frame,
    dynamic_blocks: &[DynamicBlock],
    json: bool,
    each_read: &[Reference],
) {
    let file = instance.source.file.clone();
    let address = instance.address.clone();
    let mut attributes = std::mem::take(instance.attributes.values_mut());
    let names: Vec<String> = attributes.keys().map(str::to_owned).collect();
    let mut traced = Vec::new();
    for name in names {
        let Some(value) = attributes.get_mut(&name) else {
            continue;
        };
        if !needs_evaluation(value) {
            continue;
        }
        let mut tracing = Tracing::at(&name);
        let result = scope.evaluate_parsed_traced(value, frame, json, Some(&mut tracing));
        traced.append(&mut tracing.read);
        *value = scope.settle(
            result,
            expression_of(value),
            &file,
            || instance.lines_of(&name).map(|l| l.start),
            || format!("{address}: {name}"),
        );
    }
    for block in dynamic_blocks {
        expand_dynamic(scope, instance, &mut attributes, block, frame, &mut traced);
    }
    *instance.attributes.values_mut() = attributes;
    for (path, mut read) in traced {
        // Without `for_each` there is nothing to bind (and `each` is not read).
        if !each_read.is_empty() {
            bind(&mut read, &Reference::Each, each_read);
        }
        if let Some(chain) = scope.chain_of(&read) {
            instance.provenance.push((path.into(), chain));
        }
    }
    // Each path is traced once; sorted for `Resource::provenance_of`.
    instance.provenance.sort_by(|(a, _), (b, _)| a.cmp(b));
    let meta = &mut instance.meta;
    for slot in [&mut meta.prevent_destroy, &mut meta.create_before_destroy] {
        if let Some(value) = slot.as_mut().filter(|v| needs_evaluation(v)) {
            let result = scope.evaluate_parsed(value, frame, json);
            *value = scope.settle(
                result,
                expression_of(value),
                &file,
                || None,
                || format!("{address}: lifecycle"),
            );
        }
    }
}

/// The dotted paths of the expressions still to evaluate in a parsed value.
fn expression_paths(value: &Value, path: &mut String, out: &mut Vec<String>) {
    let mut step = |path: &mut String, segment: &str, item: &Value| {
        let len = path.len();
        path.push('.');
        path.push_str(segment);
        expression_paths(item, path, out);
        path.truncate(len);
    };
    match value {
        Value::Unknown(u) if u.cause == UnknownCause::NotEvaluated => out.push(path.clone()),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                step(path, &i.to_string(), item);
            }
        }
        Value::Map(map) => {
            for (key, item) in map.iter() {
                step(path, key, item);
            }
        }
        _ => {}
    }
}

/// Whether anything in a parsed value is an expression still to evaluate.
fn needs_evaluation(value: &Value) -> bool {
    match value {
        Value::Unknown(u) => u.cause == UnknownCause::NotEvaluated,
        Value::List(items) => items.iter().any(needs_evaluation),
        Value::Map(map) => map.values().any(needs_evaluation),
        _ => false,
    }
}

/// Replaces a `dynamic` block's placeholder with the blocks it makes, and adds to
/// `traced` what each attribute of their content read.
fn expand_dynamic(
    scope: &Scope<'_>,
    instance: &mut Resource,
    attributes: &mut ValueMap,
    block: &DynamicBlock,
    frame: &Frame,
    traced: &mut Vec<(String, Vec<Reference>)>,
) {
    let Ok(body) = hcl_edit::parser::parse_body(&block.source) else {
        return;
    };
    let Some(parsed) = body.blocks().next() else {
        return;
    };
    let path = format!("{}{}", block.within, block.name);
    // Its blocks go after those written out before it (see below).
    let first = holder(attributes, &block.within)
        .and_then(|holder| holder.get(&block.name))
        .and_then(Value::as_list)
        .map_or(0, <[Value]>::len);
    let mut evaluator = Evaluator::new(scope, frame.clone(), &block.source);
    evaluator.tracing = Some(Tracing::at(&path));
    let result = evaluator.dynamic(parsed, first);
    if result.is_ok()
        && let Some(tracing) = evaluator.tracing.take()
    {
        traced.extend(tracing.read);
    }
    let lines = instance.lines_of(&path);
    let expression = format!("dynamic \"{}\" block", block.name);
    let value = scope.settle(
        result,
        Some(&expression),
        &instance.source.file,
        || lines.map(|l| l.start),
        || format!("{}: {expression}", instance.address),
    );
    let Some(holder) = holder(attributes, &block.within) else {
        return;
    };
    match &value {
        // Blocks written out beside an unknown dynamic block say nothing of the whole.
        Value::Unknown(_) => {
            holder.insert(block.name.as_str(), value);
            return;
        }
        _ if holder.get(&block.name).is_some_and(Value::is_unknown) => {
            holder.remove(&block.name);
        }
        _ => {}
    }
    if let (Value::List(blocks), Some(lines)) = (&value, lines) {
        let start = holder
            .get(&block.name)
            .and_then(Value::as_list)
            .map_or(0, <[Value]>::len);
        for i in start..start + blocks.len() {
            instance
                .attribute_lines
                .entry(format!("{path}.{i}"))
                .or_insert(lines);
        }
    }
    append_blocks(holder, &block.name, value);
}

/// The map a `within` path (`a.0.b.1.`) leads to.
fn holder<'m>(attributes: &'m mut ValueMap, within: &str) -> Option<&'m mut ValueMap> {
    let mut current = attributes;
    let mut steps = within.split('.').filter(|s| !s.is_empty());
    while let Some(name) = steps.next() {
        let index: usize = steps.next()?.parse().ok()?;
        current = match current.get_mut(name)? {
            Value::List(items) => match items.get_mut(index)? {
                Value::Map(map) => map,
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(current)
}
