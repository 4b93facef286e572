//! Departments, the catalog of indicators, and executors' assignments.

use std::collections::BTreeMap;
use std::io::Read;

use tracing::info;

use super::{Actor, Passport};
use crate::account::{AppointmentOrder, Permission, Role, SessionToken};
use crate::catalog::{
    read_catalog_csv, CatalogEntry, Department, DepartmentKind, Indicator, Section,
};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::records::{Changes, Claim, Record, Versioned};
use crate::storage::{IndexEntry, RecordKind};
use crate::text;
use crate::value::Assignment;

/// The indicator record as the core reads and writes it. [`Indicator`] is a record of
/// the same kind too, for stores that load definitions directly (a body without
/// `retired_from` is an entry in force); the core writes entries, so that a retirement
/// is never dropped.
impl Record for CatalogEntry {
    const KIND: RecordKind = RecordKind::Indicator;
    fn key(&self) -> String {
        self.indicator.key()
    }
    fn index(&self) -> Vec<IndexEntry> {
        self.indicator.index()
    }
}

/// The claim that makes a second assignment of one executor to one indicator impossible
/// while the first is in force: two concurrent assignments cannot both insert it.
pub(crate) fn assignment_claim(executor: &Id, code: &str, holder: &Id) -> Claim {
    Claim { name: format!("assignment/{executor}/{code}"), holder: Some(holder.clone()) }
}

/// What loading a catalog file did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogLoad {
    /// Indicators added.
    pub added: usize,
    /// Indicators already defined exactly so, left alone.
    pub unchanged: usize,
    /// Sections added.
    pub sections_added: usize,
}

