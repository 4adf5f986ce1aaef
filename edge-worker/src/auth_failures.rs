//! `AuthFailureLimiter`: counts failed authentications per client IP (one object per
//! IP). Each failure is recorded here; once an IP is over its limit the answer says so
//! and the isolate that asked remembers the block locally, so further requests from
//! that IP are refused before any verification work or Durable Object call.

use std::cell::RefCell;

use reviewgate_ingress::rate_limit::SlidingWindow;
use worker::{Date, DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::global_limiter::WindowRequest;
use crate::org_limiter::AdmitAnswer;

/// The Durable Object.
#[durable_object(fetch)]
pub struct AuthFailureLimiter {
    window: RefCell<Option<(u32, u64, SlidingWindow)>>,
}

impl DurableObject for AuthFailureLimiter {
    fn new(_state: State, _env: Env) -> Self {
        AuthFailureLimiter {
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
        let decision = window.admit(Date::now().as_millis(), "client_ip");
        Response::from_json(&AdmitAnswer::from(decision))
    }
}
