//! The edge's one mapping from failures to HTTP responses: every error is
//! `{"error","message","trace_id"}` with its status, and each rejection of a delivery
//! is logged once as a SECURITY line without secrets or body.

use reviewgate_ingress::{NormalizeError, VerifyError};
use serde::Serialize;

/// Why the edge refused or could not take a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeError {
    /// No such route.
    #[error("no route for {0}")]
    NotFound(String),
    /// The route exists, the method does not.
    #[error("method not allowed; use POST")]
    MethodNotAllowed,
    /// The body is larger than `MAX_BODY_BYTES`.
    #[error("body exceeds {limit} bytes")]
    PayloadTooLarge {
        /// The limit in force.
        limit: u64,
    },
    /// Authentication failed.
    #[error(transparent)]
    Unauthorized(#[from] VerifyError),
    /// The payload is not valid JSON or lacks a field its event needs.
    #[error("{0}")]
    BadRequest(NormalizeError),
    /// A rate limit refused the delivery.
    #[error("{scope} rate limit exceeded; retry after {retry_after_secs} s")]
    RateLimited {
        /// Which limit.
        scope: &'static str,
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// A dependency (Durable Object, queue) failed; the sender should retry.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// The Worker is misconfigured (a variable is missing or invalid).
    #[error("misconfigured: {0}")]
    Misconfigured(String),
}

impl From<NormalizeError> for EdgeError {
    fn from(e: NormalizeError) -> EdgeError {
        match e {
            // A stale timestamp inside a signed payload is an authentication failure.
            NormalizeError::Timestamp(v) => EdgeError::Unauthorized(v),
            other => EdgeError::BadRequest(other),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    /// A stable code (`unauthorized`, `rate_limited`, …).
    pub error: &'a str,
    /// A human-readable explanation, never containing a secret or the body.
    pub message: String,
    /// The request's trace id.
    pub trace_id: &'a str,
}

impl EdgeError {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            EdgeError::NotFound(_) => 404,
            EdgeError::MethodNotAllowed => 405,
            EdgeError::PayloadTooLarge { .. } => 413,
            EdgeError::Unauthorized(_) => 401,
            EdgeError::BadRequest(_) => 400,
            EdgeError::RateLimited { .. } => 429,
            EdgeError::Unavailable(_) => 503,
            EdgeError::Misconfigured(_) => 500,
        }
    }

    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            EdgeError::NotFound(_) => "not_found",
            EdgeError::MethodNotAllowed => "method_not_allowed",
            EdgeError::PayloadTooLarge { .. } => "payload_too_large",
            EdgeError::Unauthorized(_) => "unauthorized",
            EdgeError::BadRequest(NormalizeError::BadJson(_)) => "bad_json",
            EdgeError::BadRequest(_) => "bad_request",
            EdgeError::RateLimited { .. } => "rate_limited",
            EdgeError::Unavailable(_) => "unavailable",
            EdgeError::Misconfigured(_) => "internal",
        }
    }

    /// The reason written to the SECURITY log line.
    pub fn reason(&self) -> &'static str {
        match self {
            EdgeError::Unauthorized(v) => v.reason(),
            EdgeError::RateLimited { scope, .. } => match *scope {
                "repository" => "rate_limited_repository",
                "organisation" => "rate_limited_organisation",
                "global" => "rate_limited_global",
                _ => "rate_limited_client_ip",
            },
            other => other.code(),
        }
    }

    /// The response body. Internal details of misconfiguration stay in the logs.
    pub fn body<'a>(&self, trace_id: &'a str) -> ErrorBody<'a> {
        let message = match self {
            EdgeError::Misconfigured(_) => "the edge is misconfigured".to_owned(),
            other => other.to_string(),
        };
        ErrorBody {
            error: self.code(),
            message,
            trace_id,
        }
    }

    /// `Retry-After` seconds, for 429.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            EdgeError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

/// One structured SECURITY log line for a rejected delivery: reason, source, delivery
/// id and client IP — never a secret, a signature or the body.
pub fn security_log_line(
    error: &EdgeError,
    source: &str,
    delivery_id: Option<&str>,
    client_ip: &str,
    trace_id: &str,
) -> String {
    serde_json::json!({
        "level": "SECURITY",
        "reason": error.reason(),
        "status": error.status(),
        "source": source,
        "delivery_id": delivery_id,
        "client_ip": client_ip,
        "trace_id": trace_id,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_status_code_and_body() {
        let cases = [
            (EdgeError::NotFound("/x".into()), 404, "not_found"),
            (
                EdgeError::PayloadTooLarge { limit: 10 },
                413,
                "payload_too_large",
            ),
            (
                EdgeError::Unauthorized(VerifyError::SignatureMismatch),
                401,
                "unauthorized",
            ),
            (
                EdgeError::from(NormalizeError::BadJson("eof".into())),
                400,
                "bad_json",
            ),
            (
                EdgeError::from(NormalizeError::Timestamp(VerifyError::StaleTimestamp {
                    age_secs: 400,
                    tolerance_secs: 300,
                })),
                401,
                "unauthorized",
            ),
            (
                EdgeError::RateLimited {
                    scope: "repository",
                    retry_after_secs: 7,
                },
                429,
                "rate_limited",
            ),
            (
                EdgeError::Misconfigured("BACKEND_URL".into()),
                500,
                "internal",
            ),
        ];
        for (error, status, code) in cases {
            assert_eq!((error.status(), error.code()), (status, code));
            let body = serde_json::to_value(error.body("t-9")).expect("serializes");
            assert_eq!(body["trace_id"], "t-9");
            assert_eq!(body["error"], code);
            assert!(!body["message"].as_str().expect("message").is_empty());
        }
        assert_eq!(
            EdgeError::Misconfigured("secret GITHUB".into())
                .body("t")
                .message,
            "the edge is misconfigured"
        );
    }

    #[test]
    fn security_lines_name_the_reason_and_nothing_secret() {
        let line = security_log_line(
            &EdgeError::Unauthorized(VerifyError::StaleTimestamp {
                age_secs: 900,
                tolerance_secs: 300,
            }),
            "github",
            Some("d-1"),
            "203.0.113.9",
            "t-1",
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
        assert_eq!(v["level"], "SECURITY");
        assert_eq!(v["reason"], "stale_timestamp");
        assert_eq!(v["client_ip"], "203.0.113.9");
        assert_eq!(v.as_object().expect("object").len(), 7);
    }
}
