//! A Spacelift run's planned changes turned into a plan document the core reviews
//! like any `terraform show -json` output. Spacelift gives each change's address
//! and kind, not attribute values, so the plan carries actions only: the
//! change-risk rules (deletions and replacements of stateful resources, blast
//! radius) can judge it, attribute-level misconfiguration rules cannot (see
//! [`crate::events`]).

use reviewgate_core::{Address, Document, InputKind, Mode};
use serde_json::{Value, json};

use super::client::RunResourceChange;

/// The Terraform plan actions for a Spacelift change type, or `None` for a type this
/// client does not know. Spacelift's schema names its change types in upper case; the
/// Terraform action names and both tenses are accepted, so that a renamed enum value
/// is read rather than silently dropped.
pub fn plan_actions(change_type: &str) -> Option<&'static [&'static str]> {
    let name = change_type
        .trim()
        .to_ascii_uppercase()
        .replace(['-', ' '], "_");
    Some(match name.as_str() {
        "ADD" | "ADDED" | "CREATE" | "CREATED" => &["create"],
        "CHANGE" | "CHANGED" | "UPDATE" | "UPDATED" => &["update"],
        "DELETE" | "DELETED" | "DESTROY" | "DESTROYED" => &["delete"],
        "REPLACE" | "REPLACED" | "DELETE_CREATE" | "DELETE_THEN_CREATE" => &["delete", "create"],
        "CREATE_DELETE" | "CREATE_THEN_DELETE" | "CREATE_BEFORE_DESTROY" => &["create", "delete"],
        "READ" => &["read"],
        // A move or an import alone changes no infrastructure.
        "NOOP" | "NO_OP" | "MOVE" | "MOVED" | "IMPORT" | "IMPORTED" => &["no-op"],
        "FORGET" | "FORGOTTEN" => &["forget"],
        _ => return None,
    })
}

/// A plan document built from a run's changes, and what could not go into it.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// Plan JSON (`format_version`, `resource_changes`) with actions and no values.
    pub document: Document,
    /// Changes left out because their change type is unknown, each as
    /// `<address>: unknown change type `<type>``: worth showing, since a change the
    /// review cannot see may be the risky one.
    pub unknown_change_types: Vec<String>,
    /// Changed entities that are not resources (outputs, for instance): not in a
    /// plan's `resource_changes`, so left out.
    pub non_resources: usize,
}

/// The path findings and errors of a run's plan point at.
pub fn run_plan_path(stack: &str, run_id: &str) -> String {
    format!("spacelift/{stack}/{run_id}.plan.json")
}

/// The plan JSON for a run's changes, so that the core's plan review (change rules,
/// the plan summary, blast radius) runs on it as on `terraform show -json` output.
/// Each change has `before`/`after` objects where the resource exists on that side,
/// empty because the API does not return values.
pub fn run_plan(stack: &str, run_id: &str, changes: &[RunResourceChange]) -> RunPlan {
    let mut unknown_change_types = Vec::new();
    let mut non_resources = 0;
    let mut resource_changes = Vec::with_capacity(changes.len());
    for change in changes {
        let Some(actions) = plan_actions(&change.metadata.change_type) else {
            unknown_change_types.push(format!(
                "{}: unknown change type `{}`",
                change.address, change.metadata.change_type
            ));
            continue;
        };
        let address = match change.address.parse::<Address>() {
            // Spacelift lists outputs among a run's changed entities as
            // `output.<name>` (its policy input gives them the type "output"); no
            // Terraform resource type is called that.
            Ok(address) if address.resource_type == "output" && address.mode == Mode::Managed => {
                non_resources += 1;
                continue;
            }
            Ok(address) => address,
            // Modules and other entities have no resource address.
            Err(_) => {
                non_resources += 1;
                continue;
            }
        };
        let exists_before = !matches!(actions, ["create"] | ["read"]);
        let exists_after = !matches!(actions, ["delete"] | ["forget"]);
        let mut entry = json!({
            "address": change.address,
            "mode": if address.mode == Mode::Data { "data" } else { "managed" },
            "type": address.resource_type,
            "name": address.name,
            "change": {
                "actions": actions,
                "before": if exists_before { json!({}) } else { Value::Null },
                "after": if exists_after { json!({}) } else { Value::Null },
            },
        });
        if let Some(previous) = change.previous_address.as_deref().filter(|p| !p.is_empty()) {
            entry["previous_address"] = json!(previous);
        }
        resource_changes.push(entry);
    }
    let plan = json!({
        // The oldest plan format with every field used above.
        "format_version": "1.0",
        "resource_changes": resource_changes,
    });
    RunPlan {
        document: Document {
            path: run_plan_path(stack, run_id),
            kind: Some(InputKind::Plan),
            content: plan.to_string(),
        },
        unknown_change_types,
        non_resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacelift::client::RunResourceChangeMetadata;
    use reviewgate_core::{ChangeSet, Origin, review};

    fn change(address: &str, change_type: &str) -> RunResourceChange {
        RunResourceChange {
            address: address.into(),
            previous_address: None,
            metadata: RunResourceChangeMetadata {
                change_type: change_type.into(),
            },
        }
    }

    #[test]
    fn changes_become_a_plan_the_core_reads() {
        let plan = run_plan(
            "infra-prod",
            "01RUN",
            &[
                change("aws_db_instance.main", "DELETE"),
                change("module.net.aws_subnet.a[\"eu-west-1a\"]", "ADD"),
                change("aws_security_group.web", "REPLACE"),
                change("data.aws_iam_policy_document.p", "READ"),
                change("output.url", "ADD"),
                change("aws_s3_bucket.b", "TELEPORT"),
            ],
        );
        assert_eq!(plan.non_resources, 1, "output.url");
        assert_eq!(
            plan.unknown_change_types,
            vec!["aws_s3_bucket.b: unknown change type `TELEPORT`".to_owned()]
        );
        let cs = ChangeSet::from_documents(Origin::Local, [plan.document]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let summary = review(&cs).changes.plan.expect("a plan summary");
        assert_eq!(summary.actions.get("delete"), Some(&1));
        assert_eq!(summary.actions.get("create"), Some(&1));
        assert_eq!(summary.actions.get("read"), Some(&1));
        assert_eq!(summary.destroyed, vec!["aws_db_instance.main".to_owned()]);
        assert_eq!(summary.replaced, vec!["aws_security_group.web".to_owned()]);
    }

    #[test]
    fn change_type_spellings() {
        assert_eq!(plan_actions("ADD"), Some(&["create"][..]));
        assert_eq!(plan_actions("changed"), Some(&["update"][..]));
        assert_eq!(
            plan_actions("create-then-delete"),
            Some(&["create", "delete"][..])
        );
        assert_eq!(plan_actions("MOVED"), Some(&["no-op"][..]));
        assert_eq!(plan_actions("EXPLODE"), None);
    }
}
