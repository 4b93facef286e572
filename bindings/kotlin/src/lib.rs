//! # citypassport-kotlin
//!
//! The Kotlin/JVM bindings of the electronic city passport, made with
//! [uniffi](https://mozilla.github.io/uniffi-rs/) proc-macros. This crate builds the
//! native library (`libcitypassport_kotlin.so`) that the generated Kotlin package
//! `city.passport` loads through JNA; `bindings/kotlin/build.sh` builds it, generates the
//! Kotlin sources and compiles them into a jar. See `bindings/kotlin/README.md`.
//!
//! The bindings translate and add nothing: every rule stays in
//! [`citypassport_core`]. What they translate:
//!
//! - the service as two objects: [`Passport`], an open store, and [`Session`], a
//!   logged-in person through whom every other call is made. uniffi generates them as
//!   `NativePassport` and `NativeSession` (see `uniffi.toml`); the classes Kotlin uses,
//!   `city.passport.Passport` and `city.passport.Session`, are hand-written subclasses
//!   in `bindings/kotlin/kotlin/` whose `close()` calls [`close_passport`] and
//!   [`close_session`] instead of freeing the object, so that a closed object throws
//!   `PassportException.Closed` and only the garbage collector frees it;
//! - the core's error as [`PassportError`], one variant per kind, which Kotlin sees as
//!   the sealed class `PassportException`;
//! - exact decimals as strings, periods as strings (`2026-M07`), dates as
//!   `java.time.LocalDate`, instants as `java.time.Instant`, tokens as
//!   `city.passport.Secret` (see [`convert`]).
//!
//! Every export is synchronous: a call blocks the calling JVM thread until the store has
//! answered, so Kotlin callers need no coroutines. Objects are safe to share between
//! threads.
//!
//! The same API from Rust, for what the Kotlin tests do first:
//!
//! ```
//! use citypassport_kotlin::{AppointmentOrder, Passport, PassportError};
//!
//! let passport = Passport::in_memory(None)?;
//! let order = AppointmentOrder { number: "1-к".into(), date: "2026-01-12".parse()? };
//! let setup = passport.bootstrap_administrator(
//!     "admin@city.example".into(),
//!     "Иванов И. И.".into(),
//!     order,
//! )?;
//! passport.set_password(setup, "a long enough password".into())?;
//!
//! let wrong = passport.login("admin@city.example".into(), "not the password".into());
//! assert!(matches!(wrong, Err(PassportError::LoginFailed { .. })));
//!
//! let session = passport.login("admin@city.example".into(), "a long enough password".into())?;
//! assert_eq!(session.whoami()?.full_name, "Иванов И. И.");
//!
//! // The session keeps the store open when the passport goes without being closed...
//! drop(passport);
//! assert!(session.whoami().is_ok());
//! // ...and a closed session says so.
//! session.close();
//! assert!(matches!(session.whoami(), Err(PassportError::Closed { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

uniffi::setup_scaffolding!("citypassport");

mod accounts;
mod audit;
mod catalog;
pub mod convert;
mod deadlines;
mod error;
mod exchange;
mod governance;
mod passport;
mod report;
mod runtime;
mod session;
mod values;

pub use accounts::{AccountSummary, AppointmentOrder, CreatedAccount, NewAccount, Role};
pub use audit::{AuditQuery, AuditRecord};
pub use catalog::{
    Assignment, CatalogEntry, CatalogLoad, Department, DepartmentKind, DueRule, Indicator,
    Periodicity, Plausibility, Section, ValueKind,
};
pub use convert::LocalDate;
pub use deadlines::{
    CalendarDay, CalendarYears, DayKind, DelayNotice, DepartmentReminders, DueDate, Event,
    ExecutorReminders, ExpectedValue, NoticeStatus, RegionalHoliday, Reminder, Timeliness,
    ValueDeadline, ValueRef, WorkingCalendar,
};
pub use error::{PassportError, Result};
pub use exchange::{ImportMode, ImportReport, ImportRow, RefusedRow, ValueInput};
pub use governance::{
    AuditVerification, ChangeProposal, Correction, Decision, IndicatorVersion, ProposedChange,
};
pub use passport::{belgorod_settings, close_passport, Passport, Settings};
pub use report::{
    CorrectionLine, Counts, DepartmentLine, ExecutorLine, NoticeState, QuarterlyReport,
    ReportFormat, Violation,
};
pub use session::{close_session, Session};
pub use values::{Entry, PassportRow, Revision, Value, ValueAction, ValueStatus};
