//! Walking a change set for secrets: the added lines of every diff, and every literal
//! string in the Terraform configuration (resource and provider arguments, module
//! inputs, variable defaults, locals, outputs, `.tfvars` values), nested values and
//! JSON held in strings included.

use super::findings::{Collector, Place};
use super::line::Evidence;
use super::matchers::scan_line;
use super::text::{LOOKAHEAD, scan_value};
use crate::changeset::ChangeSet;
use crate::diff::ChangedFile;
use crate::finding::Finding;
use crate::resource::LineRange;
use crate::terraform::Configuration;
use crate::value::{Value, ValueMap};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Scans a change set; see [`super::scan`].
pub(super) fn scan_change_set(change_set: &ChangeSet) -> Vec<Finding> {
    let mut out = Collector::default();
    scan_configuration(&change_set.configuration, &mut out);
    for file in &change_set.changed_files {
        scan_changed_file(file, &mut out);
    }
    out.findings.sort_by(|a, b| {
        (&a.file, a.line, &a.rule_id, &a.message).cmp(&(&b.file, b.line, &b.rule_id, &b.message))
    });
    out.findings
}

/// Configuration-like files, where a value is always quoted: an unquoted right-hand
/// side there is an expression (`password = var.db_password`), never a literal.
fn quoted_only(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".tf", ".tfvars", ".hcl", ".json"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn scan_changed_file(file: &ChangedFile, out: &mut Collector) {
    if file.binary {
        return;
    }
    let added: Vec<(u32, &str)> = file.added_lines().collect();
    let texts: Vec<&str> = added.iter().map(|(_, text)| *text).collect();
    let quoted = quoted_only(&file.path);
    // Lookahead (for private key bodies) only over lines that follow each other.
    let mut run_end = vec![0; added.len()];
    let mut end = added.len();
    for i in (0..added.len()).rev() {
        if i + 1 < added.len() && added[i + 1].0 != added[i].0.saturating_add(1) {
            end = i + 1;
        }
        run_end[i] = end;
    }
    for (i, (number, text)) in added.iter().enumerate() {
        let following = &texts[i + 1..run_end[i].min(i + 1 + LOOKAHEAD)];
        for m in scan_line(text, following, "", quoted, 0, Evidence::Plausible) {
            out.diff_match(&m, text, &file.path, *number);
        }
    }
}

/// Walks every attribute of one block (resource, provider, module call) and records
/// the secrets in its values; `place` says where a value at a given path is.
fn scan_block<'a>(
    out: &mut Collector,
    owner: &str,
    attributes: &ValueMap,
    computed: &[String],
    place: impl Fn(&str) -> Place<'a>,
) {
    let is_computed = |path: &str| {
        computed.iter().any(|c| {
            path.strip_prefix(c.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    };
    for (name, value) in attributes.iter() {
        if is_computed(name) {
            continue;
        }
        let mut path = name.to_owned();
        walk(
            value,
            &mut path,
            name,
            false,
            0,
            &mut |path, key, text, sensitive| {
                if is_computed(path) {
                    return;
                }
                let place = place(path);
                for m in scan_value(owner, path, key, text) {
                    out.config_match(&m, text, &place, sensitive);
                }
            },
        );
    }
}

fn scan_configuration(config: &Configuration, out: &mut Collector) {
    // A secret is reported where it is written: values evaluation computed are
    // skipped, and the instances of one block are scanned once.
    let mut scanned: HashSet<*const Vec<String>> = HashSet::new();
    for resource in &config.resources {
        let computed: &[String] = match &resource.evaluated {
            Some(paths) if !scanned.insert(Arc::as_ptr(paths)) => continue,
            Some(paths) => paths,
            None => &[],
        };
        let address = resource.address.to_string();
        scan_block(
            out,
            resource.resource_type(),
            &resource.attributes,
            computed,
            |path| Place {
                description: format!("attribute `{path}` of `{address}`"),
                resource: Some(address.clone()),
                file: &resource.source.file,
                lines: lines_at(&resource.attribute_lines, path, resource.source.lines),
            },
        );
    }
    for provider in &config.providers {
        let owner = format!("provider {}", provider.name);
        scan_block(out, &owner, &provider.attributes, &[], |path| Place {
            description: format!("argument `{path}` of provider `{}`", provider.name),
            resource: None,
            file: &provider.source.file,
            lines: lines_at(&provider.attribute_lines, path, provider.source.lines),
        });
    }
    for call in &config.module_calls {
        let address = format!("module.{}", call.name);
        scan_block(out, &address, &call.inputs, &[], |path| Place {
            description: format!("input `{path}` of `{address}`"),
            resource: Some(address.clone()),
            file: &call.source.file,
            lines: lines_at(&call.attribute_lines, path, call.source.lines),
        });
    }
    let named = [
        config
            .variables
            .iter()
            .filter_map(|v| Some(("variable", &v.name, v.default.as_ref()?, &v.source)))
            .collect::<Vec<_>>(),
        config
            .locals
            .iter()
            .map(|l| ("local", &l.name, &l.value, &l.source))
            .collect(),
        config
            .outputs
            .iter()
            .filter_map(|o| Some(("output", &o.name, o.value.as_ref()?, &o.source)))
            .collect(),
        config
            .variable_values
            .iter()
            .map(|v| ("tfvars", &v.name, &v.value, &v.source))
            .collect(),
    ];
    for (what, name, value, source) in named.into_iter().flatten() {
        let mut path = String::new();
        walk(
            value,
            &mut path,
            name,
            false,
            0,
            &mut |path, key, text, sensitive| {
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(" (`{path}`)")
                };
                let description = match what {
                    "variable" => format!("the default of variable `{name}`{at}"),
                    "local" => format!("local `{name}`{at}"),
                    "output" => format!("output `{name}`{at}"),
                    _ => format!("the value of variable `{name}`{at}"),
                };
                let place = Place {
                    description,
                    resource: None,
                    file: &source.file,
                    lines: source.lines,
                };
                let full_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{name}.{path}")
                };
                for m in scan_value(what, &full_path, key, text) {
                    out.config_match(&m, text, &place, sensitive);
                }
            },
        );
    }
}

/// The lines of the closest path that has lines in a block's `lines` (a value
/// inside an object gets its entry's, a value held as JSON in a string the
/// attribute's), else the whole block's.
fn lines_at(
    lines: &BTreeMap<String, LineRange>,
    path: &str,
    block: Option<LineRange>,
) -> Option<LineRange> {
    let mut path = path;
    loop {
        if let Some(lines) = lines.get(path) {
            return Some(*lines);
        }
        match path.rfind('.') {
            Some(dot) => path = &path[..dot],
            None => return block,
        }
    }
}

/// Deeper values than this are not configuration anyone writes by hand.
const MAX_DEPTH: usize = 64;

/// Calls `visit(path, key, string, sensitive)` for every string in a value: `key` is the
/// closest map key (or the name the value was given under), `path` the dotted path.
/// Unknown values are skipped: they are not literals. Sensitive ones are visited with
/// their exposed value; only its masked form ever leaves this module.
///
/// Two shapes get their names from the data: a `{ name = "DB_PASSWORD", value = "…" }`
/// pair (Kubernetes `env`, Helm `set`, ECS `environment`, tag lists) names its value,
/// and a string holding JSON (`container_definitions = jsonencode(…)`, a policy) is
/// walked as the structure it encodes, after being scanned as text.
fn walk(
    value: &Value,
    path: &mut String,
    key: &str,
    sensitive: bool,
    depth: usize,
    visit: &mut dyn FnMut(&str, &str, &str, bool),
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut step = |path: &mut String, segment: &str, key: &str, item: &Value, sensitive| {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(segment);
        walk(item, path, key, sensitive, depth + 1, visit);
        path.truncate(len);
    };
    match value {
        Value::String(s) => {
            visit(path, key, s, sensitive);
            if let Some(parsed) = embedded_json(s) {
                walk(&parsed, path, key, sensitive, depth + 1, visit);
            }
        }
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                step(path, &i.to_string(), key, item, sensitive);
            }
        }
        Value::Map(map) => {
            let pair_name = ["name", "Name", "key", "Key"]
                .iter()
                .find_map(|k| map.get(k).and_then(Value::as_str));
            for (k, item) in map.iter() {
                let item_key = match pair_name {
                    Some(name) if k == "value" || k == "Value" => name,
                    _ => k,
                };
                step(path, k, item_key, item, sensitive);
            }
        }
        Value::Sensitive(s) => walk(s.expose(), path, key, true, depth + 1, visit),
        Value::Unknown(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Larger JSON documents than this are data, not configuration; they are still scanned
/// as text.
const MAX_EMBEDDED_JSON: usize = 1 << 20;

/// The structure of a string that holds a JSON object or array.
fn embedded_json(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) || text.len() > MAX_EMBEDDED_JSON {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    matches!(
        json,
        serde_json::Value::Object(_) | serde_json::Value::Array(_)
    )
    .then(|| Value::from_json(json))
}
