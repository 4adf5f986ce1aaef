//! reviewgate's HTTP API as a `wasi:http/proxy` 0.2 component (world `http-service`
//! in `wit/review.wit`), served by Spin (`spin.toml`), `wasmtime serve` or any other
//! wasi:http host. Build: `cargo build -p reviewgate-http --target wasm32-wasip2
//! --release`.
//!
//! The `wasi:http` plumbing (reading the body within its limit, writing the
//! response) is in this file; what each route does is [`api::route`], plain Rust
//! over `reviewgate-core` that is tested natively. The component makes no outbound
//! requests.

pub mod api;

#[cfg(target_arch = "wasm32")]
mod wasi_http {
    // Generated bindings: the canonical-ABI glue is necessarily `unsafe`, and not
    // ours to document.
    #[allow(unsafe_code, missing_docs)]
    mod bindings {
        wit_bindgen::generate!({
            path: "../../wit",
            world: "http-service",
            generate_all,
        });
    }

    use bindings::exports::wasi::http::incoming_handler::Guest;
    use bindings::wasi::http::types::{
        Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
    };
    use bindings::wasi::io::streams::StreamError;

    use crate::api::{self, Body, MAX_BODY_BYTES, Response};

    struct HttpService;

    impl Guest for HttpService {
        fn handle(request: IncomingRequest, out: ResponseOutparam) {
            let method = match request.method() {
                Method::Get => "GET".to_owned(),
                Method::Post => "POST".to_owned(),
                Method::Head => "HEAD".to_owned(),
                Method::Put => "PUT".to_owned(),
                Method::Delete => "DELETE".to_owned(),
                Method::Options => "OPTIONS".to_owned(),
                Method::Patch => "PATCH".to_owned(),
                other => format!("{other:?}"),
            };
            let path = request.path_with_query().unwrap_or_default();
            let headers = request.headers();
            let trace_id = headers
                .get("x-request-id")
                .into_iter()
                .next()
                .and_then(|v| String::from_utf8(v).ok())
                .unwrap_or_else(|| {
                    format!("{:016x}", bindings::wasi::random::random::get_random_u64())
                });
            let declared = headers
                .get("content-length")
                .into_iter()
                .next()
                .and_then(|v| String::from_utf8(v).ok()?.trim().parse::<u64>().ok());
            drop(headers);
            let body = if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
                Body::TooLarge
            } else {
                read_body(&request)
            };
            let response = api::route(&method, &path, body, &trace_id);
            respond(out, response);
        }
    }

    /// Reads the body, stopping as soon as it passes the limit.
    fn read_body(request: &IncomingRequest) -> Body {
        let Ok(body) = request.consume() else {
            return Body::Bytes(Vec::new());
        };
        let Ok(stream) = body.stream() else {
            return Body::Bytes(Vec::new());
        };
        let mut bytes = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_BODY_BYTES {
                        return Body::TooLarge;
                    }
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(_)) => return Body::Unreadable,
            }
        }
        Body::Bytes(bytes)
    }

    fn respond(out: ResponseOutparam, response: Response) {
        let headers =
            Fields::from_list(&[("content-type".to_owned(), b"application/json".to_vec())])
                .unwrap_or_else(|_| Fields::new());
        let outgoing = OutgoingResponse::new(headers);
        // Only out-of-range codes fail, and `api` returns real ones.
        let _ = outgoing.set_status_code(response.status);
        let Ok(body) = outgoing.body() else {
            return;
        };
        ResponseOutparam::set(out, Ok(outgoing));
        if let Ok(stream) = body.write() {
            // wasi:io allows at most 4096 bytes per blocking write.
            for chunk in response.body.as_bytes().chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
        }
        let _ = OutgoingBody::finish(body, None);
    }

    #[allow(unsafe_code)]
    mod export {
        use super::HttpService;
        super::bindings::export!(HttpService with_types_in super::bindings);
    }
}
