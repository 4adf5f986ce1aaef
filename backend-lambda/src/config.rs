//! Configuration, read once from the environment into a typed struct; a missing or
//! malformed variable fails start-up with a message naming it.

use std::path::PathBuf;
use std::time::Duration;

use reviewgate_ingress::SecretSet;

use crate::client_ip::TrustedProxies;
use reviewgate_ingress::event::EventSource;
use reviewgate_ingress::rate_limit::Limits;
use reviewgate_ingress::verify::{SourceKeys, SourceKeysError};

/// Which store holds the reviews.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreConfig {
    /// SQLite file (`REVIEWGATE_STORE=embedded`, `REVIEWGATE_DB_PATH`).
    Embedded {
        /// Database file.
        path: PathBuf,
    },
    /// DynamoDB (`REVIEWGATE_STORE=dynamodb`, `REVIEWGATE_TABLE`).
    DynamoDb {
        /// Table name.
        table: String,
    },
}

/// Which model reviews changes after the rules.
#[derive(Clone, PartialEq, Eq)]
pub enum LlmConfig {
    /// Rules only (`REVIEWGATE_LLM=none`, the default).
    None,
    /// Bedrock Converse (`REVIEWGATE_LLM=bedrock`, `REVIEWGATE_BEDROCK_MODEL_ID`).
    /// The endpoint follows the AWS SDK's own settings, including
    /// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.
    Bedrock {
        /// Model or inference-profile id.
        model_id: String,
    },
    /// An OpenAI-compatible server (`REVIEWGATE_LLM=openai`,
    /// `REVIEWGATE_OPENAI_BASE_URL`, `REVIEWGATE_OPENAI_MODEL`, optional
    /// `REVIEWGATE_OPENAI_API_KEY`).
    OpenAiCompatible {
        /// Base URL, e.g. `http://127.0.0.1:11434/v1`.
        base_url: String,
        /// Model name.
        model: String,
        /// Bearer token, when the server wants one.
        api_key: Option<String>,
    },
}

impl std::fmt::Debug for LlmConfig {
    // The API key must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LlmConfig::None => f.write_str("None"),
            LlmConfig::Bedrock { model_id } => f
                .debug_struct("Bedrock")
                .field("model_id", model_id)
                .finish(),
            LlmConfig::OpenAiCompatible {
                base_url, model, ..
            } => f
                .debug_struct("OpenAiCompatible")
                .field("base_url", base_url)
                .field("model", model)
                .finish_non_exhaustive(),
        }
    }
}

/// The secrets intake verifies with. `Debug` shows counts only.
#[derive(Clone, Debug, Default)]
pub struct IntakeSecrets {
    /// Edge→backend signing secrets (`REVIEWGATE_EDGE_SECRETS`, one per line).
    pub edge: SecretSet,
    /// GitHub webhook secrets.
    pub github: SourceKeys,
    /// GitLab tokens and signing secrets.
    pub gitlab: SourceKeys,
    /// Bitbucket Cloud webhook secrets.
    pub bitbucket: SourceKeys,
    /// Spacelift webhook secrets.
    pub spacelift: SourceKeys,
    /// Standard Webhooks secrets.
    pub standard_webhooks: SourceKeys,
}

