//! Values as columns: the fast path from the store to a pandas DataFrame.
//!
//! Building a DataFrame from a list of dicts costs about a second per million rows in
//! pandas; from contiguous arrays it costs milliseconds. So the values are exported
//! page by page (the core's [`export_values`](citypassport_core::Passport::export_values),
//! each page recorded in the audit log as usual) with the GIL released, and laid out
//! here as little-endian buffers that NumPy reads without copying, plus the distinct
//! strings of the categorical columns. The package's `Session.values_frame` turns them
//! into a DataFrame. No rule lives here: this only changes the shape of what the core
//! returned.
//!
//! The values cross as float64 for speed. On request (`exact`) they also cross as a list
//! of `decimal.Decimal` objects: one Python object per value, which costs what a list of
//! records costs, so only callers who need exact numbers pay for it.

use std::collections::HashMap;

use citypassport_core::{Entry, Period, Value, ValueStatus};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::convert;
use crate::runtime::run;
use crate::session::Session;

/// The value statuses, in the order of their codes in the `status` column.
const STATUSES: [ValueStatus; 4] =
    [ValueStatus::Draft, ValueStatus::Submitted, ValueStatus::Accepted, ValueStatus::Returned];

/// NumPy's "not a time" in a datetime64 column.
const NOT_A_TIME: i64 = i64::MIN;

/// The columns, filled page by page.
#[derive(Default)]
struct Columns {
    indicator: Vec<i32>,
    indicators: Vec<String>,
    period: Vec<i32>,
    periods: Vec<String>,
    period_codes: HashMap<Period, i32>,
    value: Vec<f64>,
    /// The exact values, kept only when asked for; `None` where not applicable.
    exact: Option<Vec<Option<Decimal>>>,
    not_applicable: Vec<u8>,
    status: Vec<i8>,
    department: Vec<i32>,
    departments: Vec<String>,
    department_codes: HashMap<String, i32>,
    updated_at: Vec<i64>,
    first_submitted_at: Vec<i64>,
    revisions: Vec<i32>,
    last: Option<(String, Period)>,
}

fn nanos(at: Option<chrono::DateTime<chrono::Utc>>) -> i64 {
    at.and_then(|t| t.timestamp_nanos_opt()).unwrap_or(NOT_A_TIME)
}

impl Columns {
    fn push(&mut self, value: &Value) {
        // Values come in (indicator, period) order, so an indicator's rows are together.
        if self.indicators.last() != Some(&value.indicator) {
            self.indicators.push(value.indicator.clone());
        }
        self.indicator.push(self.indicators.len() as i32 - 1);

        let next = self.period_codes.len() as i32;
        let period = *self.period_codes.entry(value.period).or_insert_with(|| {
            self.periods.push(value.period.to_string());
            next
        });
        self.period.push(period);

        let amount = match &value.entry {
            Entry::Amount { amount } => {
                self.value.push(amount.to_f64().unwrap_or(f64::NAN));
                self.not_applicable.push(0);
                Some(*amount)
            }
            Entry::NotApplicable { .. } => {
                self.value.push(f64::NAN);
                self.not_applicable.push(1);
                None
            }
        };
        if let Some(exact) = &mut self.exact {
            exact.push(amount);
        }
        let status = STATUSES.iter().position(|s| *s == value.status).map_or(-1, |i| i as i8);
        self.status.push(status);

        let department = match &value.department {
            Some(id) => {
                let next = self.department_codes.len() as i32;
                *self.department_codes.entry(id.as_str().to_string()).or_insert_with(|| {
                    self.departments.push(id.as_str().to_string());
                    next
                })
            }
            None => -1,
        };
        self.department.push(department);

        self.updated_at.push(nanos(Some(value.updated_at)));
        self.first_submitted_at.push(nanos(value.first_submitted_at));
        self.revisions.push(value.revisions as i32);
        self.last = Some((value.indicator.clone(), value.period));
    }
}

