//! `review --download-modules`: registry modules that are not installed are
//! fetched through the Terraform module registry protocol and evaluated like
//! modules `terraform init` installed.
//!
//! For each module call the core reports as not evaluated whose source is a
//! registry address (`[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]`):
//!
//! | step | request | answer |
//! | --- | --- | --- |
//! | discovery | `GET https://HOST/.well-known/terraform.json` | `{"modules.v1": BASE}` |
//! | versions | `GET BASE/NS/NAME/PROVIDER/versions` | `{"modules":[{"versions":[{"version"}]}]}` |
//! | download | `GET BASE/NS/NAME/PROVIDER/VERSION/download` | 204 with `X-Terraform-Get` |
//! | archive | `GET` that URL (`.tar.gz`, `.tgz`, `.zip`, or `?archive=`) | the module's files |
//!
//! The archive is unpacked into the cache (`$XDG_CACHE_HOME` or `$HOME/.cache`,
//! then `reviewgate/modules/HOST/NS/NAME/PROVIDER/VERSION`) and the review is
//! parsed again with the module's files and a [`InstalledModule`] per call, the
//! record `terraform init` would have written; calls inside downloaded modules
//! are resolved the same way, round after round, up to a depth and a count.
//!
//! The source is chosen by the change's author, so every step assumes a hostile
//! server: HTTPS only (plain HTTP to loopback only with
//! `REVIEWGATE_REGISTRY_INSECURE_LOCALHOST=1`, for tests), no address that is
//! not public (checked at DNS resolution, so a name cannot point inside), no
//! credentials sent to any host, timeouts, size caps on every body and on what
//! an archive unpacks to (`module_archive.rs`), registry answers validated before
//! they name a cache path. Whatever fails becomes that call's "not evaluated"
//! reason: a download never fails the review.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reviewgate_core::terraform::InstalledModule;
use reviewgate_core::{ChangeSet, Document, SourceSpan, UnevaluatedModule, VariableInputs};

use crate::module_archive::{self, ArchiveFormat, UnpackLimits};
use crate::version_constraint::VersionConstraints;

/// The environment variable that lets the registry and archives be reached over
/// plain HTTP on loopback addresses (a test's fake registry); nothing else.
pub const INSECURE_LOCALHOST_ENV: &str = "REVIEWGATE_REGISTRY_INSECURE_LOCALHOST";

