//! The tokio runtime that runs the core's async calls, and how Python waits for them.
//!
//! The core is async and brings no runtime; the PostgreSQL backend needs tokio. One
//! small multi-threaded runtime per process serves every store: Python threads call
//! [`run`], which releases the GIL and blocks the calling thread on the future, so other
//! Python threads keep running while storage works and several threads can wait on the
//! store at once.

use std::future::Future;
use std::sync::OnceLock;

use citypassport_core::Result as CoreResult;
use pyo3::prelude::*;

use crate::errors;

/// Worker threads of the runtime. Futures run on the Python thread that waits for them;
/// the workers only drive the connection pool's background tasks and timers, so two are
/// plenty and keep the process light next to a notebook.
const WORKER_THREADS: usize = 2;

static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();

/// The process's runtime, built on first use.
pub(crate) fn runtime(py: Python<'_>) -> PyResult<&'static tokio::runtime::Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("citypassport-worker")
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|e| errors::storage(py, format!("could not start the async runtime: {e}")))
}

/// The runtime if it was started, for work that must not start one (dropping a store).
pub(crate) fn existing() -> Option<&'static tokio::runtime::Runtime> {
    RUNTIME.get().and_then(|r| r.as_ref().ok())
}

/// Runs a core future to completion with the GIL released, translating its error.
pub(crate) fn run<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = CoreResult<T>> + Send,
    T: Send,
{
    let runtime = runtime(py)?;
    py.detach(|| runtime.block_on(future)).map_err(|e| errors::to_py(py, e))
}

/// Runs blocking work (opening a sled folder) with the GIL released, inside the
/// runtime's context so that whatever it starts finds the runtime.
pub(crate) fn blocking<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    let runtime = runtime(py)?;
    Ok(py.detach(|| {
        let _context = runtime.enter();
        work()
    }))
}
