//! `GlobalRateLimiter`: one shard of the global limit. The global limit is split
//! evenly over `reviewgate_ingress::rate_limit::GLOBAL_SHARDS` objects and each
//! delivery goes to the shard its event id hashes to, so the global count is spread
//! over several objects instead of one hot object that every request would queue on.

use std::cell::RefCell;

use reviewgate_ingress::rate_limit::SlidingWindow;
use serde::{Deserialize, Serialize};
use worker::{Date, DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::org_limiter::AdmitAnswer;

/// A request: admit one delivery under `limit` per `window_ms`.
#[derive(Debug, Serialize, Deserialize)]
pub struct WindowRequest {
    /// This shard's share of the limit.
    pub limit: u32,
    /// Window, milliseconds.
    pub window_ms: u64,
}

/// The Durable Object.
#[durable_object(fetch)]
pub struct GlobalRateLimiter {
    window: RefCell<Option<(u32, u64, SlidingWindow)>>,
}

impl DurableObject for GlobalRateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        GlobalRateLimiter {
            window: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let ask: WindowRequest = req.json().await?;
        let mut slot = self.window.borrow_mut();
        if slot
            .as_ref()
            .is_none_or(|(l, w, _)| (*l, *w) != (ask.limit, ask.window_ms))
        {
            *slot = Some((
                ask.limit,
                ask.window_ms,
                SlidingWindow::new(ask.limit, ask.window_ms),
            ));
        }
        let (_, _, window) = slot.as_mut().expect("the window was just set");
        let decision = window.admit(Date::now().as_millis(), "global");
        Response::from_json(&AdmitAnswer::from(decision))
    }
}
