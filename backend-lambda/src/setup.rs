//! Builds the store, the AI reviewer and the API state from [`Config`], once per
//! process (per cold start on Lambda). Entry points call this and nothing else.

use std::sync::Arc;

use crate::api::{AiDispatch, AppState};
use crate::config::{Config, GitHubCredentials, LlmConfig, StoreConfig};
use crate::events::EventProcessor;
use crate::forge::bitbucket::BitbucketClient;
use crate::forge::github::GitHubClient;
use crate::forge::gitlab::GitLabClient;
use crate::llm::AiReviewer;
use crate::llm::openai_compat::OpenAiCompatProvider;
use crate::spacelift::SpaceliftClient;
use crate::store::embedded::EmbeddedReviewStore;
use crate::store::{ReviewStore, StoreError};

/// Why the backend could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The configuration asks for something this build left out.
    #[error("{what} needs the `{feature}` feature of reviewgate-backend")]
    FeatureMissing {
        /// What was asked for.
        what: &'static str,
        /// The cargo feature.
        feature: &'static str,
    },
    /// The store could not be opened.
    #[error("cannot open the review store: {0}")]
    Store(#[from] StoreError),
    /// A provider API is configured with a URL or credential that cannot be used.
    #[error("{variable}: {reason}")]
    Provider {
        /// The variable to fix.
        variable: &'static str,
        /// Why.
        reason: String,
    },
}

#[cfg(any(feature = "dynamodb", feature = "bedrock"))]
async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// The configured store.
pub async fn store(config: &Config) -> Result<Arc<dyn ReviewStore>, SetupError> {
    match &config.store {
        StoreConfig::Embedded { path } => Ok(Arc::new(EmbeddedReviewStore::open(path)?)),
        #[cfg(feature = "dynamodb")]
        StoreConfig::DynamoDb { table } => Ok(Arc::new(
            crate::store::dynamodb::DynamoDbReviewStore::new(&aws_config().await, table.clone()),
        )),
        #[cfg(not(feature = "dynamodb"))]
        StoreConfig::DynamoDb { .. } => Err(SetupError::FeatureMissing {
            what: "REVIEWGATE_STORE=dynamodb",
            feature: "dynamodb",
        }),
    }
}

/// The configured AI reviewer.
pub async fn ai_reviewer(config: &Config) -> Result<AiReviewer, SetupError> {
    let provider: Option<Box<dyn crate::llm::LlmProvider>> = match &config.llm {
        LlmConfig::None => None,
        LlmConfig::OpenAiCompatible {
            base_url,
            model,
            api_key,
        } => Some(Box::new(OpenAiCompatProvider::new(
            base_url,
            model,
            api_key.clone(),
        ))),
        #[cfg(feature = "bedrock")]
        LlmConfig::Bedrock { model_id } => Some(Box::new(
            crate::llm::bedrock::BedrockProvider::new(&aws_config().await, model_id.clone()),
        )),
        #[cfg(not(feature = "bedrock"))]
        LlmConfig::Bedrock { .. } => {
            return Err(SetupError::FeatureMissing {
                what: "REVIEWGATE_LLM=bedrock",
                feature: "bedrock",
            });
        }
    };
    Ok(AiReviewer::new(
        provider,
        config.ai_timeout,
        config.token_budget,
    ))
}

/// The API state.
pub async fn app_state(config: &Config, dispatch: AiDispatch) -> Result<AppState, SetupError> {
    Ok(AppState::new(
        store(config).await?,
        Arc::new(ai_reviewer(config).await?),
        dispatch,
        config,
    ))
}

/// Serves the API router on Lambda (functions `api` and `intake`), rebuilt when a
/// secret given by ARN is rotated ([`crate::secrets_manager`]). Built once before
/// the first request, so that a broken configuration fails the cold start.
#[cfg(feature = "lambda")]
pub async fn serve_lambda_http() -> Result<(), lambda_http::Error> {
    use tower::ServiceExt;

    use crate::api::with_lambda_request_ids;
    use crate::secrets_manager::{BoxError, Refreshing};

    async fn router(config: Config) -> Result<axum::Router, BoxError> {
        let state = app_state(&config, AiDispatch::External).await?;
        Ok(with_lambda_request_ids(crate::app(state)))
    }

    let routers = Refreshing::from_env().await?;
    let _first = routers.get(router).await?;
    let routers = &routers;
    lambda_http::run(lambda_http::service_fn(
        move |request: lambda_http::Request| async move {
            let router = routers.get(router).await?;
            let response = router.oneshot(request).await?;
            Ok::<_, lambda_http::Error>(response)
        },
    ))
    .await
}

/// The event processor over `store`, with the provider APIs that are configured
/// (GitHub, GitLab and Bitbucket for pull requests, Spacelift for runs' planned
/// changes).
pub fn event_processor(
    config: &Config,
    store: Arc<dyn ReviewStore>,
) -> Result<EventProcessor, SetupError> {
    let github = config
        .github
        .as_ref()
        .map(|github| match &github.credentials {
            GitHubCredentials::Token(token) => GitHubClient::new(&github.api_url, token.clone()),
            GitHubCredentials::App {
                app_id,
                private_key_pem,
            } => GitHubClient::for_app(&github.api_url, app_id, private_key_pem),
        })
        .transpose()
        .map_err(|e| SetupError::Provider {
            variable: "REVIEWGATE_GITHUB_API_URL / REVIEWGATE_GITHUB_APP_PRIVATE_KEY",
            reason: e.to_string(),
        })?;
    let mut processor =
        EventProcessor::new(store, github).with_failure_conclusion(config.failure_conclusion);
    if let Some(gitlab) = &config.gitlab {
        processor = processor.with_gitlab(
            GitLabClient::new(&gitlab.api_url, gitlab.token.clone()).map_err(|e| {
                SetupError::Provider {
                    variable: "REVIEWGATE_GITLAB_API_URL",
                    reason: e.to_string(),
                }
            })?,
        );
    }
    if let Some(bitbucket) = &config.bitbucket {
        processor = processor.with_bitbucket(
            BitbucketClient::new(
                &bitbucket.api_url,
                bitbucket.token.clone(),
                bitbucket.username.as_deref(),
            )
            .map_err(|e| SetupError::Provider {
                variable: "REVIEWGATE_BITBUCKET_API_URL",
                reason: e.to_string(),
            })?,
        );
    }
    Ok(match &config.spacelift {
        Some(spacelift) => processor.with_spacelift(
            SpaceliftClient::new(
                &spacelift.api_url,
                spacelift.key_id.clone(),
                spacelift.key_secret.clone(),
            )
            .map_err(|e| SetupError::Provider {
                variable: "REVIEWGATE_SPACELIFT_API_URL",
                reason: e.to_string(),
            })?,
        ),
        None => processor,
    })
}
