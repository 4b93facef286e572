//! Departments, the catalog of indicators, and executors' assignments.

use std::collections::BTreeMap;
use std::io::Read;

use tracing::info;

use super::{Actor, Passport};
use crate::account::{AppointmentOrder, Permission, Role, SessionToken};
use crate::catalog::{read_catalog_csv, Department, DepartmentKind, Indicator, Section};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::records::Changes;
use crate::text;
use crate::value::Assignment;

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
        if let Some(existing) = self.get::<Indicator>(&indicator.code).await? {
            if indicator.first_period.is_none() {
                indicator.first_period = existing.record.first_period;
            }
            if existing.record == indicator {
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
        changes.insert(&indicator)?;
        changes.insert(&crate::governance::IndicatorVersion {
            code: indicator.code.clone(),
            number: 1,
            definition: Some(indicator.clone()),
            effective_from: None,
            recorded_at: self.now(),
            recorded_by: actor.id().clone(),
            proposal: None,
            reason: "defined".into(),
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

    /// One indicator by code.
    pub async fn indicator(&self, token: &SessionToken, code: &str) -> Result<Indicator> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadCatalog)?;
        self.indicator_unchecked(code).await
    }

    pub(crate) async fn indicator_unchecked(&self, code: &str) -> Result<Indicator> {
        self.get::<Indicator>(code.trim())
            .await?
            .map(|i| i.record)
            .ok_or_else(|| Error::not_found("indicator", code.trim()))
    }

    /// Assigns an executor to an indicator from the date of the appointment order.
    /// The head of the indicator's department, or an administrator, may.
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
        let indicator = self.indicator_unchecked(indicator).await?;
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
            return Err(Error::AlreadyExists {
                kind: "assignment",
                id: format!("{executor} to {}", indicator.code),
            });
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
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "assignment.create",
            &assignment,
            None::<&()>,
            Some(&assignment),
        )?);
        self.apply(changes).await?;
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
