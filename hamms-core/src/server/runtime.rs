//! hamms' own runtime. Servers run on threads hamms starts, never on the test's executor: they
//! work from `#[tokio::test]` of either flavor, from plain `#[test]`, under other executors, and a
//! blocking client inside an async test cannot starve them.

use std::cell::Cell;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Handle, Runtime};

thread_local! {
    static ON_HAMMS_RUNTIME: Cell<bool> = const { Cell::new(false) };
}

/// The runtime, started on first use and kept for the life of the process.
pub(crate) fn handle() -> &'static Handle {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("hamms")
                .on_thread_start(|| ON_HAMMS_RUNTIME.set(true))
                .enable_all()
                .build()
                // Only fails if the OS refuses to start threads; nothing can serve then.
                .expect("hamms could not start its runtime threads")
        })
        .handle()
}

/// Whether the calling thread is one of hamms' own: such a thread must never block on a server.
pub(crate) fn is_hamms_thread() -> bool {
    ON_HAMMS_RUNTIME.get()
}

/// Runs `future` on hamms' runtime and blocks the calling thread until it is done: how a
/// blocking method of a public handle (the control API's) drives async work.
///
/// # Panics
/// On one of hamms' own threads, which must never block on hamms' runtime (a programming error:
/// no hamms thread calls a blocking handle method), and if `future` panics.
#[cfg(feature = "control")]
pub(crate) fn block_on<T: Send + 'static>(
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    assert!(
        !is_hamms_thread(),
        "hamms: a blocking control-API method was called on one of hamms' own threads"
    );
    let (done, finished) = std::sync::mpsc::sync_channel(1);
    handle().spawn(async move {
        let _ = done.send(future.await);
    });
    finished
        .recv()
        // The sender is only dropped unsent if the future panicked: pass the failure on.
        .expect("hamms: a control-API task panicked")
}

/// Cancels `stop`, closes `tasks` and blocks until every task has ended (or `limit` passes):
/// what dropping a server's handle does. Returns whether the tasks ended in time. On one of
/// hamms' own threads it does not block, which could deadlock; the tasks end on their own.
pub(crate) fn stop_and_wait(
    stop: &tokio_util::sync::CancellationToken,
    tasks: &tokio_util::task::TaskTracker,
    limit: std::time::Duration,
) -> bool {
    stop.cancel();
    tasks.close();
    if is_hamms_thread() {
        return true;
    }
    wait_here(tasks.wait(), limit).is_some()
}

/// Polls `future` on the calling thread, parking it in between, until it is done or `limit`
/// passes. A handle is dropped from any thread, inside any executor (where `block_on` is
/// refused), so it waits for its server's tasks this way: they wake it when the last one ends,
/// with no task spawned to watch them.
fn wait_here<F: Future>(future: F, limit: Duration) -> Option<F::Output> {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let deadline = Instant::now() + limit;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return Some(output);
        }
        // Parking returns at an unpark, at the deadline, or spuriously: poll again each time.
        let left = deadline.checked_duration_since(Instant::now())?;
        std::thread::park_timeout(left);
    }
}
