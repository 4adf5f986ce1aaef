//! Lambda function `aggregator` (scheduled): a stub for the analytics issue. It
//! computes today's summary counts and logs them; the analytics issue stores them.

use lambda_runtime::{LambdaEvent, service_fn};
use reviewgate_backend::store::ReviewQuery;
use reviewgate_backend::{Config, logging, reviews, setup};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let config = Config::from_env()?;
    let store = setup::store(&config).await?;
    let store = &*store;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let summary = reviews::analytics(store, &ReviewQuery::default()).await?;
        tracing::info!(reviews = summary.reviews, "aggregated");
        Ok::<_, lambda_runtime::Error>(serde_json::to_value(summary)?)
    }))
    .await
}
