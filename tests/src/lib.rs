//! Helpers shared by reviewgate's cross-crate integration tests: locating the shared
//! corpus that sits beside the repository (`../shared/corpus`). Tests read corpus files
//! in place; they are never copied into the repository.

use std::path::PathBuf;

/// The corpus directory: `$REVIEWGATE_CORPUS` if set, else `../shared/corpus` from the
/// workspace root.
pub fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("REVIEWGATE_CORPUS") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

/// A path inside the corpus; panics with a clear message when the corpus is missing,
/// because every corpus test would otherwise fail with a confusing error.
pub fn corpus_path(relative: &str) -> PathBuf {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {} (expected ../shared beside the repository, or set REVIEWGATE_CORPUS)",
        dir.display()
    );
    dir.join(relative)
}
