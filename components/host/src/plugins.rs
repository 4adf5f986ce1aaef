//! Third-party policy plugins: loaded from a directory, run sandboxed, one fresh
//! instance per review.

use std::collections::BTreeSet;
use std::path::Path;

use reviewgate_core::{
    ChangeSet, ExternalError, ExternalFinding, ExternalResult, FailureKind, Mode, Resource,
};
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, Trap};

use crate::grants::PluginGrants;
use crate::sandbox::Sandbox;
use crate::{ComponentCache, HostError};

// Generated bindings; `unsafe` canonical-ABI glue, not ours to document.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "policy-plugin",
        // One Rust type per WIT type across both worlds, so conversions are shared.
        with: { "reviewgate:review/types": crate::reviewer::wit },
    });
}

use bindings::exports::reviewgate::review::policy;

/// What a plugin may use, per review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginLimits {
    /// Linear memory, in bytes (the resources passed in count too).
    pub memory_bytes: usize,
    /// CPU budget in wasmtime fuel units (about one per WebAssembly instruction).
    pub fuel: u64,
    /// Total bytes of text in the findings returned.
    pub output_bytes: usize,
}

impl Default for PluginLimits {
    fn default() -> Self {
        PluginLimits {
            // Room for a 10,000-resource plan's attributes as JSON, several times over.
            memory_bytes: 256 << 20,
            // A few seconds of work at most.
            fuel: 20_000_000_000,
            output_bytes: 4 << 20,
        }
    }
}

struct LoadedPlugin {
    name: String,
    config: Vec<(String, String)>,
    grants: PluginGrants,
    pre: Result<bindings::PolicyPluginPre<Sandbox>, ExternalError>,
}

/// The policy plugins of a directory, ready to evaluate change sets.
pub struct PolicyPlugins {
    plugins: Vec<LoadedPlugin>,
    limits: PluginLimits,
}

impl PolicyPlugins {
    /// An engine configured for plugins: fuel on, so a loop runs out of budget.
    pub fn engine() -> Result<Engine, HostError> {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        Engine::new(&config).map_err(HostError::wasm("creating the plugin engine"))
    }

    /// No plugins.
    pub fn none() -> Self {
        PolicyPlugins {
            plugins: Vec::new(),
            limits: PluginLimits::default(),
        }
    }

    /// Every `*.wasm` file in `dir`, in name order. A plugin's name is its file
    /// stem; its settings, if any, are a JSON object of strings in `<stem>.json`
    /// beside it, passed to the plugin; what it may reach outside its sandbox, if
    /// anything, is in `<stem>.grants.json` ([`PluginGrants`]), read by the host
    /// only. A plugin that does not load is kept as a failure, reported by every
    /// review, rather than stopping the host.
    pub fn load_dir(
        engine: &Engine,
        dir: &Path,
        limits: PluginLimits,
        cache: &ComponentCache,
    ) -> Result<Self, HostError> {
        let io = |source| HostError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        paths.retain(|p| p.extension().is_some_and(|e| e == "wasm"));
        paths.sort();
        let mut linker = Linker::<Sandbox>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(HostError::wasm("linking WASI"))?;
        let plugins = paths
            .iter()
            .map(|path| {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let settings = read_config(&path.with_extension("json")).and_then(|config| {
                    let grants =
                        PluginGrants::read(&path.with_extension("grants.json"), dir, |name| {
                            std::env::var(name).ok()
                        })?;
                    Ok((config, grants))
                });
                match settings {
                    Ok((config, grants)) => LoadedPlugin {
                        name,
                        config,
                        grants,
                        pre: prepare(engine, &linker, path, cache),
                    },
                    Err(e) => LoadedPlugin {
                        name,
                        config: Vec::new(),
                        grants: PluginGrants::default(),
                        pre: Err(e),
                    },
                }
            })
            .collect();
        Ok(PolicyPlugins { plugins, limits })
    }

    /// The plugins' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.plugins.iter().map(|p| p.name.as_str()).collect()
    }

    /// Runs every plugin over the change set's resources, each in a fresh sandbox.
    pub fn evaluate(&self, change_set: &ChangeSet) -> Vec<ExternalResult> {
        if self.plugins.is_empty() {
            return Vec::new();
        }
        let resources: Vec<policy::PolicyResource> =
            change_set.resources().map(resource_to_wit).collect();
        let addresses: BTreeSet<&str> = resources.iter().map(|r| r.address.as_str()).collect();
        self.plugins
            .iter()
            .map(|plugin| ExternalResult {
                plugin: plugin.name.clone(),
                outcome: plugin
                    .pre
                    .clone()
                    .and_then(|pre| run(&pre, plugin, &resources, &addresses, self.limits)),
            })
            .collect()
    }
}

fn read_config(path: &Path) -> Result<Vec<(String, String)>, ExternalError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ExternalError::new(
                FailureKind::Load,
                format!("{}: {e}", path.display()),
            ));
        }
    };
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&text).map_err(|e| {
            ExternalError::new(
                FailureKind::Load,
                format!("{}: expected a JSON object of strings: {e}", path.display()),
            )
        })?;
    Ok(map.into_iter().collect())
}

