//! HMAC-SHA256 through the Workers runtime's WebCrypto. `crypto.subtle.sign` runs
//! natively in workerd, while the Rust `hmac`/`sha2` code runs as Wasm; in
//! `scripts/edge bench` (28 KB bodies, verification only) WebCrypto gave the higher
//! throughput, so the Worker completes `reviewgate_ingress::HmacCheck`s here
//! (`HMAC_IMPL=rust` switches back, for comparison: [`EdgeHmac`] is the Worker's
//! `HmacEngine`). Imported keys are cached per isolate because `importKey` costs
//! about as much as a signature.

use std::cell::RefCell;

use js_sys::{Object, Reflect, Uint8Array};
use reviewgate_ingress::ports::{HmacEngine, PortError};
use reviewgate_ingress::{HmacCheck, VerifyError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

thread_local! {
    // Isolates are single-threaded; a handful of secrets at most.
    static KEYS: RefCell<Vec<(Vec<u8>, CryptoKey)>> = const { RefCell::new(Vec::new()) };
}

/// The global `crypto`. Read as a property because workerd's global object is not an
/// instance of the `WorkerGlobalScope` class web-sys would check against.
fn crypto() -> Result<Crypto, JsValue> {
    Ok(Reflect::get(&js_sys::global(), &"crypto".into())?.unchecked_into())
}

fn subtle() -> Result<SubtleCrypto, JsValue> {
    Ok(crypto()?.subtle())
}

fn hmac_algorithm() -> Result<Object, JsValue> {
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"HMAC".into())?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    Ok(algorithm)
}

async fn import_key(subtle: &SubtleCrypto, secret: &[u8]) -> Result<CryptoKey, JsValue> {
    if let Some(key) = KEYS.with(|k| {
        k.borrow()
            .iter()
            .find(|(s, _)| s.as_slice() == secret)
            .map(|(_, key)| key.clone())
    }) {
        return Ok(key);
    }
    let usages = js_sys::Array::of1(&"sign".into());
    let raw: Object = Uint8Array::from(secret).into();
    let promise = subtle.import_key_with_object("raw", &raw, &hmac_algorithm()?, false, &usages)?;
    let key: CryptoKey = JsFuture::from(promise).await?.unchecked_into();
    KEYS.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() >= 32 {
            k.clear();
        }
        k.push((secret.to_vec(), key.clone()));
    });
    Ok(key)
}

/// HMAC-SHA256 of `message` with `secret`, computed by WebCrypto.
pub async fn hmac_sha256(secret: &[u8], message: &[u8]) -> Result<Vec<u8>, JsValue> {
    let subtle = subtle()?;
    let key = import_key(&subtle, secret).await?;
    let promise = subtle.sign_with_object_and_u8_array(&hmac_algorithm()?, &key, message)?;
    let signature = JsFuture::from(promise).await?;
    Ok(Uint8Array::new(&signature).to_vec())
}

/// Which HMAC implementation completes signature checks.
#[derive(Debug, Clone, Copy)]
pub enum EdgeHmac {
    /// The runtime's WebCrypto (the default: faster in workerd).
    WebCrypto,
    /// The Rust `hmac`/`sha2` code compiled to Wasm (`HMAC_IMPL=rust`, for comparison).
    Rust,
}

impl HmacEngine for EdgeHmac {
    async fn verify(&self, check: HmacCheck<'_>) -> Result<Result<(), VerifyError>, PortError> {
        match self {
            EdgeHmac::WebCrypto => complete(check)
                .await
                .map_err(|e| PortError::Unavailable(format!("WebCrypto: {e:?}"))),
            EdgeHmac::Rust => Ok(check.verify_native()),
        }
    }
}

/// Completes `check` with WebCrypto: every key is tried (no early exit) and each MAC
/// is compared in constant time by `HmacCheck::matches`.
pub async fn complete(check: HmacCheck<'_>) -> Result<Result<(), VerifyError>, JsValue> {
    let mut matched = false;
    for key in check.keys() {
        let mac = hmac_sha256(key, check.message()).await?;
        matched |= check.matches(&mac);
    }
    Ok(check.conclude(matched))
}

/// A random UUID for trace ids.
pub fn random_uuid() -> String {
    crypto()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|_| format!("{:x}", js_sys::Date::now() as u64))
}
