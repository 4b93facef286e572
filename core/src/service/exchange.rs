//! Bulk entry and export of values: the same checks as a clerk's entry, row by row,
//! and one atomic write for the rows that pass.

use std::collections::HashSet;

use serde::Serialize;
use tracing::info;

use super::Passport;
use crate::account::{Permission, SessionToken};
use crate::error::{Error, Result};
use crate::period::Period;
use crate::records::{decode, value_key, Changes};
use crate::storage::RecordKind;
use crate::value::{Value, ValueAction, ValueInput, ValueStatus};

/// One row of a bulk entry: an indicator, a period and what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Indicator code.
    pub indicator: String,
    /// Period, as typed (`2026-M07`); checked like any other.
    pub period: String,
    /// The value.
    pub input: ValueInput,
}

/// What to do with the rows that pass the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Check every row and store nothing.
    DryRun,
    /// Store the good rows as drafts.
    Draft,
    /// Store the good rows and submit them for review.
    Submit,
}

/// A row that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedRow {
    /// The row's position in the input, from 0.
    pub row: usize,
    /// The field at fault: `indicator`, `period`, `value`, ...
    pub field: String,
    /// Why, in the words of the error a clerk would get for the same entry.
    pub reason: String,
}

/// What a bulk entry did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Rows that passed the checks (and were stored, unless it was a dry run).
    pub accepted: usize,
    /// Rows refused, in input order.
    pub refused: Vec<RefusedRow>,
    /// Whether the accepted rows were stored.
    pub stored: bool,
}

fn refusal(row: usize, error: &Error) -> RefusedRow {
    let field = match error {
        Error::Invalid { field, .. } => field.clone(),
        Error::Implausible { .. } => "value".into(),
        Error::PermissionDenied(_) => "indicator".into(),
        Error::NotFound { kind, .. } => (*kind).into(),
        _ => "row".into(),
    };
    RefusedRow { row, field, reason: error.to_string() }
}

impl Passport {
    /// Enters many values at once, checking each row as [`save_draft`](Self::save_draft)
    /// would. Refused rows are reported with the field and the reason; the rows that
    /// pass are stored together in one atomic write (with a revision and an audit
    /// record each), or, in a dry run, not at all. A failure of the write itself (a
    /// conflict with someone else's change, a storage error) stores nothing and is
    /// returned as an error.
    pub async fn import_values(
        &self,
        token: &SessionToken,
        rows: &[ImportRow],
        mode: ImportMode,
    ) -> Result<ImportReport> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::EnterValues)?;

        let wanted: Vec<(String, Period)> = rows
            .iter()
            .filter_map(|row| Some((row.indicator.trim().to_string(), row.period.parse().ok()?)))
            .collect();
        let context = self.entry_context(&actor, &wanted).await?;

        let mut changes = Changes::new();
        let mut refused = Vec::new();
        let mut seen = HashSet::new();
        let mut accepted = 0;
        for (index, row) in rows.iter().enumerate() {
            let period: Period = match row.period.parse() {
                Ok(period) => period,
                Err(e) => {
                    refused.push(refusal(index, &e));
                    continue;
                }
            };
            if !seen.insert(value_key(row.indicator.trim(), period)) {
                refused.push(RefusedRow {
                    row: index,
                    field: "indicator".into(),
                    reason: format!("{} for {period} appears more than once", row.indicator.trim()),
                });
                continue;
            }
            let (current, draft) = match self.prepare_draft_in(
                &context,
                &actor,
                &row.indicator,
                period,
                row.input.clone(),
            ) {
                Ok(prepared) => prepared,
                Err(e) => {
                    refused.push(refusal(index, &e));
                    continue;
                }
            };
            accepted += 1;
            if mode == ImportMode::DryRun {
                continue;
            }
            if mode == ImportMode::Submit {
                let submitted = self.submitted(&actor, &draft);
                changes.upsert(&submitted, current.as_ref().map(|c| c.version))?;
                self.stage_revision(
                    &mut changes,
                    &actor,
                    current.as_ref().map(|c| &c.record),
                    &draft,
                    ValueAction::Save,
                    None,
                )?;
                self.stage_revision(
                    &mut changes,
                    &actor,
                    Some(&draft),
                    &submitted,
                    ValueAction::Submit,
                    None,
                )?;
            } else {
                self.stage_value(
                    &mut changes,
                    &actor,
                    current.as_ref(),
                    &draft,
                    ValueAction::Save,
                    None,
                )?;
            }
        }

        let stored = mode != ImportMode::DryRun && accepted > 0;
        if stored {
            self.apply(changes).await?;
            info!(rows = accepted, refused = refused.len(), "values imported");
        }
        Ok(ImportReport { accepted, refused, stored })
    }

    /// One page of every stored value, in (indicator, period) order: at most `limit`
    /// values after the key `after` (`None` for the first page). Pass the last value's
    /// `(indicator, period)` as the next `after`. Each page is recorded in the audit log
    /// as an export.
    pub async fn export_values(
        &self,
        token: &SessionToken,
        after: Option<(&str, Period)>,
        limit: usize,
    ) -> Result<Vec<Value>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let after = after.map(|(code, period)| value_key(code, period));
        let page = self.storage.scan_page(RecordKind::Value, "", after.as_deref(), limit).await?;
        let values: Vec<Value> = page
            .into_iter()
            .map(|r| decode::<Value>(r).map(|v| v.record))
            .collect::<Result<_>>()?;
        self.record_export(
            &actor,
            "export.values",
            after.as_deref().unwrap_or("(start)"),
            values.len(),
        )
        .await?;
        Ok(values)
    }

    /// Values in a status, e.g. every accepted value, for review queues and exports.
    /// Recorded in the audit log as an export, being a bulk read of every period.
    pub async fn values_with_status(
        &self,
        token: &SessionToken,
        status: ValueStatus,
    ) -> Result<Vec<Value>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let values: Vec<Value> = self
            .find::<Value>("status", status.as_str())
            .await?
            .into_iter()
            .map(|v| v.record)
            .collect();
        self.record_export(&actor, "export.values_with_status", status.as_str(), values.len())
            .await?;
        Ok(values)
    }
}
