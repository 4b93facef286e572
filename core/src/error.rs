//! The one error type of the core, shared by every backend and binding.

/// A result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in words a clerk or an administrator can act on.
///
/// Messages name the field, record, code or period involved and never carry a
/// password, a token or personal data (an account is named by its id only).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input was refused; `field` names it and `reason` says why.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field or parameter that was refused, e.g. `period` or `value`.
        field: String,
        /// Why it was refused.
        reason: String,
    },

    /// A hard plausibility rule of the indicator refused the value.
    #[error("value of {indicator} for {period} breaks rule '{rule}': {reason}")]
    Implausible {
        /// The indicator code.
        indicator: String,
        /// The period, as printed.
        period: String,
        /// The rule that was broken, e.g. `maximum`.
        rule: String,
        /// Why the value breaks it.
        reason: String,
    },

    /// E-mail or password wrong, or the account inactive. Deliberately says no more,
    /// so that nobody can learn which e-mails have accounts.
    #[error("login failed: wrong e-mail or password")]
    LoginFailed,

    /// Too many failed logins; the account is locked for a while.
    #[error("login failed: too many attempts, try again later")]
    LockedOut,

    /// The session token is unknown, expired, logged out or belongs to a deactivated
    /// account.
    #[error("the session is not valid (expired, logged out or revoked); log in again")]
    Unauthenticated,

    /// The account may not do this.
    #[error("permission denied: {0}")]
    PermissionDenied(String),

    /// The record does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// What kind of record, e.g. `indicator`.
        kind: &'static str,
        /// Its id or code.
        id: String,
    },

    /// A record with this identity already exists.
    #[error("{kind} {id} already exists")]
    AlreadyExists {
        /// What kind of record.
        kind: &'static str,
        /// Its id or code.
        id: String,
    },

    /// The action does not fit the record's current state, e.g. accepting a draft.
    #[error("{0}")]
    WrongState(String),

    /// Someone else changed the record since it was read; nothing was written. Read it
    /// again and retry.
    #[error("conflict: {0} was changed by someone else; nothing was written, reload and retry")]
    Conflict(String),

    /// The storage backend failed. The message names the operation, not the data.
    #[error("storage failure: {0}")]
    Storage(String),
}

impl Error {
    /// An [`Error::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), reason: reason.into() }
    }

    /// A [`Error::PermissionDenied`] with the reason.
    pub fn denied(reason: impl Into<String>) -> Self {
        Error::PermissionDenied(reason.into())
    }

    /// A [`Error::NotFound`].
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { kind, id: id.into() }
    }

    /// A [`Error::Storage`] from any backend error; backends keep data out of it.
    pub fn storage(message: impl std::fmt::Display) -> Self {
        Error::Storage(message.to_string())
    }

    /// A short stable name of the error's kind (`invalid`, `conflict`, ...), for
    /// bindings that map kinds to their own exception classes.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::Implausible { .. } => "implausible",
            Error::LoginFailed => "login_failed",
            Error::LockedOut => "locked_out",
            Error::Unauthenticated => "unauthenticated",
            Error::PermissionDenied(_) => "permission_denied",
            Error::NotFound { .. } => "not_found",
            Error::AlreadyExists { .. } => "already_exists",
            Error::WrongState(_) => "wrong_state",
            Error::Conflict(_) => "conflict",
            Error::Storage(_) => "storage",
        }
    }
}
