//! Signature and token verification for every supported source.
//!
//! Verification is split in two so that the Worker can compute its HMACs with the
//! runtime's WebCrypto (about twice as fast as Rust HMAC compiled to Wasm) while the
//! backend and the local server use the Rust one: [`plan_verification`] parses and
//! checks the headers and returns either a finished verdict or an [`HmacCheck`] — the
//! exact bytes to sign, the candidate keys and the signatures that were sent — which
//! [`HmacCheck::verify_native`] or the Worker completes. Every comparison is
//! constant-time (`subtle`).

use std::borrow::Cow;

use crate::event::EventSource;
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::headers::Headers;
use crate::secrets::{MIN_SECRET_BYTES, MIN_STANDARD_WEBHOOKS_KEY_BYTES, SecretSet};
use crate::timestamp::check_timestamp;

/// GitHub's signature header (HMAC-SHA256 of the raw body, `sha256=<hex>`).
pub const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
/// GitHub's legacy SHA-1 header, never accepted on its own.
pub const GITHUB_SIGNATURE_SHA1: &str = "x-hub-signature";
/// Spacelift's signature header (same scheme as GitHub's).
pub const SPACELIFT_SIGNATURE: &str = "x-signature-256";
/// Bitbucket Cloud's signature header (`sha256=<hex>`).
pub const BITBUCKET_SIGNATURE: &str = "x-hub-signature";
/// GitLab's secret token header (the configured token verbatim).
pub const GITLAB_TOKEN: &str = "x-gitlab-token";
/// Standard Webhooks message id.
pub const WEBHOOK_ID: &str = "webhook-id";
/// Standard Webhooks timestamp (Unix seconds).
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// Standard Webhooks signatures (space-separated `v1,<base64>`).
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// The secrets configured for one source.
#[derive(Debug, Clone, Default)]
pub struct SourceKeys {
    /// HMAC secrets (GitHub, Spacelift, Bitbucket), GitLab tokens, or the Standard
    /// Webhooks secrets of a Standard Webhooks source.
    pub secrets: SecretSet,
    /// GitLab only: Standard Webhooks signing secrets. When set, a GitLab delivery
    /// must carry a valid `webhook-signature`.
    pub signing: SecretSet,
}

/// A secret variable whose value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {error}")]
pub struct SourceKeysError {
    /// The variable, as named to [`SourceKeys::from_lookup`]'s lookup.
    pub variable: &'static str,
    /// What is wrong with it.
    pub error: crate::secrets::SecretError,
}

impl SourceKeys {
    /// Whether nothing is configured: every delivery from the source is refused.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.signing.is_empty()
    }

    /// Reads `source`'s secrets through `lookup`, by the names every surface uses
    /// (`GITHUB_WEBHOOK_SECRETS`, `GITLAB_WEBHOOK_TOKENS` + `GITLAB_SIGNING_SECRETS`,
    /// `BITBUCKET_WEBHOOK_SECRETS`, `SPACELIFT_WEBHOOK_SECRETS`,
    /// `STANDARD_WEBHOOKS_SECRETS`; one secret per line). The Worker looks them up
    /// among its secrets, the backend under a `REVIEWGATE_` prefix. An unset
    /// variable is an empty set: deliveries from that source are then refused. A
    /// secret shorter than [`MIN_SECRET_BYTES`] (a Standard Webhooks key shorter than
    /// [`MIN_STANDARD_WEBHOOKS_KEY_BYTES`]) is an error naming the variable.
    pub fn from_lookup(
        source: EventSource,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<SourceKeys, SourceKeysError> {
        let lines = |variable: &'static str| {
            SecretSet::from_lines(&lookup(variable).unwrap_or_default())
                .require_min_len(MIN_SECRET_BYTES)
                .map_err(|error| SourceKeysError { variable, error })
        };
        let standard = |variable: &'static str| {
            SecretSet::from_standard_webhooks_lines(&lookup(variable).unwrap_or_default())
                .and_then(|set| set.require_min_len(MIN_STANDARD_WEBHOOKS_KEY_BYTES))
                .map_err(|error| SourceKeysError { variable, error })
        };
        Ok(match source {
            EventSource::Github => SourceKeys {
                secrets: lines("GITHUB_WEBHOOK_SECRETS")?,
                signing: SecretSet::default(),
            },
            EventSource::Spacelift => SourceKeys {
                secrets: lines("SPACELIFT_WEBHOOK_SECRETS")?,
                signing: SecretSet::default(),
            },
            EventSource::Bitbucket => SourceKeys {
                secrets: lines("BITBUCKET_WEBHOOK_SECRETS")?,
                signing: SecretSet::default(),
            },
            EventSource::Gitlab => SourceKeys {
                secrets: lines("GITLAB_WEBHOOK_TOKENS")?,
                signing: standard("GITLAB_SIGNING_SECRETS")?,
            },
            EventSource::StandardWebhooks => SourceKeys {
                secrets: standard("STANDARD_WEBHOOKS_SECRETS")?,
                signing: SecretSet::default(),
            },
        })
    }
}

