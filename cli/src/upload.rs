//! `reviewgate review … --upload URL`: after the local review, store the change on a
//! reviewgate server (`reviewgate serve` or the API on Lambda) with `POST
//! /api/reviews`, so that a Spacelift hook or any CI job leaves a review the team
//! can find, version and discuss. The server reviews the same documents with the
//! same settings; the CLI prints where the stored review lives.
//!
//! The API key comes from `REVIEWGATE_API_KEY` only: a flag would leave it in shell
//! history and in CI logs that echo commands.

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use reviewgate_core::Document;
use reviewgate_core::config::ReviewConfig;
use serde::Deserialize;
use serde_json::json;

/// Where the API key is read from.
pub const API_KEY_VARIABLE: &str = "REVIEWGATE_API_KEY";
/// A review of a large plan is a large body; the server answers once it has
/// reviewed and stored it.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to upload besides the documents.
pub struct Upload<'a> {
    /// The server's base URL (`http://127.0.0.1:8080`).
    pub server: &'a str,
    /// Stack label (a Spacelift stack id, for instance).
    pub stack: Option<&'a str>,
    /// `owner/repo` label.
    pub repository: Option<&'a str>,
    /// The settings the local review used, sent so the server's review matches.
    pub config: &'a ReviewConfig,
}

/// The stored review, as the server reports it.
#[derive(Debug)]
pub struct Uploaded {
    /// The review's id.
    pub review_id: String,
    /// Its version (1 for a new review).
    pub version: u32,
    /// Where to read it: `<server>/api/reviews/<id>`.
    pub url: String,
    /// The server's risk score, when it scored the change.
    pub risk_score: Option<u8>,
}

#[derive(Deserialize)]
struct StoredVersion {
    review_id: String,
    version: u32,
    review: StoredReview,
}

#[derive(Deserialize)]
struct StoredReview {
    risk: Option<StoredRisk>,
}

#[derive(Deserialize)]
struct StoredRisk {
    score: u8,
}

/// The server's error body: `{"error", "message", "trace_id"}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    message: Option<String>,
    trace_id: Option<String>,
}

/// POSTs `documents` to `<server>/api/reviews` with the key from
/// [`API_KEY_VARIABLE`].
pub fn upload(documents: &[Document], options: &Upload<'_>) -> anyhow::Result<Uploaded> {
    let key = std::env::var(API_KEY_VARIABLE)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            anyhow!(
                "{API_KEY_VARIABLE} is not set: create a key on the server \
                 (`reviewgate keys create --name ci`) and export it"
            )
        })?;
    let base = options.server.trim_end_matches('/');
    let endpoint = reqwest::Url::parse(&format!("{base}/api/reviews"))
        .with_context(|| format!("--upload {}: not a URL", options.server))?;
    if !matches!(endpoint.scheme(), "http" | "https") {
        bail!("--upload {}: must be an http(s) URL", options.server);
    }
    if documents.is_empty() {
        bail!("nothing to upload: no input was read");
    }
    let body = json!({
        "documents": documents
            .iter()
            .map(|d| {
                let mut doc = json!({"path": d.path, "content": d.content});
                if let Some(kind) = d.kind {
                    doc["kind"] = json!(kind.as_str());
                }
                doc
            })
            .collect::<Vec<_>>(),
        "repository": options.repository,
        "stack": options.stack,
        "config": config_toml(options.config),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (status, text) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .user_agent(concat!("reviewgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(UPLOAD_TIMEOUT)
            .build()
            .context("cannot build the HTTP client")?;
        let response = client
            .post(endpoint.clone())
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            // Without the URL: it is printed below, once, and a proxy's may hold
            // credentials.
            .map_err(|e| anyhow!("{}", e.without_url()))
            .with_context(|| format!("cannot reach {endpoint}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        anyhow::Ok((status, text))
    })?;
    if !status.is_success() {
        let detail = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(ErrorBody {
                error,
                message,
                trace_id,
            }) => {
                let mut detail = [error, message]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ");
                if let Some(trace_id) = trace_id {
                    detail.push_str(&format!(" (trace id {trace_id})"));
                }
                detail
            }
            Err(_) => text.chars().take(300).collect(),
        };
        bail!("the server refused the upload ({status}): {detail}");
    }
    let stored: StoredVersion = serde_json::from_str(&text)
        .with_context(|| format!("the server answered {status} with an unexpected body"))?;
    Ok(Uploaded {
        url: format!("{base}/api/reviews/{}", stored.review_id),
        review_id: stored.review_id,
        version: stored.version,
        risk_score: stored.review.risk.map(|r| r.score),
    })
}

/// The settings as `.reviewgate.toml` text. Only what changes findings is sent:
/// excluded files were never read, and `fail_on` is the CLI's exit code.
fn config_toml(config: &ReviewConfig) -> Option<String> {
    let mut text = String::new();
    if let Some(threshold) = config.severity_threshold {
        text.push_str(&format!(
            "severity_threshold = \"{}\"\n",
            threshold.as_str()
        ));
    }
    if !config.disabled_rules.is_empty() {
        // JSON strings and arrays of them are valid TOML basic strings and arrays.
        let rules = serde_json::to_string(&config.disabled_rules).unwrap_or_default();
        text.push_str(&format!("disabled_rules = {rules}\n"));
    }
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reviewgate_core::Severity;

    #[test]
    fn settings_round_trip_through_toml() {
        assert_eq!(config_toml(&ReviewConfig::default()), None);
        let config = ReviewConfig {
            severity_threshold: Some(Severity::Medium),
            fail_on: Some(Severity::High),
            disabled_rules: vec!["RG-AWS-S3-001".into(), "CKV_AWS_18 \"quoted\"".into()],
            exclude_paths: vec!["modules/**".into()],
        };
        let text = config_toml(&config).expect("some settings");
        let parsed = ReviewConfig::from_toml(&text).expect("the server parses it");
        assert_eq!(parsed.severity_threshold, config.severity_threshold);
        assert_eq!(parsed.disabled_rules, config.disabled_rules);
        assert_eq!(parsed.fail_on, None);
        assert!(parsed.exclude_paths.is_empty());
    }
}
