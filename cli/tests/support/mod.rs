//! Shared by the CLI's test binaries.

use std::path::{Path, PathBuf};

/// A file of the shared corpus (`../shared/corpus` beside the repository, or
/// `$REVIEWGATE_CORPUS`), read in place.
pub fn corpus(relative: &str) -> PathBuf {
    let dir = std::env::var_os("REVIEWGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    assert!(dir.is_dir(), "shared corpus missing at {}", dir.display());
    dir.join(relative)
}
