//! The I/O the intake pipeline needs, as small traits that each surface implements:
//! the Worker with its secrets, Durable Objects, a Queue and WebCrypto; the backend and
//! `reviewgate serve` with their configuration, an in-process limiter, the review store
//! and the Rust HMAC ([`NativeHmac`], here).
//!
//! The traits use `async fn`. The Worker's futures hold JavaScript values and are not
//! `Send`, the server's are; because [`crate::pipeline::Pipeline`] is generic over
//! concrete implementations, each caller's pipeline future is `Send` exactly when its
//! own implementations' are, so no bound is imposed here (hence the
//! `async_fn_in_trait` allowances).

use std::borrow::Cow;

use crate::error::VerifyError;
use crate::event::{EventEnvelope, EventSource};
use crate::rate_limit::Decision;
use crate::verify::{HmacCheck, SourceKeys};

/// A dependency of the pipeline failed; the delivery is refused without being lost
/// (the sender retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// A dependency (a Durable Object, the queue, the store) is unavailable: 503.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// The deployment is misconfigured (a binding or a secret is missing or invalid):
    /// 500. The detail is for the operator's log, never for the sender.
    #[error("misconfigured: {0}")]
    Misconfigured(String),
}

/// The current time.
pub trait Clock {
    /// Unix milliseconds.
    fn now_ms(&self) -> u64;
}

/// Where each source's secrets come from.
pub trait Secrets {
    /// The secrets of `source`; an empty set when none is configured. Borrowed when
    /// read once at start-up, owned when read per request (the Worker's secrets).
    fn source_keys(&self, source: EventSource) -> Result<Cow<'_, SourceKeys>, PortError>;
}

/// Why a request body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Longer than the limit (declared or while reading): 413.
    #[error("body exceeds {limit} bytes")]
    TooLarge {
        /// The limit in force.
        limit: u64,
    },
    /// The body could not be read (a broken stream, a bad encoding): 400.
    #[error("the body could not be read: {0}")]
    Unreadable(String),
}

/// A request body not yet read: the pipeline reads it only once the client is known
/// not to be blocked and the source to be configured, and never past the limit.
pub trait RequestBody {
    /// The bytes, in whatever buffer the surface has.
    type Bytes: AsRef<[u8]>;
    /// Reads the whole body, refusing it as soon as it passes `limit` bytes.
    #[allow(async_fn_in_trait)]
    async fn read(self, limit: u64) -> Result<Self::Bytes, BodyError>;
}

/// Completes an HMAC check ([`crate::verify::plan_verification`]).
pub trait HmacEngine {
    /// Computes the MAC of the check's message with each key (every key, no early
    /// exit) and concludes it; a failing engine is a [`PortError`], not a mismatch.
    #[allow(async_fn_in_trait)]
    async fn verify(&self, check: HmacCheck<'_>) -> Result<Result<(), VerifyError>, PortError>;
}

/// The Rust `hmac`/`sha2` implementation, for every host but the Worker.
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeHmac;

impl HmacEngine for NativeHmac {
    async fn verify(&self, check: HmacCheck<'_>) -> Result<Result<(), VerifyError>, PortError> {
        Ok(check.verify_native())
    }
}

/// Rate limits and the failed-authentication block, wherever their state lives.
/// A failing client is named by [`crate::pipeline::failing_client`]: its IP and the
/// source it failed at.
pub trait RateLimiter {
    /// When `client` has failed authentication too often: the seconds until its
    /// failures are counted again. Asked only for a request that failed.
    #[allow(async_fn_in_trait)]
    async fn client_blocked(&self, client: &str, now_ms: u64) -> Option<u64>;
    /// Counts one failed authentication of `client`. Best effort: a limiter that
    /// cannot count logs why, and the delivery is refused anyway.
    #[allow(async_fn_in_trait)]
    async fn record_auth_failure(&self, client: &str, now_ms: u64);
    /// Admits (and counts) one verified event under the repository, organisation and
    /// global limits; refused by any, it counts for none where the state allows.
    #[allow(async_fn_in_trait)]
    async fn admit(&self, envelope: &EventEnvelope, now_ms: u64) -> Result<Decision, PortError>;
}

/// What a duplicate check answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The first delivery of this event id: it is now claimed.
    First,
    /// The event was taken before (its claim was confirmed).
    Duplicate,
    /// Another delivery of the event holds an unconfirmed claim that lapses in
    /// this many seconds.
    InFlight {
        /// Seconds until the claim lapses (at least 1).
        retry_after_secs: u64,
    },
}

/// Duplicate detection in two phases, so that a delivery that fails after its claim
/// (refused by a limit, or the sink failed, or the host died) does not make the
/// sender's retry look like a duplicate.
pub trait Deduplicator {
    /// Claims `event_id` for this delivery.
    #[allow(async_fn_in_trait)]
    async fn claim(&self, event_id: &str, now_ms: u64) -> Result<Claim, PortError>;
    /// The event reached the sink: remember the id for the whole deduplication
    /// window. Best effort (the sink de-duplicates too).
    #[allow(async_fn_in_trait)]
    async fn confirm(&self, event_id: &str, now_ms: u64);
    /// The delivery was not taken: forget the claim so the retry passes. Best effort.
    #[allow(async_fn_in_trait)]
    async fn release(&self, event_id: &str);
}

/// What the sink did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sunk {
    /// Durably taken (queued, or stored pending review).
    New,
    /// The sink already had this event id (its own duplicate check).
    AlreadyKnown,
}

/// Where accepted events go. Success means durable: the sender is answered 2xx only
/// after this returns.
pub trait EventSink {
    /// Takes `envelope`.
    #[allow(async_fn_in_trait)]
    async fn accept(&self, envelope: &EventEnvelope) -> Result<Sunk, PortError>;
}
