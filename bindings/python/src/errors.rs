//! The exception classes of the package and the translation of the core's errors.
//!
//! Every class derives from `citypassport.Error`, one per [`Error::kind`] of the core,
//! so that `except citypassport.Error` catches whatever the library raises about data
//! or storage. `InvalidInput` also derives from `ValueError`, since that is what Python
//! code expects for a malformed period or number; `create_exception!` takes one base
//! only, so that class is made by calling `type` with both bases.
//!
//! Two classes stand for failures that happen in the package rather than in the core,
//! made the same way so that the same `except` catches them too: `FileError` (also an
//! `OSError`) for a file given to the package that cannot be read, and `MissingExtra`
//! (also an `ImportError`) for a table asked for without pandas installed.
//!
//! The message is the core's, unchanged; the core keeps passwords, tokens and personal
//! data out of it.

use citypassport_core::Error as CoreError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyImportError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

create_exception!(
    citypassport,
    Error,
    PyException,
    "The base class of every error of the city passport: catch it to catch them all."
);
create_exception!(
    citypassport,
    Implausible,
    Error,
    "A hard plausibility rule of the indicator (a minimum or a maximum) refused the value."
);
create_exception!(
    citypassport,
    LoginFailed,
    Error,
    "Wrong e-mail or password, or an inactive account; deliberately says no more."
);
create_exception!(
    citypassport,
    LockedOut,
    Error,
    "Too many failed logins for this e-mail; it is locked for a while."
);
create_exception!(
    citypassport,
    Unauthenticated,
    Error,
    "The session is unknown, expired, logged out or revoked; log in again."
);
create_exception!(citypassport, PermissionDenied, Error, "The account may not do this.");
create_exception!(citypassport, NotFound, Error, "The record does not exist.");
create_exception!(
    citypassport,
    AlreadyExists,
    Error,
    "A record with this identity already exists."
);
create_exception!(
    citypassport,
    WrongState,
    Error,
    "The action does not fit the record's current state, e.g. accepting a draft."
);
create_exception!(
    citypassport,
    Conflict,
    Error,
    "Someone else changed the record since it was read; nothing was written."
);
create_exception!(
    citypassport,
    StorageError,
    Error,
    "The store failed, could not be opened, or was closed."
);

const INVALID_INPUT_DOC: &str = "An input was refused: a malformed period or number, an empty \
    name, a bad e-mail, ...\n\nAlso a ValueError. The attribute `field` names the input and \
    `reason` says why.";

const FILE_ERROR_DOC: &str = "A file given to the package cannot be read: it is missing, a \
    folder, or not permitted.\n\nAlso an OSError, with `errno`, `strerror` and `filename` \
    set; the OSError that the read raised is its `__cause__`.";

const MISSING_EXTRA_DOC: &str = "A call needs an optional extra that is not installed: a \
    DataFrame without pandas. The message says what to install and which `..._records()` \
    call gives the same data without it.\n\nAlso an ImportError, with `name` set to the \
    missing module.";

static INVALID_INPUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static FILE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MISSING_EXTRA: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A class of the package derived from `Error` and a built-in exception, made on first use
/// as `type(name, (Error, builtin), {...})`.
fn with_builtin_base<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    builtin: Bound<'py, PyType>,
    doc: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    let class = cell.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let bases = PyTuple::new(py, [py.get_type::<Error>(), builtin])?;
        let namespace = PyDict::new(py);
        namespace.set_item("__module__", "citypassport")?;
        namespace.set_item("__doc__", doc)?;
        let made = py.get_type::<PyType>().call1((name, bases, namespace))?;
        Ok(made.cast_into::<PyType>()?.unbind())
    })?;
    Ok(class.bind(py))
}

/// `InvalidInput`: an `Error` and a `ValueError`.
pub(crate) fn invalid_input_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let builtin = py.get_type::<PyValueError>();
    with_builtin_base(py, &INVALID_INPUT, "InvalidInput", builtin, INVALID_INPUT_DOC)
}

/// `FileError`: an `Error` and an `OSError`.
fn file_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let builtin = py.get_type::<PyOSError>();
    with_builtin_base(py, &FILE_ERROR, "FileError", builtin, FILE_ERROR_DOC)
}

/// `MissingExtra`: an `Error` and an `ImportError`.
fn missing_extra_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let builtin = py.get_type::<PyImportError>();
    with_builtin_base(py, &MISSING_EXTRA, "MissingExtra", builtin, MISSING_EXTRA_DOC)
}

/// Every class with the core's kind name it stands for, in the order of the core's enum.
pub(crate) fn classes(py: Python<'_>) -> PyResult<Vec<(&'static str, Bound<'_, PyType>)>> {
    Ok(vec![
        ("invalid", invalid_input_type(py)?.clone()),
        ("implausible", py.get_type::<Implausible>()),
        ("login_failed", py.get_type::<LoginFailed>()),
        ("locked_out", py.get_type::<LockedOut>()),
        ("unauthenticated", py.get_type::<Unauthenticated>()),
        ("permission_denied", py.get_type::<PermissionDenied>()),
        ("not_found", py.get_type::<NotFound>()),
        ("already_exists", py.get_type::<AlreadyExists>()),
        ("wrong_state", py.get_type::<WrongState>()),
        ("conflict", py.get_type::<Conflict>()),
        ("storage", py.get_type::<StorageError>()),
    ])
}

/// Adds the classes to the module and gives each its `kind` class attribute.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let base = py.get_type::<Error>();
    base.setattr("kind", "error")?;
    module.add("Error", base)?;
    let package_own = [
        ("file", file_error_type(py)?.clone()),
        ("missing_extra", missing_extra_type(py)?.clone()),
    ];
    for (kind, class) in classes(py)?.into_iter().chain(package_own) {
        class.setattr("kind", kind)?;
        module.add(class.name()?, class)?;
    }
    Ok(())
}

/// The class for a kind name of the core; a kind this build does not know yet (the
/// core's enum is non-exhaustive) becomes the base class, still catchable.
fn class_of<'py>(py: Python<'py>, kind: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(classes(py)?
        .into_iter()
        .find(|(name, _)| *name == kind)
        .map(|(_, class)| class)
        .unwrap_or_else(|| py.get_type::<Error>()))
}

/// The Python exception for a core error: its class by kind, the core's message, and
/// the fields a caller may want to act on as attributes.
pub(crate) fn to_py(py: Python<'_>, error: CoreError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = class_of(py, error.kind())?;
        let exception = class.call1((error.to_string(),))?;
        match &error {
            CoreError::Invalid { field, reason } => {
                exception.setattr("field", field)?;
                exception.setattr("reason", reason)?;
            }
            CoreError::Implausible { indicator, period, rule, reason } => {
                exception.setattr("indicator", indicator)?;
                exception.setattr("period", period)?;
                exception.setattr("rule", rule)?;
                exception.setattr("reason", reason)?;
            }
            _ => {}
        }
        Ok(PyErr::from_value(exception))
    };
    // Building the exception fails only if the interpreter is out of memory or shutting
    // down; the error of that attempt is then the truest thing to raise.
    build().unwrap_or_else(|failure| failure)
}

/// An `InvalidInput` for `field`, for inputs refused while translating Python values,
/// worded like the core's own (it is the core's error).
pub(crate) fn invalid(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    to_py(py, CoreError::invalid(field, reason))
}

/// A `StorageError` with the message, for a store that is closed or failed to open.
pub(crate) fn storage(py: Python<'_>, message: impl std::fmt::Display) -> PyErr {
    to_py(py, CoreError::storage(message))
}
