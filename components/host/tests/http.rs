//! The HTTP component in a real wasi:http host: an embedded hyper server with
//! `wasmtime-wasi-http` on 127.0.0.1, and real HTTP/1.1 requests over TCP.

mod support;

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::server::conn::http1;
use tokio::net::{TcpListener, TcpStream};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

async fn handle(
    pre: ProxyPre<State>,
    request: hyper::Request<hyper::body::Incoming>,
) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
    let mut store = Store::new(
        pre.engine(),
        State {
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        },
    );
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let req = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, request)?;
    let out = store.data_mut().http().new_response_outparam(sender)?;
    let task = tokio::task::spawn(async move {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, req, out)
            .await
    });
    match receiver.await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => Err(wasmtime::Error::msg(format!("{e:?}"))),
        Err(_) => Err(wasmtime::Error::msg(match task.await {
            Ok(Ok(())) => "the guest set no response".to_owned(),
            Ok(Err(e)) => format!("{e:?}"),
            Err(e) => e.to_string(),
        })),
    }
}

/// Serves the component on an ephemeral 127.0.0.1 port until the runtime stops.
async fn serve() -> std::net::SocketAddr {
    let engine = Engine::default();
    let component =
        Component::from_binary(&engine, &support::wasm("reviewgate_http")).expect("compile");
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).expect("wasi:http");
    let pre = ProxyPre::new(linker.instantiate_pre(&component).expect("pre")).expect("proxy");
    let pre = Arc::new(pre);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let pre = pre.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle((*pre).clone(), req));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(client), service)
                    .await;
            });
        }
    });
    addr
}

async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").cloned();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{method} {path}: not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_component_serves_the_review_api() {
    let addr = serve().await;

    let (status, body) = send(addr, "GET", "/healthz", vec![]).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));

    let (status, rules) = send(addr, "GET", "/rules", vec![]).await;
    assert_eq!(status, 200);
    assert_eq!(
        rules,
        serde_json::to_value(reviewgate_core::rules::catalog()).expect("catalog")
    );

    // A real plan, reviewed exactly as the native core reviews it.
    let plan = std::fs::read_to_string(support::corpus("terraform-plans/action_reason__plan.json"))
        .expect("plan");
    let (status, review) = send(addr, "POST", "/review", plan.clone().into_bytes()).await;
    assert_eq!(status, 200, "{review}");
    let cs = reviewgate_core::ChangeSet::from_documents(
        reviewgate_core::Origin::Local,
        [reviewgate_core::Document::detect("request.json", plan)],
    );
    let native = serde_json::to_value(reviewgate_core::review(&cs)).expect("native");
    assert_eq!(review, native);

    // A JSON map of HCL files.
    let files = serde_json::json!({"main.tf": "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n"});
    let (status, review) = send(addr, "POST", "/review", files.to_string().into_bytes()).await;
    assert_eq!(status, 200, "{review}");
    assert!(
        review["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["file"] == "main.tf"))
    );

    // A diff.
    let diff = "diff --git a/main.tf b/main.tf\n--- a/main.tf\n+++ b/main.tf\n@@ -1,1 +1,2 @@\n resource \"x\" \"y\" {}\n+# more\n";
    let (status, review) = send(addr, "POST", "/review", diff.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["changes"]["diff"]["files"], 1);

    // Scoring.
    let findings = serde_json::json!({"findings": [{"rule_id": "X", "aliases": [], "severity": "high",
        "title": "t", "message": "m", "resource": null, "file": null, "line": null, "suppressed": false}]});
    let (status, risk) = send(addr, "POST", "/score", findings.to_string().into_bytes()).await;
    assert_eq!((status, risk["score"].as_u64()), (200, Some(25)));

    // Bad input: JSON errors with a 4xx status, never a crash.
    for (method, path, body, expected, code) in [
        (
            "POST",
            "/review",
            b"not a plan".to_vec(),
            422,
            "invalid_input",
        ),
        (
            "POST",
            "/review",
            vec![0xff, 0xfe, 0xfd],
            400,
            "invalid_body",
        ),
        (
            "POST",
            "/score",
            b"{\"findings\": 3}".to_vec(),
            422,
            "invalid_input",
        ),
        ("GET", "/review", vec![], 405, "method_not_allowed"),
        ("GET", "/nowhere", vec![], 404, "not_found"),
    ] {
        let (status, error) = send(addr, method, path, body).await;
        assert_eq!(status, expected, "{method} {path}: {error}");
        assert_eq!(error["error"], code);
        assert!(error["message"].is_string() && error["trace_id"].is_string());
    }
    // A body over the limit is refused from its declared length, before it is read:
    // the answer comes while the client has sent only a sliver of it (a client that
    // insisted on uploading all 32 MiB would find the connection closed instead).
    let (status, error) = send_declared_oversize(addr).await;
    assert_eq!(status, 413, "{error}");
    assert_eq!(error["error"], "payload_too_large");
    assert!(error["message"].is_string() && error["trace_id"].is_string());
    // The server still serves after all that.
    assert_eq!(send(addr, "GET", "/healthz", vec![]).await.0, 200);
}

/// `POST /review` declaring a body of 32 MiB + 1 byte but sending only 64 KiB of it.
async fn send_declared_oversize(addr: std::net::SocketAddr) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /review HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        (32 << 20) + 1
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream
        .write_all(&vec![b' '; 64 << 10])
        .await
        .expect("write the start of the body");
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        stream.read_to_end(&mut response),
    )
    .await
    .expect("an answer before the body is complete")
    .expect("read the answer");
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("a complete response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let json = serde_json::from_str(body.trim()).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// The payload of a chunked HTTP/1.1 body.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let len = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if len == 0 {
            break;
        }
        out.push_str(&tail[..len]);
        rest = &tail[len + 2..];
    }
    out
}