impl IntakeSecrets {
    /// The edge secrets plus every source's, read through `lookup` by the names
    /// [`SourceKeys::from_lookup`] gives.
    pub fn from_lookup(
        edge: SecretSet,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<IntakeSecrets, SourceKeysError> {
        let keys = |source| SourceKeys::from_lookup(source, &lookup);
        Ok(IntakeSecrets {
            edge,
            github: keys(EventSource::Github)?,
            gitlab: keys(EventSource::Gitlab)?,
            bitbucket: keys(EventSource::Bitbucket)?,
            spacelift: keys(EventSource::Spacelift)?,
            standard_webhooks: keys(EventSource::StandardWebhooks)?,
        })
    }

    /// The secrets for webhooks sent straight from `source`.
    pub fn keys(&self, source: EventSource) -> &SourceKeys {
        match source {
            EventSource::Github => &self.github,
            EventSource::Gitlab => &self.gitlab,
            EventSource::Bitbucket => &self.bitbucket,
            EventSource::Spacelift => &self.spacelift,
            EventSource::StandardWebhooks => &self.standard_webhooks,
        }
    }

    /// The sources with at least one secret: those whose webhooks are accepted.
    pub fn configured_sources(&self) -> Vec<EventSource> {
        EventSource::ALL
            .into_iter()
            .filter(|&source| !self.keys(source).secrets.is_empty())
            .collect()
    }
}

/// Everything the backend reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// The store.
    pub store: StoreConfig,
    /// The model.
    pub llm: LlmConfig,
    /// Per model call (`REVIEWGATE_AI_TIMEOUT_SECS`, default 60).
    pub ai_timeout: Duration,
    /// Input tokens the prompt may use (`REVIEWGATE_AI_TOKEN_BUDGET`, default 24,000).
    pub token_budget: usize,
    /// Requests per API key per minute (`REVIEWGATE_RATE_LIMIT_PER_MINUTE`, default 600).
    pub rate_limit_per_minute: u32,
    /// Largest accepted request body (`REVIEWGATE_MAX_BODY_BYTES`, default 10 MiB).
    pub max_body_bytes: usize,
    /// Replay tolerance of signed timestamps (webhooks and edge envelopes), seconds.
    pub timestamp_tolerance_secs: u64,
    /// Proxies whose `X-Forwarded-For` is believed (`REVIEWGATE_TRUSTED_PROXIES`);
    /// none by default.
    pub trusted_proxies: TrustedProxies,
    /// Event-intake secrets: `REVIEWGATE_EDGE_SECRETS` for envelopes from the edge,
    /// and for webhooks straight from a provider the Worker's names with a
    /// `REVIEWGATE_` prefix (`REVIEWGATE_GITHUB_WEBHOOK_SECRETS`,
    /// `REVIEWGATE_GITLAB_WEBHOOK_TOKENS`, …); one secret per line, several during a
    /// rotation. Unset: that intake answers 503.
    pub intake: IntakeSecrets,
    /// Webhook limits of this process (`REVIEWGATE_RATE_LIMIT_PER_REPOSITORY` 100,
    /// `…_PER_ORGANISATION` 1,000, `…_GLOBAL` 10,000, `…_AUTH_FAILURES_PER_IP` 20,
    /// per `REVIEWGATE_RATE_LIMIT_WINDOW_SECS` 60): exact for a single server; on
    /// Lambda each instance counts alone, so put the edge in front for exact limits.
    pub webhook_limits: Limits,
    /// Where pull requests are fetched from and reported to (`REVIEWGATE_GITHUB_TOKEN`
    /// or a GitHub App, see [`GitHubCredentials`]; `REVIEWGATE_GITHUB_API_URL`,
    /// default `https://api.github.com`). Neither: pull-request events are recorded
    /// but not reviewed, and say why.
    pub github: Option<GitHubConfig>,
    /// Where merge requests are fetched from and reported to (`REVIEWGATE_GITLAB_TOKEN`,
    /// an access token with the `api` scope; `REVIEWGATE_GITLAB_API_URL`, default
    /// `https://gitlab.com/api/v4`). Unset token: merge-request events are recorded
    /// but not reviewed, and say why.
    pub gitlab: Option<GitLabConfig>,
    /// Where Bitbucket Cloud pull requests are fetched from and reported to
    /// (`REVIEWGATE_BITBUCKET_TOKEN`: an access token, or with
    /// `REVIEWGATE_BITBUCKET_USERNAME` an API token or app password;
    /// `REVIEWGATE_BITBUCKET_API_URL`, default `https://api.bitbucket.org/2.0`).
    pub bitbucket: Option<BitbucketConfig>,
    /// Where Spacelift runs' planned changes are fetched from
    /// (`REVIEWGATE_SPACELIFT_API_URL`, e.g. `https://acme.app.spacelift.io`, with
    /// `REVIEWGATE_SPACELIFT_API_KEY_ID` and `REVIEWGATE_SPACELIFT_API_KEY_SECRET`).
    /// Unset: runs are reviewed from the webhook's resource counts alone.
    pub spacelift: Option<SpaceliftConfig>,
    /// The verdict on a pull request reviewgate could not review — refused by its
    /// host, too large, broken settings, failed every attempt
    /// (`REVIEWGATE_FAILURE_CONCLUSION`, `failure` by default).
    pub failure_conclusion: FailureConclusion,
}

