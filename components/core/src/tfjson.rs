//! Terraform's JSON configuration syntax (`.tf.json`, `.tfvars.json`).
//!
//! Strings containing `${…}` are templates and become [`Value::Unknown`] with their
//! references, as in native syntax. JSON syntax cannot tell a nested block from a map
//! attribute without the provider schema, so a nested block written as a single object
//! stays a map; [`Resource::blocks`](crate::resource::Resource::blocks) reads both shapes.
//! serde_json keeps no positions, so resources from these files have no line numbers.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::address::{Address, Mode};
use crate::hcl::template_references;
use crate::resource::{Resource, ResourceMeta, SourceSpan};
use crate::terraform::{
    ConfigError, Local, ModuleCall, Output, ParsedFile, ProviderConfig, Variable, VariableValue,
};
use crate::value::{Value, ValueMap};

/// Parses a `.tf.json` file.
pub fn parse_terraform_json(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let root = parse_object(source)?;
    let span = || SourceSpan {
        file: path.to_owned(),
        lines: None,
    };
    let mut parsed = ParsedFile::default();
    let config = &mut parsed.configuration;
    for (kind, content) in &root {
        match kind.as_str() {
            "resource" | "data" => {
                let mode = if kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                for (resource_type, by_name) in objects(content) {
                    for (name, body) in objects(by_name) {
                        for body in bodies(body) {
                            config.resources.push(resource(
                                mode,
                                resource_type,
                                name,
                                body,
                                span(),
                            ));
                        }
                    }
                }
            }
            "module" => {
                for (name, body) in
                    objects(content).flat_map(|(n, b)| bodies(b).into_iter().map(move |b| (n, b)))
                {
                    let mut inputs = convert_object(body);
                    let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
                    config.module_calls.push(ModuleCall {
                        name: name.clone(),
                        source_address: text(inputs.remove("source")),
                        version: text(inputs.remove("version")),
                        inputs,
                        source: span(),
                        arguments: BTreeMap::new(),
                    });
                }
            }
            "variable" => {
                for (name, body) in
                    objects(content).flat_map(|(n, b)| bodies(b).into_iter().map(move |b| (n, b)))
                {
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
                        source: span(),
                        suppressions: Vec::new(),
                    });
                }
            }
            "locals" => {
                for block in bodies(content) {
                    for (name, value) in block.iter().filter(|(k, _)| !is_comment(k)) {
                        config.locals.push(Local {
                            name: name.clone(),
                            value: convert(value),
                            source: span(),
                            suppressions: Vec::new(),
                        });
                    }
                }
            }
            "output" => {
                for (name, body) in
                    objects(content).flat_map(|(n, b)| bodies(b).into_iter().map(move |b| (n, b)))
                {
                    let attrs = convert_object(body);
                    config.outputs.push(Output {
                        name: name.clone(),
                        value: attrs.get("value").cloned(),
                        sensitive: attrs
                            .get("sensitive")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        source: span(),
                        suppressions: Vec::new(),
                    });
                }
            }
            "provider" => {
                for (name, body) in objects(content) {
                    for body in bodies(body) {
                        let mut attributes = convert_object(body);
                        let alias = attributes
                            .remove("alias")
                            .and_then(|v| v.as_str().map(str::to_owned));
                        config.providers.push(ProviderConfig {
                            name: name.clone(),
                            alias,
                            attributes,
                            source: span(),
                        });
                    }
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
    let mut parsed = ParsedFile::default();
    for (name, value) in root.iter().filter(|(k, _)| !is_comment(k)) {
        parsed.configuration.variable_values.push(VariableValue {
            name: name.clone(),
            value: convert(value),
            source: SourceSpan {
                file: path.to_owned(),
                lines: None,
            },
            suppressions: Vec::new(),
        });
    }
    parsed.configuration.files.push(path.to_owned());
    Ok(parsed)
}

fn parse_object(source: &str) -> Result<serde_json::Map<String, Json>, ConfigError> {
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

/// The `name → value` entries of an object, or of each object in an array of them.
fn objects(value: &Json) -> impl Iterator<Item = (&String, &Json)> {
    bodies(value)
        .into_iter()
        .flat_map(|map| map.iter())
        .filter(|(k, _)| !is_comment(k))
}

/// A block body may be written as an object or as an array of objects.
fn bodies(value: &Json) -> Vec<&serde_json::Map<String, Json>> {
    match value {
        Json::Object(map) => vec![map],
        Json::Array(items) => items.iter().filter_map(Json::as_object).collect(),
        _ => Vec::new(),
    }
}

fn resource(
    mode: Mode,
    resource_type: &str,
    name: &str,
    body: &serde_json::Map<String, Json>,
    source: SourceSpan,
) -> Resource {
    let mut attributes = ValueMap::new();
    let mut meta = ResourceMeta::default();
    let mut provider = None;
    for (key, value) in body.iter().filter(|(k, _)| !is_comment(k)) {
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
                let lifecycle: BTreeMap<_, _> =
                    bodies(value).into_iter().flat_map(convert_object).collect();
                meta.prevent_destroy = lifecycle.get("prevent_destroy").cloned();
                meta.create_before_destroy = lifecycle.get("create_before_destroy").cloned();
                meta.ignore_changes = lifecycle.get("ignore_changes").cloned();
            }
            "provisioner" | "connection" => {}
            _ => {
                attributes.insert(key.clone(), convert(value));
            }
        }
    }
    Resource {
        address: Address::new(mode, resource_type, name),
        provider,
        attributes: attributes.into(),
        source,
        attribute_lines: BTreeMap::new(),
        meta,
        suppressions: Vec::new(),
        change: None,
        evaluated: None,
        provenance: Default::default(),
    }
}

fn convert_object(map: &serde_json::Map<String, Json>) -> ValueMap {
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
