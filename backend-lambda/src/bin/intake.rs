//! Lambda function `intake`: event intake (edge-signed envelopes and direct provider
//! webhooks), which stores each verified event as pending. It serves the same
//! router as `api` (one function per concern, scaled and permissioned apart);
//! the `event-processor` function reviews what it stores.

use reviewgate_backend::{logging, setup};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    setup::serve_lambda_http().await
}
