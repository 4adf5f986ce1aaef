//! Lambda function `ai-reviewer`: triggered by the table's stream (new version-1
//! items) or invoked with `{"review_id": "..."}`; writes the AI version.

use lambda_runtime::{LambdaEvent, service_fn};
use reviewgate_backend::{Config, llm, logging, setup};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let config = Config::from_env()?;
    let store = setup::store(&config).await?;
    let ai = setup::ai_reviewer(&config).await?;
    let (store, ai) = (&*store, &ai);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let mut stored = Vec::new();
        for review_id in llm::review_ids_to_review(&event.payload) {
            // A failure fails the batch: the stream retries it (the AI version is
            // written at most once per attempt because it is a conditional write).
            if let Some(version) = llm::review_and_store(store, ai, &review_id).await? {
                stored.push(format!("{}#VERSION#{}", version.review_id, version.version));
            }
        }
        Ok::<_, lambda_runtime::Error>(serde_json::json!({ "stored": stored }))
    }))
    .await
}
