//! `OrgRateLimiter`: one object per organisation holds the sliding windows of the
//! organisation and all its repositories, so both limits are decided together and
//! atomically (a Durable Object handles one request at a time). The arithmetic is
//! `reviewgate_ingress::rate_limit::OrgLimiter`; the answer is its `Decision`.
//!
//! State is in memory: an object idle longer than a rate-limit window is the only
//! kind that gets evicted, and such an object has nothing left to remember.

use std::cell::RefCell;

use reviewgate_ingress::rate_limit::{Limits, OrgLimiter};
use serde::{Deserialize, Serialize};
use worker::{Date, DurableObject, Env, Request, Response, Result, State, durable_object};

/// A request: admit one delivery for `repository` under these limits.
#[derive(Debug, Serialize, Deserialize)]
pub struct AdmitRequest {
    /// `owner/name`, when the event has a repository.
    pub repository: Option<String>,
    /// Per-repository limit.
    pub per_repository: u32,
    /// Per-organisation limit.
    pub per_organisation: u32,
    /// Window, milliseconds.
    pub window_ms: u64,
}

/// The Durable Object.
#[durable_object(fetch)]
pub struct OrgRateLimiter {
    limiter: RefCell<Option<(Limits, OrgLimiter)>>,
}

impl DurableObject for OrgRateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        OrgRateLimiter {
            limiter: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let ask: AdmitRequest = req.json().await?;
        let limits = Limits {
            per_repository: ask.per_repository,
            per_organisation: ask.per_organisation,
            window_ms: ask.window_ms,
            ..Limits::default()
        };
        let mut slot = self.limiter.borrow_mut();
        // Limits only change on a redeploy; start afresh then.
        if slot.as_ref().is_none_or(|(l, _)| *l != limits) {
            *slot = Some((limits, OrgLimiter::new(limits)));
        }
        let (_, limiter) = slot.as_mut().expect("the limiter was just set");
        let decision = limiter.admit(ask.repository.as_deref(), Date::now().as_millis());
        Response::from_json(&decision)
    }
}
