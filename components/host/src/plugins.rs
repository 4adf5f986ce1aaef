//! Third-party policy plugins: loaded from a directory, run sandboxed, one fresh
//! instance per review, one after the other, each within its own deadline.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use reviewgate_core::{
    ChangeSet, ExternalError, ExternalFinding, ExternalResult, FailureKind, Mode, Resource,
};
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, Trap};

use crate::deadline::{self, DeadlineRuntime};
use crate::grants::PluginGrants;
use crate::output::{self, failure};
use crate::sandbox::{self, Sandbox};
use crate::{ComponentCache, HostError};

// Generated bindings; `unsafe` canonical-ABI glue, not ours to document.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "policy-plugin",
        // One Rust type per WIT type across both worlds, so conversions are shared.
        with: { "reviewgate:review/types": crate::reviewer::wit },
        // Async calls, so that a deadline can stop a plugin waiting in a host call.
        exports: { default: async },
    });
}

use bindings::exports::reviewgate::review::policy;

/// What a plugin may use, per review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginLimits {
    /// Memory, in bytes: every linear memory and table the plugin's store creates
    /// or grows counts against this one total (the resources passed in too).
    pub memory_bytes: usize,
    /// CPU budget in wasmtime fuel units (about one per WebAssembly instruction):
    /// the same work stops at the same point on any machine.
    pub fuel: u64,
    /// Bytes the host copies out of the plugin per call: its findings' text plus
    /// the host's record for each finding (or its metadata, its error string, the
    /// arguments of one WASI call), checked before each copy.
    pub output_bytes: usize,
    /// Wall-clock time the plugin has per review — instantiation, `metadata` and
    /// `evaluate` together, including time spent asleep, polling or blocked on a
    /// granted socket. Plugins run one after the other, so a review spends at most
    /// this much per plugin.
    pub deadline: Duration,
}

