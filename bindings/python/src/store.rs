//! Opening and closing a store, and the calls that need no session: bootstrap, setting
//! a password with a setup token, logging in.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use citypassport_core::{
    AppointmentOrder, DeadlinePolicy, MemoryStorage, Passport, RegionalHoliday, Settings,
    SetupToken, Storage, SystemClock,
};
use citypassport_postgres::{PostgresConfig, PostgresStorage};
use citypassport_sled::{Durability, SledConfig, SledStorage};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::convert;
use crate::errors;
use crate::runtime::{self, run};
use crate::session::Session;

/// Which backend a store runs on, with what may be shown of where it is.
#[derive(Debug, Clone)]
enum Backend {
    Memory,
    Sled {
        path: PathBuf,
    },
    /// The server as the backend names it would need the URL parsed here; the kind is
    /// enough for a repr and keeps the password out of it for sure.
    Postgres,
}

/// What is open: the service, and the PostgreSQL pool to close explicitly.
#[derive(Debug)]
struct Open {
    passport: Passport,
    postgres: Option<PostgresStorage>,
}

/// A store shared by the Python `Passport` and every `Session` opened on it.
#[derive(Debug)]
pub(crate) struct Store {
    backend: Backend,
    /// The city's time zone, kept apart from the service so that it reads after closing.
    time_zone: chrono_tz::Tz,
    open: Mutex<Option<Open>>,
}

/// A regional holiday as Python gives it: month, day, name, first year.
type HolidayArgs = (u32, u32, String, Option<i32>);

/// The city's settings: the core's defaults, with the time zone, the deadline policy and
/// the regional holidays given.
fn settings(
    py: Python<'_>,
    time_zone: Option<&str>,
    paid_nonworking_moves_deadlines: bool,
    regional_holidays: Option<Vec<HolidayArgs>>,
) -> PyResult<Settings> {
    let mut settings = Settings::default();
    if let Some(name) = time_zone {
        settings.time_zone = name.parse().map_err(|_| {
            errors::invalid(py, "time zone", format!("'{name}' is not an IANA time zone"))
        })?;
    }
    settings.deadline_policy = DeadlinePolicy { paid_nonworking_moves_deadlines };
    for (month, day, name, first_year) in regional_holidays.unwrap_or_default() {
        let holiday = RegionalHoliday::new(month, day, name).map_err(|e| errors::to_py(py, e))?;
        settings.regional_holidays.push(match first_year {
            Some(year) => holiday.since(year),
            None => holiday,
        });
    }
    Ok(settings)
}

impl Store {
    fn new(
        backend: Backend,
        storage: Arc<dyn Storage>,
        postgres: Option<PostgresStorage>,
        settings: Settings,
    ) -> Self {
        let time_zone = settings.time_zone;
        let passport = Passport::with_settings(storage, Arc::new(SystemClock), settings);
        Store { backend, time_zone, open: Mutex::new(Some(Open { passport, postgres })) }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Open>> {
        // The mutex guards only the swap to closed; a panic cannot leave it half-done.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The service, for one call; a closed store is a `StorageError`.
    pub(crate) fn passport(&self, py: Python<'_>) -> PyResult<Passport> {
        self.lock()
            .as_ref()
            .map(|open| open.passport.clone())
            .ok_or_else(|| errors::storage(py, "the store is closed; open it again"))
    }

    fn is_closed(&self) -> bool {
        self.lock().is_none()
    }

    /// Closes the store: the PostgreSQL pool is closed, and a sled folder is flushed and
    /// released as soon as calls still running on other threads finish.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let Some(open) = self.lock().take() else {
            return Ok(());
        };
        let runtime = runtime::runtime(py)?;
        py.detach(|| {
            let _context = runtime.enter();
            if let Some(postgres) = &open.postgres {
                runtime.block_on(postgres.close());
            }
            drop(open);
        });
        Ok(())
    }
}

impl Drop for Store {
    /// Releases a store that was never closed, when Python collects the last object that
    /// held it. Dropping sled flushes to disk and joins its flusher thread, and dropping the
    /// PostgreSQL pool ends its connections: that may take a while, so it runs with the GIL
    /// released, like a call of the store, and other Python threads run meanwhile.
    fn drop(&mut self) {
        let Some(open) = self.open.get_mut().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let release = move || {
            // The pool's connections may hand work to the runtime as they drop.
            let _context = runtime::existing().map(|runtime| runtime.enter());
            drop(open);
        };
        // Only Python objects hold a store, so it drops on a thread attached to Python,
        // where attaching is a counter check. At interpreter shutdown attaching is refused
        // and there is no other Python thread left to keep running.
        let mut release = Some(release);
        Python::try_attach(|py| {
            if let Some(release) = release.take() {
                py.detach(release);
            }
        });
        if let Some(release) = release {
            release();
        }
    }
}

