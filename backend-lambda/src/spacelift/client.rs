//! A Spacelift GraphQL client for run reviews: exchange an API key for a token, then
//! read what a run plans to change.
//!
//! Spacelift serves one GraphQL endpoint per account (`https://<account>.app.
//! spacelift.io/graphql`, `POST`, `Authorization: Bearer <jwt>`). An API key (id and
//! secret) is exchanged for a JWT with the `apiKeyUser(id, secret) { jwt }` mutation;
//! Spacelift's tokens expire after an hour, so the token is kept and renewed before
//! that, or at once when Spacelift stops accepting it. A run's planned changes are
//! `stack(id) { run(id) { changesV3(input: {}) { resources { address
//! previousAddress metadata { type } } } } }`, the query `spacectl stack changes`
//! sends. The API gives each change's address and kind, not attribute values
//! (what that means for the review: [`super::plan`]).
//!
//! Neither the key secret nor the token appears in an error, a log line or `Debug`.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::error_text::{describe, truncate_with_note};
use crate::logging;

/// Spacelift's tokens are valid for an hour; renewing ten minutes early keeps a
/// token from expiring between being read and being used by a slow request.
const TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);
/// Retries of a request after a 5xx, a 429 or a transport failure. Both requests
/// this client sends are safe to repeat (a read, and a token exchange).
const RETRIES: u32 = 2;
/// First backoff before a retry; doubles per retry.
const RETRY_BACKOFF: Duration = Duration::from_millis(250);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per request; a run with thousands of changes is a few hundred kilobytes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Bounds what a misbehaving proxy can push into our errors and logs.
const MAX_ERROR_MESSAGE_CHARS: usize = 500;

const API_KEY_USER_MUTATION: &str = "mutation ApiKeyUser($id: ID!, $secret: String!) { \
     apiKeyUser(id: $id, secret: $secret) { jwt } }";
const RUN_CHANGES_QUERY: &str = "query RunChanges($stack: ID!, $run: ID!) { \
     stack(id: $stack) { run(id: $run) { id state changesV3(input: {}) { \
     resources { address previousAddress metadata { type } } } } } }";

/// Why a Spacelift call failed. No variant carries the key secret or the token.
#[derive(Debug, thiserror::Error)]
pub enum SpaceliftError {
    /// The endpoint URL or a credential cannot be used for a request.
    #[error("invalid Spacelift request: {0}")]
    InvalidInput(String),
    /// Spacelift refused the API key, or the token made from it.
    #[error("Spacelift rejected the API key")]
    Unauthorized,
    /// The stack or run does not exist, or the API key may not see it.
    #[error("not found on Spacelift: {0}")]
    NotFound(String),
    /// The GraphQL answer carried `errors` (a query Spacelift refused).
    #[error("Spacelift answered with errors: {0}")]
    GraphQl(String),
    /// 5xx, 429, a timeout or a connection failure, after retries.
    #[error("Spacelift is unavailable: {0}")]
    Unavailable(String),
    /// A successful answer whose body is not GraphQL's `{"data": …}` shape.
    #[error("unexpected answer from Spacelift: {0}")]
    Malformed(String),
}

impl SpaceliftError {
    /// Whether the same call can succeed later without any change (an outage, a
    /// rate limit), so that the caller retries instead of giving up.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SpaceliftError::Unavailable(_))
    }
}

/// One resource a run plans to change, as `changesV3` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResourceChange {
    /// The Terraform address after the change.
    pub address: String,
    /// The address before a `moved` block, when it moved.
    #[serde(default)]
    pub previous_address: Option<String>,
    /// What happens to it.
    pub metadata: RunResourceChangeMetadata,
}

/// The kind of a planned change.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RunResourceChangeMetadata {
    /// Spacelift's name for the change (`ADD`, `CHANGE`, `DELETE`, `REPLACE`, …).
    #[serde(rename = "type")]
    pub change_type: String,
}

