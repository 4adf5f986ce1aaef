//! A test fixture, not a real policy: a `policy-plugin` that misbehaves in the way
//! its `mode` setting names, so the host's sandbox can be shown to stop it —
//! `loop` (never returns), `allocate` (grows memory without bound), `trap`
//! (panics), `malformed` (a finding for an undeclared rule about a resource that is
//! not in the change), `flood` (megabytes of findings), `error` (returns an error),
//! `sleep` (sleeps for an hour: a clock subscription and `poll`), `poll-forever`
//! (calls `poll` in a loop that never ends), `read-socket` (connects to its
//! `connect` setting and waits to read), `alias` (returns `count` findings whose
//! messages all point at one `size`-byte string), `huge-error` (returns a
//! `size`-byte error), `probe` (reports what it can reach: the environment variable
//! its `env` setting names, the file `/data/probe.txt`, writing beside it, and TCP
//! connections to the comma-separated addresses of its `connect` setting), anything
//! else behaves.

// Generated bindings: the canonical-ABI glue is necessarily `unsafe`, and not ours
// to document.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "policy-plugin",
    });
}

use bindings::exports::reviewgate::review::policy::{
    Guest, PluginInfo, PolicyResource, PolicyRule,
};
use bindings::reviewgate::review::types::{PluginFinding, Severity};

struct Misbehaving;

fn finding(rule: &str, resource: Option<String>, message: String) -> PluginFinding {
    PluginFinding {
        rule_id: rule.into(),
        severity: Severity::Low,
        title: "A fixture finding".into(),
        message,
        resource,
        file: None,
        line: None,
        remediation: None,
    }
}

impl Guest for Misbehaving {
    fn metadata() -> PluginInfo {
        PluginInfo {
            name: "misbehaving".into(),
            version: "0.0.0".into(),
            description: "misbehaves on purpose".into(),
            rules: vec![PolicyRule {
                id: "FIX-001".into(),
                title: "A fixture finding".into(),
                severity: Severity::Low,
            }],
        }
    }

    fn evaluate(
        resources: Vec<PolicyResource>,
        config: Vec<(String, String)>,
    ) -> Result<Vec<PluginFinding>, String> {
        let size = || setting(&config, "size").parse::<usize>().unwrap_or(1 << 20);
        match setting(&config, "mode") {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "allocate" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => panic!("the fixture traps on purpose"),
            "malformed" => Ok(vec![finding(
                "NOT-DECLARED",
                Some("aws_s3_bucket.not_in_the_change".into()),
                "lies".into(),
            )]),
            "flood" => Ok((0..10_000)
                .map(|i| finding("FIX-001", None, format!("{i}{}", "x".repeat(1000))))
                .collect()),
            "error" => Err("the fixture fails on purpose".into()),
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Ok(Vec::new())
            }
            "poll-forever" => loop {
                // Each poll returns at once, so the plugin is never idle and never
                // done; it burns little fuel, most of its time being in the host.
                let now = wasip2::clocks::monotonic_clock::subscribe_duration(0);
                std::hint::black_box(wasip2::io::poll::poll(&[&now]));
            },
            "read-socket" => {
                use std::io::Read;
                let address = setting(&config, "connect");
                let mut stream =
                    std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
                let mut byte = [0];
                let read = stream.read(&mut byte).map_err(|e| e.to_string())?;
                Ok(vec![finding("FIX-001", None, format!("read {read} bytes"))])
            }
            "alias" => {
                let count = setting(&config, "count").parse().unwrap_or(64);
                Ok(aliased(count, size()))
            }
            "huge-error" => Err("e".repeat(size())),
            "probe" => Ok(probe(&config)
                .into_iter()
                .map(|line| finding("FIX-001", None, line))
                .collect()),
            _ => Ok(resources
                .into_iter()
                .take(1)
                .map(|r| {
                    finding(
                        "FIX-001",
                        Some(r.address.clone()),
                        format!("saw {}", r.address),
                    )
                })
                .collect()),
        }
    }
}

/// The setting `key`, or empty.
fn setting<'a>(config: &'a [(String, String)], key: &str) -> &'a str {
    config
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// `count` findings whose messages all point at the same `size` bytes of memory:
/// the result costs the plugin one string, but copying it costs `count × size`.
///
/// Not sound Rust, on purpose: every `String` claims the one leaked buffer. The
/// canonical ABI lowers each message as a (pointer, length) pair without touching
/// the bytes, so this hands the host exactly what a plugin written in C (or a
/// hostile one) can hand it at no cost. The host must refuse to copy it; were the
/// result ever lifted in full, the post-return would free the buffer `count` times.
#[allow(unsafe_code)]
fn aliased(count: usize, size: usize) -> Vec<PluginFinding> {
    let shared: &'static mut str = Box::leak("a".repeat(size).into_boxed_str());
    let (pointer, length) = (shared.as_mut_ptr(), shared.len());
    (0..count)
        .map(|_| {
            // SAFETY: see above; the strings are only moved and then lowered.
            let message = unsafe { String::from_raw_parts(pointer, length, length) };
            finding("FIX-001", None, message)
        })
        .collect()
}

/// One line per capability: what the plugin got, or why it was refused.
fn probe(config: &[(String, String)]) -> Vec<String> {
    fn outcome<T>(result: Result<T, impl std::fmt::Display>, show: impl Fn(T) -> String) -> String {
        result.map_or_else(|e| format!("denied ({e})"), show)
    }
    let setting = |key: &str| setting(config, key);
    let mut lines = vec![
        format!("env: {}", outcome(std::env::var(setting("env")), |v| v)),
        format!(
            "file: {}",
            outcome(std::fs::read_to_string("/data/probe.txt"), |v| v)
        ),
        format!(
            "write: {}",
            outcome(std::fs::write("/data/written.txt", b"x"), |()| "ok".into())
        ),
    ];
    for address in setting("connect").split(',').filter(|a| !a.is_empty()) {
        lines.push(format!(
            "connect {address}: {}",
            outcome(std::net::TcpStream::connect(address), |_| "ok".into())
        ));
    }
    lines
}

#[allow(unsafe_code)]
mod export {
    use super::Misbehaving;
    crate::bindings::export!(Misbehaving with_types_in crate::bindings);
}
