//! The one tokio runtime behind every blocking call of the bindings.
//!
//! The exports are synchronous so that JVM callers need no coroutines: each call runs
//! its future to completion on the calling JVM thread with [`block_on`]. The runtime's
//! worker threads only run what the backends spawn (sqlx's connection tasks); sled and
//! the in-memory store never need them. One runtime serves every `Passport`, because a
//! PostgreSQL pool must keep running on the runtime that created it.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

/// Worker threads for background tasks. Calls themselves run on the JVM's threads, so
/// two are plenty and keep the footprint small inside an application server.
const WORKER_THREADS: usize = 2;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("citypassport-io")
            .enable_all()
            .build()
            // Without threads the library can do nothing at all; there is no error to
            // return to, since the runtime is created on the first call of any kind.
            .expect("the citypassport runtime could not start its threads")
    })
}

/// Runs `future` to completion on the calling thread, inside the shared runtime.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// Runs `f` with the shared runtime entered, so that what it drops (a PostgreSQL pool)
/// can reach the runtime to shut down its tasks.
pub(crate) fn in_context<T>(f: impl FnOnce() -> T) -> T {
    let _entered = runtime().enter();
    f()
}

/// Whether the current thread is already inside a tokio runtime, where blocking on
/// another future would panic.
pub(crate) fn inside_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}
