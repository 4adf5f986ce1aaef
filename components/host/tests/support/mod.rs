//! Shared by the host's tests: where the built components and the corpus are.

// Each test binary uses some of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;

/// A component built by `scripts/test` (`cargo build --target wasm32-wasip2
/// --release`): `$REVIEWGATE_WASM_DIR/<name>.wasm`, else the target directory's
/// `wasm32-wasip2/release/`. Panics with the command to run when it is missing.
pub fn wasm(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("REVIEWGATE_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            option_env!("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
                .join("wasm32-wasip2/release")
        });
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the components first: scripts/components build",
            path.display()
        )
    })
}

/// `$REVIEWGATE_CORPUS`, else `../shared/corpus` beside the repository.
pub fn corpus(relative: &str) -> PathBuf {
    let dir = std::env::var_os("REVIEWGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {}",
        dir.display()
    );
    dir.join(relative)
}
