//! The catalog as a library: a store's whole catalog (changes and retirements included)
//! moves to an empty store and back out identical, values keep the unit of the
//! definition in force for their period, and a catalog file is loaded row by row: every
//! refused row named by its row and column, the good rows stored, a dry run storing
//! nothing. Each test works on fresh stores in memory.

mod common;

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;

use citypassport_cli::exchange::catalog::{load_catalog, CatalogFile, CatalogOptions};
use citypassport_cli::exchange::{ExchangeError, Format};
use citypassport_core::{ImportMode, Period, ProposedChange, Unit};
use common::{
    assign_all, catalog_export, city, empty_city_on, export, import, load, sdmx, Backend, City,
    TestResult, CATALOG, VALUES,
};
use rust_xlsxwriter::Workbook;

fn period(text: &str) -> Period {
    text.parse().expect("a period")
}

/// The test city after two decisions of the chief of staff: the population is counted
/// in thousands from 2025, and the birth rate is no longer collected from 2026.
async fn city_with_history(values: bool) -> Result<City, Box<dyn Error>> {
    let city = city().await?;
    if values {
        import(&city, VALUES.as_bytes(), Format::Csv, ImportMode::Submit).await?;
    }
    let mut population = city.passport.indicator(&city.chief, "POP").await?;
    population.unit = Unit { name: "тысяча человек".into(), okei: Some("793".into()) };
    let change = ProposedChange::Change { indicator: population };
    city.passport.change_catalog(&city.chief, change, "в тысячах с 2025", period("2025")).await?;
    let retire = ProposedChange::Retire { code: "RATE".into() };
    city.passport.change_catalog(&city.chief, retire, "не собирается", period("2026")).await?;
    Ok(city)
}

#[tokio::test]
async fn sdmx_gives_each_value_the_unit_in_force_for_its_period() -> TestResult {
    let city = city_with_history(true).await?;
    let text = sdmx(&city).await?;
    let units: BTreeMap<(&str, &str), &str> = text
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            ((cells[1], cells[2]), cells[5])
        })
        .collect();

    // Before the change the population was counted in people, from it in thousands.
    assert_eq!(units[&("POP", "2024")], "792", "{text}");
    assert_eq!(units[&("POP", "2025")], "793", "{text}");
    // A retired indicator keeps the unit its values were collected in.
    assert_eq!(units[&("RATE", "2024")], "промилле", "{text}");
    assert_eq!(units[&("RATE", "2025")], "промилле", "{text}");
    Ok(())
}

#[tokio::test]
async fn a_catalog_export_has_a_row_per_version_with_its_period_and_reason() -> TestResult {
    let city = city_with_history(false).await?;
    let exported = catalog_export(&city, Format::Csv).await?;
    let mut reader = csv::Reader::from_reader(exported.as_slice());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
        .collect::<Result<_, _>>()?;
    let of = |code: &str| -> Vec<&Vec<String>> { rows.iter().filter(|r| r[0] == code).collect() };

    let population = of("POP");
    assert_eq!(population.len(), 2, "{rows:?}");
    // The first definition has no history; the change has its period and reason.
    assert_eq!(population[0][3..5], ["человек", "792"]);
    assert_eq!(population[0][16..], ["", "", ""]);
    assert_eq!(population[1][3..5], ["тысяча человек", "793"]);
    assert_eq!(population[1][16..], ["2025", "", "в тысячах с 2025"]);
    // A retirement has its code and history only.
    let rate = of("RATE");
    assert_eq!(rate.len(), 2, "{rows:?}");
    assert!(rate[1][1..16].iter().all(String::is_empty), "{rows:?}");
    assert_eq!(rate[1][16..], ["2026", "yes", "не собирается"]);
    Ok(())
}

/// Export a catalog with history, load it into an empty city, export again.
async fn catalog_with_history_round_trip(format: Format) -> TestResult {
    let first = city_with_history(false).await?;
    let exported = catalog_export(&first, format).await?;

    let second = empty_city_on(Backend::Memory).await?;
    let load = load(&second, &exported, format, CatalogOptions::default()).await?;
    assert!(load.refused.is_empty(), "{:?}", load.refused);
    assert_eq!((load.added, load.versions_added, load.unchanged), (4, 2, 0));
    assert_eq!(catalog_export(&second, format).await?, exported, "{format}");

    // The retired indicator is retired in the new store too, from the same period.
    let history = second.passport.indicator_history(&second.chief, "RATE").await?;
    assert_eq!(history.len(), 2);
    assert!(history[1].definition.is_none());
    assert_eq!(history[1].effective_from, Some(period("2026")));
    let current = second.passport.catalog(&second.chief).await?;
    assert!(current.iter().all(|i| i.code != "RATE"));
    Ok(())
}

