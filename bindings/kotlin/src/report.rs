//! The quarterly report to the head of the city: what was due, what came in on time,
//! late or not at all, per department and executor, and the violations.

use std::time::SystemTime;

use citypassport_core as core;
use citypassport_core::report as core_report;

use crate::convert::{id_text, instant, instant_opt, int, period, LocalDate};
use crate::deadlines::{DueDate, NoticeStatus};
use crate::error::Result;
use crate::session::Session;

/// How the values of one line of the report came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Counts {
    /// Values due in the quarter.
    pub due: i32,
    /// Submitted on time.
    pub on_time: i32,
    /// Submitted late.
    pub late: i32,
    /// Days late, summed over the late values.
    pub late_days: i64,
    /// Not submitted after the due date.
    pub missing: i32,
    /// Covered by an extension.
    pub excused: i32,
    /// Submitted as not applicable.
    pub not_applicable: i32,
    /// Due date not passed yet.
    pub not_yet_due: i32,
    /// Returned for revision at least once (also counted by timeliness).
    pub returned: i32,
    /// Values first submitted during the quarter, whatever their due date.
    pub entered: i32,
}

impl From<core_report::Counts> for Counts {
    fn from(c: core_report::Counts) -> Self {
        Counts {
            due: int(c.due),
            on_time: int(c.on_time),
            late: int(c.late),
            late_days: c.late_days,
            missing: int(c.missing),
            excused: int(c.excused),
            not_applicable: int(c.not_applicable),
            not_yet_due: int(c.not_yet_due),
            returned: int(c.returned),
            entered: int(c.entered),
        }
    }
}

/// One department's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DepartmentLine {
    /// The department; null for indicators without one.
    pub department_id: Option<String>,
    /// Its name.
    pub name: String,
    /// Its counts.
    pub counts: Counts,
}

/// One executor's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExecutorLine {
    /// The executor's account; null for values nobody was assigned to.
    pub account_id: Option<String>,
    /// Their full name, kept after dismissal.
    pub name: String,
    /// Their counts.
    pub counts: Counts,
}

/// A delay notice filed for a violation, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NoticeState {
    /// The notice's id.
    pub notice_id: String,
    /// Where it stands.
    pub status: NoticeStatus,
}

/// A value that came late or not at all.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Violation {
    /// The indicator's code.
    pub indicator: String,
    /// The indicator's name.
    pub indicator_name: String,
    /// The period.
    pub period: String,
    /// The department's name.
    pub department: String,
    /// Who answers for it, by name.
    pub executors: Vec<String>,
    /// The due date.
    pub due_date: LocalDate,
    /// The extension, if one was granted.
    pub extended_until: Option<LocalDate>,
    /// When it was first submitted; null if it is missing.
    pub submitted_at: Option<SystemTime>,
    /// Days late, or overdue if missing.
    pub days_late: i64,
    /// The delay notices filed for it.
    pub notices: Vec<NoticeState>,
}

impl From<core_report::Violation> for Violation {
    fn from(v: core_report::Violation) -> Self {
        Violation {
            indicator: v.indicator,
            indicator_name: v.indicator_name,
            period: v.period.to_string(),
            department: v.department,
            executors: v.executors,
            due_date: v.due_date.into(),
            extended_until: v.extended_until.map(LocalDate::from),
            submitted_at: instant_opt(v.submitted_at),
            days_late: v.days_late,
            notices: v
                .notices
                .iter()
                .map(|(id, status)| NoticeState {
                    notice_id: id_text(id),
                    status: (*status).into(),
                })
                .collect(),
        }
    }
}

/// A correction of an accepted value approved during the quarter.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CorrectionLine {
    /// The indicator's code.
    pub indicator: String,
    /// The period.
    pub period: String,
    /// The value before, as printed.
    pub old_value: String,
    /// The value after, as printed.
    pub new_value: String,
    /// Why.
    pub reason: String,
    /// When it was approved.
    pub approved_at: SystemTime,
}

