//! What the exchange tests share: a test city on a store of any kind (memory, sled,
//! PostgreSQL), with one account per role, a department, the test catalog and an
//! executor assigned to every indicator, and short ways to move files in and out.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::sync::Arc;

use citypassport_cli::exchange::catalog::{
    export_catalog, load_catalog, CatalogFile, CatalogImport, CatalogOptions,
};
use citypassport_cli::exchange::sdmx::{export_sdmx_csv, DEFAULT_DATAFLOW};
use citypassport_cli::exchange::values::{export_values, import_values, ValueFilter, ValuesFile};
use citypassport_cli::exchange::Format;
use citypassport_cli::store::StoreSpec;
use citypassport_core::{
    AppointmentOrder, DepartmentKind, Id, ImportMode, MemoryStorage, NewAccount, Passport, Role,
    SessionToken, Storage,
};

/// What a test returns.
pub type TestResult = Result<(), Box<dyn Error>>;

/// The department every indicator of the test catalog belongs to.
pub const DEPARTMENT: &str = "Отдел статистики";

/// The password of every account of a test city.
pub const PASSWORD: &str = "test password 2026";

/// A catalog with every kind of column filled somewhere: kinds, due rules, bounds, a
/// methodology over two lines, first periods.
pub const CATALOG: &str = "\
code,section,name_ru,unit_ru,okei_code,periodicity,value_kind,due_day,due_months_after,due_days_after,department,min,max,max_change_percent,methodology,first_period
POP,Население,Численность населения,человек,792,yearly,,,,,Отдел статистики,0,,,\"Оценка Росстата
на 1 января\",2020
RATE,Население,\"Коэффициент рождаемости, промилле\",промилле,,yearly,decimal:2,,,,Отдел статистики,,,25.50,,2020
BIRTHS-M,Население,Число родившихся за месяц,человек,792,monthly,,,,30,Отдел статистики,0,100000,,,2020-M01
SHARE-Q,Образование,Доля детей в детских садах,процент,744,quarterly,percent:1,15,2,,,0,100,,,2020-Q1
";

/// Values of every shape: whole numbers, decimals with a comma, grouped thousands,
/// not applicable with a reason that needs quoting.
pub const VALUES: &str = "\
indicator,period,value,not_applicable_reason
POP,2024,333 931,
POP,2025,335100,
RATE,2024,\"8,33\",
RATE,2025,,\"показатель не рассчитывается, нет данных\"
BIRTHS-M,2026-M01,231,
BIRTHS-M,2026-M02,0,
SHARE-Q,2026-Q1,\"67,5\",
SHARE-Q,2026-Q2,100,
";

/// Which kind of store a test city lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The core's store in memory.
    Memory,
    /// A sled folder of its own.
    Sled,
    /// A schema of its own on the test server (`CITYPASSPORT_TEST_PG_URL`).
    Postgres,
}

/// A store, with what must live as long as it: its folder or its schema.
pub struct Store {
    /// The store.
    pub storage: Arc<dyn Storage>,
    _folder: Option<tempfile::TempDir>,
    _schema: Option<citypassport_postgres::testing::TestSchema>,
}

impl Backend {
    /// A new, empty store of this kind.
    pub async fn store(self) -> Result<Store, Box<dyn Error>> {
        Ok(match self {
            Backend::Memory => {
                Store { storage: Arc::new(MemoryStorage::new()), _folder: None, _schema: None }
            }
            Backend::Sled => {
                let folder = tempfile::tempdir()?;
                let storage = StoreSpec::Sled(folder.path().join("store")).open().await?;
                Store { storage, _folder: Some(folder), _schema: None }
            }
            Backend::Postgres => {
                // Panics with the way to get a server when there is none.
                let schema = citypassport_postgres::testing::TestSchema::fresh();
                let storage = Arc::new(schema.open().await);
                Store { storage, _folder: None, _schema: Some(schema) }
            }
        })
    }
}

/// The people of a test city and their sessions.
pub struct City {
    pub passport: Passport,
    pub admin: SessionToken,
    pub chief: SessionToken,
    pub executor: SessionToken,
    pub executor_id: Id,
    pub controller: SessionToken,
    pub viewer: SessionToken,
    _store: Store,
}

pub fn order(number: &str) -> AppointmentOrder {
    AppointmentOrder { number: number.into(), date: "2025-01-13".parse().expect("a date") }
}

/// A new city in memory with the test catalog loaded and every indicator assigned.
pub async fn city() -> Result<City, Box<dyn Error>> {
    city_on(Backend::Memory).await
}