#[tokio::test]
async fn a_csv_catalog_with_changes_and_retirements_loads_back_identical() -> TestResult {
    catalog_with_history_round_trip(Format::Csv).await
}

#[tokio::test]
async fn a_json_catalog_with_changes_and_retirements_loads_back_identical() -> TestResult {
    catalog_with_history_round_trip(Format::Json).await
}

#[tokio::test]
async fn an_xlsx_catalog_with_changes_and_retirements_loads_back_identical() -> TestResult {
    catalog_with_history_round_trip(Format::Xlsx).await
}

#[tokio::test]
async fn values_of_a_retired_indicator_move_to_an_empty_store_before_its_retirement() -> TestResult
{
    let first = city_with_history(true).await?;
    let catalog = catalog_export(&first, Format::Csv).await?;
    let values = export(&first, Format::Csv).await?;
    let observations = sdmx(&first).await?;

    // A retired indicator takes no new executor, so the retirement waits until its
    // values are in.
    let second = empty_city_on(Backend::Memory).await?;
    let held = CatalogOptions { retirements: false, ..CatalogOptions::default() };
    let load_one = load(&second, &catalog, Format::Csv, held).await?;
    assert_eq!((load_one.added, load_one.versions_added, load_one.held_back), (4, 1, 1));
    assert_eq!(load_one.refused, []);
    assign_all(&second).await?;
    import(&second, &values, Format::Csv, ImportMode::Submit).await?;
    let load_two = load(&second, &catalog, Format::Csv, CatalogOptions::default()).await?;
    assert_eq!((load_two.added, load_two.versions_added, load_two.unchanged), (0, 1, 5));

    assert_eq!(export(&second, Format::Csv).await?, values);
    assert_eq!(sdmx(&second).await?, observations);
    assert_eq!(catalog_export(&second, Format::Csv).await?, catalog);
    Ok(())
}

#[tokio::test]
async fn loading_the_same_catalog_twice_is_harmless_and_a_rewritten_row_is_refused() -> TestResult {
    let city = city().await?;
    let again = load(&city, CATALOG.as_bytes(), Format::Csv, CatalogOptions::default()).await?;
    assert_eq!((again.added, again.unchanged, again.refused.len()), (0, 4, 0));
    assert!(!again.stored);

    let renamed = CATALOG.replace("Численность населения", "Население города");
    let report = load(&city, renamed.as_bytes(), Format::Csv, CatalogOptions::default()).await?;
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    let refusal = report.refused[0].to_string();
    assert!(refusal.starts_with("line 2, column code: POP is already in the catalog"), "{refusal}");
    assert_eq!(city.passport.indicator(&city.chief, "POP").await?.name, "Численность населения");
    Ok(())
}

/// A catalog whose third, fourth and fifth rows are wrong in one cell each.
const CATALOG_WITH_BAD_ROWS: &str = "\
code,section,name_ru,unit_ru,okei_code,periodicity,department,min,max
GOOD-1,Население,Число браков,единица,642,monthly,Отдел статистики,0,
BAD-OKEI,Население,Число разводов,единица,7a2,monthly,Отдел статистики,,
BAD-DEPT,Население,Число мигрантов,человек,792,yearly,Нет такого отдела,,
BAD-BOUNDS,Население,Число школ,единица,642,yearly,,10,5
GOOD-2,Образование,Число учителей,человек,792,yearly,,,
";

#[tokio::test]
async fn a_catalog_file_with_bad_rows_stores_the_good_ones_and_names_each_bad_cell() -> TestResult {
    let city = empty_city_on(Backend::Memory).await?;
    let file = CATALOG_WITH_BAD_ROWS.as_bytes();
    let report = load(&city, file, Format::Csv, CatalogOptions::default()).await?;

    let refused: Vec<String> = report.refused.iter().map(ToString::to_string).collect();
    assert_eq!(
        refused,
        [
            "line 3, column okei_code: '7a2' is not 3 or 4 digits",
            "line 4, column department: no department named 'Нет такого отдела'",
            "line 5, column min: minimum 10 exceeds maximum 5",
        ]
    );
    assert_eq!((report.rows, report.added, report.sections_added), (5, 2, 2));
    assert!(report.stored);
    let codes: Vec<String> =
        city.passport.catalog(&city.chief).await?.into_iter().map(|i| i.code).collect();
    assert_eq!(codes, ["GOOD-1", "GOOD-2"]);
    Ok(())
}

