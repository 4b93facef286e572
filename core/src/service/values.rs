//! Values and their review: draft, submit, accept, return, and reading them.

use rust_decimal::Decimal;
use serde::Serialize;
use tracing::info;

use super::{Actor, Passport};
use crate::account::{Permission, Role, SessionToken};
use crate::catalog::Indicator;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::records::{value_key, Changes, Versioned};
use crate::storage::RecordKind;
use crate::text;
use crate::value::{Assignment, Entry, Revision, Value, ValueAction, ValueInput, ValueStatus};

/// One line of the passport: an indicator, a period and the value if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassportRow {
    /// The indicator's definition.
    pub indicator: Indicator,
    /// The period.
    pub period: Period,
    /// The value, or none if nothing was entered.
    pub value: Option<Value>,
}

impl PassportRow {
    /// The status as shown to a reader: the value's status, or `not entered`.
    pub fn status_label(&self) -> &'static str {
        self.value.as_ref().map_or("not entered", |v| v.status.as_str())
    }
}

/// Renders passport rows as a plain-text table: code, name, unit, value, status.
pub fn render_table(rows: &[PassportRow]) -> String {
    const NAME_WIDTH: usize = 60;
    let cut = |s: &str, width: usize| -> String {
        if s.chars().count() <= width {
            s.to_string()
        } else {
            s.chars().take(width - 1).collect::<String>() + "…"
        }
    };
    let lines: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.indicator.code.clone(),
                cut(&row.indicator.name, NAME_WIDTH),
                cut(&row.indicator.unit.name, 24),
                row.value.as_ref().map_or("—".to_string(), |v| v.entry.to_string()),
                row.status_label().to_string(),
            ]
        })
        .collect();
    let header = ["code", "indicator", "unit", "value", "status"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let format_line = |cells: &[String; 5]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                let pad = width - cell.chars().count();
                // Numbers read best right-aligned.
                if i == 3 {
                    format!("{}{cell}", " ".repeat(pad))
                } else {
                    format!("{cell}{}", " ".repeat(pad))
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = format_line(&header);
    out.push('\n');
    out.push_str(&widths.map(|w| "-".repeat(w)).join("  "));
    for line in &lines {
        out.push('\n');
        out.push_str(&format_line(line));
    }
    out.push('\n');
    out
}

impl Passport {
    /// Saves a draft value for an indicator assigned to the caller. A returned value is
    /// fixed this way and then resubmitted. Refused once submitted or accepted.
    pub async fn save_draft(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
        input: ValueInput,
    ) -> Result<Value> {
        let actor = self.authenticate(token).await?;
        let (current, value) = self.prepare_draft(&actor, code, period, input).await?;
        self.write_value(&actor, current.as_ref(), &value, ValueAction::Save, None).await?;
        Ok(value)
    }

    /// Checks everything a draft needs (permission, assignment, period, kind, hard
    /// rules, state) and returns the value as it would be saved, with the record it
    /// replaces. Writes nothing.
    pub(crate) async fn prepare_draft(
        &self,
        actor: &Actor,
        code: &str,
        period: Period,
        input: ValueInput,
    ) -> Result<(Option<Versioned<Value>>, Value)> {
        let context = self.entry_context(actor, &[(code.trim().to_string(), period)]).await?;
        self.prepare_draft_in(&context, actor, code, period, input)
    }

    /// Reads at once what checking entries of `values` needs: the caller's
    /// assignments, the indicators' histories, and the current and previous values, so
    /// that a bulk entry reads each thing once instead of once per row.
    pub(crate) async fn entry_context(
        &self,
        actor: &Actor,
        values: &[(String, Period)],
    ) -> Result<EntryContext> {
        let assignments = self
            .find::<Assignment>("account", actor.id().as_str())
            .await?
            .into_iter()
            .map(|a| a.record)
            .collect();
        let codes: std::collections::BTreeSet<&str> =
            values.iter().map(|(code, _)| code.as_str()).collect();
        let mut histories = std::collections::HashMap::new();
        // A few codes are cheaper read one by one; many are cheaper read in one scan.
        if codes.len() > 20 {
            let all = self.history().await?;
            for code in &codes {
                histories.insert(
                    code.to_string(),
                    crate::governance::CatalogHistory::new(all.versions(code).to_vec()),
                );
            }
        } else {
            for code in &codes {
                histories.insert(code.to_string(), self.history_of(code).await?);
            }
        }
        let mut keys: Vec<String> =
            values.iter().map(|(code, period)| value_key(code, *period)).collect();
        keys.extend(values.iter().map(|(code, period)| value_key(code, period.previous())));
        keys.sort();
        keys.dedup();
        let found = self.storage.get_many(crate::storage::RecordKind::Value, &keys).await?;
        let mut stored = std::collections::HashMap::with_capacity(keys.len());
        for (key, record) in keys.into_iter().zip(found) {
            stored.insert(key, record.map(crate::records::decode::<Value>).transpose()?);
        }
        Ok(EntryContext { assignments, histories, values: stored })
    }

    /// [`prepare_draft`](Self::prepare_draft) with what it reads already read.
    pub(crate) fn prepare_draft_in(
        &self,
        context: &EntryContext,
        actor: &Actor,
        code: &str,
        period: Period,
        input: ValueInput,
    ) -> Result<(Option<Versioned<Value>>, Value)> {
        self.check_assignment(actor, &context.assignments, code)?;
        let indicator = context.definition_for(code, period)?;
        let entry = self.check_entry(&indicator, period, input)?;
        let flags = soft_flags(&indicator, period, &entry, context);

        let current = context.value(&value_key(&indicator.code, period));
        if let Some(current) = &current {
            if matches!(current.record.status, ValueStatus::Submitted | ValueStatus::Accepted) {
                return Err(Error::WrongState(format!(
                    "value of {} for {period} is {}; it can change only after a controller returns it",
                    indicator.code, current.record.status
                )));
            }
        }
        let value = match &current {
            Some(current) => Value {
                entry,
                status: ValueStatus::Draft,
                flags,
                entered_by: actor.id().clone(),
                updated_at: self.now(),
                revisions: current.record.revisions + 1,
                ..current.record.clone()
            },
            None => Value {
                indicator: indicator.code.clone(),
                period,
                entry,
                status: ValueStatus::Draft,
                flags,
                return_reason: None,
                department: indicator.department.clone(),
                entered_by: actor.id().clone(),
                updated_at: self.now(),
                submitted_by: None,
                submitted_at: None,
                first_submitted_at: None,
                reviewed_by: None,
                reviewed_at: None,
                times_returned: 0,
                revisions: 1,
            },
        };
        Ok((current, value))
    }

    /// The value a draft becomes when `actor` submits it.
    pub(crate) fn submitted(&self, actor: &Actor, draft: &Value) -> Value {
        let now = self.now();
        Value {
            status: ValueStatus::Submitted,
            submitted_by: Some(actor.id().clone()),
            submitted_at: Some(now),
            first_submitted_at: draft.first_submitted_at.or(Some(now)),
            updated_at: now,
            revisions: draft.revisions + 1,
            ..draft.clone()
        }
    }

    /// Submits the caller's draft (or fixed returned value) for review.
    pub async fn submit(&self, token: &SessionToken, code: &str, period: Period) -> Result<Value> {
        let actor = self.authenticate(token).await?;
        self.require_entry(&actor, code).await?;
        let current = self.value_record(code, period).await?;
        if current.record.status != ValueStatus::Draft {
            return Err(Error::WrongState(format!(
                "value of {code} for {period} is {}; only a draft can be submitted",
                current.record.status
            )));
        }
        let value = self.submitted(&actor, &current.record);
        self.write_value(&actor, Some(&current), &value, ValueAction::Submit, None).await?;
        Ok(value)
    }

    /// Accepts a submitted value. Controllers may; nobody accepts their own submission.
    pub async fn accept(&self, token: &SessionToken, code: &str, period: Period) -> Result<Value> {
        let (actor, current) = self.begin_review(token, code, period).await?;
        let value = Value {
            status: ValueStatus::Accepted,
            return_reason: None,
            reviewed_by: Some(actor.id().clone()),
            reviewed_at: Some(self.now()),
            updated_at: self.now(),
            revisions: current.record.revisions + 1,
            ..current.record.clone()
        };
        self.write_value(&actor, Some(&current), &value, ValueAction::Accept, None).await?;
        Ok(value)
    }

    /// Returns a submitted value to its executor with a reason. Controllers may; nobody
    /// returns their own submission.
    pub async fn return_value(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
        reason: &str,
    ) -> Result<Value> {
        text::check_reason("reason", reason)?;
        let (actor, current) = self.begin_review(token, code, period).await?;
        let value = Value {
            status: ValueStatus::Returned,
            return_reason: Some(reason.trim().to_string()),
            reviewed_by: Some(actor.id().clone()),
            reviewed_at: Some(self.now()),
            updated_at: self.now(),
            times_returned: current.record.times_returned + 1,
            revisions: current.record.revisions + 1,
            ..current.record.clone()
        };
        self.write_value(&actor, Some(&current), &value, ValueAction::Return, Some(reason.trim()))
            .await?;
        Ok(value)
    }

    async fn begin_review(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
    ) -> Result<(Actor, Versioned<Value>)> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReviewValues)?;
        if actor.has_role(Role::Administrator) {
            return Err(Error::denied("an administrator never reviews values"));
        }
        let current = self.value_record(code, period).await?;
        if current.record.status != ValueStatus::Submitted {
            return Err(Error::WrongState(format!(
                "value of {code} for {period} is {}; only a submitted value can be reviewed",
                current.record.status
            )));
        }
        if current.record.submitted_by.as_ref() == Some(actor.id()) {
            return Err(Error::denied(format!(
                "nobody reviews their own submission ({code} for {period})"
            )));
        }
        Ok((actor, current))
    }

    async fn value_record(&self, code: &str, period: Period) -> Result<Versioned<Value>> {
        let key = value_key(code.trim(), period);
        self.get::<Value>(&key).await?.ok_or_else(|| Error::not_found("value", key))
    }

    /// Writes a value, its revision and the audit record in one change set.
    async fn write_value(
        &self,
        actor: &Actor,
        current: Option<&Versioned<Value>>,
        value: &Value,
        action: ValueAction,
        reason: Option<&str>,
    ) -> Result<()> {
        let mut changes = Changes::new();
        self.stage_value(&mut changes, actor, current, value, action, reason)?;
        self.apply(changes).await?;
        info!(indicator = %value.indicator, period = %value.period, action = action.as_str(), "value changed");
        Ok(())
    }

    /// Adds a value's new state, its revision and the audit record to `changes`.
    pub(crate) fn stage_value(
        &self,
        changes: &mut Changes,
        actor: &Actor,
        current: Option<&Versioned<Value>>,
        value: &Value,
        action: ValueAction,
        reason: Option<&str>,
    ) -> Result<()> {
        changes.upsert(value, current.map(|c| c.version))?;
        self.stage_revision(changes, actor, current.map(|c| &c.record), value, action, reason)
    }

    /// Adds the revision from `old` to `value` and its audit record to `changes`.
    pub(crate) fn stage_revision(
        &self,
        changes: &mut Changes,
        actor: &Actor,
        old: Option<&Value>,
        value: &Value,
        action: ValueAction,
        reason: Option<&str>,
    ) -> Result<()> {
        let revision = Revision {
            indicator: value.indicator.clone(),
            period: value.period,
            number: value.revisions,
            at: self.now(),
            actor: actor.id().clone(),
            action,
            old: old.map(|c| c.entry.clone()),
            new: value.entry.clone(),
            old_status: old.map(|c| c.status),
            new_status: value.status,
            reason: reason.map(str::to_string),
        };
        changes.insert(&revision)?;
        let action_name = format!("value.{}", action.as_str());
        changes.audit(self.audit_entry(Some(actor.id()), &action_name, value, old, Some(value))?);
        Ok(())
    }

    /// Checks that the caller may enter values of `code`: an executor (not an
    /// administrator) with an assignment in force today.
    pub(crate) async fn require_entry(&self, actor: &Actor, code: &str) -> Result<Assignment> {
        let assignments: Vec<Assignment> = self
            .find::<Assignment>("account", actor.id().as_str())
            .await?
            .into_iter()
            .map(|a| a.record)
            .collect();
        self.check_assignment(actor, &assignments, code)
    }

    /// Checks that `actor`, holding `assignments`, may enter values of `code` today.
    fn check_assignment(
        &self,
        actor: &Actor,
        assignments: &[Assignment],
        code: &str,
    ) -> Result<Assignment> {
        actor.require(Permission::EnterValues)?;
        if actor.has_role(Role::Administrator) {
            return Err(Error::denied("an administrator never enters values"));
        }
        let today = self.today();
        let for_code: Vec<&Assignment> =
            assignments.iter().filter(|a| a.indicator == code.trim()).collect();
        if let Some(assignment) = for_code.iter().find(|a| a.in_force_on(today)) {
            return Ok((*assignment).clone());
        }
        Err(Error::denied(match for_code.iter().find(|a| a.ended_at.is_none()) {
            Some(a) => {
                format!("the assignment to {} is in force from {}", code.trim(), a.order.date)
            }
            None => format!("indicator {} is not assigned to account {}", code.trim(), actor.id()),
        }))
    }

    pub(crate) fn check_entry(
        &self,
        indicator: &Indicator,
        period: Period,
        input: ValueInput,
    ) -> Result<Entry> {
        let amount = match input {
            ValueInput::NotApplicable(reason) => {
                text::check_reason("not applicable reason", &reason)?;
                return Ok(Entry::NotApplicable { reason: reason.trim().to_string() });
            }
            ValueInput::Text(text) => indicator.kind.parse(&text)?,
            ValueInput::Amount(amount) => {
                indicator.kind.check(amount)?;
                amount.normalize()
            }
        };
        let rules = &indicator.plausibility;
        let implausible = |rule: &str, reason: String| Error::Implausible {
            indicator: indicator.code.clone(),
            period: period.to_string(),
            rule: rule.to_string(),
            reason,
        };
        if let Some(min) = rules.min.filter(|min| amount < *min) {
            return Err(implausible("minimum", format!("{amount} is below the minimum {min}")));
        }
        if let Some(max) = rules.max.filter(|max| amount > *max) {
            return Err(implausible("maximum", format!("{amount} is above the maximum {max}")));
        }
        Ok(Entry::Amount { amount })
    }

    /// The value of an indicator for a period, if one was entered.
    pub async fn value(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
    ) -> Result<Option<Value>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        Ok(self.get::<Value>(&value_key(code.trim(), period)).await?.map(|v| v.record))
    }

    /// Every revision of a value, oldest first: who, when, what and why.
    pub async fn value_history(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
    ) -> Result<Vec<Revision>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let prefix = format!("{}|", value_key(code.trim(), period));
        Ok(self.scan::<Revision>(&prefix).await?.into_iter().map(|r| r.record).collect())
    }

    /// The passport for one period: every indicator of the period's periodicity, with
    /// its value and status, in catalog order. Recorded in the audit log as an export.
    pub async fn period_passport(
        &self,
        token: &SessionToken,
        period: Period,
    ) -> Result<Vec<PassportRow>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let history = self.history().await?;
        let indicators = self.in_catalog_order(history.catalog_for(period, None)).await?;
        let keys: Vec<String> = indicators.iter().map(|i| value_key(&i.code, period)).collect();
        let values = self.storage.get_many(RecordKind::Value, &keys).await?;
        let mut rows = Vec::with_capacity(indicators.len());
        for (indicator, stored) in indicators.into_iter().zip(values) {
            let value = stored.map(crate::records::decode::<Value>).transpose()?.map(|v| v.record);
            rows.push(PassportRow { indicator, period, value });
        }
        self.record_export(&actor, "export.period", &period.to_string(), rows.len()).await?;
        Ok(rows)
    }

    /// The series of one indicator from `from` to `to`, both included, with a row for
    /// every period. Recorded in the audit log as an export.
    pub async fn indicator_series(
        &self,
        token: &SessionToken,
        code: &str,
        from: Period,
        to: Period,
    ) -> Result<Vec<PassportRow>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let code = code.trim();
        if from.periodicity() != to.periodicity() {
            return Err(Error::invalid(
                "period range",
                format!("{from} and {to} are periods of different kinds"),
            ));
        }
        if from > to {
            return Err(Error::invalid("period range", format!("{from} is after {to}")));
        }
        let history = self.history_of(code).await?;
        if history.versions(code).is_empty() {
            return Err(Error::not_found("indicator", code));
        }
        let prefix = format!("{code}|");
        let mut by_period = std::collections::HashMap::new();
        for value in self.scan::<Value>(&prefix).await? {
            by_period.insert(value.record.period, value.record);
        }
        // Each period shows the definition that applied to it: a unit changed in 2009
        // shows thousands of roubles before and roubles after.
        let rows: Vec<PassportRow> = from
            .through(to)
            .filter_map(|period| {
                let indicator = history.definition_for(code, period, None)?.clone();
                Some(PassportRow { indicator, period, value: by_period.remove(&period) })
            })
            .collect();
        self.record_export(&actor, "export.series", code, rows.len()).await?;
        Ok(rows)
    }

    pub(crate) async fn record_export(
        &self,
        actor: &Actor,
        action: &str,
        what: &str,
        rows: usize,
    ) -> Result<()> {
        #[derive(Serialize)]
        struct Export<'a> {
            what: &'a str,
            rows: usize,
        }
        let mut changes = Changes::new();
        let mut entry = self.audit_entry(
            Some(actor.id()),
            action,
            &actor.account.record,
            None::<&()>,
            Some(&Export { what, rows }),
        )?;
        entry.kind = RecordKind::Value;
        entry.key = what.to_string();
        changes.audit(entry);
        self.apply(changes).await
    }

    /// Values awaiting review, with soft-rule flags shown. Controllers may.
    pub async fn values_to_review(&self, token: &SessionToken) -> Result<Vec<Value>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReviewValues)?;
        Ok(self
            .find::<Value>("status", ValueStatus::Submitted.as_str())
            .await?
            .into_iter()
            .map(|v| v.record)
            .collect())
    }
}

