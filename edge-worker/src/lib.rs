//! reviewgate's edge ingress, a Cloudflare Worker on the `worker` crate.
//!
//! `POST /webhooks/<source>` verifies a webhook, rate-limits it, drops redeliveries,
//! normalizes it into the core's `EventEnvelope` and queues it; the queue consumer
//! forwards envelopes to the backend, signed, with exponential backoff and a dead-letter
//! queue. This crate is only the adapter: every decision (signatures, delivery ids,
//! timestamps, rate-limit arithmetic, normalization, edge signing) is in the pure
//! `reviewgate-ingress` crate; here live the Worker bindings, the Durable Objects that
//! hold shared state, WebCrypto, and the one mapping from errors to HTTP responses. It
//! carries no review logic.

#[cfg(target_arch = "wasm32")]
mod auth_failures;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod dedup;
pub mod error;
#[cfg(target_arch = "wasm32")]
mod forward;
#[cfg(target_arch = "wasm32")]
mod global_limiter;
#[cfg(target_arch = "wasm32")]
mod ingest;
#[cfg(target_arch = "wasm32")]
mod org_limiter;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{Context, Env, MessageBatch, Request, Response, Result, event};

    /// The fetch entry point only routes; see [`crate::ingest::router`].
    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        crate::ingest::router().run(req, env).await
    }

    /// The queue entry point: forward (main queue) or report (dead-letter queue).
    #[event(queue)]
    async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
        crate::forward::consume(batch, env).await
    }
}
