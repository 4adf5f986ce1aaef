//! The limits of a server that is its own intake (`reviewgate serve`, the backend's
//! webhook route): the Worker's limiter objects' windows in one [`ProcessLimiter`]
//! behind a mutex, as the pipeline's [`RateLimiter`]. Exact for one process.

use crate::event::EventEnvelope;
use crate::ports::{PortError, RateLimiter};
use crate::rate_limit::{Decision, Limits, ProcessLimiter};

/// A [`ProcessLimiter`] shared by the requests of one process.
#[derive(Debug)]
pub struct SharedProcessLimiter(std::sync::Mutex<ProcessLimiter>);

impl SharedProcessLimiter {
    /// Empty windows under `limits`.
    pub fn new(limits: Limits) -> SharedProcessLimiter {
        SharedProcessLimiter(std::sync::Mutex::new(ProcessLimiter::new(limits)))
    }

    fn with<T>(&self, f: impl FnOnce(&mut ProcessLimiter) -> T) -> T {
        // The limiter holds counts only; a panic elsewhere cannot leave them unusable.
        f(&mut self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl RateLimiter for SharedProcessLimiter {
    async fn client_blocked(&self, client: &str, now_ms: u64) -> Option<u64> {
        self.with(|l| l.blocked(client, now_ms))
    }

    async fn record_auth_failure(&self, client: &str, now_ms: u64) {
        self.with(|l| l.record_auth_failure(client, now_ms));
    }

    async fn admit(&self, envelope: &EventEnvelope, now_ms: u64) -> Result<Decision, PortError> {
        let repository = envelope.repository.as_ref().map(|r| r.full_name());
        Ok(self.with(|l| {
            l.admit(
                envelope.source.as_str(),
                envelope.organisation.as_deref(),
                repository.as_deref(),
                now_ms,
            )
        }))
    }
}
