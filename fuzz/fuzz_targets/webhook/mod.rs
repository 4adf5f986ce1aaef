//! One webhook delivery from fuzz bytes, through what the intake does with it:
//! verification (planned, then the HMAC), the delivery id, normalization, and the
//! answer sent back.
//!
//! The input is `flags`, then header lines (`name: value`), an empty line and the
//! body, so that seeds are real deliveries written out by hand. A fuzzer cannot
//! forge an HMAC, so when `flags & SIGN` the delivery is signed with the configured
//! secret (replacing any signature headers in the input) and must then verify — or
//! fail for its timestamp alone, which `flags >> 4` moves around the tolerance.

use reviewgate_ingress::normalize::DeliveryContext;
use reviewgate_ingress::outcome::{Outcome, Refusal};
use reviewgate_ingress::sign::{DeliveryToSign, sign_delivery};
use reviewgate_ingress::verify::Verification;
use reviewgate_ingress::{
    EventEnvelope, EventSource, Headers, Normalized, SecretSet, SourceKeys, VerifyError,
    delivery::delivery_id, hmac_sha256, normalize, plan_verification, verify_webhook,
};

/// Sign the delivery with the configured secret.
const SIGN: u8 = 1;
/// GitLab: also require a Standard Webhooks signature (a signing secret is set).
const GITLAB_SIGNING: u8 = 2;
/// Configure a second, older secret too (rotation).
const ROTATION: u8 = 4;

const SECRET: &str = "fuzz-secret-0123456789";
const OLD_SECRET: &str = "fuzz-old-secret-abcdef";
const WHSEC: &str = "whsec_ZnV6ei1zdGFuZGFyZC1zZWNyZXQ=";
const OLD_WHSEC: &str = "whsec_b2xkLWZ1enotc2VjcmV0";
const TOLERANCE_SECS: u64 = 300;
const SIGNED_AT_SECS: u64 = 1_750_000_000;

/// Runs one delivery from `source` and checks everything that must hold.
pub fn run(source: EventSource, data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let split = rest.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest, &[][..]),
    };
    let mut headers: Headers = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();

    let gitlab_signing = source == EventSource::Gitlab && flags & GITLAB_SIGNING != 0;
    let keys = keys(source, flags & ROTATION != 0, gitlab_signing);
    if flags & SIGN != 0 {
        headers = signed(source, headers, body, gitlab_signing);
    }
    // -800 s … +700 s around the signing time, either side of the tolerance.
    let skew = i64::from(flags >> 4) * 100 - 800;
    let now_ms = SIGNED_AT_SECS.saturating_add_signed(skew) * 1000;

    let verdict = verify_webhook(source, &headers, body, &keys, now_ms, TOLERANCE_SECS);
    // The split form the Worker uses (its own HMAC between the two halves) agrees.
    let planned = match plan_verification(source, &headers, body, &keys, now_ms, TOLERANCE_SECS) {
        Ok(Verification::Verified) => Ok(()),
        Ok(Verification::Hmac(check)) => {
            let matched = check
                .keys()
                .iter()
                .any(|key| check.matches(&hmac_sha256(key, &[check.message()])));
            check.conclude(matched)
        }
        Err(error) => Err(error),
    };
    assert_eq!(
        verdict, planned,
        "verify_webhook and plan_verification disagree"
    );
    if flags & SIGN != 0 {
        let timestamped = matches!(source, EventSource::StandardWebhooks) || gitlab_signing;
        if !timestamped || skew.unsigned_abs() <= TOLERANCE_SECS {
            assert_eq!(
                verdict,
                Ok(()),
                "a delivery signed with the secret must verify"
            );
        } else {
            assert!(
                matches!(
                    verdict,
                    Err(VerifyError::StaleTimestamp { .. } | VerifyError::FutureTimestamp { .. })
                ),
                "{verdict:?}"
            );
        }
    }
    let answer = |outcome: Outcome| answer(outcome, &headers, body);
    if let Err(error) = verdict {
        answer(Outcome::Refused(Refusal::Unauthorized(error)));
    }

    let id = delivery_id(source, &headers, body);
    assert!(!id.is_empty(), "every delivery has an id");
    let context = DeliveryContext {
        delivery_id: &id,
        received_at_ms: now_ms,
        trace_id: "fuzz-trace",
        tolerance_secs: TOLERANCE_SECS,
    };
    match normalize(source, &headers, body, context) {
        Ok(Normalized::Event(envelope)) => {
            assert_eq!(envelope.id, format!("{}:{id}", source.as_str()));
            assert_eq!(envelope.source, source);
            assert_eq!(envelope.delivery_id, id);
            let json = serde_json::to_string(&envelope).expect("an envelope serializes");
            let back: EventEnvelope = serde_json::from_str(&json).expect("and reads back");
            assert_eq!(back, *envelope, "the envelope round-trips through JSON");
            answer(Outcome::Accepted {
                event_id: envelope.id.clone(),
                kind: envelope.kind,
            });
        }
        Ok(Normalized::Ping) => answer(Outcome::Pong),
        Ok(Normalized::Ignored(reason)) => answer(Outcome::Ignored { reason }),
        Err(error) => answer(Outcome::Refused(Refusal::BadRequest(error))),
    }
}