fn prepare(
    engine: &Engine,
    linker: &Linker<Sandbox>,
    path: &Path,
    cache: &ComponentCache,
) -> Result<bindings::PolicyPluginPre<Sandbox>, ExternalError> {
    let load = |e: String| ExternalError::new(FailureKind::Load, e);
    let bytes = std::fs::read(path).map_err(|e| load(format!("{}: {e}", path.display())))?;
    let (component, _) = cache
        .load(engine, &bytes)
        .map_err(|e| load(e.to_string()))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| load(format!("{e:#}")))?;
    bindings::PolicyPluginPre::new(pre).map_err(|e| load(format!("not a policy plugin: {e:#}")))
}

fn run(
    pre: &bindings::PolicyPluginPre<Sandbox>,
    plugin: &LoadedPlugin,
    resources: &[policy::PolicyResource],
    addresses: &BTreeSet<&str>,
    limits: PluginLimits,
) -> Result<Vec<ExternalFinding>, ExternalError> {
    let sandbox = Sandbox::new(limits.memory_bytes, &plugin.grants)
        .map_err(|e| ExternalError::new(FailureKind::Load, e.to_string()))?;
    let mut store = Store::new(pre.engine(), sandbox);
    store.limiter(|s| &mut s.limiter);
    store
        .set_fuel(limits.fuel)
        .map_err(|e| ExternalError::new(FailureKind::Load, format!("{e:#}")))?;
    let outcome = (|| {
        let instance = pre.instantiate(&mut store)?;
        let policy = instance.reviewgate_review_policy();
        let info = policy.call_metadata(&mut store)?;
        let findings = policy.call_evaluate(&mut store, resources, &plugin.config)?;
        wasmtime::Result::Ok((info, findings))
    })();
    let (info, findings) = match outcome {
        Ok(result) => result,
        Err(error) => return Err(classify(&error, store.data().limiter.refused)),
    };
    let findings =
        findings.map_err(|message| ExternalError::new(FailureKind::PluginError, message))?;
    validate(&info, findings, addresses, limits)
}

/// Names what stopped a plugin: its fuel, its memory limit, or a trap of its own.
fn classify(error: &wasmtime::Error, memory_refused: bool) -> ExternalError {
    let message = format!("{error:#}");
    if error.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
        ExternalError::new(FailureKind::CpuLimit, "used up its CPU budget (fuel)")
    } else if memory_refused {
        ExternalError::new(
            FailureKind::MemoryLimit,
            format!("exceeded its memory limit: {message}"),
        )
    } else {
        ExternalError::new(FailureKind::Trap, message)
    }
}

/// Checks the plugin kept its contract: output within the limit, findings only for
/// rules it declared and resources of the change.
fn validate(
    info: &policy::PluginInfo,
    findings: Vec<crate::reviewer::wit::PluginFinding>,
    addresses: &BTreeSet<&str>,
    limits: PluginLimits,
) -> Result<Vec<ExternalFinding>, ExternalError> {
    let malformed = |m: String| ExternalError::new(FailureKind::MalformedOutput, m);
    let size: usize = findings
        .iter()
        .map(|f| {
            f.rule_id.len()
                + f.title.len()
                + f.message.len()
                + f.resource.as_ref().map_or(0, String::len)
                + f.file.as_ref().map_or(0, String::len)
                + f.remediation.as_ref().map_or(0, String::len)
        })
        .sum();
    if size > limits.output_bytes {
        return Err(ExternalError::new(
            FailureKind::OutputLimit,
            format!(
                "returned {size} bytes of findings, more than the {} allowed",
                limits.output_bytes
            ),
        ));
    }
    let rules: BTreeSet<&str> = info.rules.iter().map(|r| r.id.as_str()).collect();
    findings
        .into_iter()
        .map(|f| {
            if !rules.contains(f.rule_id.as_str()) {
                return Err(malformed(format!(
                    "finding for rule `{}`, which its metadata does not declare",
                    f.rule_id
                )));
            }
            if let Some(resource) = &f.resource
                && !addresses.contains(resource.as_str())
            {
                return Err(malformed(format!(
                    "finding about `{resource}`, which is not in the change"
                )));
            }
            Ok(f.into())
        })
        .collect()
}

fn resource_to_wit(resource: &Resource) -> policy::PolicyResource {
    policy::PolicyResource {
        address: resource.address.to_string(),
        resource_type: resource.address.resource_type.clone(),
        name: resource.address.name.clone(),
        is_data: resource.address.mode == Mode::Data,
        provider: resource.provider.clone(),
        file: resource.source.file.clone(),
        line: resource.source.lines.map(|l| l.start),
        action: resource
            .change
            .as_ref()
            .map(|c| c.action.as_str().to_owned()),
        // Values serialize with unknown and sensitive markers; never fails.
        attributes_json: serde_json::to_string(&*resource.attributes)
            .unwrap_or_else(|_| "{}".into()),
    }
}
