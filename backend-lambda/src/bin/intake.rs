//! Lambda function `intake`: event intake (edge-signed envelopes and direct provider
//! webhooks), which stores each verified event as pending. It serves the same
//! router as `api` (one function per concern, scaled and permissioned apart);
//! the `event-processor` function reviews what it stores.

use reviewgate_backend::api::{AiDispatch, with_lambda_request_ids};
use reviewgate_backend::{Config, app, logging, setup};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let config = Config::from_env()?;
    let state = setup::app_state(&config, AiDispatch::External).await?;
    lambda_http::run(with_lambda_request_ids(app(state))).await
}
