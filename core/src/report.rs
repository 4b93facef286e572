//! The quarterly report to the head of the city (item 4.2 of the order): what was due in
//! the quarter, what came in on time, late or not at all, per department and executor,
//! and the list of violations, worst first.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::calendar::DueDate;
use crate::deadline::{ExpectedValue, NoticeStatus, Timeliness};
use crate::id::Id;
use crate::period::Period;

/// How the values of one line of the report came in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Values due in the quarter.
    pub due: usize,
    /// Submitted on time.
    pub on_time: usize,
    /// Submitted late.
    pub late: usize,
    /// Days late, summed over the late values.
    pub late_days: i64,
    /// Not submitted after the due date.
    pub missing: usize,
    /// Covered by an extension.
    pub excused: usize,
    /// Submitted as not applicable.
    pub not_applicable: usize,
    /// Due date not passed yet (a quarter still running).
    pub not_yet_due: usize,
    /// Returned for revision at least once (also counted by timeliness).
    pub returned: usize,
    /// Values first submitted during the quarter, whatever their due date.
    pub entered: usize,
}

impl Counts {
    /// Counts one due value.
    pub fn add(&mut self, expected: &ExpectedValue) {
        self.due += 1;
        match expected.timeliness {
            Timeliness::OnTime => self.on_time += 1,
            Timeliness::Late { days } => {
                self.late += 1;
                self.late_days += days;
            }
            Timeliness::Missing { .. } => self.missing += 1,
            Timeliness::Excused => self.excused += 1,
            Timeliness::NotApplicable => self.not_applicable += 1,
            Timeliness::NotYetDue => self.not_yet_due += 1,
        }
        if expected.was_returned() {
            self.returned += 1;
        }
    }
}

/// One department's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentLine {
    /// The department, or none for indicators without one.
    pub department: Option<Id>,
    /// Its name.
    pub name: String,
    /// Its counts.
    pub counts: Counts,
}

/// One executor's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutorLine {
    /// The executor's account; none for values nobody was assigned to.
    pub account: Option<Id>,
    /// Their full name (kept after dismissal).
    pub name: String,
    /// Their counts.
    pub counts: Counts,
}

/// A value that came late or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Indicator code.
    pub indicator: String,
    /// Indicator name.
    pub indicator_name: String,
    /// Period.
    pub period: Period,
    /// Department name.
    pub department: String,
    /// Who answers for it (names).
    pub executors: Vec<String>,
    /// The due date.
    pub due_date: NaiveDate,
    /// The extension, if one was granted.
    pub extended_until: Option<NaiveDate>,
    /// When it was first submitted; none if missing.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Days late, or overdue if missing.
    pub days_late: i64,
    /// The delay notices filed for it, with where each stands.
    pub notices: Vec<(Id, NoticeStatus)>,
}

impl Violation {
    /// Whether nothing was submitted.
    pub fn is_missing(&self) -> bool {
        self.submitted_at.is_none()
    }
}

/// A correction of an accepted value approved during the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorrectionLine {
    /// Indicator code.
    pub indicator: String,
    /// Period.
    pub period: Period,
    /// The value before.
    pub old: String,
    /// The value after.
    pub new: String,
    /// Why.
    pub reason: String,
    /// When it was approved.
    pub approved_at: DateTime<Utc>,
}

/// The quarterly report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterlyReport {
    /// The quarter, e.g. `2026-Q3`.
    pub quarter: Period,
    /// The report's own due date: the 10th of the month after the quarter, moved off
    /// non-working days.
    pub due_date: DueDate,
    /// When it was made; timeliness is judged at this instant.
    pub generated_at: DateTime<Utc>,
    /// The city's time zone: the report shows times in it.
    #[serde(serialize_with = "zone_name")]
    pub time_zone: Tz,
    /// The years without calendar data in which a due date of the report (its own
    /// included) falls: those dates follow the weekend and holiday rules alone and may
    /// move once the year's table is loaded.
    pub rules_only_years: Vec<i32>,
    /// The whole city.
    pub totals: Counts,
    /// Per department, by name.
    pub departments: Vec<DepartmentLine>,
    /// Per executor, by name.
    pub executors: Vec<ExecutorLine>,
    /// Corrections approved in the quarter.
    pub corrections: Vec<CorrectionLine>,
    /// Late and missing values, worst first: missing before late, then by days.
    pub violations: Vec<Violation>,
}

