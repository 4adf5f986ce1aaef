//! Terraform plan JSON, as written by `terraform show -json PLANFILE`.
//!
//! Supports `format_version` 0.x and 1.x. Each `resource_changes` entry becomes one
//! [`Resource`] with its [`PlannedChange`]; `after_unknown` turns into
//! [`Value::Unknown`](crate::value::Value::Unknown) and
//! `before_sensitive`/`after_sensitive` into
//! [`Value::Sensitive`](crate::value::Value::Sensitive). Values that are unknown at plan time get the references of
//! their configuration expression (`bucket = aws_s3_bucket.logs.id`), so rules can
//! link resources in a plan just as they do in HCL.
//!
//! `planned_values` and `prior_state` repeat what `resource_changes` holds and are
//! skipped without being materialized.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::address::Address;
use crate::plan_values::{Expressions, PlanValues};
use crate::resource::{
    Attributes, ChangeAction, PlannedChange, Resource, ResourceMeta, SourceSpan,
};

/// A parsed plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The file the plan was read from.
    pub path: String,
    /// The plan's `format_version` (e.g. `1.2`).
    pub format_version: String,
    /// The Terraform version that wrote it, when recorded.
    pub terraform_version: Option<String>,
    /// One resource per `resource_changes` entry, in document order.
    pub resources: Vec<Resource>,
    /// False when Terraform says the plan is incomplete (e.g. `-target`, deferred changes).
    pub complete: bool,
    /// True when planning itself failed (`errored: true`).
    pub errored: bool,
}

/// Why a document is not a usable Terraform plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The text is not well-formed JSON, or a field has the wrong JSON type.
    #[error("invalid plan JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// Valid JSON, but not `terraform show -json` plan output.
    #[error("not a Terraform plan: {0}")]
    NotAPlan(String),
    /// A plan format this version of reviewgate does not understand.
    #[error("unsupported plan format_version `{0}` (supported: 0.x and 1.x)")]
    UnsupportedVersion(String),
    /// One `resource_changes` entry is malformed.
    #[error("resource_changes[{index}] ({address}): {reason}")]
    InvalidChange {
        /// Position in `resource_changes`.
        index: usize,
        /// The entry's address, as written.
        address: String,
        /// What is wrong.
        reason: String,
    },
}

impl PlanError {
    /// The line the error points at, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            PlanError::Json { line, .. } => Some(*line),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct RawPlan<'a> {
    format_version: Option<String>,
    terraform_version: Option<String>,
    #[serde(borrow)]
    resource_changes: Option<Vec<RawResourceChange<'a>>>,
    planned_values: Option<serde::de::IgnoredAny>,
    configuration: Option<RawConfiguration>,
    complete: Option<bool>,
    #[serde(default)]
    errored: bool,
    /// Present in `terraform show -json` of a *state*, which is not a plan.
    values: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct RawResourceChange<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    resource_type: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    provider_name: Option<String>,
    #[serde(borrow)]
    change: RawChange<'a>,
    action_reason: Option<String>,
    previous_address: Option<String>,
    deposed: Option<String>,
}

/// The values and their masks stay text borrowed from the plan: see [`PlanValues`].
#[derive(Deserialize)]
struct RawChange<'a> {
    actions: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    before: Option<&'a RawValue>,
    #[serde(borrow)]
    after: Option<&'a RawValue>,
    #[serde(borrow)]
    after_unknown: Option<&'a RawValue>,
    #[serde(borrow)]
    before_sensitive: Option<&'a RawValue>,
    #[serde(borrow)]
    after_sensitive: Option<&'a RawValue>,
    #[serde(default)]
    replace_paths: Vec<Vec<serde_json::Value>>,
    importing: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct RawConfiguration {
    root_module: Option<RawModule>,
}

#[derive(Deserialize, Default)]
struct RawModule {
    #[serde(default)]
    resources: Vec<RawConfigResource>,
    #[serde(default)]
    module_calls: HashMap<String, RawModuleCall>,
}

#[derive(Deserialize)]
struct RawModuleCall {
    module: Option<RawModule>,
}

#[derive(Deserialize)]
struct RawConfigResource {
    address: String,
    #[serde(default)]
    expressions: serde_json::Map<String, serde_json::Value>,
}

