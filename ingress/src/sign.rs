//! Signs a payload the way each provider signs its deliveries: the inverse of
//! [`crate::verify`], for `reviewgate webhook send` and for tests that need real
//! deliveries. Callers pass the delivery id and the time, so this stays pure.

use crate::event::EventSource;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::hmac_sha256;
use crate::secrets::SecretSet;

/// What a delivery needs besides its body.
#[derive(Clone, Debug)]
pub struct DeliveryToSign<'a> {
    /// Who the delivery pretends to come from.
    pub source: EventSource,
    /// The webhook secret (`whsec_…` for Standard Webhooks, the token for GitLab).
    pub secret: &'a str,
    /// The provider's event name: GitHub `X-GitHub-Event` (`pull_request`), GitLab
    /// `X-Gitlab-Event` (`Merge Request Hook`), Bitbucket `X-Event-Key`
    /// (`pullrequest:created`); unused for Spacelift and Standard Webhooks.
    pub event: &'a str,
    /// The delivery id header's value.
    pub delivery_id: &'a str,
    /// Now, Unix seconds (Standard Webhooks signs it).
    pub now_secs: u64,
}

/// Why a delivery cannot be signed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    /// A Standard Webhooks secret that is not `whsec_` + base64.
    #[error("the Standard Webhooks secret must be whsec_ followed by base64")]
    InvalidStandardSecret,
}

/// The headers (lower-case names) that make `body` a valid delivery from `source`.
pub fn sign_delivery(
    delivery: &DeliveryToSign<'_>,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, SignError> {
    let secret = delivery.secret.as_bytes();
    let sha256_hex = || format!("sha256={}", hex::encode(hmac_sha256(secret, &[body])));
    let id = delivery.delivery_id.to_owned();
    Ok(match delivery.source {
        EventSource::Github => vec![
            ("x-github-event", delivery.event.to_owned()),
            ("x-github-delivery", id),
            ("x-hub-signature-256", sha256_hex()),
        ],
        EventSource::Spacelift => vec![("x-signature-256", sha256_hex())],
        EventSource::Bitbucket => vec![
            ("x-event-key", delivery.event.to_owned()),
            ("x-request-uuid", id),
            ("x-hub-signature", sha256_hex()),
        ],
        EventSource::Gitlab => vec![
            ("x-gitlab-event", delivery.event.to_owned()),
            ("x-gitlab-event-uuid", id),
            ("x-gitlab-token", delivery.secret.to_owned()),
        ],
        EventSource::StandardWebhooks => {
            let keys = SecretSet::from_standard_webhooks_lines(delivery.secret)
                .map_err(|_| SignError::InvalidStandardSecret)?;
            let key = keys
                .keys()
                .first()
                .ok_or(SignError::InvalidStandardSecret)?;
            let timestamp = delivery.now_secs.to_string();
            let mac = hmac_sha256(
                key,
                &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
            );
            vec![
                ("webhook-id", id),
                ("webhook-timestamp", timestamp),
                ("webhook-signature", format!("v1,{}", STANDARD.encode(mac))),
            ]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{SourceKeys, verify_webhook};
    use crate::{Headers, SecretSet};

    fn keys(source: EventSource, secret: &str) -> SourceKeys {
        SourceKeys {
            secrets: match source {
                EventSource::StandardWebhooks => {
                    SecretSet::from_standard_webhooks_lines(secret).expect("secret")
                }
                _ => SecretSet::from_lines(secret),
            },
            signing: SecretSet::default(),
        }
    }

    #[test]
    fn signed_deliveries_verify_and_tampered_ones_do_not() {
        let body = br#"{"action":"opened"}"#;
        for (source, secret) in [
            (EventSource::Github, "gh-secret"),
            (EventSource::Spacelift, "sl-secret"),
            (EventSource::Bitbucket, "bb-secret"),
            (EventSource::Gitlab, "gl-token"),
            (EventSource::StandardWebhooks, "whsec_c2lnbmluZyBrZXk="),
        ] {
            let now = 1_750_000_000;
            let headers = sign_delivery(
                &DeliveryToSign {
                    source,
                    secret,
                    event: "pull_request",
                    delivery_id: "d-1",
                    now_secs: now,
                },
                body,
            )
            .expect("sign");
            let headers: Headers = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let keys = keys(source, secret);
            verify_webhook(source, &headers, body, &keys, now * 1000, 300)
                .unwrap_or_else(|e| panic!("{source:?}: {e}"));
            if source != EventSource::Gitlab {
                // GitLab's token does not cover the body; every signature does.
                assert!(
                    verify_webhook(source, &headers, b"{}", &keys, now * 1000, 300).is_err(),
                    "{source:?} accepted a tampered body"
                );
            }
        }
    }

    #[test]
    fn a_malformed_standard_secret_is_named() {
        let error = sign_delivery(
            &DeliveryToSign {
                source: EventSource::StandardWebhooks,
                secret: "whsec_!!",
                event: "",
                delivery_id: "d",
                now_secs: 0,
            },
            b"{}",
        )
        .expect_err("malformed");
        assert_eq!(error, SignError::InvalidStandardSecret);
    }
}
