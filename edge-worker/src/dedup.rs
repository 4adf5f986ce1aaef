//! Deduplication: the `DeliveryDedup` object, which remembers event ids, and
//! [`DedupClient`], the pipeline's [`Deduplicator`] over it.
//!
//! Two phases, so no event is lost to its own claim: a claim holds the id for a short
//! lease ([`CLAIM_LEASE_MS`]); once the queue has the event the claim is confirmed and
//! the id is remembered for `DEDUP_TTL_SECS`. A delivery refused after its claim
//! releases it; one whose Worker died mid-way leaves a lease that lapses, so the
//! sender's retry is taken rather than answered "duplicate" (which would end the
//! sender's retries for an event nobody queued).
//!
//! SQLite-backed (strongly consistent, survives restarts), sharded by event id over
//! [`DEDUP_SHARDS`](crate::config::DEDUP_SHARDS) objects so no single object takes all
//! traffic. An alarm deletes expired ids, and a claim ignores an expired row itself,
//! so expiry holds even if an alarm runs late.

use std::cell::Cell;

use reviewgate_ingress::ports::{Claim, Deduplicator, PortError};
use reviewgate_ingress::rate_limit::stable_hash;
use serde::{Deserialize, Serialize};
use worker::{
    Date, DurableObject, Env, Request, Response, Result, SqlStorageValue, State, durable_object,
};

use crate::config;
use crate::objects::call_object;

/// How long an unconfirmed claim holds an id: far longer than a delivery takes from
/// claim to queue, short enough that a retry after a crash is soon taken.
pub const CLAIM_LEASE_MS: u64 = 60_000;

/// A request to the object.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DedupRequest {
    /// Hold `id` for `lease_ms` unless it is held or remembered already.
    Claim {
        /// Event id.
        id: String,
        /// How long the claim holds.
        lease_ms: u64,
    },
    /// The event was queued: remember `id` for `ttl_ms`.
    Confirm {
        /// Event id.
        id: String,
        /// How long to remember it.
        ttl_ms: u64,
    },
    /// Forget `id` (its delivery was refused or could not be queued).
    Release {
        /// Event id.
        id: String,
    },
}

/// The object's answer: a [`Claim`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "claim", rename_all = "snake_case")]
enum ClaimAnswer {
    First,
    Duplicate,
    InFlight { retry_after_secs: u64 },
    Done,
}

/// The Durable Object.
#[durable_object]
pub struct DeliveryDedup {
    state: State,
    /// Whether this instance knows an alarm to be pending, which saves asking the
    /// storage on every claim. The alarm handler resets it to whether it scheduled
    /// another (rows remain).
    alarm_pending: Cell<bool>,
}

fn ms(value: u64) -> SqlStorageValue {
    // Millisecond timestamps stay far below 2^53, so they are exact as JS numbers.
    SqlStorageValue::from(value as f64)
}

impl DeliveryDedup {
    async fn schedule_cleanup(&self) -> Result<()> {
        #[derive(Deserialize)]
        struct Next {
            next: Option<f64>,
        }
        let sql = self.state.storage().sql();
        let next: Next = sql
            .exec("SELECT MIN(expires_at) AS next FROM deliveries", None)?
            .one()?;
        if let Some(next) = next.next {
            self.state
                .storage()
                .set_alarm(next as i64 - Date::now().as_millis() as i64)
                .await?;
        }
        self.alarm_pending.set(next.next.is_some());
        Ok(())
    }

    async fn claim(&self, id: String, lease_ms: u64, now: u64) -> Result<ClaimAnswer> {
        #[derive(Deserialize)]
        struct Held {
            expires_at: f64,
            confirmed: f64,
        }
        let sql = self.state.storage().sql();
        // One statement: insert the id, or take over its row if that expired; a row
        // comes back exactly when this is the first live claim.
        let inserted = sql
            .exec(
                "INSERT INTO deliveries (id, expires_at, confirmed) VALUES (?, ?, 0) \
                 ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at, confirmed = 0 \
                 WHERE deliveries.expires_at <= ? RETURNING id",
                vec![id.clone().into(), ms(now + lease_ms), ms(now)],
            )?
            .to_array::<serde_json::Value>()?;
        if inserted.is_empty() {
            let held: Held = sql
                .exec(
                    "SELECT expires_at, confirmed FROM deliveries WHERE id = ?",
                    vec![id.into()],
                )?
                .one()?;
            return Ok(if held.confirmed != 0.0 {
                ClaimAnswer::Duplicate
            } else {
                ClaimAnswer::InFlight {
                    retry_after_secs: ((held.expires_at as u64).saturating_sub(now))
                        .div_ceil(1000)
                        .max(1),
                }
            });
        }
        if !self.alarm_pending.get() {
            if self.state.storage().get_alarm().await?.is_some() {
                self.alarm_pending.set(true);
            } else {
                self.schedule_cleanup().await?;
            }
        }
        Ok(ClaimAnswer::First)
    }
}

