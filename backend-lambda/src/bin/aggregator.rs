//! Lambda function `aggregator`: stores the daily analytics aggregates.
//!
//! Invoked by the EventBridge rule `cron(0 2 * * ? *)` it aggregates yesterday (UTC);
//! invoked with `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}` it backfills those days
//! (inclusive). Re-running a day replaces it, so a retried invocation is harmless.

use chrono::{NaiveDate, Utc};
use lambda_runtime::{LambdaEvent, service_fn};
use reviewgate_backend::{Config, analytics, logging, setup};
use serde::Deserialize;
use serde_json::Value;

/// A backfill request; any other event (the scheduled one) means yesterday.
#[derive(Deserialize)]
struct Backfill {
    from: NaiveDate,
    to: NaiveDate,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let config = Config::from_env()?;
    let store = setup::store(&config).await?;
    let store = &*store;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let today = Utc::now().date_naive();
        let outcomes = if event.payload.get("from").is_some() || event.payload.get("to").is_some() {
            let Backfill { from, to } = serde_json::from_value(event.payload).map_err(|e| {
                format!(
                    "a backfill event is {{\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}}: {e}"
                )
            })?;
            analytics::backfill(store, from, to, today).await?
        } else {
            let yesterday = today.pred_opt().ok_or("no day before today")?;
            vec![analytics::aggregate_day(store, yesterday, today).await?]
        };
        Ok::<_, lambda_runtime::Error>(serde_json::to_value(outcomes)?)
    }))
    .await
}
