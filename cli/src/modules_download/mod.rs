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
//! not public (checked at DNS resolution, so a name cannot point inside), a
//! registry token (`TF_TOKEN_<host>`) sent to its registry host only, timeouts,
//! size caps on every body and on what an archive unpacks to (`archive.rs`),
//! registry answers validated before they name a cache path. Whatever fails becomes that call's "not evaluated"
//! reason: a download never fails the review.

mod archive;
mod constraint;
mod http;
mod source;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use reviewgate_core::terraform::InstalledModule;
use reviewgate_core::{ChangeSet, Document, SourceSpan, UnevaluatedModule, VariableInputs};

use archive::UnpackLimits;
use constraint::VersionConstraints;
use http::{Http, RegistryToken, Url, is_loopback_host};
use source::{RegistryAddress, archive_location, is_local, parse_registry_address, source_type};

/// The environment variable that lets the registry and archives be reached over
/// plain HTTP on loopback addresses (a test's fake registry); nothing else.
pub const INSECURE_LOCALHOST_ENV: &str = "REVIEWGATE_REGISTRY_INSECURE_LOCALHOST";

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
    // The core evaluates a directory that declares something (outputs alone are
    // enough); a module of comments or other files only is not one.
    let declaring: HashSet<String> = {
        let configuration = &change_set.configuration;
        configuration
            .variables
            .iter()
            .map(|v| &v.source.file)
            .chain(configuration.locals.iter().map(|l| &l.source.file))
            .chain(configuration.outputs.iter().map(|o| &o.source.file))
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
                    "downloaded into {dir}, which declares no variables, locals, outputs, \
                     resources or module calls to evaluate"
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
        let token = RegistryToken::from_env(host);
        let token = token.as_ref();
        let services: serde_json::Value = self.http.get_json(&discovery, token)?;
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
        let listing: serde_json::Value = self.http.get_json(&versions_url, token)?;
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
        let marker = completion_marker(&cached);
        if cached.is_dir()
            && let Ok(subdir) = std::fs::read_to_string(&marker)
        {
            return Ok((path_string(&cached), subdir));
        }
        let download_url = module_url
            .join(&format!("{version}/download"))
            .map_err(|e| e.to_string())?;
        let location = self.http.get_location(&download_url, token)?;
        let (archive_url, subdir, format) = archive_location(&location, &download_url)?;
        let bytes = self.http.get(&archive_url, MAX_ARCHIVE_BYTES, None)?;
        let parent = cached.parent().ok_or("no cache directory")?;
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create the module cache {}: {e}", parent.display()))?;
        // Unpacked beside its place and renamed into it: a half-written directory
        // never looks complete to another run.
        let staging = parent.join(format!(".unpacking-{version}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging)
            .map_err(|e| format!("cannot write the module cache {}: {e}", staging.display()))?;
        if let Err(error) = archive::unpack(&bytes, format, &staging, UNPACK_LIMITS) {
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

/// `VERSION.subdir` beside `VERSION/`: the archive's `//subdir`, written last,
/// so its presence says the directory is complete.
fn completion_marker(unpacked: &Path) -> PathBuf {
    let mut name = unpacked.file_name().unwrap_or_default().to_os_string();
    name.push(".subdir");
    unpacked.with_file_name(name)
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

#[cfg(test)]
mod tests {
    use super::*;

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
