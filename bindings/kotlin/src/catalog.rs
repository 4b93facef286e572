//! Departments, the catalog of indicators, and executors' assignments.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;

use citypassport_core as core;

use crate::accounts::AppointmentOrder;
use crate::convert::{
    decimal, decimal_text, id, id_opt, id_text, instant, instant_opt, int, non_negative,
    period as parse_period,
};
use crate::error::{PassportError, Result};
use crate::session::Session;

/// Whether a department is a unit of the administration or a municipal institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DepartmentKind {
    /// A structural unit of the city administration.
    Department,
    /// A municipal institution.
    Institution,
}

impl From<core::DepartmentKind> for DepartmentKind {
    fn from(kind: core::DepartmentKind) -> Self {
        match kind {
            core::DepartmentKind::Department => DepartmentKind::Department,
            core::DepartmentKind::Institution => DepartmentKind::Institution,
        }
    }
}

impl From<DepartmentKind> for core::DepartmentKind {
    fn from(kind: DepartmentKind) -> Self {
        match kind {
            DepartmentKind::Department => core::DepartmentKind::Department,
            DepartmentKind::Institution => core::DepartmentKind::Institution,
        }
    }
}

/// A department or municipal institution responsible for indicators.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Department {
    /// Its id.
    pub id: String,
    /// Its official name; unique.
    pub name: String,
    /// Department or institution.
    pub kind: DepartmentKind,
}

impl From<core::Department> for Department {
    fn from(d: core::Department) -> Self {
        Department { id: id_text(&d.id), name: d.name, kind: d.kind.into() }
    }
}

/// A section of the catalog, e.g. "Население".
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Section {
    /// Its name; unique.
    pub name: String,
    /// Where it stands when the catalog is printed, from 1.
    pub position: i32,
}

impl From<core::Section> for Section {
    fn from(s: core::Section) -> Self {
        Section { name: s.name, position: int(s.position) }
    }
}

/// How often an indicator is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Periodicity {
    /// Every month: periods like `2026-M07`.
    Monthly,
    /// Every quarter: `2026-Q3`.
    Quarterly,
    /// Every half-year: `2026-H2`.
    HalfYearly,
    /// Every year: `2026`.
    Yearly,
}

impl From<core::Periodicity> for Periodicity {
    fn from(p: core::Periodicity) -> Self {
        match p {
            core::Periodicity::Monthly => Periodicity::Monthly,
            core::Periodicity::Quarterly => Periodicity::Quarterly,
            core::Periodicity::HalfYearly => Periodicity::HalfYearly,
            core::Periodicity::Yearly => Periodicity::Yearly,
        }
    }
}

impl From<Periodicity> for core::Periodicity {
    fn from(p: Periodicity) -> Self {
        match p {
            Periodicity::Monthly => core::Periodicity::Monthly,
            Periodicity::Quarterly => core::Periodicity::Quarterly,
            Periodicity::HalfYearly => core::Periodicity::HalfYearly,
            Periodicity::Yearly => core::Periodicity::Yearly,
        }
    }
}

/// What kind of number an indicator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ValueKind {
    /// A whole number.
    Integer,
    /// A decimal with at most `places` digits after the separator.
    Decimal {
        /// The largest number of digits after the separator.
        places: i32,
    },
    /// A percentage with at most `places` digits after the separator.
    Percent {
        /// The largest number of digits after the separator.
        places: i32,
    },
    /// A yes/no code as statistical forms use it: 1 is yes, 2 is no.
    YesNo,
}

impl From<core::ValueKind> for ValueKind {
    fn from(kind: core::ValueKind) -> Self {
        match kind {
            core::ValueKind::Integer => ValueKind::Integer,
            core::ValueKind::Decimal { places } => ValueKind::Decimal { places: int(places) },
            core::ValueKind::Percent { places } => ValueKind::Percent { places: int(places) },
            core::ValueKind::YesNo => ValueKind::YesNo,
        }
    }
}

impl ValueKind {
    fn into_core(self) -> Result<core::ValueKind> {
        Ok(match self {
            ValueKind::Integer => core::ValueKind::Integer,
            ValueKind::Decimal { places } => {
                core::ValueKind::Decimal { places: non_negative("places", places)? }
            }
            ValueKind::Percent { places } => {
                core::ValueKind::Percent { places: non_negative("places", places)? }
            }
            ValueKind::YesNo => core::ValueKind::YesNo,
        })
    }
}

/// How the due date of an (indicator, period) is found, before the calendar moves it off
/// non-working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DueRule {
    /// Day `day` of the `monthsAfter`-th month after the period ends; "by the 10th of
    /// the following month" is `DayOfMonthAfter(10, 1)`.
    DayOfMonthAfter {
        /// Day of the month, 1-31; past the month's end means its last day.
        day: i32,
        /// Which month after the period's last month, 1 for the next one.
        months_after: i32,
    },
    /// `days` calendar days after the period's last day.
    DaysAfter {
        /// Calendar days, 0-366.
        days: i32,
    },
}

