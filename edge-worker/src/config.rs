//! Configuration, read once per request from the Worker's vars and secrets into a
//! typed struct. Binding names are the constants below and match `wrangler.toml`.
//! Secrets come only from Worker secrets (`wrangler secret put`, `.dev.vars` locally):
//! several per source, one per line.

use reviewgate_ingress::rate_limit::Limits;
use reviewgate_ingress::verify::SourceKeys;
use reviewgate_ingress::{EventSource, IntakeSettings, SecretSet};
use worker::Env;

use crate::webcrypto::EdgeHmac;

/// A variable or secret that cannot be used; names it, never shows a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// Queue the edge produces envelopes to.
pub const EVENTS_QUEUE: &str = "EVENTS";
/// Dead-letter queue for envelopes the backend never accepted.
pub const DEAD_LETTER_QUEUE: &str = "EVENTS_DLQ";
/// Durable Object namespace: delivery-id deduplication.
pub const DEDUP: &str = "DEDUP";
/// Durable Object namespace: per-organisation (and repository) rate limits.
pub const ORG_LIMITER: &str = "ORG_LIMITER";
/// Durable Object namespace: shards of the global rate limit.
pub const GLOBAL_LIMITER: &str = "GLOBAL_LIMITER";
/// Durable Object namespace: failed authentications per client IP.
pub const AUTH_FAILURES: &str = "AUTH_FAILURES";
/// Secret: edge→backend signing secrets (the first signs; all verify at the backend).
pub const EDGE_SIGNING_SECRETS: &str = "EDGE_SIGNING_SECRETS";
/// How long a delivery id is remembered by default: 72 hours, GitHub's window for
/// redelivering a delivery by hand, so a manual redelivery is still recognised.
pub const DEFAULT_DEDUP_TTL_SECS: u64 = 72 * 60 * 60;
/// Shards of the deduplication store.
pub const DEDUP_SHARDS: u64 = 16;

/// The Worker's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Body limit and replay tolerance (`MAX_BODY_BYTES`, `TIMESTAMP_TOLERANCE_SECS`).
    pub intake: IntakeSettings,
    /// How long a delivery id is remembered.
    pub dedup_ttl_secs: u64,
    /// Rate limits.
    pub limits: Limits,
    /// Compute incoming HMACs with WebCrypto (default, faster in workerd) or the Rust
    /// `hmac`/`sha2` code; `HMAC_IMPL=rust` exists so the benchmark can compare the
    /// two in the same build.
    pub hmac: EdgeHmac,
}

/// Forwarding settings (queue consumer).
#[derive(Debug, Clone)]
pub struct ForwardConfig {
    /// Where envelopes are POSTed.
    pub backend_url: String,
    /// Delivery attempts before an envelope goes to the dead-letter queue.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt.
    pub backoff_base_secs: u32,
    /// Largest retry delay.
    pub backoff_max_secs: u32,
}

fn number(env: &Env, name: &str, default: u64) -> Result<u64, ConfigError> {
    match env.var(name) {
        Err(_) => Ok(default),
        Ok(v) => v
            .to_string()
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a whole number"))),
    }
}

fn small(env: &Env, name: &str, default: u32) -> Result<u32, ConfigError> {
    u32::try_from(number(env, name, u64::from(default))?)
        .map_err(|_| ConfigError(format!("{name} is too large")))
}

impl Config {
    /// Reads the vars, failing with the name of a bad one.
    pub fn from_env(env: &Env) -> Result<Config, ConfigError> {
        let defaults = Limits::default();
        let intake = IntakeSettings::default();
        let config = Config {
            intake: IntakeSettings {
                max_body_bytes: number(env, "MAX_BODY_BYTES", intake.max_body_bytes)?,
                tolerance_secs: number(env, "TIMESTAMP_TOLERANCE_SECS", intake.tolerance_secs)?,
            },
            dedup_ttl_secs: number(env, "DEDUP_TTL_SECS", DEFAULT_DEDUP_TTL_SECS)?,
            limits: Limits {
                per_repository: small(env, "RATE_LIMIT_PER_REPOSITORY", defaults.per_repository)?,
                per_organisation: small(
                    env,
                    "RATE_LIMIT_PER_ORGANISATION",
                    defaults.per_organisation,
                )?,
                global: small(env, "RATE_LIMIT_GLOBAL", defaults.global)?,
                auth_failures_per_ip: small(
                    env,
                    "RATE_LIMIT_AUTH_FAILURES_PER_IP",
                    defaults.auth_failures_per_ip,
                )?,
                window_ms: number(env, "RATE_LIMIT_WINDOW_SECS", defaults.window_ms / 1000)? * 1000,
            },
            hmac: match env.var("HMAC_IMPL").map(|v| v.to_string()) {
                Err(_) => EdgeHmac::WebCrypto,
                Ok(v) if v == "webcrypto" => EdgeHmac::WebCrypto,
                Ok(v) if v == "rust" => EdgeHmac::Rust,
                Ok(_) => {
                    return Err(ConfigError("HMAC_IMPL must be webcrypto or rust".into()));
                }
            },
        };
        // A redelivery must be recognised for as long as its signature is accepted:
        // an id forgotten inside the replay window lets a captured delivery in twice.
        if config.dedup_ttl_secs < config.intake.tolerance_secs {
            return Err(ConfigError(format!(
                "DEDUP_TTL_SECS ({}) must be at least TIMESTAMP_TOLERANCE_SECS ({})",
                config.dedup_ttl_secs, config.intake.tolerance_secs
            )));
        }
        Ok(config)
    }
}

impl ForwardConfig {
    /// Reads the forwarding vars; `BACKEND_URL` is required.
    pub fn from_env(env: &Env) -> Result<ForwardConfig, ConfigError> {
        let backend_url = env
            .var("BACKEND_URL")
            .map(|v| v.to_string())
            .map_err(|_| ConfigError("BACKEND_URL is not set".into()))?;
        Ok(ForwardConfig {
            backend_url,
            max_attempts: small(env, "FORWARD_MAX_ATTEMPTS", 8)?.max(1),
            backoff_base_secs: small(env, "FORWARD_BACKOFF_BASE_SECS", 2)?,
            backoff_max_secs: small(env, "FORWARD_BACKOFF_MAX_SECS", 600)?,
        })
    }
}

fn secret_text(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|s| s.to_string())
}

/// The secrets of `source`; an unset secret is an empty set (every delivery from that
/// source is then refused as `no_secret_configured`).
pub fn source_keys(env: &Env, source: EventSource) -> Result<SourceKeys, ConfigError> {
    SourceKeys::from_lookup(source, |name| secret_text(env, name))
        .map_err(|e| ConfigError(e.to_string()))
}

/// The edge→backend signing secrets.
pub fn edge_signing_secrets(env: &Env) -> Result<SecretSet, ConfigError> {
    let set = SecretSet::from_lines(&secret_text(env, EDGE_SIGNING_SECRETS).unwrap_or_default())
        .require_min_len(reviewgate_ingress::secrets::MIN_SECRET_BYTES)
        .map_err(|e| ConfigError(format!("{EDGE_SIGNING_SECRETS}: {e}")))?;
    if set.is_empty() {
        return Err(ConfigError(format!("{EDGE_SIGNING_SECRETS} is not set")));
    }
    Ok(set)
}