#[tokio::test]
async fn a_catalog_dry_run_reports_the_same_refusals_and_stores_nothing() -> TestResult {
    let city = empty_city_on(Backend::Memory).await?;
    let dry = CatalogOptions { dry_run: true, ..CatalogOptions::default() };
    let report = load(&city, CATALOG_WITH_BAD_ROWS.as_bytes(), Format::Csv, dry).await?;
    assert_eq!((report.added, report.refused.len(), report.stored), (2, 3, false));
    assert!(city.passport.catalog(&city.chief).await?.is_empty());
    assert!(city.passport.sections(&city.chief).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_catalog_workbook_with_bad_cells_names_each_by_row_and_column_letter() -> TestResult {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("catalog")?;
    for (column, header) in
        ["code", "section", "name_ru", "unit_ru", "okei_code", "periodicity"].iter().enumerate()
    {
        sheet.write_string(0, column as u16, *header)?;
    }
    let cells = [
        ["GOOD-1", "Население", "Число браков", "единица", "642", "monthly"],
        ["BAD-KIND", "Население", "Число разводов", "единица", "642", "weekly"],
        ["BAD-CELL", "Население", "Число школ", "единица", "", "yearly"],
        ["GOOD-2", "Население", "Число учителей", "человек", "", "yearly"],
    ];
    for (row, cells) in cells.iter().enumerate() {
        for (column, text) in cells.iter().enumerate() {
            sheet.write_string(row as u32 + 1, column as u16, *text)?;
        }
    }
    // A clerk typed the OKEI codes as numbers, and TRUE into one of them.
    sheet.write_number(4, 4, 792)?;
    sheet.write_boolean(3, 4, true)?;
    let bytes = workbook.save_to_buffer()?;

    let city = empty_city_on(Backend::Memory).await?;
    let report = load(&city, &bytes, Format::Xlsx, CatalogOptions::default()).await?;
    let refused: Vec<String> = report.refused.iter().map(ToString::to_string).collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused[0].starts_with("row 3, column F (periodicity): "), "{refused:?}");
    assert!(refused[0].contains("weekly"), "{refused:?}");
    assert_eq!(
        refused[1],
        "row 4, column E (okei_code): the cell holds TRUE, not text or a number"
    );
    let good = city.passport.indicator(&city.chief, "GOOD-2").await?;
    assert_eq!(good.unit.okei.as_deref(), Some("792"));
    Ok(())
}

#[tokio::test]
async fn a_json_catalog_item_with_a_float_is_refused_and_the_others_stored() -> TestResult {
    let file = r#"[
        {"code": "A-1", "section": "S", "name_ru": "Один", "unit_ru": "человек",
         "okei_code": "792", "periodicity": "yearly"},
        {"code": "A-2", "section": "S", "name_ru": "Два", "unit_ru": "человек",
         "okei_code": "792", "periodicity": "yearly", "min": 0.5}
    ]"#;
    let city = empty_city_on(Backend::Memory).await?;
    let report = load(&city, file.as_bytes(), Format::Json, CatalogOptions::default()).await?;
    assert_eq!(report.added, 1);
    assert_eq!(report.refused.len(), 1);
    let refusal = report.refused[0].to_string();
    assert!(refusal.starts_with("item 2, field min: 0.5 has a fraction"), "{refusal}");
    Ok(())
}

