//! Why a call to a code host failed ([`ForgeError`]), and every host's error body
//! read into one short line for it — never the credentials.

use reqwest::Response;
use serde_json::Value;

use crate::error_text::truncate_with_note;

/// Hosts' error messages are short; this bounds what a misbehaving proxy can push
/// into our errors and logs.
const MAX_ERROR_MESSAGE_CHARS: usize = 1000;

/// Why a call to a code host failed. No variant carries the credentials; the
/// caller says which host (the processor prefixes `GitHub: `, `GitLab: `, …).
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// The API base URL, the credentials or an argument cannot be used for a request.
    #[error("invalid request: {0}")]
    InvalidInput(String),
    /// 401: the token is missing, wrong, expired or revoked.
    #[error("the credentials were rejected (401 Unauthorized)")]
    Unauthorized,
    /// 403 that is not a rate limit: the token lacks a permission.
    #[error("the request was refused (403 Forbidden): {message}")]
    Forbidden {
        /// The host's message.
        message: String,
    },
    /// 404: the repository, pull request or resource does not exist, or the token
    /// may not see it (hosts answer 404 rather than reveal a private repository).
    #[error("not found: {resource}")]
    NotFound {
        /// The API path that was requested.
        resource: String,
    },
    /// 400 or 422: the host understood the request but refused its content.
    #[error("the request was rejected as invalid: {0}")]
    Validation(String),
    /// The rate limit is exhausted for longer than the client may wait.
    #[error("rate limit exhausted: retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the host accepts requests again.
        retry_after_secs: u64,
    },
    /// 5xx, a timeout or a connection failure (after retries, for GETs).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Any other unsuccessful status.
    #[error("answered {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The host's message, or the status reason.
        message: String,
    },
    /// A successful answer whose body is not what the API documents.
    #[error("unexpected answer: {0}")]
    Malformed(String),
    /// An answer larger than reviewgate reads (see `change.rs` and `rest.rs` for
    /// the limits and why): reading on would risk the process, not the review.
    #[error("{what} is larger than the {limit_bytes} bytes reviewgate reads")]
    TooLarge {
        /// What was being read (an API path).
        what: String,
        /// The limit it went past.
        limit_bytes: usize,
    },
}

impl ForgeError {
    /// Whether the same call can succeed later without any change (rate limits,
    /// outages), so that the caller retries or defers instead of giving up.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ForgeError::RateLimited { .. } | ForgeError::Unavailable(_)
        )
    }
}

/// The error body as one line, whichever host wrote it:
/// - GitHub `{"message", "errors": [...]}`, e.g. `Validation Failed: CheckRun.head_sha missing_field`;
/// - GitLab `{"message": "..."}`, `{"message": {"note": ["is too long"]}}` or `{"error": "..."}`;
/// - Bitbucket `{"type": "error", "error": {"message", "fields": {"url": ["required"]}}}`.
pub(super) async fn error_message(response: Response) -> String {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let reason = || status.canonical_reason().unwrap_or("no message").to_owned();
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(body) => error_text(&body).unwrap_or_else(reason),
        Err(_) => reason(),
    };
    truncate_with_note(&message, MAX_ERROR_MESSAGE_CHARS, "…")
}

fn error_text(body: &Value) -> Option<String> {
    let (message, details) = match (body.get("message"), body.get("error")) {
        (Some(Value::String(message)), _) => (message.clone(), github_details(body)),
        (Some(Value::Object(fields)), _) => (String::new(), field_errors(fields)),
        (_, Some(Value::String(error))) => (error.clone(), Vec::new()),
        (_, Some(Value::Object(error))) => (
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            error
                .get("fields")
                .and_then(Value::as_object)
                .map(field_errors)
                .unwrap_or_default(),
        ),
        _ => return None,
    };
    Some(match (message.is_empty(), details.is_empty()) {
        (_, true) => message,
        (true, false) => details.join("; "),
        (false, false) => format!("{message}: {}", details.join("; ")),
    })
}

/// GitHub's `errors`: strings, or `{resource, field, code}` / `{message}` objects.
fn github_details(body: &Value) -> Vec<String> {
    body.get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|error| match error {
            Value::String(s) => s.clone(),
            _ => {
                let field = |name: &str| error.get(name).and_then(Value::as_str);
                if let Some(text) = field("message") {
                    text.to_owned()
                } else {
                    let target = [field("resource"), field("field")]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(".");
                    format!("{target} {}", field("code").unwrap_or("invalid"))
                        .trim()
                        .to_owned()
                }
            }
        })
        .collect()
}

/// `{"field": ["problem", …]}` as `field problem` items (GitLab, Bitbucket).
fn field_errors(fields: &serde_json::Map<String, Value>) -> Vec<String> {
    fields
        .iter()
        .map(|(field, problems)| {
            let problems = match problems {
                Value::Array(items) => items
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{field} {problems}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_hosts_error_body_becomes_one_line() {
        let github = json!({"message": "Validation Failed",
            "errors": [{"resource": "CheckRun", "field": "head_sha", "code": "missing_field"}]});
        assert_eq!(
            error_text(&github).as_deref(),
            Some("Validation Failed: CheckRun.head_sha missing_field")
        );
        let gitlab = json!({"message": {"note": ["is too long (maximum is 1000000 characters)"]}});
        assert_eq!(
            error_text(&gitlab).as_deref(),
            Some("note is too long (maximum is 1000000 characters)")
        );
        let gitlab_plain = json!({"error": "state does not have a valid value"});
        assert_eq!(
            error_text(&gitlab_plain).as_deref(),
            Some("state does not have a valid value")
        );
        let bitbucket = json!({"type": "error", "error": {"message": "Bad request",
            "fields": {"url": ["This field is required."]}}});
        assert_eq!(
            error_text(&bitbucket).as_deref(),
            Some("Bad request: url This field is required.")
        );
        assert_eq!(error_text(&json!({"unexpected": 1})), None);
    }
}
