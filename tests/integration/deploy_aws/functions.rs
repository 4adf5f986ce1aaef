//! Every Lambda binary has its function, each function an environment the backend
//! starts with, and each secret stands for a variable the backend reads.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use reviewgate_backend::Config;
use reviewgate_backend::config::{LlmConfig, StoreConfig};
use reviewgate_core::hcl::Partial;
use reviewgate_core::{Configuration, Resource, Value};
use reviewgate_ingress::event::EventSource;
use reviewgate_ingress::verify::SourceKeys;

use super::{binary_of, expression, module, repository, resources, strings, text};

/// The binaries of backend-lambda that run on Lambda: `[[bin]]`s that need the
/// `lambda` feature (the admin command is run by hand).
fn lambda_binaries() -> BTreeSet<String> {
    let manifest: toml::Table = fs::read_to_string(repository().join("backend-lambda/Cargo.toml"))
        .expect("backend-lambda/Cargo.toml")
        .parse()
        .expect("valid TOML");
    let bins = manifest["bin"].as_array().expect("[[bin]] entries");
    bins.iter()
        .filter(|bin| {
            bin.get("required-features")
                .and_then(toml::Value::as_array)
                .is_some_and(|features| features.iter().any(|f| f.as_str() == Some("lambda")))
        })
        .map(|bin| bin["name"].as_str().expect("a bin name").to_owned())
        .collect()
}

/// The function's environment as a lookup: literal values as written, values
/// computed at apply (the table's name, the model variable) as a placeholder. A
/// `merge(…)` is read through its literal maps; what it merges in besides (the
/// `_SECRET_ARN` pointers, a `for` over the secrets) the configuration does not read.
fn environment(function: &Resource) -> BTreeMap<String, String> {
    let variables = function
        .attribute("environment.0.variables")
        .unwrap_or_else(|| panic!("{} has no environment", function.address));
    let mut environment = BTreeMap::new();
    let mut read_map = |entries: Vec<(String, Option<String>)>| {
        for (name, value) in entries {
            let value = value.unwrap_or_else(|| format!("<{name} at apply>"));
            environment.insert(name, value);
        }
    };
    match variables {
        Value::Map(map) => read_map(
            map.iter()
                .map(|(k, v)| (k.to_owned(), v.as_str().map(str::to_owned)))
                .collect(),
        ),
        Value::Unknown(unknown) => {
            let Some(Partial::Call { name, args }) = Partial::of(unknown) else {
                panic!(
                    "{}: the environment is neither a map nor a merge of maps",
                    function.address
                );
            };
            assert_eq!(name, "merge", "{}: environment", function.address);
            for arg in args {
                if let Partial::Object(entries) = arg {
                    read_map(
                        entries
                            .iter()
                            .map(|(k, v)| {
                                let key = k.literal_text().expect("a literal variable name");
                                (key, v.literal_text())
                            })
                            .collect(),
                    );
                }
            }
        }
        other => panic!("{}: environment {other:?}", function.address),
    }
    environment
}

#[test]
fn every_lambda_binary_has_one_function_and_every_function_a_binary() {
    let module = module();
    let binaries = lambda_binaries();
    assert!(
        binaries.contains("reviewgate-api") && binaries.len() >= 5,
        "{binaries:?}"
    );
    let mut deployed = BTreeMap::new();
    for function in resources(&module, "aws_lambda_function") {
        let binary = binary_of(function);
        assert!(
            binaries.contains(&binary),
            "{} deploys `{binary}`, which backend-lambda/Cargo.toml does not build for Lambda",
            function.address
        );
        if let Some(other) = deployed.insert(binary.clone(), function.address.to_string()) {
            panic!(
                "`{binary}` is deployed twice: {other} and {}",
                function.address
            );
        }
        assert_eq!(text(function, "runtime"), "provided.al2023");
        assert_eq!(text(function, "handler"), "bootstrap");
    }
    let missing: Vec<_> = binaries
        .iter()
        .filter(|b| !deployed.contains_key(*b))
        .collect();
    assert!(
        missing.is_empty(),
        "backend binaries without a function in deploy/aws: {missing:?}"
    );
    let architecture = module
        .variables
        .iter()
        .find(|v| v.name == "architecture")
        .and_then(|v| v.default.as_ref())
        .and_then(Value::as_str);
    assert_eq!(
        architecture,
        Some("arm64"),
        "the artefacts are built with --arm64"
    );
}

