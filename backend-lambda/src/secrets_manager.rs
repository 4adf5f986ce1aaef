//! Secrets from AWS Secrets Manager for the Lambda functions.
//!
//! Locally every setting is an environment variable. On Lambda a secret setting
//! `NAME` (a webhook secret, a code-host token, the GitHub App key) is given instead
//! as `NAME_SECRET_ARN`, the ARN of a secret whose string value is what `NAME` would
//! hold — which is how `deploy/aws` configures the functions, so no secret sits in a
//! function's configuration. [`Refreshing`] reads them and builds what the function
//! serves from the resulting [`Config`]; it checks the secrets again at most once per
//! TTL and rebuilds when one changed, so a rotated secret takes effect within the
//! TTL, without a deploy.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::Client;

use crate::config::Config;

/// What names a variable given by ARN: `NAME_SECRET_ARN` holds the ARN of `NAME`.
pub const ARN_SUFFIX: &str = "_SECRET_ARN";

/// How long secrets read from Secrets Manager are used before they are read again:
/// a rotation takes effect within this, and one invocation in this long pays for
/// the reads.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// The variable that sets the TTL in seconds (default [`DEFAULT_TTL`]).
pub const TTL_VARIABLE: &str = "REVIEWGATE_SECRETS_TTL_SECS";

/// Why the secrets could not be read. Messages name the variable and the ARN, never
/// a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// A variable is set both ways: which one is meant is not clear.
    #[error("{name} and {name}{ARN_SUFFIX} are both set: give one of them")]
    Both {
        /// The variable.
        name: String,
    },
    /// Secrets Manager refused or failed the read.
    #[error("cannot read {name} from Secrets Manager ({arn}): {reason}")]
    Read {
        /// The variable.
        name: String,
        /// Its secret's ARN.
        arn: String,
        /// What Secrets Manager said.
        reason: String,
    },
    /// The secret holds binary data, not the text the variable takes.
    #[error("the secret for {name} ({arn}) has no string value")]
    NotText {
        /// The variable.
        name: String,
        /// Its secret's ARN.
        arn: String,
    },
    /// `REVIEWGATE_SECRETS_TTL_SECS` is not a whole number.
    #[error("{TTL_VARIABLE}: `{0}` is not a whole number of seconds")]
    Ttl(String),
}

/// The environment with each `NAME_SECRET_ARN` replaced by `NAME` set to the
/// secret's current value; the other variables as they are.
pub async fn resolve(
    client: &Client,
    vars: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, SecretsError> {
    let mut resolved = BTreeMap::new();
    for (key, value) in vars {
        let Some(name) = key.strip_suffix(ARN_SUFFIX).filter(|n| !n.is_empty()) else {
            resolved.entry(key.clone()).or_insert_with(|| value.clone());
            continue;
        };
        if vars.contains_key(name) {
            return Err(SecretsError::Both {
                name: name.to_owned(),
            });
        }
        let read = client
            .get_secret_value()
            .secret_id(value)
            .send()
            .await
            .map_err(|e| SecretsError::Read {
                name: name.to_owned(),
                arn: value.clone(),
                reason: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            })?;
        let text = read.secret_string.ok_or_else(|| SecretsError::NotText {
            name: name.to_owned(),
            arn: value.clone(),
        })?;
        resolved.insert(name.to_owned(), text);
    }
    Ok(resolved)
}

/// The TTL `vars` asks for.
pub fn ttl(vars: &BTreeMap<String, String>) -> Result<Duration, SecretsError> {
    vars.get(TTL_VARIABLE).map_or(Ok(DEFAULT_TTL), |v| {
        v.trim()
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| SecretsError::Ttl(v.clone()))
    })
}

/// An error of a Lambda function's start-up or invocation.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A value built from the configuration (a router, an event processor), rebuilt
/// when a secret it was built from has changed. The environment is read once; the
/// secrets at most once per TTL.
pub struct Refreshing<T> {
    client: Client,
    vars: BTreeMap<String, String>,
    ttl: Duration,
    current: tokio::sync::Mutex<Option<Built<T>>>,
}

struct Built<T> {
    checked: Instant,
    /// A hash of the resolved variables: a change of any rebuilds.
    fingerprint: u64,
    value: T,
}

impl<T: Clone> Refreshing<T> {
    /// Over the process's environment, with the AWS configuration it names.
    pub async fn from_env() -> Result<Refreshing<T>, SecretsError> {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Refreshing::new(Client::new(&sdk), std::env::vars().collect())
    }

    /// Over `vars` (the environment), reading secrets with `client`.
    pub fn new(
        client: Client,
        vars: BTreeMap<String, String>,
    ) -> Result<Refreshing<T>, SecretsError> {
        let ttl = ttl(&vars)?;
        Ok(Refreshing {
            client,
            vars,
            ttl,
            current: tokio::sync::Mutex::new(None),
        })
    }

    /// The value built by `build` from the current configuration: the one built
    /// before while the secrets are fresh or unchanged, else a new one. When the
    /// secrets cannot be read again (Secrets Manager unreachable, a secret deleted),
    /// the value built before goes on serving and the read is tried again after
    /// another TTL: an outage of Secrets Manager must not become one of intake.
    /// Without a value built before, the error is returned.
    pub async fn get(
        &self,
        build: impl AsyncFnOnce(Config) -> Result<T, BoxError>,
    ) -> Result<T, BoxError> {
        let mut current = self.current.lock().await;
        if let Some(built) = current.as_ref()
            && built.checked.elapsed() < self.ttl
        {
            return Ok(built.value.clone());
        }
        let resolved = match (resolve(&self.client, &self.vars).await, current.as_mut()) {
            (Ok(resolved), _) => resolved,
            (Err(e), Some(built)) => {
                tracing::error!(error = %e, "secrets not read again: serving with those read before");
                built.checked = Instant::now();
                return Ok(built.value.clone());
            }
            (Err(e), None) => return Err(e.into()),
        };
        let fingerprint = fingerprint(&resolved);
        if let Some(built) = current.as_mut()
            && built.fingerprint == fingerprint
        {
            built.checked = Instant::now();
            return Ok(built.value.clone());
        }
        let value = match Config::from_lookup(|name| resolved.get(name).cloned()) {
            Ok(config) => build(config).await,
            Err(e) => Err(Box::new(e) as BoxError),
        };
        let value = match (value, current.as_mut()) {
            (Ok(value), previous) => {
                if previous.is_some() {
                    tracing::info!("a secret changed: configuration rebuilt");
                }
                value
            }
            // A rotation to a value the configuration refuses (a secret too short,
            // say) is an operator's mistake to fix, not a reason to stop serving.
            (Err(e), Some(built)) => {
                tracing::error!(error = %e, "the secrets read now are refused: serving with those read before");
                built.checked = Instant::now();
                return Ok(built.value.clone());
            }
            (Err(e), None) => return Err(e),
        };
        *current = Some(Built {
            checked: Instant::now(),
            fingerprint,
            value: value.clone(),
        });
        Ok(value)
    }
}

fn fingerprint(vars: &BTreeMap<String, String>) -> u64 {
    let mut hasher = DefaultHasher::new();
    vars.hash(&mut hasher);
    hasher.finish()
}