/// Terraform's default registry host.
const DEFAULT_REGISTRY_HOST: &str = "registry.terraform.io";
/// Registry modules downloaded for one review, nested ones included.
const MAX_MODULES: usize = 25;
/// How deep a downloaded module may sit (`module.a.module.b` is 2).
const MAX_DEPTH: usize = 5;
/// Rounds of reading what the last round downloaded.
const MAX_ROUNDS: usize = 2 * MAX_DEPTH + 2;
/// An archive's size as downloaded.
const MAX_ARCHIVE_BYTES: u64 = 50 * 1024 * 1024;
/// What one archive may unpack to.
const UNPACK_LIMITS: UnpackLimits = UnpackLimits {
    max_bytes: 50 * 1024 * 1024,
    max_entries: 5_000,
};
/// A registry's JSON answers (discovery, versions) are small.
const MAX_JSON_BYTES: u64 = 1024 * 1024;
/// Redirects followed per request, each checked like the first URL.
const MAX_REDIRECTS: usize = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Downloads the registry modules `change_set` could not evaluate and parses the
/// documents again with them; calls that could not be downloaded keep their
/// place in `unevaluated_modules` with the reason.
pub fn evaluate_with_downloads(
    change_set: ChangeSet,
    documents: &[Document],
    variables: &VariableInputs,
) -> ChangeSet {
    let insecure_localhost = std::env::var(INSECURE_LOCALHOST_ENV).is_ok_and(|v| v == "1");
    let http = Http::new(insecure_localhost);
    let Some(cache) = cache_dir() else {
        return with_reasons(change_set, |u| {
            registry_source(u).map(|_| {
                "not downloaded: neither XDG_CACHE_HOME nor HOME is set for the module cache"
                    .to_owned()
            })
        });
    };
    let mut downloader = Downloader {
        http,
        cache,
        added: Vec::new(),
        read_dirs: HashSet::new(),
        installed: Vec::new(),
        packages: Vec::new(),
        fetched: HashMap::new(),
        reasons: HashMap::new(),
        resolved: HashMap::new(),
    };
    let mut change_set = change_set;
    // Each round reads one more level of nesting (a registry module, or a local
    // module inside a downloaded one) until nothing more can be read.
    for _ in 0..MAX_ROUNDS {
        let mut progressed = false;
        for module in change_set.unevaluated_modules.clone() {
            let id = (module.module.clone(), module.file.clone());
            if downloader.reasons.contains_key(&id) || downloader.resolved.contains_key(&id) {
                continue;
            }
            match downloader.resolve(&module, &change_set) {
                Resolution::Added(dir) => {
                    downloader.resolved.insert(id, dir);
                    progressed = true;
                }
                Resolution::NotDownloaded(reason) => {
                    downloader.reasons.insert(id, reason);
                }
                Resolution::Untouched => {
                    downloader.reasons.insert(id, String::new());
                }
            }
        }
        if !progressed {
            break;
        }
        change_set = downloader.parse_again(&change_set, documents, variables);
    }
    let Downloader {
        reasons, resolved, ..
    } = downloader;
    // The core evaluates a directory that declares something; a module of only
    // outputs or comments is not one.
    let declaring: HashSet<String> = {
        let configuration = &change_set.configuration;
        configuration
            .variables
            .iter()
            .map(|v| &v.source.file)
            .chain(configuration.locals.iter().map(|l| &l.source.file))
            .chain(configuration.resources.iter().map(|r| &r.source.file))
            .chain(configuration.module_calls.iter().map(|c| &c.source.file))
            .map(|file| directory(file).to_owned())
            .collect()
    };
    with_reasons(change_set, |module| {
        let id = (module.module.clone(), module.file.clone());
        if let Some(reason) = reasons.get(&id) {
            return (!reason.is_empty()).then(|| reason.clone());
        }
        if let Some(dir) = resolved.get(&id) {
            return Some(if declaring.contains(dir) {
                format!("downloaded into {dir}, but its files could not be evaluated there")
            } else {
                format!(
                    "downloaded into {dir}, which declares no variables, locals, resources \
                     or module calls to evaluate"
                )
            });
        }
        // Read only in the last round: too deep to follow.
        registry_source(module)
            .map(|_| format!("not downloaded: modules nest more than {MAX_DEPTH} deep"))
    })
}

/// `change_set` with the reason of each unevaluated call `reason` has one for.
fn with_reasons(
    mut change_set: ChangeSet,
    reason: impl Fn(&UnevaluatedModule) -> Option<String>,
) -> ChangeSet {
    for module in &mut change_set.unevaluated_modules {
        if let Some(reason) = reason(module) {
            module.reason = reason;
        }
    }
    change_set
}

enum Resolution {
    /// Files were added for it (the directory named).
    Added(String),
    NotDownloaded(String),
    /// Not a call this step handles (a local module of the reviewed files, a
    /// computed source): the core's reason stands.
    Untouched,
}

/// A downloaded, unpacked archive.
struct Package {
    /// Where the archive was unpacked.
    root: String,
    /// The root module whose configuration it belongs to.
    config_root: String,
}

/// A registry module's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct RegistryAddress {
    host: String,
    namespace: String,
    name: String,
    provider: String,
    /// `//SUBDIR` of the source: a module inside the package.
    subdir: String,
}

impl RegistryAddress {
    fn path(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.name, self.provider)
    }
}

struct Downloader {
    http: Http,
    cache: PathBuf,
    /// Documents of downloaded modules, added to the reviewed ones.
    added: Vec<Document>,
    read_dirs: HashSet<String>,
    installed: Vec<InstalledModule>,
    packages: Vec<Package>,
    /// (address without subdir, constraint) → unpacked root and the archive's
    /// own subdirectory, or why not.
    fetched: HashMap<(RegistryAddress, String), Result<(String, String), String>>,
    /// Per (call address, file): why it was not downloaded ("" for a call left
    /// to the core's reason).
    reasons: HashMap<(String, String), String>,
    /// Per (call address, file): the directory its files were added from.
    resolved: HashMap<(String, String), String>,
}