#[test]
fn every_function_starts_with_its_environment_on_dynamodb() {
    let module = module();
    let functions = resources(&module, "aws_lambda_function");
    assert!(!functions.is_empty());
    for function in functions {
        let binary = binary_of(function);
        let environment = environment(function);
        let config = Config::from_lookup(|name| environment.get(name).cloned())
            .unwrap_or_else(|e| panic!("{} ({binary}) would not start: {e}", function.address));
        assert!(
            matches!(config.store, StoreConfig::DynamoDb { .. }),
            "{} ({binary}) would use {:?}, not the table",
            function.address,
            config.store
        );
        if binary == "reviewgate-ai-reviewer" {
            assert!(
                matches!(config.llm, LlmConfig::Bedrock { .. }),
                "{}: the AI reviewer has no model ({:?})",
                function.address,
                config.llm
            );
        }
        // The table's name comes from the table itself, not a copy of it.
        let table = function
            .attribute("environment.0.variables")
            .and_then(expression)
            .map(str::to_owned)
            .or_else(|| {
                function
                    .attribute("environment.0.variables.REVIEWGATE_TABLE")
                    .and_then(expression)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        assert!(
            table.contains("aws_dynamodb_table.reviews.name"),
            "{}: REVIEWGATE_TABLE is not aws_dynamodb_table.reviews.name",
            function.address
        );
    }
}

/// Every variable `Config::from_lookup` reads, asked with none of them set.
fn variables_the_backend_reads() -> BTreeSet<String> {
    let asked = RefCell::new(BTreeSet::new());
    Config::from_lookup(|name| {
        asked.borrow_mut().insert(name.to_owned());
        None
    })
    .expect("the defaults start");
    asked.into_inner()
}

/// A local of the module that is a literal map of lists of strings.
fn literal_lists(module: &Configuration, name: &str) -> BTreeMap<String, BTreeSet<String>> {
    let local = module
        .locals
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("deploy/aws has no local.{name}"));
    let map = local
        .value
        .as_map()
        .unwrap_or_else(|| panic!("local.{name} is not a literal map"));
    map.iter()
        .map(|(key, value)| {
            let names = strings(value).into_iter().collect();
            (key.to_owned(), names)
        })
        .collect()
}

#[test]
fn every_secret_the_module_creates_is_one_the_backend_reads_for_every_source() {
    let module = module();
    let read = variables_the_backend_reads();
    let webhook = literal_lists(&module, "webhook_secret_variables");
    let code_hosts = literal_lists(&module, "code_host_secret_variables");
    // What intake reads for each source is what the ingress crate asks for.
    for source in EventSource::ALL {
        let asked = RefCell::new(BTreeSet::new());
        let _ = SourceKeys::from_lookup(source, |name| {
            asked.borrow_mut().insert(format!("REVIEWGATE_{name}"));
            None
        });
        assert_eq!(
            webhook.get(source.as_str()),
            Some(&asked.into_inner()),
            "local.webhook_secret_variables[\"{}\"]",
            source.as_str()
        );
    }
    assert_eq!(
        webhook.len(),
        EventSource::ALL.len(),
        "one entry per source"
    );
    let intake = module
        .locals
        .iter()
        .find(|l| l.name == "intake_secrets")
        .and_then(|l| expression(&l.value))
        .unwrap_or_default();
    assert!(
        intake.contains("\"REVIEWGATE_EDGE_SECRETS\""),
        "intake always has the edge's signing secret"
    );
    assert!(read.contains("REVIEWGATE_EDGE_SECRETS"));
    let mut secrets = BTreeSet::new();
    for names in webhook.values().chain(code_hosts.values()) {
        secrets.extend(names.iter().cloned());
    }
    assert!(secrets.len() >= 10, "{secrets:?}");
    let unknown: Vec<_> = secrets.iter().filter(|s| !read.contains(*s)).collect();
    assert!(
        unknown.is_empty(),
        "deploy/aws creates secrets for variables the backend never reads: {unknown:?}"
    );
}
