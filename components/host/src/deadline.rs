//! Wall-clock deadlines for plugin calls.
//!
//! Fuel bounds the instructions a plugin runs, not the time it takes: a plugin
//! that sleeps, polls or waits on a socket spends its time in the host's WASI
//! code, where fuel does not burn. So every plugin call is async and is stopped
//! two ways, one per place a plugin can spend time:
//!
//! - **In its own code**, by epoch interruption: a thread advances the engine's
//!   epoch every [`EPOCH_TICK`], compiled guest code checks the epoch at loop
//!   back-edges and function entries, and at each tick the store's callback
//!   either traps with [`Trap::Interrupt`](wasmtime::Trap::Interrupt) (the
//!   deadline has passed) or yields to the executor. The trap does not depend on
//!   the executor getting a turn, so a busy loop is stopped within a tick of the
//!   deadline.
//! - **In a host call** (WASI `poll`, a clock subscription, a socket read), by a
//!   timer around the whole call: the host functions are async, the guest's fiber
//!   is parked while they wait, and when the timer fires the call's future is
//!   dropped, which unwinds the guest and drops whatever it was waiting on.
//!
//! The runtime and the ticker live for one [`PolicyPlugins::evaluate`](crate::PolicyPlugins::evaluate)
//! call: nothing keeps running between reviews.

use std::future::Future;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::{Engine, Store, UpdateDeadline};

/// How often the engine's epoch advances, so how late past its deadline guest
/// code may still run. Each tick costs a thread wake-up; 10 ms is well below any
/// useful deadline and invisible next to it.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A current-thread Tokio runtime (timers and the I/O that WASI sockets need) and
/// a thread that advances the engine's epoch, for one evaluation.
pub(crate) struct DeadlineRuntime {
    runtime: tokio::runtime::Runtime,
    /// Held for its `Drop`, which stops the thread.
    _ticker: EpochTicker,
}

impl DeadlineRuntime {
    /// Starts both for `engine`, which must have epoch interruption on.
    pub(crate) fn start(engine: &Engine) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let ticker = EpochTicker::start(engine.clone())?;
        Ok(DeadlineRuntime {
            runtime,
            _ticker: ticker,
        })
    }

    /// Runs `future` to completion on this thread.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// Arms `store` so that its guest code traps at the first epoch tick past
/// `deadline`, and yields to the executor at every tick before it (letting timers
/// and WASI's background tasks run).
pub(crate) fn arm<T: 'static>(store: &mut Store<T>, deadline: Instant) {
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            // Tokio's own yield, as wasmtime recommends: it lets the runtime poll
            // its timers and I/O before resuming the guest.
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(tokio::task::yield_now()),
            ))
        }
    });
}

/// `future`, or `None` if `deadline` passes first. Dropping the future is what
/// stops a guest parked in a host call.
pub(crate) async fn by<F: Future>(deadline: Instant, future: F) -> Option<F::Output> {
    tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), future)
        .await
        .ok()
}

/// Advances an engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                // Ends when the sender is dropped (`Disconnected`).
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // The thread only loops on the channel; it cannot have panicked.
            let _ = thread.join();
        }
    }
}