/// The answer is JSON and never carries a secret, unless the sender wrote it
/// somewhere other than in a credential header (an event name it chose, say).
fn answer(outcome: Outcome, headers: &Headers, body: &[u8]) {
    let wire = outcome.to_wire("fuzz-trace");
    let _: serde_json::Value = serde_json::from_str(&wire.body).expect("the answer is JSON");
    let body = String::from_utf8_lossy(body);
    for secret in [SECRET, OLD_SECRET, WHSEC, OLD_WHSEC] {
        let sent = body.contains(secret)
            || headers
                .iter()
                .any(|(name, value)| !CREDENTIALS.contains(&name) && value.contains(secret));
        assert!(
            sent || !wire.body.contains(secret),
            "the answer carries a secret"
        );
    }
}

/// Headers that carry a secret or a signature.
const CREDENTIALS: [&str; 5] = [
    "x-gitlab-token",
    "x-hub-signature-256",
    "x-hub-signature",
    "x-signature-256",
    "webhook-signature",
];

fn keys(source: EventSource, rotation: bool, gitlab_signing: bool) -> SourceKeys {
    let plain = |new: &str, old: &str| {
        SecretSet::from_lines(&if rotation {
            format!("{old}\n{new}")
        } else {
            new.to_owned()
        })
    };
    let standard = || {
        let lines = if rotation {
            format!("{OLD_WHSEC}\n{WHSEC}")
        } else {
            WHSEC.to_owned()
        };
        SecretSet::from_standard_webhooks_lines(&lines).expect("valid secrets")
    };
    match source {
        EventSource::StandardWebhooks => SourceKeys {
            secrets: standard(),
            signing: SecretSet::default(),
        },
        EventSource::Gitlab if gitlab_signing => SourceKeys {
            secrets: plain(SECRET, OLD_SECRET),
            signing: standard(),
        },
        _ => SourceKeys {
            secrets: plain(SECRET, OLD_SECRET),
            signing: SecretSet::default(),
        },
    }
}

/// `headers` with the provider's signature headers for `body` in place of any sent.
fn signed(source: EventSource, headers: Headers, body: &[u8], gitlab_signing: bool) -> Headers {
    let event_header = match source {
        EventSource::Github => "x-github-event",
        EventSource::Gitlab => "x-gitlab-event",
        EventSource::Bitbucket => "x-event-key",
        EventSource::Spacelift | EventSource::StandardWebhooks => "x-event",
    };
    let event = headers.first(event_header).unwrap_or_default().to_owned();
    let sign = |source, secret| {
        sign_delivery(
            &DeliveryToSign {
                source,
                secret,
                event: &event,
                delivery_id: "fuzz-delivery",
                now_secs: SIGNED_AT_SECS,
            },
            body,
        )
        .expect("the fuzz secrets are valid")
    };
    let mut added = match source {
        EventSource::StandardWebhooks => sign(source, WHSEC),
        _ => sign(source, SECRET),
    };
    if gitlab_signing {
        added.extend(sign(EventSource::StandardWebhooks, WHSEC));
    }
    // Signature headers the input sent would be duplicates; the legacy SHA-1 one
    // shares its name with Bitbucket's.
    let names: Vec<&str> = added.iter().map(|(name, _)| *name).collect();
    let replaced = |name: &str| {
        names.contains(&name) || CREDENTIALS.contains(&name) || name.starts_with("webhook-")
    };
    headers
        .iter()
        .filter(|(name, _)| !replaced(name))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .chain(added.into_iter().map(|(n, v)| (n.to_owned(), v)))
        .collect()
}
