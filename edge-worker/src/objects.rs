//! Calls to Durable Objects: one JSON request, one JSON answer. Every object of this
//! Worker speaks this way, so the limiter and deduplication clients share this call.

use reviewgate_ingress::ports::PortError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Env, Method, Request, RequestInit};

/// POSTs `request` as JSON to the object `name` of namespace `binding` and reads
/// its JSON answer. A missing binding is misconfiguration; anything else failing is
/// unavailability (the sender retries).
pub async fn call_object<T: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    request: &impl Serialize,
) -> Result<T, PortError> {
    let unavailable = |e: worker::Error| PortError::Unavailable(format!("{binding}: {e}"));
    let namespace = env.durable_object(binding).map_err(|_| {
        PortError::Misconfigured(format!("Durable Object binding {binding} is missing"))
    })?;
    let stub = namespace.get_by_name(name).map_err(unavailable)?;
    let body = serde_json::to_string(request)
        .map_err(|e| PortError::Unavailable(format!("{binding}: {e}")))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init("https://object/", &init).map_err(unavailable)?;
    let mut response = stub.fetch_with_request(req).await.map_err(unavailable)?;
    if response.status_code() != 200 {
        return Err(PortError::Unavailable(format!(
            "{binding} answered {}",
            response.status_code()
        )));
    }
    response.json().await.map_err(unavailable)
}
