//! Building the quarterly report.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;

use super::Passport;
use crate::account::{Account, Permission, SessionToken};
use crate::catalog::{Department, DueRule};
use crate::deadline::{DelayNotice, Timeliness};
use crate::error::Result;
use crate::id::Id;
use crate::period::Period;
use crate::report::{Counts, DepartmentLine, ExecutorLine, QuarterlyReport, Violation};
use crate::value::Value;

/// The report is due by the 10th of the month after the quarter (item 4.2).
const REPORT_DUE: DueRule = DueRule::DayOfMonthAfter { day: 10, months_after: 1 };

impl Passport {
    /// The quarterly report for `quarter` (e.g. `2026-Q3`), judged as of now. Anyone who
    /// reads values may read it.
    pub async fn quarterly_report(
        &self,
        token: &SessionToken,
        quarter: Period,
    ) -> Result<QuarterlyReport> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let (first, last) = super::deadlines::quarter_days(quarter)?;

        let expected = self.expected_between(first, last).await?;
        let calendar = self.calendar().await?;
        let due_date = calendar.due_date(&REPORT_DUE, quarter, self.settings.deadline_policy);

        // A due date of a year without calendar data may move once the year's table is
        // loaded; the report says so rather than pass it off as final.
        let rules_only_years: Vec<i32> = expected
            .iter()
            .map(|e| &e.due)
            .chain([&due_date])
            .filter(|due| due.rules_only)
            .flat_map(|due| due.nominal.year()..=due.date.year())
            .filter(|year| !calendar.has_data_for(*year))
            .collect::<BTreeSet<i32>>()
            .into_iter()
            .collect();

        let departments: BTreeMap<Id, String> = self
            .scan::<Department>("")
            .await?
            .into_iter()
            .map(|d| (d.record.id, d.record.name))
            .collect();
        let names: BTreeMap<Id, String> = self
            .scan::<Account>("")
            .await?
            .into_iter()
            .map(|a| (a.record.id, a.record.full_name))
            .collect();
        let notices: BTreeMap<Id, DelayNotice> = self
            .scan::<DelayNotice>("")
            .await?
            .into_iter()
            .map(|n| (n.record.id.clone(), n.record))
            .collect();
        let department_name = |id: &Option<Id>| {
            id.as_ref()
                .and_then(|id| departments.get(id).cloned())
                .unwrap_or_else(|| "(no department)".into())
        };
        let person = |id: &Option<Id>| {
            id.as_ref()
                .and_then(|id| names.get(id).cloned())
                .unwrap_or_else(|| "(not assigned)".into())
        };

        let mut totals = Counts::default();
        let mut by_department: BTreeMap<Option<Id>, Counts> = BTreeMap::new();
        let mut by_executor: BTreeMap<Option<Id>, Counts> = BTreeMap::new();
        let mut violations = Vec::new();
        for value in &expected {
            totals.add(value);
            by_department.entry(value.department.clone()).or_default().add(value);
            let responsible = value.responsible();
            if responsible.is_empty() {
                by_executor.entry(None).or_default().add(value);
            }
            for executor in &responsible {
                by_executor.entry(Some(executor.clone())).or_default().add(value);
            }
            if let Timeliness::Late { days } | Timeliness::Missing { days } = value.timeliness {
                violations.push(Violation {
                    indicator: value.value.indicator.clone(),
                    indicator_name: value.indicator_name.clone(),
                    period: value.value.period,
                    department: department_name(&value.department),
                    executors: responsible.iter().map(|id| person(&Some(id.clone()))).collect(),
                    due_date: value.due.date,
                    extended_until: value.extended_until,
                    submitted_at: value.current.as_ref().and_then(|v| v.first_submitted_at),
                    days_late: days,
                    notices: value
                        .notices
                        .iter()
                        .filter_map(|id| notices.get(id).map(|n| (id.clone(), n.status)))
                        .collect(),
                });
            }
        }

        // Values entered in the quarter count whatever their due date.
        let (start, end) = (
            crate::calendar::deadline_instant(
                first.pred_opt().unwrap_or(first),
                self.settings.time_zone,
            ),
            crate::calendar::deadline_instant(last, self.settings.time_zone),
        );
        for value in self.values_first_submitted_between(start, end).await? {
            totals.entered += 1;
            by_department.entry(value.department.clone()).or_default().entered += 1;
            by_executor.entry(value.submitted_by.clone()).or_default().entered += 1;
        }

        violations.sort_by(|a, b| {
            (!a.is_missing(), std::cmp::Reverse(a.days_late), &a.indicator, a.period).cmp(&(
                !b.is_missing(),
                std::cmp::Reverse(b.days_late),
                &b.indicator,
                b.period,
            ))
        });
        let mut department_lines: Vec<DepartmentLine> = by_department
            .into_iter()
            .map(|(id, counts)| DepartmentLine {
                name: department_name(&id),
                department: id,
                counts,
            })
            .collect();
        department_lines.sort_by(|a, b| a.name.cmp(&b.name));
        let mut executor_lines: Vec<ExecutorLine> = by_executor
            .into_iter()
            .map(|(id, counts)| ExecutorLine { name: person(&id), account: id, counts })
            .collect();
        executor_lines.sort_by(|a, b| a.name.cmp(&b.name));

        Ok(QuarterlyReport {
            quarter,
            due_date,
            generated_at: self.now(),
            time_zone: self.settings.time_zone,
            rules_only_years,
            totals,
            departments: department_lines,
            executors: executor_lines,
            corrections: self.corrections_approved_between(start, end).await?,
            violations,
        })
    }

    /// Values whose first submission falls in `[start, end)`, found through the index
    /// of first-submission months, so the cost follows the quarter's activity.
    async fn values_first_submitted_between(
        &self,
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let mut values = Vec::new();
        let mut month = start.date_naive().with_day(1).expect("first of a month");
        while month <= end.date_naive() {
            let key = month.format("%Y-%m").to_string();
            for value in self.find::<Value>("first_submitted", &key).await? {
                if value.record.first_submitted_at.is_some_and(|t| t >= start && t < end) {
                    values.push(value.record);
                }
            }
            month = month.checked_add_months(chrono::Months::new(1)).expect("month in range");
        }
        Ok(values)
    }
}
