//! # citypassport-python
//!
//! The native module `citypassport._native` of the Python package `citypassport`. The
//! package (in `python/citypassport/`) is what users import; it wraps this module with
//! dataclasses, pandas DataFrames, context managers and numpy-style documentation.
//!
//! The module translates and adds no rules: every call goes to the core's
//! [`Passport`](citypassport_core::Passport) service with the GIL released
//! (module `runtime`), its arguments translated from Python (`convert`) and its errors
//! raised as the package's exception classes (`errors`).
//!
//! It is built and tested from Python:
//!
//! ```text
//! bash bindings/python/run-tests.sh
//! ```
//!
//! which builds the wheel with maturin, installs it in a venv and runs the pytest suite
//! and the notebook. In Python:
//!
//! ```python
//! import citypassport
//!
//! with citypassport.Passport.open_sled("passport-data") as passport:
//!     with passport.login("viewer@city.example", "a long enough password") as session:
//!         frame = session.period_passport("2025")
//! ```

mod columns;
mod convert;
mod errors;
mod report;
mod runtime;
mod session;
mod store;

use pyo3::prelude::*;

/// The module's own allocations (not Python's objects, which pymalloc serves) go to
/// mimalloc. A DataFrame of a million values makes and drops tens of millions of small
/// strings while decoding records; under the system allocator of glibc a third of that
/// time went to malloc and free, and each repeated export was slower than the last as
/// its free lists fragmented.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The module `citypassport._native`.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<store::PyPassport>()?;
    module.add_class::<store::PySetupToken>()?;
    module.add_class::<session::Session>()?;
    module.add_class::<report::PyQuarterlyReport>()?;
    module.add_class::<columns::ValueColumns>()?;
    errors::register(module)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