impl Passport {
    /// Creates a department or municipal institution. Administrators and the chief of
    /// staff may.
    pub async fn create_department(
        &self,
        token: &SessionToken,
        name: &str,
        kind: DepartmentKind,
    ) -> Result<Department> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageDepartments)?;
        text::check_line("department name", name, text::MAX_NAME)?;
        let name = name.trim();
        if !self.find::<Department>("name", name).await?.is_empty() {
            return Err(Error::AlreadyExists { kind: "department", id: name.to_string() });
        }
        let department = Department { id: Id::generate(), name: name.to_string(), kind };
        let mut changes = Changes::new();
        changes.insert(&department)?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "department.create",
            &department,
            None::<&()>,
            Some(&department),
        )?);
        self.apply(changes).await?;
        info!(department = %department.id, "department created");
        Ok(department)
    }

    /// Every department, by name.
    pub async fn departments(&self, token: &SessionToken) -> Result<Vec<Department>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        let mut all: Vec<Department> =
            self.scan::<Department>("").await?.into_iter().map(|d| d.record).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// The department with this exact name.
    pub async fn department_by_name(&self, token: &SessionToken, name: &str) -> Result<Department> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        self.find::<Department>("name", name.trim())
            .await?
            .pop()
            .map(|d| d.record)
            .ok_or_else(|| Error::not_found("department", name.trim()))
    }

    /// Adds an indicator to the catalog. The chief of staff may.
    pub async fn define_indicator(&self, token: &SessionToken, indicator: Indicator) -> Result<()> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::EditCatalog)?;
        let mut changes = Changes::new();
        self.stage_indicator(&mut changes, &actor, indicator, &mut BTreeMap::new()).await?;
        self.apply(changes).await
    }

    async fn stage_indicator(
        &self,
        changes: &mut Changes,
        actor: &Actor,
        mut indicator: Indicator,
        new_sections: &mut BTreeMap<String, u32>,
    ) -> Result<bool> {
        indicator.code = indicator.code.trim().to_string();
        indicator.validate()?;
        if let Some(department) = &indicator.department {
            if self.get::<Department>(department.as_str()).await?.is_none() {
                return Err(Error::not_found("department", department.as_str()));
            }
        }
        if let Some(existing) = self.get::<CatalogEntry>(&indicator.code).await? {
            // A retired indicator loaded again from the same file stays retired.
            let existing = existing.record.indicator;
            if indicator.first_period.is_none() {
                indicator.first_period = existing.first_period;
            }
            if existing == indicator {
                return Ok(false);
            }
            return Err(Error::AlreadyExists { kind: "indicator", id: indicator.code });
        }
        if self.get::<Section>(&indicator.section).await?.is_none()
            && !new_sections.contains_key(&indicator.section)
        {
            let position =
                self.scan::<Section>("").await?.len() as u32 + new_sections.len() as u32 + 1;
            let section = Section { name: indicator.section.clone(), position };
            changes.insert(&section)?;
            new_sections.insert(section.name.clone(), position);
        }
        if indicator.first_period.is_none() {
            indicator.first_period = Some(indicator.first_period_due_on_or_after(self.today()));
        }
        changes.insert(&CatalogEntry::in_force(indicator.clone()))?;
        changes.insert(&crate::governance::IndicatorVersion {
            code: indicator.code.clone(),
            number: 1,
            definition: Some(indicator.clone()),
            effective_from: None,
            recorded_at: self.now(),
            recorded_by: actor.id().clone(),
            proposal: None,
            reason: "defined".into(),
            proposed_by: None,
            decision_reason: None,
        })?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "indicator.define",
            &indicator,
            None::<&()>,
            Some(&indicator),
        )?);
        Ok(true)
    }

    /// Loads a catalog CSV (see [`read_catalog_csv`](crate::catalog::read_catalog_csv))
    /// in one atomic write. Departments named in a `department` column must exist;
    /// `departments_by_section` gives the responsible department of every indicator of a
    /// section where the file names none. Indicators already defined identically are
    /// left alone, so loading the same file twice is harmless; a different definition
    /// under an existing code is refused. The chief of staff may.
    pub async fn load_catalog_csv(
        &self,
        token: &SessionToken,
        input: impl Read,
        departments_by_section: &BTreeMap<String, Id>,
    ) -> Result<CatalogLoad> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::EditCatalog)?;
        let rows = read_catalog_csv(input)?;

        let mut by_name = BTreeMap::new();
        for department in self.scan::<Department>("").await? {
            by_name.insert(department.record.name.clone(), department.record.id);
        }
        let mut changes = Changes::new();
        let mut new_sections = BTreeMap::new();
        let mut load = CatalogLoad::default();
        for row in rows {
            let mut indicator = row.indicator;
            indicator.department = match row.department_name {
                Some(name) => Some(by_name.get(&name).cloned().ok_or_else(|| {
                    Error::invalid(
                        "department",
                        format!("indicator {}: no department named '{name}'", indicator.code),
                    )
                })?),
                None => departments_by_section.get(&indicator.section).cloned(),
            };
            let code = indicator.code.clone();
            let added = self
                .stage_indicator(&mut changes, &actor, indicator, &mut new_sections)
                .await
                .map_err(|e| Error::invalid("catalog file", format!("indicator {code}: {e}")))?;
            if added {
                load.added += 1;
            } else {
                load.unchanged += 1;
            }
        }
        load.sections_added = new_sections.len();
        self.apply(changes).await?;
        info!(added = load.added, "catalog loaded");
        Ok(load)
    }

    /// The whole catalog, by section position then code.
    pub async fn catalog(&self, token: &SessionToken) -> Result<Vec<Indicator>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        self.catalog_unchecked().await
    }

    /// The catalog as it stands for the newest periods: each indicator's latest
    /// version, without the retired ones.
    pub(crate) async fn catalog_unchecked(&self) -> Result<Vec<Indicator>> {
        let history = self.history().await?;
        let latest = history
            .codes()
            .filter_map(|code| {
                history
                    .versions(code)
                    .iter()
                    .max_by_key(|v| (v.effective_from.map(|p| p.first_day()), v.number))
            })
            .filter_map(|v| v.definition.clone())
            .collect();
        self.in_catalog_order(latest).await
    }

    /// The sections, in order.
    pub async fn sections(&self, token: &SessionToken) -> Result<Vec<Section>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        let mut all: Vec<Section> =
            self.scan::<Section>("").await?.into_iter().map(|s| s.record).collect();
        all.sort_by_key(|s| s.position);
        Ok(all)
    }

    /// One indicator of the current catalog by code, with its newest definition.
    ///
    /// A retired indicator (one whose retirement is approved, even from a period still
    /// to come) is refused with [`Error::WrongState`] naming the period it is retired
    /// from, as [`catalog`](Self::catalog) leaves it out: its definitions for
    /// earlier periods are in [`catalog_for_period`](Self::catalog_for_period) and
    /// [`indicator_history`](Self::indicator_history), and
    /// [`catalog_entry`](Self::catalog_entry) shows it with its retirement.
    pub async fn indicator(&self, token: &SessionToken, code: &str) -> Result<Indicator> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        let entry = self.catalog_entry_unchecked(code).await?.record;
        if let Some(retired) = entry.retired_from {
            return Err(retired_error(&entry.indicator.code, retired));
        }
        Ok(entry.indicator)
    }

    /// One indicator by code as the current catalog holds it, retired or not: its
    /// newest definition and, once retired, the period it is retired from.
    pub async fn catalog_entry(&self, token: &SessionToken, code: &str) -> Result<CatalogEntry> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        Ok(self.catalog_entry_unchecked(code).await?.record)
    }

    /// The stored entry of `code`, with its retirement as the history has it: the
    /// history decides, so that an indicator retired before entries recorded retirement
    /// reads as retired too.
    pub(crate) async fn catalog_entry_unchecked(
        &self,
        code: &str,
    ) -> Result<Versioned<CatalogEntry>> {
        let code = code.trim();
        let mut entry = self
            .get::<CatalogEntry>(code)
            .await?
            .ok_or_else(|| Error::not_found("indicator", code))?;
        if entry.record.retired_from.is_none() {
            entry.record.retired_from = self.history_of(code).await?.retired_from(code, None);
        }
        Ok(entry)
    }

    /// Assigns an executor to an indicator from the date of the appointment order.
    /// The head of the indicator's department, or an administrator, may.
    ///
    /// Refused with [`Error::WrongState`] once the indicator's retirement has taken
    /// effect (its first retired period has begun); a retirement from a later period
    /// still lets executors be appointed for the periods left. Refused as existing if
    /// the executor already holds an assignment to it in force, even when two identical
    /// calls race.
    pub async fn assign_executor(
        &self,
        token: &SessionToken,
        executor: &Id,
        indicator: &str,
        order: AppointmentOrder,
    ) -> Result<Assignment> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::AssignExecutors)?;
        order.validate("order number")?;
        let entry = self.catalog_entry_unchecked(indicator).await?.record;
        // Until its retirement takes effect the indicator still has periods to report,
        // and a department that loses their executor must be able to appoint another.
        if let Some(retired) = entry.retired_from.filter(|p| p.first_day() <= self.today()) {
            return Err(retired_error(&entry.indicator.code, retired));
        }
        let indicator = entry.indicator;
        let is_head_of_it = actor.has_role(Role::DepartmentHead)
            && indicator.department.is_some()
            && actor.account.record.department == indicator.department;
        if !actor.has_role(Role::Administrator) && !is_head_of_it {
            return Err(Error::denied(format!(
                "only the head of the department responsible for {} or an administrator may assign its executors",
                indicator.code
            )));
        }
        let target = self.account(executor).await?.record;
        if !target.active || !target.has_role(Role::Executor) {
            return Err(Error::invalid(
                "executor",
                format!("account {executor} is not an active executor"),
            ));
        }
        let current = self.find::<Assignment>("account", executor.as_str()).await?;
        if current
            .iter()
            .any(|a| a.record.indicator == indicator.code && a.record.ended_at.is_none())
        {
            return Err(already_assigned(executor, &indicator.code));
        }

        let assignment = Assignment {
            id: Id::generate(),
            account: executor.clone(),
            indicator: indicator.code.clone(),
            order,
            assigned_by: actor.id().clone(),
            assigned_at: self.now(),
            ended_at: None,
        };
        let mut changes = Changes::new();
        changes.insert(&assignment)?;
        changes.insert(&assignment_claim(executor, &indicator.code, &assignment.id))?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "assignment.create",
            &assignment,
            None::<&()>,
            Some(&assignment),
        )?);
        // A concurrent identical assignment inserted the claim first.
        self.apply(changes).await.map_err(|e| match e {
            Error::Conflict(_) => already_assigned(executor, &indicator.code),
            other => other,
        })?;
        Ok(assignment)
    }

    /// The assignments of an indicator, current and ended.
    pub async fn assignments_of_indicator(
        &self,
        token: &SessionToken,
        code: &str,
    ) -> Result<Vec<Assignment>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        Ok(self
            .find::<Assignment>("indicator", code.trim())
            .await?
            .into_iter()
            .map(|a| a.record)
            .collect())
    }

    /// The assignments of an executor, current and ended.
    pub async fn assignments_of_account(
        &self,
        token: &SessionToken,
        account: &Id,
    ) -> Result<Vec<Assignment>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        Ok(self
            .find::<Assignment>("account", account.as_str())
            .await?
            .into_iter()
            .map(|a| a.record)
            .collect())
    }
}

fn already_assigned(executor: &Id, code: &str) -> Error {
    Error::AlreadyExists { kind: "assignment", id: format!("{executor} to {code}") }
}

/// The refusal of an operation on the current catalog for a retired indicator.
pub(crate) fn retired_error(code: &str, retired_from: crate::period::Period) -> Error {
    Error::WrongState(format!(
        "indicator {code} is retired from {retired_from}; its definitions for earlier periods \
         stay in its history"
    ))
}
