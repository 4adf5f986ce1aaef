//! The webhook intake pipeline, once for every surface: body → verify (a failing
//! client over its limit refused) → delivery id → normalize → claim → rate-limit →
//! sink → confirm.
//!
//! [`Pipeline::ingest`] takes a delivery and answers an [`Ingested`]: its
//! [`Outcome`], which [`Outcome::to_wire`] turns into the HTTP answer, plus what the
//! surface logs. The I/O is behind [`crate::ports`]; the Worker and the server only
//! implement those traits, so the order of the steps, which failures count against a
//! client and every answer are decided here.
//!
//! The order is chosen against attackers: nothing unverified reaches the parser,
//! the limiter or the duplicate check, so a forger can neither fill the limits of a
//! real sender nor claim its delivery ids; the failed-authentication block refuses
//! failing requests only, so it cannot be turned against the sender it protects; a
//! duplicate is answered before it counts against any limit, so a replayed
//! delivery cannot throttle its organisation.

use crate::delivery::delivery_id;
use crate::error::{NormalizeError, VerifyError};
use crate::event::EventSource;
use crate::headers::Headers;
use crate::normalize::{DeliveryContext, Normalized, normalize};
use crate::outcome::{Outcome, Refusal, SecurityRecord};
use crate::ports::{
    BodyError, Claim, Clock, Deduplicator, EventSink, HmacEngine, PortError, RateLimiter,
    RequestBody, Secrets, Sunk,
};
use crate::rate_limit::{Decision, LimitScope};
use crate::verify::{Verification, plan_verification};

/// The settings every surface shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeSettings {
    /// Largest accepted body, bytes.
    pub max_body_bytes: u64,
    /// Replay tolerance of signed timestamps, seconds, both ways.
    pub tolerance_secs: u64,
}

impl Default for IntakeSettings {
    fn default() -> IntakeSettings {
        IntakeSettings {
            // GitHub caps payloads at 25 MB; a Terraform PR event is far smaller.
            max_body_bytes: 10 * 1024 * 1024,
            tolerance_secs: crate::DEFAULT_TOLERANCE_SECS,
        }
    }
}

/// One delivery as it arrived at `POST /webhooks/<source>`.
#[derive(Debug)]
pub struct Delivery<'a, B> {
    /// The `<source>` path segment, as sent.
    pub source: &'a str,
    /// The request headers.
    pub headers: Headers,
    /// The body, not yet read.
    pub body: B,
    /// The client address (for the failed-authentication limit and the logs).
    pub client_ip: &'a str,
    /// The request's trace id.
    pub trace_id: &'a str,
}

/// What [`Pipeline::ingest`] did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// How it ended.
    pub outcome: Outcome,
    /// The source, once the path named one.
    pub source: Option<EventSource>,
    /// The delivery id, once the delivery was verified.
    pub delivery_id: Option<String>,
}

impl Ingested {
    /// The SECURITY record of a refusal the sender caused, `None` otherwise;
    /// `source`, `client_ip` and `trace_id` are the delivery's.
    pub fn security_record<'a>(
        &'a self,
        source: &'a str,
        client_ip: &'a str,
        trace_id: &'a str,
    ) -> Option<SecurityRecord<'a>> {
        let Outcome::Refused(refusal) = &self.outcome else {
            return None;
        };
        refusal.is_security_event().then(|| SecurityRecord {
            reason: refusal.reason(),
            status: refusal.status(),
            source,
            delivery_id: self.delivery_id.as_deref(),
            client_ip,
            trace_id,
        })
    }
}

/// The pipeline over one surface's ports.
#[derive(Debug)]
pub struct Pipeline<'a, K, H, L, D, S, C> {
    /// Limits and tolerances.
    pub settings: IntakeSettings,
    /// Each source's secrets.
    pub secrets: &'a K,
    /// Computes HMACs.
    pub hmac: &'a H,
    /// Rate limits and the failed-authentication block.
    pub limiter: &'a L,
    /// The duplicate check.
    pub dedup: &'a D,
    /// Where accepted events go.
    pub sink: &'a S,
    /// The time.
    pub clock: &'a C,
}