/// A one-time setup token: the person sets their own password with it. Its repr hides
/// it; `expose()` gives the text to send to the person.
#[pyclass(frozen, module = "citypassport._native", name = "SetupToken")]
pub(crate) struct PySetupToken {
    pub(crate) token: SetupToken,
}

#[pymethods]
impl PySetupToken {
    /// Wraps a setup token received as text (from a link or a form).
    #[new]
    fn new(token: String) -> Self {
        PySetupToken { token: SetupToken::from_string(token) }
    }

    /// The token's text, to hand to the person who sets the password.
    fn expose(&self) -> &str {
        self.token.expose()
    }

    fn __repr__(&self) -> &'static str {
        "SetupToken(<hidden>)"
    }

    fn __str__(&self) -> &'static str {
        "<hidden setup token; call expose() to read it>"
    }
}

/// A setup token given as a `SetupToken` or as its text.
fn setup_token(py: Python<'_>, token: &Bound<'_, PyAny>) -> PyResult<SetupToken> {
    if let Ok(wrapped) = token.cast::<PySetupToken>() {
        return Ok(wrapped.get().token.clone());
    }
    if let Ok(text) = token.cast::<PyString>() {
        return Ok(SetupToken::from_string(text.to_cow()?.into_owned()));
    }
    Err(errors::invalid(py, "setup token", "give the SetupToken or its text"))
}

/// An open store: the entry point of the native module.
#[pyclass(frozen, module = "citypassport._native", name = "Passport")]
pub(crate) struct PyPassport {
    store: Arc<Store>,
}

