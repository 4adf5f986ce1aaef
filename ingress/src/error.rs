//! Typed errors. Each carries a short machine `reason` for logs and responses; none
//! ever includes a secret or the body.

use thiserror::Error;

/// Why a delivery failed authentication.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header that must appear once appears several times.
    #[error("header {0} appears more than once")]
    DuplicatedHeader(&'static str),
    /// A header is present but not in the expected shape.
    #[error("malformed header {header}: {detail}")]
    MalformedHeader {
        /// The header.
        header: &'static str,
        /// What is wrong with it (never its value).
        detail: &'static str,
    },
    /// Only the legacy SHA-1 `X-Hub-Signature` was sent; SHA-1 alone is not accepted.
    #[error("only an X-Hub-Signature (SHA-1) header was sent; X-Hub-Signature-256 is required")]
    Sha1Only,
    /// No configured secret produces the signature (or token) that was sent.
    #[error("signature does not match")]
    SignatureMismatch,
    /// No secret is configured for this source, so nothing can be verified.
    #[error("no secret is configured for this source")]
    NoSecretConfigured,
    /// The signed timestamp is older than the tolerance.
    #[error("timestamp is {age_secs} s old, more than the {tolerance_secs} s tolerance")]
    StaleTimestamp {
        /// How old it is.
        age_secs: u64,
        /// The tolerance in force.
        tolerance_secs: u64,
    },
    /// The signed timestamp is further in the future than the tolerance.
    #[error(
        "timestamp is {ahead_secs} s in the future, more than the {tolerance_secs} s tolerance"
    )]
    FutureTimestamp {
        /// How far ahead it is.
        ahead_secs: u64,
        /// The tolerance in force.
        tolerance_secs: u64,
    },
}

impl VerifyError {
    /// A short stable code for logs (`signature_mismatch`, `stale_timestamp`, …).
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::DuplicatedHeader(_) => "duplicated_header",
            VerifyError::MalformedHeader { .. } => "malformed_header",
            VerifyError::Sha1Only => "sha1_only",
            VerifyError::SignatureMismatch => "signature_mismatch",
            VerifyError::NoSecretConfigured => "no_secret_configured",
            VerifyError::StaleTimestamp { .. } => "stale_timestamp",
            VerifyError::FutureTimestamp { .. } => "future_timestamp",
        }
    }
}

/// Why a verified payload could not be normalized.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NormalizeError {
    /// The body is not JSON.
    #[error("body is not valid JSON: {0}")]
    BadJson(String),
    /// The event-type header is missing.
    #[error("missing event type header {0}")]
    MissingEventHeader(&'static str),
    /// A field the event needs is absent or of the wrong type.
    #[error("payload field {0} is missing or has the wrong type")]
    MissingField(&'static str),
    /// An identifier is longer than reviewgate keeps (ids end up in storage keys).
    #[error("{field} is longer than {max} bytes")]
    TooLong {
        /// What was too long.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// A number is outside the range it can sanely have.
    #[error("{field} must be a whole number from 0 to {max}")]
    OutOfRange {
        /// Which number.
        field: &'static str,
        /// The largest accepted.
        max: u64,
    },
    /// A timestamp inside the signed payload is outside the tolerance (Spacelift).
    #[error(transparent)]
    Timestamp(#[from] VerifyError),
}
