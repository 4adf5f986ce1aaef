//! A StandardWebhooks webhook delivery: verified, identified, normalized and answered
//! (see `webhook/mod.rs` for the input's shape and what is checked).
#![no_main]

mod webhook;

use libfuzzer_sys::fuzz_target;
use reviewgate_ingress::EventSource;

fuzz_target!(|data: &[u8]| webhook::run(EventSource::StandardWebhooks, data));