#[pymethods]
impl PyPassport {
    /// Opens (or creates) a sled store in the folder `path`.
    #[staticmethod]
    #[pyo3(signature = (
        path, *, durability = "durable", cache_capacity = None, time_zone = None,
        paid_nonworking_moves_deadlines = false, regional_holidays = None
    ))]
    fn open_sled(
        py: Python<'_>,
        path: PathBuf,
        durability: &str,
        cache_capacity: Option<u64>,
        time_zone: Option<&str>,
        paid_nonworking_moves_deadlines: bool,
        regional_holidays: Option<Vec<HolidayArgs>>,
    ) -> PyResult<Self> {
        let settings = settings(py, time_zone, paid_nonworking_moves_deadlines, regional_holidays)?;
        let durability = match durability {
            "durable" => Durability::Durable,
            "relaxed" => Durability::Relaxed,
            other => {
                let reason = format!("'{other}' is not one of durable, relaxed");
                return Err(errors::invalid(py, "durability", reason));
            }
        };
        let mut config = SledConfig::new(&path).with_durability(durability);
        if let Some(bytes) = cache_capacity {
            config = config.with_cache_capacity(bytes);
        }
        let opened = runtime::blocking(py, move || SledStorage::open_with(config))?;
        let storage = opened.map_err(|e| errors::storage(py, format!("opening the store: {e}")))?;
        let store = Store::new(Backend::Sled { path }, Arc::new(storage), None, settings);
        Ok(PyPassport { store: Arc::new(store) })
    }

    /// Connects to a PostgreSQL store, migrating its schema if it is behind.
    #[staticmethod]
    #[pyo3(signature = (
        url, *, schema = None, max_connections = None, acquire_timeout = None, migrate = true,
        time_zone = None, paid_nonworking_moves_deadlines = false, regional_holidays = None
    ))]
    // One keyword argument per setting of the connection and of the city.
    #[allow(clippy::too_many_arguments)]
    fn connect_postgres(
        py: Python<'_>,
        url: String,
        schema: Option<String>,
        max_connections: Option<u32>,
        acquire_timeout: Option<f64>,
        migrate: bool,
        time_zone: Option<&str>,
        paid_nonworking_moves_deadlines: bool,
        regional_holidays: Option<Vec<HolidayArgs>>,
    ) -> PyResult<Self> {
        let settings = settings(py, time_zone, paid_nonworking_moves_deadlines, regional_holidays)?;
        let mut config = PostgresConfig::new(url).with_migrate(migrate);
        if let Some(schema) = schema {
            config = config.with_schema(schema);
        }
        if let Some(max) = max_connections {
            config = config.with_max_connections(max);
        }
        if let Some(seconds) = acquire_timeout {
            let timeout = Duration::try_from_secs_f64(seconds).map_err(|_| {
                errors::invalid(py, "acquire_timeout", "must be a positive number of seconds")
            })?;
            config = config.with_acquire_timeout(timeout);
        }
        let storage = run(py, async move {
            PostgresStorage::connect_with(config).await.map_err(citypassport_core::Error::from)
        })?;
        let shared: Arc<dyn Storage> = Arc::new(storage.clone());
        let store = Store::new(Backend::Postgres, shared, Some(storage), settings);
        Ok(PyPassport { store: Arc::new(store) })
    }

    /// A store in memory, gone when closed: for tests and trying things out.
    #[staticmethod]
    #[pyo3(signature = (
        *, time_zone = None, paid_nonworking_moves_deadlines = false, regional_holidays = None
    ))]
    fn in_memory(
        py: Python<'_>,
        time_zone: Option<&str>,
        paid_nonworking_moves_deadlines: bool,
        regional_holidays: Option<Vec<HolidayArgs>>,
    ) -> PyResult<Self> {
        let settings = settings(py, time_zone, paid_nonworking_moves_deadlines, regional_holidays)?;
        let store = Store::new(Backend::Memory, Arc::new(MemoryStorage::new()), None, settings);
        Ok(PyPassport { store: Arc::new(store) })
    }

    /// `memory`, `sled` or `postgres`.
    #[getter]
    fn backend(&self) -> &'static str {
        match self.store.backend {
            Backend::Memory => "memory",
            Backend::Sled { .. } => "sled",
            Backend::Postgres => "postgres",
        }
    }

    /// Whether the store was closed.
    #[getter]
    fn closed(&self) -> bool {
        self.store.is_closed()
    }

    /// Closes the store; sessions opened on it stop working. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.store.close(py)
    }

    /// The city's IANA time zone, in which deadlines and "today" are read.
    #[getter]
    fn time_zone(&self) -> &'static str {
        self.store.time_zone.name()
    }

    /// Today's date in the city's time zone.
    fn today(&self, py: Python<'_>) -> PyResult<chrono::NaiveDate> {
        Ok(self.store.passport(py)?.today())
    }

    /// Creates the first administrator of an empty store; returns their setup token.
    fn bootstrap_administrator(
        &self,
        py: Python<'_>,
        email: String,
        full_name: String,
        order_number: String,
        order_date: &Bound<'_, PyAny>,
    ) -> PyResult<PySetupToken> {
        let order = AppointmentOrder {
            number: order_number,
            date: convert::date(py, order_date, "order date")?,
        };
        let passport = self.store.passport(py)?;
        let token =
            run(
                py,
                async move { passport.bootstrap_administrator(&email, &full_name, order).await },
            )?;
        Ok(PySetupToken { token })
    }

    /// Sets a password with a setup token.
    fn set_password(
        &self,
        py: Python<'_>,
        setup_token: &Bound<'_, PyAny>,
        password: String,
    ) -> PyResult<()> {
        let token = self::setup_token(py, setup_token)?;
        let passport = self.store.passport(py)?;
        run(py, async move { passport.set_password(&token, &password).await })
    }

    /// Logs in by e-mail and password.
    fn login(&self, py: Python<'_>, email: String, password: String) -> PyResult<Session> {
        let passport = self.store.passport(py)?;
        let (token, account) = run(py, async move {
            let token = passport.login(&email, &password).await?;
            let account = passport.whoami(&token).await?.id;
            Ok((token, account))
        })?;
        Ok(Session::new(self.store.clone(), token, Some(account.to_string())))
    }

    /// A session from a token obtained earlier (say, kept in a web session); it is
    /// checked on its first use.
    fn resume(&self, token: String) -> Session {
        Session::new(self.store.clone(), citypassport_core::SessionToken::from_string(token), None)
    }

    fn __repr__(&self) -> String {
        let state = if self.store.is_closed() { "closed" } else { "open" };
        match &self.store.backend {
            Backend::Sled { path } => {
                format!("Passport(sled, '{}', {state})", path.display())
            }
            Backend::Memory => format!("Passport(memory, {state})"),
            Backend::Postgres => format!("Passport(postgres, {state})"),
        }
    }
}
