//! The process's allocator: mimalloc, set up per command before the first
//! allocation (on Linux with glibc, lean on memory for one-shot commands: see
//! `lean_memory`), and able to count live and peak heap bytes, so `reviewgate bench`
//! can report the memory a parse needs without an external profiler.
//!
//! Counting is off unless a measurement turns it on: two shared atomic counters
//! updated by every allocation of every review thread would bounce one cache line
//! between cores, and timed runs must not pay for that. `bench` times its runs with
//! counting off and measures the heap in one extra run with it on.

#![allow(unsafe_code)] // GlobalAlloc is an unsafe trait; this only forwards to System.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as System;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
// Signed: a counted run may free memory that was allocated before counting began.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

/// Forwards to the system allocator and tracks live and peak bytes.
pub struct PeakAllocator;

unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

fn grew(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        let bytes = bytes as isize;
        let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_sub(bytes as isize, Ordering::Relaxed);
    }
}

/// Runs `f` with counting on and returns its result with the most heap it held at
/// once (bytes above what was live when it started).
pub fn with_peak<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    let result = f();
    COUNTING.store(false, Ordering::SeqCst);
    let peak = PEAK.load(Ordering::Relaxed).max(0) as usize;
    (result, peak)
}

// mimalloc 3's `mi_option_arena_eager_commit` and `mi_option_purge_delay` from its
// `mimalloc.h` (the -sys crate exports no constants for them). The purge delay is
// in milliseconds: 0 returns freed pages at once, -1 never.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How the allocator trades memory for speed, chosen per command before the first
/// allocation (see [`CHOOSE_MEMORY_MODE`]).
///
/// mimalloc's defaults suit a server: it commits its arena eagerly, which lets the
/// kernel back it with 2 MiB transparent huge pages (few page faults, fast), and it
/// returns freed memory to the OS only after a delay. A one-shot command pays for
/// that in peak RSS: reviewing the Trivy corpus ten times over (3,380 files) peaked
/// at 61 MB with the defaults and at 31 MB committing on demand and returning freed
/// pages at once, for about a sixth more CPU time in page faults (figures in
/// docs/benchmarks.md). A review runs in CI containers with memory limits and
/// finishes in a fraction of a second either way, so one-shot commands take the
/// lean mode; `serve` and `bench`, which run long or repeat work back to back,
/// keep the defaults.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn lean_memory() {
    // SAFETY: sets process-wide mimalloc options; called from the constructor below,
    // before any thread starts and before anything is allocated.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// Commands that keep the allocator's defaults: they run long or repeat work.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keeps_default_memory_mode(command: &[u8]) -> bool {
    matches!(command, b"serve" | b"bench")
}

/// Runs before `main`, from the executable's `.init_array`: the arena that the
/// option governs is reserved at the first allocation, and the Rust runtime
/// allocates before `main` runs. glibc passes `argc` and `argv` to these functions
/// (Rust's standard library reads its arguments the same way), so the command is
/// known here. mimalloc's own constructor, which reads `MIMALLOC_*` variables, has
/// a higher priority and runs first; a variable set by the user still wins below.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[unsafe(link_section = ".init_array")]
static CHOOSE_MEMORY_MODE: extern "C" fn(
    std::ffi::c_int,
    *const *const std::ffi::c_char,
    *const *const std::ffi::c_char,
) = choose_memory_mode;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn choose_memory_mode(
    argc: std::ffi::c_int,
    argv: *const *const std::ffi::c_char,
    envp: *const *const std::ffi::c_char,
) {
    use std::ffi::CStr;
    // Nothing here may allocate: the first allocation reserves the arena.
    let command = if argc >= 2 && !argv.is_null() {
        // SAFETY: glibc passes the program's argv: `argc` valid pointers to
        // NUL-terminated strings.
        unsafe { CStr::from_ptr(*argv.add(1)) }.to_bytes()
    } else {
        b""
    };
    let mut user_chose = false;
    if !envp.is_null() {
        // SAFETY: glibc passes the environment: NUL-terminated strings, then null.
        let mut entry = envp;
        while let Some(variable) = unsafe { entry.as_ref() }.filter(|p| !p.is_null()) {
            let variable = unsafe { CStr::from_ptr(*variable) }.to_bytes();
            user_chose |= variable.starts_with(b"MIMALLOC_ARENA_EAGER_COMMIT=")
                || variable.starts_with(b"MIMALLOC_PURGE_DELAY=");
            entry = unsafe { entry.add(1) };
        }
    }
    if !user_chose && !keeps_default_memory_mode(command) {
        lean_memory();
    }
}

/// Keeps freed memory mapped instead of returning it to the OS after a delay.
///
/// For `bench`, whose runs repeat back to back like a server's: handing pages back
/// between runs only to fault them in again zeroed cost about a tenth of a plan
/// review's CPU time, in the kernel. A one-shot review does not call it, so its peak
/// RSS stays as low as it can be.
pub fn keep_freed_memory() {
    const NEVER: std::ffi::c_long = -1;
    // SAFETY: sets a process-wide mimalloc option. mimalloc documents option setters as
    // not thread safe, so `main` calls this before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, NEVER) };
}