impl<K, H, L, D, S, C> Pipeline<'_, K, H, L, D, S, C>
where
    K: Secrets,
    H: HmacEngine,
    L: RateLimiter,
    D: Deduplicator,
    S: EventSink,
    C: Clock,
{
    /// Runs `delivery` through every step; see the module documentation.
    pub async fn ingest<B: RequestBody>(&self, delivery: Delivery<'_, B>) -> Ingested {
        let Delivery {
            source,
            headers,
            body,
            client_ip,
            trace_id,
        } = delivery;
        let Some(known) = EventSource::from_name(source) else {
            return Ingested {
                outcome: Outcome::Refused(Refusal::UnknownSource(source.to_owned())),
                source: None,
                delivery_id: None,
            };
        };
        let mut delivery_id = None;
        let outcome = match self
            .run(known, &headers, body, client_ip, trace_id, &mut delivery_id)
            .await
        {
            Ok(outcome) => outcome,
            Err(refusal) => Outcome::Refused(refusal),
        };
        Ingested {
            outcome,
            source: Some(known),
            delivery_id,
        }
    }

    async fn run<B: RequestBody>(
        &self,
        source: EventSource,
        headers: &Headers,
        body: B,
        client_ip: &str,
        trace_id: &str,
        delivery_id_out: &mut Option<String>,
    ) -> Result<Outcome, Refusal> {
        let now = self.clock.now_ms();
        let keys = self.secrets.source_keys(source).map_err(port_refusal)?;
        if keys.is_empty() {
            return Err(Refusal::NotConfigured(source));
        }
        let body = body
            .read(self.settings.max_body_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge { limit } => Refusal::PayloadTooLarge { limit },
                BodyError::Unreadable(detail) => Refusal::BodyUnreadable(detail),
            })?;
        let body = body.as_ref();

        let verdict = match plan_verification(
            source,
            headers,
            body,
            &keys,
            now,
            self.settings.tolerance_secs,
        ) {
            Ok(Verification::Verified) => Ok(()),
            Ok(Verification::Hmac(check)) => self.hmac.verify(check).await.map_err(port_refusal)?,
            Err(e) => Err(e),
        };
        if let Err(e) = verdict {
            return Err(self.unauthorized(source, e, client_ip, now).await);
        }

        let id = delivery_id(source, headers, body);
        *delivery_id_out = Some(id.clone());
        let normalized = normalize(
            source,
            headers,
            body,
            DeliveryContext {
                delivery_id: &id,
                received_at_ms: now,
                trace_id,
                tolerance_secs: self.settings.tolerance_secs,
            },
        );
        let envelope = match normalized {
            Ok(Normalized::Event(envelope)) => envelope,
            Ok(Normalized::Ping) => return Ok(Outcome::Pong),
            Ok(Normalized::Ignored(reason)) => return Ok(Outcome::Ignored { reason }),
            // A timestamp inside the signed payload (Spacelift) is a replay window
            // like a signed header's: the same failed authentication.
            Err(NormalizeError::Timestamp(e)) => {
                return Err(self.unauthorized(source, e, client_ip, now).await);
            }
            Err(e) => return Err(Refusal::BadRequest(e)),
        };

        // The duplicate check comes first, and only a first delivery counts against
        // the limits: replaying one captured delivery cannot throttle its
        // organisation, and a redelivery of what was taken is answered as such
        // whatever the limits say, so it never looks like a loss.
        match self
            .dedup
            .claim(&envelope.id, now)
            .await
            .map_err(port_refusal)?
        {
            Claim::Duplicate => {
                return Ok(Outcome::Duplicate {
                    event_id: envelope.id.clone(),
                });
            }
            Claim::InFlight { retry_after_secs } => {
                return Err(Refusal::InProgress {
                    retry_after_secs: retry_after_secs.max(1),
                });
            }
            Claim::First => {}
        }
        let refused = match self.limiter.admit(&envelope, now).await {
            Ok(Decision::Allow) => None,
            Ok(Decision::Limit {
                scope,
                retry_after_secs,
            }) => Some(Refusal::RateLimited {
                scope,
                retry_after_secs: retry_after_secs.max(1),
            }),
            Err(e) => Some(port_refusal(e)),
        };
        if let Some(refusal) = refused {
            self.dedup.release(&envelope.id).await;
            return Err(refusal);
        }
        match self.sink.accept(&envelope).await {
            Ok(sunk) => {
                self.dedup.confirm(&envelope.id, now).await;
                Ok(match sunk {
                    Sunk::New => Outcome::Accepted {
                        event_id: envelope.id.clone(),
                        kind: envelope.kind,
                    },
                    Sunk::AlreadyKnown => Outcome::Duplicate {
                        event_id: envelope.id.clone(),
                    },
                })
            }
            Err(e) => {
                self.dedup.release(&envelope.id).await;
                Err(port_refusal(e))
            }
        }
    }

    /// A failed authentication. Failures are counted per client IP and source; once
    /// a client is over its limit, its failing requests are refused with 429 and no
    /// longer counted — but only failing ones: a delivery that verifies is never
    /// refused by the block, so an attacker sharing the sender's address (a NAT, a
    /// proxy, the provider's own egress) cannot lock the real sender out. A source
    /// without secrets is this deployment's problem and counts for nothing.
    async fn unauthorized(
        &self,
        source: EventSource,
        error: VerifyError,
        client_ip: &str,
        now: u64,
    ) -> Refusal {
        if error == VerifyError::NoSecretConfigured {
            return Refusal::NotConfigured(source);
        }
        let client = failing_client(source, client_ip);
        if let Some(retry_after_secs) = self.limiter.client_blocked(&client, now).await {
            return Refusal::RateLimited {
                scope: LimitScope::ClientIp,
                retry_after_secs,
            };
        }
        self.limiter.record_auth_failure(&client, now).await;
        Refusal::Unauthorized(error)
    }
}

