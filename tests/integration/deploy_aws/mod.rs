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

mod functions;
mod grants;
mod routes;
mod table;

use std::fs;
use std::path::PathBuf;

use reviewgate_core::hcl::parse_terraform;
use reviewgate_core::{Configuration, Resource, Value};

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

/// A file of backend-lambda/src.
fn backend_source(path: &str) -> String {
    fs::read_to_string(repository().join("backend-lambda/src").join(path))
        .unwrap_or_else(|e| panic!("backend-lambda/src/{path}: {e}"))
}
