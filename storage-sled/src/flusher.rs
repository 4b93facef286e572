//! Group commit: a thread of the store's own that writes sled's log to disk for every
//! durable change set, one `fsync` for all the writers waiting at that moment.
//!
//! sled 0.34 has `flush_async`, but concurrent calls of it can wait forever (sled issue
//! 1308, fixed on sled's main branch and never released; seen here as a hung JVM test
//! with several threads writing one store). So the store never calls it: writers hand a
//! one-shot channel to this thread and await the answer, and the thread runs sled's
//! blocking `flush`. The waiting stays async and needs no particular runtime, and no
//! two flushes of the store's own ever run at once.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use futures_channel::oneshot;

/// What a writer hears: `Ok` once its change set is on disk, or sled's error message.
type Outcome = Result<(), String>;

/// The flushing thread and the queue of writers waiting for it.
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    /// Writers whose change sets are committed in memory and who wait for the disk.
    waiting: Vec<oneshot::Sender<Outcome>>,
    /// Set when the store is dropped: the thread answers who is left and ends.
    closing: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a queue and a flag, consistent after every statement, so a
        // panic elsewhere while holding the lock leaves nothing to repair.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Flusher {
    /// Starts the thread for `db`.
    pub(crate) fn start(db: sled::Db) -> std::io::Result<Self> {
        let shared = Arc::new(Shared { state: Mutex::default(), wake: Condvar::new() });
        let thread = std::thread::Builder::new().name("citypassport-sled-flush".into()).spawn({
            let shared = shared.clone();
            move || run(&db, &shared)
        })?;
        Ok(Flusher { shared, thread: Some(thread) })
    }

    /// Resolves once everything committed before the call is on disk.
    pub(crate) async fn flush(&self) -> Outcome {
        let (answer, heard) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            if state.closing {
                return Err("the store is being closed".into());
            }
            state.waiting.push(answer);
        }
        self.shared.wake.notify_one();
        heard.await.unwrap_or_else(|_| Err("the flushing thread has stopped".into()))
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread holds a handle of the database: joining it here means that
            // once the store is dropped, the folder is free to be opened again.
            if thread.join().is_err() {
                tracing::error!("the sled flushing thread panicked");
            }
        }
    }
}

fn run(db: &sled::Db, shared: &Shared) {
    loop {
        let batch = {
            let mut state = shared.lock();
            while state.waiting.is_empty() && !state.closing {
                state = shared.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            if state.waiting.is_empty() {
                return;
            }
            std::mem::take(&mut state.waiting)
        };

        // Every writer in the batch committed before it queued, so one flush started
        // after taking the batch covers them all.
        let outcome = db.flush().map(drop).map_err(|e| e.to_string());
        for answer in batch {
            // A writer that stopped waiting (its future was dropped) needs no answer.
            let _ = answer.send(outcome.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        // A minimal executor: the flusher's future is woken from its thread.
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut context = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            match future.as_mut().poll(&mut context) {
                Poll::Ready(output) => return output,
                Poll::Pending => std::thread::park(),
            }
        }
    }

    #[test]
    fn concurrent_flushes_all_answer() -> Result<(), Box<dyn std::error::Error>> {
        // The case that hangs sled 0.34's own flush_async: many writers flushing one
        // database at the same time.
        let dir = tempfile::tempdir()?;
        let db = sled::Config::new().path(dir.path()).open()?;
        let flusher = Arc::new(Flusher::start(db.clone())?);

        let writers: Vec<_> = (0..16u8)
            .map(|writer| {
                let (db, flusher) = (db.clone(), flusher.clone());
                std::thread::spawn(move || -> Result<(), String> {
                    for i in 0..50u8 {
                        db.insert([writer, i], vec![i]).map_err(|e| e.to_string())?;
                        block_on(flusher.flush())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for writer in writers {
            writer.join().map_err(|_| "a writer panicked")??;
        }
        assert_eq!(db.len(), 16 * 50);
        Ok(())
    }

    #[test]
    fn dropping_the_flusher_ends_its_thread() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let db = sled::Config::new().path(dir.path()).open()?;
        let flusher = Flusher::start(db.clone())?;
        let weak = Arc::downgrade(&flusher.shared);
        drop(flusher);
        assert!(weak.upgrade().is_none(), "the thread still holds the queue");
        Ok(())
    }
}