/// A Spacelift GraphQL client with an API key.
pub struct SpaceliftClient {
    http: reqwest::Client,
    endpoint: Url,
    key_id: String,
    key_secret: String,
    token: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for SpaceliftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpaceliftClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SpaceliftClient {
    /// A client for the account at `api_url` (`https://<account>.app.spacelift.io`,
    /// with or without the trailing `/graphql`) with an API key's id and secret.
    pub fn new(api_url: &str, key_id: String, key_secret: String) -> Result<Self, SpaceliftError> {
        let mut endpoint = Url::parse(api_url.trim_end_matches('/')).map_err(|e| {
            SpaceliftError::InvalidInput(format!("the API URL `{api_url}` is not a URL: {e}"))
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") || endpoint.cannot_be_a_base() {
            return Err(SpaceliftError::InvalidInput(format!(
                "the API URL `{api_url}` must be an http(s) URL"
            )));
        }
        if !endpoint.path().ends_with("/graphql") {
            let path = format!("{}/graphql", endpoint.path().trim_end_matches('/'));
            endpoint.set_path(&path);
        }
        if key_id.trim().is_empty() || key_secret.trim().is_empty() {
            return Err(SpaceliftError::InvalidInput(
                "the API key id and secret must both be set".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent("reviewgate")
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| {
                SpaceliftError::InvalidInput(format!("cannot build the HTTP client: {e}"))
            })?;
        Ok(SpaceliftClient {
            http,
            endpoint,
            key_id,
            key_secret,
            token: Mutex::new(None),
        })
    }

    /// The resources run `run_id` of stack `stack` plans to change (empty before
    /// the run has planned).
    pub async fn run_changes(
        &self,
        stack: &str,
        run_id: &str,
    ) -> Result<Vec<RunResourceChange>, SpaceliftError> {
        let variables = json!({"stack": stack, "run": run_id});
        let (jwt, fresh) = self.jwt().await?;
        let data = match self
            .graphql("run_changes", RUN_CHANGES_QUERY, &variables, Some(&jwt))
            .await
        {
            // A kept token may have been revoked or expired early: one fresh exchange.
            // A token just issued that is refused will not do better the second time.
            Err(SpaceliftError::Unauthorized) if !fresh => {
                *self.token.lock().await = None;
                let (jwt, _) = self.jwt().await?;
                self.graphql("run_changes", RUN_CHANGES_QUERY, &variables, Some(&jwt))
                    .await?
            }
            other => other?,
        };
        let stack_value = data.get("stack").unwrap_or(&Value::Null);
        if stack_value.is_null() {
            return Err(SpaceliftError::NotFound(format!("stack `{stack}`")));
        }
        let run_value = stack_value.get("run").unwrap_or(&Value::Null);
        if run_value.is_null() {
            return Err(SpaceliftError::NotFound(format!(
                "run `{run_id}` of stack `{stack}`"
            )));
        }
        #[derive(Deserialize)]
        struct ChangesV3 {
            #[serde(default)]
            resources: Vec<RunResourceChange>,
        }
        let groups: Vec<ChangesV3> = match run_value.get("changesV3") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| SpaceliftError::Malformed(format!("changesV3: {e}")))?,
        };
        Ok(groups.into_iter().flat_map(|g| g.resources).collect())
    }

    /// The cached token, or a new one from `apiKeyUser` (then `true`).
    async fn jwt(&self) -> Result<(String, bool), SpaceliftError> {
        // Held across the exchange: concurrent callers wait for one token instead of
        // each exchanging the key.
        let mut cached = self.token.lock().await;
        if let Some((jwt, at)) = cached.as_ref()
            && at.elapsed() < TOKEN_LIFETIME
        {
            return Ok((jwt.clone(), false));
        }
        let variables = json!({"id": self.key_id, "secret": self.key_secret});
        let data = self
            .graphql("api_key_user", API_KEY_USER_MUTATION, &variables, None)
            .await?;
        // A wrong id or secret gets `apiKeyUser: null` (or an error) rather than a 401.
        let jwt = data
            .pointer("/apiKeyUser/jwt")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or(SpaceliftError::Unauthorized)?
            .to_owned();
        *cached = Some((jwt.clone(), Instant::now()));
        Ok((jwt, true))
    }

    /// POSTs one GraphQL operation; returns its `data`. Retries outages.
    async fn graphql(
        &self,
        operation: &'static str,
        query: &str,
        variables: &Value,
        jwt: Option<&str>,
    ) -> Result<Value, SpaceliftError> {
        let body = json!({"query": query, "variables": variables});
        let authorization = jwt
            .map(|jwt| {
                HeaderValue::from_str(&format!("Bearer {jwt}"))
                    .map(|mut v| {
                        v.set_sensitive(true);
                        v
                    })
                    .map_err(|_| {
                        SpaceliftError::Malformed("the token is not a header value".into())
                    })
            })
            .transpose()?;
        let mut failures = 0;
        loop {
            let mut request = self.http.post(self.endpoint.clone()).json(&body);
            if let Some(value) = &authorization {
                request = request.header(AUTHORIZATION, value.clone());
            }
            let started = Instant::now();
            let sent = request.send().await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let outage = match sent {
                Err(e) => {
                    logging::perf(operation, elapsed_ms, false);
                    describe(e)
                }
                Ok(response) => {
                    let status = response.status();
                    logging::perf(operation, elapsed_ms, status.is_success());
                    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                        return Err(SpaceliftError::Unauthorized);
                    }
                    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                        let retry_after = response
                            .headers()
                            .get(RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .map(|v| format!(" (retry-after {v})"))
                            .unwrap_or_default();
                        format!("{operation} answered {status}{retry_after}")
                    } else {
                        let bytes = response.bytes().await.map_err(|e| {
                            SpaceliftError::Unavailable(format!("{operation}: {}", describe(e)))
                        })?;
                        return graphql_data(operation, status, &bytes);
                    }
                }
            };
            if failures >= RETRIES {
                return Err(SpaceliftError::Unavailable(outage));
            }
            failures += 1;
            tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(failures - 1)).await;
        }
    }
}