/// Parses `terraform show -json` plan output. `path` is recorded as each resource's source.
pub fn parse_plan(path: &str, json: &str) -> Result<Plan, PlanError> {
    // One copy of the text, shared by every resource's deferred values.
    let source: Arc<str> = Arc::from(json);
    let raw: RawPlan = serde_json::from_str(&source).map_err(|e| PlanError::Json {
        line: e.line(),
        // serde_json says column 0 before a line's first character; ours are 1-based.
        column: e.column().max(1),
        message: json_error_message(&e),
    })?;

    let Some(format_version) = raw.format_version else {
        return Err(PlanError::NotAPlan(
            "missing `format_version`; expected the output of `terraform show -json PLANFILE`"
                .into(),
        ));
    };
    let major = format_version.split('.').next().unwrap_or_default();
    if major != "0" && major != "1" {
        return Err(PlanError::UnsupportedVersion(format_version));
    }
    if raw.resource_changes.is_none() && raw.planned_values.is_none() {
        let what = if raw.values.is_some() {
            "this looks like `terraform show -json` of a state, which has no planned changes"
        } else {
            "neither `resource_changes` nor `planned_values` is present"
        };
        return Err(PlanError::NotAPlan(what.into()));
    }

    let expressions = raw
        .configuration
        .and_then(|c| c.root_module)
        .map(|root| index_config_expressions(root, String::new()))
        .unwrap_or_default();

    let resources = raw
        .resource_changes
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, rc)| convert_change(path, &source, index, rc, &expressions))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(Plan {
        path: path.to_owned(),
        format_version,
        terraform_version: raw.terraform_version,
        resources,
        complete: raw.complete.unwrap_or(true),
        errored: raw.errored,
    })
}

/// serde_json appends " at line L column C" to its messages; we report those separately.
fn json_error_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(pos) => full[..pos].to_owned(),
        None => full,
    }
}

/// Maps each configuration block's address (`module.a.aws_s3_bucket.b`) to its expressions.
fn index_config_expressions(module: RawModule, prefix: String) -> HashMap<String, Expressions> {
    let mut out = HashMap::new();
    for resource in module.resources {
        out.insert(
            format!("{prefix}{}", resource.address),
            Arc::new(resource.expressions),
        );
    }
    for (name, call) in module.module_calls {
        if let Some(child) = call.module {
            out.extend(index_config_expressions(
                child,
                format!("{prefix}module.{name}."),
            ));
        }
    }
    out
}