/// Who failed authentication, for the failure limit: the client IP and the source,
/// so that failures at one source do not block the same address at another.
pub fn failing_client(source: EventSource, client_ip: &str) -> String {
    format!("{}|{client_ip}", source.as_str())
}

fn port_refusal(error: PortError) -> Refusal {
    match error {
        PortError::Unavailable(detail) => Refusal::Unavailable(detail),
        PortError::Misconfigured(detail) => Refusal::Misconfigured(detail),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::SecretSet;
    use crate::event::{EventEnvelope, EventKind};
    use crate::ports::NativeHmac;
    use crate::process_limiter::SharedProcessLimiter;
    use crate::rate_limit::Limits;
    use crate::verify::SourceKeys;

    const SECRET: &str = "gh-secret";
    const NOW: u64 = 1_700_000_000_000;

    /// Runs a future whose ports are all in memory (they never wait).
    fn run<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("in-memory ports never wait"),
        }
    }

    struct Keys;
    impl Secrets for Keys {
        fn source_keys(&self, source: EventSource) -> Result<Cow<'_, SourceKeys>, PortError> {
            Ok(Cow::Owned(match source {
                EventSource::Github | EventSource::Spacelift => SourceKeys {
                    secrets: SecretSet::from_lines(SECRET),
                    signing: SecretSet::default(),
                },
                _ => SourceKeys::default(),
            }))
        }
    }

    struct Fixed;
    impl Clock for Fixed {
        fn now_ms(&self) -> u64 {
            NOW
        }
    }

    #[derive(Default)]
    struct Dedup {
        /// Held by another delivery that has not finished.
        in_flight: RefCell<BTreeSet<String>>,
        claimed: RefCell<BTreeSet<String>>,
        confirmed: RefCell<BTreeSet<String>>,
        released: RefCell<Vec<String>>,
    }
    impl Deduplicator for Dedup {
        async fn claim(&self, event_id: &str, _now_ms: u64) -> Result<Claim, PortError> {
            if self.in_flight.borrow().contains(event_id) {
                return Ok(Claim::InFlight {
                    retry_after_secs: 0,
                });
            }
            Ok(if self.claimed.borrow_mut().insert(event_id.to_owned()) {
                Claim::First
            } else {
                Claim::Duplicate
            })
        }
        async fn confirm(&self, event_id: &str, _now_ms: u64) {
            self.confirmed.borrow_mut().insert(event_id.to_owned());
        }
        async fn release(&self, event_id: &str) {
            self.claimed.borrow_mut().remove(event_id);
            self.released.borrow_mut().push(event_id.to_owned());
        }
    }

    #[derive(Default)]
    struct Sink {
        taken: RefCell<Vec<EventEnvelope>>,
        fail: RefCell<bool>,
    }
    impl EventSink for Sink {
        async fn accept(&self, envelope: &EventEnvelope) -> Result<Sunk, PortError> {
            if *self.fail.borrow() {
                return Err(PortError::Unavailable("queue down".into()));
            }
            let mut taken = self.taken.borrow_mut();
            if taken.iter().any(|e| e.id == envelope.id) {
                return Ok(Sunk::AlreadyKnown);
            }
            taken.push(envelope.clone());
            Ok(Sunk::New)
        }
    }

    struct Bytes(Vec<u8>);
    impl RequestBody for Bytes {
        type Bytes = Vec<u8>;
        async fn read(self, limit: u64) -> Result<Vec<u8>, BodyError> {
            if self.0.len() as u64 > limit {
                return Err(BodyError::TooLarge { limit });
            }
            Ok(self.0)
        }
    }

    struct World {
        limiter: SharedProcessLimiter,
        dedup: Dedup,
        sink: Sink,
        settings: IntakeSettings,
    }

    impl World {
        fn new(limits: Limits) -> World {
            World {
                limiter: SharedProcessLimiter::new(limits),
                dedup: Dedup::default(),
                sink: Sink::default(),
                settings: IntakeSettings {
                    max_body_bytes: 4_096,
                    tolerance_secs: 300,
                },
            }
        }

        fn send(&self, source: &str, headers: Headers, body: &[u8]) -> Ingested {
            let pipeline = Pipeline {
                settings: self.settings,
                secrets: &Keys,
                hmac: &NativeHmac,
                limiter: &self.limiter,
                dedup: &self.dedup,
                sink: &self.sink,
                clock: &Fixed,
            };
            run(pipeline.ingest(Delivery {
                source,
                headers,
                body: Bytes(body.to_vec()),
                client_ip: "192.0.2.7",
                trace_id: "t-1",
            }))
        }
    }

    fn github(event: &str, delivery: &str, body: &[u8], secret: &str) -> Headers {
        let mac = crate::hmac_sha256(secret.as_bytes(), &[body]);
        Headers::new()
            .with("X-GitHub-Event", event)
            .with("X-GitHub-Delivery", delivery)
            .with(
                "X-Hub-Signature-256",
                &format!("sha256={}", hex::encode(mac)),
            )
    }

    fn pull_request(repo: &str) -> Vec<u8> {
        serde_json::json!({
            "action": "opened",
            "number": 2,
            "pull_request": {
                "number": 2, "title": "t", "html_url": "https://github.com/acme/x/pull/2",
                "user": {"login": "ann"},
                "head": {"sha": "abc", "ref": "f"}, "base": {"sha": "def", "ref": "main"}
            },
            "repository": {"name": repo, "full_name": format!("acme/{repo}"), "owner": {"login": "acme"}},
            "organization": {"login": "acme"}
        })
        .to_string()
        .into_bytes()
    }

    fn refused(i: &Ingested) -> &Refusal {
        match &i.outcome {
            Outcome::Refused(r) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_verified_delivery_is_taken_once_then_answered_as_duplicate() {
        let w = World::new(Limits::default());
        let body = pull_request("infra");
        let first = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert_eq!(
            first.outcome,
            Outcome::Accepted {
                event_id: "github:d-1".into(),
                kind: EventKind::PrOpened
            }
        );
        assert_eq!(first.delivery_id.as_deref(), Some("d-1"));
        assert_eq!(w.sink.taken.borrow().len(), 1);
        assert_eq!(w.sink.taken.borrow()[0].trace_id, "t-1");
        assert_eq!(w.sink.taken.borrow()[0].received_at, NOW);
        assert!(w.dedup.confirmed.borrow().contains("github:d-1"));
        let again = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert_eq!(
            again.outcome,
            Outcome::Duplicate {
                event_id: "github:d-1".into()
            }
        );
        assert_eq!(w.sink.taken.borrow().len(), 1, "handed on once");
    }

    #[test]
    fn a_forgery_counts_against_the_client_and_touches_nothing_else() {
        let w = World::new(Limits {
            auth_failures_per_ip: 2,
            ..Limits::default()
        });
        let body = pull_request("infra");
        for _ in 0..2 {
            let forged = w.send(
                "github",
                github("pull_request", "d-1", &body, "guess"),
                &body,
            );
            assert_eq!(
                refused(&forged),
                &Refusal::Unauthorized(VerifyError::SignatureMismatch)
            );
            assert_eq!(forged.delivery_id, None, "no id before verification");
        }
        assert!(w.dedup.claimed.borrow().is_empty(), "a forger claims no id");
        assert!(w.sink.taken.borrow().is_empty());
        // Over the limit, its failing requests are refused with 429 ...
        let third = w.send(
            "github",
            github("pull_request", "d-1", &body, "guess"),
            &body,
        );
        assert!(matches!(
            refused(&third),
            Refusal::RateLimited {
                scope: LimitScope::ClientIp,
                ..
            }
        ));
        // ... but a delivery that verifies from the same address is taken: the block
        // cannot be turned against the sender it protects.
        let real = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert!(matches!(real.outcome, Outcome::Accepted { .. }), "{real:?}");
        // Failures are counted per source: the same address at another source is
        // not blocked.
        let stale = serde_json::json!({"account": "a", "state": "FINISHED", "stateVersion": 1,
            "timestamp": NOW / 1000, "run": {"id": "r"}, "stack": {"id": "s"}})
        .to_string();
        let forged = Headers::new().with("X-Signature-256", &format!("sha256={}", "0".repeat(64)));
        assert_eq!(
            refused(&w.send("spacelift", forged, stale.as_bytes())),
            &Refusal::Unauthorized(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn a_stale_signed_payload_is_a_failed_authentication() {
        let w = World::new(Limits {
            auth_failures_per_ip: 1,
            ..Limits::default()
        });
        let stale = serde_json::json!({
            "account": "acme", "state": "FINISHED", "stateVersion": 3,
            "timestamp": NOW / 1000 - 301,
            "run": {"id": "r1"}, "stack": {"id": "prod"}
        })
        .to_string();
        let mac = crate::hmac_sha256(SECRET.as_bytes(), &[stale.as_bytes()]);
        let headers =
            Headers::new().with("X-Signature-256", &format!("sha256={}", hex::encode(mac)));
        let out = w.send("spacelift", headers.clone(), stale.as_bytes());
        assert!(matches!(
            refused(&out),
            Refusal::Unauthorized(VerifyError::StaleTimestamp { age_secs: 301, .. })
        ));
        let again = w.send("spacelift", headers, stale.as_bytes());
        assert!(
            matches!(refused(&again), Refusal::RateLimited { .. }),
            "the stale delivery was counted"
        );
    }

    #[test]
    fn a_refusal_by_a_limit_releases_the_claim_so_the_retry_is_not_a_duplicate() {
        let w = World::new(Limits {
            per_repository: 1,
            ..Limits::default()
        });
        let body = pull_request("infra");
        let ok = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert!(matches!(ok.outcome, Outcome::Accepted { .. }));
        let limited = w.send(
            "github",
            github("pull_request", "d-2", &body, SECRET),
            &body,
        );
        assert!(matches!(
            refused(&limited),
            Refusal::RateLimited {
                scope: LimitScope::Repository,
                ..
            }
        ));
        assert_eq!(*w.dedup.released.borrow(), ["github:d-2"]);
        assert!(!w.dedup.claimed.borrow().contains("github:d-2"));
        // A redelivery of what was taken is a duplicate even while the limit refuses.
        let redelivered = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert!(matches!(redelivered.outcome, Outcome::Duplicate { .. }));
    }

    #[test]
    fn replaying_a_delivery_does_not_count_against_the_limits() {
        let w = World::new(Limits {
            per_repository: 2,
            per_organisation: 2,
            global: 2,
            ..Limits::default()
        });
        let body = pull_request("infra");
        for _ in 0..20 {
            let replay = w.send(
                "github",
                github("pull_request", "d-1", &body, SECRET),
                &body,
            );
            assert!(
                matches!(
                    replay.outcome,
                    Outcome::Accepted { .. } | Outcome::Duplicate { .. }
                ),
                "{replay:?}"
            );
        }
        let next = w.send(
            "github",
            github("pull_request", "d-2", &body, SECRET),
            &body,
        );
        assert!(
            matches!(next.outcome, Outcome::Accepted { .. }),
            "20 replays counted once: {next:?}"
        );
    }

    #[test]
    fn a_delivery_racing_one_in_flight_is_told_to_retry_not_that_it_is_a_duplicate() {
        let w = World::new(Limits::default());
        w.dedup.in_flight.borrow_mut().insert("github:d-1".into());
        let body = pull_request("infra");
        let out = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert_eq!(
            refused(&out),
            &Refusal::InProgress {
                retry_after_secs: 1
            }
        );
        assert_eq!(out.outcome.to_wire("t").status, 409);
        assert!(
            w.dedup.released.borrow().is_empty(),
            "not its claim to release"
        );
        assert!(w.sink.taken.borrow().is_empty());
    }

    #[test]
    fn a_failing_sink_releases_the_claim_and_answers_503() {
        let w = World::new(Limits::default());
        *w.sink.fail.borrow_mut() = true;
        let body = pull_request("infra");
        let out = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert_eq!(refused(&out), &Refusal::Unavailable("queue down".into()));
        assert_eq!(out.outcome.status(), 503);
        assert!(w.dedup.claimed.borrow().is_empty());
        *w.sink.fail.borrow_mut() = false;
        let retry = w.send(
            "github",
            github("pull_request", "d-1", &body, SECRET),
            &body,
        );
        assert!(matches!(retry.outcome, Outcome::Accepted { .. }));
    }

    #[test]
    fn pings_ignored_events_bad_payloads_and_the_route_itself() {
        let w = World::new(Limits::default());
        let ping = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
        assert_eq!(
            w.send("github", github("ping", "p-1", ping, SECRET), ping)
                .outcome,
            Outcome::Pong
        );
        let star = br#"{"action":"created"}"#;
        assert!(matches!(
            w.send("github", github("star", "s-1", star, SECRET), star)
                .outcome,
            Outcome::Ignored { .. }
        ));
        let junk = b"not json";
        assert!(matches!(
            refused(&w.send("github", github("pull_request", "j-1", junk, SECRET), junk)),
            Refusal::BadRequest(NormalizeError::BadJson(_))
        ));
        assert_eq!(
            refused(&w.send("svn", Headers::new(), b"{}")),
            &Refusal::UnknownSource("svn".into())
        );
        assert_eq!(
            refused(&w.send("gitlab", Headers::new(), b"{}")),
            &Refusal::NotConfigured(EventSource::Gitlab)
        );
        let big = vec![b' '; 4_097];
        assert_eq!(
            refused(&w.send("github", github("pull_request", "b-1", &big, SECRET), &big)),
            &Refusal::PayloadTooLarge { limit: 4_096 }
        );
        assert!(w.sink.taken.borrow().is_empty());
    }

    #[test]
    fn only_refusals_the_sender_caused_are_security_records() {
        let w = World::new(Limits::default());
        let body = pull_request("infra");
        let forged = w.send(
            "github",
            github("pull_request", "d-9", &body, "guess"),
            &body,
        );
        let record = forged
            .security_record("github", "192.0.2.7", "t-1")
            .expect("a SECURITY record");
        assert_eq!(
            (record.reason, record.status, record.client_ip),
            ("signature_mismatch", 401, "192.0.2.7")
        );
        let unconfigured = w.send("gitlab", Headers::new(), b"{}");
        assert_eq!(
            unconfigured.security_record("gitlab", "192.0.2.7", "t-1"),
            None
        );
    }
}