/// What [`plan_verification`] decided.
#[derive(Debug)]
pub enum Verification<'a> {
    /// Authenticated without an HMAC (a GitLab token alone).
    Verified,
    /// An HMAC remains to be computed and compared.
    Hmac(HmacCheck<'a>),
}

/// A pending HMAC-SHA256 check: the message, the keys to try, and what was sent.
#[derive(Debug)]
pub struct HmacCheck<'a> {
    message: Cow<'a, [u8]>,
    keys: &'a SecretSet,
    expected: Vec<[u8; 32]>,
    /// The signed timestamp's verdict, reported only once the signature matched so
    /// that an unauthenticated sender learns nothing but "signature does not match".
    timestamp: Result<(), VerifyError>,
}

impl<'a> HmacCheck<'a> {
    /// The exact bytes to sign.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The keys to try, any of which may match.
    pub fn keys(&self) -> &[Vec<u8>] {
        self.keys.keys()
    }

    /// Whether `mac` equals any signature that was sent, in constant time for each.
    pub fn matches(&self, mac: &[u8]) -> bool {
        let mut any = subtle::Choice::from(0);
        for expected in &self.expected {
            any |= expected.as_slice().ct_eq(mac);
        }
        any.into()
    }

    /// The verdict once the caller knows whether some key's MAC matched.
    pub fn conclude(self, matched: bool) -> Result<(), VerifyError> {
        if !matched {
            return Err(VerifyError::SignatureMismatch);
        }
        self.timestamp
    }

    /// Completes the check with the Rust `hmac`/`sha2` implementation.
    pub fn verify_native(self) -> Result<(), VerifyError> {
        let mut matched = false;
        for key in self.keys() {
            let mac = crate::hmac_sha256(key, &[self.message()]);
            // No early exit: every key is tried so timing does not reveal which matched.
            matched |= self.matches(&mac);
        }
        self.conclude(matched)
    }
}

/// Parses and checks the headers of a delivery from `source` and prepares its
/// verification. `now_ms` and `tolerance_secs` apply to signed timestamps.
pub fn plan_verification<'a>(
    source: EventSource,
    headers: &'a Headers,
    body: &'a [u8],
    keys: &'a SourceKeys,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<Verification<'a>, VerifyError> {
    match source {
        EventSource::Github => {
            let Some(value) = headers.single(GITHUB_SIGNATURE, true)? else {
                if headers.contains(GITHUB_SIGNATURE_SHA1) {
                    return Err(VerifyError::Sha1Only);
                }
                return Err(VerifyError::MissingHeader(GITHUB_SIGNATURE));
            };
            hex_body_check(GITHUB_SIGNATURE, value, body, &keys.secrets)
        }
        EventSource::Spacelift => {
            let value = headers.required(SPACELIFT_SIGNATURE, true)?;
            hex_body_check(SPACELIFT_SIGNATURE, value, body, &keys.secrets)
        }
        EventSource::Bitbucket => {
            let value = headers.required(BITBUCKET_SIGNATURE, true)?;
            hex_body_check(BITBUCKET_SIGNATURE, value, body, &keys.secrets)
        }
        EventSource::Gitlab => plan_gitlab(headers, body, keys, now_ms, tolerance_secs),
        EventSource::StandardWebhooks => {
            standard_webhooks_check(headers, body, &keys.secrets, now_ms, tolerance_secs)
        }
    }
}

