//! What became of a webhook delivery, and the one mapping from that to the HTTP answer
//! every surface sends: status, JSON body and headers. The Worker and `reviewgate
//! serve` write [`WireResponse`] as is, so a sender gets the same answer from both
//! (`docs/webhooks.md` documents the contract; the golden test in `edge-worker/test`
//! holds both surfaces to it).

use serde::Serialize;
use serde_json::json;

use crate::error::{NormalizeError, VerifyError};
use crate::event::{EventKind, EventSource};
use crate::rate_limit::LimitScope;

/// The response header carrying the trace id, on every answer.
pub const TRACE_ID_HEADER: &str = "x-reviewgate-trace-id";

/// Whether a trace id sent by a client may be used: it ends up in logs and
/// responses, so only short ids of safe characters are taken (else a new one is made).
pub fn is_acceptable_trace_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The body of `GET /healthz` on every surface.
pub fn health_body() -> String {
    json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}).to_string()
}

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Verified, admitted and durably handed on: `202`.
    Accepted {
        /// `<source>:<delivery id>`.
        event_id: String,
        /// What it means.
        kind: EventKind,
    },
    /// A redelivery of an event already taken: `200`, not handed on again.
    Duplicate {
        /// The event id.
        event_id: String,
    },
    /// A provider's ping (GitHub `ping`, Bitbucket `diagnostics:ping`): `200`.
    Pong,
    /// Verified, but not an event reviewgate acts on: `202`.
    Ignored {
        /// Why, for the sender's delivery log.
        reason: String,
    },
    /// Refused.
    Refused(Refusal),
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `/webhooks/<name>` names no source: `404`.
    UnknownSource(String),
    /// Not a route of the intake at all: `404`.
    NoRoute(String),
    /// The route takes POST only: `405`.
    MethodNotAllowed,
    /// No secret is configured for the source on this deployment: `503` (a
    /// configuration problem, not counted against the sender).
    NotConfigured(EventSource),
    /// The body is over the limit: `413`.
    PayloadTooLarge {
        /// The limit in force.
        limit: u64,
    },
    /// The body could not be read: `400`.
    BodyUnreadable(String),
    /// Authentication failed, including a signed timestamp outside the tolerance:
    /// `401`, counted as a failed authentication of the client.
    Unauthorized(VerifyError),
    /// Authentic, but not JSON or without a field its event needs: `400`.
    BadRequest(NormalizeError),
    /// Another delivery of the same event is being taken right now: `409` with
    /// `Retry-After`. Should that one fail, the retry is taken; should it succeed,
    /// the retry is answered as a duplicate. (Answering `duplicate` at once would
    /// tell the sender to stop retrying an event that may yet be lost.)
    InProgress {
        /// Seconds until the other delivery's claim lapses.
        retry_after_secs: u64,
    },
    /// A limit refused it: `429` with `Retry-After`.
    RateLimited {
        /// Which limit.
        scope: LimitScope,
        /// Seconds until a retry can succeed (at least 1).
        retry_after_secs: u64,
    },
    /// A dependency failed; the sender should retry: `503`.
    Unavailable(String),
    /// The deployment is misconfigured: `500`; the detail stays in the log.
    Misconfigured(String),
}

