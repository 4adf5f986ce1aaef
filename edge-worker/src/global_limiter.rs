//! `GlobalRateLimiter`: one shard of the global limit. The global limit is split
//! evenly over `reviewgate_ingress::rate_limit::GLOBAL_SHARDS` objects and each
//! delivery goes to the shard its event id hashes to, so the global count is spread
//! over several objects instead of one hot object that every request would queue on.

use std::cell::RefCell;

use reviewgate_ingress::rate_limit::{LimitScope, SlidingWindow};
use serde::{Deserialize, Serialize};
use worker::{Date, DurableObject, Env, Request, Response, Result, State, durable_object};

/// A request: admit one delivery under `limit` per `window_ms`.
#[derive(Debug, Serialize, Deserialize)]
pub struct WindowRequest {
    /// This shard's share of the limit.
    pub limit: u32,
    /// Window, milliseconds.
    pub window_ms: u64,
}

/// One sliding window whose limit and length come with each request; also the
/// state of [`crate::auth_failures::AuthFailureLimiter`]. A changed limit (a
/// redeployed configuration) starts a fresh window.
#[derive(Default)]
pub(crate) struct RequestedWindow(RefCell<Option<(u32, u64, SlidingWindow)>>);

impl RequestedWindow {
    /// Reads a [`WindowRequest`] and runs `f` on the window it names.
    pub(crate) async fn with<T>(
        &self,
        mut req: Request,
        f: impl FnOnce(&mut SlidingWindow) -> T,
    ) -> Result<T> {
        let ask: WindowRequest = req.json().await?;
        let mut slot = self.0.borrow_mut();
        let window = match slot.as_mut() {
            Some((limit, window_ms, window))
                if (*limit, *window_ms) == (ask.limit, ask.window_ms) =>
            {
                window
            }
            _ => {
                let (_, _, window) = slot.insert((
                    ask.limit,
                    ask.window_ms,
                    SlidingWindow::new(ask.limit, ask.window_ms),
                ));
                window
            }
        };
        Ok(f(window))
    }
}

/// The Durable Object.
#[durable_object(fetch)]
pub struct GlobalRateLimiter {
    window: RequestedWindow,
}

impl DurableObject for GlobalRateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        GlobalRateLimiter {
            window: RequestedWindow::default(),
        }
    }

    /// Answers a `Decision`: whether one more event fits this shard's share.
    async fn fetch(&self, req: Request) -> Result<Response> {
        let now = Date::now().as_millis();
        let decision = self
            .window
            .with(req, |w| w.admit(now, LimitScope::Global))
            .await?;
        Response::from_json(&decision)
    }
}
