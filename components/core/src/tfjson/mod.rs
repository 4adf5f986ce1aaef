//! Terraform's JSON configuration syntax (`.tf.json`, `.tfvars.json`).
//!
//! Strings containing `${…}` are templates and become [`Value::Unknown`] with their
//! references, as in native syntax. JSON syntax cannot tell a nested block from a map
//! attribute without the provider schema, so a nested block written as a single object
//! stays a map; [`Resource::blocks`](crate::resource::Resource::blocks) reads both shapes.
//! serde_json keeps no positions, so `positions.rs` scans the text it accepted once
//! more: every block, attribute, variable, local, output, module argument and
//! `.tfvars.json` value gets the lines of its key, as native syntax gets those of
//! its name. JSON has no comments, so nothing here carries suppressions.

mod positions;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::address::{Address, Mode};
use crate::hcl::template_references;
use crate::resource::{LineRange, Resource, ResourceMeta, SourceSpan};
use crate::terraform::{
    ArgumentSource, ConfigError, Local, ModuleCall, Output, ParsedFile, ProviderConfig, Variable,
    VariableValue,
};
use crate::value::{Value, ValueMap};

use positions::Node;

/// A JSON value and where it is written (`None` where positions are not known).
#[derive(Clone, Copy)]
struct At<'j> {
    json: &'j Json,
    node: Option<&'j Node>,
}

type Object = serde_json::Map<String, Json>;

/// Parses a `.tf.json` file.
pub fn parse_terraform_json(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let root = parse_object(source)?;
    let positions = positions::scan(source);
    let span = |node: Option<&Node>| SourceSpan {
        file: path.to_owned(),
        lines: node.map(|n| n.lines),
    };
    let mut parsed = ParsedFile::default();
    let config = &mut parsed.configuration;
    for (kind, content) in members(&root, positions.as_ref()) {
        match kind.as_str() {
            "resource" | "data" => {
                let mode = if kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                for (resource_type, by_name) in objects(content) {
                    for (name, body) in objects(by_name) {
                        for (body, node) in bodies(body) {
                            config.resources.push(resource(
                                mode,
                                resource_type,
                                name,
                                body,
                                node,
                                span(node),
                            ));
                        }
                    }
                }
            }
            "module" => {
                for (name, body, node) in named_bodies(content) {
                    let mut inputs = convert_object(body);
                    let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
                    let arguments = members(body, node)
                        .filter_map(|(key, at)| {
                            let source = ArgumentSource {
                                lines: at.node?.lines,
                                suppressions: Vec::new(),
                            };
                            Some((key.clone(), source))
                        })
                        .collect();
                    config.module_calls.push(ModuleCall {
                        name: name.clone(),
                        source_address: text(inputs.remove("source")),
                        version: text(inputs.remove("version")),
                        inputs,
                        source: span(node),
                        arguments,
                        attribute_lines: member_lines(body, node),
                    });
                }
            }
            "variable" => {
                for (name, body, node) in named_bodies(content) {
                    let attrs = convert_object(body);
                    config.variables.push(Variable {
                        name: name.clone(),
                        default: attrs.get("default").cloned(),
                        type_constraint: body.get("type").and_then(Json::as_str).map(str::to_owned),
                        description: attrs
                            .get("description")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        sensitive: attrs
                            .get("sensitive")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        source: span(node),
                        suppressions: Vec::new(),
                    });
                }
            }
            "locals" => {
                for (block, node) in bodies(content) {
                    for (name, value) in members(block, node) {
                        config.locals.push(Local {
                            name: name.clone(),
                            value: convert(value.json),
                            source: span(value.node),
                            suppressions: Vec::new(),
                        });
                    }
                }
            }
            "output" => {
                for (name, body, node) in named_bodies(content) {
                    let attrs = convert_object(body);
                    config.outputs.push(Output {
                        name: name.clone(),
                        value: attrs.get("value").cloned(),
                        sensitive: attrs
                            .get("sensitive")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        source: span(node),
                        suppressions: Vec::new(),
                    });
                }
            }
            "provider" => {
                for (name, body, node) in named_bodies(content) {
                    let mut attributes = convert_object(body);
                    let alias = attributes
                        .remove("alias")
                        .and_then(|v| v.as_str().map(str::to_owned));
                    config.providers.push(ProviderConfig {
                        name: name.clone(),
                        alias,
                        attributes,
                        source: span(node),
                        attribute_lines: member_lines(body, node),
                    });
                }
            }
            _ => {}
        }
    }
    config.files.push(path.to_owned());
    Ok(parsed)
}

