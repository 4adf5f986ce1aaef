//! The per-key request limit of `/api` that this process counts for itself, kept in
//! [`AppState`]. (Webhooks get the edge's limits, held in this process by
//! `reviewgate_ingress::process_limiter::SharedProcessLimiter`.) On Lambda each instance
//! counts alone; exact limits across instances are the edge's job.
//!
//! [`AppState`]: super::AppState

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Fixed one-minute windows per key: enough to stop a runaway client; precise
/// limits belong to the edge.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// `per_minute` requests per key per minute; 0 disables the limit.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request; `false` when the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let Ok(mut windows) = self.windows.lock() else {
            return true;
        };
        let now = Instant::now();
        let window = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(window.0) >= Duration::from_secs(60) {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_counts_per_key() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.allow("a"));
        assert!(limiter.allow("a"));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
    }
}
