use std::fs;

use reviewgate_core::{
    ChangeAction, ChangeSet, Document, Origin, PlanError, Value, parse_plan, review,
};
use reviewgate_integration_tests::corpus_path;

fn plan_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(corpus_path("terraform-plans"))
        .expect("terraform-plans directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the corpus plans, found {}",
        files.len()
    );
    files
}

#[test]
fn every_valid_corpus_plan_parses_and_matches_its_resource_changes() {
    let mut parsed = 0;
    for path in plan_files() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name == "invalid__plan.json" {
            continue;
        }
        let text = fs::read_to_string(&path).expect("readable");
        let plan = parse_plan(&name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));

        // Cross-check against an independent reading of the same JSON.
        let raw: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let changes = raw["resource_changes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(plan.resources.len(), changes.len(), "{name}");
        assert_eq!(
            plan.format_version,
            raw["format_version"].as_str().expect("format_version"),
            "{name}"
        );
        for (resource, change) in plan.resources.iter().zip(&changes) {
            assert_eq!(
                resource.address.to_string(),
                change["address"].as_str().expect("address"),
                "{name}"
            );
            assert_eq!(
                resource.address.resource_type,
                change["type"].as_str().expect("type"),
                "{name}"
            );
            let module = change["module_address"].as_str().unwrap_or("");
            assert_eq!(
                resource.address.module_path(),
                module,
                "{name}: module path of {}",
                resource.address
            );
            let actions: Vec<&str> = change["change"]["actions"]
                .as_array()
                .expect("actions")
                .iter()
                .map(|a| a.as_str().expect("action string"))
                .collect();
            let action = resource.change.as_ref().expect("planned change").action;
            assert_eq!(Some(action), ChangeAction::from_actions(&actions), "{name}");
        }
        parsed += 1;
    }
    println!("parsed {parsed} corpus plans");
    assert!(parsed >= 20);
}

#[test]
fn invalid_plan_names_what_is_wrong() {
    let text =
        fs::read_to_string(corpus_path("terraform-plans/invalid__plan.json")).expect("readable");
    let err = parse_plan("invalid__plan.json", &text).expect_err("must not parse");
    // The file has stray closing braces after `"default": {}` at line 676.
    assert!(matches!(err, PlanError::Json { line: 676, .. }), "{err:?}");
    assert!(err.to_string().contains("line 676, column"), "{err}");

    let cs = ChangeSet::from_documents(
        Origin::Local,
        [Document::detect("invalid__plan.json", text)],
    );
    assert_eq!(cs.errors.len(), 1);
    assert_eq!(cs.errors[0].line, Some(676));
    assert!(cs.plans.is_empty());
}

#[test]
fn module_addresses_and_indexes_survive_parsing() {
    let text = fs::read_to_string(corpus_path("terraform-plans/deep_module__plan.json"))
        .expect("readable");
    let plan = parse_plan("deep_module__plan.json", &text).expect("parses");
    let r = &plan.resources[0];
    assert!(
        r.address.module.len() >= 2,
        "deep module path expected: {}",
        r.address
    );
    assert_eq!(
        r.address.config_address().matches("module.").count(),
        r.address.module.len()
    );
}

#[test]
fn sensitive_values_are_marked_and_never_serialized() {
    let mut sensitive_paths = 0;
    for path in plan_files() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name == "invalid__plan.json" {
            continue;
        }
        let text = fs::read_to_string(&path).expect("readable");
        let raw: serde_json::Value = serde_json::from_str(&text).expect("json");
        let plan = parse_plan(&name, &text).expect("parses");
        let changes = raw["resource_changes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (resource, change) in plan.resources.iter().zip(&changes) {
            let Some(mask) = change["change"]["after_sensitive"].as_object() else {
                continue;
            };
            for (key, _) in mask
                .iter()
                .filter(|(_, m)| **m == serde_json::Value::Bool(true))
            {
                sensitive_paths += 1;
                assert!(
                    matches!(resource.attributes.get(key), Some(Value::Sensitive(_))),
                    "{name}: {}.{key} should be sensitive",
                    resource.address
                );
                if let Some(secret) = change["change"]["after"][key].as_str() {
                    let out = format!(
                        "{} {resource:?}",
                        serde_json::to_string(resource).expect("serialize")
                    );
                    assert!(
                        !out.contains(&format!("\"{secret}\"")),
                        "{name}: sensitive {key} leaked"
                    );
                }
            }
        }
    }
    // basic__plan-0.15.json (ami) and has_checks__plan.json (2 x sensitive_content).
    assert!(
        sensitive_paths >= 3,
        "found {sensitive_paths} sensitive attributes in the corpus"
    );
}

#[test]
fn replacement_reason_and_unknowns_come_through() {
    let text = fs::read_to_string(corpus_path("terraform-plans/action_reason__plan.json"))
        .expect("readable");
    let plan = parse_plan("action_reason__plan.json", &text).expect("parses");
    let change = plan.resources[0].change.as_ref().expect("change");
    assert_eq!(change.action, ChangeAction::Replace);
    assert_eq!(
        change.action_reason.as_deref(),
        Some("replace_because_tainted")
    );
    assert!(plan.resources[0].attribute("id").expect("id").is_unknown());

    let cs = ChangeSet::from_documents(
        Origin::Local,
        [Document::detect("action_reason__plan.json", text)],
    );
    let summary = review(&cs).changes.plan.expect("summary");
    assert_eq!(summary.replaced, ["null_resource.example"]);
}