/// Parses a `.tfvars.json` file: one object of variable assignments.
pub fn parse_tfvars_json(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let root = parse_object(source)?;
    let positions = positions::scan(source);
    let mut parsed = ParsedFile::default();
    for (name, value) in members(&root, positions.as_ref()) {
        parsed.configuration.variable_values.push(VariableValue {
            name: name.clone(),
            value: convert(value.json),
            source: SourceSpan {
                file: path.to_owned(),
                lines: value.node.map(|n| n.lines),
            },
            suppressions: Vec::new(),
        });
    }
    parsed.configuration.files.push(path.to_owned());
    Ok(parsed)
}

fn parse_object(source: &str) -> Result<Object, ConfigError> {
    match serde_json::from_str::<Json>(source) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(ConfigError {
            line: 1,
            column: 1,
            message: "a Terraform JSON file must be a JSON object".into(),
        }),
        Err(e) => Err(ConfigError {
            line: e.line(),
            // serde_json says column 0 for an error before a line's first character
            // (empty input, EOF after a newline); positions here are 1-based.
            column: e.column().max(1),
            message: format!(
                "invalid JSON: {}",
                e.to_string().split(" at line ").next().unwrap_or_default()
            ),
        }),
    }
}

/// `"//"` keys are comments in Terraform's JSON syntax.
fn is_comment(key: &str) -> bool {
    key == "//"
}

/// The members of an object, comments left out, each with where it is written.
fn members<'j>(
    object: &'j Object,
    node: Option<&'j Node>,
) -> impl Iterator<Item = (&'j String, At<'j>)> {
    object
        .iter()
        .filter(|(k, _)| !is_comment(k))
        .map(move |(key, json)| {
            let node = node.and_then(|n| n.member(key));
            (key, At { json, node })
        })
}

/// The `name → value` entries of an object, or of each object in an array of them.
fn objects(at: At<'_>) -> impl Iterator<Item = (&String, At<'_>)> {
    bodies(at)
        .into_iter()
        .flat_map(|(object, node)| members(object, node))
}

/// The `name → body` entries of a block type (`"variable": {"region": {…}}`), a
/// body written as an array of objects giving one entry per object. A body's
/// lines are its name's, or its own in an array.
fn named_bodies(content: At<'_>) -> Vec<(&String, &Object, Option<&Node>)> {
    objects(content)
        .flat_map(|(name, at)| {
            bodies(at)
                .into_iter()
                .map(move |(body, node)| (name, body, node))
        })
        .collect()
}

