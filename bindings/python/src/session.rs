//! A logged-in session and every operation that needs one.
//!
//! Each method translates its arguments, runs the core's call with the GIL released,
//! and translates the result; the core checks the session and the permissions.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use citypassport_core::catalog::{Plausibility, Unit};
use citypassport_core::storage::RecordKind;
use citypassport_core::{
    AppointmentOrder, AuditQuery, DepartmentKind, Error as CoreError, Id, Indicator, NewAccount,
    Passport, Periodicity, Role, SessionToken, ValueKind,
};
use citypassport_core::{
    Decision, ImportMode, ImportRow, NoticeStatus, ProposedChange, RegionalHoliday, Reminder,
    ValueRef, ValueStatus,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::errors::{self, Error};
use crate::report::PyQuarterlyReport;
use crate::runtime::run;
use crate::store::{PySetupToken, Store};

/// A record for Python.
type Record<'py> = Bound<'py, PyDict>;

/// A row of bulk entry as Python gives it: indicator, period, value, not-applicable
/// reason.
type EntryRow<'py> = (String, String, Option<Bound<'py, PyAny>>, Option<String>);

/// A logged-in session. Its repr shows the account's id, never the token.
#[pyclass(frozen, module = "citypassport._native")]
pub(crate) struct Session {
    store: Arc<Store>,
    /// `None` once logged out here.
    token: Mutex<Option<SessionToken>>,
    account: Option<String>,
}

impl Session {
    pub(crate) fn new(store: Arc<Store>, token: SessionToken, account: Option<String>) -> Self {
        Session { store, token: Mutex::new(Some(token)), account }
    }

    fn token_slot(&self) -> MutexGuard<'_, Option<SessionToken>> {
        // Only ever swapped whole; a panic cannot leave it half-written.
        self.token.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The service and the token for one call; after logout, the core's
    /// `Unauthenticated`.
    pub(crate) fn begin(&self, py: Python<'_>) -> PyResult<(Passport, SessionToken)> {
        let token = self
            .token_slot()
            .clone()
            .ok_or_else(|| errors::to_py(py, CoreError::Unauthenticated))?;
        Ok((self.store.passport(py)?, token))
    }
}

fn order(py: Python<'_>, number: String, date: &Bound<'_, PyAny>) -> PyResult<AppointmentOrder> {
    Ok(AppointmentOrder { number, date: convert::date(py, date, "order date")? })
}

fn parse<T: FromStr<Err = CoreError>>(py: Python<'_>, text: &str) -> PyResult<T> {
    text.parse().map_err(|e| errors::to_py(py, e))
}

/// A decision state by name, to list proposals or corrections in one state.
fn decision(py: Python<'_>, name: Option<&str>) -> PyResult<Option<Decision>> {
    name.map(|name| {
        [Decision::Pending, Decision::Approved, Decision::Rejected]
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| {
                let reason = format!("'{name}' is not one of pending, approved, rejected");
                errors::invalid(py, "status", reason)
            })
    })
    .transpose()
}

/// An indicator as the Python package hands it over for `define_indicator` and the
/// catalog changes: a mapping with one item per argument of `define_indicator`, so that
/// Python describes an indicator the same way everywhere. The package always passes
/// every item. The parts every definition needs are optional here only because a
/// retirement gives none.
#[derive(Default, FromPyObject)]
#[pyo3(from_item_all)]
struct Definition<'py> {
    name: Option<String>,
    section: Option<String>,
    unit: Option<String>,
    kind: Option<String>,
    periodicity: Option<String>,
    okei: Option<String>,
    due_day: Option<u32>,
    due_months_after: Option<u32>,
    due_days: Option<u32>,
    department: Option<String>,
    methodology: String,
    min: Option<Bound<'py, PyAny>>,
    max: Option<Bound<'py, PyAny>>,
    max_change_percent: Option<Bound<'py, PyAny>>,
    first_period: Option<Bound<'py, PyAny>>,
}