fn zone_name<S: Serializer>(zone: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(zone.name())
}

/// The count columns of the text and Markdown tables. `due` is the sum of the six that
/// follow it up to `not yet due`, so a quarter still running adds up too.
const COUNT_HEADERS: [&str; 10] = [
    "due",
    "on time",
    "late",
    "days late",
    "missing",
    "excused",
    "n/a",
    "not yet due",
    "returned",
    "entered",
];

fn count_cells(c: &Counts) -> [String; 10] {
    let n = |count: usize| count.to_string();
    [
        n(c.due),
        n(c.on_time),
        n(c.late),
        c.late_days.to_string(),
        n(c.missing),
        n(c.excused),
        n(c.not_applicable),
        n(c.not_yet_due),
        n(c.returned),
        n(c.entered),
    ]
}

/// Lays rows out as an aligned text table: numbers right, text left.
fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            rows.iter()
                .all(|row| row.get(i).is_some_and(|c| c.parse::<i64>().is_ok() || c.is_empty()))
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                let pad = " ".repeat(width - cell.chars().count());
                if numeric[i] && i > 0 {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out.push('\n');
    out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
    out.push('\n');
    for row in rows {
        out.push_str(line(row.clone()).trim_end());
        out.push('\n');
    }
    out
}

fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let escape = |s: &str| s.replace('|', "\\|");
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!(
        "|{}\n",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>()
    ));
    for row in rows {
        out.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}

