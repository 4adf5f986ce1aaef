//! Lambda function `event-processor`: reviews the events intake stored. Triggered by
//! the table's stream (new `EVENT#` items, so an accepted event is processed within
//! seconds) and by an EventBridge schedule (`rate(1 minute)`, for events deferred
//! after a failed attempt). Each invocation processes what is due until it nears its
//! deadline; attempts and backoff live in the store, so they carry over between
//! invocations, and two overlapping invocations at worst process an event twice,
//! which finds the version it already wrote.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{LambdaEvent, service_fn};
use reviewgate_backend::config::Config;
use reviewgate_backend::events::EventProcessor;
use reviewgate_backend::secrets_manager::{BoxError, Refreshing};
use reviewgate_backend::{logging, setup};
use serde_json::Value;

/// Left unused at the end of an invocation, so the event in hand can finish.
const DEADLINE_MARGIN: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    // Code-host credentials may come from Secrets Manager (`NAME_SECRET_ARN`): the
    // processor is rebuilt when one is rotated. Built once here, so that a broken
    // configuration fails the cold start.
    let processor = Refreshing::from_env().await?;
    processor.get(build).await?;
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let processor = processor.get(build).await?;
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let remaining = Duration::from_millis(event.context.deadline.saturating_sub(now_ms));
        let budget = remaining.saturating_sub(DEADLINE_MARGIN);
        let processed = processor.process_pending(budget).await?;
        tracing::info!(processed, "pending events processed");
        Ok::<_, lambda_runtime::Error>(serde_json::json!({ "processed": processed }))
    }))
    .await
}

async fn build(config: Config) -> Result<Arc<EventProcessor>, BoxError> {
    let store = setup::store(&config).await?;
    Ok(Arc::new(setup::event_processor(&config, store)?))
}
