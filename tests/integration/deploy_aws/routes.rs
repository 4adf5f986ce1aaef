//! The HTTP API routes exactly what the router serves, each to its function.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    backend_source, balanced, binary_of, expression, function_body, module, resource, resources,
    text,
};

/// A route: its method (`ANY` when every method is answered) and path.
type Route = (String, String);

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
    let source = backend_source("api/mod.rs");
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

/// The path part of a URL (`https://host/a/b` → `/a/b`).
fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |at| &after_scheme[at..])
}

/// The edge Worker forwards envelopes to `BACKEND_URL`: the placeholder in
/// `wrangler.toml` and the module's `edge_backend_url` output both name the route
/// the backend's intake serves for them.
#[test]
fn the_edge_forwards_to_the_route_the_backend_serves_for_it() {
    let wrangler: toml::Table = toml::from_str(
        &std::fs::read_to_string(super::repository().join("wrangler.toml")).expect("wrangler.toml"),
    )
    .expect("wrangler.toml is TOML");
    let backend_url = wrangler["vars"]["BACKEND_URL"]
        .as_str()
        .expect("vars.BACKEND_URL");
    let path = url_path(backend_url);
    let routes = router_routes();
    assert_eq!(
        routes.get(&("POST".to_owned(), path.to_owned())),
        Some(&"reviewgate-intake"),
        "wrangler.toml's BACKEND_URL {backend_url} is no POST route of the backend's intake"
    );

    let module = module();
    let output = module
        .outputs
        .iter()
        .find(|o| o.name == "edge_backend_url")
        .expect("output edge_backend_url");
    let value = output
        .value
        .as_ref()
        .and_then(expression)
        .map_or_else(|| format!("{:?}", output.value), str::to_owned);
    assert!(
        value.trim_end_matches('"').ends_with(path),
        "edge_backend_url ({value}) does not end with {path}"
    );
}