fn convert_change(
    path: &str,
    source: &Arc<str>,
    index: usize,
    rc: RawResourceChange,
    expressions: &HashMap<String, Expressions>,
) -> Result<Resource, PlanError> {
    let invalid = |reason: String| PlanError::InvalidChange {
        index,
        address: rc.address.to_string(),
        reason,
    };
    let address: Address = rc
        .address
        .parse()
        .map_err(|e: crate::address::AddressError| invalid(e.reason))?;
    if address.resource_type != rc.resource_type || address.name != rc.name {
        return Err(invalid(format!(
            "`type`/`name` ({}.{}) disagree with the address",
            rc.resource_type, rc.name
        )));
    }
    let actions: Vec<&str> = rc.change.actions.iter().map(|a| a.as_ref()).collect();
    let action = ChangeAction::from_actions(&actions)
        .ok_or_else(|| invalid(format!("unknown actions {:?}", rc.change.actions)))?;

    // Offsets of borrowed JSON text inside `source`, which it was parsed from.
    let span = |raw: &RawValue| {
        let start = raw.get().as_ptr() as usize - source.as_ptr() as usize;
        start..start + raw.get().len()
    };
    let mask = |raw: Option<&RawValue>| {
        raw.filter(|r| r.get() != "false" && r.get() != "{}")
            .map(span)
    };
    let object = |raw: Option<&RawValue>, field: &str| match raw {
        Some(raw) if raw.get() == "null" => Ok(None),
        Some(raw) if raw.get().starts_with('{') => Ok(Some(span(raw))),
        Some(_) => Err(invalid(format!(
            "`change.{field}` must be an object or null"
        ))),
        None => Ok(None),
    };
    let before = object(rc.change.before, "before")?.map(|json| PlanValues {
        source: source.clone(),
        json,
        unknown: None,
        sensitive: mask(rc.change.before_sensitive),
        expressions: None,
    });
    let after = object(rc.change.after, "after")?.map(|json| PlanValues {
        source: source.clone(),
        json,
        unknown: mask(rc.change.after_unknown),
        sensitive: mask(rc.change.after_sensitive),
        expressions: expressions.get(&address.config_address()).cloned(),
    });

    let replace_paths = rc
        .change
        .replace_paths
        .into_iter()
        .map(|steps| {
            steps
                .into_iter()
                .map(|s| match s {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();

    let attributes = match (after, &before) {
        (Some(after), _) => Attributes::deferred(after),
        (None, Some(before)) => Attributes::deferred(before.clone()),
        (None, None) => Attributes::default(),
    };
    Ok(Resource {
        address,
        provider: rc.provider_name,
        attributes,
        source: SourceSpan {
            file: path.to_owned(),
            lines: None,
        },
        attribute_lines: Default::default(),
        meta: ResourceMeta::default(),
        suppressions: Vec::new(),
        change: Some(PlannedChange {
            action,
            before,
            replace_paths,
            action_reason: rc.action_reason,
            previous_address: rc.previous_address,
            deposed: rc.deposed,
            importing: rc.change.importing.is_some(),
        }),
        evaluated: None,
        provenance: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    const MINIMAL: &str = r#"{
      "format_version": "1.2",
      "terraform_version": "1.9.0",
      "resource_changes": [{
        "address": "module.store[\"eu\"].aws_s3_bucket.logs[0]",
        "module_address": "module.store[\"eu\"]",
        "mode": "managed", "type": "aws_s3_bucket", "name": "logs", "index": 0,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
          "actions": ["delete", "create"],
          "before": {"bucket": "old", "password": "hunter2", "tags": {"a": "1"}},
          "after": {"bucket": "new", "tags": {"a": "1"}, "rules": [{"days": 3}]},
          "after_unknown": {"arn": true, "rules": [{"id": true}], "tags": {}},
          "before_sensitive": {"password": true},
          "after_sensitive": {"tags": {"a": true}},
          "replace_paths": [["bucket"], ["rules", 0, "days"]]
        },
        "action_reason": "replace_because_cannot_update"
      }],
      "configuration": {"root_module": {"module_calls": {"store": {"module": {"resources": [
        {"address": "aws_s3_bucket.logs", "expressions": {"arn": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}}}
      ]}}}}}
    }"#;

    #[test]
    fn parses_change_with_unknown_sensitive_and_replace_paths() {
        let plan = parse_plan("plan.json", MINIMAL).expect("valid plan");
        assert_eq!(plan.resources.len(), 1);
        let r = &plan.resources[0];
        assert_eq!(
            r.address.to_string(),
            r#"module.store["eu"].aws_s3_bucket.logs[0]"#
        );
        let change = r.change.as_ref().expect("change");
        assert_eq!(change.action, ChangeAction::Replace);
        assert_eq!(
            change.replace_paths,
            vec![
                vec!["bucket".to_string()],
                vec!["rules".into(), "0".into(), "days".into()]
            ]
        );
        assert_eq!(
            change.action_reason.as_deref(),
            Some("replace_because_cannot_update")
        );

        let arn = r.attribute("arn").expect("unknown attribute inserted");
        assert_eq!(
            arn,
            &Value::Unknown(Box::new(crate::value::Unknown {
                references: vec!["aws_kms_key.k.arn".into(), "aws_kms_key.k".into()],
                ..crate::value::Unknown::after_apply()
            }))
        );
        assert!(
            r.attribute("rules.0.id")
                .expect("nested unknown")
                .is_unknown()
        );
        assert_eq!(
            r.attribute("rules.0.days").and_then(Value::as_f64),
            Some(3.0)
        );
        assert!(matches!(r.attribute("tags.a"), Some(Value::Sensitive(_))));
        let before = change.before.as_ref().expect("before").values();
        assert!(matches!(before.get("password"), Some(Value::Sensitive(_))));
        assert_eq!(before.get("bucket").and_then(Value::as_str), Some("old"));
        let rendered = format!("{r:?} {}", serde_json::to_string(r).expect("ser"));
        assert!(
            !rendered.contains("hunter2"),
            "sensitive value leaked: {rendered}"
        );
    }

    #[test]
    fn unknown_values_the_configuration_does_not_set_are_marked_unconfigured() {
        use crate::value::UnknownCause;
        let json = r#"{"format_version": "1.2", "resource_changes": [{
            "address": "aws_db_instance.db", "type": "aws_db_instance", "name": "db",
            "change": {"actions": ["create"],
              "after": {"engine": "postgres", "block": [{"set": "x"}]},
              "after_unknown": {"kms_key_id": true, "storage_encrypted": true, "backup_retention_period": true,
                                "block": [{"inner": true}], "egress": true}}}],
          "configuration": {"root_module": {"resources": [{"address": "aws_db_instance.db",
            "expressions": {"engine": {"constant_value": "postgres"},
                            "kms_key_id": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]},
                            "storage_encrypted": {},
                            "block": [{"set": {"constant_value": "x"}}]}}]}}}"#;
        let plan = parse_plan("p.json", json).expect("valid plan");
        let db = &plan.resources[0];
        let cause = |path: &str| match db.attribute(path) {
            Some(Value::Unknown(u)) => u.cause.clone(),
            other => panic!("{path}: {other:?}"),
        };
        // Configured: references, or an expression with none (`uuid()`).
        assert_eq!(cause("kms_key_id"), UnknownCause::AfterApply);
        assert_eq!(cause("storage_encrypted"), UnknownCause::AfterApply);
        // Not in the configuration's expressions, at the top or inside a block.
        assert_eq!(cause("backup_retention_period"), UnknownCause::Unconfigured);
        assert_eq!(cause("block.0.inner"), UnknownCause::Unconfigured);
        assert_eq!(cause("egress"), UnknownCause::Unconfigured);
    }

    #[test]
    fn names_what_is_wrong() {
        let cases = [
            (
                "{",
                "invalid plan JSON at line 1, column 1: EOF while parsing an object",
            ),
            (
                "{\"resource_changes\": []}",
                "not a Terraform plan: missing `format_version`",
            ),
            (
                "{\"format_version\": \"2.0\", \"resource_changes\": []}",
                "unsupported plan format_version `2.0`",
            ),
            (
                "{\"format_version\": \"1.0\", \"values\": {}}",
                "not a Terraform plan: this looks like `terraform show -json` of a state",
            ),
            (
                "{\"format_version\": \"1.0\", \"resource_changes\": 3}",
                "invalid plan JSON at line 1, column 47: invalid type: integer `3`",
            ),
            (
                r#"{"format_version": "1.0", "resource_changes": [{"address": "a.b", "type": "a", "name": "b", "change": {"actions": ["explode"]}}]}"#,
                "resource_changes[0] (a.b): unknown actions [\"explode\"]",
            ),
            (
                r#"{"format_version": "1.0", "resource_changes": [{"address": "a.b[", "type": "a", "name": "b", "change": {"actions": ["create"]}}]}"#,
                "resource_changes[0] (a.b[): missing `]`",
            ),
        ];
        for (input, expected) in cases {
            let err = parse_plan("p.json", input).expect_err(input).to_string();
            assert!(
                err.starts_with(expected),
                "for {input}: got `{err}`, expected it to start with `{expected}`"
            );
        }
    }

    #[test]
    fn delete_keeps_before_values_as_attributes() {
        let json = r#"{"format_version":"0.1","resource_changes":[{"address":"aws_db_instance.main","type":"aws_db_instance","name":"main",
            "change":{"actions":["delete"],"before":{"engine":"postgres"},"after":null}}]}"#;
        let plan = parse_plan("p.json", json).expect("valid");
        let r = &plan.resources[0];
        assert_eq!(
            r.change.as_ref().map(|c| c.action),
            Some(ChangeAction::Delete)
        );
        assert_eq!(
            r.attribute("engine").and_then(Value::as_str),
            Some("postgres")
        );
    }

    /// Found with the `terraform_json` fuzz target in the same serde_json reading:
    /// an error before a line's first character was at column 0.
    #[test]
    fn json_errors_at_the_start_of_a_line_are_at_column_one() {
        for input in ["", "{\n"] {
            match parse_plan("p.json", input) {
                Err(PlanError::Json { column, .. }) => assert_eq!(column, 1, "{input:?}"),
                other => panic!("{input:?}: {other:?}"),
            }
        }
    }
}
