//! A code host's rate limit as one client sees it: a refused request waits for the
//! announced reset (`Retry-After`, else the host's `*-remaining` / `*-reset`
//! headers) up to a bound the caller sets, and an answer that used the last request
//! of the budget makes the next request wait instead of being refused. Beyond the
//! bound the caller gets [`ForgeError::RateLimited`] and decides (the event is
//! deferred).

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::error::ForgeError;

/// How long a request may wait for a rate limit to reset unless configured otherwise:
/// longer than this, and a Lambda is better off deferring the event.
pub const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// How many times one request waits out a rate limit before giving up: a limit
/// that is still exhausted after its announced reset is not worth a fourth wait.
const RATE_LIMIT_WAITS: u32 = 3;
/// A refusal that names no wait (GitHub's secondary limits, Bitbucket's 429s): wait
/// at least a minute, as GitHub documents.
const UNANNOUNCED_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Added to a reset time: reset headers have one-second resolution and the host's
/// clock is not ours, so retrying at the exact second can be early.
const RESET_MARGIN: Duration = Duration::from_millis(100);

/// Which headers announce a host's remaining budget and its reset (Unix seconds).
#[derive(Clone, Copy, Debug)]
pub(super) struct RateLimitHeaders {
    pub remaining: &'static str,
    pub reset: &'static str,
}

/// One client's view of a host's rate limit: how the host announces it, how long
/// a request may wait for it, and until when the host would refuse requests.
#[derive(Debug)]
pub(super) struct RateLimits {
    /// The host's name for log lines (`GitHub`).
    host: &'static str,
    headers: Option<RateLimitHeaders>,
    max_wait: Duration,
    /// Set when an answer said the budget is used up: the host would refuse
    /// anything sent before this time, and each refusal makes a stricter limit likelier.
    blocked_until: Mutex<Option<SystemTime>>,
}

impl RateLimits {
    /// A host whose budget `headers` announce (none: only `Retry-After`), with the
    /// default bound on waits.
    pub fn new(host: &'static str, headers: Option<RateLimitHeaders>) -> RateLimits {
        RateLimits {
            host,
            headers,
            max_wait: DEFAULT_MAX_RATE_LIMIT_WAIT,
            blocked_until: Mutex::new(None),
        }
    }

    /// The host's name, as log lines give it.
    pub fn host(&self) -> &'static str {
        self.host
    }

    /// The longest a request waits for a reset before failing.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Sets [`Self::max_wait`].
    pub fn set_max_wait(&mut self, max: Duration) {
        self.max_wait = max;
    }

    /// Notes an answer that used the last request of the budget, so that the next
    /// request waits for the reset instead of being refused.
    pub fn remember_exhausted_budget(&self, headers: &HeaderMap) {
        let Some(names) = self.headers else {
            return;
        };
        let remaining = header_u64(headers, names.remaining);
        let reset = header_u64(headers, names.reset);
        let mut blocked = self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match (remaining, reset) {
            (Some(0), Some(reset)) => {
                *blocked = Some(UNIX_EPOCH + Duration::from_secs(reset) + RESET_MARGIN);
            }
            (Some(_), _) => *blocked = None,
            (None, _) => {}
        }
    }

    /// Sleeps until a reset announced by an earlier answer, or fails at once when
    /// that is further away than the client may wait.
    pub async fn wait_for_announced_reset(&self) -> Result<(), ForgeError> {
        let blocked_until = *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(until) = blocked_until else {
            return Ok(());
        };
        if let Ok(wait) = until.duration_since(SystemTime::now()) {
            if wait > self.max_wait {
                return Err(rate_limited(wait));
            }
            tracing::warn!(
                host = self.host,
                wait_ms = millis(wait),
                "rate limit used up: waiting for the reset"
            );
            tokio::time::sleep(wait).await;
        }
        self.forget_reset();
        Ok(())
    }

    /// The wait an answer announces: `Retry-After` (seconds) first, else the reset
    /// when the remaining budget is 0.
    pub fn announced_wait(&self, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
        rate_limit_wait(headers, self.headers, now)
    }

    /// Sleeps through the `wait` a refusal asked for, the `waits`-th time for this
    /// request; or, when that wait is longer than the client may wait or the
    /// request has waited often enough, fails with [`ForgeError::RateLimited`].
    pub async fn wait_out(
        &self,
        operation: &'static str,
        wait: Duration,
        waits: &mut u32,
    ) -> Result<(), ForgeError> {
        if wait > self.max_wait || *waits >= RATE_LIMIT_WAITS {
            return Err(rate_limited(wait));
        }
        *waits += 1;
        tracing::warn!(
            operation,
            host = self.host,
            wait_ms = millis(wait),
            "rate limit: waiting for the reset"
        );
        tokio::time::sleep(wait).await;
        // The wait covered the announced reset.
        self.forget_reset();
        Ok(())
    }

    fn forget_reset(&self) {
        *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// The wait a refused answer with `status` asks for, or `None` when the refusal
/// is not a rate limit. A 403 without rate-limit headers (`announced`) is a
/// permission problem, unless the host's `message` says it is a (secondary) limit.
pub(super) fn refusal_wait(
    status: StatusCode,
    announced: Option<Duration>,
    message: &str,
) -> Option<Duration> {
    match status {
        StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => announced.or_else(|| {
            let limited = status == StatusCode::TOO_MANY_REQUESTS
                || message.to_ascii_lowercase().contains("rate limit");
            limited.then_some(UNANNOUNCED_RATE_LIMIT_WAIT)
        }),
        _ => None,
    }
}

fn rate_limit_wait(
    headers: &HeaderMap,
    names: Option<RateLimitHeaders>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(seconds) = header_u64(headers, RETRY_AFTER.as_str()) {
        return Some(Duration::from_secs(seconds));
    }
    let names = names?;
    if header_u64(headers, names.remaining) == Some(0) {
        let reset = UNIX_EPOCH + Duration::from_secs(header_u64(headers, names.reset)?);
        return Some(reset.duration_since(now).unwrap_or(Duration::ZERO) + RESET_MARGIN);
    }
    None
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The error for a wait longer than the client may wait: retry after it, in whole
/// seconds rounded up.
fn rate_limited(wait: Duration) -> ForgeError {
    ForgeError::RateLimited {
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

fn millis(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    const GITHUB: Option<RateLimitHeaders> = Some(RateLimitHeaders {
        remaining: "x-ratelimit-remaining",
        reset: "x-ratelimit-reset",
    });

    #[test]
    fn retry_after_wins_over_the_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1030"));
        assert_eq!(
            rate_limit_wait(&headers, GITHUB, now),
            Some(Duration::from_secs(30) + RESET_MARGIN)
        );
        // A host whose reset headers are named otherwise does not read GitHub's.
        assert_eq!(rate_limit_wait(&headers, None, now), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        assert_eq!(
            rate_limit_wait(&headers, GITHUB, now),
            Some(Duration::from_secs(5))
        );
        let mut budget_left = HeaderMap::new();
        budget_left.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        assert_eq!(rate_limit_wait(&budget_left, GITHUB, now), None);
    }
}
