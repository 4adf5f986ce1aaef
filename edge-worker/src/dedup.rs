//! `DeliveryDedup`: remembers delivery ids so each delivery is forwarded once.
//!
//! SQLite-backed (strongly consistent, survives restarts), sharded by event id over
//! [`crate::config::DEDUP_SHARDS`] objects so no single object takes all traffic. A
//! claim inserts the id with its expiry; an alarm deletes expired ids, and a claim
//! also ignores an expired row itself, so expiry holds even if an alarm runs late.

use std::cell::Cell;

use serde::{Deserialize, Serialize};
use worker::{
    Date, DurableObject, Env, Request, Response, Result, SqlStorageValue, State, durable_object,
};

/// A request to the object.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DedupRequest {
    /// Record `id` for `ttl_ms` unless it is already recorded.
    Claim {
        /// Event id.
        id: String,
        /// How long to remember it.
        ttl_ms: u64,
    },
    /// Forget `id` (its delivery could not be queued, so a redelivery must pass).
    Release {
        /// Event id.
        id: String,
    },
}

/// The answer to a claim.
#[derive(Debug, Serialize, Deserialize)]
pub struct DedupAnswer {
    /// True for the first delivery of the id within its window.
    pub first: bool,
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
}

impl DurableObject for DeliveryDedup {
    fn new(state: State, _env: Env) -> Self {
        // Idempotent; runs once per object instantiation.
        if let Err(e) = state.storage().sql().exec(
            "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, expires_at REAL NOT NULL)",
            None,
        ) {
            worker::console_error!("dedup: creating the table failed: {e}");
        }
        DeliveryDedup {
            state,
            alarm_pending: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let now = Date::now().as_millis();
        let sql = self.state.storage().sql();
        match req.json::<DedupRequest>().await? {
            DedupRequest::Claim { id, ttl_ms } => {
                // One statement: insert the id, or take over its row if that expired;
                // a row comes back exactly when this is the first live claim.
                let inserted = sql
                    .exec(
                        "INSERT INTO deliveries (id, expires_at) VALUES (?, ?) \
                         ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at \
                         WHERE deliveries.expires_at <= ? RETURNING id",
                        vec![id.into(), ms(now + ttl_ms), ms(now)],
                    )?
                    .to_array::<serde_json::Value>()?;
                let first = !inserted.is_empty();
                if first && !self.alarm_pending.get() {
                    if self.state.storage().get_alarm().await?.is_some() {
                        self.alarm_pending.set(true);
                    } else {
                        self.schedule_cleanup().await?;
                    }
                }
                Response::from_json(&DedupAnswer { first })
            }
            DedupRequest::Release { id } => {
                sql.exec("DELETE FROM deliveries WHERE id = ?", vec![id.into()])?;
                Response::from_json(&DedupAnswer { first: false })
            }
        }
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
