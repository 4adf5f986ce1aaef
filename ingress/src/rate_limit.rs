//! Rate-limit decisions, independent of where their state lives.
//!
//! Each limit is a sliding-window log: the times of the requests admitted in the last
//! window. A request is admitted when fewer than `limit` were admitted in the window
//! ending now, so a burst is cut at exactly `limit` wherever it falls — unlike fixed
//! windows, which admit up to twice the limit across a boundary. The log holds at most
//! `limit` entries per key. The Worker keeps one [`OrgLimiter`] per organisation in a
//! Durable Object (repository and organisation counts decided together, atomically),
//! and the global limit in [`GLOBAL_SHARDS`] objects that each hold a share of it.

use std::collections::{HashMap, VecDeque};

/// How many Durable Objects share the global limit; see [`global_shard`].
pub const GLOBAL_SHARDS: u32 = 8;

/// Configured limits, requests per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Per repository.
    pub per_repository: u32,
    /// Per organisation.
    pub per_organisation: u32,
    /// Across everything.
    pub global: u32,
    /// Failed authentications per client IP.
    pub auth_failures_per_ip: u32,
    /// Window length, milliseconds.
    pub window_ms: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_repository: 100,
            per_organisation: 1_000,
            global: 10_000,
            auth_failures_per_ip: 20,
            window_ms: 60_000,
        }
    }
}

/// Which limit refused a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitScope {
    /// Deliveries about one repository.
    Repository,
    /// Deliveries of one organisation (per source).
    Organisation,
    /// Every delivery.
    Global,
    /// Failed authentications from one client IP.
    ClientIp,
}

impl LimitScope {
    /// The name in messages and logs (`repository`, `organisation`, `global`, `client_ip`).
    pub fn as_str(self) -> &'static str {
        match self {
            LimitScope::Repository => "repository",
            LimitScope::Organisation => "organisation",
            LimitScope::Global => "global",
            LimitScope::ClientIp => "client_ip",
        }
    }
}

/// The outcome of a rate-limit check. Serializable because the Worker's limiter
/// objects answer with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Admitted (and counted).
    Allow,
    /// Refused; the earliest retry that can succeed is `retry_after_secs` away.
    Limit {
        /// Seconds to wait (at least 1), for `Retry-After`.
        retry_after_secs: u64,
        /// Which limit refused.
        scope: LimitScope,
    },
}

/// A sliding-window log for one key.
#[derive(Debug, Clone)]
pub struct SlidingWindow {
    limit: u32,
    window_ms: u64,
    admitted: VecDeque<u64>,
}

impl SlidingWindow {
    /// An empty window admitting `limit` per `window_ms`.
    pub fn new(limit: u32, window_ms: u64) -> SlidingWindow {
        SlidingWindow {
            limit,
            window_ms,
            admitted: VecDeque::new(),
        }
    }

