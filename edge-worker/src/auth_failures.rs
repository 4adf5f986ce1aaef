//! `AuthFailureLimiter`: counts failed authentications per client — IP and source —
//! (one object per client). Each failure is counted here; the answer is how long the
//! client is now blocked (`null` while under its limit), which the isolate that asked
//! remembers, so its further failures are refused without an object call. Requests
//! that verify are never refused by a block.

use worker::{Date, DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::global_limiter::RequestedWindow;

/// The Durable Object.
#[durable_object(fetch)]
pub struct AuthFailureLimiter {
    window: RequestedWindow,
}

impl DurableObject for AuthFailureLimiter {
    fn new(_state: State, _env: Env) -> Self {
        AuthFailureLimiter {
            window: RequestedWindow::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let now = Date::now().as_millis();
        let blocked_secs = self.window.with(req, |w| w.count_failure(now)).await?;
        Response::from_json(&blocked_secs)
    }
}