impl QuarterlyReport {
    fn line_rows(&self) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let row = |name: &str, c: &Counts| {
            std::iter::once(name.to_string()).chain(count_cells(c)).collect::<Vec<_>>()
        };
        let mut departments: Vec<Vec<String>> =
            self.departments.iter().map(|d| row(&d.name, &d.counts)).collect();
        departments.push(row("Всего / total", &self.totals));
        let executors = self.executors.iter().map(|e| row(&e.name, &e.counts)).collect();
        (departments, executors)
    }

    fn violation_rows(&self) -> Vec<Vec<String>> {
        self.violations
            .iter()
            .map(|v| {
                vec![
                    v.indicator.clone(),
                    v.period.to_string(),
                    v.executors.join(", "),
                    v.due_date.to_string(),
                    v.submitted_at.map_or("missing".into(), |t| self.local_time(t)),
                    v.days_late.to_string(),
                    v.notices
                        .iter()
                        .map(|(id, s)| format!("{id} ({})", s.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect()
    }

    /// An instant as the city's wall-clock time with its zone, e.g. `2026-08-25 12:00
    /// MSK`: the report is read in the city, and a time in UTC would put a submission at
    /// 00:01 local time on the wrong day.
    fn local_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.time_zone).format("%Y-%m-%d %H:%M %Z").to_string()
    }

    fn header(&self) -> String {
        format!(
            "Quarterly report {}: due to the head of the city by {}; made {}",
            self.quarter,
            self.due_date.date,
            self.local_time(self.generated_at)
        )
    }

    /// The note on due dates computed without calendar data, if any was.
    fn rules_only_note(&self) -> Option<String> {
        if self.rules_only_years.is_empty() {
            return None;
        }
        let years = self.rules_only_years.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
        Some(format!(
            "Note: no calendar data for {years}; due dates in {} follow the weekend and \
             holiday rules alone and may move once the production calendar is loaded.",
            if self.rules_only_years.len() == 1 { "that year" } else { "those years" }
        ))
    }

    /// The report as readable plain text.
    pub fn to_text(&self) -> String {
        let (departments, executors) = self.line_rows();
        let mut out = self.header();
        if let Some(note) = self.rules_only_note() {
            let _ = write!(out, "\n{note}");
        }
        out.push_str("\n\nBy department\n\n");
        let mut header = vec!["department"];
        header.extend(COUNT_HEADERS);
        out.push_str(&text_table(&header, &departments));
        out.push_str("\nBy executor\n\n");
        header[0] = "executor";
        out.push_str(&text_table(&header, &executors));
        let _ = write!(out, "\nViolations ({}), worst first\n\n", self.violations.len());
        out.push_str(&text_table(&VIOLATION_HEADERS, &self.violation_rows()));
        if !self.corrections.is_empty() {
            let _ = write!(
                out,
                "\nCorrections approved in the quarter ({})\n\n",
                self.corrections.len()
            );
            out.push_str(&text_table(&CORRECTION_HEADERS, &self.correction_rows()));
        }
        out
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let (departments, executors) = self.line_rows();
        let mut out = format!("## {}\n\n", self.header());
        if let Some(note) = self.rules_only_note() {
            let _ = write!(out, "> {note}\n\n");
        }
        out.push_str("### By department\n\n");
        let mut header = vec!["department"];
        header.extend(COUNT_HEADERS);
        out.push_str(&markdown_table(&header, &departments));
        out.push_str("\n### By executor\n\n");
        header[0] = "executor";
        out.push_str(&markdown_table(&header, &executors));
        let _ = write!(out, "\n### Violations ({}), worst first\n\n", self.violations.len());
        out.push_str(&markdown_table(&VIOLATION_HEADERS, &self.violation_rows()));
        if !self.corrections.is_empty() {
            out.push_str("\n### Corrections approved in the quarter\n\n");
            out.push_str(&markdown_table(&CORRECTION_HEADERS, &self.correction_rows()));
        }
        out
    }

    fn correction_rows(&self) -> Vec<Vec<String>> {
        self.corrections
            .iter()
            .map(|c| {
                vec![
                    c.indicator.clone(),
                    c.period.to_string(),
                    c.old.clone(),
                    c.new.clone(),
                    c.reason.clone(),
                    c.approved_at.with_timezone(&self.time_zone).format("%Y-%m-%d").to_string(),
                ]
            })
            .collect()
    }

    /// The per-department and per-executor lines as CSV, one row a line, with a `scope`
    /// column (`department`, `executor`, `total`).
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = [
            "scope",
            "id",
            "name",
            "due",
            "on_time",
            "late",
            "late_days",
            "missing",
            "excused",
            "not_applicable",
            "not_yet_due",
            "returned",
            "entered",
        ];
        let _ = writer.write_record(header);
        let mut put = |scope: &str, id: Option<&Id>, name: &str, c: &Counts| {
            let numbers = [c.due, c.on_time, c.late].map(|n| n.to_string());
            let rest =
                [c.missing, c.excused, c.not_applicable, c.not_yet_due, c.returned, c.entered]
                    .map(|n| n.to_string());
            let mut row = vec![
                scope.to_string(),
                id.map(Id::to_string).unwrap_or_default(),
                name.to_string(),
            ];
            row.extend(numbers);
            row.push(c.late_days.to_string());
            row.extend(rest);
            let _ = writer.write_record(&row);
        };
        for line in &self.departments {
            put("department", line.department.as_ref(), &line.name, &line.counts);
        }
        for line in &self.executors {
            put("executor", line.account.as_ref(), &line.name, &line.counts);
        }
        put("total", None, "", &self.totals);
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The violations as CSV; `submitted_at` in ISO 8601 with the city's UTC offset,
    /// e.g. `2026-07-11T00:01:00+03:00`.
    pub fn violations_to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record([
            "indicator",
            "indicator_name",
            "period",
            "department",
            "executors",
            "due_date",
            "extended_until",
            "submitted_at",
            "days_late",
            "missing",
            "notices",
        ]);
        for v in &self.violations {
            let _ = writer.write_record([
                v.indicator.clone(),
                v.indicator_name.clone(),
                v.period.to_string(),
                v.department.clone(),
                v.executors.join("; "),
                v.due_date.to_string(),
                v.extended_until.map(|d| d.to_string()).unwrap_or_default(),
                v.submitted_at
                    .map(|t| t.with_timezone(&self.time_zone).to_rfc3339())
                    .unwrap_or_default(),
                v.days_late.to_string(),
                v.is_missing().to_string(),
                v.notices
                    .iter()
                    .map(|(id, s)| format!("{id}:{}", s.as_str()))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]);
        }
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

const VIOLATION_HEADERS: [&str; 7] =
    ["indicator", "period", "executor", "due", "submitted", "days late", "delay notice"];
const CORRECTION_HEADERS: [&str; 6] = ["indicator", "period", "old", "new", "reason", "approved"];

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn report(rules_only_years: Vec<i32>) -> QuarterlyReport {
        let moscow = chrono_tz::Europe::Moscow;
        let counts = Counts {
            due: 5,
            on_time: 1,
            late: 1,
            late_days: 4,
            missing: 1,
            excused: 0,
            not_applicable: 0,
            not_yet_due: 2,
            returned: 0,
            entered: 2,
        };
        let submitted = moscow.with_ymd_and_hms(2026, 8, 14, 0, 30, 0).unwrap().to_utc();
        QuarterlyReport {
            quarter: "2026-Q3".parse().expect("quarter"),
            due_date: DueDate {
                nominal: "2026-10-10".parse().expect("date"),
                date: "2026-10-12".parse().expect("date"),
                moved: true,
                rules_only: false,
            },
            generated_at: moscow.with_ymd_and_hms(2026, 9, 15, 12, 0, 0).unwrap().to_utc(),
            time_zone: moscow,
            rules_only_years,
            totals: counts,
            departments: vec![DepartmentLine {
                department: Some(Id::from("d")),
                name: "управление образования".into(),
                counts,
            }],
            executors: vec![],
            corrections: vec![],
            violations: vec![Violation {
                indicator: "EDU-1".into(),
                indicator_name: "Показатель".into(),
                period: "2026-M07".parse().expect("period"),
                department: "управление образования".into(),
                executors: vec!["Иванова".into()],
                due_date: "2026-08-10".parse().expect("date"),
                extended_until: None,
                submitted_at: Some(submitted),
                days_late: 4,
                notices: vec![],
            }],
        }
    }

    #[test]
    fn tables_of_a_running_quarter_add_up_with_the_not_yet_due_column() {
        let report = report(vec![]);
        let text = report.to_text();
        let header = text.lines().find(|l| l.starts_with("department")).expect("header");
        assert!(header.contains("n/a  not yet due  returned"), "{text}");
        let total = text.lines().find(|l| l.starts_with("Всего")).expect("total line");
        let cells: Vec<&str> = total.split_whitespace().skip(3).collect();
        assert_eq!(cells, ["5", "1", "1", "4", "1", "0", "0", "2", "0", "2"], "{text}");
        let markdown = report.to_markdown();
        assert!(markdown.contains("| n/a | not yet due | returned |"), "{markdown}");
        assert!(markdown.contains("| Всего / total | 5 | 1 | 1 | 4 | 1 | 0 | 0 | 2 | 0 | 2 |"));
    }

    #[test]
    fn times_read_in_the_city_zone_and_csv_keeps_the_offset() {
        let report = report(vec![]);
        let text = report.to_text();
        // 00:30 Moscow time is still the previous day in UTC: printed in UTC, the
        // submission would seem to have come a day earlier than it did.
        assert!(text.contains("made 2026-09-15 12:00 MSK"), "{text}");
        assert!(text.contains("2026-08-14 00:30 MSK"), "{text}");
        assert!(!text.contains("UTC"), "{text}");
        let csv = report.violations_to_csv();
        assert!(csv.contains(",2026-08-14T00:30:00+03:00,4,false,"), "{csv}");
        assert!(!text.contains("Note:"), "{text}");
    }

    #[test]
    fn due_dates_from_rules_alone_are_noted() {
        let report = report(vec![2027]);
        let note = "Note: no calendar data for 2027; due dates in that year follow the \
                    weekend and holiday rules alone";
        assert!(report.to_text().contains(note), "{}", report.to_text());
        assert!(report.to_markdown().contains(&format!("> {note}")));
        let two = super::tests::report(vec![2027, 2028]).to_text();
        assert!(two.contains("no calendar data for 2027, 2028; due dates in those years"));
    }
}
