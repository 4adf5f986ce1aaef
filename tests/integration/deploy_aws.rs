//! `deploy/aws`, the Terraform module, held to the code it deploys. Terraform cannot
//! be installed on this build machine, so the module is read with reviewgate's own
//! HCL parser, and each check compares it with what the code says:
//!
//! - every Lambda binary of `backend-lambda` (a `[[bin]]` needing the `lambda`
//!   feature) has one function built from its artefact, and no function lacks one;
//! - each function's environment is a configuration the backend starts with
//!   (`Config::from_lookup`, the functions' own reading) and that uses DynamoDB,
//!   and the AI reviewer's uses Bedrock;
//! - each secret the module creates stands for a variable the backend reads, and
//!   every webhook source has exactly the secrets the ingress crate asks for;
//! - the table is the one the store creates (`store/table.rs`: keys, every index
//!   and its projection) with the TTL attribute and the stream the store declares;
//! - the HTTP API routes exactly the routes and methods the backend's router serves
//!   (`api/mod.rs`, `app`), each to the function whose routes they are;
//! - each function's role grants exactly the DynamoDB actions, on the table and on
//!   each index, that the store methods its code calls perform (read statically from
//!   the code: the runtime proof through an SDK interceptor on moto is still to do).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use reviewgate_backend::Config;
use reviewgate_backend::config::{LlmConfig, StoreConfig};
use reviewgate_backend::store::table;
use reviewgate_core::hcl::{Partial, parse_terraform};
use reviewgate_core::{Configuration, Resource, Value};
use reviewgate_ingress::event::EventSource;
use reviewgate_ingress::verify::SourceKeys;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.tf` file of the module, parsed; a file the parser has a problem with
/// fails here, as `terraform validate` would.
fn module() -> Configuration {
    let dir = repository().join("deploy/aws");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("deploy/aws")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "tf"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .tf file in {}", dir.display());
    let mut module = Configuration::default();
    for path in paths {
        let text = fs::read_to_string(&path).expect("a readable .tf file");
        let name = path.display().to_string();
        let parsed = parse_terraform(&name, &text)
            .unwrap_or_else(|e| panic!("{name} does not parse: {e:?}"));
        assert!(parsed.problems.is_empty(), "{name}: {:?}", parsed.problems);
        module.merge(parsed.configuration);
    }
    module
}

fn resources<'a>(module: &'a Configuration, resource_type: &'a str) -> Vec<&'a Resource> {
    module.resources_of_type(resource_type).collect()
}

fn resource<'a>(module: &'a Configuration, resource_type: &str, name: &str) -> &'a Resource {
    module
        .resources
        .iter()
        .find(|r| r.address.resource_type == resource_type && r.address.name == name)
        .unwrap_or_else(|| panic!("deploy/aws has no {resource_type}.{name}"))
}

/// The HCL source of an expression the parser left unevaluated.
fn expression(value: &Value) -> Option<&str> {
    match value {
        Value::Unknown(unknown) => unknown.expression.as_deref(),
        _ => None,
    }
}

/// A value, with `local.NAME` replaced by the local's value.
fn resolve<'a>(module: &'a Configuration, value: &'a Value) -> &'a Value {
    let local = expression(value).and_then(|e| e.trim().strip_prefix("local."));
    match local.and_then(|name| module.locals.iter().find(|l| l.name == name)) {
        Some(local) => &local.value,
        None => value,
    }
}

fn text<'a>(resource: &'a Resource, path: &str) -> &'a str {
    resource
        .attribute(path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{}: `{path}` is not a literal string", resource.address))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_list()
        .unwrap_or_else(|| panic!("not a literal list: {value:?}"))
        .iter()
        .map(|v| v.as_str().expect("a literal string").to_owned())
        .collect()
}

// --- Functions ----------------------------------------------------------------

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

/// The binary a function is built from: its artefact is
/// `<artifacts_dir>/<binary>/bootstrap.zip`.
fn binary_of(function: &Resource) -> String {
    let filename = function
        .attribute("filename")
        .and_then(expression)
        .unwrap_or_else(|| panic!("{}: `filename` names no artefact", function.address));
    let path = filename.trim_matches('"');
    let binary = path
        .strip_suffix("/bootstrap.zip")
        .and_then(|dir| dir.rsplit('/').next())
        .unwrap_or_else(|| {
            panic!(
                "{}: `filename` is not <artifacts_dir>/<binary>/bootstrap.zip: {path}",
                function.address
            )
        });
    let hash = function
        .attribute("source_code_hash")
        .and_then(expression)
        .unwrap_or_default();
    assert!(
        hash.contains(&format!("/{binary}/bootstrap.zip")),
        "{}: `source_code_hash` is not the hash of its artefact",
        function.address
    );
    binary.to_owned()
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

// --- Secrets ------------------------------------------------------------------

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

// --- The table ----------------------------------------------------------------

#[test]
fn the_table_is_the_one_the_store_creates_with_its_ttl_and_stream() {
    let module = module();
    let tables = resources(&module, "aws_dynamodb_table");
    assert_eq!(tables.len(), 1, "one table");
    let table_resource = tables[0];
    let t = |path| text(table_resource, path);
    assert_eq!(t("hash_key"), table::PARTITION_KEY);
    assert_eq!(t("range_key"), table::SORT_KEY);
    assert_eq!(t("billing_mode"), "PAY_PER_REQUEST");

    let attributes: BTreeSet<(String, String)> = table_resource
        .blocks("attribute")
        .iter()
        .map(|a| {
            let field = |k| a.get(k).and_then(Value::as_str).expect(k).to_owned();
            (field("name"), field("type"))
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        [table::PARTITION_KEY, table::SORT_KEY, table::INDEX_SORT_KEY]
            .into_iter()
            .chain(table::INDEXES.iter().map(|(_, hash)| *hash))
            .map(|name| (name.to_owned(), "S".to_owned()))
            .collect();
    assert_eq!(attributes, expected, "attribute definitions");

    let mut projected: Vec<String> = table::PROJECTED.iter().map(|a| (*a).to_owned()).collect();
    projected.sort();
    let indexes: BTreeMap<String, (String, String, String, Vec<String>)> = table_resource
        .blocks("global_secondary_index")
        .iter()
        .map(|index| {
            let field = |k| {
                index
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("an index's `{k}`"))
                    .to_owned()
            };
            let mut attributes = strings(resolve(
                &module,
                index.get("non_key_attributes").expect("non_key_attributes"),
            ));
            attributes.sort();
            (
                field("name"),
                (
                    field("hash_key"),
                    field("range_key"),
                    field("projection_type"),
                    attributes,
                ),
            )
        })
        .collect();
    let expected_indexes: BTreeMap<String, (String, String, String, Vec<String>)> = table::INDEXES
        .iter()
        .map(|(name, hash)| {
            (
                (*name).to_owned(),
                (
                    (*hash).to_owned(),
                    table::INDEX_SORT_KEY.to_owned(),
                    "INCLUDE".to_owned(),
                    projected.clone(),
                ),
            )
        })
        .collect();
    assert_eq!(indexes, expected_indexes, "global secondary indexes");

    assert_eq!(t("ttl.0.attribute_name"), table::TTL_ATTRIBUTE);
    assert_eq!(
        table_resource
            .attribute("ttl.0.enabled")
            .and_then(Value::as_bool),
        Some(true)
    );
    assert_eq!(
        table_resource
            .attribute("stream_enabled")
            .and_then(Value::as_bool),
        Some(true),
        "the event processor and the AI reviewer are triggered by the stream"
    );
    assert_eq!(t("stream_view_type"), table::STREAM_VIEW_TYPE);
    for block in ["point_in_time_recovery", "server_side_encryption"] {
        assert_eq!(
            table_resource
                .attribute(&format!("{block}.0.enabled"))
                .and_then(Value::as_bool),
            Some(true),
            "{block}"
        );
    }
}

// --- Routes -------------------------------------------------------------------

/// A route: its method (`ANY` when every method is answered) and path.
type Route = (String, String);

/// The text from `open` (an opening bracket's index) to its closing bracket.
fn balanced(source: &str, open: usize) -> &str {
    let bytes = source.as_bytes();
    let (opening, closing) = match bytes[open] {
        b'(' => (b'(', b')'),
        b'{' => (b'{', b'}'),
        other => panic!("not a bracket: {}", other as char),
    };
    let mut depth = 0;
    let mut in_string = false;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'"' if bytes[i - 1] != b'\\' => in_string = !in_string,
            _ if in_string => {}
            _ if b == opening => depth += 1,
            _ if b == closing => {
                depth -= 1;
                if depth == 0 {
                    return &source[open + 1..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced bracket at {open}");
}

/// The body of `fn NAME(` in `source`.
fn function_body<'a>(source: &'a str, name: &str) -> &'a str {
    let start = source
        .find(&format!("fn {name}("))
        .or_else(|| source.find(&format!("fn {name}<")))
        .unwrap_or_else(|| panic!("no fn {name}"));
    let open = start + source[start..].find('{').expect("a body");
    balanced(source, open)
}

/// The methods a method router answers: `ANY` when it has a fallback (the webhook
/// routes answer every other method with their 405), else each `get(`, `post(`, ….
fn methods(source: &str, handler: &str) -> BTreeSet<String> {
    let handler = handler.trim();
    if let Some(name) = handler.strip_suffix("()")
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return methods(source, function_body(source, name));
    }
    if handler.contains(".fallback(") {
        return BTreeSet::from(["ANY".to_owned()]);
    }
    let mut found = BTreeSet::new();
    for method in ["get", "post", "put", "delete", "patch"] {
        let call = format!("{method}(");
        for (at, _) in handler.match_indices(&call) {
            let before = handler[..at].chars().next_back();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                found.insert(method.to_uppercase());
            }
        }
    }
    assert!(!found.is_empty(), "no method in `{handler}`");
    found
}

/// Every route of the router `app` builds, with the binary that serves it: the
/// routes of its `intake` group are the intake function's, the others the api
/// function's (both run the same router; API Gateway sends each its own).
fn router_routes() -> BTreeMap<Route, &'static str> {
    let source = fs::read_to_string(repository().join("backend-lambda/src/api/mod.rs"))
        .expect("backend-lambda/src/api/mod.rs");
    let app = function_body(&source, "app");
    let intake_start = app.find("let intake =").expect("the intake routes");
    let intake_end = intake_start + app[intake_start..].find(';').expect("their end");
    let mut routes = BTreeMap::new();
    for (at, _) in app.match_indices(".route(") {
        let open = at + ".route".len();
        let arguments = balanced(app, open);
        let (path, handler) = arguments
            .trim()
            .strip_prefix('"')
            .and_then(|rest| rest.split_once('"'))
            .unwrap_or_else(|| panic!("a route without a literal path: {arguments}"));
        let handler = handler.trim_start().trim_start_matches(',');
        let binary = if (intake_start..intake_end).contains(&at) {
            "reviewgate-intake"
        } else {
            "reviewgate-api"
        };
        for method in methods(&source, handler) {
            routes.insert((method, path.to_owned()), binary);
        }
    }
    routes
}

#[test]
fn the_http_api_routes_exactly_what_the_router_serves_each_to_its_function() {
    let module = module();
    let served = router_routes();
    assert!(
        served.contains_key(&("GET".to_owned(), "/healthz".to_owned()))
            && served.contains_key(&("ANY".to_owned(), "/webhooks/{source}".to_owned()))
            && served.len() >= 13,
        "the router's routes were not all read: {served:?}"
    );
    let function_binaries: BTreeMap<String, String> = resources(&module, "aws_lambda_function")
        .into_iter()
        .map(|f| (f.address.name.clone(), binary_of(f)))
        .collect();
    let mut routed = BTreeMap::new();
    for route in resources(&module, "aws_apigatewayv2_route") {
        let key = text(route, "route_key");
        let (method, path) = key
            .split_once(' ')
            .unwrap_or_else(|| panic!("{}: route_key `{key}`", route.address));
        // integrations/${aws_apigatewayv2_integration.NAME.id} → the integration's
        // function → its binary.
        let target = route
            .attribute("target")
            .and_then(expression)
            .unwrap_or_default();
        let integration = target
            .split("aws_apigatewayv2_integration.")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .unwrap_or_else(|| panic!("{}: target `{target}`", route.address));
        let uri = resource(&module, "aws_apigatewayv2_integration", integration)
            .attribute("integration_uri")
            .and_then(expression)
            .unwrap_or_default();
        let function = uri
            .strip_prefix("aws_lambda_function.")
            .and_then(|rest| rest.strip_suffix(".invoke_arn"))
            .unwrap_or_else(|| panic!("integration {integration}: uri `{uri}`"));
        let binary = function_binaries
            .get(function)
            .unwrap_or_else(|| panic!("integration {integration}: no function {function}"));
        routed.insert((method.to_owned(), path.to_owned()), binary.clone());
    }
    let served: BTreeMap<Route, String> = served
        .into_iter()
        .map(|(route, binary)| (route, binary.to_owned()))
        .collect();
    let unrouted: Vec<_> = served.keys().filter(|r| !routed.contains_key(*r)).collect();
    assert!(
        unrouted.is_empty(),
        "routes the router serves that deploy/aws does not route: {unrouted:?}"
    );
    let unserved: Vec<_> = routed.keys().filter(|r| !served.contains_key(*r)).collect();
    assert!(
        unserved.is_empty(),
        "routes deploy/aws routes that the router does not serve: {unserved:?}"
    );
    assert_eq!(
        routed, served,
        "each route goes to the function whose it is"
    );
}

#[test]
fn the_router_reader_sees_methods_fallbacks_and_helpers() {
    let source = "fn hook() -> R { post(h::a).fallback(h::b) }";
    assert_eq!(methods(source, "hook()"), BTreeSet::from(["ANY".into()]));
    assert_eq!(
        methods(source, "get(h::list).post(h::create)"),
        BTreeSet::from(["GET".into(), "POST".into()])
    );
    assert_eq!(
        methods(source, "axum::routing::put(h::update)"),
        BTreeSet::from(["PUT".into()])
    );
    // `target(` is not `get(`.
    assert_eq!(
        methods(source, "target(x).post(y)"),
        BTreeSet::from(["POST".into()])
    );
}

// --- DynamoDB grants ------------------------------------------------------------

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

fn backend_source(path: &str) -> String {
    fs::read_to_string(repository().join("backend-lambda/src").join(path))
        .unwrap_or_else(|e| panic!("backend-lambda/src/{path}: {e}"))
}

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