/// A new city on `backend` with the test catalog loaded and every indicator assigned.
pub async fn city_on(backend: Backend) -> Result<City, Box<dyn Error>> {
    let city = empty_city_on(backend).await?;
    load(&city, CATALOG.as_bytes(), Format::Csv, CatalogOptions::default()).await?;
    assign_all(&city).await?;
    Ok(city)
}

/// A new city on `backend` with its department and one account per role, and no
/// catalog yet.
pub async fn empty_city_on(backend: Backend) -> Result<City, Box<dyn Error>> {
    empty_city_in(backend.store().await?).await
}

/// A new city on a store of the test's own, with its department and one account per
/// role, and no catalog yet.
pub async fn empty_city_with(storage: Arc<dyn Storage>) -> Result<City, Box<dyn Error>> {
    empty_city_in(Store { storage, _folder: None, _schema: None }).await
}

async fn empty_city_in(store: Store) -> Result<City, Box<dyn Error>> {
    let passport = Passport::new(store.storage.clone());
    let setup =
        passport.bootstrap_administrator("admin@city.example", "Администратор", order("1")).await?;
    passport.set_password(&setup, PASSWORD).await?;
    let admin = passport.login("admin@city.example", PASSWORD).await?;
    let department =
        passport.create_department(&admin, DEPARTMENT, DepartmentKind::Department).await?;

    let mut sessions = BTreeMap::new();
    for (email, role) in [
        ("chief@city.example", Role::ChiefOfStaff),
        ("executor@city.example", Role::Executor),
        ("controller@city.example", Role::Controller),
        ("viewer@city.example", Role::Viewer),
    ] {
        let new = NewAccount {
            email: email.into(),
            full_name: email.into(),
            department: Some(department.id.clone()),
            roles: BTreeSet::from([role]),
            order: order("7-к"),
        };
        let (id, setup) = passport.create_account(&admin, new).await?;
        passport.set_password(&setup, PASSWORD).await?;
        sessions.insert(email, (id, passport.login(email, PASSWORD).await?));
    }
    Ok(City {
        passport,
        admin,
        chief: sessions["chief@city.example"].1.clone(),
        executor: sessions["executor@city.example"].1.clone(),
        executor_id: sessions["executor@city.example"].0.clone(),
        controller: sessions["controller@city.example"].1.clone(),
        viewer: sessions["viewer@city.example"].1.clone(),
        _store: store,
    })
}

/// Assigns the executor to every indicator of the current catalog.
pub async fn assign_all(city: &City) -> TestResult {
    for indicator in city.passport.catalog(&city.chief).await? {
        city.passport
            .assign_executor(&city.admin, &city.executor_id, &indicator.code, order("12-р"))
            .await?;
    }
    Ok(())
}

/// Loads a catalog file as the chief of staff.
pub async fn load(
    city: &City,
    bytes: &[u8],
    format: Format,
    options: CatalogOptions,
) -> Result<CatalogImport, Box<dyn Error>> {
    let file = CatalogFile::read(bytes, format)?;
    Ok(load_catalog(&city.passport, &city.chief, &file, &BTreeMap::new(), options).await?)
}

/// The whole catalog exported in `format`.
pub async fn catalog_export(city: &City, format: Format) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut out = Vec::new();
    export_catalog(&city.passport, &city.viewer, format, &mut out).await?;
    Ok(out)
}

/// Every value exported in `format`.
pub async fn export(city: &City, format: Format) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut out = Vec::new();
    let filter = ValueFilter::default();
    export_values(&city.passport, &city.viewer, format, false, &filter, &mut out, |_| {}).await?;
    Ok(out)
}

/// The accepted and submitted values as SDMX-CSV.
pub async fn sdmx(city: &City) -> Result<String, Box<dyn Error>> {
    let mut out = Vec::new();
    let filter = ValueFilter::default();
    export_sdmx_csv(&city.passport, &city.viewer, DEFAULT_DATAFLOW, &filter, &mut out, |_| {})
        .await?;
    Ok(String::from_utf8(out)?)
}

/// Imports a values file as the executor; every row must pass.
pub async fn import(city: &City, bytes: &[u8], format: Format, mode: ImportMode) -> TestResult {
    let file = ValuesFile::read(bytes, format)?;
    let report = import_values(&city.passport, &city.executor, &file, mode).await?;
    assert!(report.refused.is_empty(), "refused: {:?}", report.refused);
    Ok(())
}
