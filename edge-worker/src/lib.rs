//! reviewgate's edge ingress, a Cloudflare Worker on the `worker` crate.
//!
//! `POST /webhooks/<source>` runs `reviewgate-ingress`'s intake pipeline — verify,
//! normalize, rate-limit, drop redeliveries, queue — and writes its answer; the queue
//! consumer forwards envelopes to the backend, signed, with exponential backoff and a
//! dead-letter queue. This crate is only the adapter: every decision (signatures,
//! delivery ids, timestamps, the order of the steps, rate-limit arithmetic,
//! normalization, every status and body, edge signing) is in `reviewgate-ingress`;
//! here live the implementations of its ports on Worker bindings — secrets, Durable
//! Objects for limits and deduplication, the queue, WebCrypto — and nothing else. It
//! depends on no part of the review core.

#[cfg(target_arch = "wasm32")]
mod auth_failures;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod dedup;
#[cfg(target_arch = "wasm32")]
mod forward;
#[cfg(target_arch = "wasm32")]
mod global_limiter;
#[cfg(target_arch = "wasm32")]
mod ingest;
#[cfg(target_arch = "wasm32")]
mod limiter;
#[cfg(target_arch = "wasm32")]
mod objects;
#[cfg(target_arch = "wasm32")]
mod org_limiter;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{Context, Env, MessageBatch, Request, Response, Result, event};

    /// The fetch entry point only routes; see [`crate::ingest::route`].
    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        crate::ingest::route(req, env).await
    }

    /// The queue entry point: forward (main queue) or report (dead-letter queue).
    #[event(queue)]
    async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
        crate::forward::consume(batch, env).await
    }
}