/// A block body may be written as an object or as an array of objects.
fn bodies(at: At<'_>) -> Vec<(&Object, Option<&Node>)> {
    match at.json {
        Json::Object(map) => vec![(map, at.node)],
        Json::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let node = at.node.and_then(|n| n.element(i));
                item.as_object().map(|map| (map, node))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn resource(
    mode: Mode,
    resource_type: &str,
    name: &str,
    body: &Object,
    node: Option<&Node>,
    source: SourceSpan,
) -> Resource {
    let mut attributes = ValueMap::new();
    let mut attribute_lines = BTreeMap::new();
    let mut meta = ResourceMeta::default();
    let mut provider = None;
    for (key, at) in members(body, node) {
        let value = at.json;
        match key.as_str() {
            "count" => meta.count = Some(convert(value)),
            "for_each" => meta.for_each = Some(convert(value)),
            "depends_on" => {
                meta.depends_on = value
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(Json::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            }
            "provider" => provider = value.as_str().map(str::to_owned),
            "lifecycle" => {
                let lifecycle: BTreeMap<_, _> = bodies(at)
                    .into_iter()
                    .flat_map(|(body, _)| convert_object(body))
                    .collect();
                meta.prevent_destroy = lifecycle.get("prevent_destroy").cloned();
                meta.create_before_destroy = lifecycle.get("create_before_destroy").cloned();
                meta.ignore_changes = lifecycle.get("ignore_changes").cloned();
            }
            "provisioner" | "connection" => {}
            _ => {
                if let Some(node) = at.node {
                    lines_within(key.clone(), value, node, &mut attribute_lines);
                }
                attributes.insert(key.clone(), convert(value));
            }
        }
    }
    Resource {
        address: Address::new(mode, resource_type, name),
        provider,
        attributes: attributes.into(),
        source,
        attribute_lines,
        meta,
        suppressions: Vec::new(),
        change: None,
        evaluated: None,
        provenance: Default::default(),
    }
}

/// The lines of an attribute and of what an object in it holds, by dotted path
/// (`versioning.0.enabled`, `tags.team`): JSON cannot tell a nested block from a
/// map, so both are followed. The elements of a list of plain values are not: no
/// rule or link names one, and a long list would cost an entry each.
fn lines_within(path: String, value: &Json, node: &Node, out: &mut BTreeMap<String, LineRange>) {
    match value {
        Json::Object(object) => {
            for (key, inner) in object.iter().filter(|(k, _)| !is_comment(k)) {
                if let Some(inner_node) = node.member(key) {
                    lines_within(format!("{path}.{key}"), inner, inner_node, out);
                }
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if let (Json::Object(_), Some(item_node)) = (item, node.element(i)) {
                    lines_within(format!("{path}.{i}"), item, item_node, out);
                }
            }
        }
        _ => {}
    }
    out.insert(path, node.lines);
}

/// The lines of a block's arguments and of what objects in them hold (see
/// [`lines_within`]): where a finding about one of them points.
fn member_lines(body: &Object, node: Option<&Node>) -> BTreeMap<String, LineRange> {
    let mut lines = BTreeMap::new();
    for (key, at) in members(body, node) {
        if let Some(node) = at.node {
            lines_within(key.clone(), at.json, node, &mut lines);
        }
    }
    lines
}

fn convert_object(map: &Object) -> ValueMap {
    map.iter()
        .filter(|(k, _)| !is_comment(k))
        .map(|(k, v)| (k.clone(), convert(v)))
        .collect()
}

fn convert(value: &Json) -> Value {
    match value {
        Json::String(s) if s.contains("${") || s.contains("%{") => {
            Value::unknown(Some(s.clone()), template_references(s))
        }
        Json::Array(items) => Value::List(items.iter().map(convert).collect()),
        Json::Object(map) => Value::Map(convert_object(map)),
        other => Value::from_json(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resources_with_templates_and_meta() {
        let src = r#"{
          "//": "generated",
          "resource": {
            "aws_s3_bucket": {
              "logs": {
                "bucket": "logs",
                "count": 2,
                "versioning": [{"enabled": true}],
                "tags": {"team": "x"},
                "lifecycle": {"prevent_destroy": true}
              }
            },
            "aws_s3_bucket_public_access_block": {
              "logs": {"bucket": "${aws_s3_bucket.logs.id}", "block_public_acls": true}
            }
          },
          "variable": {"region": {"default": "eu-west-1", "type": "string"}},
          "module": {"vpc": {"source": "./vpc", "cidr": "10.0.0.0/16"}}
        }"#;
        let parsed = parse_terraform_json("main.tf.json", src).expect("valid");
        let c = parsed.configuration;
        assert_eq!(c.resources.len(), 2);
        let bucket = &c.resources[0];
        assert_eq!(bucket.address.to_string(), "aws_s3_bucket.logs");
        assert_eq!(
            bucket.attribute("versioning.0.enabled"),
            Some(&Value::Bool(true))
        );
        assert_eq!(bucket.meta.prevent_destroy, Some(Value::Bool(true)));
        assert_eq!(bucket.meta.count, Some(Value::Number(2.into())));
        match c.resources[1].attribute("bucket") {
            Some(Value::Unknown(u)) => assert_eq!(u.references, ["aws_s3_bucket.logs.id"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.variables[0].type_constraint.as_deref(), Some("string"));
        assert_eq!(c.module_calls[0].source_address.as_deref(), Some("./vpc"));
    }

    #[test]
    fn every_block_attribute_and_value_has_the_lines_of_its_key() {
        let src = r#"{
  "variable": {
    "encrypted": {"type": "bool"}
  },
  "locals": [
    {"flag": "${var.encrypted}"}
  ],
  "output": {"flag": {"value": "${local.flag}"}},
  "provider": {"aws": [{"region": "eu-west-1"}, {"alias": "us", "region": "us-east-1"}]},
  "module": {
    "db": {
      "source": "./modules/db",
      "encrypted": "${local.flag}"
    }
  },
  "resource": {
    "aws_s3_bucket": {
      "logs": {
        "bucket": "logs",
        "count": 2,
        "versioning": [
          {"enabled": true}
        ],
        "tags": {"team": "x"},
        "cors_rule": {"allowed_methods": ["GET", "PUT"]}
      }
    }
  }
}"#;
        let c = parse_terraform_json("main.tf.json", src)
            .expect("valid")
            .configuration;
        let lines = |span: &SourceSpan| span.lines.map(|l| (l.start, l.end));
        assert_eq!(lines(&c.variables[0].source), Some((3, 3)));
        assert_eq!(lines(&c.locals[0].source), Some((6, 6)));
        assert_eq!(lines(&c.outputs[0].source), Some((8, 8)));
        let providers: Vec<_> = c.providers.iter().map(|p| lines(&p.source)).collect();
        assert_eq!(providers, [Some((9, 9)), Some((9, 9))]);
        let call = &c.module_calls[0];
        assert_eq!(lines(&call.source), Some((11, 14)));
        assert_eq!(
            call.arguments
                .get("encrypted")
                .map(|a| (a.lines.start, a.lines.end)),
            Some((13, 13))
        );
        let bucket = &c.resources[0];
        assert_eq!(lines(&bucket.source), Some((18, 26)));
        let at = |path: &str| bucket.attribute_lines.get(path).map(|l| (l.start, l.end));
        assert_eq!(at("bucket"), Some((19, 19)));
        assert_eq!(at("versioning"), Some((21, 23)));
        assert_eq!(at("versioning.0"), Some((22, 22)));
        assert_eq!(at("versioning.0.enabled"), Some((22, 22)));
        assert_eq!(at("tags.team"), Some((24, 24)));
        assert_eq!(at("cors_rule.allowed_methods"), Some((25, 25)));
        // Meta-arguments are not attributes, and plain list elements get no entry.
        assert_eq!(at("count"), None);
        assert_eq!(at("cors_rule.allowed_methods.0"), None);
        assert_eq!(
            bucket.lines_of("versioning").map(|l| l.start),
            Some(21),
            "a nested block resolves to its first body's lines or its own"
        );

        let vars = parse_tfvars_json(
            "terraform.tfvars.json",
            "{\n  \"//\": \"x\",\n  \"encrypted\": false\n}",
        )
        .expect("valid")
        .configuration;
        assert_eq!(vars.variable_values.len(), 1);
        assert_eq!(lines(&vars.variable_values[0].source), Some((3, 3)));
    }

    #[test]
    fn rejects_non_objects_and_bad_json_with_position() {
        assert_eq!(
            parse_terraform_json("a.tf.json", "[]")
                .expect_err("array")
                .line,
            1
        );
        let err =
            parse_terraform_json("a.tf.json", "{\n  \"resource\": \n}").expect_err("bad json");
        assert_eq!(err.line, 3);
        assert!(err.message.starts_with("invalid JSON"), "{err}");
    }

    /// The `terraform_json` fuzz target's first find: an empty file was reported at
    /// column 0, and columns are 1-based (editors and SARIF start at 1).
    #[test]
    fn errors_at_the_start_of_a_line_are_at_column_one() {
        for source in ["", "{\n"] {
            let error = parse_terraform_json("main.tf.json", source).expect_err(source);
            assert_eq!(error.column, 1, "{source:?}: {}", error.message);
        }
    }
}
