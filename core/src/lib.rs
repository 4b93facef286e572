//! # citypassport-core
//!
//! The electronic city passport: the catalog of city development indicators, the
//! values departments enter for each reporting period, their review by a controller,
//! and every rule that governs them, in one place.
//!
//! Everything goes through the [`Passport`] service, which checks the caller's
//! session and permissions on every call and writes each state change atomically with
//! its audit record into a [`Storage`] backend: [`MemoryStorage`] here, sled and
//! PostgreSQL in their own crates.
//!
//! The core depends on no storage engine and no async runtime.
//!
//! ```
//! use citypassport_core::{Period, ValueKind};
//!
//! let period: Period = "2026-Q3".parse()?;
//! assert_eq!(period.previous().to_string(), "2026-Q2");
//! assert_eq!(ValueKind::Integer.parse("333 931")?.to_string(), "333931");
//! # Ok::<(), citypassport_core::Error>(())
//! ```

pub mod account;
pub mod amount;
pub mod calendar;
pub mod catalog;
pub mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod deadline;
pub mod error;
pub mod governance;
pub mod id;
pub mod memory;
pub mod period;
pub mod permissions;
pub mod records;
pub mod report;
mod service;
pub mod storage;
pub mod text;
pub mod value;

pub use account::{
    AccountSummary, AppointmentOrder, NewAccount, Permission, Role, Secret, SessionToken,
    SetupToken,
};
pub use amount::ValueKind;
pub use calendar::{Calendar, DeadlinePolicy, DueDate, RegionalHoliday};
pub use catalog::{Department, DepartmentKind, DueRule, Indicator, Plausibility, Section, Unit};
pub use clock::{Clock, ManualClock, SystemClock};
pub use deadline::{
    DelayNotice, Event, ExpectedValue, NoticeStatus, Reminder, Timeliness, ValueRef,
};
pub use error::{Error, Result};
pub use governance::{ChangeProposal, Correction, Decision, IndicatorVersion, ProposedChange};
pub use id::Id;
pub use memory::MemoryStorage;
pub use period::{Period, Periodicity};
pub use report::QuarterlyReport;
pub use service::{
    render_table, AuditVerification, CalendarYears, CatalogLoad, ImportMode, ImportReport,
    ImportRow, Passport, PassportRow, RefusedRow, Settings,
};
pub use storage::{AuditQuery, AuditRecord, ChangeSet, Storage};
pub use value::{Assignment, Entry, Revision, Value, ValueAction, ValueInput, ValueStatus};
