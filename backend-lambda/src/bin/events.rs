//! Lambda function `events`: event intake (edge-signed envelopes and direct provider
//! webhooks). Until intake lands it serves the same router as `api`, so that the
//! deployment shape (one function per concern) is fixed now.

use reviewgate_backend::api::{AiDispatch, with_lambda_request_ids};
use reviewgate_backend::{Config, app, logging, setup};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let config = Config::from_env()?;
    let state = setup::app_state(&config, AiDispatch::External).await?;
    lambda_http::run(with_lambda_request_ids(app(state))).await
}
