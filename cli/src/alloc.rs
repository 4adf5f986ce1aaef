//! A global allocator that can count live and peak heap bytes, so `reviewgate bench`
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

/// Keeps freed memory mapped instead of returning it to the OS after a delay.
///
/// For `bench`, whose runs repeat back to back like a server's: handing pages back
/// between runs only to fault them in again zeroed cost about a tenth of a plan
/// review's CPU time, in the kernel. A one-shot review does not call it, so its peak
/// RSS stays as low as it can be.
pub fn keep_freed_memory() {
    // `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (the -sys crate exports no
    // constant for it); its value is a delay in milliseconds, -1 for never.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const NEVER: std::ffi::c_long = -1;
    // SAFETY: sets a process-wide mimalloc option. mimalloc documents option setters as
    // not thread safe, so `main` calls this before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, NEVER) };
}
