//! reviewgate's edge ingress, a Cloudflare Worker on the `worker` crate.
//!
//! Placeholder: the Worker (signature verification, replay and duplicate rejection,
//! rate limits, normalization and routing) is built in its own issue. It will be a
//! thin adapter over pure, natively tested logic; it must not carry review logic of
//! its own — that lives in `reviewgate-core`.
