//! The `Session` object: a logged-in person, through whom every other call is made.
//!
//! Its methods live in the modules of their subject (`accounts`, `catalog`, `values`,
//! `audit`), each with its own `#[uniffi::export(name = "NativeSession")] impl Session`
//! block (the name is that of the generated class, see [`Session`]); a new subject of
//! the core adds a module of its own the same way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use citypassport_core::{Passport as Service, Secret, SessionToken};

use crate::error::{PassportError, Result};
use crate::passport::Shared;
use crate::runtime;

/// A logged-in person. Every call checks the session and the person's permissions.
///
/// Kotlin sees it as `city.passport.Session`, a hand-written subclass of this object
/// (`NativeSession` there) whose `close()` calls [`close_session`]: closing a session
/// that came from `login` logs out, and the object's calls then throw
/// `PassportException.Closed`. The garbage collector frees the object and logs out a
/// session left open. A session taken up with `resumeSession`, or whose token was taken
/// out with `detach()`, belongs to whoever holds the token: closing it only closes the
/// object, and `logout()` ends it. Closing twice does nothing. `toString()` never shows
/// the token.
///
/// A session keeps the store open, so that a `Passport` the garbage collector frees
/// does not close it under the session: the store closes when its `Passport` is closed,
/// or once neither the `Passport` nor any of its sessions is left.
///
/// Safe to use from many threads at once.
#[derive(Debug, uniffi::Object)]
// See `city.passport.Session` in kotlin/Session.kt for why the generated class has
// another name.
#[uniffi(name = "NativeSession")]
pub struct Session {
    /// The store, until this object is closed.
    shared: RwLock<Option<Arc<Shared>>>,
    /// Its `Debug` shows nothing of the secret.
    token: SessionToken,
    account_id: String,
    /// Whether closing or dropping this object ends the session.
    owns_token: AtomicBool,
}

impl Session {
    /// A session object for `token`, checked against the store.
    pub(crate) fn open(shared: Arc<Shared>, token: SessionToken, owns: bool) -> Result<Arc<Self>> {
        let checked = token.clone();
        let me = shared.call(|service| async move { service.whoami(&checked).await })?;
        Ok(Arc::new(Session {
            shared: RwLock::new(Some(shared)),
            token,
            account_id: me.id.to_string(),
            owns_token: AtomicBool::new(owns),
        }))
    }

    /// The store, or [`PassportError::Closed`] once this object is closed.
    fn shared(&self) -> Result<Arc<Shared>> {
        self.shared
            .read()
            // The lock guards a plain Option that no code leaves half-changed.
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(PassportError::session_closed)
    }

    /// Runs one call of the core with this session's token.
    pub(crate) fn call<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: FnOnce(Service, SessionToken) -> Fut,
        Fut: std::future::Future<Output = citypassport_core::Result<T>>,
    {
        let token = self.token.clone();
        self.shared()?.call(|service| call(service, token))
    }

    /// Closes this object: logs out if it owns its session, then lets go of the store.
    /// Later calls fail with [`PassportError::Closed`]; closing again does nothing.
    pub fn close(&self) {
        let shared = self.shared.write().unwrap_or_else(|e| e.into_inner()).take();
        let Some(shared) = shared else { return };
        if self.owns_token.swap(false, Ordering::SeqCst) {
            self.logout_quietly(&shared);
        }
        // The store closes here if its Passport went without closing it and this was
        // the last session; a PostgreSQL pool needs the runtime to shut down.
        runtime::in_context(|| drop(shared));
    }

    /// Logs out where there is no caller to report a failure to.
    fn logout_quietly(&self, shared: &Shared) {
        // On a runtime thread (a PostgreSQL pool's task dropping the last reference)
        // blocking on the logout would panic; the session then expires on its own.
        if runtime::inside_runtime() {
            return;
        }
        let token = self.token.clone();
        // A passport already closed, or a session already ended elsewhere, leaves nothing
        // to do.
        if let Err(error) = shared.call(|service| async move { service.logout(&token).await }) {
            tracing::debug!(account = %self.account_id, %error, "logout on close did not happen");
        }
    }
}

/// Closes `session` as `city.passport.Session.close()` does in Kotlin: logs out if the
/// object owns its session (it came from `login` and was not detached), and makes its
/// later calls throw `PassportException.Closed`. The object itself is freed by the
/// garbage collector. Closing twice does nothing.
#[uniffi::export]
pub fn close_session(session: Arc<Session>) {
    session.close();
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// The id of the account logged in; still readable after `close()`.
    pub fn account_id(&self) -> String {
        self.account_id.clone()
    }

    /// Ends the session now. Afterwards its calls fail with `Unauthenticated`.
    pub fn logout(&self) -> Result<()> {
        let shared = self.shared()?;
        self.owns_token.store(false, Ordering::SeqCst);
        let token = self.token.clone();
        shared.call(|service| async move { service.logout(&token).await })
    }

    /// Hands the session's token out, to be kept elsewhere (an HttpOnly cookie) and taken
    /// up later with `Passport.resumeSession`. From now on closing this object does not
    /// log out. The token is a secret: never log it. Fails with `Closed` once the object
    /// is closed, since a session it owned has been logged out then.
    pub fn detach(&self) -> Result<Secret> {
        // Held while the flag changes, so that a concurrent close either logs out first
        // (and this fails) or sees the session detached (and leaves it alone).
        let guard = self.shared.read().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            return Err(PassportError::session_closed());
        }
        self.owns_token.store(false, Ordering::SeqCst);
        Ok(self.token.clone())
    }
}

impl Drop for Session {
    /// Runs when the garbage collector frees the object (or Rust drops the last
    /// reference): a session left open is closed as by [`Session::close`].
    fn drop(&mut self) {
        self.close();
    }
}