impl From<core::DueRule> for DueRule {
    fn from(rule: core::DueRule) -> Self {
        match rule {
            core::DueRule::DayOfMonthAfter { day, months_after } => {
                DueRule::DayOfMonthAfter { day: int(day), months_after: int(months_after) }
            }
            core::DueRule::DaysAfter { days } => DueRule::DaysAfter { days: int(days) },
        }
    }
}

impl DueRule {
    fn into_core(self) -> Result<core::DueRule> {
        Ok(match self {
            DueRule::DayOfMonthAfter { day, months_after } => core::DueRule::DayOfMonthAfter {
                day: non_negative("due rule", day)?,
                months_after: non_negative("due rule", months_after)?,
            },
            DueRule::DaysAfter { days } => {
                core::DueRule::DaysAfter { days: non_negative("due rule", days)? }
            }
        })
    }
}

/// Plausibility rules of an indicator. Numbers are exact decimals as strings; read them
/// with `java.math.BigDecimal(s)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct Plausibility {
    /// Hard lower bound: a smaller value is refused.
    #[uniffi(default)]
    pub min: Option<String>,
    /// Hard upper bound: a larger value is refused.
    #[uniffi(default)]
    pub max: Option<String>,
    /// Soft rule: a change against the previous period larger than this many percent is
    /// kept but flagged for the controller.
    #[uniffi(default)]
    pub max_change_percent: Option<String>,
}

impl From<core::Plausibility> for Plausibility {
    fn from(p: core::Plausibility) -> Self {
        Plausibility {
            min: p.min.map(decimal_text),
            max: p.max.map(decimal_text),
            max_change_percent: p.max_change_percent.map(decimal_text),
        }
    }
}

impl Plausibility {
    fn into_core(self) -> Result<core::Plausibility> {
        Ok(core::Plausibility {
            min: decimal("min", self.min)?,
            max: decimal("max", self.max)?,
            max_change_percent: decimal("max change percent", self.max_change_percent)?,
        })
    }
}

/// One measured quantity of the city, as defined in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Indicator {
    /// Unique code, e.g. `MR-1.1.1`.
    pub code: String,
    /// The name as published.
    pub name: String,
    /// The section it belongs to; a new name adds a section.
    pub section: String,
    /// The unit of measurement, e.g. "человек".
    pub unit_name: String,
    /// The unit's OKEI code, e.g. `792`; some units have none.
    pub okei_code: Option<String>,
    /// What kind of number it takes.
    pub kind: ValueKind,
    /// How often it is reported.
    pub periodicity: Periodicity,
    /// How its due date is found.
    pub due: DueRule,
    /// The department responsible for it.
    pub department_id: Option<String>,
    /// How it is calculated.
    #[uniffi(default = "")]
    pub methodology: String,
    /// Plausibility rules.
    #[uniffi(default)]
    pub plausibility: Plausibility,
    /// The first period values are expected for, e.g. `2026-M07`. Left null in a new
    /// definition, it becomes the first period whose due date has not passed yet.
    #[uniffi(default)]
    pub first_period: Option<String>,
}

impl From<core::Indicator> for Indicator {
    fn from(i: core::Indicator) -> Self {
        Indicator {
            code: i.code,
            name: i.name,
            section: i.section,
            unit_name: i.unit.name,
            okei_code: i.unit.okei,
            kind: i.kind.into(),
            periodicity: i.periodicity.into(),
            due: i.due.into(),
            department_id: i.department.as_ref().map(id_text),
            methodology: i.methodology,
            plausibility: i.plausibility.into(),
            first_period: i.first_period.map(|p| p.to_string()),
        }
    }
}

impl Indicator {
    pub(crate) fn into_core(self) -> Result<core::Indicator> {
        Ok(core::Indicator {
            code: self.code,
            name: self.name,
            section: self.section,
            unit: core::Unit { name: self.unit_name, okei: self.okei_code },
            kind: self.kind.into_core()?,
            periodicity: self.periodicity.into(),
            due: self.due.into_core()?,
            department: id_opt(self.department_id),
            methodology: self.methodology,
            plausibility: self.plausibility.into_core()?,
            first_period: self.first_period.as_deref().map(parse_period).transpose()?,
        })
    }
}

/// An indicator as the current catalog holds it, retired or not.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CatalogEntry {
    /// Its newest definition.
    pub indicator: Indicator,
    /// The first period it is retired for, e.g. `2027-M01`, once a retirement is
    /// approved (even from a period still to come); null while it is in force.
    pub retired_from: Option<String>,
}

impl From<core::catalog::CatalogEntry> for CatalogEntry {
    fn from(e: core::catalog::CatalogEntry) -> Self {
        CatalogEntry {
            indicator: e.indicator.into(),
            retired_from: e.retired_from.map(|p| p.to_string()),
        }
    }
}

/// What loading a catalog file did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CatalogLoad {
    /// Indicators added.
    pub added: i32,
    /// Indicators already defined exactly so, left alone.
    pub unchanged: i32,
    /// Sections added.
    pub sections_added: i32,
}