impl Downloader {
    fn resolve(&mut self, module: &UnevaluatedModule, change_set: &ChangeSet) -> Resolution {
        let Some(source) = module.source.as_deref() else {
            return Resolution::Untouched;
        };
        // `module.a.module.b`: names hold no dots.
        let steps: Vec<&str> = module
            .module
            .strip_prefix("module.")
            .map(|path| path.split(".module.").collect())
            .unwrap_or_default();
        if steps.is_empty() {
            return Resolution::Untouched;
        }
        let caller = directory(&module.file).to_owned();
        if is_local(source) {
            // A local call inside a downloaded package: its directory is in the
            // package too, or nowhere.
            let Some(package_root) = self.package_of(&caller).map(|p| p.root.clone()) else {
                return Resolution::Untouched;
            };
            let Some(dir) = join_within(&caller, source, &package_root) else {
                return Resolution::NotDownloaded(format!(
                    "its directory ({source}) is outside the downloaded module's archive"
                ));
            };
            return match self.read_module_dir(&dir) {
                Ok(()) => Resolution::Added(dir),
                Err(reason) => Resolution::NotDownloaded(reason),
            };
        }
        let Some(address) = parse_registry_address(source) else {
            return Resolution::NotDownloaded(format!(
                "source type not downloaded: {}",
                source_type(source)
            ));
        };
        if steps.len() > MAX_DEPTH {
            return Resolution::NotDownloaded(format!(
                "not downloaded: modules nest more than {MAX_DEPTH} deep"
            ));
        }
        let constraint = module.version.clone().unwrap_or_default();
        let key = (
            RegistryAddress {
                subdir: String::new(),
                ..address.clone()
            },
            constraint.clone(),
        );
        if !self.fetched.contains_key(&key) && self.fetched.len() >= MAX_MODULES {
            return Resolution::NotDownloaded(format!(
                "not downloaded: a review downloads at most {MAX_MODULES} modules"
            ));
        }
        let Some(config_root) = self.config_root(change_set, &caller, &steps[..steps.len() - 1])
        else {
            return Resolution::NotDownloaded(
                "not downloaded: the module that calls it is not itself evaluated".to_owned(),
            );
        };
        let fetched = match self.fetched.get(&key) {
            Some(fetched) => fetched.clone(),
            None => {
                let fetched = self.fetch(&address, &constraint);
                self.fetched.insert(key, fetched.clone());
                fetched
            }
        };
        let (root, archive_subdir) = match fetched {
            Ok(fetched) => fetched,
            Err(reason) => return Resolution::NotDownloaded(format!("not downloaded: {reason}")),
        };
        let subdir = [archive_subdir.as_str(), address.subdir.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        let dir = if subdir.is_empty() {
            root.clone()
        } else {
            match join_within(&root, &format!("./{subdir}"), &root) {
                Some(dir) => dir,
                None => {
                    return Resolution::NotDownloaded(format!(
                        "not downloaded: its subdirectory ({subdir}) is outside the archive"
                    ));
                }
            }
        };
        if !self.packages.iter().any(|p| p.root == root) {
            self.packages.push(Package {
                root: root.clone(),
                config_root: config_root.clone(),
            });
        }
        if let Err(reason) = self.read_module_dir(&dir) {
            return Resolution::NotDownloaded(reason);
        }
        let version = Path::new(&root)
            .file_name()
            .map(|v| v.to_string_lossy().into_owned());
        self.install(&config_root, steps.join("."), &dir, source, version);
        Resolution::Added(dir)
    }

    /// The root module a call made from `caller` (a module at `parent_steps`)
    /// belongs to, recording the directories of the modules on the way as
    /// `terraform init` would, so the core finds the call by its key.
    fn config_root(
        &mut self,
        change_set: &ChangeSet,
        caller: &str,
        parent_steps: &[&str],
    ) -> Option<String> {
        let Some((&name, grand_steps)) = parent_steps.split_last() else {
            return Some(caller.to_owned());
        };
        if let Some(package) = self.package_of(caller) {
            let config_root = package.config_root.clone();
            self.install(&config_root, parent_steps.join("."), caller, "", None);
            return Some(config_root);
        }
        // A local module of the reviewed files: find the call that reaches it.
        let call = change_set.configuration.module_calls.iter().find(|call| {
            call.name == name
                && call.source_address.as_deref().is_some_and(|source| {
                    is_local(source)
                        && join_within(directory(&call.source.file), source, "").as_deref()
                            == Some(caller)
                })
        })?;
        let grand_caller = directory(&call.source.file).to_owned();
        let config_root = self.config_root(change_set, &grand_caller, grand_steps)?;
        self.install(&config_root, parent_steps.join("."), caller, "", None);
        Some(config_root)
    }

    /// Records a module directory under its call key, as the manifest of
    /// `config_root` would (once per key).
    fn install(
        &mut self,
        config_root: &str,
        key: String,
        dir: &str,
        source: &str,
        version: Option<String>,
    ) {
        let manifest = if config_root.is_empty() {
            reviewgate_core::module_manifest::MANIFEST_PATH.to_owned()
        } else {
            format!(
                "{config_root}/{}",
                reviewgate_core::module_manifest::MANIFEST_PATH
            )
        };
        if self
            .installed
            .iter()
            .any(|m| m.key == key && m.source.file == manifest)
        {
            return;
        }
        self.installed.push(InstalledModule {
            key,
            source_address: source.to_owned(),
            version,
            dir: dir.to_owned(),
            source: SourceSpan {
                file: manifest,
                lines: None,
            },
        });
    }

    fn package_of(&self, dir: &str) -> Option<&Package> {
        self.packages.iter().find(|p| {
            dir == p.root
                || dir
                    .strip_prefix(p.root.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// Adds the Terraform files of one module directory (not its subdirectories:
    /// a module is one directory, and examples beside it are not part of it).
    fn read_module_dir(&mut self, dir: &str) -> Result<(), String> {
        if self.read_dirs.contains(dir) {
            return Ok(());
        }
        let entries = std::fs::read_dir(dir).map_err(|e| {
            format!("not evaluated: the downloaded module has no directory {dir}: {e}")
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tf") || name.ends_with(".tf.json"))
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(format!(
                "not evaluated: the downloaded module has no .tf files in {dir}"
            ));
        }
        let mut documents = Vec::with_capacity(names.len());
        for name in names {
            let path = format!("{dir}/{name}");
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let content = reviewgate_core::encoding::decode_text(bytes)
                .map_err(|_| format!("not evaluated: {path} is not text"))?;
            documents.push(Document::detect(path, content));
        }
        // All of a module or none of it.
        self.added.extend(documents);
        self.read_dirs.insert(dir.to_owned());
        Ok(())
    }

    /// The documents again, with the downloaded modules' files and their records.
    fn parse_again(
        &self,
        previous: &ChangeSet,
        documents: &[Document],
        variables: &VariableInputs,
    ) -> ChangeSet {
        let mut change_set = ChangeSet {
            origin: previous.origin.clone(),
            ..ChangeSet::default()
        };
        for document in documents.iter().chain(&self.added) {
            change_set.add_document(document);
        }
        change_set
            .configuration
            .installed_modules
            .extend(self.installed.iter().cloned());
        change_set.evaluate_with(variables);
        change_set
    }

    /// Discovery, versions, download and archive: the unpacked root and the
    /// archive's own `//subdir`.
    fn fetch(
        &self,
        address: &RegistryAddress,
        constraint: &str,
    ) -> Result<(String, String), String> {
        let constraints = if constraint.trim().is_empty() {
            VersionConstraints::default()
        } else {
            VersionConstraints::parse(constraint)
                .map_err(|e| format!("its version constraint is not one Terraform reads: {e}"))?
        };
        let host = &address.host;
        let scheme = if self.http.insecure_localhost && is_loopback_host(host) {
            "http"
        } else {
            "https"
        };
        let discovery = Url::parse(&format!("{scheme}://{host}/.well-known/terraform.json"))
            .map_err(|e| format!("{host} is not a registry host: {e}"))?;
        let services: serde_json::Value = self.http.get_json(&discovery)?;
        let base = services
            .get("modules.v1")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| {
                format!("{host} offers no module registry (no modules.v1 in its service discovery)")
            })?;
        let mut base = discovery
            .join(base)
            .map_err(|e| format!("{host}'s modules.v1 is not a URL: {e}"))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let module_url = base
            .join(&format!("{}/", address.path()))
            .map_err(|e| e.to_string())?;
        let versions_url = module_url.join("versions").map_err(|e| e.to_string())?;
        let listing: serde_json::Value = self.http.get_json(&versions_url)?;
        let versions: Vec<&str> = listing
            .get("modules")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("versions").and_then(serde_json::Value::as_array))
            .flatten()
            .filter_map(|v| v.get("version").and_then(serde_json::Value::as_str))
            .collect();
        if listing.get("modules").is_none() {
            return Err(format!(
                "{versions_url} is not a registry's list of versions"
            ));
        }
        let version = constraints
            .newest(versions.iter().copied())
            .ok_or_else(|| {
                format!(
                    "no version of {}/{} matches \"{constraint}\" (the registry lists {})",
                    host,
                    address.path(),
                    if versions.is_empty() {
                        "none".to_owned()
                    } else {
                        versions.join(", ")
                    }
                )
            })?;
        // The version names a cache directory: only a version's characters.
        if !version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b))
        {
            return Err(format!("the registry lists an invalid version {version:?}"));
        }
        let cached = self
            .cache
            .join(host)
            .join(&address.namespace)
            .join(&address.name)
            .join(&address.provider)
            .join(version);
        let marker = cached.with_extension_marker();
        if cached.is_dir()
            && let Ok(subdir) = std::fs::read_to_string(&marker)
        {
            return Ok((path_string(&cached), subdir));
        }
        let download_url = module_url
            .join(&format!("{version}/download"))
            .map_err(|e| e.to_string())?;
        let location = self.http.get_location(&download_url)?;
        let (archive_url, subdir, format) = archive_location(&location, &download_url)?;
        let bytes = self.http.get(&archive_url, MAX_ARCHIVE_BYTES)?;
        let parent = cached.parent().ok_or("no cache directory")?;
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create the module cache {}: {e}", parent.display()))?;
        // Unpacked beside its place and renamed into it: a half-written directory
        // never looks complete to another run.
        let staging = parent.join(format!(".unpacking-{version}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging)
            .map_err(|e| format!("cannot write the module cache {}: {e}", staging.display()))?;
        if let Err(error) = module_archive::unpack(&bytes, format, &staging, UNPACK_LIMITS) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(format!("{archive_url} refused: {error}"));
        }
        let _ = std::fs::remove_dir_all(&cached);
        std::fs::rename(&staging, &cached)
            .map_err(|e| format!("cannot write the module cache {}: {e}", cached.display()))?;
        std::fs::write(&marker, &subdir)
            .map_err(|e| format!("cannot write the module cache {}: {e}", marker.display()))?;
        Ok((path_string(&cached), subdir))
    }
}

trait MarkerPath {
    /// `VERSION.subdir` beside `VERSION/`: the archive's `//subdir`, written last,
    /// so its presence says the directory is complete.
    fn with_extension_marker(&self) -> PathBuf;
}

impl MarkerPath for PathBuf {
    fn with_extension_marker(&self) -> PathBuf {
        let mut name = self.file_name().unwrap_or_default().to_os_string();
        name.push(".subdir");
        self.with_file_name(name)
    }
}

fn path_string(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `$XDG_CACHE_HOME/reviewgate/modules`, else `$HOME/.cache/reviewgate/modules`.
fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("reviewgate").join("modules"))
}

/// The source of a call, when it is a registry address (for reasons given
/// before anything is fetched).
fn registry_source(module: &UnevaluatedModule) -> Option<&str> {
    module
        .source
        .as_deref()
        .filter(|s| parse_registry_address(s).is_some())
}

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// The directory part of a path, as the core names module directories.
fn directory(path: &str) -> &str {
    path.rsplit_once(['/', '\\']).map_or("", |(dir, _)| dir)
}

/// `relative` joined to `dir`; `None` when it leaves `within` (unless `within`
/// is empty).
fn join_within(dir: &str, relative: &str, within: &str) -> Option<String> {
    let absolute = dir.starts_with('/');
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let joined = format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"));
    let inside = within.is_empty()
        || joined == within
        || joined
            .strip_prefix(within)
            .is_some_and(|rest| rest.starts_with('/'));
    inside.then_some(joined)
}

/// `[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]` as Terraform reads a module
/// registry source (`internal/addrs/module_source.go`); `None` for any other.
fn parse_registry_address(source: &str) -> Option<RegistryAddress> {
    if source.contains("::") || source.contains("://") || is_local(source) {
        return None;
    }
    let (address, subdir) = match source.split_once("//") {
        Some((address, subdir)) => (address, subdir.trim_matches('/')),
        None => (source, ""),
    };
    if subdir.split('/').any(|s| s == "..") {
        return None;
    }
    let parts: Vec<&str> = address.split('/').collect();
    let (host, rest) = match parts.as_slice() {
        [namespace, name, provider] => (
            DEFAULT_REGISTRY_HOST.to_owned(),
            [*namespace, *name, *provider],
        ),
        [host, namespace, name, provider] => {
            let host = host.to_ascii_lowercase();
            if !valid_host(&host) || host == "github.com" || host == "bitbucket.org" {
                return None;
            }
            (host, [*namespace, *name, *provider])
        }
        _ => return None,
    };
    let [namespace, name, provider] = rest;
    let label = |s: &str| {
        (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    let provider_ok = (1..=64).contains(&provider.len())
        && provider
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (label(namespace) && label(name) && provider_ok).then(|| RegistryAddress {
        host,
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        provider: provider.to_owned(),
        subdir: subdir.to_owned(),
    })
}

/// A host name, optionally with a port: letters, digits, dots and hyphens.
fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    !name.is_empty()
        && name.len() <= 253
        && (name.contains('.') || name == "localhost")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !name.starts_with(['.', '-'])
        && port.is_none_or(|p| p.parse::<u16>().is_ok())
}

/// What kind of source a non-registry, non-local address is, as go-getter
/// would detect it.
fn source_type(source: &str) -> String {
    if let Some((forced, _)) = source.split_once("::")
        && !forced.is_empty()
        && forced.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return match forced {
            "https" => "http".to_owned(),
            other => other.to_ascii_lowercase(),
        };
    }
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("github.com/")
        || lower.starts_with("bitbucket.org/")
        || lower.starts_with("git@")
        || lower.ends_with(".git")
        || lower.contains(".git?")
        || lower.contains(".git//")
    {
        "git".to_owned()
    } else if lower.contains(".amazonaws.com/") {
        "s3".to_owned()
    } else if lower.starts_with("www.googleapis.com/storage") {
        "gcs".to_owned()
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        "http".to_owned()
    } else {
        "unknown".to_owned()
    }
}

/// An `X-Terraform-Get` value as go-getter reads it: the archive's URL (relative
/// ones against the download URL, `archive` taken out of the query), the
/// `//subdir` within it, and the format.
fn archive_location(location: &str, base: &Url) -> Result<(Url, String, ArchiveFormat), String> {
    let forced = location
        .split_once("::")
        .filter(|(f, _)| f.bytes().all(|b| b.is_ascii_alphanumeric()));
    let location = match forced {
        Some(("http" | "https", rest)) => rest,
        Some(_) => {
            return Err(format!(
                "source type not downloaded: {} (the registry points to {location})",
                source_type(location)
            ));
        }
        None => location,
    };
    let kind = source_type(location);
    if kind != "http" && kind != "unknown" {
        return Err(format!(
            "source type not downloaded: {kind} (the registry points to {location})"
        ));
    }
    // `//` after the scheme's starts the subdirectory, up to the query.
    let after_scheme = location.find("://").map_or(0, |i| i + 3);
    let (url_text, subdir) = match location[after_scheme..].find("//") {
        Some(i) => {
            let split = after_scheme + i;
            let (path_part, rest) = location.split_at(split);
            let rest = &rest[2..];
            let (subdir, query) = match rest.split_once('?') {
                Some((subdir, query)) => (subdir, format!("?{query}")),
                None => (rest, String::new()),
            };
            (
                format!("{path_part}{query}"),
                subdir.trim_matches('/').to_owned(),
            )
        }
        None => (location.to_owned(), String::new()),
    };
    let mut url = base
        .join(&url_text)
        .map_err(|e| format!("the registry's X-Terraform-Get is not a URL: {e}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "source type not downloaded: {} (the registry points to {url})",
            url.scheme()
        ));
    }
    let archive = url
        .query_pairs()
        .find(|(k, _)| k == "archive")
        .map(|(_, v)| v.into_owned());
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "archive")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let format = archive
        .as_deref()
        .and_then(ArchiveFormat::from_name)
        .or_else(|| ArchiveFormat::from_name(url.path()))
        .ok_or_else(|| {
            format!("source type not downloaded: http (not a .tar.gz or .zip archive: {url})")
        })?;
    Ok((url, subdir, format))
}

fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether an address is one a download may reach: public ones, and loopback
/// when the insecure-localhost switch is on.
fn reachable_ip(ip: IpAddr, allow_loopback: bool) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() {
        return allow_loopback;
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The one HTTP client: HTTPS to public addresses, no credentials, no cookies,
/// timeouts, every redirect checked.
struct Http {
    client: Result<reqwest::blocking::Client, String>,
    insecure_localhost: bool,
}

/// Resolves names to public addresses only, so a registry's host name cannot
/// lead a download to an internal service.
struct PublicAddresses {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicAddresses {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = (host.as_str(), 0)
                .to_socket_addrs()?
                .filter(|a| reachable_ip(a.ip(), allow_loopback))
                .collect();
            if addresses.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Http {
    fn new(insecure_localhost: bool) -> Self {
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if let Err(why) = permitted(attempt.url(), insecure_localhost) {
                attempt.error(why)
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(concat!("reviewgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(redirects)
            .dns_resolver(Arc::new(PublicAddresses {
                allow_loopback: insecure_localhost,
            }));
        if insecure_localhost {
            // A proxy from the environment must not stand between a test and its
            // fake registry.
            builder = builder.no_proxy();
        }
        Http {
            client: builder.build().map_err(|e| format!("no HTTP client: {e}")),
            insecure_localhost,
        }
    }

    /// A body of at most `limit` bytes from a 200 answer.
    fn get(&self, url: &Url, limit: u64) -> Result<Vec<u8>, String> {
        let response = self.send(url)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("{url} answered {}", response.status()));
        }
        read_limited(response, url, limit)
    }

    fn get_json(&self, url: &Url) -> Result<serde_json::Value, String> {
        let body = self.get(url, MAX_JSON_BYTES)?;
        serde_json::from_slice(&body).map_err(|e| format!("{url} answered with bad JSON: {e}"))
    }

    /// The download endpoint's answer: 204 with `X-Terraform-Get`, or 200 with
    /// `{"location": …}` (registries that answer in the body).
    fn get_location(&self, url: &Url) -> Result<String, String> {
        let response = self.send(url)?;
        let status = response.status();
        if let Some(location) = response
            .headers()
            .get("x-terraform-get")
            .and_then(|v| v.to_str().ok())
            .filter(|_| status.is_success())
        {
            return Ok(location.to_owned());
        }
        if status == reqwest::StatusCode::OK {
            let body = read_limited(response, url, MAX_JSON_BYTES)?;
            let json: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| format!("{url} answered with bad JSON: {e}"))?;
            if let Some(location) = json.get("location").and_then(serde_json::Value::as_str) {
                return Ok(location.to_owned());
            }
        }
        Err(format!("{url} answered {status} without X-Terraform-Get"))
    }

    fn send(&self, url: &Url) -> Result<reqwest::blocking::Response, String> {
        permitted(url, self.insecure_localhost)?;
        let client = self.client.as_ref().map_err(Clone::clone)?;
        client.get(url.clone()).send().map_err(|e| {
            // reqwest's chain says why (timeout, TLS, refused address).
            let mut message = format!("{url}: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            message
        })
    }
}

fn read_limited(
    response: reqwest::blocking::Response,
    url: &Url,
    limit: u64,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(format!("{url} is larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("{url}: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!("{url} is larger than {limit} bytes"));
    }
    Ok(body)
}

/// Whether a URL may be fetched at all: HTTPS (HTTP only to loopback with the
/// switch on), no user name or password in it, no IP literal that is not public.
fn permitted(url: &Url, insecure_localhost: bool) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    let loopback_allowed = insecure_localhost && is_loopback_host(host);
    match url.scheme() {
        "https" => {}
        "http" if loopback_allowed => {}
        other => {
            return Err(format!(
                "{url} refused: only https URLs are fetched, not {other}"
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{} refused: it carries credentials",
            url.host_str().unwrap_or_default()
        ));
    }
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    if let Ok(ip) = literal
        && !reachable_ip(ip, insecure_localhost)
    {
        return Err(format!("{url} refused: {ip} is not a public address"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registry_addresses_as_terraform_does() {
        let address =
            parse_registry_address("terraform-aws-modules/s3-bucket/aws").expect("3 parts");
        assert_eq!(address.host, "registry.terraform.io");
        assert_eq!(address.path(), "terraform-aws-modules/s3-bucket/aws");
        let address =
            parse_registry_address("app.terraform.io/acme/vpc/aws//modules/subnets").expect("host");
        assert_eq!(address.host, "app.terraform.io");
        assert_eq!(address.subdir, "modules/subnets");
        assert_eq!(
            parse_registry_address("127.0.0.1:8080/acme/bucket/aws").map(|a| a.host),
            Some("127.0.0.1:8080".to_owned())
        );
        for other in [
            "github.com/acme/module",
            "git::https://example.com/x.git",
            "./modules/x",
            "acme/bucket/AWS",
            "a/b/c/d/e",
            "s3::https://s3.amazonaws.com/bucket/x.zip",
            "acme/bucket/aws//../x",
        ] {
            assert!(parse_registry_address(other).is_none(), "{other}");
        }
    }

    #[test]
    fn names_source_types() {
        assert_eq!(source_type("git::https://example.com/x.git"), "git");
        assert_eq!(source_type("github.com/acme/module"), "git");
        assert_eq!(source_type("git@github.com:acme/module.git"), "git");
        assert_eq!(source_type("s3::https://s3.amazonaws.com/b/x.zip"), "s3");
        assert_eq!(source_type("bucket.s3.amazonaws.com/x.zip"), "s3");
        assert_eq!(
            source_type("gcs::https://www.googleapis.com/storage/v1/b/x"),
            "gcs"
        );
        assert_eq!(source_type("https://example.com/x.zip"), "http");
    }

    #[test]
    fn reads_x_terraform_get_like_go_getter() {
        let base = Url::parse("https://registry.example.com/v1/modules/a/b/c/1.0.0/download")
            .expect("url");
        let (url, subdir, format) =
            archive_location("https://cdn.example.com/m.tar.gz//sub/dir?sig=1", &base)
                .expect("archive");
        assert_eq!(url.as_str(), "https://cdn.example.com/m.tar.gz?sig=1");
        assert_eq!(subdir, "sub/dir");
        assert_eq!(format, ArchiveFormat::TarGz);
        let (url, subdir, format) =
            archive_location("/archives/m?archive=zip", &base).expect("relative");
        assert_eq!(url.as_str(), "https://registry.example.com/archives/m");
        assert_eq!(subdir, "");
        assert_eq!(format, ArchiveFormat::Zip);
        let error =
            archive_location("git::https://example.com/x.git?ref=v1", &base).expect_err("git");
        assert!(
            error.starts_with("source type not downloaded: git"),
            "{error}"
        );
        assert!(archive_location("https://example.com/x", &base).is_err());
    }

    #[test]
    fn fetches_https_public_addresses_only() {
        let url = |s: &str| Url::parse(s).expect("url");
        assert!(permitted(&url("https://registry.terraform.io/x"), false).is_ok());
        assert!(permitted(&url("http://registry.terraform.io/x"), false).is_err());
        assert!(permitted(&url("http://127.0.0.1:8080/x"), false).is_err());
        assert!(permitted(&url("http://127.0.0.1:8080/x"), true).is_ok());
        assert!(permitted(&url("http://10.0.0.1/x"), true).is_err());
        assert!(permitted(&url("https://169.254.169.254/x"), false).is_err());
        assert!(permitted(&url("https://[::ffff:10.0.0.1]/x"), false).is_err());
        assert!(permitted(&url("https://user:pw@example.com/x"), false).is_err());
    }

    #[test]
    fn joins_stay_inside_their_directory() {
        assert_eq!(
            join_within("/c/pkg/1.0.0", "./modules/x", "/c/pkg/1.0.0").as_deref(),
            Some("/c/pkg/1.0.0/modules/x")
        );
        assert_eq!(
            join_within("/c/pkg/1.0.0/a", "../b", "/c/pkg/1.0.0").as_deref(),
            Some("/c/pkg/1.0.0/b")
        );
        assert_eq!(
            join_within("/c/pkg/1.0.0", "../other", "/c/pkg/1.0.0"),
            None
        );
        assert_eq!(
            join_within("infra", "./modules/x", "").as_deref(),
            Some("infra/modules/x")
        );
    }
}
