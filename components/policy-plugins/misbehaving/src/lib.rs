//! A test fixture, not a real policy: a `policy-plugin` that misbehaves in the way
//! its `mode` setting names, so the host's sandbox can be shown to stop it —
//! `loop` (never returns), `allocate` (grows memory without bound), `trap`
//! (panics), `malformed` (a finding for an undeclared rule about a resource that is
//! not in the change), `flood` (megabytes of findings), `error` (returns an error),
//! `probe` (reports what it can reach: the environment variable its `env` setting
//! names, the file `/data/probe.txt`, writing beside it, and TCP connections to the
//! comma-separated addresses of its `connect` setting), anything else behaves.

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
        let mode = config
            .iter()
            .find(|(k, _)| k == "mode")
            .map_or("", |(_, v)| v.as_str());
        match mode {
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

/// One line per capability: what the plugin got, or why it was refused.
fn probe(config: &[(String, String)]) -> Vec<String> {
    fn outcome<T>(result: Result<T, impl std::fmt::Display>, show: impl Fn(T) -> String) -> String {
        result.map_or_else(|e| format!("denied ({e})"), show)
    }
    let setting = |key: &str| {
        config
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    };
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