impl Refusal {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::UnknownSource(_) | Refusal::NoRoute(_) => 404,
            Refusal::InProgress { .. } => 409,
            Refusal::MethodNotAllowed => 405,
            Refusal::NotConfigured(_) | Refusal::Unavailable(_) => 503,
            Refusal::PayloadTooLarge { .. } => 413,
            Refusal::BodyUnreadable(_) | Refusal::BadRequest(_) => 400,
            Refusal::Unauthorized(_) => 401,
            Refusal::RateLimited { .. } => 429,
            Refusal::Misconfigured(_) => 500,
        }
    }

    /// The `error` code of the body.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownSource(_) | Refusal::NoRoute(_) => "not_found",
            Refusal::InProgress { .. } => "in_progress",
            Refusal::MethodNotAllowed => "method_not_allowed",
            Refusal::NotConfigured(_) => "not_configured",
            Refusal::PayloadTooLarge { .. } => "payload_too_large",
            Refusal::BodyUnreadable(_) => "bad_request",
            Refusal::Unauthorized(_) => "unauthorized",
            Refusal::BadRequest(NormalizeError::BadJson(_)) => "bad_json",
            Refusal::BadRequest(_) => "bad_request",
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::Unavailable(_) => "unavailable",
            Refusal::Misconfigured(_) => "internal",
        }
    }

    /// The message of the body: what the sender may know. Never a secret, a body or
    /// an internal detail (those are in [`Refusal::operator_detail`]).
    pub fn message(&self) -> String {
        match self {
            Refusal::UnknownSource(name) => {
                let known: Vec<&str> = EventSource::ALL.iter().map(|s| s.as_str()).collect();
                format!("no webhook source `{name}`; one of {}", known.join(", "))
            }
            Refusal::NoRoute(path) => format!("no route for {path}"),
            Refusal::InProgress { retry_after_secs } => format!(
                "another delivery of this event is being taken; retry after {retry_after_secs} s"
            ),
            Refusal::MethodNotAllowed => "webhooks are delivered with POST".to_owned(),
            Refusal::NotConfigured(source) => format!(
                "{} webhooks are not configured on this deployment",
                source.as_str()
            ),
            Refusal::PayloadTooLarge { limit } => format!("body exceeds {limit} bytes"),
            Refusal::BodyUnreadable(_) => "the body could not be read".to_owned(),
            Refusal::Unauthorized(e) => e.to_string(),
            Refusal::BadRequest(e) => e.to_string(),
            Refusal::RateLimited {
                scope,
                retry_after_secs,
            } => format!(
                "{} rate limit exceeded; retry after {retry_after_secs} s",
                scope.as_str()
            ),
            Refusal::Unavailable(_) => "temporarily unavailable; retry later".to_owned(),
            Refusal::Misconfigured(_) => "this deployment is misconfigured".to_owned(),
        }
    }

    /// The short reason of the SECURITY log line (`signature_mismatch`,
    /// `rate_limited_repository`, `payload_too_large`, …).
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Unauthorized(e) => e.reason(),
            Refusal::RateLimited { scope, .. } => match scope {
                LimitScope::Repository => "rate_limited_repository",
                LimitScope::Organisation => "rate_limited_organisation",
                LimitScope::Global => "rate_limited_global",
                LimitScope::ClientIp => "rate_limited_client_ip",
            },
            other => other.code(),
        }
    }

    /// For failures of this deployment rather than of the sender (not configured,
    /// unavailable, misconfigured): what the operator's error log should say.
    pub fn operator_detail(&self) -> Option<String> {
        match self {
            Refusal::NotConfigured(source) => Some(format!(
                "no secret is configured for {} webhooks",
                source.as_str()
            )),
            Refusal::Unavailable(detail) => Some(format!("unavailable: {detail}")),
            Refusal::Misconfigured(detail) => Some(format!("misconfigured: {detail}")),
            _ => None,
        }
    }

    /// Whether the sender caused the refusal (a SECURITY event), as opposed to this
    /// deployment ([`Refusal::operator_detail`]).
    pub fn is_security_event(&self) -> bool {
        self.operator_detail().is_none()
    }
}

/// An HTTP answer, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireResponse {
    /// Status code.
    pub status: u16,
    /// Header names (lower-case) and values: always `content-type` and the trace id,
    /// `retry-after` for 429, `allow` for 405.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: String,
}

impl Outcome {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Accepted { .. } | Outcome::Ignored { .. } => 202,
            Outcome::Duplicate { .. } | Outcome::Pong => 200,
            Outcome::Refused(refusal) => refusal.status(),
        }
    }

    /// The answer to send: `{"status": …}` bodies for what was taken, `{"error",
    /// "message"}` for refusals, each with the trace id.
    pub fn to_wire(&self, trace_id: &str) -> WireResponse {
        let body = match self {
            Outcome::Accepted { event_id, kind } => json!({
                "status": "accepted", "event_id": event_id, "kind": kind, "trace_id": trace_id,
            }),
            Outcome::Duplicate { event_id } => json!({
                "status": "duplicate", "event_id": event_id, "trace_id": trace_id,
            }),
            Outcome::Pong => json!({"status": "pong", "trace_id": trace_id}),
            Outcome::Ignored { reason } => json!({
                "status": "ignored", "reason": reason, "trace_id": trace_id,
            }),
            Outcome::Refused(refusal) => json!({
                "error": refusal.code(), "message": refusal.message(), "trace_id": trace_id,
            }),
        };
        let mut headers = vec![
            ("content-type", "application/json".to_owned()),
            (TRACE_ID_HEADER, trace_id.to_owned()),
        ];
        match self {
            Outcome::Refused(
                Refusal::RateLimited {
                    retry_after_secs, ..
                }
                | Refusal::InProgress { retry_after_secs },
            ) => headers.push(("retry-after", retry_after_secs.max(&1).to_string())),
            Outcome::Refused(Refusal::MethodNotAllowed) => headers.push(("allow", "POST".into())),
            _ => {}
        }
        WireResponse {
            status: self.status(),
            headers,
            body: body.to_string(),
        }
    }
}

