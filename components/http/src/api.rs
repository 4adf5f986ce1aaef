//! The routes, independent of wasi:http so that they are tested natively:
//! `POST /review`, `POST /score`, `GET /rules`, `GET /healthz`. Errors are
//! `{"error", "message", "trace_id"}` JSON with a 4xx status; internals never leak.

use reviewgate_core::risk;
use reviewgate_core::{ChangeSet, Document, Finding, InputKind, Origin};
use serde::Deserialize;

/// Request bodies above this are refused with 413 before they are parsed. The
/// largest real plans reviewgate targets (10,000 resources) are about 12 MB.
pub const MAX_BODY_BYTES: usize = 32 << 20;

/// A request body, as far as the transport could read it.
#[derive(Debug)]
pub enum Body {
    /// The whole body.
    Bytes(Vec<u8>),
    /// More than [`MAX_BODY_BYTES`]; reading stopped.
    TooLarge,
    /// The transport failed mid-body.
    Unreadable,
}

/// Status and JSON body.
#[derive(Debug, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON text.
    pub body: String,
}

/// What went wrong, for clients: one mapping from error to status and code.
#[derive(Debug, PartialEq)]
enum ApiError {
    /// Unknown path.
    NotFound,
    /// Known path, wrong method.
    MethodNotAllowed,
    /// Body over the limit.
    TooLarge,
    /// Body not UTF-8 or not readable.
    InvalidBody(String),
    /// Nothing in the input could be reviewed.
    InvalidInput(String),
}

impl ApiError {
    fn response(&self, trace_id: &str) -> Response {
        let (status, code, message) = match self {
            ApiError::NotFound => (404, "not_found", "no such route".to_owned()),
            ApiError::MethodNotAllowed => (
                405,
                "method_not_allowed",
                "method not allowed on this route".to_owned(),
            ),
            ApiError::TooLarge => (
                413,
                "payload_too_large",
                format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
            ),
            ApiError::InvalidBody(m) => (400, "invalid_body", m.clone()),
            ApiError::InvalidInput(m) => (422, "invalid_input", m.clone()),
        };
        Response {
            status,
            body: serde_json::json!({"error": code, "message": message, "trace_id": trace_id})
                .to_string(),
        }
    }
}

/// Serves one request.
pub fn route(method: &str, path_and_query: &str, body: Body, trace_id: &str) -> Response {
    let path = path_and_query.split('?').next().unwrap_or_default();
    let result = match (method, path) {
        ("GET", "/healthz") => Ok(serde_json::json!({"status": "ok"}).to_string()),
        ("GET", "/rules") => Ok(to_json(&reviewgate_core::rules::catalog())),
        ("POST", "/review") => text(body).and_then(|t| review(&t)),
        ("POST", "/score") => text(body).and_then(|t| score(&t)),
        (_, "/healthz" | "/rules" | "/review" | "/score") => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound),
    };
    match result {
        Ok(body) => Response { status: 200, body },
        Err(error) => error.response(trace_id),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Core types serialize infallibly (string keys, finite numbers).
    serde_json::to_string(value).unwrap_or_default()
}

fn text(body: Body) -> Result<String, ApiError> {
    match body {
        Body::Bytes(bytes) => String::from_utf8(bytes)
            .map_err(|_| ApiError::InvalidBody("the body is not UTF-8 text".into())),
        Body::TooLarge => Err(ApiError::TooLarge),
        Body::Unreadable => Err(ApiError::InvalidBody("the body could not be read".into())),
    }
}

/// The body as documents: plan JSON, a JSON object mapping file paths to their
/// text (HCL or JSON configuration files), or a unified diff.
fn documents(text: &str) -> Result<Vec<Document>, ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::InvalidInput("the body is empty".into()));
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text)
        && !map.is_empty()
        && map.values().all(serde_json::Value::is_string)
    {
        return Ok(map
            .into_iter()
            .map(|(path, content)| {
                Document::detect(path, content.as_str().unwrap_or_default().to_owned())
            })
            .collect());
    }
    let kind = reviewgate_core::detect::sniff(text).ok_or_else(|| {
        ApiError::InvalidInput(
            "expected plan JSON, a unified diff, or a JSON object of file paths to file text"
                .into(),
        )
    })?;
    let path = if kind == InputKind::Diff {
        "request.diff"
    } else {
        "request.json"
    };
    Ok(vec![Document {
        path: path.into(),
        kind: Some(kind),
        content: text.to_owned(),
    }])
}

fn review(text: &str) -> Result<String, ApiError> {
    let change_set = ChangeSet::from_documents(Origin::Local, documents(text)?);
    let nothing_usable = change_set.plans.is_empty()
        && change_set.configuration.files.is_empty()
        && change_set.changed_files.is_empty();
    if nothing_usable && !change_set.errors.is_empty() {
        let problems: Vec<String> = change_set.errors.iter().map(ToString::to_string).collect();
        return Err(ApiError::InvalidInput(problems.join("; ")));
    }
    Ok(to_json(&reviewgate_core::review(&change_set)))
}

#[derive(Deserialize)]
struct ScoreRequest {
    findings: Vec<Finding>,
    #[serde(default)]
    changed_resources: usize,
}

fn score(text: &str) -> Result<String, ApiError> {
    let request: ScoreRequest = serde_json::from_str(text).map_err(|e| {
        ApiError::InvalidInput(format!(
            "expected {{\"findings\": [...], \"changed_resources\": n}}: {e}"
        ))
    })?;
    Ok(to_json(&risk::score_findings(
        &request.findings,
        request.changed_resources,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str, body: &str) -> Response {
        route("POST", path, Body::Bytes(body.as_bytes().to_vec()), "t-1")
    }

    fn json(response: &Response) -> serde_json::Value {
        serde_json::from_str(&response.body).expect("JSON body")
    }

    #[test]
    fn reviews_a_map_of_hcl_files() {
        let r = post(
            "/review",
            r#"{"main.tf": "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n"}"#,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let v = json(&r);
        assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));
        assert_eq!(v["changes"]["configuration"]["files"], 1);
    }

    #[test]
    fn bad_input_is_a_json_error_with_a_4xx_status() {
        for (body, status, code) in [
            ("", 422, "invalid_input"),
            ("hello", 422, "invalid_input"),
            (
                r#"{"format_version": "1.2", "resource_changes": 3}"#,
                422,
                "invalid_input",
            ),
        ] {
            let r = post("/review", body);
            assert_eq!(r.status, status, "{body}: {}", r.body);
            let v = json(&r);
            assert_eq!(v["error"], code);
            assert_eq!(v["trace_id"], "t-1");
            assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        let r = route("POST", "/review", Body::TooLarge, "t-2");
        assert_eq!(
            (r.status, json(&r)["error"].clone()),
            (413, "payload_too_large".into())
        );
        let r = route("POST", "/review", Body::Bytes(vec![0xff, 0xfe]), "t-3");
        assert_eq!(r.status, 400);
        assert_eq!(
            route("GET", "/review", Body::Bytes(vec![]), "t").status,
            405
        );
        assert_eq!(route("GET", "/nope", Body::Bytes(vec![]), "t").status, 404);
        assert_eq!(post("/score", "{}").status, 422);
    }

    #[test]
    fn scores_findings() {
        let r = post(
            "/score",
            r#"{"findings": [{"rule_id": "X", "aliases": [], "severity": "critical", "title": "t",
                "message": "m", "resource": null, "file": null, "line": null, "suppressed": false}]}"#,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(json(&r)["score"], 60);
    }
}
