//! Edge→backend request signing, so that the backend accepts only the edge.
//!
//! The edge sends `X-Reviewgate-Timestamp: <unix seconds>` and
//! `X-Reviewgate-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`,
//! plus `X-Reviewgate-Trace-Id` and `X-Reviewgate-Event-Id`. Binding the timestamp into
//! the MAC and bounding its age stops a captured request from being replayed later;
//! the backend's own duplicate check (on the event id) covers replays inside the window.

use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::headers::Headers;
use crate::secrets::SecretSet;
use crate::timestamp::check_timestamp;

/// Header carrying the signing time, Unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-reviewgate-timestamp";
/// Header carrying `v1=<hex>` signatures (space-separated when several keys sign).
pub const SIGNATURE_HEADER: &str = "x-reviewgate-signature";
/// Header carrying the trace id.
pub const TRACE_ID_HEADER: &str = "x-reviewgate-trace-id";
/// Header carrying the envelope's event id.
pub const EVENT_ID_HEADER: &str = "x-reviewgate-event-id";

/// The `v1=<hex>` signature of `body` at `timestamp_secs` with `secret`.
pub fn sign(secret: &[u8], timestamp_secs: u64, body: &[u8]) -> String {
    let ts = timestamp_secs.to_string();
    let mac = crate::hmac_sha256(secret, &[ts.as_bytes(), b".", body]);
    format!("v1={}", hex::encode(mac))
}

/// All headers of a signed edge→backend request, signed with the first secret (the
/// current one during a rotation).
pub fn edge_request_headers(
    secret: &[u8],
    now_ms: u64,
    body: &[u8],
    trace_id: &str,
    event_id: &str,
) -> Vec<(&'static str, String)> {
    let ts = now_ms / 1000;
    vec![
        (TIMESTAMP_HEADER, ts.to_string()),
        (SIGNATURE_HEADER, sign(secret, ts, body)),
        (TRACE_ID_HEADER, trace_id.to_owned()),
        (EVENT_ID_HEADER, event_id.to_owned()),
        ("content-type", "application/json".to_owned()),
    ]
}

/// Verifies a request from the edge: a `v1=` signature by any of `secrets` over the
/// timestamp and body, with the timestamp within `tolerance_secs` of `now_ms`.
pub fn verify_edge_request(
    headers: &Headers,
    body: &[u8],
    secrets: &SecretSet,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let ts = headers.required(TIMESTAMP_HEADER, true)?;
    let ts_secs: i64 = ts.parse().map_err(|_| VerifyError::MalformedHeader {
        header: TIMESTAMP_HEADER,
        detail: "expected Unix seconds",
    })?;
    let sent = headers.required(SIGNATURE_HEADER, true)?;
    let mut macs = Vec::new();
    for part in sent.split(' ').filter(|p| !p.is_empty()) {
        let hex_digits = part
            .strip_prefix("v1=")
            .ok_or(VerifyError::MalformedHeader {
                header: SIGNATURE_HEADER,
                detail: "expected v1=<hex>",
            })?;
        let mut mac = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut mac).map_err(|_| VerifyError::MalformedHeader {
            header: SIGNATURE_HEADER,
            detail: "expected 64 hex digits",
        })?;
        macs.push(mac);
    }
    if secrets.is_empty() {
        return Err(VerifyError::NoSecretConfigured);
    }
    let mut matched = subtle::Choice::from(0);
    for key in secrets.keys() {
        let computed = crate::hmac_sha256(key, &[ts.as_bytes(), b".", body]);
        for mac in &macs {
            matched |= computed.ct_eq(mac);
        }
    }
    if !bool::from(matched) {
        return Err(VerifyError::SignatureMismatch);
    }
    check_timestamp(ts_secs, now_ms, tolerance_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_of(pairs: Vec<(&'static str, String)>) -> Headers {
        pairs.into_iter().collect()
    }

    #[test]
    fn signed_requests_verify_with_any_active_key_within_the_window() {
        let now = 1_700_000_000_000;
        let body = br#"{"id":"github:1"}"#;
        let h = headers_of(edge_request_headers(b"new", now, body, "t", "github:1"));
        let rotated = SecretSet::from_lines("old\nnew");
        assert_eq!(
            verify_edge_request(&h, body, &rotated, now + 299_000, 300),
            Ok(())
        );
        assert_eq!(
            verify_edge_request(&h, b"{}", &rotated, now, 300),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify_edge_request(&h, body, &SecretSet::from_lines("old"), now, 300),
            Err(VerifyError::SignatureMismatch)
        );
        assert!(matches!(
            verify_edge_request(&h, body, &rotated, now + 301_000, 300),
            Err(VerifyError::StaleTimestamp { .. })
        ));
    }

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // Independent of `sign`: HMAC-SHA256("key", "1.{}") computed by hand below.
        let expected = crate::hmac_sha256(b"key", &[b"1.{}"]);
        assert_eq!(
            sign(b"key", 1, b"{}"),
            format!("v1={}", hex::encode(expected))
        );
    }

    #[test]
    fn malformed_edge_headers_are_rejected() {
        let s = SecretSet::from_lines("k");
        let base = Headers::new().with(TIMESTAMP_HEADER, "1");
        assert_eq!(
            verify_edge_request(&base, b"", &s, 1000, 300),
            Err(VerifyError::MissingHeader(SIGNATURE_HEADER))
        );
        let h = base.clone().with(SIGNATURE_HEADER, "sha256=00");
        assert!(matches!(
            verify_edge_request(&h, b"", &s, 1000, 300),
            Err(VerifyError::MalformedHeader { .. })
        ));
        let h = base.with(SIGNATURE_HEADER, "v1=zz");
        assert!(matches!(
            verify_edge_request(&h, b"", &s, 1000, 300),
            Err(VerifyError::MalformedHeader { .. })
        ));
    }
}
