//! Each role grants exactly the DynamoDB actions its function's code sends.

use std::collections::{BTreeMap, BTreeSet};

use reviewgate_backend::store::table;
use reviewgate_core::{Configuration, Resource, Value};

use super::{
    backend_source, balanced, binary_of, expression, function_body, module, resources, strings,
};

/// The backend's files each function's code calls the store from. Read, not
/// derived: the api function serves the router's API routes (handlers, auth,
/// analytics), intake its intake routes, the processor `events/`, the AI reviewer
/// `llm::review_and_store`, the aggregator `analytics::{aggregate_day, backfill}`.
const STORE_CALLERS: [(&str, &[&str]); 5] = [
    (
        "reviewgate-api",
        &[
            "api/handlers.rs",
            "api/auth.rs",
            "reviews.rs",
            "analytics/report.rs",
        ],
    ),
    ("reviewgate-intake", &["api/intake.rs"]),
    (
        "reviewgate-event-processor",
        &[
            "events/mod.rs",
            "events/pull_request.rs",
            "events/spacelift_run.rs",
        ],
    ),
    ("reviewgate-ai-reviewer", &["llm/mod.rs"]),
    (
        "reviewgate-aggregator",
        &["analytics/job.rs", "analytics/compute.rs"],
    ),
];

/// The `ReviewStore` methods (`async fn NAME(` in the trait).
fn store_methods() -> BTreeSet<String> {
    let source = backend_source("store/mod.rs");
    let open = source.find("pub trait ReviewStore").expect("the trait");
    let open = open + source[open..].find('{').expect("its body");
    balanced(&source, open)
        .match_indices("async fn ")
        .map(|(at, _)| {
            let rest = &balanced(&source, open)[at + "async fn ".len()..];
            rest[..rest.find(['(', '<']).expect("a signature")].to_owned()
        })
        .collect()
}

/// The store methods called in `text`: `.METHOD(`, and `update_review(` (the free
/// function reading the latest version and writing the next).
fn store_calls(text: &str, methods: &BTreeSet<String>) -> BTreeSet<String> {
    let mut called: BTreeSet<String> = methods
        .iter()
        .filter(|m| text.contains(&format!(".{m}(")))
        .cloned()
        .collect();
    if text.contains("update_review(") {
        let store = backend_source("store/mod.rs");
        called.extend(store_calls(function_body(&store, "update_review"), methods));
    }
    called
}

