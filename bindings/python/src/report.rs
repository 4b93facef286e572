//! The quarterly report as a Python object: its data as dicts and its renderings.

use citypassport_core::QuarterlyReport;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;

/// The quarterly report to the head of the city, made by the core; the package wraps it
/// with DataFrames.
#[pyclass(frozen, module = "citypassport._native", name = "QuarterlyReport")]
pub(crate) struct PyQuarterlyReport {
    pub(crate) report: QuarterlyReport,
}

#[pymethods]
impl PyQuarterlyReport {
    /// The quarter, e.g. `2026-Q3`.
    #[getter]
    fn quarter(&self) -> String {
        self.report.quarter.to_string()
    }

    /// Everything in the report as a dict of plain Python values.
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        convert::quarterly_report(py, &self.report)
    }

    /// The report as readable plain text.
    fn to_text(&self) -> String {
        self.report.to_text()
    }

    /// The report as Markdown.
    fn to_markdown(&self) -> String {
        self.report.to_markdown()
    }

    /// The lines per department and executor as CSV.
    fn to_csv(&self) -> String {
        self.report.to_csv()
    }

    /// The violations as CSV.
    fn violations_to_csv(&self) -> String {
        self.report.violations_to_csv()
    }

    fn __repr__(&self) -> String {
        format!(
            "QuarterlyReport({}, {} due, {} violations)",
            self.report.quarter,
            self.report.totals.due,
            self.report.violations.len()
        )
    }
}
