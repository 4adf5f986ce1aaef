//! Finding and reading `.reviewgate.toml`. The core parses the text; the CLI only
//! decides which file applies and turns paths into the file's frame of reference.

use std::path::{Path, PathBuf};

use anyhow::Context;
use reviewgate_core::config::{self, ReviewConfig};

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