/// The `data` of a GraphQL answer, or its `errors` as an error. GraphQL servers
/// answer 200 with `errors` for a refused query, and some answer 400 with the same
/// body for one that does not validate.
fn graphql_data(
    operation: &str,
    status: StatusCode,
    bytes: &[u8],
) -> Result<Value, SpaceliftError> {
    let Ok(mut body) = serde_json::from_slice::<Value>(bytes) else {
        return Err(SpaceliftError::Malformed(format!(
            "{operation} answered {status} without a JSON body"
        )));
    };
    let messages: Vec<String> = body
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .unwrap_or("an error without a message")
                .to_owned()
        })
        .collect();
    if !messages.is_empty() {
        let joined = messages.join("; ");
        let lower = joined.to_ascii_lowercase();
        if lower.contains("unauthorized") || lower.contains("unauthenticated") {
            return Err(SpaceliftError::Unauthorized);
        }
        if lower.contains("not found") {
            return Err(SpaceliftError::NotFound(truncate_with_note(
                &joined,
                MAX_ERROR_MESSAGE_CHARS,
                "…",
            )));
        }
        return Err(SpaceliftError::GraphQl(truncate_with_note(
            &joined,
            MAX_ERROR_MESSAGE_CHARS,
            "…",
        )));
    }
    if !status.is_success() {
        return Err(SpaceliftError::GraphQl(format!(
            "{operation} answered {status}"
        )));
    }
    match body.get_mut("data").map(Value::take) {
        Some(data @ Value::Object(_)) => Ok(data),
        _ => Err(SpaceliftError::Malformed(format!(
            "{operation}: no `data` object in the answer"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_errors_and_missing_data() {
        let ok = graphql_data("q", StatusCode::OK, br#"{"data": {"x": 1}}"#).expect("data");
        assert_eq!(ok["x"], 1);
        assert!(matches!(
            graphql_data(
                "q",
                StatusCode::OK,
                br#"{"errors": [{"message": "unauthorized"}]}"#
            ),
            Err(SpaceliftError::Unauthorized)
        ));
        assert!(matches!(
            graphql_data("q", StatusCode::BAD_REQUEST, br#"{"errors": [{"message": "Cannot query field \"x\""}]}"#),
            Err(SpaceliftError::GraphQl(m)) if m.contains("Cannot query field")
        ));
        assert!(matches!(
            graphql_data("q", StatusCode::OK, b"<html>"),
            Err(SpaceliftError::Malformed(_))
        ));
    }

    #[test]
    fn the_secret_is_not_in_debug_output() {
        let client = SpaceliftClient::new(
            "https://acme.app.spacelift.io",
            "01KEYID".into(),
            "s3cr3t-value".into(),
        )
        .expect("client");
        let debug = format!("{client:?}");
        assert!(!debug.contains("s3cr3t-value"), "{debug}");
        assert!(
            debug.contains("https://acme.app.spacelift.io/graphql"),
            "{debug}"
        );
    }
}