/// Verifies a delivery completely with the Rust HMAC ([`plan_verification`] followed
/// by [`HmacCheck::verify_native`]).
pub fn verify_webhook(
    source: EventSource,
    headers: &Headers,
    body: &[u8],
    keys: &SourceKeys,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    match plan_verification(source, headers, body, keys, now_ms, tolerance_secs)? {
        Verification::Verified => Ok(()),
        Verification::Hmac(check) => check.verify_native(),
    }
}

/// Verifies GitHub's `X-Hub-Signature-256` (the SHA-1 header alone is rejected).
pub fn verify_github_signature(
    headers: &Headers,
    body: &[u8],
    secrets: &SecretSet,
) -> Result<(), VerifyError> {
    let keys = SourceKeys {
        secrets: secrets.clone(),
        signing: SecretSet::default(),
    };
    verify_webhook(EventSource::Github, headers, body, &keys, 0, 0)
}

/// Verifies a Standard Webhooks delivery (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) against `whsec_` secrets.
pub fn verify_standard_webhooks(
    headers: &Headers,
    body: &[u8],
    secrets: &SecretSet,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    match standard_webhooks_check(headers, body, secrets, now_ms, tolerance_secs)? {
        Verification::Verified => Ok(()),
        Verification::Hmac(check) => check.verify_native(),
    }
}

/// `sha256=<64 hex digits>` over the raw body: GitHub, Spacelift, Bitbucket.
fn hex_body_check<'a>(
    header: &'static str,
    value: &str,
    body: &'a [u8],
    secrets: &'a SecretSet,
) -> Result<Verification<'a>, VerifyError> {
    let hex_digits = value
        .strip_prefix("sha256=")
        .ok_or(VerifyError::MalformedHeader {
            header,
            detail: "expected the sha256= prefix",
        })?;
    let mut mac = [0u8; 32];
    hex::decode_to_slice(hex_digits, &mut mac).map_err(|_| VerifyError::MalformedHeader {
        header,
        detail: "expected 64 hex digits",
    })?;
    if secrets.is_empty() {
        return Err(VerifyError::NoSecretConfigured);
    }
    Ok(Verification::Hmac(HmacCheck {
        message: Cow::Borrowed(body),
        keys: secrets,
        expected: vec![mac],
        timestamp: Ok(()),
    }))
}

fn plan_gitlab<'a>(
    headers: &'a Headers,
    body: &'a [u8],
    keys: &'a SourceKeys,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<Verification<'a>, VerifyError> {
    let token = headers.single(GITLAB_TOKEN, false)?;
    if keys.secrets.is_empty() && keys.signing.is_empty() {
        return Err(VerifyError::NoSecretConfigured);
    }
    // A configured mechanism is mandatory: otherwise a sender could drop the stronger
    // signature and fall back to the token alone.
    if !keys.secrets.is_empty() {
        let token = token.ok_or(VerifyError::MissingHeader(GITLAB_TOKEN))?;
        let mut matched = subtle::Choice::from(0);
        for secret in keys.secrets.keys() {
            matched |= secret.as_slice().ct_eq(token.as_bytes());
        }
        if !bool::from(matched) {
            return Err(VerifyError::SignatureMismatch);
        }
    }
    if keys.signing.is_empty() {
        // A signature we hold no secret for cannot be checked; the token was.
        return Ok(Verification::Verified);
    }
    standard_webhooks_check(headers, body, &keys.signing, now_ms, tolerance_secs)
}

