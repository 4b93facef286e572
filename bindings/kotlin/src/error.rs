//! The error every export returns, one variant per kind of the core's error.
//!
//! uniffi turns [`PassportError`] into the sealed Kotlin class `PassportException` with
//! one subclass per variant, whose fields are the variant's fields. Its `message` lists
//! them as `name=value`, so every variant carries at least one field that says what
//! failed. The texts come from the core, which keeps passwords, tokens and personal
//! data out of them.

use citypassport_core::Error as CoreError;

/// Why a call failed. In Kotlin: `PassportException` and its subclasses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PassportError {
    /// An input was refused; `field` names it (`period`, `value`, `email`, ...).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field or parameter that was refused.
        field: String,
        /// Why it was refused.
        reason: String,
    },

    /// A hard plausibility rule of the indicator refused the value.
    #[error("value of {indicator} for {period} breaks rule '{rule}': {reason}")]
    Implausible {
        /// The indicator code.
        indicator: String,
        /// The period, e.g. `2026-M07`.
        period: String,
        /// The rule that was broken, e.g. `maximum`.
        rule: String,
        /// Why the value breaks it.
        reason: String,
    },

    /// Wrong e-mail or password, or an inactive account; deliberately says no more.
    #[error("{reason}")]
    LoginFailed {
        /// What the core says.
        reason: String,
    },

    /// Too many failed logins; the e-mail is locked for a while.
    #[error("{reason}")]
    LockedOut {
        /// What the core says.
        reason: String,
    },

    /// The session is unknown, expired, logged out or revoked; log in again.
    #[error("{reason}")]
    Unauthenticated {
        /// What the core says.
        reason: String,
    },

    /// The account may not do this.
    #[error("{reason}")]
    PermissionDenied {
        /// What was refused and why.
        reason: String,
    },

    /// The record does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// What kind of record, e.g. `indicator`.
        kind: String,
        /// Its id or code.
        id: String,
    },

    /// A record with this identity already exists.
    #[error("{kind} {id} already exists")]
    AlreadyExists {
        /// What kind of record.
        kind: String,
        /// Its id or code.
        id: String,
    },

    /// The action does not fit the record's state, e.g. accepting a draft.
    #[error("{reason}")]
    WrongState {
        /// Which record is in which state.
        reason: String,
    },

    /// Someone else changed the record since it was read; nothing was written.
    #[error("{reason}")]
    Conflict {
        /// Which record; reload it and retry.
        reason: String,
    },

    /// The store failed, or could not be opened.
    #[error("{reason}")]
    Storage {
        /// Which operation failed.
        reason: String,
    },

    /// The `Passport`, or the `Session` called, was closed.
    #[error("{reason}")]
    Closed {
        /// What was closed: the `Passport` or the `Session`.
        reason: String,
    },

    /// A kind of error this build of the bindings does not know yet: the core grew a
    /// new one. `kind` is the core's stable name for it.
    #[error("{kind}: {reason}")]
    Other {
        /// The core's name of the kind, as `Error::kind()` gives it.
        kind: String,
        /// What the core says.
        reason: String,
    },
}

impl PassportError {
    /// The error for a call on a store that was closed, or on a session of it.
    pub(crate) fn closed() -> Self {
        PassportError::Closed {
            reason: "the Passport was closed; open the store again to go on".into(),
        }
    }

    /// The error for a call on a session object that was closed.
    pub(crate) fn session_closed() -> Self {
        PassportError::Closed { reason: "the Session was closed; log in again to go on".into() }
    }

    /// An invalid input found by the bindings while translating it.
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        PassportError::InvalidInput { field: field.into(), reason: reason.into() }
    }
}

impl From<CoreError> for PassportError {
    fn from(error: CoreError) -> Self {
        let reason = error.to_string();
        match error {
            CoreError::Invalid { field, reason } => PassportError::InvalidInput { field, reason },
            CoreError::Implausible { indicator, period, rule, reason } => {
                PassportError::Implausible { indicator, period, rule, reason }
            }
            CoreError::LoginFailed => PassportError::LoginFailed { reason },
            CoreError::LockedOut => PassportError::LockedOut { reason },
            CoreError::Unauthenticated => PassportError::Unauthenticated { reason },
            CoreError::PermissionDenied(_) => PassportError::PermissionDenied { reason },
            CoreError::NotFound { kind, id } => PassportError::NotFound { kind: kind.into(), id },
            CoreError::AlreadyExists { kind, id } => {
                PassportError::AlreadyExists { kind: kind.into(), id }
            }
            CoreError::WrongState(_) => PassportError::WrongState { reason },
            CoreError::Conflict(_) => PassportError::Conflict { reason },
            CoreError::Storage(_) => PassportError::Storage { reason },
            // The core's error is non-exhaustive; a kind added there still reaches the
            // caller with its name until it gets a class of its own here.
            other => PassportError::Other { kind: other.kind().into(), reason },
        }
    }
}

/// The result of every export.
pub type Result<T, E = PassportError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_a_variant_of_its_own() {
        let cases = [
            (CoreError::invalid("period", "bad"), "InvalidInput"),
            (CoreError::LoginFailed, "LoginFailed"),
            (CoreError::LockedOut, "LockedOut"),
            (CoreError::Unauthenticated, "Unauthenticated"),
            (CoreError::denied("no"), "PermissionDenied"),
            (CoreError::not_found("indicator", "X"), "NotFound"),
            (CoreError::AlreadyExists { kind: "indicator", id: "X".into() }, "AlreadyExists"),
            (CoreError::WrongState("draft".into()), "WrongState"),
            (CoreError::Conflict("value X".into()), "Conflict"),
            (CoreError::storage("disk"), "Storage"),
        ];
        for (core, variant) in cases {
            let mapped = format!("{:?}", PassportError::from(core));
            assert!(mapped.starts_with(variant), "{mapped} is not {variant}");
        }
    }

    #[test]
    fn invalid_input_keeps_the_field_apart_from_the_reason() {
        let mapped = PassportError::from(CoreError::invalid("period", "'2026-7' is not a period"));
        assert_eq!(
            mapped,
            PassportError::InvalidInput {
                field: "period".into(),
                reason: "'2026-7' is not a period".into()
            }
        );
    }
}
