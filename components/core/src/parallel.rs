//! Running independent work on the machine's cores, with results in input order.
//!
//! Rules check each resource on its own, so a large plan's review splits across
//! threads; the CLI reads and parses a directory's files the same way. Output must not depend on the thread count: work is cut into chunks,
//! threads take chunks as they free up (a resource type that is slow to check does
//! not leave one thread behind), and results come back in chunk order, exactly as
//! a single thread would produce them. Where threads are unavailable (WebAssembly
//! hosts) or the input is small, everything runs on the calling thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Below this many items per thread, starting a thread costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 256;
/// Chunks per thread: enough for uneven chunks to even out.
const CHUNKS_PER_THREAD: usize = 8;
/// More threads than this gain little for a review and hold memory.
const MAX_THREADS: usize = 16;

/// Runs `work` over contiguous chunks of `items` and returns its results in chunk
/// order. A panic in `work` propagates to the caller.
pub fn map_chunks<T, R>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = threads_for(items.len());
    if threads <= 1 {
        return vec![work(items)];
    }
    let chunk_len = items.len().div_ceil(threads * CHUNKS_PER_THREAD);
    let chunks: Vec<&[T]> = items.chunks(chunk_len).collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(chunks.len()));
    let take_chunks = || {
        let mut mine = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(index) else {
                break;
            };
            mine.push((index, work(chunk)));
        }
        done.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(mine);
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            // A thread that cannot start leaves its share to the others.
            .filter_map(|_| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, take_chunks)
                    .ok()
            })
            .collect();
        take_chunks();
        for helper in helpers {
            if let Err(panic) = helper.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

fn threads_for(items: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores
        .min(MAX_THREADS)
        .min(items / MIN_ITEMS_PER_THREAD)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_whatever_the_split() {
        for len in [0, 1, 255, 256, 1_000, 10_007] {
            let items: Vec<usize> = (0..len).collect();
            let chunks = map_chunks(&items, |chunk| chunk.to_vec());
            assert_eq!(chunks.concat(), items, "len {len}");
            if len >= 2 * MIN_ITEMS_PER_THREAD
                && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
            {
                assert!(chunks.len() > 1, "len {len} was not split");
            }
        }
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items: Vec<usize> = (0..10_000).collect();
        let outcome = std::panic::catch_unwind(|| {
            map_chunks(&items, |chunk| assert!(!chunk.contains(&9_999), "boom"))
        });
        assert!(outcome.is_err());
    }
}