    fn expire(&mut self, now_ms: u64) {
        while let Some(&t) = self.admitted.front() {
            if t.saturating_add(self.window_ms) <= now_ms {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
    }

    /// `None` when one more request fits now, otherwise the seconds until one does.
    pub fn wait_secs(&mut self, now_ms: u64) -> Option<u64> {
        self.expire(now_ms);
        if self.admitted.len() < self.limit as usize {
            return None;
        }
        // With `limit` entries logged, a slot frees when the one `limit` places back
        // expires; a limit of 0 never frees, so wait a whole window.
        let freeing = self
            .admitted
            .len()
            .checked_sub(self.limit as usize)
            .and_then(|i| self.admitted.get(i))
            .map_or(now_ms + self.window_ms, |&t| t + self.window_ms);
        Some(freeing.saturating_sub(now_ms).div_ceil(1000).max(1))
    }

    /// Counts one request at `now_ms` (callers check first).
    pub fn record(&mut self, now_ms: u64) {
        self.admitted.push_back(now_ms);
    }

    /// Checks and, when it fits, counts one request.
    pub fn admit(&mut self, now_ms: u64, scope: LimitScope) -> Decision {
        match self.wait_secs(now_ms) {
            None => {
                self.record(now_ms);
                Decision::Allow
            }
            Some(retry_after_secs) => Decision::Limit {
                retry_after_secs,
                scope,
            },
        }
    }

    /// Counts one failure (a failed authentication) and answers how long the client
    /// is now blocked: `None` while fewer than `limit` failures lie in the window. A
    /// failure past the limit is not logged, so the log never outgrows the limit
    /// however many failures a blocked client sends to hosts that do not know yet.
    pub fn count_failure(&mut self, now_ms: u64) -> Option<u64> {
        if self.wait_secs(now_ms).is_none() {
            self.record(now_ms);
        }
        self.wait_secs(now_ms)
    }

    /// Whether nothing is left in the window (the key can be forgotten).
    pub fn is_idle(&mut self, now_ms: u64) -> bool {
        self.expire(now_ms);
        self.admitted.is_empty()
    }
}

/// The limits of one organisation and its repositories, decided together so that a
/// request refused by one limit is not counted against the other.
#[derive(Debug, Clone)]
pub struct OrgLimiter {
    limits: Limits,
    organisation: SlidingWindow,
    repositories: HashMap<String, SlidingWindow>,
}

impl OrgLimiter {
    /// An empty limiter.
    pub fn new(limits: Limits) -> OrgLimiter {
        OrgLimiter {
            limits,
            organisation: SlidingWindow::new(limits.per_organisation, limits.window_ms),
            repositories: HashMap::new(),
        }
    }

    /// Admits one request for `repository` (when the event has one) at `now_ms`.
    pub fn admit(&mut self, repository: Option<&str>, now_ms: u64) -> Decision {
        // Forget idle repositories so that the map stays as small as the active set.
        if self.repositories.len() > 64 {
            self.repositories.retain(|_, w| !w.is_idle(now_ms));
        }
        let limits = self.limits;
        let repo_window = repository.map(|name| {
            self.repositories
                .entry(name.to_owned())
                .or_insert_with(|| SlidingWindow::new(limits.per_repository, limits.window_ms))
        });
        let repo_wait = match repo_window {
            Some(w) => w.wait_secs(now_ms),
            None => None,
        };
        if let Some(retry_after_secs) = repo_wait {
            return Decision::Limit {
                retry_after_secs,
                scope: LimitScope::Repository,
            };
        }
        if let Some(retry_after_secs) = self.organisation.wait_secs(now_ms) {
            return Decision::Limit {
                retry_after_secs,
                scope: LimitScope::Organisation,
            };
        }
        self.organisation.record(now_ms);
        if let Some(w) = repository.and_then(|name| self.repositories.get_mut(name)) {
            w.record(now_ms);
        }
        Decision::Allow
    }

    /// Whether nothing is left to remember: the organisation's window is empty.
    pub fn is_idle(&mut self, now_ms: u64) -> bool {
        self.organisation.is_idle(now_ms)
    }
}

/// Every limit of one process, for a server that is the only intake (`reviewgate
/// serve`): the Worker's objects' windows, held in one place. Keyed like the Worker:
/// organisations per source, client IPs for failed authentications.
#[derive(Debug, Clone)]
pub struct ProcessLimiter {
    limits: Limits,
    organisations: HashMap<String, OrgLimiter>,
    global: SlidingWindow,
    auth_failures: HashMap<String, SlidingWindow>,
}

/// Past this many keys, idle ones are dropped on the next request.
const PRUNE_ABOVE: usize = 1_024;

impl ProcessLimiter {
    /// Empty windows under `limits`.
    pub fn new(limits: Limits) -> ProcessLimiter {
        ProcessLimiter {
            limits,
            organisations: HashMap::new(),
            global: SlidingWindow::new(limits.global, limits.window_ms),
            auth_failures: HashMap::new(),
        }
    }

    /// Admits one event of `organisation` (keyed by `source` too, as providers'
    /// names may collide) and `repository`. Refused by any limit, it counts for none.
    pub fn admit(
        &mut self,
        source: &str,
        organisation: Option<&str>,
        repository: Option<&str>,
        now_ms: u64,
    ) -> Decision {
        if let Some(retry_after_secs) = self.global.wait_secs(now_ms) {
            return Decision::Limit {
                retry_after_secs,
                scope: LimitScope::Global,
            };
        }
        if self.organisations.len() > PRUNE_ABOVE {
            self.organisations.retain(|_, o| !o.is_idle(now_ms));
        }
        let limits = self.limits;
        let decision = self
            .organisations
            .entry(format!("{source}:{}", organisation.unwrap_or("-")))
            .or_insert_with(|| OrgLimiter::new(limits))
            .admit(repository, now_ms);
        if decision == Decision::Allow {
            self.global.record(now_ms);
        }
        decision
    }

    /// When `client` (an IP and a source) has failed authentication
    /// `auth_failures_per_ip` times within the window: the seconds until its failures
    /// are counted again.
    pub fn blocked(&mut self, client: &str, now_ms: u64) -> Option<u64> {
        self.auth_failures
            .get_mut(client)
            .and_then(|w| w.wait_secs(now_ms))
    }

    /// Counts one failed authentication of `client`; answers how long it is now
    /// blocked (see [`SlidingWindow::count_failure`]).
    pub fn record_auth_failure(&mut self, client: &str, now_ms: u64) -> Option<u64> {
        if self.auth_failures.len() > PRUNE_ABOVE {
            self.auth_failures.retain(|_, w| !w.is_idle(now_ms));
        }
        let limits = self.limits;
        self.auth_failures
            .entry(client.to_owned())
            .or_insert_with(|| SlidingWindow::new(limits.auth_failures_per_ip, limits.window_ms))
            .count_failure(now_ms)
    }
}

/// FNV-1a, a stable hash for choosing shards (the same on every platform and build).
pub fn stable_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The global-limit shard for an event: spread by event id so that every shard sees
/// about the same load and none becomes a hot object.
pub fn global_shard(event_id: &str) -> u32 {
    (stable_hash(event_id) % u64::from(GLOBAL_SHARDS)) as u32
}

/// The share of `global` that `shard` enforces; the shares add up to `global` exactly.
pub fn global_shard_limit(global: u32, shard: u32) -> u32 {
    let base = global / GLOBAL_SHARDS;
    base + u32::from(shard < global % GLOBAL_SHARDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_process_holds_every_limit_and_refusals_count_for_none() {
        let mut p = ProcessLimiter::new(Limits {
            per_repository: 3,
            per_organisation: 5,
            global: 7,
            auth_failures_per_ip: 2,
            window_ms: 60_000,
        });
        let admit = |p: &mut ProcessLimiter, org: &str, repo: &str, t: u64| match p.admit(
            "github",
            Some(org),
            Some(repo),
            t,
        ) {
            Decision::Allow => "ok",
            Decision::Limit { scope, .. } => scope.as_str(),
        };
        let first: Vec<_> = (0..4).map(|i| admit(&mut p, "acme", "infra", i)).collect();
        assert_eq!(first, ["ok", "ok", "ok", "repository"]);
        let more: Vec<_> = (0..3)
            .map(|i| admit(&mut p, "acme", "web", 10 + i))
            .collect();
        assert_eq!(more, ["ok", "ok", "organisation"]);
        // 5 admitted so far; the global limit of 7 stops the third of another org.
        let other: Vec<_> = (0..3)
            .map(|i| admit(&mut p, "other", "x", 20 + i))
            .collect();
        assert_eq!(other, ["ok", "ok", "global"]);
        // The same organisation name from another source is another organisation,
        // but the global limit still holds.
        assert_eq!(
            p.admit("gitlab", Some("acme"), Some("infra"), 30),
            Decision::Limit {
                retry_after_secs: 60,
                scope: LimitScope::Global
            }
        );
        // A minute after the first admission, its slot frees.
        assert_eq!(admit(&mut p, "other", "x", 60_000), "ok");

        assert_eq!(p.blocked("192.0.2.1", 0), None);
        assert_eq!(p.record_auth_failure("192.0.2.1", 0), None);
        assert_eq!(p.blocked("192.0.2.1", 1), None);
        assert_eq!(
            p.record_auth_failure("192.0.2.1", 1_000),
            Some(59),
            "the limit-th failure blocks"
        );
        assert_eq!(p.blocked("192.0.2.1", 2_000), Some(58));
        // Failures while blocked are not logged: the block ends when the window
        // slides past the first two, not later.
        for t in 2_000..2_100 {
            p.record_auth_failure("192.0.2.1", t);
        }
        assert_eq!(p.blocked("192.0.2.2", 2_000), None, "per client IP");
        assert_eq!(p.blocked("192.0.2.1", 60_000), None, "failures age out");
    }

    #[test]
    fn a_burst_is_cut_at_exactly_the_limit_and_slots_free_as_the_window_slides() {
        let mut w = SlidingWindow::new(100, 60_000);
        let admitted = (0..120)
            .filter(|i| w.admit(1_000 + i * 10, LimitScope::Repository) == Decision::Allow)
            .count();
        assert_eq!(admitted, 100);
        // The first admitted request (t=1000) leaves the window at t=61000.
        assert_eq!(
            w.admit(2_000, LimitScope::Repository),
            Decision::Limit {
                retry_after_secs: 59,
                scope: LimitScope::Repository
            }
        );
        assert_eq!(w.admit(61_000, LimitScope::Repository), Decision::Allow);
        assert!(matches!(
            w.admit(61_001, LimitScope::Repository),
            Decision::Limit { .. }
        ));
    }

    #[test]
    fn no_boundary_doubling_unlike_fixed_windows() {
        let mut w = SlidingWindow::new(10, 60_000);
        let first = (0..10)
            .filter(|_| w.admit(59_999, LimitScope::Global) == Decision::Allow)
            .count();
        let second = (0..10)
            .filter(|_| w.admit(60_001, LimitScope::Global) == Decision::Allow)
            .count();
        assert_eq!((first, second), (10, 0));
    }

    #[test]
    fn org_limit_covers_repositories_and_refusals_are_not_counted() {
        let limits = Limits {
            per_repository: 3,
            per_organisation: 5,
            ..Limits::default()
        };
        let mut org = OrgLimiter::new(limits);
        let outcomes: Vec<_> = ["a", "a", "a", "a", "b", "b", "b"]
            .iter()
            .map(|r| org.admit(Some(r), 0))
            .collect();
        let allowed = outcomes.iter().filter(|d| **d == Decision::Allow).count();
        assert_eq!(allowed, 5);
        assert!(matches!(
            outcomes[3],
            Decision::Limit {
                scope: LimitScope::Repository,
                ..
            }
        ));
        assert!(matches!(
            outcomes[6],
            Decision::Limit {
                scope: LimitScope::Organisation,
                ..
            }
        ));
    }

    #[test]
    fn shards_split_the_global_limit_exactly() {
        for global in [0, 7, 10_000, 10_003] {
            let sum: u32 = (0..GLOBAL_SHARDS)
                .map(|s| global_shard_limit(global, s))
                .sum();
            assert_eq!(sum, global);
        }
        let mut counts = [0u32; GLOBAL_SHARDS as usize];
        for i in 0..8_000 {
            counts[global_shard(&format!("github:{i}")) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn zero_limit_refuses_everything() {
        let mut w = SlidingWindow::new(0, 1_000);
        assert_eq!(
            w.admit(5, LimitScope::Global),
            Decision::Limit {
                retry_after_secs: 1,
                scope: LimitScope::Global
            }
        );
    }
}
