//! The Worker's [`RateLimiter`]: the organisation's limiter object and the event's
//! global shard, asked at once, and the failed-authentication limiter object, whose
//! blocks each isolate also remembers so that a blocked client's further failures are
//! refused without an object call.

use std::cell::RefCell;
use std::collections::HashMap;

use reviewgate_ingress::EventEnvelope;
use reviewgate_ingress::ports::{PortError, RateLimiter};
use reviewgate_ingress::rate_limit::{Decision, Limits, global_shard, global_shard_limit};
use worker::Env;

use crate::config;
use crate::global_limiter::WindowRequest;
use crate::objects::call_object;
use crate::org_limiter::AdmitRequest;

thread_local! {
    /// Clients (IP and source) this isolate has seen blocked for failed
    /// authentication, with the time (ms) the block ends.
    static BLOCKED: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
}

/// Past this many remembered blocks, lapsed ones are dropped.
const BLOCKED_PRUNE_ABOVE: usize = 10_000;

/// The limits, held by Durable Objects.
pub struct DurableLimiter<'a> {
    env: &'a Env,
    limits: Limits,
}

impl<'a> DurableLimiter<'a> {
    /// The limiter under `limits`.
    pub fn new(env: &'a Env, limits: Limits) -> DurableLimiter<'a> {
        DurableLimiter { env, limits }
    }
}

impl RateLimiter for DurableLimiter<'_> {
    async fn client_blocked(&self, client: &str, now_ms: u64) -> Option<u64> {
        let until = BLOCKED.with(|b| b.borrow().get(client).copied())?;
        if until > now_ms {
            return Some((until - now_ms).div_ceil(1000).max(1));
        }
        BLOCKED.with(|b| b.borrow_mut().remove(client));
        None
    }

    async fn record_auth_failure(&self, client: &str, now_ms: u64) {
        let ask = WindowRequest {
            limit: self.limits.auth_failures_per_ip,
            window_ms: self.limits.window_ms,
        };
        let name = format!("client:{client}");
        match call_object::<Option<u64>>(self.env, config::AUTH_FAILURES, &name, &ask).await {
            Ok(Some(blocked_secs)) => BLOCKED.with(|b| {
                let mut b = b.borrow_mut();
                if b.len() > BLOCKED_PRUNE_ABOVE {
                    b.retain(|_, until| *until > now_ms);
                }
                b.insert(client.to_owned(), now_ms + blocked_secs * 1000);
            }),
            Ok(None) => {}
            Err(e) => worker::console_error!("auth-failure limiter unavailable: {e}"),
        }
    }

    /// A delivery refused by one object may have been counted by the other; that
    /// errs towards refusing, never towards admitting more.
    async fn admit(&self, envelope: &EventEnvelope, _now_ms: u64) -> Result<Decision, PortError> {
        let limits = self.limits;
        let org = envelope.organisation.as_deref().unwrap_or("-");
        let org_request = AdmitRequest {
            repository: envelope.repository.as_ref().map(|r| r.full_name()),
            per_repository: limits.per_repository,
            per_organisation: limits.per_organisation,
            window_ms: limits.window_ms,
        };
        let shard = global_shard(&envelope.id);
        let global_request = WindowRequest {
            limit: global_shard_limit(limits.global, shard),
            window_ms: limits.window_ms,
        };
        let org_name = format!("{}:{org}", envelope.source.as_str());
        let global_name = format!("global-{shard}");
        let (org_answer, global_answer) = futures_util::future::join(
            call_object::<Decision>(self.env, config::ORG_LIMITER, &org_name, &org_request),
            call_object::<Decision>(
                self.env,
                config::GLOBAL_LIMITER,
                &global_name,
                &global_request,
            ),
        )
        .await;
        match org_answer? {
            Decision::Allow => global_answer,
            refused => Ok(refused),
        }
    }
}
