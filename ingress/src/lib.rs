//! reviewgate's webhook ingress logic, pure and natively testable.
//!
//! The Cloudflare Worker (`edge-worker`), the backend and the local server share this
//! crate: it verifies webhook signatures (GitHub, Spacelift, Bitbucket Cloud, GitLab,
//! Standard Webhooks) against several secrets at once, derives delivery ids, checks
//! signed timestamps, decides rate limits, normalizes payloads into the
//! [`EventEnvelope`] that the edge forwards and the backend consumes (defined here, not
//! in the review core: the wire format of events is ingress's business) and signs
//! edge→backend requests. It does no I/O and reads no clock (callers pass `now`), and it must not
//! depend on `worker`, `tokio` or any other platform crate — the Worker computes its
//! incoming HMACs with WebCrypto through [`verify::HmacCheck`], everything else is
//! shared as is.

pub mod delivery;
pub mod edge_signing;
pub mod error;
pub mod event;
pub mod headers;
pub mod normalize;
pub mod outcome;
pub mod pipeline;
pub mod ports;
pub mod process_limiter;
pub mod rate_limit;
pub mod secrets;
pub mod sign;
pub mod timestamp;
pub mod verify;

pub use error::{NormalizeError, VerifyError};
pub use event::{EventEnvelope, EventKind, EventSource};
pub use headers::Headers;
pub use normalize::{Normalized, normalize};
pub use outcome::{Outcome, Refusal, WireResponse};
pub use pipeline::{Delivery, Ingested, IntakeSettings, Pipeline};
pub use secrets::SecretSet;
pub use verify::{HmacCheck, SourceKeys, Verification, plan_verification, verify_webhook};

/// Default replay tolerance for signed timestamps (Standard Webhooks recommends 5 minutes).
pub const DEFAULT_TOLERANCE_SECS: u64 = 5 * 60;

/// HMAC-SHA256 of the concatenated parts, with the Rust `hmac`/`sha2` crates.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length (long keys are hashed), so this cannot fail.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .expect("HMAC-SHA256 takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Hex SHA-256 of `bytes`, for ids derived from a body.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