/// The quarterly report (item 4.2 of the order).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarterlyReport {
    /// The quarter, e.g. `2026-Q3`.
    pub quarter: String,
    /// The report's own due date: the 10th of the month after the quarter.
    pub due_date: DueDate,
    /// When it was made; timeliness is judged at this instant.
    pub generated_at: SystemTime,
    /// The city's time zone, as an IANA name such as `Europe/Moscow`: the printed forms
    /// show times in it (the violations CSV in ISO 8601 with its offset).
    pub time_zone: String,
    /// The years without calendar data in which a due date of the report (its own
    /// included) falls: those dates follow the weekend and holiday rules alone and may
    /// move once the year's production calendar is loaded. The printed forms say so in
    /// a note; empty when every date is final.
    pub rules_only_years: Vec<i32>,
    /// The whole city. `due` is the sum of `onTime`, `late`, `missing`, `excused`,
    /// `notApplicable` and `notYetDue`, so a quarter still running adds up too.
    pub totals: Counts,
    /// Per department, by name.
    pub departments: Vec<DepartmentLine>,
    /// Per executor, by name.
    pub executors: Vec<ExecutorLine>,
    /// Corrections approved in the quarter.
    pub corrections: Vec<CorrectionLine>,
    /// Late and missing values, worst first.
    pub violations: Vec<Violation>,
}

impl From<core::QuarterlyReport> for QuarterlyReport {
    fn from(r: core::QuarterlyReport) -> Self {
        QuarterlyReport {
            quarter: r.quarter.to_string(),
            due_date: r.due_date.into(),
            generated_at: instant(r.generated_at),
            time_zone: r.time_zone.name().to_string(),
            rules_only_years: r.rules_only_years,
            totals: r.totals.into(),
            departments: r
                .departments
                .into_iter()
                .map(|d| DepartmentLine {
                    department_id: d.department.as_ref().map(id_text),
                    name: d.name,
                    counts: d.counts.into(),
                })
                .collect(),
            executors: r
                .executors
                .into_iter()
                .map(|e| ExecutorLine {
                    account_id: e.account.as_ref().map(id_text),
                    name: e.name,
                    counts: e.counts.into(),
                })
                .collect(),
            corrections: r
                .corrections
                .into_iter()
                .map(|c| CorrectionLine {
                    indicator: c.indicator,
                    period: c.period.to_string(),
                    old_value: c.old,
                    new_value: c.new,
                    reason: c.reason,
                    approved_at: instant(c.approved_at),
                })
                .collect(),
            violations: r.violations.into_iter().map(Violation::from).collect(),
        }
    }
}

/// A printed form of the quarterly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportFormat {
    /// Plain text with aligned tables.
    Text,
    /// Markdown.
    Markdown,
    /// CSV of the department and executor lines.
    Csv,
    /// CSV of the violations.
    ViolationsCsv,
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// The quarterly report for `quarter` (e.g. `2026-Q3`), judged as of now. Anyone who
    /// reads values may read it.
    pub fn quarterly_report(&self, quarter: String) -> Result<QuarterlyReport> {
        let quarter = period(&quarter)?;
        self.call(|service, token| async move { service.quarterly_report(&token, quarter).await })
            .map(QuarterlyReport::from)
    }

    /// The quarterly report printed as `format` says, as the core prints it.
    pub fn render_quarterly_report(&self, quarter: String, format: ReportFormat) -> Result<String> {
        let quarter = period(&quarter)?;
        let report =
            self.call(
                |service, token| async move { service.quarterly_report(&token, quarter).await },
            )?;
        Ok(match format {
            ReportFormat::Text => report.to_text(),
            ReportFormat::Markdown => report.to_markdown(),
            ReportFormat::Csv => report.to_csv(),
            ReportFormat::ViolationsCsv => report.violations_to_csv(),
        })
    }
}