/// A number laid out as NumPy reads it.
trait LittleEndian: Copy {
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! little_endian {
    ($($t:ty),*) => {$(
        impl LittleEndian for $t {
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
little_endian!(i8, i32, i64, f64);

fn buffer<'py, T: LittleEndian>(py: Python<'py>, items: &[T]) -> Bound<'py, PyBytes> {
    let mut bytes = Vec::with_capacity(std::mem::size_of_val(items));
    for item in items {
        item.put(&mut bytes);
    }
    PyBytes::new(py, &bytes)
}

/// Exports of values as columns; see the package's `Session.values_frame`.
#[pyclass(module = "citypassport._native", frozen)]
pub(crate) struct ValueColumns;

#[pymethods]
impl ValueColumns {
    /// Every stored value after `after` (an (indicator, period) pair), at most `limit`
    /// (all when `None`), as a dict of column buffers: int32 codes with their
    /// categories for `indicator`, `period` and `department` (-1 for none), int8 codes
    /// for `status` (categories in `statuses`), float64 `value` (NaN where not
    /// applicable or not representable), uint8 `not_applicable`, int64 nanoseconds
    /// since the epoch in UTC for `updated_at` and `first_submitted_at` (NumPy's NaT for
    /// none), int32 `revisions`, the row count in `rows` and the last (indicator, period)
    /// in `last`; with `exact`, also `exact`, a list of `Decimal` (`None` where not
    /// applicable). Reads `page` values per call of the core.
    #[staticmethod]
    #[pyo3(signature = (session, after = None, limit = None, page = 10_000, exact = false))]
    fn export<'py>(
        py: Python<'py>,
        session: &Session,
        after: Option<(String, Bound<'py, PyAny>)>,
        limit: Option<usize>,
        page: usize,
        exact: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let after = after
            .map(|(code, period)| Ok::<_, PyErr>((code, convert::period(py, &period)?)))
            .transpose()?;
        let page = page.max(1);
        let (passport, token) = session.begin(py)?;
        let columns = run(py, async move {
            let mut columns = Columns { exact: exact.then(Vec::new), ..Columns::default() };
            let mut cursor = after;
            let mut rows = 0usize;
            loop {
                let want = limit.map_or(page, |limit| page.min(limit - rows));
                if want == 0 {
                    break;
                }
                let found = passport
                    .export_values(&token, cursor.as_ref().map(|(c, p)| (c.as_str(), *p)), want)
                    .await?;
                for value in &found {
                    columns.push(value);
                }
                rows += found.len();
                if found.len() < want {
                    break;
                }
                cursor = columns.last.clone();
            }
            Ok(columns)
        })?;

        let out = PyDict::new(py);
        out.set_item("rows", columns.indicator.len())?;
        out.set_item("indicator", buffer(py, &columns.indicator))?;
        out.set_item("indicators", columns.indicators)?;
        out.set_item("period", buffer(py, &columns.period))?;
        out.set_item("periods", columns.periods)?;
        out.set_item("value", buffer(py, &columns.value))?;
        out.set_item("not_applicable", PyBytes::new(py, &columns.not_applicable))?;
        out.set_item("status", buffer(py, &columns.status))?;
        out.set_item("statuses", STATUSES.iter().map(|s| s.as_str()).collect::<Vec<_>>())?;
        out.set_item("department", buffer(py, &columns.department))?;
        out.set_item("departments", columns.departments)?;
        out.set_item("updated_at", buffer(py, &columns.updated_at))?;
        out.set_item("first_submitted_at", buffer(py, &columns.first_submitted_at))?;
        out.set_item("revisions", buffer(py, &columns.revisions))?;
        out.set_item("last", columns.last.map(|(code, period)| (code, period.to_string())))?;
        if let Some(exact) = columns.exact {
            out.set_item("exact", exact)?;
        }
        Ok(out)
    }
}