/// What a pull request's check says when reviewgate could not review it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailureConclusion {
    /// The check fails: nothing merges unreviewed (the default).
    #[default]
    Failure,
    /// The check is neutral: it says why, and does not block the merge.
    Neutral,
}

/// A Spacelift API key. `Debug` never shows the secret.
#[derive(Clone)]
pub struct SpaceliftConfig {
    /// The account's API URL.
    pub api_url: String,
    /// API key id.
    pub key_id: String,
    /// API key secret.
    pub key_secret: String,
}

impl std::fmt::Debug for SpaceliftConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpaceliftConfig")
            .field("api_url", &self.api_url)
            .field("key_id", &self.key_id)
            .field("key_secret", &"<redacted>")
            .finish()
    }
}

/// The GitHub REST API the pull-request loop uses. `Debug` never shows a secret.
#[derive(Clone, Debug)]
pub struct GitHubConfig {
    /// API base URL (GitHub Enterprise: `https://HOST/api/v3`).
    pub api_url: String,
    /// How reviewgate signs in.
    pub credentials: GitHubCredentials,
}

/// A token, or a GitHub App (which alone may write check runs with annotations).
#[derive(Clone)]
pub enum GitHubCredentials {
    /// `REVIEWGATE_GITHUB_TOKEN`: a token that may read pull requests and contents
    /// and write issue comments and commit statuses (check runs too when it is an
    /// installation token).
    Token(String),
    /// `REVIEWGATE_GITHUB_APP_ID` with `REVIEWGATE_GITHUB_APP_PRIVATE_KEY` (the PEM
    /// text) or `REVIEWGATE_GITHUB_APP_PRIVATE_KEY_PATH` (the `.pem` file).
    App {
        /// The App id (or client id).
        app_id: String,
        /// The private key, PEM.
        private_key_pem: String,
    },
}

impl std::fmt::Debug for GitHubCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitHubCredentials::Token(_) => f.write_str("Token(<redacted>)"),
            GitHubCredentials::App { app_id, .. } => f
                .debug_struct("App")
                .field("app_id", app_id)
                .field("private_key_pem", &"<redacted>")
                .finish(),
        }
    }
}

