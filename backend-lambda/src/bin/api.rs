//! Lambda function `api`: the REST API behind API Gateway / a function URL.
//! AI reviews start from the table's stream (function `ai-reviewer`), not here.

use reviewgate_backend::{logging, setup};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    setup::serve_lambda_http().await
}