#[tokio::test]
async fn a_catalog_load_stopped_by_an_error_stores_nothing() -> TestResult {
    let city = empty_city_on(Backend::Memory).await?;
    let file = CatalogFile::read(CATALOG.as_bytes(), Format::Csv)?;
    // A viewer reads the catalog but may not change it: the one write is refused whole.
    let outcome = load_catalog(
        &city.passport,
        &city.viewer,
        &file,
        &BTreeMap::new(),
        CatalogOptions::default(),
    )
    .await;
    let error = outcome.expect_err("a viewer does not load catalogs");
    assert!(matches!(error, ExchangeError::Passport(_)), "{error}");
    assert!(error.to_string().contains("permission denied"), "{error}");
    assert!(city.passport.catalog(&city.chief).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_later_version_without_its_first_definition_is_refused() -> TestResult {
    let file = "code,section,name_ru,unit_ru,okei_code,periodicity,effective_from\n\
                NEW,S,Новый,человек,792,yearly,2027\n";
    let city = empty_city_on(Backend::Memory).await?;
    let report = load(&city, file.as_bytes(), Format::Csv, CatalogOptions::default()).await?;
    assert_eq!(report.refused.len(), 1);
    let refusal = report.refused[0].to_string();
    assert!(
        refusal.starts_with("line 2, column effective_from: the first row of NEW"),
        "{refusal}"
    );
    Ok(())
}

#[tokio::test]
async fn a_storage_failure_while_loading_stores_nothing_or_says_what_was_stored() -> TestResult {
    let first = city_with_history(false).await?;
    let exported = catalog_export(&first, Format::Csv).await?;
    let file = CatalogFile::read(&exported, Format::Csv)?;
    let storage = Arc::new(FailingStorage::default());
    let second = common::empty_city_with(storage.clone()).await?;
    let sections = BTreeMap::new();
    let load_it = || {
        let options = CatalogOptions::default();
        load_catalog(&second.passport, &second.chief, &file, &sections, options)
    };

    // The new indicators go in one write: when it fails, none of them is stored.
    storage.fail_at(1);
    let error = load_it().await.expect_err("the write fails");
    assert!(matches!(error, ExchangeError::Passport(_)), "{error}");
    assert!(error.to_string().contains("the disk is full"), "{error}");
    assert!(second.passport.catalog(&second.chief).await?.is_empty());
    assert!(second.passport.sections(&second.chief).await?.is_empty());

    // The changes follow one by one: when one fails, the error says what was stored.
    storage.fail_at(2);
    let error = load_it().await.expect_err("the first change fails");
    assert!(matches!(error, ExchangeError::PartlyStored { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("after 4 new indicators and 0 later versions"), "{message}");
    assert!(message.contains("load the same file again"), "{message}");

    // Loading the same file again stores the rest.
    storage.fail_at(0);
    let report = load_it().await?;
    assert_eq!((report.added, report.versions_added, report.unchanged), (0, 2, 4));
    assert_eq!(catalog_export(&second, Format::Csv).await?, exported);
    Ok(())
}

/// A store in memory whose writes of indicator versions fail from the `fail_at`-th on,
/// while `fail_at` is not 0: a storage failure in the middle of a catalog load.
///
/// The methods are written as `async_trait` expands them, so that the test needs no
/// macro crate of its own.
#[derive(Debug, Default)]
struct FailingStorage {
    inner: citypassport_core::MemoryStorage,
    fail_at: std::sync::atomic::AtomicUsize,
    version_writes: std::sync::atomic::AtomicUsize,
}

type Boxed<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = citypassport_core::Result<T>> + Send + 'a>>;

mod failing {
    use std::sync::atomic::Ordering;

    use citypassport_core::storage::{RecordKind, StoredRecord};
    use citypassport_core::{AuditQuery, AuditRecord, ChangeSet, Error, Storage};

    use super::{Boxed, FailingStorage};

    impl FailingStorage {
        /// Makes the `n`-th write of indicator versions from now on fail (0: none).
        pub fn fail_at(&self, n: usize) {
            self.version_writes.store(0, Ordering::SeqCst);
            self.fail_at.store(n, Ordering::SeqCst);
        }
    }

    impl Storage for FailingStorage {
        fn get<'a, 'b, 'c>(
            &'a self,
            kind: RecordKind,
            key: &'b str,
        ) -> Boxed<'c, Option<StoredRecord>>
        where
            'a: 'c,
            'b: 'c,
            Self: 'c,
        {
            self.inner.get(kind, key)
        }

        fn find<'a, 'b, 'd, 'c>(
            &'a self,
            kind: RecordKind,
            index: &'b str,
            value: &'d str,
        ) -> Boxed<'c, Vec<StoredRecord>>
        where
            'a: 'c,
            'b: 'c,
            'd: 'c,
            Self: 'c,
        {
            self.inner.find(kind, index, value)
        }

        fn scan<'a, 'b, 'c>(
            &'a self,
            kind: RecordKind,
            prefix: &'b str,
        ) -> Boxed<'c, Vec<StoredRecord>>
        where
            'a: 'c,
            'b: 'c,
            Self: 'c,
        {
            self.inner.scan(kind, prefix)
        }

        fn apply<'a, 'c>(&'a self, changes: ChangeSet) -> Boxed<'c, Vec<u64>>
        where
            'a: 'c,
            Self: 'c,
        {
            let writes_versions =
                changes.writes.iter().any(|w| w.target().0 == RecordKind::IndicatorVersion);
            if writes_versions {
                let n = self.version_writes.fetch_add(1, Ordering::SeqCst) + 1;
                let fail_at = self.fail_at.load(Ordering::SeqCst);
                if fail_at != 0 && n >= fail_at {
                    return Box::pin(async { Err(Error::storage("the disk is full")) });
                }
            }
            self.inner.apply(changes)
        }

        fn audit<'a, 'b, 'c>(&'a self, query: &'b AuditQuery) -> Boxed<'c, Vec<AuditRecord>>
        where
            'a: 'c,
            'b: 'c,
            Self: 'c,
        {
            self.inner.audit(query)
        }

        fn last_audit_seq<'a, 'c>(&'a self) -> Boxed<'c, u64>
        where
            'a: 'c,
            Self: 'c,
        {
            self.inner.last_audit_seq()
        }
    }
}