impl DurableObject for DeliveryDedup {
    fn new(state: State, _env: Env) -> Self {
        // Idempotent; runs once per object instantiation. Objects created before
        // claims had a lease lack `confirmed`: their rows are all confirmed ids.
        let sql = state.storage().sql();
        if let Err(e) = sql.exec(
            "CREATE TABLE IF NOT EXISTS deliveries \
             (id TEXT PRIMARY KEY, expires_at REAL NOT NULL, confirmed INTEGER NOT NULL DEFAULT 1)",
            None,
        ) {
            worker::console_error!("dedup: creating the table failed: {e}");
        }
        let _already_there = sql.exec(
            "ALTER TABLE deliveries ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1",
            None,
        );
        DeliveryDedup {
            state,
            alarm_pending: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let now = Date::now().as_millis();
        let sql = self.state.storage().sql();
        let answer = match req.json::<DedupRequest>().await? {
            DedupRequest::Claim { id, lease_ms } => self.claim(id, lease_ms, now).await?,
            DedupRequest::Confirm { id, ttl_ms } => {
                sql.exec(
                    "UPDATE deliveries SET expires_at = ?, confirmed = 1 WHERE id = ?",
                    vec![ms(now + ttl_ms), id.into()],
                )?;
                ClaimAnswer::Done
            }
            DedupRequest::Release { id } => {
                sql.exec("DELETE FROM deliveries WHERE id = ?", vec![id.into()])?;
                ClaimAnswer::Done
            }
        };
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> Result<Response> {
        let now = Date::now().as_millis();
        self.state.storage().sql().exec(
            "DELETE FROM deliveries WHERE expires_at <= ?",
            vec![ms(now)],
        )?;
        self.schedule_cleanup().await?;
        Response::ok("")
    }
}

/// The pipeline's duplicate check, over the `DeliveryDedup` shard of each event id.
pub struct DedupClient<'a> {
    env: &'a Env,
    ttl_ms: u64,
}

impl<'a> DedupClient<'a> {
    /// Remembers confirmed ids for `ttl_secs`.
    pub fn new(env: &'a Env, ttl_secs: u64) -> DedupClient<'a> {
        DedupClient {
            env,
            ttl_ms: ttl_secs.saturating_mul(1000),
        }
    }

    async fn ask(
        &self,
        request: &DedupRequest,
        id: &str,
    ) -> std::result::Result<ClaimAnswer, PortError> {
        let shard = format!("dedup-{}", stable_hash(id) % config::DEDUP_SHARDS);
        call_object(self.env, config::DEDUP, &shard, request).await
    }

    /// Best-effort calls: should one fail, the log says so; the worst case is a
    /// retry answered as in flight until the lease lapses, or a confirmed id
    /// forgotten early (the backend de-duplicates on the event id as well).
    async fn tell(&self, request: DedupRequest, id: &str) {
        if let Err(e) = self.ask(&request, id).await {
            worker::console_error!("dedup: {request:?} failed: {e}");
        }
    }
}

impl Deduplicator for DedupClient<'_> {
    async fn claim(&self, event_id: &str, _now_ms: u64) -> std::result::Result<Claim, PortError> {
        let claim = DedupRequest::Claim {
            id: event_id.to_owned(),
            lease_ms: CLAIM_LEASE_MS.min(self.ttl_ms.max(1)),
        };
        match self.ask(&claim, event_id).await? {
            ClaimAnswer::First => Ok(Claim::First),
            ClaimAnswer::Duplicate => Ok(Claim::Duplicate),
            ClaimAnswer::InFlight { retry_after_secs } => Ok(Claim::InFlight { retry_after_secs }),
            ClaimAnswer::Done => Err(PortError::Unavailable(
                "dedup answered a claim with `done`".into(),
            )),
        }
    }

    async fn confirm(&self, event_id: &str, _now_ms: u64) {
        let confirm = DedupRequest::Confirm {
            id: event_id.to_owned(),
            ttl_ms: self.ttl_ms,
        };
        self.tell(confirm, event_id).await;
    }

    async fn release(&self, event_id: &str) {
        let release = DedupRequest::Release {
            id: event_id.to_owned(),
        };
        self.tell(release, event_id).await;
    }
}
