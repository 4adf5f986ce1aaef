//! A Spacelift GraphQL client for run reviews: exchange an API key for a token, then
//! read what a run plans to change, and turn that into a plan document the core
//! reviews like any `terraform show -json` output.
//!
//! Spacelift serves one GraphQL endpoint per account (`https://<account>.app.
//! spacelift.io/graphql`, `POST`, `Authorization: Bearer <jwt>`). An API key (id and
//! secret) is exchanged for a JWT with the `apiKeyUser(id, secret) { jwt }` mutation;
//! Spacelift's tokens expire after an hour, so the token is kept and renewed before
//! that, or at once when Spacelift stops accepting it. A run's planned changes are
//! `stack(id) { run(id) { changesV3(input: {}) { resources { address
//! previousAddress metadata { type } } } } }`, the query `spacectl stack changes`
//! sends. The API gives each change's address and kind, not attribute values, so the
//! plan built from it carries actions only: the change-risk rules (deletions and
//! replacements of stateful resources, blast radius) can judge it, attribute-level
//! misconfiguration rules cannot (see `events.rs`).
//!
//! Neither the key secret nor the token appears in an error, a log line or `Debug`.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use reviewgate_core::{Address, Document, InputKind, Mode};
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

/// The Terraform plan actions for a Spacelift change type, or `None` for a type this
/// client does not know. Spacelift's schema names its change types in upper case; the
/// Terraform action names and both tenses are accepted, so that a renamed enum value
/// is read rather than silently dropped.
pub fn plan_actions(change_type: &str) -> Option<&'static [&'static str]> {
    let name = change_type
        .trim()
        .to_ascii_uppercase()
        .replace(['-', ' '], "_");
    Some(match name.as_str() {
        "ADD" | "ADDED" | "CREATE" | "CREATED" => &["create"],
        "CHANGE" | "CHANGED" | "UPDATE" | "UPDATED" => &["update"],
        "DELETE" | "DELETED" | "DESTROY" | "DESTROYED" => &["delete"],
        "REPLACE" | "REPLACED" | "DELETE_CREATE" | "DELETE_THEN_CREATE" => &["delete", "create"],
        "CREATE_DELETE" | "CREATE_THEN_DELETE" | "CREATE_BEFORE_DESTROY" => &["create", "delete"],
        "READ" => &["read"],
        // A move or an import alone changes no infrastructure.
        "NOOP" | "NO_OP" | "MOVE" | "MOVED" | "IMPORT" | "IMPORTED" => &["no-op"],
        "FORGET" | "FORGOTTEN" => &["forget"],
        _ => return None,
    })
}

/// A plan document built from a run's changes, and what could not go into it.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// Plan JSON (`format_version`, `resource_changes`) with actions and no values.
    pub document: Document,
    /// Changes left out because their change type is unknown, each as
    /// `<address>: unknown change type `<type>``: worth showing, since a change the
    /// review cannot see may be the risky one.
    pub unknown_change_types: Vec<String>,
    /// Changed entities that are not resources (outputs, for instance): not in a
    /// plan's `resource_changes`, so left out.
    pub non_resources: usize,
}

/// The path findings and errors of a run's plan point at.
pub fn run_plan_path(stack: &str, run_id: &str) -> String {
    format!("spacelift/{stack}/{run_id}.plan.json")
}

/// The plan JSON for a run's changes, so that the core's plan review (change rules,
/// the plan summary, blast radius) runs on it as on `terraform show -json` output.
/// Each change has `before`/`after` objects where the resource exists on that side,
/// empty because the API does not return values.
pub fn run_plan(stack: &str, run_id: &str, changes: &[RunResourceChange]) -> RunPlan {
    let mut unknown_change_types = Vec::new();
    let mut non_resources = 0;
    let mut resource_changes = Vec::with_capacity(changes.len());
    for change in changes {
        let Some(actions) = plan_actions(&change.metadata.change_type) else {
            unknown_change_types.push(format!(
                "{}: unknown change type `{}`",
                change.address, change.metadata.change_type
            ));
            continue;
        };
        let address = match change.address.parse::<Address>() {
            // Spacelift lists outputs among a run's changed entities as
            // `output.<name>` (its policy input gives them the type "output"); no
            // Terraform resource type is called that.
            Ok(address) if address.resource_type == "output" && address.mode == Mode::Managed => {
                non_resources += 1;
                continue;
            }
            Ok(address) => address,
            // Modules and other entities have no resource address.
            Err(_) => {
                non_resources += 1;
                continue;
            }
        };
        let exists_before = !matches!(actions, ["create"] | ["read"]);
        let exists_after = !matches!(actions, ["delete"] | ["forget"]);
        let mut entry = json!({
            "address": change.address,
            "mode": if address.mode == Mode::Data { "data" } else { "managed" },
            "type": address.resource_type,
            "name": address.name,
            "change": {
                "actions": actions,
                "before": if exists_before { json!({}) } else { Value::Null },
                "after": if exists_after { json!({}) } else { Value::Null },
            },
        });
        if let Some(previous) = change.previous_address.as_deref().filter(|p| !p.is_empty()) {
            entry["previous_address"] = json!(previous);
        }
        resource_changes.push(entry);
    }
    let plan = json!({
        // The oldest plan format with every field used above.
        "format_version": "1.0",
        "resource_changes": resource_changes,
    });
    RunPlan {
        document: Document {
            path: run_plan_path(stack, run_id),
            kind: Some(InputKind::Plan),
            content: plan.to_string(),
        },
        unknown_change_types,
        non_resources,
    }
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
    use reviewgate_core::{ChangeSet, Origin, review};

    fn change(address: &str, change_type: &str) -> RunResourceChange {
        RunResourceChange {
            address: address.into(),
            previous_address: None,
            metadata: RunResourceChangeMetadata {
                change_type: change_type.into(),
            },
        }
    }

    #[test]
    fn changes_become_a_plan_the_core_reads() {
        let plan = run_plan(
            "infra-prod",
            "01RUN",
            &[
                change("aws_db_instance.main", "DELETE"),
                change("module.net.aws_subnet.a[\"eu-west-1a\"]", "ADD"),
                change("aws_security_group.web", "REPLACE"),
                change("data.aws_iam_policy_document.p", "READ"),
                change("output.url", "ADD"),
                change("aws_s3_bucket.b", "TELEPORT"),
            ],
        );
        assert_eq!(plan.non_resources, 1, "output.url");
        assert_eq!(
            plan.unknown_change_types,
            vec!["aws_s3_bucket.b: unknown change type `TELEPORT`".to_owned()]
        );
        let cs = ChangeSet::from_documents(Origin::Local, [plan.document]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let summary = review(&cs).changes.plan.expect("a plan summary");
        assert_eq!(summary.actions.get("delete"), Some(&1));
        assert_eq!(summary.actions.get("create"), Some(&1));
        assert_eq!(summary.actions.get("read"), Some(&1));
        assert_eq!(summary.destroyed, vec!["aws_db_instance.main".to_owned()]);
        assert_eq!(summary.replaced, vec!["aws_security_group.web".to_owned()]);
    }

    #[test]
    fn change_type_spellings() {
        assert_eq!(plan_actions("ADD"), Some(&["create"][..]));
        assert_eq!(plan_actions("changed"), Some(&["update"][..]));
        assert_eq!(
            plan_actions("create-then-delete"),
            Some(&["create", "delete"][..])
        );
        assert_eq!(plan_actions("MOVED"), Some(&["no-op"][..]));
        assert_eq!(plan_actions("EXPLODE"), None);
    }

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
