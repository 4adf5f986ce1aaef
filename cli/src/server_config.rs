//! `reviewgate.toml`: the settings file of `reviewgate serve` (not to be confused
//! with a repository's `.reviewgate.toml`, which tunes the review itself).
//!
//! The backend reads its configuration from `REVIEWGATE_*` variables, on Lambda and
//! here alike. The file is another source of the same variables: each key maps to
//! one variable, the environment wins over the file, and the combined set is
//! validated once, by the backend's own [`Config`], before the server starts.
//! Secrets (webhook secrets, tokens, API keys) are read from the environment only,
//! so the file can be committed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use reviewgate_backend::Config;
use reviewgate_backend::config::ConfigError;
use serde::Deserialize;

/// The file `serve` reads when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "reviewgate.toml";

/// The file's contents, typed: an unknown key or a wrong type is refused with the
/// line it is on.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// `[server]`
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    ai: AiSection,
    #[serde(default)]
    github: GitHubSection,
    #[serde(default)]
    gitlab: GitLabSection,
    #[serde(default)]
    bitbucket: BitbucketSection,
    #[serde(default)]
    spacelift: SpaceliftSection,
    #[serde(default)]
    limits: LimitsSection,
    #[serde(default)]
    reviews: ReviewsSection,
}

/// `[server]`: what the command line can also say (`--listen`, `--data-dir`), which
/// wins over the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Where reviews and API keys are kept.
    pub data_dir: Option<PathBuf>,
    /// Proxies in front of the server whose `X-Forwarded-For` is believed
    /// (addresses or CIDR blocks); none by default.
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AiSection {
    provider: Option<AiProvider>,
    timeout_secs: Option<u64>,
    token_budget: Option<u64>,
    bedrock_model_id: Option<String>,
    openai_base_url: Option<String>,
    openai_model: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AiProvider {
    None,
    Bedrock,
    Openai,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GitHubSection {
    api_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GitLabSection {
    api_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BitbucketSection {
    api_url: Option<String>,
    username: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpaceliftSection {
    api_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    api_requests_per_minute: Option<u32>,
    max_body_bytes: Option<u64>,
    webhooks_per_repository: Option<u32>,
    webhooks_per_organisation: Option<u32>,
    webhooks_global: Option<u32>,
    auth_failures_per_ip: Option<u32>,
    window_secs: Option<u64>,
    timestamp_tolerance_secs: Option<u64>,
}

/// `[reviews]`: how pull requests are judged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewsSection {
    failure_conclusion: Option<FailureConclusion>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FailureConclusion {
    Failure,
    Neutral,
}

/// Each key of the file and the variable it stands for.
const KEYS: &[(&str, &str)] = &[
    ("ai.provider", "REVIEWGATE_LLM"),
    ("ai.timeout_secs", "REVIEWGATE_AI_TIMEOUT_SECS"),
    ("ai.token_budget", "REVIEWGATE_AI_TOKEN_BUDGET"),
    ("ai.bedrock_model_id", "REVIEWGATE_BEDROCK_MODEL_ID"),
    ("ai.openai_base_url", "REVIEWGATE_OPENAI_BASE_URL"),
    ("ai.openai_model", "REVIEWGATE_OPENAI_MODEL"),
    ("github.api_url", "REVIEWGATE_GITHUB_API_URL"),
    ("gitlab.api_url", "REVIEWGATE_GITLAB_API_URL"),
    ("bitbucket.api_url", "REVIEWGATE_BITBUCKET_API_URL"),
    ("bitbucket.username", "REVIEWGATE_BITBUCKET_USERNAME"),
    ("spacelift.api_url", "REVIEWGATE_SPACELIFT_API_URL"),
    (
        "limits.api_requests_per_minute",
        "REVIEWGATE_RATE_LIMIT_PER_MINUTE",
    ),
    ("limits.max_body_bytes", "REVIEWGATE_MAX_BODY_BYTES"),
    (
        "limits.webhooks_per_repository",
        "REVIEWGATE_RATE_LIMIT_PER_REPOSITORY",
    ),
    (
        "limits.webhooks_per_organisation",
        "REVIEWGATE_RATE_LIMIT_PER_ORGANISATION",
    ),
    ("limits.webhooks_global", "REVIEWGATE_RATE_LIMIT_GLOBAL"),
    (
        "limits.auth_failures_per_ip",
        "REVIEWGATE_RATE_LIMIT_AUTH_FAILURES_PER_IP",
    ),
    ("limits.window_secs", "REVIEWGATE_RATE_LIMIT_WINDOW_SECS"),
    (
        "limits.timestamp_tolerance_secs",
        "REVIEWGATE_TIMESTAMP_TOLERANCE_SECS",
    ),
    ("server.trusted_proxies", "REVIEWGATE_TRUSTED_PROXIES"),
    (
        "reviews.failure_conclusion",
        "REVIEWGATE_FAILURE_CONCLUSION",
    ),
];

impl ServerFile {
    /// Reads `path`. Refuses a key that looks like a secret with where to put it
    /// instead, and any other unknown key or bad value with its line.
    pub fn load(path: &Path) -> anyhow::Result<ServerFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        ServerFile::parse(&text).with_context(|| format!("{} is invalid", path.display()))
    }

    fn parse(text: &str) -> anyhow::Result<ServerFile> {
        let table: toml::Table = toml::from_str(text)?;
        for (section, value) in &table {
            let keys = value.as_table().into_iter().flat_map(|t| t.keys());
            for key in keys {
                let path = format!("{section}.{key}");
                let known = KEYS.iter().any(|(k, _)| *k == path)
                    || ["server.listen", "server.data_dir"].contains(&path.as_str());
                let lower = key.to_ascii_lowercase();
                if !known
                    && ["secret", "token", "api_key", "password"]
                        .iter()
                        .any(|s| lower.contains(s))
                {
                    anyhow::bail!(
                        "`{path}` looks like a secret; secrets are read from the environment only \
                         (REVIEWGATE_GITHUB_WEBHOOK_SECRETS, REVIEWGATE_GITHUB_TOKEN, …; see README)"
                    );
                }
            }
        }
        Ok(toml::from_str(text)?)
    }

    /// The file's settings as the variables they stand for.
    fn variables(&self) -> HashMap<&'static str, String> {
        let ai = &self.ai;
        let limits = &self.limits;
        let values: [Option<String>; 21] = [
            ai.provider.map(|p| {
                match p {
                    AiProvider::None => "none",
                    AiProvider::Bedrock => "bedrock",
                    AiProvider::Openai => "openai",
                }
                .to_owned()
            }),
            ai.timeout_secs.map(|v| v.to_string()),
            ai.token_budget.map(|v| v.to_string()),
            ai.bedrock_model_id.clone(),
            ai.openai_base_url.clone(),
            ai.openai_model.clone(),
            self.github.api_url.clone(),
            self.gitlab.api_url.clone(),
            self.bitbucket.api_url.clone(),
            self.bitbucket.username.clone(),
            self.spacelift.api_url.clone(),
            limits.api_requests_per_minute.map(|v| v.to_string()),
            limits.max_body_bytes.map(|v| v.to_string()),
            limits.webhooks_per_repository.map(|v| v.to_string()),
            limits.webhooks_per_organisation.map(|v| v.to_string()),
            limits.webhooks_global.map(|v| v.to_string()),
            limits.auth_failures_per_ip.map(|v| v.to_string()),
            limits.window_secs.map(|v| v.to_string()),
            limits.timestamp_tolerance_secs.map(|v| v.to_string()),
            self.server
                .trusted_proxies
                .as_ref()
                .map(|list| list.join(",")),
            self.reviews.failure_conclusion.map(|c| {
                match c {
                    FailureConclusion::Failure => "failure",
                    FailureConclusion::Neutral => "neutral",
                }
                .to_owned()
            }),
        ];
        KEYS.iter()
            .zip(values)
            .filter_map(|((_, variable), value)| value.map(|v| (*variable, v)))
            .collect()
    }

    /// The backend configuration from the environment over this file, validated;
    /// an error names the variable and the file key that would set it.
    pub fn config(&self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let file = self.variables();
        Config::from_lookup(|name| env(name).or_else(|| file.get(name).cloned())).map_err(|e| {
            let variable = match &e {
                ConfigError::Missing(name) | ConfigError::Invalid { name, .. } => Some(*name),
                _ => None,
            };
            let key = KEYS.iter().find(|(_, v)| Some(*v) == variable);
            match key {
                Some((key, _)) => anyhow::anyhow!("{e} (or `{key}` in {DEFAULT_FILE})"),
                None => anyhow::anyhow!(e),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reaches_its_variable_and_the_environment_wins() {
        let file = ServerFile::parse(
            r#"
            [server]
            listen = "127.0.0.1:9000"
            data_dir = "/srv/reviewgate"
            trusted_proxies = ["10.0.0.0/8", "192.168.1.1"]
            [ai]
            provider = "openai"
            openai_base_url = "http://127.0.0.1:1/v1"
            openai_model = "from-file"
            timeout_secs = 5
            token_budget = 1000
            [limits]
            webhooks_per_repository = 7
            window_secs = 30
            [reviews]
            failure_conclusion = "neutral"
            "#,
        )
        .expect("valid");
        assert_eq!(
            file.server.listen,
            Some("127.0.0.1:9000".parse().expect("addr"))
        );
        let config = file
            .config(|name| (name == "REVIEWGATE_OPENAI_MODEL").then(|| "from-env".to_owned()))
            .expect("valid");
        assert_eq!(config.ai_timeout.as_secs(), 5);
        assert_eq!(config.webhook_limits.per_repository, 7);
        assert_eq!(config.webhook_limits.window_ms, 30_000);
        assert_eq!(
            config.trusted_proxies,
            reviewgate_backend::client_ip::TrustedProxies::parse("10.0.0.0/8,192.168.1.1")
                .expect("valid")
        );
        assert!(
            format!("{:?}", config.llm).contains("from-env"),
            "{:?}",
            config.llm
        );
        assert_eq!(config.token_budget, 1000);
        assert_eq!(
            config.failure_conclusion,
            reviewgate_backend::config::FailureConclusion::Neutral
        );
        assert_eq!(file.variables().len(), 9, "the nine keys set above");
    }

    #[test]
    fn mistakes_are_refused_with_their_key() {
        let unknown = ServerFile::parse("[limits]\nper_repo = 5\n").expect_err("unknown key");
        assert!(format!("{unknown:#}").contains("per_repo"), "{unknown:#}");
        let typed = ServerFile::parse("[limits]\nwebhooks_global = \"lots\"\n").expect_err("type");
        assert!(format!("{typed:#}").contains("line 2"), "{typed:#}");
        let provider = ServerFile::parse("[ai]\nprovider = \"gpt\"\n").expect_err("provider");
        assert!(format!("{provider:#}").contains("bedrock"), "{provider:#}");
        let secret =
            ServerFile::parse("[github]\ntoken = \"ghp_x\"\n").expect_err("secrets stay out");
        assert!(
            format!("{secret:#}").contains("environment only"),
            "{secret:#}"
        );
        let missing = ServerFile::parse("[ai]\nprovider = \"bedrock\"\n")
            .expect("parses")
            .config(|_| None)
            .expect_err("bedrock needs a model");
        assert_eq!(
            missing.to_string(),
            "environment variable REVIEWGATE_BEDROCK_MODEL_ID is required \
             (or `ai.bedrock_model_id` in reviewgate.toml)"
        );
    }
}
