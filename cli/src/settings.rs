//! Finding and reading `.reviewgate.toml`. The core parses the text; the CLI only
//! decides which file applies and turns paths into the file's frame of reference.
//!
//! In CI the working tree is the change under review, settings file included: a
//! change could pass its own gate by adding `exclude_paths = ["**"]`. With
//! `--settings-from REV` the settings are read as they are at a git revision (the
//! base branch), and a working-tree file that loosens them becomes a finding
//! ([`reviewgate_core::gate`]), as on the server's pull-request checks.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use reviewgate_core::Finding;
use reviewgate_core::config::{self, ReviewConfig};
use reviewgate_core::gate::settings_change_findings;

/// The settings in force and where they came from.
pub struct Settings {
    /// The parsed settings (defaults when there is no file).
    pub config: ReviewConfig,
    /// The directory of the settings file; exclude globs are relative to it.
    root: Option<PathBuf>,
}

impl Settings {
    /// True when a file is excluded by `exclude_paths`.
    pub fn excludes(&self, path: &Path) -> bool {
        let Some(root) = &self.root else {
            return false;
        };
        let absolute = absolute(path);
        let relative = absolute.strip_prefix(root).unwrap_or(&absolute);
        let relative = relative.to_string_lossy().replace('\\', "/");
        self.config.is_excluded(&relative)
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Loads the explicit file, or the nearest `.reviewgate.toml` at or above the first
/// path (the working directory for stdin), or defaults.
pub fn load(
    paths: &[PathBuf],
    explicit: Option<&Path>,
    disabled: bool,
) -> anyhow::Result<Settings> {
    if disabled {
        return Ok(Settings {
            config: ReviewConfig::default(),
            root: None,
        });
    }
    let file = match explicit {
        Some(file) => Some(file.to_path_buf()),
        None => discover(
            paths
                .first()
                .filter(|p| p.as_os_str() != "-")
                .map(PathBuf::as_path),
        ),
    };
    let Some(file) = file else {
        return Ok(Settings {
            config: ReviewConfig::default(),
            root: None,
        });
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let config =
        ReviewConfig::from_toml(&text).with_context(|| format!("invalid {}", file.display()))?;
    let root = absolute(&file).parent().map(Path::to_path_buf);
    Ok(Settings { config, root })
}

/// Settings read at git revision `revision`, from the file [`load`] would read
/// (or the repository root's `.reviewgate.toml` when the working tree has none);
/// defaults when the revision has no such file. Also returns the findings for
/// what the working tree's file loosens compared with it.
pub fn load_at_revision(
    paths: &[PathBuf],
    explicit: Option<&Path>,
    revision: &str,
) -> anyhow::Result<(Settings, Vec<Finding>)> {
    // A revision is an argument to git: one starting with `-` would be an option.
    if revision.is_empty() || revision.starts_with('-') {
        bail!("--settings-from: `{revision}` is not a git revision");
    }
    let start = start_dir(paths.first().filter(|p| p.as_os_str() != "-"))?;
    let toplevel = PathBuf::from(
        git(&start, &["rev-parse", "--show-toplevel"])
            .with_context(|| {
                format!(
                    "--settings-from needs a git repository at {}",
                    start.display()
                )
            })?
            .trim_end_matches(['\n', '\r']),
    );
    let file = match explicit {
        Some(file) => absolute(file),
        None => discover(Some(&start)).unwrap_or_else(|| toplevel.join(config::FILE_NAME)),
    };
    let relative = file
        .strip_prefix(&toplevel)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .map_err(|_| {
            anyhow::anyhow!(
                "--settings-from: {} is outside the repository {}",
                file.display(),
                toplevel.display()
            )
        })?;
    git(
        &toplevel,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .with_context(|| {
        format!(
            "--settings-from: `{revision}` is not a commit in {}",
            toplevel.display()
        )
    })?;
    let object = format!("{revision}:{relative}");
    let base_text = match git(&toplevel, &["cat-file", "-e", "--end-of-options", &object]) {
        Ok(_) => Some(git(
            &toplevel,
            &["cat-file", "blob", "--end-of-options", &object],
        )?),
        Err(_) => None,
    };
    let base = match &base_text {
        Some(text) => ReviewConfig::from_toml(text)
            .with_context(|| format!("invalid {relative} at {revision}"))?,
        None => ReviewConfig::default(),
    };
    let head_text = match std::fs::read_to_string(&file) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
    };
    let findings = if head_text == base_text {
        Vec::new()
    } else {
        // A deleted file is the defaults: whatever the base set is given up.
        let mut findings =
            settings_change_findings(&base, head_text.as_deref().unwrap_or(""), None);
        let shown = file.strip_prefix(std::env::current_dir()?).unwrap_or(&file);
        for finding in &mut findings {
            finding.file = Some(shown.to_string_lossy().into_owned());
        }
        findings
    };
    let root = file.parent().map(Path::to_path_buf);
    Ok((Settings { config: base, root }, findings))
}

/// The directory a search for settings starts in: the first path's (or the working
/// directory for stdin).
fn start_dir(first: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    let Some(path) = first else {
        return Ok(std::env::current_dir()?);
    };
    let path = absolute(path);
    Ok(if path.is_dir() {
        path
    } else {
        path.parent().map_or(path.clone(), Path::to_path_buf)
    })
}

/// Runs git in `dir` and returns its standard output; an error carries its stderr.
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = match stderr.trim() {
            "" => output.status.to_string(),
            text => text.to_owned(),
        };
        bail!("git {}: {why}", args.join(" "));
    }
    String::from_utf8(output.stdout).context("git printed something that is not UTF-8")
}

fn discover(start: Option<&Path>) -> Option<PathBuf> {
    let start = match start {
        Some(path) => absolute(path),
        None => std::env::current_dir().ok()?,
    };
    let first_dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    first_dir?
        .ancestors()
        .map(|dir| dir.join(config::FILE_NAME))
        .find(|candidate| candidate.is_file())
}
