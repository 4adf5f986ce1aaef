//! Compiled components on disk, so that a host starts in milliseconds instead of
//! recompiling megabytes of WebAssembly.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::HostError;

/// Where compiled components are kept; `None` compiles every time.
#[derive(Clone, Debug, Default)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

/// How a component was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Compiled from the bytes (and written to the cache, if there is one).
    Compiled,
    /// Loaded precompiled from the cache.
    Loaded,
}

impl ComponentCache {
    /// A cache in `dir` (created when first written).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        ComponentCache {
            dir: Some(dir.into()),
        }
    }

    /// No cache: every load compiles.
    pub fn disabled() -> Self {
        ComponentCache { dir: None }
    }

    /// The component for `bytes`, from the cache when it holds one compiled by a
    /// compatible engine, else compiled (and cached).
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> Result<(Component, CacheOutcome), HostError> {
        let Some(dir) = &self.dir else {
            return Ok((compile(engine, bytes)?, CacheOutcome::Compiled));
        };
        let path = dir.join(format!("{}.cwasm", cache_key(engine, bytes)));
        if path.exists() {
            // A file that does not load (truncated, from another wasmtime) is
            // recompiled and replaced below, never trusted.
            if let Ok(component) = deserialize(engine, &path) {
                return Ok((component, CacheOutcome::Loaded));
            }
        }
        let component = compile(engine, bytes)?;
        let compiled = component
            .serialize()
            .map_err(HostError::wasm("serializing a compiled component"))?;
        write_atomically(dir, &path, &compiled)?;
        Ok((component, CacheOutcome::Compiled))
    }
}

fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component, HostError> {
    Component::from_binary(engine, bytes).map_err(HostError::wasm("compiling a component"))
}

/// The file name: the component's sha256 and a hash of everything in the engine's
/// configuration that makes compiled code incompatible.
fn cache_key(engine: &Engine, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{:016x}", hasher.finish())
}

// Deserializing runs native code produced from the file, so the file must be one
// this process (or an earlier one with the same engine) wrote: the cache directory
// is the host's own, keyed by content hash, and written only by `write_atomically`.
#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> Result<Component, HostError> {
    // SAFETY: see above; wasmtime also checks the engine compatibility header.
    unsafe { Component::deserialize_file(engine, path) }
        .map_err(HostError::wasm("loading a cached component"))
}

/// Writes to a temporary file and renames it into place. A cached file may be
/// memory-mapped by another process: rewriting it in place would make that process
/// fault (SIGBUS), while a rename leaves its mapping intact.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), HostError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| HostError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = dir.join(format!(".tmp-{}-{nanos}", std::process::id()));
    std::fs::write(&temp, bytes).map_err(io(&temp))?;
    std::fs::rename(&temp, path).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_component_loads_instead_of_compiling() {
        let engine = Engine::default();
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = ComponentCache::in_dir(dir.path());
        let wat = wat_component();
        let (_, first) = cache.load(&engine, &wat).expect("compile");
        let (_, second) = cache.load(&engine, &wat).expect("load");
        assert_eq!(
            (first, second),
            (CacheOutcome::Compiled, CacheOutcome::Loaded)
        );
        // A corrupt cache file is replaced, not trusted.
        let file = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
            .expect("a cached file");
        std::fs::write(file.path(), b"not a component").expect("corrupt");
        let (_, third) = cache.load(&engine, &wat).expect("recompile");
        assert_eq!(third, CacheOutcome::Compiled);
        assert_eq!(
            cache.load(&engine, &wat).expect("load").1,
            CacheOutcome::Loaded
        );
    }

    fn wat_component() -> Vec<u8> {
        // The smallest component: no imports, no exports.
        b"\0asm\x0d\0\x01\0".to_vec()
    }
}
