//! Bulk entry and export of values.

use citypassport_core as core;

use crate::convert::{int, non_negative, period};
use crate::deadlines::ValueRef;
use crate::error::Result;
use crate::session::Session;
use crate::values::{Value, ValueStatus};

/// What a clerk gives for a value: a number as typed, or "not applicable" with a reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ValueInput {
    /// A number as typed: `12,5`, `12.5`, `1 234`.
    Typed {
        /// The text as typed.
        text: String,
    },
    /// The indicator does not apply to the period.
    NotApplicable {
        /// Why.
        reason: String,
    },
}

impl From<ValueInput> for core::ValueInput {
    fn from(input: ValueInput) -> Self {
        match input {
            ValueInput::Typed { text } => core::ValueInput::Text(text),
            ValueInput::NotApplicable { reason } => core::ValueInput::NotApplicable(reason),
        }
    }
}

/// One row of a bulk entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportRow {
    /// The indicator's code.
    pub indicator: String,
    /// The period as typed, e.g. `2026-M07`; checked like any other.
    pub period: String,
    /// The value.
    pub input: ValueInput,
}

/// What to do with the rows that pass the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ImportMode {
    /// Check every row and store nothing.
    DryRun,
    /// Store the good rows as drafts.
    Draft,
    /// Store the good rows and submit them for review.
    Submit,
}

impl From<ImportMode> for core::ImportMode {
    fn from(mode: ImportMode) -> Self {
        match mode {
            ImportMode::DryRun => core::ImportMode::DryRun,
            ImportMode::Draft => core::ImportMode::Draft,
            ImportMode::Submit => core::ImportMode::Submit,
        }
    }
}

/// A row that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefusedRow {
    /// The row's position in the input, from 0.
    pub row: i32,
    /// The field at fault: `indicator`, `period`, `value`, ...
    pub field: String,
    /// Why, in the words of the error a clerk would get for the same entry.
    pub reason: String,
}

/// What a bulk entry did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// Rows that passed the checks (and were stored, unless it was a dry run).
    pub accepted: i32,
    /// Rows refused, in input order.
    pub refused: Vec<RefusedRow>,
    /// Whether the accepted rows were stored.
    pub stored: bool,
}

impl From<core::ImportReport> for ImportReport {
    fn from(r: core::ImportReport) -> Self {
        ImportReport {
            accepted: int(r.accepted),
            refused: r
                .refused
                .into_iter()
                .map(|row| RefusedRow { row: int(row.row), field: row.field, reason: row.reason })
                .collect(),
            stored: r.stored,
        }
    }
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// Enters many values at once, checking each row as `saveDraft` would. Refused rows
    /// are reported with the field and the reason; the rows that pass are stored in one
    /// atomic write, or not at all in a dry run.
    pub fn import_values(&self, rows: Vec<ImportRow>, mode: ImportMode) -> Result<ImportReport> {
        let rows: Vec<core::ImportRow> = rows
            .into_iter()
            .map(|row| core::ImportRow {
                indicator: row.indicator,
                period: row.period,
                input: row.input.into(),
            })
            .collect();
        let mode = core::ImportMode::from(mode);
        self.call(|service, token| async move { service.import_values(&token, &rows, mode).await })
            .map(ImportReport::from)
    }

    /// One page of every stored value in (indicator, period) order: at most `limit`
    /// values after `after` (null for the first page). Pass the last value's indicator
    /// and period as the next `after`. Each page is recorded in the audit log.
    #[uniffi::method(default(after = None))]
    pub fn export_values(&self, limit: i32, after: Option<ValueRef>) -> Result<Vec<Value>> {
        let limit = non_negative("limit", limit)?;
        let after = after
            .map(|a| Ok::<_, crate::PassportError>((a.indicator, period(&a.period)?)))
            .transpose()?;
        let values = self.call(|service, token| async move {
            let after = after.as_ref().map(|(code, period)| (code.as_str(), *period));
            service.export_values(&token, after, limit).await
        })?;
        Ok(values.into_iter().map(Value::from).collect())
    }

    /// Every value in a status, e.g. every accepted one.
    pub fn values_with_status(&self, status: ValueStatus) -> Result<Vec<Value>> {
        let status = core::ValueStatus::from(status);
        let values =
            self.call(
                |service, token| async move { service.values_with_status(&token, status).await },
            )?;
        Ok(values.into_iter().map(Value::from).collect())
    }
}
