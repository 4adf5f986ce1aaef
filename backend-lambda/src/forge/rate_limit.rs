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
/// The longest wait a header is believed to announce. No host's budget window is
/// longer than an hour (GitHub's primary limit); a header beyond a day is broken or
/// hostile, and to a caller that waits at most minutes a day is as good as forever.
/// Clamping keeps the arithmetic on times and durations from overflowing.
const MAX_ANNOUNCED_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

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

    /// Notes an answer (received at `now`) that used the last request of the
    /// budget, so that the next request waits for the reset instead of being refused.
    pub fn remember_exhausted_budget(&self, headers: &HeaderMap, now: SystemTime) {
        let Some(names) = self.headers else {
            return;
        };
        let remaining = header_seconds(headers, names.remaining);
        let reset = header_seconds(headers, names.reset);
        let mut blocked = self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match (remaining, reset) {
            (Some(0), Some(reset)) => {
                *blocked = Some(now + until_reset(reset, now) + RESET_MARGIN);
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
    if let Some(wait) = retry_after(headers, now) {
        return Some(wait);
    }
    let names = names?;
    if header_seconds(headers, names.remaining) == Some(0) {
        let reset = header_seconds(headers, names.reset)?;
        return Some(until_reset(reset, now) + RESET_MARGIN);
    }
    None
}

/// `Retry-After` as seconds or as an HTTP date (RFC 9110 allows both), clamped to
/// [`MAX_ANNOUNCED_WAIT`]; a date in the past is no wait.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(seconds) = header_seconds(headers, RETRY_AFTER.as_str()) {
        return Some(Duration::from_secs(seconds).min(MAX_ANNOUNCED_WAIT));
    }
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    let date = chrono::DateTime::parse_from_rfc2822(text.trim()).ok()?;
    let at = SystemTime::from(date.with_timezone(&chrono::Utc));
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_ANNOUNCED_WAIT),
    )
}

/// The time from `now` to a reset announced in Unix seconds, clamped to
/// [`MAX_ANNOUNCED_WAIT`]; a reset in the past is no wait. Never overflows, whatever
/// the number.
fn until_reset(reset_unix_secs: u64, now: SystemTime) -> Duration {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(reset_unix_secs))
        .map_or(MAX_ANNOUNCED_WAIT, |reset| {
            reset.duration_since(now).unwrap_or(Duration::ZERO)
        })
        .min(MAX_ANNOUNCED_WAIT)
}

/// A header holding a count or a number of seconds: digits (a fraction is rounded
/// up, as some proxies send `1.5`), saturating at `u64::MAX` when too large for it.
/// Anything else — negative, empty, words — is no number: the header is ignored,
/// never a reason to fail or panic.
fn header_seconds(headers: &HeaderMap, name: &str) -> Option<u64> {
    parse_seconds(headers.get(name)?.to_str().ok()?)
}

fn parse_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let value = whole.bytes().fold(0u64, |n, digit| {
        n.saturating_mul(10).saturating_add(u64::from(digit - b'0'))
    });
    let round_up = fraction.bytes().any(|b| b != b'0');
    Some(value.saturating_add(u64::from(round_up)))
}

/// The error for a wait longer than the client may wait: retry after it, in whole
/// seconds rounded up.
fn rate_limited(wait: Duration) -> ForgeError {
    ForgeError::RateLimited {
        retry_after_secs: wait
            .as_secs()
            .saturating_add(u64::from(wait.subsec_nanos() > 0)),
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

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        headers
    }

    #[test]
    fn numbers_in_headers_saturate_and_garbage_is_ignored() {
        let max = u64::MAX.to_string();
        let huge = "9".repeat(60);
        let cases: [(&str, Option<u64>); 13] = [
            ("42", Some(42)),
            (" 7 ", Some(7)),
            ("1.5", Some(2)),
            ("3.0", Some(3)),
            (&max, Some(u64::MAX)),
            (&huge, Some(u64::MAX)),
            ("18446744073709551616", Some(u64::MAX)),
            ("-1", None),
            ("-18446744073709551615", None),
            ("", None),
            ("soon", None),
            ("1e9", None),
            ("0x10", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_seconds(text), expected, "{text:?}");
        }
    }

    #[test]
    fn absurd_resets_and_retry_afters_are_clamped_not_panics() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let max = u64::MAX.to_string();
        let huge = "9".repeat(40);
        for reset in [max.as_str(), huge.as_str(), "99999999999999"] {
            let exhausted =
                headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset)]);
            assert_eq!(
                rate_limit_wait(&exhausted, GITHUB, now),
                Some(MAX_ANNOUNCED_WAIT + RESET_MARGIN),
                "{reset}"
            );
            let limits = RateLimits::new("GitHub", GITHUB);
            limits.remember_exhausted_budget(&exhausted, now);
            let until = limits
                .blocked_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .expect("blocked");
            assert_eq!(until, now + MAX_ANNOUNCED_WAIT + RESET_MARGIN);
        }
        for retry in [max.as_str(), huge.as_str()] {
            assert_eq!(
                rate_limit_wait(&headers(&[("retry-after", retry)]), None, now),
                Some(MAX_ANNOUNCED_WAIT)
            );
        }
        // Garbage is no announcement at all.
        for garbage in ["-5", "later", "", "NaN", "1;DROP"] {
            let announced = headers(&[
                ("retry-after", garbage),
                ("x-ratelimit-remaining", garbage),
                ("x-ratelimit-reset", garbage),
            ]);
            assert_eq!(rate_limit_wait(&announced, GITHUB, now), None, "{garbage}");
            let limits = RateLimits::new("GitHub", GITHUB);
            limits.remember_exhausted_budget(&announced, now);
            assert!(limits.blocked_until.lock().expect("lock").is_none());
        }
        // A reset before 1970 or in the past is no wait.
        let past = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "0")]);
        assert_eq!(rate_limit_wait(&past, GITHUB, now), Some(RESET_MARGIN));
        // The longest wait still makes an error with a number in it.
        let error = rate_limited(Duration::MAX);
        assert!(
            matches!(error, ForgeError::RateLimited { retry_after_secs } if retry_after_secs == u64::MAX),
            "{error:?}"
        );
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00
        let later = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]);
        assert_eq!(
            rate_limit_wait(&later, None, now),
            Some(Duration::from_secs(30))
        );
        let earlier = headers(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]);
        assert_eq!(rate_limit_wait(&earlier, None, now), Some(Duration::ZERO));
        let far = headers(&[("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")]);
        assert_eq!(rate_limit_wait(&far, None, now), Some(MAX_ANNOUNCED_WAIT));
    }
}
