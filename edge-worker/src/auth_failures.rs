//! `AuthFailureLimiter`: counts failed authentications per client IP (one object per
//! IP). Each failure is recorded here; once an IP is over its limit the answer says so
//! and the isolate that asked remembers the block locally, so further requests from
//! that IP are refused before any verification work or Durable Object call.

use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

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
        self.window.admit(req, "client_ip").await
    }
}