impl Default for PluginLimits {
    fn default() -> Self {
        PluginLimits {
            // Room for a 10,000-resource plan's attributes as JSON, several times over.
            memory_bytes: 256 << 20,
            // A few seconds of work at most.
            fuel: 20_000_000_000,
            output_bytes: 4 << 20,
            // Our sample plugins take milliseconds; the Python one, whose
            // interpreter starts in each fresh instance, tens of milliseconds.
            deadline: Duration::from_secs(2),
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
    /// The engine they were compiled for, whose epoch the deadlines advance.
    engine: Option<Engine>,
}

impl PolicyPlugins {
    /// An engine configured for plugins: fuel on, so a loop runs out of budget, and
    /// epoch interruption on, so that a deadline stops guest code. Plugins must be
    /// loaded with an engine made here.
    pub fn engine() -> Result<Engine, HostError> {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true).epoch_interruption(true);
        Engine::new(&config).map_err(HostError::wasm("creating the plugin engine"))
    }

    /// No plugins.
    pub fn none() -> Self {
        PolicyPlugins {
            plugins: Vec::new(),
            limits: PluginLimits::default(),
            engine: None,
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
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
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
        Ok(PolicyPlugins {
            plugins,
            limits,
            engine: Some(engine.clone()),
        })
    }

    /// The plugins' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.plugins.iter().map(|p| p.name.as_str()).collect()
    }

    /// Runs every plugin over the change set's resources, each in a fresh sandbox
    /// and within its deadline, so this returns within about
    /// `plugins × limits.deadline` whatever the plugins do.
    ///
    /// It blocks the calling thread and runs its own async runtime: do not call it
    /// from inside one (use `spawn_blocking` there).
    pub fn evaluate(&self, change_set: &ChangeSet) -> Vec<ExternalResult> {
        let Some(engine) = self.engine.as_ref().filter(|_| !self.plugins.is_empty()) else {
            return Vec::new();
        };
        let resources: Vec<policy::PolicyResource> =
            change_set.resources().map(resource_to_wit).collect();
        let addresses: BTreeSet<&str> = resources.iter().map(|r| r.address.as_str()).collect();
        let runtime = DeadlineRuntime::start(engine);
        self.plugins
            .iter()
            .map(|plugin| {
                let outcome = match (&runtime, &plugin.pre) {
                    (Err(e), _) => Err(failure(
                        FailureKind::Load,
                        format!("cannot start the plugin runtime: {e}"),
                    )),
                    (_, Err(e)) => Err(e.clone()),
                    (Ok(runtime), Ok(pre)) => {
                        runtime.block_on(run(pre, plugin, &resources, &addresses, self.limits))
                    }
                };
                ExternalResult {
                    plugin: plugin.name.clone(),
                    outcome,
                }
            })
            .collect()
    }
}

fn read_config(path: &Path) -> Result<Vec<(String, String)>, ExternalError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(failure(
                FailureKind::Load,
                format!("{}: {e}", path.display()),
            ));
        }
    };
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&text).map_err(|e| {
            failure(
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
    let load = |e: String| failure(FailureKind::Load, e);
    let bytes = std::fs::read(path).map_err(|e| load(format!("{}: {e}", path.display())))?;
    let (component, _) = cache
        .load(engine, &bytes)
        .map_err(|e| load(e.to_string()))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| load(format!("{e:#}")))?;
    bindings::PolicyPluginPre::new(pre).map_err(|e| load(format!("not a policy plugin: {e:#}")))
}

async fn run(
    pre: &bindings::PolicyPluginPre<Sandbox>,
    plugin: &LoadedPlugin,
    resources: &[policy::PolicyResource],
    addresses: &BTreeSet<&str>,
    limits: PluginLimits,
) -> Result<Vec<ExternalFinding>, ExternalError> {
    let sandbox = Sandbox::new(limits.memory_bytes, &plugin.grants)
        .map_err(|e| failure(FailureKind::Load, e.to_string()))?;
    let mut store = Store::new(pre.engine(), sandbox);
    store.limiter(|s| &mut s.limiter);
    store
        .set_fuel(limits.fuel)
        .map_err(|e| failure(FailureKind::Load, format!("{e:#}")))?;
    // Bounds what wasmtime copies out of the guest per call, checked before it
    // copies (see `output`).
    store.set_hostcall_fuel(limits.output_bytes);
    let deadline = Instant::now() + limits.deadline;
    deadline::arm(&mut store, deadline);
    let calls = async {
        let instance = pre.instantiate_async(&mut store).await?;
        let policy = instance.reviewgate_review_policy();
        let info = policy.call_metadata(&mut store).await?;
        let findings = policy
            .call_evaluate(&mut store, resources, &plugin.config)
            .await?;
        wasmtime::Result::Ok((info, findings))
    };
    let (info, findings) = match deadline::by(deadline, calls).await {
        Some(Ok(result)) => result,
        Some(Err(error)) => return Err(classify(&error, store.data().limiter.refused, limits)),
        None => return Err(past_deadline(limits)),
    };
    let findings = findings.map_err(|message| failure(FailureKind::PluginError, message))?;
    output::findings(info.rules.into_iter().map(|r| r.id), findings, addresses)
}

/// A plugin stopped at its deadline. There is no failure kind of its own in the
/// review's model: like running out of fuel, it "worked too long".
fn past_deadline(limits: PluginLimits) -> ExternalError {
    failure(
        FailureKind::CpuLimit,
        format!("exceeded its {} ms deadline", limits.deadline.as_millis()),
    )
}

/// Names what stopped a plugin: its deadline, its fuel, its memory budget, the
/// output limit, or a trap of its own.
fn classify(error: &wasmtime::Error, memory_refused: bool, limits: PluginLimits) -> ExternalError {
    let message = format!("{error:#}");
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => return past_deadline(limits),
        Some(Trap::OutOfFuel) => {
            return failure(FailureKind::CpuLimit, "used up its CPU budget (fuel)");
        }
        _ => {}
    }
    if output::is_output_limit(error) {
        failure(
            FailureKind::OutputLimit,
            format!(
                "handed the host more than the {} bytes allowed per call; it was stopped before copying them",
                limits.output_bytes
            ),
        )
    } else if memory_refused || sandbox::is_count_limit(error) {
        failure(
            FailureKind::MemoryLimit,
            format!("exceeded its memory limit: {message}"),
        )
    } else {
        failure(FailureKind::Trap, message)
    }
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