impl Definition<'_> {
    /// Whether no part was given, as for a retirement.
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.section.is_none()
            && self.unit.is_none()
            && self.kind.is_none()
            && self.periodicity.is_none()
            && self.okei.is_none()
            && self.due_day.is_none()
            && self.due_months_after.is_none()
            && self.due_days.is_none()
            && self.department.is_none()
            && self.methodology.is_empty()
            && self.min.is_none()
            && self.max.is_none()
            && self.max_change_percent.is_none()
            && self.first_period.is_none()
    }

    /// The definition of indicator `code`; a missing part is refused naming it.
    fn indicator(self, py: Python<'_>, code: String) -> PyResult<Indicator> {
        let needed = |part: &str| {
            errors::invalid(py, part, format!("the definition of {code} needs its {part}"))
        };
        Ok(Indicator {
            name: self.name.ok_or_else(|| needed("name"))?,
            section: self.section.ok_or_else(|| needed("section"))?,
            unit: Unit { name: self.unit.ok_or_else(|| needed("unit"))?, okei: self.okei },
            kind: parse::<ValueKind>(py, &self.kind.ok_or_else(|| needed("kind"))?)?,
            periodicity: parse::<Periodicity>(
                py,
                &self.periodicity.ok_or_else(|| needed("periodicity"))?,
            )?,
            due: convert::due_rule(self.due_day, self.due_months_after, self.due_days),
            department: self.department.map(Id::from),
            methodology: self.methodology,
            plausibility: Plausibility {
                min: convert::exact(py, self.min.as_ref(), "min")?,
                max: convert::exact(py, self.max.as_ref(), "max")?,
                max_change_percent: convert::exact(
                    py,
                    self.max_change_percent.as_ref(),
                    "max change percent",
                )?,
            },
            first_period: self.first_period.map(|p| convert::period(py, &p)).transpose()?,
            code,
        })
    }

    /// The change named `change` (`add`, `change` or `retire`) of indicator `code`.
    fn change(self, py: Python<'_>, change: &str, code: String) -> PyResult<ProposedChange> {
        match change {
            "add" => Ok(ProposedChange::Add { indicator: self.indicator(py, code)? }),
            "change" => Ok(ProposedChange::Change { indicator: self.indicator(py, code)? }),
            "retire" if self.is_empty() => Ok(ProposedChange::Retire { code }),
            "retire" => Err(errors::invalid(
                py,
                "change",
                format!("retiring {code} takes its code only, not a definition"),
            )),
            other => {
                let reason = format!("'{other}' is not one of add, change, retire");
                Err(errors::invalid(py, "change", reason))
            }
        }
    }
}

