//! The store state every guest runs with: WASI with nothing granted but what the
//! operator's [`PluginGrants`] name, and one memory budget for everything the guest
//! allocates in its store, which remembers whether it refused to grow.

use std::net::SocketAddr;
use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::grants::PluginGrants;

/// Per-store state: a WASI context that grants no files, network, environment or
/// stdio beyond the grants, and the memory budget.
pub(crate) struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: StoreBudget,
}

impl Sandbox {
    /// A sandbox that grants nothing, for the reviewer component.
    pub(crate) fn isolated(memory_bytes: usize) -> Self {
        Self::from_wasi(memory_bytes, wasi_builder(&PluginGrants::default()))
    }

    /// A sandbox whose memories and tables may grow to `memory_bytes` in total,
    /// and which reaches exactly what `grants` names. Fails only when a
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
            limiter: StoreBudget::new(memory_bytes),
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

/// The most core instances, linear memories and tables a store may create. Each
/// costs the host memory the byte budget does not see (an instance's context, a
/// memory's address-space reservation and guard pages), so their number is capped
/// too. The most any of ours needs is the Python plugin's (CPython and its
/// libraries as core modules): 13 instances, 2 tables, 1 memory.
const MAX_INSTANCES: usize = 64;
const MAX_MEMORIES: usize = 8;
const MAX_TABLES: usize = 32;

/// Whether instantiation failed on one of these counts, which wasmtime checks
/// without asking the limiter. Its error has no type of its own, so the text is
/// what identifies it: `wasmtime` is pinned, and a test below fails if an upgrade
/// rewords it.
pub(crate) fn is_count_limit(error: &wasmtime::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.to_string().contains("resource limit exceeded"))
}

/// What one table element costs the host: wasmtime stores each as a pointer.
const TABLE_ELEMENT_BYTES: usize = std::mem::size_of::<usize>();

/// One memory budget for the whole store: the bytes of every linear memory and
/// every table, created at instantiation or grown later, count against the same
/// total, so a guest that spreads itself over many memories or tables hits the
/// same limit as one that grows a single memory. It records a refusal, so that the
/// trap that follows (a Rust guest aborts when allocation fails) is reported as the
/// memory limit it is.
pub(crate) struct StoreBudget {
    max_bytes: usize,
    used_bytes: usize,
    pub(crate) refused: bool,
}

impl StoreBudget {
    fn new(max_bytes: usize) -> Self {
        StoreBudget {
            max_bytes,
            used_bytes: 0,
            refused: false,
        }
    }

    /// Charges growing one memory or table from `current` to `desired` bytes.
    ///
    /// Nothing in a store ever shrinks or is freed before the store is dropped, so
    /// the running total is exact — except for a growth wasmtime still fails after
    /// we allowed it (the operating system refused the pages), which stays charged:
    /// rare, and over-counting only shortens the guest's own budget.
    fn charge(&mut self, current: usize, desired: usize) -> bool {
        let total = self
            .used_bytes
            .checked_add(desired.saturating_sub(current))
            .filter(|total| *total <= self.max_bytes);
        match total {
            Some(total) => {
                self.used_bytes = total;
                true
            }
            None => {
                self.refused = true;
                false
            }
        }
    }
}

impl ResourceLimiter for StoreBudget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Past the memory's own declared maximum wasmtime fails the growth whatever
        // we answer: refuse it without charging, and it is not our limit speaking.
        if maximum.is_some_and(|maximum| desired > maximum) {
            return Ok(false);
        }
        Ok(self.charge(current, desired))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|maximum| desired > maximum) {
            return Ok(false);
        }
        Ok(self.charge(
            current.saturating_mul(TABLE_ELEMENT_BYTES),
            desired.saturating_mul(TABLE_ELEMENT_BYTES),
        ))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_and_tables_draw_on_one_budget() {
        let mut budget = StoreBudget::new(10 << 20);
        // Two memories of 4 MiB each fit; a third does not, though it alone would.
        assert!(budget.memory_growing(0, 4 << 20, None).expect("no error"));
        assert!(budget.memory_growing(0, 4 << 20, None).expect("no error"));
        assert!(!budget.memory_growing(0, 4 << 20, None).expect("no error"));
        assert!(budget.refused);
        // What is left (2 MiB) is there for a table, counted in pointers.
        let mut budget = StoreBudget::new(10 << 20);
        assert!(budget.memory_growing(0, 8 << 20, None).expect("no error"));
        let elements = (2 << 20) / TABLE_ELEMENT_BYTES;
        assert!(budget.table_growing(0, elements, None).expect("no error"));
        assert!(
            !budget
                .table_growing(elements, elements + 1, None)
                .expect("no error")
        );
        // Growth charges only the difference.
        let mut budget = StoreBudget::new(10 << 20);
        assert!(budget.memory_growing(0, 6 << 20, None).expect("no error"));
        assert!(
            budget
                .memory_growing(6 << 20, 10 << 20, None)
                .expect("no error")
        );
        assert!(!budget.refused);
    }

    #[test]
    fn a_module_with_more_memories_than_allowed_fails_on_the_count() {
        let engine = wasmtime::Engine::default();
        let memories = "(memory 0)".repeat(MAX_MEMORIES + 1);
        let wasm = wat::parse_str(format!("(module {memories})")).expect("wat");
        let module = wasmtime::Module::new(&engine, wasm).expect("module");
        let mut store = wasmtime::Store::new(&engine, StoreBudget::new(1 << 20));
        store.limiter(|budget| budget);
        let error = wasmtime::Instance::new(&mut store, &module, &[]).expect_err("too many");
        assert!(is_count_limit(&error), "{error:#}");
    }

    #[test]
    fn growth_past_a_declared_maximum_is_not_charged() {
        let mut budget = StoreBudget::new(10 << 20);
        assert!(
            !budget
                .memory_growing(0, 2 << 20, Some(1 << 20))
                .expect("no error")
        );
        assert!(!budget.refused);
        assert!(budget.memory_growing(0, 10 << 20, None).expect("no error"));
    }
}
