//! The one mapping from failures to HTTP responses: `{"error","message","trace_id"}`
//! with the right status. Internal details are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

tokio::task_local! {
    /// The trace id of the request being served, set by the request-context
    /// middleware so that every error body can carry it.
    pub static TRACE_ID: String;
}

/// The error body of every API response that is not a success.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (`not_found`, `version_conflict`, …).
    pub error: &'static str,
    /// What went wrong, for a human.
    pub message: String,
    /// Quote this when reporting a problem: it finds the request's log lines.
    pub trace_id: String,
}

/// An API failure: a status, a stable code and a message safe to show.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Client-facing message.
    pub message: String,
    /// For 429: seconds until a retry can succeed, sent as `Retry-After`.
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    /// Any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        }
    }

    /// 400: the request cannot be read.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422: the request is well-formed but its content is invalid.
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            message,
        )
    }

    /// 401: no or an unknown API key.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required (Authorization: Bearer <key>)",
        )
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500, with a message that reveals nothing; log the cause before returning it.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; quote the trace id when reporting it",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(id) => ApiError::not_found(format!("review {id} not found")),
            StoreError::AlreadyExists(id) => ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                format!("review {id} already exists"),
            ),
            StoreError::VersionConflict {
                review_id, actual, ..
            } => ApiError::new(
                StatusCode::CONFLICT,
                "version_conflict",
                match actual {
                    Some(v) => format!(
                        "review {review_id} changed: the latest version is {v}; re-read it and retry with If-Match: \"{v}\""
                    ),
                    None => {
                        format!("review {review_id} changed concurrently; re-read it and retry")
                    }
                },
            ),
            StoreError::TooLarge(bytes) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the review is too large to store ({bytes} bytes compressed)"),
            ),
            StoreError::InvalidCursor => ApiError::bad_request("invalid cursor"),
            StoreError::Unavailable(cause) => {
                tracing::warn!(cause, "store unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the review store is unavailable; retry later",
                )
            }
            StoreError::Corrupt(cause) | StoreError::Backend(cause) => {
                tracing::error!(cause, "store error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let trace_id = TRACE_ID.try_with(Clone::clone).unwrap_or_default();
        let body = ErrorBody {
            error: self.code,
            message: self.message,
            trace_id,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