fn standard_webhooks_check<'a>(
    headers: &'a Headers,
    body: &'a [u8],
    secrets: &'a SecretSet,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<Verification<'a>, VerifyError> {
    let id = headers.required(WEBHOOK_ID, true)?;
    let timestamp = headers.required(WEBHOOK_TIMESTAMP, true)?;
    // Signatures are "v1,<base64>" separated by single spaces; a folded duplicate
    // header shows up as ", " which base64 never contains.
    let signatures = headers.required(WEBHOOK_SIGNATURE, true)?;
    let timestamp_secs: i64 = timestamp
        .parse()
        .map_err(|_| VerifyError::MalformedHeader {
            header: WEBHOOK_TIMESTAMP,
            detail: "expected Unix seconds",
        })?;
    let mut expected = Vec::new();
    for signature in signatures.split(' ').filter(|s| !s.is_empty()) {
        let Some((version, encoded)) = signature.split_once(',') else {
            return Err(VerifyError::MalformedHeader {
                header: WEBHOOK_SIGNATURE,
                detail: "expected <version>,<base64>",
            });
        };
        // Other versions (v1a: asymmetric) are skipped, as the specification says.
        if version != "v1" {
            continue;
        }
        let mut mac = [0u8; 32];
        match base64::engine::general_purpose::STANDARD.decode_slice(encoded, &mut mac) {
            Ok(32) => expected.push(mac),
            _ => {
                return Err(VerifyError::MalformedHeader {
                    header: WEBHOOK_SIGNATURE,
                    detail: "v1 signature is not 32 bytes of base64",
                });
            }
        }
    }
    if expected.is_empty() {
        return Err(VerifyError::MalformedHeader {
            header: WEBHOOK_SIGNATURE,
            detail: "no v1 signature",
        });
    }
    if secrets.is_empty() {
        return Err(VerifyError::NoSecretConfigured);
    }
    let mut message = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    message.extend_from_slice(id.as_bytes());
    message.push(b'.');
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    Ok(Verification::Hmac(HmacCheck {
        message: Cow::Owned(message),
        keys: secrets,
        expected,
        timestamp: check_timestamp(timestamp_secs, now_ms, tolerance_secs),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_reads_its_secrets_by_one_name_and_bad_ones_are_named() {
        let vars = |name: &str| match name {
            "GITHUB_WEBHOOK_SECRETS" => Some("new-secret-0123456\nold-secret-0123456\n".to_owned()),
            "GITLAB_WEBHOOK_TOKENS" => Some("token-0123456789ab".to_owned()),
            "GITLAB_SIGNING_SECRETS" => Some(format!("whsec_{}", SIGNING_KEY_B64)),
            "SPACELIFT_WEBHOOK_SECRETS" => Some("short".to_owned()),
            "STANDARD_WEBHOOKS_SECRETS" => Some("whsec_!!".to_owned()),
            _ => None,
        };
        let github = SourceKeys::from_lookup(EventSource::Github, vars).expect("github");
        assert_eq!(
            github.secrets.keys(),
            [
                b"new-secret-0123456".to_vec(),
                b"old-secret-0123456".to_vec()
            ]
        );
        let gitlab = SourceKeys::from_lookup(EventSource::Gitlab, vars).expect("gitlab");
        assert_eq!(gitlab.secrets.keys(), [b"token-0123456789ab".to_vec()]);
        assert_eq!(gitlab.signing.keys(), [SIGNING_KEY.to_vec()]);
        let bitbucket = SourceKeys::from_lookup(EventSource::Bitbucket, vars).expect("unset");
        assert!(bitbucket.secrets.is_empty());
        let err =
            SourceKeys::from_lookup(EventSource::StandardWebhooks, vars).expect_err("not base64");
        assert_eq!(err.variable, "STANDARD_WEBHOOKS_SECRETS");
        assert!(
            err.to_string()
                .starts_with("STANDARD_WEBHOOKS_SECRETS: secret 1")
        );
        let err = SourceKeys::from_lookup(EventSource::Spacelift, vars).expect_err("too short");
        assert_eq!(
            err.to_string(),
            "SPACELIFT_WEBHOOK_SECRETS: secret 1 (counting from 1) is not valid: shorter than 16 bytes"
        );
        let short_key =
            |name: &str| (name == "GITLAB_SIGNING_SECRETS").then(|| "whsec_c2VjcmV0".to_owned());
        let err = SourceKeys::from_lookup(EventSource::Gitlab, short_key).expect_err("6 bytes");
        assert_eq!(err.variable, "GITLAB_SIGNING_SECRETS");
    }

    /// A 24-byte Standard Webhooks key, and its base64.
    const SIGNING_KEY: &[u8; 24] = b"gitlab-signing-key-24byt";
    const SIGNING_KEY_B64: &str = "Z2l0bGFiLXNpZ25pbmcta2V5LTI0Ynl0";

    const SECRET: &str = "It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    // GitHub's documented example signature of BODY with SECRET.
    const SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    fn keys(secrets: &str) -> SourceKeys {
        SourceKeys {
            secrets: SecretSet::from_lines(secrets),
            signing: SecretSet::default(),
        }
    }

    fn check(
        source: EventSource,
        h: &Headers,
        body: &[u8],
        k: &SourceKeys,
    ) -> Result<(), VerifyError> {
        verify_webhook(source, h, body, k, 0, 300)
    }

    #[test]
    fn hex_schemes_accept_the_right_signature_with_any_rotated_secret() {
        for (source, header) in [
            (EventSource::Github, "X-Hub-Signature-256"),
            (EventSource::Spacelift, "X-Signature-256"),
            (EventSource::Bitbucket, "X-Hub-Signature"),
        ] {
            let h = Headers::new().with(header, SIG);
            assert_eq!(check(source, &h, BODY, &keys(SECRET)), Ok(()));
            assert_eq!(
                check(source, &h, BODY, &keys(&format!("old\n{SECRET}"))),
                Ok(())
            );
            assert_eq!(
                check(source, &h, b"Hello, World?", &keys(SECRET)),
                Err(VerifyError::SignatureMismatch)
            );
            assert_eq!(
                check(source, &h, BODY, &keys("wrong")),
                Err(VerifyError::SignatureMismatch)
            );
            assert_eq!(
                check(source, &h, BODY, &keys("")),
                Err(VerifyError::NoSecretConfigured)
            );
            let upper =
                Headers::new().with(header, &SIG.to_uppercase().replace("SHA256=", "sha256="));
            assert_eq!(
                check(source, &upper, BODY, &keys(SECRET)),
                Ok(()),
                "hex is case-insensitive"
            );
        }
    }

    #[test]
    fn malformed_missing_and_duplicated_signatures_are_rejected() {
        let k = keys(SECRET);
        let cases = [
            (Headers::new(), VerifyError::MissingHeader(GITHUB_SIGNATURE)),
            (
                Headers::new().with("X-Hub-Signature", "sha1=0123"),
                VerifyError::Sha1Only,
            ),
            (
                Headers::new().with("X-Hub-Signature-256", &SIG.replace("sha256=", "sha1=")),
                VerifyError::MalformedHeader {
                    header: GITHUB_SIGNATURE,
                    detail: "expected the sha256= prefix",
                },
            ),
            (
                Headers::new().with("X-Hub-Signature-256", &SIG.replace("sha256=", "")),
                VerifyError::MalformedHeader {
                    header: GITHUB_SIGNATURE,
                    detail: "expected the sha256= prefix",
                },
            ),
            (
                Headers::new().with("X-Hub-Signature-256", &SIG.replace('7', "z")),
                VerifyError::MalformedHeader {
                    header: GITHUB_SIGNATURE,
                    detail: "expected 64 hex digits",
                },
            ),
            (
                Headers::new().with("X-Hub-Signature-256", &SIG[..SIG.len() - 2]),
                VerifyError::MalformedHeader {
                    header: GITHUB_SIGNATURE,
                    detail: "expected 64 hex digits",
                },
            ),
            (
                Headers::new()
                    .with("X-Hub-Signature-256", SIG)
                    .with("x-hub-signature-256", SIG),
                VerifyError::DuplicatedHeader(GITHUB_SIGNATURE),
            ),
            (
                Headers::new().with("X-Hub-Signature-256", &format!("{SIG}, {SIG}")),
                VerifyError::DuplicatedHeader(GITHUB_SIGNATURE),
            ),
        ];
        for (h, expected) in cases {
            assert_eq!(
                check(EventSource::Github, &h, BODY, &k),
                Err(expected),
                "{h:?}"
            );
        }
    }

    fn gitlab_keys(tokens: &str, signing: &str) -> SourceKeys {
        SourceKeys {
            secrets: SecretSet::from_lines(tokens),
            signing: SecretSet::from_standard_webhooks_lines(signing)
                .expect("valid signing secret"),
        }
    }

    fn standard_headers(secret: &[u8], id: &str, ts: &str, body: &[u8]) -> Headers {
        let mac = crate::hmac_sha256(secret, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
        let sig = base64::engine::general_purpose::STANDARD.encode(mac);
        Headers::new()
            .with("webhook-id", id)
            .with("webhook-timestamp", ts)
            .with("webhook-signature", &format!("v1a,ignored v1,{sig}"))
    }

    #[test]
    fn gitlab_token_is_compared_and_signature_required_when_configured() {
        let token_only = gitlab_keys("tok-new\ntok-old", "");
        let h = Headers::new().with("X-Gitlab-Token", "tok-old");
        assert_eq!(check(EventSource::Gitlab, &h, BODY, &token_only), Ok(()));
        let h = Headers::new().with("X-Gitlab-Token", "tok");
        assert_eq!(
            check(EventSource::Gitlab, &h, BODY, &token_only),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            check(EventSource::Gitlab, &Headers::new(), BODY, &token_only),
            Err(VerifyError::MissingHeader(GITLAB_TOKEN))
        );
        assert_eq!(
            check(
                EventSource::Gitlab,
                &Headers::new(),
                BODY,
                &gitlab_keys("", "")
            ),
            Err(VerifyError::NoSecretConfigured)
        );

        let both = gitlab_keys("tok", "whsec_c2lnbmluZw==");
        let signed = standard_headers(b"signing", "msg_1", "0", BODY).with("X-Gitlab-Token", "tok");
        assert_eq!(check(EventSource::Gitlab, &signed, BODY, &both), Ok(()));
        assert_eq!(
            check(EventSource::Gitlab, &signed, b"other", &both),
            Err(VerifyError::SignatureMismatch)
        );
        let unsigned = Headers::new().with("X-Gitlab-Token", "tok");
        assert_eq!(
            check(EventSource::Gitlab, &unsigned, BODY, &both),
            Err(VerifyError::MissingHeader(WEBHOOK_ID)),
            "a configured signing secret makes the signature mandatory"
        );
    }

    #[test]
    fn standard_webhooks_multiple_signatures_and_timestamps() {
        let secrets = SecretSet::from_keys(vec![b"k2".to_vec(), b"k1".to_vec()]);
        let h = standard_headers(b"k1", "msg_1", "1700000000", BODY);
        let now = 1_700_000_000_000;
        assert_eq!(
            verify_standard_webhooks(&h, BODY, &secrets, now, 300),
            Ok(())
        );
        assert_eq!(
            verify_standard_webhooks(
                &h,
                BODY,
                &SecretSet::from_keys(vec![b"k3".to_vec()]),
                now,
                300
            ),
            Err(VerifyError::SignatureMismatch)
        );
        assert!(matches!(
            verify_standard_webhooks(&h, BODY, &secrets, now + 301_000, 300),
            Err(VerifyError::StaleTimestamp { age_secs: 301, .. })
        ));
        assert!(matches!(
            verify_standard_webhooks(&h, BODY, &secrets, now - 301_000, 300),
            Err(VerifyError::FutureTimestamp { .. })
        ));
        // A stale timestamp with a wrong signature reveals only the mismatch.
        assert_eq!(
            verify_standard_webhooks(&h, b"x", &secrets, now + 301_000, 300),
            Err(VerifyError::SignatureMismatch)
        );
        let bad = |name: &str, value: &str| {
            let mut h2 = Headers::new();
            for (n, v) in h.iter() {
                h2.append(n, if n == name { value } else { v });
            }
            verify_standard_webhooks(&h2, BODY, &secrets, now, 300)
        };
        assert!(matches!(
            bad("webhook-timestamp", "soon"),
            Err(VerifyError::MalformedHeader { .. })
        ));
        assert!(matches!(
            bad("webhook-signature", "v1,AAAA"),
            Err(VerifyError::MalformedHeader { .. })
        ));
        assert!(matches!(
            bad("webhook-signature", "v1:abc"),
            Err(VerifyError::MalformedHeader { .. })
        ));
        assert!(matches!(
            bad("webhook-signature", "v2,abc"),
            Err(VerifyError::MalformedHeader { .. })
        ));
        assert!(matches!(
            bad("webhook-signature", "v1,a, v1,b"),
            Err(VerifyError::DuplicatedHeader(_))
        ));
        assert_eq!(
            bad("webhook-id", "msg_2"),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn the_check_exposes_what_the_worker_needs_for_webcrypto() {
        let k = keys("a\nb");
        let h = Headers::new().with("X-Hub-Signature-256", SIG);
        let Ok(Verification::Hmac(check)) =
            plan_verification(EventSource::Github, &h, BODY, &k, 0, 300)
        else {
            panic!("expected an HMAC check");
        };
        assert_eq!(check.message(), BODY);
        assert_eq!(check.keys().len(), 2);
        let mut expected = [0u8; 32];
        hex::decode_to_slice(&SIG[7..], &mut expected).expect("hex");
        assert!(check.matches(&expected));
        assert!(!check.matches(&[0u8; 32]));
        assert_eq!(check.conclude(true), Ok(()));
    }
}