/// What checking entries needs, read once: see [`Passport::entry_context`].
pub(crate) struct EntryContext {
    assignments: Vec<Assignment>,
    histories: std::collections::HashMap<String, crate::governance::CatalogHistory>,
    values: std::collections::HashMap<String, Option<Versioned<Value>>>,
}

impl EntryContext {
    fn value(&self, key: &str) -> Option<Versioned<Value>> {
        self.values.get(key).cloned().flatten()
    }

    fn definition_for(&self, code: &str, period: Period) -> Result<Indicator> {
        let code = code.trim();
        let history = self.histories.get(code).filter(|h| !h.versions(code).is_empty());
        let history = history.ok_or_else(|| Error::not_found("indicator", code))?;
        history.definition_for(code, period, None).cloned().ok_or_else(|| {
            Error::invalid("period", super::governance::not_in_force(history, code, period))
        })
    }
}

/// Soft rules: a change against the previous period larger than the indicator allows
/// is kept but flagged for the controller.
fn soft_flags(
    indicator: &Indicator,
    period: Period,
    entry: &Entry,
    context: &EntryContext,
) -> Vec<String> {
    let (Some(limit), Some(amount)) = (indicator.plausibility.max_change_percent, entry.amount())
    else {
        return Vec::new();
    };
    let previous = period.previous();
    let Some(before) = context.value(&value_key(&indicator.code, previous)) else {
        return Vec::new();
    };
    let Some(old) = before.record.entry.amount().filter(|old| !old.is_zero()) else {
        return Vec::new();
    };
    let change = ((amount - old) / old * Decimal::ONE_HUNDRED).abs().round_dp(1);
    if change > limit {
        vec![format!("changed by {change}% against {previous} (soft limit {limit}%)")]
    } else {
        Vec::new()
    }
}
