//! Lambda function `api`: the REST API behind API Gateway / a function URL.
//! AI reviews start from the table's stream (function `ai-reviewer`), not here.

use reviewgate_backend::api::{AiDispatch, with_lambda_request_ids};
use reviewgate_backend::{Config, app, logging, setup};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let config = Config::from_env()?;
    let state = setup::app_state(&config, AiDispatch::External).await?;
    lambda_http::run(with_lambda_request_ids(app(state))).await
}