/// GitHub's settings: a token or an App, not both, and not half an App.
fn github_config(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<GitHubConfig>, ConfigError> {
    let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let token = set("REVIEWGATE_GITHUB_TOKEN");
    let app_id = set("REVIEWGATE_GITHUB_APP_ID");
    let key_path = set("REVIEWGATE_GITHUB_APP_PRIVATE_KEY_PATH");
    let key = match (set("REVIEWGATE_GITHUB_APP_PRIVATE_KEY"), key_path) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "REVIEWGATE_GITHUB_APP_PRIVATE_KEY_PATH",
                reason: "set the key or its path, not both".into(),
            });
        }
        (Some(pem), None) => Some(pem),
        (None, Some(path)) => {
            Some(
                std::fs::read_to_string(path.trim()).map_err(|e| ConfigError::Invalid {
                    name: "REVIEWGATE_GITHUB_APP_PRIVATE_KEY_PATH",
                    reason: format!("cannot read {}: {e}", path.trim()),
                })?,
            )
        }
        (None, None) => None,
    };
    let credentials = match (token, app_id, key) {
        (None, None, None) => return Ok(None),
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "REVIEWGATE_GITHUB_TOKEN",
                reason: "set a token or a GitHub App (REVIEWGATE_GITHUB_APP_ID and its \
                         private key), not both"
                    .into(),
            });
        }
        (Some(token), None, None) => GitHubCredentials::Token(token.trim().to_owned()),
        (None, Some(app_id), Some(private_key_pem)) => GitHubCredentials::App {
            app_id: app_id.trim().to_owned(),
            private_key_pem,
        },
        (None, None, Some(_)) => return Err(ConfigError::Missing("REVIEWGATE_GITHUB_APP_ID")),
        (None, Some(_), None) => {
            return Err(ConfigError::Missing("REVIEWGATE_GITHUB_APP_PRIVATE_KEY"));
        }
    };
    Ok(Some(GitHubConfig {
        api_url: lookup("REVIEWGATE_GITHUB_API_URL")
            .unwrap_or_else(|| "https://api.github.com".into()),
        credentials,
    }))
}

/// The GitLab REST API the merge-request loop uses. `Debug` never shows the token.
#[derive(Clone)]
pub struct GitLabConfig {
    /// API base URL (self-managed: `https://HOST/api/v4`).
    pub api_url: String,
    /// A personal, project or group access token with the `api` scope.
    pub token: String,
}

impl std::fmt::Debug for GitLabConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitLabConfig")
            .field("api_url", &self.api_url)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// The Bitbucket Cloud REST API the pull-request loop uses. `Debug` never shows
/// the token.
#[derive(Clone)]
pub struct BitbucketConfig {
    /// API base URL.
    pub api_url: String,
    /// An access token (sent as `Bearer`), or the password of `username`.
    pub token: String,
    /// Set for API tokens and app passwords, which are sent with it as `Basic`.
    pub username: Option<String>,
}

impl std::fmt::Debug for BitbucketConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BitbucketConfig")
            .field("api_url", &self.api_url)
            .field("token", &"<redacted>")
            .field("username", &self.username)
            .finish()
    }
}

