//! The store state every guest runs with: WASI with nothing granted, and a memory
//! limiter that remembers whether it refused to grow.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Per-store state: a WASI context that grants no files, network, environment or
/// stdio, and the memory limiter.
pub(crate) struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
}

impl Sandbox {
    /// A sandbox whose linear memories may grow to `memory_bytes` in total per memory.
    pub(crate) fn new(memory_bytes: usize) -> Self {
        let mut wasi = WasiCtx::builder();
        // No preopened directories, environment variables or arguments are added;
        // sockets are refused outright rather than left to an address check.
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        Sandbox {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter {
                max_bytes: memory_bytes,
                refused: false,
            },
        }
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A memory limit that records a refusal, so that the trap that follows (a Rust
/// guest aborts when allocation fails) is reported as the memory limit it is.
pub(crate) struct MemoryLimiter {
    max_bytes: usize,
    pub(crate) refused: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_bytes;
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; a million entries is far beyond any
        // real guest and bounds host memory.
        Ok(desired <= 1_000_000)
    }
}
