//! API keys: high-entropy random keys handed out once by the admin command, stored
//! only as their SHA-256 (a fast hash is enough for 256-bit random keys: there is
//! nothing to brute-force), checked on every `/api` route together with the key's
//! rate limit ([`super::limits::RateLimiter`]).

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sha2::{Digest, Sha256};

use super::state::{AppState, RequestContext};
use crate::error::ApiError;
use crate::logging::{self, AuditEvent};
use crate::model::ApiKeyRecord;
use crate::store::{ReviewStore, StoreError};

/// Prefix of every key, so that secret scanners recognise leaked ones.
pub const KEY_PREFIX: &str = "rgk_";

/// Who is calling: the name the key was created with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The key's name (logged as `user_id`).
    pub name: String,
}

/// A new random key: `rgk_` and 64 hex digits (256 bits from the OS).
pub fn generate_api_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{KEY_PREFIX}{}", hex::encode(bytes)))
}

/// What is stored for a key.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key named `name`, stores its hash and returns the key (shown once).
pub async fn create_api_key(store: &dyn ReviewStore, name: &str) -> Result<String, StoreError> {
    let key = generate_api_key().map_err(|e| StoreError::Backend(e.to_string()))?;
    store
        .put_api_key(&ApiKeyRecord {
            key_hash: hash_api_key(&key),
            name: name.to_owned(),
            created_at: Utc::now(),
        })
        .await?;
    Ok(key)
}

/// Middleware on every `/api` route: a known key or 401, within its rate or 429.
/// Both outcomes are audited; refusals are also SECURITY events.
pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let context = request
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .unwrap_or_default();
    let path = request.uri().path().to_owned();
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let found = match presented {
        None => None,
        Some(key) => match state.store.find_api_key(&hash_api_key(key)).await {
            Ok(found) => found,
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    let Some(record) = found else {
        let reason = if presented.is_some() {
            "unknown API key"
        } else {
            "missing API key"
        };
        logging::security("unauthorized", reason, &context.ip_address);
        logging::audit(AuditEvent {
            event_type: "access",
            user_id: "anonymous",
            resource: &path,
            action: "authorize",
            success: false,
            ip_address: &context.ip_address,
        });
        return ApiError::unauthorized().into_response();
    };
    if !state.rate_limiter.allow(&record.key_hash) {
        logging::security("rate_limited", &record.name, &context.ip_address);
        logging::audit(AuditEvent {
            event_type: "access",
            user_id: &record.name,
            resource: &path,
            action: "authorize",
            success: false,
            ip_address: &context.ip_address,
        });
        return ApiError::rate_limited(
            "too many requests for this API key; retry after a minute",
            60,
        )
        .into_response();
    }
    logging::audit(AuditEvent {
        event_type: "access",
        user_id: &record.name,
        resource: &path,
        action: "authorize",
        success: true,
        ip_address: &context.ip_address,
    });
    request
        .extensions_mut()
        .insert(Principal { name: record.name });
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashes_are_not_the_key() {
        let a = generate_api_key().expect("OS randomness");
        let b = generate_api_key().expect("OS randomness");
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_PREFIX.len() + 64);
        assert_eq!(hash_api_key(&a).len(), 64);
        assert!(!hash_api_key(&a).contains(&a[KEY_PREFIX.len()..]));
    }
}
