//! What an operator lets one plugin reach beyond its own memory: environment
//! variables, read-only directories and outbound TCP addresses. Nothing is granted
//! unless `<plugin>.grants.json` beside the plugin names it, and a grant that cannot
//! be honoured (an unset variable, a missing directory, an address that does not
//! resolve) fails the plugin's load with a message rather than silently shrinking.
//!
//! ```json
//! {
//!   "env": ["OPA_TOKEN"],
//!   "dirs": { "/policies": "org-policies" },
//!   "connect": ["127.0.0.1:8181", "opa.internal:8181"]
//! }
//! ```
//!
//! `env` copies the named variables from the host's environment when the plugin is
//! loaded; `dirs` maps a guest path to a host directory (relative paths are taken
//! from the plugin directory), always read-only; `connect` lists the addresses the
//! plugin may open TCP connections to — names are resolved once, at load, so DNS
//! cannot widen the grant later. Listening, UDP and name lookups stay refused.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use reviewgate_core::{ExternalError, FailureKind};
use serde::Deserialize;

/// The capabilities granted to one plugin; the default grants nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginGrants {
    /// Environment variables, with the values they had when the plugin was loaded.
    pub env: Vec<(String, String)>,
    /// Read-only directories: guest path → host directory.
    pub dirs: BTreeMap<String, PathBuf>,
    /// The remote addresses the plugin may connect to over TCP.
    pub connect: BTreeSet<SocketAddr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantsFile {
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    dirs: BTreeMap<String, PathBuf>,
    #[serde(default)]
    connect: Vec<String>,
}

impl PluginGrants {
    /// Reads `path` (a missing file grants nothing); relative directories are taken
    /// from `base`, and the environment is read through `lookup_env`.
    pub(crate) fn read(
        path: &Path,
        base: &Path,
        lookup_env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ExternalError> {
        let load = |message: String| {
            ExternalError::new(FailureKind::Load, format!("{}: {message}", path.display()))
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(load(e.to_string())),
        };
        let file: GrantsFile = serde_json::from_str(&text).map_err(|e| {
            load(format!(
                "expected {{\"env\": [names], \"dirs\": {{guest: host}}, \"connect\": [\"host:port\"]}}: {e}"
            ))
        })?;
        let env = file
            .env
            .into_iter()
            .map(|name| match lookup_env(&name) {
                Some(value) => Ok((name, value)),
                None => Err(load(format!(
                    "grants the environment variable {name}, which the host does not have"
                ))),
            })
            .collect::<Result<_, _>>()?;
        let dirs = file
            .dirs
            .into_iter()
            .map(|(guest, host)| {
                if !guest.starts_with('/') {
                    return Err(load(format!("guest path `{guest}` must be absolute")));
                }
                let host = base.join(host);
                if !host.is_dir() {
                    return Err(load(format!(
                        "grants the directory {}, which does not exist",
                        host.display()
                    )));
                }
                Ok((guest, host))
            })
            .collect::<Result<_, _>>()?;
        let connect = file
            .connect
            .iter()
            .map(|address| {
                address
                    .to_socket_addrs()
                    .map_err(|e| load(format!("cannot resolve `{address}` (host:port): {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        Ok(PluginGrants { env, dirs, connect })
    }
}