/// One SECURITY log record of a refused delivery: the reason and where it came from,
/// never a secret, a signature or the body. Each surface writes it in its own log
/// format (the Worker as a JSON line, the server through `tracing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityRecord<'a> {
    /// The refusal's [`Refusal::reason`].
    pub reason: &'static str,
    /// The HTTP status sent.
    pub status: u16,
    /// The `/webhooks/<source>` name as sent.
    pub source: &'a str,
    /// The delivery id, when the delivery got that far.
    pub delivery_id: Option<&'a str>,
    /// The client address.
    pub client_ip: &'a str,
    /// The trace id.
    pub trace_id: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(outcome: &Outcome) -> serde_json::Value {
        serde_json::from_str(&outcome.to_wire("t-1").body).expect("JSON body")
    }

    #[test]
    fn what_was_taken_answers_with_a_status_field() {
        let accepted = Outcome::Accepted {
            event_id: "github:d-1".into(),
            kind: EventKind::PrOpened,
        };
        assert_eq!(accepted.status(), 202);
        assert_eq!(
            body(&accepted),
            json!({"status": "accepted", "event_id": "github:d-1", "kind": "pr.opened", "trace_id": "t-1"})
        );
        let duplicate = Outcome::Duplicate {
            event_id: "github:d-1".into(),
        };
        assert_eq!(
            (duplicate.status(), body(&duplicate)),
            (
                200,
                json!({"status": "duplicate", "event_id": "github:d-1", "trace_id": "t-1"})
            )
        );
        assert_eq!(
            (Outcome::Pong.status(), body(&Outcome::Pong)),
            (200, json!({"status": "pong", "trace_id": "t-1"}))
        );
        let ignored = Outcome::Ignored {
            reason: "event `star` is not reviewed".into(),
        };
        assert_eq!(
            (ignored.status(), body(&ignored)),
            (
                202,
                json!({"status": "ignored", "reason": "event `star` is not reviewed", "trace_id": "t-1"})
            )
        );
    }

    #[test]
    fn every_refusal_has_its_status_code_and_safe_message() {
        let cases = [
            (Refusal::UnknownSource("svn".into()), 404, "not_found"),
            (Refusal::NoRoute("/x".into()), 404, "not_found"),
            (Refusal::MethodNotAllowed, 405, "method_not_allowed"),
            (
                Refusal::InProgress {
                    retry_after_secs: 30,
                },
                409,
                "in_progress",
            ),
            (
                Refusal::NotConfigured(EventSource::Gitlab),
                503,
                "not_configured",
            ),
            (
                Refusal::PayloadTooLarge { limit: 10 },
                413,
                "payload_too_large",
            ),
            (Refusal::BodyUnreadable("reset".into()), 400, "bad_request"),
            (
                Refusal::Unauthorized(VerifyError::SignatureMismatch),
                401,
                "unauthorized",
            ),
            (
                Refusal::BadRequest(NormalizeError::BadJson("eof".into())),
                400,
                "bad_json",
            ),
            (
                Refusal::BadRequest(NormalizeError::MissingField("pull_request")),
                400,
                "bad_request",
            ),
            (
                Refusal::RateLimited {
                    scope: LimitScope::Repository,
                    retry_after_secs: 7,
                },
                429,
                "rate_limited",
            ),
            (
                Refusal::Unavailable("queue: boom".into()),
                503,
                "unavailable",
            ),
            (
                Refusal::Misconfigured("secret GITHUB_WEBHOOK_SECRETS".into()),
                500,
                "internal",
            ),
        ];
        for (refusal, status, code) in cases {
            let outcome = Outcome::Refused(refusal.clone());
            let wire = outcome.to_wire("t-1");
            assert_eq!((wire.status, refusal.code()), (status, code));
            let b = body(&outcome);
            assert_eq!(b["error"], code);
            assert_eq!(b["trace_id"], "t-1");
            assert_eq!(b.as_object().map(|o| o.len()), Some(3));
            let message = b["message"].as_str().expect("a message");
            assert!(!message.is_empty());
            for internal in ["boom", "GITHUB_WEBHOOK_SECRETS", "reset"] {
                assert!(!message.contains(internal), "{message}");
            }
            assert!(wire.headers.contains(&(TRACE_ID_HEADER, "t-1".to_owned())));
        }
    }

    #[test]
    fn rate_limits_say_when_to_retry_and_405_says_what_is_allowed() {
        let limited = Outcome::Refused(Refusal::RateLimited {
            scope: LimitScope::ClientIp,
            retry_after_secs: 42,
        });
        let wire = limited.to_wire("t");
        assert!(wire.headers.contains(&("retry-after", "42".to_owned())));
        assert_eq!(
            body(&limited)["message"],
            "client_ip rate limit exceeded; retry after 42 s"
        );
        let wire = Outcome::Refused(Refusal::MethodNotAllowed).to_wire("t");
        assert!(wire.headers.contains(&("allow", "POST".to_owned())));
    }

    #[test]
    fn deployment_failures_are_for_the_operator_not_security_events() {
        assert!(Refusal::Unauthorized(VerifyError::SignatureMismatch).is_security_event());
        assert!(!Refusal::Unavailable("x".into()).is_security_event());
        assert!(!Refusal::NotConfigured(EventSource::Github).is_security_event());
        assert_eq!(
            Refusal::RateLimited {
                scope: LimitScope::Global,
                retry_after_secs: 1
            }
            .reason(),
            "rate_limited_global"
        );
    }
}