/// A variable that is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A webhook secret variable that cannot be used (named with its prefix).
    #[error("environment variable REVIEWGATE_{0}")]
    Secret(SourceKeysError),
    /// Required and unset.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// Set to something unusable.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let required = |name: &'static str| lookup(name).ok_or(ConfigError::Missing(name));
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            lookup(name).map_or(Ok(default), |v| {
                v.parse().map_err(|_| ConfigError::Invalid {
                    name,
                    reason: format!("`{v}` is not a whole number"),
                })
            })
        };
        let secrets = |name: &'static str| -> Result<SecretSet, ConfigError> {
            lookup(name)
                .map_or_else(SecretSet::default, |v| SecretSet::from_lines(&v))
                .require_min_len(reviewgate_ingress::secrets::MIN_SECRET_BYTES)
                .map_err(|e| ConfigError::Invalid {
                    name,
                    reason: e.to_string(),
                })
        };
        let store = match lookup("REVIEWGATE_STORE").as_deref() {
            None | Some("embedded") => StoreConfig::Embedded {
                path: lookup("REVIEWGATE_DB_PATH")
                    .map_or_else(|| PathBuf::from("reviewgate.db"), PathBuf::from),
            },
            Some("dynamodb") => StoreConfig::DynamoDb {
                table: required("REVIEWGATE_TABLE")?,
            },
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "REVIEWGATE_STORE",
                    reason: format!("`{other}` is not `embedded` or `dynamodb`"),
                });
            }
        };
        let llm = match lookup("REVIEWGATE_LLM").as_deref() {
            None | Some("none") => LlmConfig::None,
            Some("bedrock") => LlmConfig::Bedrock {
                model_id: required("REVIEWGATE_BEDROCK_MODEL_ID")?,
            },
            Some("openai") => LlmConfig::OpenAiCompatible {
                base_url: required("REVIEWGATE_OPENAI_BASE_URL")?,
                model: required("REVIEWGATE_OPENAI_MODEL")?,
                api_key: lookup("REVIEWGATE_OPENAI_API_KEY"),
            },
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "REVIEWGATE_LLM",
                    reason: format!("`{other}` is not `none`, `bedrock` or `openai`"),
                });
            }
        };
        let failure_conclusion = match lookup("REVIEWGATE_FAILURE_CONCLUSION").as_deref() {
            None | Some("failure") => FailureConclusion::Failure,
            Some("neutral") => FailureConclusion::Neutral,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "REVIEWGATE_FAILURE_CONCLUSION",
                    reason: format!("`{other}` is not `failure` or `neutral`"),
                });
            }
        };
        Ok(Config {
            failure_conclusion,
            store,
            llm,
            ai_timeout: Duration::from_secs(number("REVIEWGATE_AI_TIMEOUT_SECS", 60)?),
            token_budget: number("REVIEWGATE_AI_TOKEN_BUDGET", 24_000)? as usize,
            rate_limit_per_minute: number("REVIEWGATE_RATE_LIMIT_PER_MINUTE", 600)? as u32,
            max_body_bytes: number("REVIEWGATE_MAX_BODY_BYTES", 10 * 1024 * 1024)? as usize,
            timestamp_tolerance_secs: number(
                "REVIEWGATE_TIMESTAMP_TOLERANCE_SECS",
                reviewgate_ingress::DEFAULT_TOLERANCE_SECS,
            )?,
            trusted_proxies: TrustedProxies::parse(
                &lookup("REVIEWGATE_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|reason| ConfigError::Invalid {
                name: "REVIEWGATE_TRUSTED_PROXIES",
                reason,
            })?,
            intake: IntakeSecrets::from_lookup(secrets("REVIEWGATE_EDGE_SECRETS")?, |name| {
                lookup(&format!("REVIEWGATE_{name}"))
            })
            .map_err(ConfigError::Secret)?,
            webhook_limits: {
                let defaults = Limits::default();
                let limit = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
                    let n = number(name, u64::from(default))?;
                    u32::try_from(n).map_err(|_| ConfigError::Invalid {
                        name,
                        reason: format!("{n} is too large"),
                    })
                };
                Limits {
                    per_repository: limit(
                        "REVIEWGATE_RATE_LIMIT_PER_REPOSITORY",
                        defaults.per_repository,
                    )?,
                    per_organisation: limit(
                        "REVIEWGATE_RATE_LIMIT_PER_ORGANISATION",
                        defaults.per_organisation,
                    )?,
                    global: limit("REVIEWGATE_RATE_LIMIT_GLOBAL", defaults.global)?,
                    auth_failures_per_ip: limit(
                        "REVIEWGATE_RATE_LIMIT_AUTH_FAILURES_PER_IP",
                        defaults.auth_failures_per_ip,
                    )?,
                    window_ms: number(
                        "REVIEWGATE_RATE_LIMIT_WINDOW_SECS",
                        defaults.window_ms / 1000,
                    )?
                    .saturating_mul(1000)
                    .max(1000),
                }
            },
            github: github_config(&lookup)?,
            gitlab: lookup("REVIEWGATE_GITLAB_TOKEN")
                .filter(|token| !token.trim().is_empty())
                .map(|token| GitLabConfig {
                    api_url: lookup("REVIEWGATE_GITLAB_API_URL")
                        .unwrap_or_else(|| "https://gitlab.com/api/v4".into()),
                    token: token.trim().to_owned(),
                }),
            bitbucket: lookup("REVIEWGATE_BITBUCKET_TOKEN")
                .filter(|token| !token.trim().is_empty())
                .map(|token| BitbucketConfig {
                    api_url: lookup("REVIEWGATE_BITBUCKET_API_URL")
                        .unwrap_or_else(|| "https://api.bitbucket.org/2.0".into()),
                    token: token.trim().to_owned(),
                    username: lookup("REVIEWGATE_BITBUCKET_USERNAME")
                        .map(|name| name.trim().to_owned())
                        .filter(|name| !name.is_empty()),
                }),
            spacelift: {
                let set = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
                let parts = [
                    set("REVIEWGATE_SPACELIFT_API_URL"),
                    set("REVIEWGATE_SPACELIFT_API_KEY_ID"),
                    set("REVIEWGATE_SPACELIFT_API_KEY_SECRET"),
                ];
                match parts {
                    [Some(api_url), Some(key_id), Some(key_secret)] => Some(SpaceliftConfig {
                        api_url,
                        key_id: key_id.trim().to_owned(),
                        key_secret: key_secret.trim().to_owned(),
                    }),
                    [None, None, None] => None,
                    // Half a key is a mistake, not a choice to go without one.
                    _ => {
                        let missing = [
                            "REVIEWGATE_SPACELIFT_API_URL",
                            "REVIEWGATE_SPACELIFT_API_KEY_ID",
                            "REVIEWGATE_SPACELIFT_API_KEY_SECRET",
                        ]
                        .into_iter()
                        .zip(&parts)
                        .find(|(_, v)| v.is_none())
                        .map(|(name, _)| name)
                        .expect("one part is missing");
                        return Err(ConfigError::Missing(missing));
                    }
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamodb_without_a_table_names_the_variable() {
        let err =
            Config::from_lookup(|name| (name == "REVIEWGATE_STORE").then(|| "dynamodb".to_owned()))
                .expect_err("the table is required");
        assert_eq!(
            err.to_string(),
            "environment variable REVIEWGATE_TABLE is required"
        );
    }

    #[test]
    fn github_is_a_token_or_a_whole_app_never_both() {
        let config = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Config::from_lookup(move |name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
        };
        let token = config(&[("REVIEWGATE_GITHUB_TOKEN", "ghp_x")]).expect("valid");
        assert!(matches!(
            token.github.as_ref().map(|g| &g.credentials),
            Some(GitHubCredentials::Token(t)) if t == "ghp_x"
        ));
        let key_file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(
            key_file.path(),
            "-----BEGIN RSA PRIVATE KEY-----\nsecret-pem\n",
        )
        .expect("write");
        let path = key_file.path().to_str().expect("utf-8 path");
        let app = config(&[
            ("REVIEWGATE_GITHUB_APP_ID", "123"),
            ("REVIEWGATE_GITHUB_APP_PRIVATE_KEY_PATH", path),
        ])
        .expect("valid");
        let Some(GitHubCredentials::App {
            app_id,
            private_key_pem,
        }) = app.github.as_ref().map(|g| &g.credentials)
        else {
            panic!("expected an App: {app:?}");
        };
        assert_eq!(app_id, "123");
        assert!(private_key_pem.contains("secret-pem"));
        assert!(!format!("{app:?}").contains("secret-pem"));
        let both = config(&[
            ("REVIEWGATE_GITHUB_TOKEN", "ghp_x"),
            ("REVIEWGATE_GITHUB_APP_ID", "123"),
        ])
        .expect_err("ambiguous");
        assert!(both.to_string().contains("not both"), "{both}");
        let half = config(&[("REVIEWGATE_GITHUB_APP_ID", "123")]).expect_err("no key");
        assert!(
            half.to_string()
                .contains("REVIEWGATE_GITHUB_APP_PRIVATE_KEY"),
            "{half}"
        );
        let unreadable = config(&[
            ("REVIEWGATE_GITHUB_APP_ID", "123"),
            (
                "REVIEWGATE_GITHUB_APP_PRIVATE_KEY_PATH",
                "/nonexistent/key.pem",
            ),
        ])
        .expect_err("no file");
        assert!(
            unreadable.to_string().contains("/nonexistent/key.pem"),
            "{unreadable}"
        );
    }

    #[test]
    fn code_host_tokens_turn_their_hosts_on_with_default_urls() {
        let config = Config::from_lookup(|name| match name {
            "REVIEWGATE_GITLAB_TOKEN" => Some(" glpat-x ".into()),
            "REVIEWGATE_BITBUCKET_TOKEN" => Some("app-password".into()),
            "REVIEWGATE_BITBUCKET_USERNAME" => Some("bot".into()),
            _ => None,
        })
        .expect("valid");
        let gitlab = config.gitlab.as_ref().expect("GitLab on");
        assert_eq!(
            (gitlab.api_url.as_str(), gitlab.token.as_str()),
            ("https://gitlab.com/api/v4", "glpat-x")
        );
        let bitbucket = config.bitbucket.as_ref().expect("Bitbucket on");
        assert_eq!(bitbucket.api_url, "https://api.bitbucket.org/2.0");
        assert_eq!(bitbucket.username.as_deref(), Some("bot"));
        assert!(!format!("{config:?}").contains("app-password"));
        let none = Config::from_lookup(|name| {
            (name == "REVIEWGATE_GITLAB_TOKEN").then(|| "  ".to_owned())
        })
        .expect("valid");
        assert!(none.gitlab.is_none() && none.bitbucket.is_none());
    }

    #[test]
    fn a_spacelift_key_is_all_three_variables_or_none() {
        let half = Config::from_lookup(|name| {
            (name == "REVIEWGATE_SPACELIFT_API_KEY_ID").then(|| "01ABC".to_owned())
        })
        .expect_err("half a key");
        assert_eq!(
            half.to_string(),
            "environment variable REVIEWGATE_SPACELIFT_API_URL is required"
        );
        let whole = Config::from_lookup(|name| match name {
            "REVIEWGATE_SPACELIFT_API_URL" => Some("https://acme.app.spacelift.io".into()),
            "REVIEWGATE_SPACELIFT_API_KEY_ID" => Some("01ABC".into()),
            "REVIEWGATE_SPACELIFT_API_KEY_SECRET" => Some("very-secret".into()),
            _ => None,
        })
        .expect("valid");
        let spacelift = whole.spacelift.as_ref().expect("configured");
        assert_eq!(spacelift.key_id, "01ABC");
        assert!(!format!("{whole:?}").contains("very-secret"));
        assert!(
            Config::from_lookup(|_| None)
                .expect("defaults")
                .spacelift
                .is_none()
        );
    }

    #[test]
    fn an_unreviewable_pull_request_fails_unless_told_neutral() {
        let with = |value: &str| {
            let value = value.to_owned();
            Config::from_lookup(move |name| {
                (name == "REVIEWGATE_FAILURE_CONCLUSION").then(|| value.clone())
            })
        };
        assert_eq!(
            Config::from_lookup(|_| None)
                .expect("defaults")
                .failure_conclusion,
            FailureConclusion::Failure
        );
        assert_eq!(
            with("neutral").expect("valid").failure_conclusion,
            FailureConclusion::Neutral
        );
        let error = with("pass").expect_err("not a conclusion");
        assert!(
            error.to_string().contains("REVIEWGATE_FAILURE_CONCLUSION"),
            "{error}"
        );
    }

    #[test]
    fn debug_never_shows_the_model_api_key() {
        let config = Config::from_lookup(|name| match name {
            "REVIEWGATE_LLM" => Some("openai".into()),
            "REVIEWGATE_OPENAI_BASE_URL" => Some("http://127.0.0.1:1/v1".into()),
            "REVIEWGATE_OPENAI_MODEL" => Some("m".into()),
            "REVIEWGATE_OPENAI_API_KEY" => Some("sk-very-secret".into()),
            _ => None,
        })
        .expect("valid");
        assert!(!format!("{config:?}").contains("sk-very-secret"));
    }
}
