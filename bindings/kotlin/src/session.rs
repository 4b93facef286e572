//! The `Session` object: a logged-in person, through whom every other call is made.
//!
//! Its methods live in the modules of their subject (`accounts`, `catalog`, `values`,
//! `audit`), each with its own `#[uniffi::export] impl Session` block; a new subject
//! of the core adds a module of its own the same way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use citypassport_core::{Passport as Service, Secret, SessionToken};

use crate::error::Result;
use crate::passport::Shared;
use crate::runtime;

/// A logged-in person. Every call checks the session and the person's permissions.
///
/// In Kotlin it is `AutoCloseable`: closing a session that came from `login` logs out
/// (so does the garbage collector, should it free an open one). A session taken up
/// with `resumeSession`, or whose token was taken out with `detach()`, belongs to
/// whoever holds the token: closing it only frees the object, and `logout()` ends it.
/// After `close()` the object's methods throw `IllegalStateException`; closing twice
/// does nothing. `toString()` never shows the token.
///
/// Safe to use from many threads at once.
#[derive(Debug, uniffi::Object)]
pub struct Session {
    shared: Arc<Shared>,
    /// Its `Debug` shows nothing of the secret.
    token: SessionToken,
    account_id: String,
    /// Whether dropping this object ends the session.
    owns_token: AtomicBool,
}

impl Session {
    /// A session object for `token`, checked against the store.
    pub(crate) fn open(shared: Arc<Shared>, token: SessionToken, owns: bool) -> Result<Arc<Self>> {
        let checked = token.clone();
        let me = shared.call(|service| async move { service.whoami(&checked).await })?;
        Ok(Arc::new(Session {
            shared,
            token,
            account_id: me.id.to_string(),
            owns_token: AtomicBool::new(owns),
        }))
    }

    /// Runs one call of the core with this session's token.
    pub(crate) fn call<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: FnOnce(Service, SessionToken) -> Fut,
        Fut: std::future::Future<Output = citypassport_core::Result<T>>,
    {
        let token = self.token.clone();
        self.shared.call(|service| call(service, token))
    }
}

#[uniffi::export]
impl Session {
    /// The id of the account logged in.
    pub fn account_id(&self) -> String {
        self.account_id.clone()
    }

    /// Ends the session now. Afterwards its calls fail with `Unauthenticated`.
    pub fn logout(&self) -> Result<()> {
        self.owns_token.store(false, Ordering::SeqCst);
        self.call(|service, token| async move { service.logout(&token).await })
    }

    /// Hands the session's token out, to be kept elsewhere (an HttpOnly cookie) and taken
    /// up later with `Passport.resumeSession`. From now on closing this object does not
    /// log out. The token is a secret: never log it.
    pub fn detach(&self) -> Secret {
        self.owns_token.store(false, Ordering::SeqCst);
        self.token.clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.owns_token.load(Ordering::SeqCst) || runtime::inside_runtime() {
            return;
        }
        // A passport already closed, or a session already ended elsewhere, leaves nothing
        // to do; a drop has no caller to report any other failure to.
        if let Err(error) = self.call(|service, token| async move { service.logout(&token).await })
        {
            tracing::debug!(account = %self.account_id, %error, "logout on close did not happen");
        }
    }
}