/// What a method of the DynamoDB store does: the SDK operations it sends (through
/// the helpers it calls) and the indexes it names.
fn operations(
    source: &str,
    body: &str,
    seen: &mut BTreeSet<String>,
    found: &mut (BTreeSet<String>, BTreeSet<String>),
) {
    let index_names: BTreeSet<&str> = table::INDEXES.iter().map(|(name, _)| *name).collect();
    for (at, _) in body.match_indices(".client") {
        let rest = body[at + ".client".len()..].trim_start();
        if let Some(rest) = rest.strip_prefix('.') {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            found.0.insert(rest[..end].to_owned());
        }
    }
    for name in &index_names {
        if body.contains(&format!("\"{name}\"")) {
            found.1.insert((*name).to_owned());
        }
    }
    for (at, _) in body.match_indices("self.") {
        let rest = &body[at + "self.".len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let helper = &rest[..end];
        if rest[end..].starts_with('(')
            && source.contains(&format!("fn {helper}("))
            && seen.insert(helper.to_owned())
        {
            operations(source, function_body(source, helper), seen, found);
        }
    }
}

/// The IAM action an SDK operation needs. A transaction is authorized as the
/// writes it holds, and the store's transactions hold only puts.
fn iam_action(operation: &str, source: &str) -> String {
    if operation == "transact_write_items" {
        let kinds = ["update", "delete", "condition_check"];
        assert!(
            source.matches("TransactWriteItem::builder()").count()
                == source.matches("TransactWriteItem::builder().put(").count()
                && kinds
                    .iter()
                    .all(|k| !source.contains(&format!("TransactWriteItem::builder().{k}("))),
            "the store's transactions hold more than puts: map their kinds here"
        );
        return "dynamodb:PutItem".to_owned();
    }
    let pascal: String = operation
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("dynamodb:{pascal}")
}

/// The DynamoDB grants of a function's role: actions on the table, and on each
/// index.
fn dynamodb_grants(
    module: &Configuration,
    function: &Resource,
) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let role = function
        .attribute("role")
        .and_then(expression)
        .and_then(|e| e.strip_prefix("aws_iam_role."))
        .and_then(|e| e.split(['.', '[']).next())
        .unwrap_or_else(|| panic!("{}: role", function.address));
    let policies: Vec<&Resource> = resources(module, "aws_iam_role_policy")
        .into_iter()
        .filter(|p| {
            p.attribute("role").and_then(expression).is_some_and(|e| {
                e.starts_with(&format!("aws_iam_role.{role}."))
                    || e.starts_with(&format!("aws_iam_role.{role}["))
            })
        })
        .collect();
    assert_eq!(policies.len(), 1, "{}: one inline policy", function.address);
    let document = policies[0]
        .attribute("policy")
        .and_then(expression)
        .and_then(|e| e.strip_prefix("data.aws_iam_policy_document."))
        .and_then(|e| e.split(['.', '[']).next())
        .unwrap_or_else(|| panic!("{}: the policy is not a policy document", function.address));
    let document = module
        .resources
        .iter()
        .find(|r| {
            r.address.resource_type == "aws_iam_policy_document" && r.address.name == document
        })
        .unwrap_or_else(|| panic!("no data.aws_iam_policy_document.{document}"));
    let (mut on_table, mut on_indexes) =
        (BTreeSet::new(), BTreeMap::<String, BTreeSet<String>>::new());
    for statement in document.blocks("statement") {
        let actions = strings(statement.get("actions").expect("actions"));
        if !actions.iter().any(|a| a.starts_with("dynamodb:")) {
            continue;
        }
        let resources = statement
            .get("resources")
            .and_then(Value::as_list)
            .expect("a list of resources");
        for resource in resources {
            let text = expression(resource).unwrap_or_else(|| {
                panic!("{}: a DynamoDB grant on {resource:?}", document.address)
            });
            if text == "local.table_arn" {
                on_table.extend(actions.iter().cloned());
            } else if let Some(index) = text
                .strip_prefix("local.index_arn[\"")
                .and_then(|rest| rest.strip_suffix("\"]"))
            {
                on_indexes
                    .entry(index.to_owned())
                    .or_default()
                    .extend(actions.iter().cloned());
            } else {
                assert!(
                    text == "aws_dynamodb_table.reviews.stream_arn",
                    "{}: a DynamoDB grant on `{text}`",
                    document.address
                );
            }
        }
    }
    (on_table, on_indexes)
}

#[test]
fn each_role_grants_the_dynamodb_actions_its_code_performs_and_no_others() {
    let module = module();
    let methods = store_methods();
    assert!(
        methods.contains("put_version") && methods.len() >= 15,
        "{methods:?}"
    );
    let dynamodb = backend_source("store/dynamodb.rs");
    let open = dynamodb
        .find("impl ReviewStore for DynamoDbReviewStore")
        .expect("the DynamoDB store");
    let open = open + dynamodb[open..].find('{').expect("its body");
    let store_impl = balanced(&dynamodb, open);
    let functions: BTreeMap<String, &Resource> = resources(&module, "aws_lambda_function")
        .into_iter()
        .map(|f| (binary_of(f), f))
        .collect();
    let callers: BTreeSet<String> = STORE_CALLERS.iter().map(|(b, _)| (*b).to_owned()).collect();
    assert_eq!(
        functions.keys().cloned().collect::<BTreeSet<_>>(),
        callers,
        "STORE_CALLERS names every function"
    );
    for (binary, files) in STORE_CALLERS {
        let called: BTreeSet<String> = files
            .iter()
            .flat_map(|file| store_calls(&backend_source(file), &methods))
            .collect();
        assert!(!called.is_empty(), "{binary} calls no store method");
        let mut found = (BTreeSet::new(), BTreeSet::new());
        for method in &called {
            let body = function_body(store_impl, method);
            operations(&dynamodb, body, &mut BTreeSet::new(), &mut found);
        }
        let needed_on_table: BTreeSet<String> =
            found.0.iter().map(|op| iam_action(op, &dynamodb)).collect();
        let needed_on_indexes: BTreeMap<String, BTreeSet<String>> = found
            .1
            .iter()
            .map(|index| (index.clone(), BTreeSet::from(["dynamodb:Query".to_owned()])))
            .collect();
        let (on_table, on_indexes) = dynamodb_grants(&module, functions[binary]);
        assert_eq!(
            on_table, needed_on_table,
            "{binary}: DynamoDB actions on the table (granted, then needed by {called:?})"
        );
        assert_eq!(
            on_indexes, needed_on_indexes,
            "{binary}: DynamoDB actions on indexes (granted, then needed by {called:?})"
        );
    }
}
