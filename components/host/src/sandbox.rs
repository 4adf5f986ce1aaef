//! The store state every guest runs with: WASI with nothing granted but what the
//! operator's [`PluginGrants`] name, and a memory limiter that remembers whether it
//! refused to grow.

use std::net::SocketAddr;
use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::grants::PluginGrants;

/// Per-store state: a WASI context that grants no files, network, environment or
/// stdio beyond the grants, and the memory limiter.
pub(crate) struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
}

impl Sandbox {
    /// A sandbox that grants nothing, for the reviewer component.
    pub(crate) fn isolated(memory_bytes: usize) -> Self {
        Self::from_wasi(memory_bytes, wasi_builder(&PluginGrants::default()))
    }

    /// A sandbox whose linear memories may grow to `memory_bytes` in total per
    /// memory, and which reaches exactly what `grants` names. Fails only when a
    /// granted directory cannot be opened.
    pub(crate) fn new(memory_bytes: usize, grants: &PluginGrants) -> std::io::Result<Self> {
        let mut wasi = wasi_builder(grants);
        for (guest, host) in &grants.dirs {
            wasi.preopened_dir(host, guest, FsPerms::ReadOnly)
                .map_err(|e| std::io::Error::other(format!("{}: {e:#}", host.display())))?;
        }
        Ok(Self::from_wasi(memory_bytes, wasi))
    }

    fn from_wasi(memory_bytes: usize, mut wasi: WasiCtxBuilder) -> Self {
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

/// WASI with no arguments or stdio, the granted environment, UDP and name lookups
/// refused outright, and TCP on only to reach the granted addresses.
fn wasi_builder(grants: &PluginGrants) -> WasiCtxBuilder {
    let mut wasi = WasiCtx::builder();
    wasi.allow_udp(false)
        .allow_ip_name_lookup(false)
        .allow_tcp(!grants.connect.is_empty());
    for (name, value) in &grants.env {
        wasi.env(name, value);
    }
    let connect = Arc::new(grants.connect.clone());
    wasi.socket_addr_check(move |address, usage| {
        let allowed = allowed_socket_use(&connect, address, usage);
        Box::pin(async move { allowed })
    });
    wasi
}

/// A connection to a granted address, and the implicit bind to an ephemeral
/// local port that every outbound connection makes; nothing else.
fn allowed_socket_use(
    connect: &std::collections::BTreeSet<SocketAddr>,
    address: SocketAddr,
    usage: SocketAddrUse,
) -> bool {
    match usage {
        SocketAddrUse::TcpConnect => connect.contains(&address),
        SocketAddrUse::TcpBind => {
            !connect.is_empty() && address.ip().is_unspecified() && address.port() == 0
        }
        _ => false,
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