/// An executor's appointment to enter the values of one indicator.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Assignment {
    /// Its id.
    pub id: String,
    /// The executor's account.
    pub account_id: String,
    /// The indicator's code.
    pub indicator: String,
    /// The appointment order; the assignment is in force from its date.
    pub order: AppointmentOrder,
    /// Who recorded it.
    pub assigned_by: String,
    /// When it was recorded.
    pub assigned_at: std::time::SystemTime,
    /// When it ended, if it did.
    pub ended_at: Option<std::time::SystemTime>,
}

impl From<core::Assignment> for Assignment {
    fn from(a: core::Assignment) -> Self {
        Assignment {
            id: id_text(&a.id),
            account_id: id_text(&a.account),
            indicator: a.indicator,
            order: a.order.into(),
            assigned_by: id_text(&a.assigned_by),
            assigned_at: instant(a.assigned_at),
            ended_at: instant_opt(a.ended_at),
        }
    }
}

fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// Every department, by name.
    pub fn departments(&self) -> Result<Vec<Department>> {
        self.call(|service, token| async move { service.departments(&token).await }).map(all)
    }

    /// The department with this exact name.
    pub fn department_by_name(&self, name: String) -> Result<Department> {
        self.call(|service, token| async move { service.department_by_name(&token, &name).await })
            .map(Department::from)
    }

    /// Creates a department or institution. Administrators and the chief of staff may.
    pub fn create_department(&self, name: String, kind: DepartmentKind) -> Result<Department> {
        self.call(|service, token| async move {
            service.create_department(&token, &name, kind.into()).await
        })
        .map(Department::from)
    }

    /// The whole catalog, by section then code.
    pub fn catalog(&self) -> Result<Vec<Indicator>> {
        self.call(|service, token| async move { service.catalog(&token).await }).map(all)
    }

    /// The sections, in order.
    pub fn sections(&self) -> Result<Vec<Section>> {
        self.call(|service, token| async move { service.sections(&token).await }).map(all)
    }

    /// One indicator of the current catalog by code, with its newest definition. A
    /// retired indicator (its retirement approved, even from a period still to come) is
    /// refused with `WrongState` naming the period it is retired from, as `catalog`
    /// leaves it out; `catalogEntry` shows it with its retirement.
    pub fn indicator(&self, code: String) -> Result<Indicator> {
        self.call(|service, token| async move { service.indicator(&token, &code).await })
            .map(Indicator::from)
    }

    /// One indicator by code as the current catalog holds it, retired or not: its newest
    /// definition and, once retired, the period it is retired from.
    pub fn catalog_entry(&self, code: String) -> Result<CatalogEntry> {
        self.call(|service, token| async move { service.catalog_entry(&token, &code).await })
            .map(CatalogEntry::from)
    }

    /// Adds an indicator to the catalog. The chief of staff may.
    pub fn define_indicator(&self, indicator: Indicator) -> Result<()> {
        let indicator = indicator.into_core()?;
        self.call(|service, token| async move { service.define_indicator(&token, indicator).await })
    }

    /// Loads a catalog CSV file (the columns of the shipped
    /// `data/indicators-ru-municipal.csv`) in one atomic write. `departmentsBySection`
    /// maps a section's name to the id of the department responsible for its
    /// indicators, where the file names none. Loading the same file twice is harmless.
    /// The chief of staff may.
    pub fn load_catalog_csv(
        &self,
        path: String,
        departments_by_section: HashMap<String, String>,
    ) -> Result<CatalogLoad> {
        let file = File::open(&path).map_err(|e| {
            PassportError::invalid("catalog file", format!("cannot open {path}: {e}"))
        })?;
        let departments: BTreeMap<String, core::Id> =
            departments_by_section.into_iter().map(|(section, d)| (section, id(&d))).collect();
        let load = self.call(|service, token| async move {
            service.load_catalog_csv(&token, BufReader::new(file), &departments).await
        })?;
        Ok(CatalogLoad {
            added: int(load.added),
            unchanged: int(load.unchanged),
            sections_added: int(load.sections_added),
        })
    }

    /// Assigns an executor to an indicator from the date of the appointment order. The
    /// head of the indicator's department, or an administrator, may.
    pub fn assign_executor(
        &self,
        executor_id: String,
        indicator: String,
        order: AppointmentOrder,
    ) -> Result<Assignment> {
        let executor = id(&executor_id);
        let order = order.into_core();
        self.call(|service, token| async move {
            service.assign_executor(&token, &executor, &indicator, order).await
        })
        .map(Assignment::from)
    }

    /// The assignments of an indicator, current and ended.
    pub fn assignments_of_indicator(&self, code: String) -> Result<Vec<Assignment>> {
        self.call(
            |service, token| async move { service.assignments_of_indicator(&token, &code).await },
        )
        .map(all)
    }

    /// The assignments of an executor, current and ended.
    pub fn assignments_of_account(&self, account_id: String) -> Result<Vec<Assignment>> {
        let account = id(&account_id);
        self.call(
            |service, token| async move { service.assignments_of_account(&token, &account).await },
        )
        .map(all)
    }
}