#[pymethods]
impl Session {
    /// The id of the account that logged in, when known without a call.
    #[getter]
    fn account_id(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// Whether this session was logged out here.
    #[getter]
    fn closed(&self) -> bool {
        self.token_slot().is_none()
    }

    /// The session token's text, to keep (say, in a web session) and `resume` later.
    fn expose_token(&self, py: Python<'_>) -> PyResult<String> {
        let slot = self.token_slot();
        let token = slot.as_ref().ok_or_else(|| errors::to_py(py, CoreError::Unauthenticated))?;
        Ok(token.expose().to_string())
    }

    /// Ends the session.
    fn logout(&self, py: Python<'_>) -> PyResult<()> {
        let (passport, token) = self.begin(py)?;
        run(py, async move { passport.logout(&token).await })?;
        self.token_slot().take();
        Ok(())
    }

    /// Forgets the token here without a call: for a store that is already closed.
    fn forget(&self) {
        self.token_slot().take();
    }

    /// The caller's own account.
    fn whoami<'py>(&self, py: Python<'py>) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let account = run(py, async move { passport.whoami(&token).await })?;
        convert::account(py, &account)
    }

    /// Every account.
    fn accounts<'py>(&self, py: Python<'py>) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let accounts = run(py, async move { passport.accounts(&token).await })?;
        convert::list(py, &accounts, convert::account)
    }

    /// Creates an account; returns its id and the setup token.
    #[pyo3(signature = (email, full_name, roles, order_number, order_date, department = None))]
    // The arguments mirror the Python signature, one per field of the new account.
    #[allow(clippy::too_many_arguments)]
    fn create_account(
        &self,
        py: Python<'_>,
        email: String,
        full_name: String,
        roles: Vec<String>,
        order_number: String,
        order_date: &Bound<'_, PyAny>,
        department: Option<String>,
    ) -> PyResult<(String, PySetupToken)> {
        let roles =
            roles.iter().map(|r| parse::<Role>(py, r)).collect::<PyResult<BTreeSet<_>>>()?;
        let new = NewAccount {
            email,
            full_name,
            department: department.map(Id::from),
            roles,
            order: order(py, order_number, order_date)?,
        };
        let (passport, token) = self.begin(py)?;
        let (id, setup) = run(py, async move { passport.create_account(&token, new).await })?;
        Ok((id.to_string(), PySetupToken { token: setup }))
    }

    /// Deactivates an account on dismissal.
    fn deactivate_account(&self, py: Python<'_>, account: String, reason: String) -> PyResult<()> {
        let (passport, token) = self.begin(py)?;
        let account = Id::from(account);
        run(py, async move { passport.deactivate_account(&token, &account, &reason).await })
    }

    /// Issues a new setup token for an account.
    fn issue_setup_token(&self, py: Python<'_>, account: String) -> PyResult<PySetupToken> {
        let (passport, token) = self.begin(py)?;
        let account = Id::from(account);
        let setup = run(py, async move { passport.issue_setup_token(&token, &account).await })?;
        Ok(PySetupToken { token: setup })
    }

    /// Changes the caller's password.
    fn change_password(&self, py: Python<'_>, old: String, new: String) -> PyResult<()> {
        let (passport, token) = self.begin(py)?;
        run(py, async move { passport.change_password(&token, &old, &new).await })
    }

    /// Every department, by name.
    fn departments<'py>(&self, py: Python<'py>) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let departments = run(py, async move { passport.departments(&token).await })?;
        convert::list(py, &departments, convert::department)
    }

    /// The department with this exact name.
    fn department_by_name<'py>(&self, py: Python<'py>, name: String) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.department_by_name(&token, &name).await })?;
        convert::department(py, &found)
    }

    /// Creates a department (`department`) or municipal institution (`institution`).
    #[pyo3(signature = (name, kind = "department"))]
    fn create_department<'py>(
        &self,
        py: Python<'py>,
        name: String,
        kind: &str,
    ) -> PyResult<Record<'py>> {
        let kind: DepartmentKind = parse(py, kind)?;
        let (passport, token) = self.begin(py)?;
        let made = run(py, async move { passport.create_department(&token, &name, kind).await })?;
        convert::department(py, &made)
    }

    /// The whole catalog, by section then code.
    fn catalog<'py>(&self, py: Python<'py>) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let indicators = run(py, async move { passport.catalog(&token).await })?;
        convert::list(py, &indicators, convert::indicator)
    }

    /// The sections, in order.
    fn sections<'py>(&self, py: Python<'py>) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let sections = run(py, async move { passport.sections(&token).await })?;
        convert::list(py, &sections, convert::section)
    }

    /// One indicator by code.
    fn indicator<'py>(&self, py: Python<'py>, code: String) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.indicator(&token, &code).await })?;
        convert::indicator(py, &found)
    }

    /// One indicator as the current catalog holds it, retired or not.
    fn catalog_entry<'py>(&self, py: Python<'py>, code: String) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.catalog_entry(&token, &code).await })?;
        convert::catalog_entry(py, &found)
    }

    /// Adds an indicator to the catalog; `definition` holds the other arguments of the
    /// package's `define_indicator`.
    fn define_indicator(
        &self,
        py: Python<'_>,
        code: String,
        definition: Definition<'_>,
    ) -> PyResult<()> {
        let indicator = definition.indicator(py, code)?;
        let (passport, token) = self.begin(py)?;
        run(py, async move { passport.define_indicator(&token, indicator).await })
    }

    /// Loads a catalog CSV given as bytes; `departments_by_section` maps section names
    /// to department ids.
    fn load_catalog_csv<'py>(
        &self,
        py: Python<'py>,
        data: Vec<u8>,
        departments_by_section: BTreeMap<String, String>,
    ) -> PyResult<Record<'py>> {
        let sections: BTreeMap<String, Id> =
            departments_by_section.into_iter().map(|(s, d)| (s, Id::from(d))).collect();
        let (passport, token) = self.begin(py)?;
        let load = run(py, async move {
            passport.load_catalog_csv(&token, Cursor::new(data), &sections).await
        })?;
        convert::catalog_load(py, &load)
    }

    /// Assigns an executor to an indicator from the date of the appointment order.
    fn assign_executor<'py>(
        &self,
        py: Python<'py>,
        executor: String,
        indicator: String,
        order_number: String,
        order_date: &Bound<'_, PyAny>,
    ) -> PyResult<Record<'py>> {
        let order = order(py, order_number, order_date)?;
        let executor = Id::from(executor);
        let (passport, token) = self.begin(py)?;
        let made = run(py, async move {
            passport.assign_executor(&token, &executor, &indicator, order).await
        })?;
        convert::assignment(py, &made)
    }

    /// The assignments of an indicator, current and ended.
    fn assignments_of_indicator<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
    ) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let found =
            run(py, async move { passport.assignments_of_indicator(&token, &indicator).await })?;
        convert::list(py, &found, convert::assignment)
    }

    /// The assignments of an executor, current and ended.
    fn assignments_of_account<'py>(
        &self,
        py: Python<'py>,
        account: String,
    ) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let account = Id::from(account);
        let found =
            run(py, async move { passport.assignments_of_account(&token, &account).await })?;
        convert::list(py, &found, convert::assignment)
    }

    /// Saves a draft value: a number as `str`, `int` or `Decimal`, or not applicable
    /// with a reason.
    #[pyo3(signature = (indicator, period, value = None, *, not_applicable = None))]
    fn save_draft<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        not_applicable: Option<String>,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let input = convert::value_input(py, value, not_applicable)?;
        let (passport, token) = self.begin(py)?;
        let saved =
            run(py, async move { passport.save_draft(&token, &indicator, period, input).await })?;
        convert::value(py, &saved)
    }

    /// Submits a draft for review.
    fn submit<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let done = run(py, async move { passport.submit(&token, &indicator, period).await })?;
        convert::value(py, &done)
    }

    /// Accepts a submitted value.
    fn accept<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let done = run(py, async move { passport.accept(&token, &indicator, period).await })?;
        convert::value(py, &done)
    }

    /// Returns a submitted value to its executor with a reason.
    fn return_value<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
        reason: String,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let done =
            run(
                py,
                async move { passport.return_value(&token, &indicator, period, &reason).await },
            )?;
        convert::value(py, &done)
    }

    /// The value of an indicator for a period, or `None`.
    fn value<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Record<'py>>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.value(&token, &indicator, period).await })?;
        found.map(|v| convert::value(py, &v)).transpose()
    }

    /// Every revision of a value, oldest first.
    fn value_history<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Record<'py>>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let found =
            run(py, async move { passport.value_history(&token, &indicator, period).await })?;
        convert::list(py, &found, convert::revision)
    }

    /// Values awaiting review.
    fn values_to_review<'py>(&self, py: Python<'py>) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.values_to_review(&token).await })?;
        convert::list(py, &found, convert::value)
    }

    /// Enters many values with the core's bulk entry: rows of (indicator, period,
    /// value, not-applicable reason); `mode` is `dry_run`, `draft` or `submit`.
    /// Rows whose Python value cannot be translated (a float) are refused here with
    /// the same report fields; the rest go to the core in one call.
    fn import_values<'py>(
        &self,
        py: Python<'py>,
        rows: Vec<EntryRow<'py>>,
        mode: &str,
    ) -> PyResult<Record<'py>> {
        let mode = match mode {
            "dry_run" => ImportMode::DryRun,
            "draft" => ImportMode::Draft,
            "submit" => ImportMode::Submit,
            other => {
                let reason = format!("'{other}' is not one of dry_run, draft, submit");
                return Err(errors::invalid(py, "mode", reason));
            }
        };
        let mut refused = Vec::new();
        let mut positions = Vec::new();
        let mut translated = Vec::new();
        for (position, (indicator, period, value, reason)) in rows.into_iter().enumerate() {
            match convert::value_input(py, value.as_ref(), reason) {
                Ok(input) => {
                    positions.push(position);
                    translated.push(ImportRow { indicator, period, input });
                }
                Err(error) if error.is_instance_of::<Error>(py) => {
                    let field: String = error.value(py).getattr("field")?.extract()?;
                    refused.push((position, field, error.value(py).str()?.to_string()));
                }
                Err(error) => return Err(error),
            }
        }
        let (passport, token) = self.begin(py)?;
        let report =
            run(py, async move { passport.import_values(&token, &translated, mode).await })?;
        refused.extend(report.refused.into_iter().map(|r| (positions[r.row], r.field, r.reason)));
        refused.sort_by_key(|(position, _, _)| *position);

        let d = PyDict::new(py);
        d.set_item("accepted", report.accepted)?;
        d.set_item("stored", report.stored)?;
        let mut rows = Vec::new();
        for (position, field, reason) in refused {
            let row = PyDict::new(py);
            row.set_item("row", position)?;
            row.set_item("field", field)?;
            row.set_item("reason", reason)?;
            rows.push(row);
        }
        d.set_item("refused", rows)?;
        Ok(d)
    }

    /// One page of every stored value in (indicator, period) order, after the value
    /// `after` (an (indicator, period) pair), at most `limit`.
    #[pyo3(signature = (after = None, limit = 1000))]
    fn export_values<'py>(
        &self,
        py: Python<'py>,
        after: Option<(String, Bound<'py, PyAny>)>,
        limit: usize,
    ) -> PyResult<Vec<Record<'py>>> {
        let after = after
            .map(|(code, period)| Ok::<_, PyErr>((code, convert::period(py, &period)?)))
            .transpose()?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move {
            let after = after.as_ref().map(|(code, period)| (code.as_str(), *period));
            passport.export_values(&token, after, limit).await
        })?;
        convert::list(py, &found, convert::value)
    }

    /// Every value in a status: `draft`, `submitted`, `accepted` or `returned`.
    fn values_with_status<'py>(&self, py: Python<'py>, status: &str) -> PyResult<Vec<Record<'py>>> {
        let status = [
            ValueStatus::Draft,
            ValueStatus::Submitted,
            ValueStatus::Accepted,
            ValueStatus::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == status)
        .ok_or_else(|| {
            let reason = format!("'{status}' is not one of draft, submitted, accepted, returned");
            errors::invalid(py, "status", reason)
        })?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.values_with_status(&token, status).await })?;
        convert::list(py, &found, convert::value)
    }

    /// The passport for one period, in long form.
    fn period_passport<'py>(
        &self,
        py: Python<'py>,
        period: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Record<'py>>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let rows = run(py, async move { passport.period_passport(&token, period).await })?;
        convert::list(py, &rows, convert::passport_row)
    }

    /// The series of one indicator from `first` to `last`, both included, in long form.
    fn indicator_series<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        first: &Bound<'_, PyAny>,
        last: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Record<'py>>> {
        let first = convert::period(py, first)?;
        let last = convert::period(py, last)?;
        let (passport, token) = self.begin(py)?;
        let rows =
            run(
                py,
                async move { passport.indicator_series(&token, &indicator, first, last).await },
            )?;
        convert::list(py, &rows, convert::passport_row)
    }

    /// Audit records matching every condition given, oldest first.
    #[pyo3(signature = (
        *, after_seq = None, since = None, until = None, actor = None, kind = None, key = None,
        limit = None
    ))]
    // One keyword argument per condition of the query.
    #[allow(clippy::too_many_arguments)]
    fn audit_log<'py>(
        &self,
        py: Python<'py>,
        after_seq: Option<u64>,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
        actor: Option<String>,
        kind: Option<String>,
        key: Option<String>,
        limit: Option<usize>,
    ) -> PyResult<Vec<Record<'py>>> {
        let kind = kind
            .map(|name| {
                RecordKind::from_name(&name).ok_or_else(|| {
                    let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
                    let reason = format!("'{name}' is not one of {}", known.join(", "));
                    errors::invalid(py, "kind", reason)
                })
            })
            .transpose()?;
        let query = AuditQuery {
            after_seq,
            from: since.map(|t| convert::instant(py, t, "since")).transpose()?,
            to: until.map(|t| convert::instant(py, t, "until")).transpose()?,
            actor: actor.map(Id::from),
            kind,
            key,
            limit,
        };
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.audit_log(&token, &query).await })?;
        convert::list(py, &found, convert::audit_record)
    }

    /// The working-day calendar in force.
    fn working_calendar<'py>(&self, py: Python<'py>) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let calendar = run(py, async move { passport.working_calendar(&token).await })?;
        convert::calendar(py, &calendar)
    }

    /// Loads calendar years from a CSV given as bytes.
    fn load_calendar_csv<'py>(&self, py: Python<'py>, data: Vec<u8>) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let load =
            run(py, async move { passport.load_calendar_csv(&token, Cursor::new(data)).await })?;
        convert::calendar_years(py, &load)
    }

    /// Loads a calendar year from a production calendar's XML text.
    fn load_calendar_xml<'py>(&self, py: Python<'py>, xml: String) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let load = run(py, async move { passport.load_calendar_xml(&token, &xml).await })?;
        convert::calendar_years(py, &load)
    }

    /// Adds a regional non-working holiday on `month`-`day`, from `first_year` on.
    #[pyo3(signature = (month, day, name, first_year = None))]
    fn add_regional_holiday(
        &self,
        py: Python<'_>,
        month: u32,
        day: u32,
        name: String,
        first_year: Option<i32>,
    ) -> PyResult<()> {
        let mut holiday =
            RegionalHoliday::new(month, day, name).map_err(|e| errors::to_py(py, e))?;
        if let Some(year) = first_year {
            holiday = holiday.since(year);
        }
        let (passport, token) = self.begin(py)?;
        run(py, async move { passport.add_regional_holiday(&token, holiday).await })
    }

    /// The due date of one value, with its extension.
    fn due_date<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let (passport, token) = self.begin(py)?;
        let code = indicator.clone();
        let (due, extended) =
            run(py, async move { passport.due_date(&token, &code, period).await })?;
        convert::due_date(py, &ValueRef::new(indicator, period), &due, extended)
    }

    /// Sets the due date of one value in place of the rule's.
    fn set_due_date<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
        date: &Bound<'_, PyAny>,
        reason: String,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let date = convert::date(py, date, "date")?;
        let (passport, token) = self.begin(py)?;
        let code = indicator.clone();
        let due =
            run(
                py,
                async move { passport.set_due_date(&token, &code, period, date, &reason).await },
            )?;
        convert::due_date(py, &ValueRef::new(indicator, period), &due, None)
    }

    /// Every value due between two dates, both included, with its timeliness now.
    fn timeliness<'py>(
        &self,
        py: Python<'py>,
        first: &Bound<'_, PyAny>,
        last: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Record<'py>>> {
        let first = convert::date(py, first, "first")?;
        let last = convert::date(py, last, "last")?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.timeliness(&token, first, last).await })?;
        convert::list(py, &found, convert::expected_value)
    }

    /// The timeliness now of the given (indicator, period) values that the passport
    /// expects, in the order given, each with the due date in force for it.
    fn timeliness_of<'py>(
        &self,
        py: Python<'py>,
        values: Vec<(String, Bound<'py, PyAny>)>,
    ) -> PyResult<Vec<Record<'py>>> {
        let values = values
            .into_iter()
            .map(|(code, period)| Ok(ValueRef::new(code, convert::period(py, &period)?)))
            .collect::<PyResult<Vec<_>>>()?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.timeliness_of(&token, &values).await })?;
        convert::list(py, &found, convert::expected_value)
    }

    /// Values due within `days` days and overdue ones, soonest first.
    fn reminders<'py>(&self, py: Python<'py>, days: u32) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.reminders(&token, days).await })?;
        convert::list(py, &found, convert::reminder)
    }

    /// The reminders as they stood or will stand at the instant `at`, a timezone-aware
    /// datetime.
    fn reminders_at<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'_, PyAny>,
        days: u32,
    ) -> PyResult<Vec<Record<'py>>> {
        let at = convert::instant(py, at, "at")?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.reminders_at(&token, at, days).await })?;
        convert::list(py, &found, convert::reminder)
    }

    /// The reminders now (or at the instant `at`) grouped as the core groups them:
    /// `by` is `executor` (per executor to remind, `None` for values nobody is assigned
    /// to) or `department` (per responsible department, `None` for none); the groups come
    /// in the core's order of their keys, `None` first.
    #[pyo3(signature = (by, days, at = None))]
    fn reminder_groups<'py>(
        &self,
        py: Python<'py>,
        by: &str,
        days: u32,
        at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<(Option<String>, Vec<Record<'py>>)>> {
        type Grouping = for<'a> fn(&'a [Reminder]) -> BTreeMap<Option<Id>, Vec<&'a Reminder>>;
        let group: Grouping = match by {
            "executor" => Reminder::by_executor,
            "department" => Reminder::by_department,
            other => {
                let reason = format!("'{other}' is not one of executor, department");
                return Err(errors::invalid(py, "by", reason));
            }
        };
        let at = at.map(|t| convert::instant(py, t, "at")).transpose()?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move {
            match at {
                Some(at) => passport.reminders_at(&token, at, days).await,
                None => passport.reminders(&token, days).await,
            }
        })?;
        group(&found)
            .into_iter()
            .map(|(key, members)| {
                let rows = members
                    .into_iter()
                    .map(|r| convert::reminder(py, r))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok((key.map(|id| id.to_string()), rows))
            })
            .collect()
    }

    /// Files a delay notice for some of the caller's values.
    fn file_delay_notice<'py>(
        &self,
        py: Python<'py>,
        values: Vec<(String, Bound<'py, PyAny>)>,
        reason: String,
        expected_date: &Bound<'_, PyAny>,
    ) -> PyResult<Record<'py>> {
        let values = values
            .into_iter()
            .map(|(code, period)| Ok(ValueRef::new(code, convert::period(py, &period)?)))
            .collect::<PyResult<Vec<_>>>()?;
        let expected = convert::date(py, expected_date, "expected date")?;
        let (passport, token) = self.begin(py)?;
        let notice = run(py, async move {
            passport.file_delay_notice(&token, &values, &reason, expected).await
        })?;
        convert::delay_notice(py, &notice)
    }

    /// Grants a delay notice; its values are due `until` (the executor's expected date
    /// if none is given).
    #[pyo3(signature = (notice, until = None, note = None))]
    fn grant_delay_notice<'py>(
        &self,
        py: Python<'py>,
        notice: String,
        until: Option<&Bound<'_, PyAny>>,
        note: Option<String>,
    ) -> PyResult<Record<'py>> {
        let until = until.map(|d| convert::date(py, d, "until")).transpose()?;
        let notice = Id::from(notice);
        let (passport, token) = self.begin(py)?;
        let decided = run(py, async move {
            passport.grant_delay_notice(&token, &notice, until, note.as_deref()).await
        })?;
        convert::delay_notice(py, &decided)
    }

    /// Declines a delay notice with a reason.
    fn decline_delay_notice<'py>(
        &self,
        py: Python<'py>,
        notice: String,
        reason: String,
    ) -> PyResult<Record<'py>> {
        let notice = Id::from(notice);
        let (passport, token) = self.begin(py)?;
        let decided =
            run(py, async move { passport.decline_delay_notice(&token, &notice, &reason).await })?;
        convert::delay_notice(py, &decided)
    }

    /// Delay notices, newest first, optionally of one status.
    #[pyo3(signature = (status = None))]
    fn delay_notices<'py>(
        &self,
        py: Python<'py>,
        status: Option<&str>,
    ) -> PyResult<Vec<Record<'py>>> {
        let status = status
            .map(|name| {
                [NoticeStatus::Pending, NoticeStatus::Granted, NoticeStatus::Declined]
                    .into_iter()
                    .find(|s| s.as_str() == name)
                    .ok_or_else(|| {
                        let reason = format!("'{name}' is not one of pending, granted, declined");
                        errors::invalid(py, "status", reason)
                    })
            })
            .transpose()?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.delay_notices(&token, status).await })?;
        convert::list(py, &found, convert::delay_notice)
    }

    /// Announces the deadlines passed since the last sweep; returns how many.
    fn sweep_deadlines(&self, py: Python<'_>) -> PyResult<usize> {
        let (passport, token) = self.begin(py)?;
        run(py, async move { passport.sweep_deadlines(&token).await })
    }

    /// Events after the cursor `after`, oldest first, at most `limit`.
    #[pyo3(signature = (after = 0, limit = 1000))]
    fn events<'py>(&self, py: Python<'py>, after: u64, limit: usize) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.events(&token, after, limit).await })?;
        convert::list(py, &found, convert::event)
    }

    /// The quarterly report for a quarter, judged as of now.
    fn quarterly_report(
        &self,
        py: Python<'_>,
        quarter: &Bound<'_, PyAny>,
    ) -> PyResult<PyQuarterlyReport> {
        let quarter = convert::period(py, quarter)?;
        let (passport, token) = self.begin(py)?;
        let report = run(py, async move { passport.quarterly_report(&token, quarter).await })?;
        Ok(PyQuarterlyReport { report })
    }

    /// Checks the audit log's hash chain from the first record.
    fn verify_audit_log<'py>(&self, py: Python<'py>) -> PyResult<Record<'py>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.verify_audit_log(&token).await })?;
        convert::audit_verification(py, &found)
    }

    /// The catalog in force for `period`, as known at the instant `known_at` (as known
    /// now when `None`).
    #[pyo3(signature = (period, known_at = None))]
    fn catalog_for_period<'py>(
        &self,
        py: Python<'py>,
        period: &Bound<'_, PyAny>,
        known_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Record<'py>>> {
        let period = convert::period(py, period)?;
        let known_at = known_at.map(|t| convert::instant(py, t, "known at")).transpose()?;
        let (passport, token) = self.begin(py)?;
        let found =
            run(py, async move { passport.catalog_for_period(&token, period, known_at).await })?;
        convert::list(py, &found, convert::indicator)
    }

    /// Every version of one indicator, oldest first.
    fn indicator_history<'py>(&self, py: Python<'py>, code: String) -> PyResult<Vec<Record<'py>>> {
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.indicator_history(&token, &code).await })?;
        convert::list(py, &found, convert::indicator_version)
    }

    /// The whole catalog, every periodicity, as it was in force and known at the
    /// instant `at`.
    fn catalog_as_of<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Record<'py>>> {
        let at = convert::instant(py, at, "at")?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.catalog_as_of(&token, at).await })?;
        convert::list(py, &found, convert::indicator)
    }

    /// One change proposal by id, pending or decided.
    fn proposal<'py>(&self, py: Python<'py>, proposal: String) -> PyResult<Record<'py>> {
        let proposal = Id::from(proposal);
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.proposal(&token, &proposal).await })?;
        convert::change_proposal(py, &found)
    }

    /// Proposes a change to the catalog from a period on: `add` or `change` with the
    /// whole new `definition` (given as to `define_indicator`), or `retire` with none.
    #[pyo3(signature = (change, code, justification, effective_from, definition = None))]
    fn propose_change<'py>(
        &self,
        py: Python<'py>,
        change: &str,
        code: String,
        justification: String,
        effective_from: &Bound<'_, PyAny>,
        definition: Option<Definition<'_>>,
    ) -> PyResult<Record<'py>> {
        let change = definition.unwrap_or_default().change(py, change, code)?;
        let effective_from = convert::period(py, effective_from)?;
        let (passport, token) = self.begin(py)?;
        let proposal = run(py, async move {
            passport.propose_change(&token, change, &justification, effective_from).await
        })?;
        convert::change_proposal(py, &proposal)
    }

    /// Changes the catalog directly from a period on, recorded as a proposal approved at
    /// once; the change is given as to `propose_change`.
    #[pyo3(signature = (change, code, reason, effective_from, definition = None))]
    fn change_catalog<'py>(
        &self,
        py: Python<'py>,
        change: &str,
        code: String,
        reason: String,
        effective_from: &Bound<'_, PyAny>,
        definition: Option<Definition<'_>>,
    ) -> PyResult<Record<'py>> {
        let change = definition.unwrap_or_default().change(py, change, code)?;
        let effective_from = convert::period(py, effective_from)?;
        let (passport, token) = self.begin(py)?;
        let proposal = run(py, async move {
            passport.change_catalog(&token, change, &reason, effective_from).await
        })?;
        convert::change_proposal(py, &proposal)
    }

    /// Approves a pending change proposal with a reason.
    fn approve_proposal<'py>(
        &self,
        py: Python<'py>,
        proposal: String,
        reason: String,
    ) -> PyResult<Record<'py>> {
        let proposal = Id::from(proposal);
        let (passport, token) = self.begin(py)?;
        let decided =
            run(py, async move { passport.approve_proposal(&token, &proposal, &reason).await })?;
        convert::change_proposal(py, &decided)
    }

    /// Rejects a pending change proposal with a reason.
    fn reject_proposal<'py>(
        &self,
        py: Python<'py>,
        proposal: String,
        reason: String,
    ) -> PyResult<Record<'py>> {
        let proposal = Id::from(proposal);
        let (passport, token) = self.begin(py)?;
        let decided =
            run(py, async move { passport.reject_proposal(&token, &proposal, &reason).await })?;
        convert::change_proposal(py, &decided)
    }

    /// Change proposals, newest first, optionally of one status.
    #[pyo3(signature = (status = None))]
    fn proposals<'py>(&self, py: Python<'py>, status: Option<&str>) -> PyResult<Vec<Record<'py>>> {
        let status = decision(py, status)?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.proposals(&token, status).await })?;
        convert::list(py, &found, convert::change_proposal)
    }

    /// Proposes a new value for an accepted one, with a reason: a number as `str`,
    /// `int` or `Decimal`, or not applicable with a reason.
    #[pyo3(signature = (indicator, period, value = None, *, reason, not_applicable = None))]
    fn propose_correction<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        reason: String,
        not_applicable: Option<String>,
    ) -> PyResult<Record<'py>> {
        let period = convert::period(py, period)?;
        let input = convert::value_input(py, value, not_applicable)?;
        let (passport, token) = self.begin(py)?;
        let proposed = run(py, async move {
            passport.propose_correction(&token, &indicator, period, input, &reason).await
        })?;
        convert::correction(py, &proposed)
    }

    /// Approves a correction, with an optional note; the value takes the new entry.
    #[pyo3(signature = (correction, note = None))]
    fn approve_correction<'py>(
        &self,
        py: Python<'py>,
        correction: String,
        note: Option<String>,
    ) -> PyResult<Record<'py>> {
        let correction = Id::from(correction);
        let (passport, token) = self.begin(py)?;
        let decided = run(py, async move {
            passport.approve_correction(&token, &correction, note.as_deref()).await
        })?;
        convert::correction(py, &decided)
    }

    /// Rejects a correction with a reason; the value stays.
    fn reject_correction<'py>(
        &self,
        py: Python<'py>,
        correction: String,
        reason: String,
    ) -> PyResult<Record<'py>> {
        let correction = Id::from(correction);
        let (passport, token) = self.begin(py)?;
        let decided =
            run(py, async move { passport.reject_correction(&token, &correction, &reason).await })?;
        convert::correction(py, &decided)
    }

    /// Corrections, newest first, optionally of one status.
    #[pyo3(signature = (status = None))]
    fn corrections<'py>(
        &self,
        py: Python<'py>,
        status: Option<&str>,
    ) -> PyResult<Vec<Record<'py>>> {
        let status = decision(py, status)?;
        let (passport, token) = self.begin(py)?;
        let found = run(py, async move { passport.corrections(&token, status).await })?;
        convert::list(py, &found, convert::correction)
    }

    /// A value exactly as it stood at the instant `at`, or `None` if nothing was entered
    /// by then.
    fn value_as_of<'py>(
        &self,
        py: Python<'py>,
        indicator: String,
        period: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Record<'py>>> {
        let period = convert::period(py, period)?;
        let at = convert::instant(py, at, "at")?;
        let (passport, token) = self.begin(py)?;
        let found =
            run(py, async move { passport.value_as_of(&token, &indicator, period, at).await })?;
        found.map(|v| convert::value(py, &v)).transpose()
    }

    /// The passport for one period exactly as it stood at the instant `at`, in long
    /// form.
    fn period_passport_as_of<'py>(
        &self,
        py: Python<'py>,
        period: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Record<'py>>> {
        let period = convert::period(py, period)?;
        let at = convert::instant(py, at, "at")?;
        let (passport, token) = self.begin(py)?;
        let rows =
            run(py, async move { passport.period_passport_as_of(&token, period, at).await })?;
        convert::list(py, &rows, convert::passport_row)
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { "logged out" } else { "open" };
        match &self.account {
            Some(id) => format!("Session(account='{id}', {state})"),
            None => format!("Session(resumed, {state})"),
        }
    }
}
