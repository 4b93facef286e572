//! The data exchange as a library: round trips in every format, refused rows named by
//! their place in the file, dry runs, SDMX-CSV, and paged exports. Each test works on a
//! fresh store in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::sync::Arc;

use citypassport_cli::exchange::catalog::{export_catalog, load_catalog, CatalogFile};
use citypassport_cli::exchange::sdmx::{export_sdmx_csv, DEFAULT_DATAFLOW};
use citypassport_cli::exchange::values::{
    export_values, import_values, ValueFilter, ValuesFile, EXPORT_PAGE,
};
use citypassport_cli::exchange::Format;
use citypassport_core::{
    AppointmentOrder, DepartmentKind, ImportMode, MemoryStorage, NewAccount, Passport, Role,
    SessionToken,
};
use rust_xlsxwriter::Workbook;

type TestResult = Result<(), Box<dyn Error>>;

const DEPARTMENT: &str = "Отдел статистики";

/// A catalog with every kind of column filled somewhere: kinds, due rules, bounds, a
/// methodology over two lines, first periods.
const CATALOG: &str = "\
code,section,name_ru,unit_ru,okei_code,periodicity,value_kind,due_day,due_months_after,due_days_after,department,min,max,max_change_percent,methodology,first_period
POP,Население,Численность населения,человек,792,yearly,,,,,Отдел статистики,0,,,\"Оценка Росстата
на 1 января\",2020
RATE,Население,\"Коэффициент рождаемости, промилле\",промилле,,yearly,decimal:2,,,,Отдел статистики,,,25.50,,2020
BIRTHS-M,Население,Число родившихся за месяц,человек,792,monthly,,,,30,Отдел статистики,0,100000,,,2020-M01
SHARE-Q,Образование,Доля детей в детских садах,процент,744,quarterly,percent:1,15,2,,,0,100,,,2020-Q1
";

/// Values of every shape: whole numbers, decimals with a comma, grouped thousands,
/// not applicable with a reason that needs quoting.
const VALUES: &str = "\
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

/// The people of a test city and their sessions.
struct City {
    passport: Passport,
    admin: SessionToken,
    chief: SessionToken,
    executor: SessionToken,
    controller: SessionToken,
    viewer: SessionToken,
}

fn order(number: &str) -> AppointmentOrder {
    AppointmentOrder { number: number.into(), date: "2025-01-13".parse().expect("a date") }
}

/// A new city in memory with a department, one account per role, the test catalog
/// loaded and every indicator assigned to the executor.
async fn city() -> Result<City, Box<dyn Error>> {
    let passport = Passport::new(Arc::new(MemoryStorage::new()));
    let password = "test password 2026";
    let setup =
        passport.bootstrap_administrator("admin@city.example", "Администратор", order("1")).await?;
    passport.set_password(&setup, password).await?;
    let admin = passport.login("admin@city.example", password).await?;
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
        passport.set_password(&setup, password).await?;
        sessions.insert(email, (id, passport.login(email, password).await?));
    }

    let chief = sessions["chief@city.example"].1.clone();
    let catalog = CatalogFile::read(CATALOG.as_bytes(), Format::Csv)?;
    load_catalog(&passport, &chief, &catalog, &BTreeMap::new()).await?;
    let executor_id = sessions["executor@city.example"].0.clone();
    for indicator in passport.catalog(&chief).await? {
        passport.assign_executor(&admin, &executor_id, &indicator.code, order("12-р")).await?;
    }
    Ok(City {
        passport,
        admin,
        chief,
        executor: sessions["executor@city.example"].1.clone(),
        controller: sessions["controller@city.example"].1.clone(),
        viewer: sessions["viewer@city.example"].1.clone(),
    })
}

async fn export(city: &City, format: Format) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut out = Vec::new();
    export_values(
        &city.passport,
        &city.viewer,
        format,
        false,
        &ValueFilter::default(),
        &mut out,
        |_| {},
    )
    .await?;
    Ok(out)
}

async fn import(city: &City, bytes: &[u8], format: Format, mode: ImportMode) -> TestResult {
    let file = ValuesFile::read(bytes, format)?;
    let report = import_values(&city.passport, &city.executor, &file, mode).await?;
    assert!(report.refused.is_empty(), "refused: {:?}", report.refused);
    Ok(())
}

/// Export from a store holding the test values, import into an empty one, export again.
async fn values_round_trip(format: Format) -> TestResult {
    let first = city().await?;
    import(&first, VALUES.as_bytes(), Format::Csv, ImportMode::Submit).await?;
    let exported = export(&first, format).await?;

    let second = city().await?;
    assert!(export(&second, Format::Csv).await?.ends_with(b"not_applicable_reason\n"));
    import(&second, &exported, format, ImportMode::Draft).await?;
    let again = export(&second, format).await?;

    assert_eq!(exported, again, "a {format} export changed on its way through an empty store");
    Ok(())
}

#[tokio::test]
async fn values_exported_as_csv_come_back_identical_through_an_empty_store() -> TestResult {
    values_round_trip(Format::Csv).await
}

#[tokio::test]
async fn values_exported_as_json_come_back_identical_through_an_empty_store() -> TestResult {
    values_round_trip(Format::Json).await
}

#[tokio::test]
async fn values_exported_as_xlsx_come_back_identical_through_an_empty_store() -> TestResult {
    values_round_trip(Format::Xlsx).await
}

#[tokio::test]
async fn a_values_export_writes_exact_decimals_in_key_order() -> TestResult {
    let city = city().await?;
    import(&city, VALUES.as_bytes(), Format::Csv, ImportMode::Draft).await?;
    let csv = String::from_utf8(export(&city, Format::Csv).await?)?;
    assert_eq!(
        csv,
        "indicator,period,value,not_applicable_reason\n\
         BIRTHS-M,2026-M01,231,\n\
         BIRTHS-M,2026-M02,0,\n\
         POP,2024,333931,\n\
         POP,2025,335100,\n\
         RATE,2024,8.33,\n\
         RATE,2025,,\"показатель не рассчитывается, нет данных\"\n\
         SHARE-Q,2026-Q1,67.5,\n\
         SHARE-Q,2026-Q2,100,\n"
    );
    Ok(())
}

async fn catalog_round_trip(format: Format) -> TestResult {
    let first = city().await?;
    let mut exported = Vec::new();
    export_catalog(&first.passport, &first.viewer, format, &mut exported).await?;

    // A city with the same department and no catalog yet.
    let passport = Passport::new(Arc::new(MemoryStorage::new()));
    let setup = passport.bootstrap_administrator("a@city.example", "A", order("1")).await?;
    passport.set_password(&setup, "test password 2026").await?;
    let admin = passport.login("a@city.example", "test password 2026").await?;
    passport.create_department(&admin, DEPARTMENT, DepartmentKind::Department).await?;
    let new = NewAccount {
        email: "chief@city.example".into(),
        full_name: "Chief".into(),
        department: None,
        roles: BTreeSet::from([Role::ChiefOfStaff]),
        order: order("2"),
    };
    let (_, setup) = passport.create_account(&admin, new).await?;
    passport.set_password(&setup, "test password 2026").await?;
    let chief = passport.login("chief@city.example", "test password 2026").await?;

    let file = CatalogFile::read(&exported, format)?;
    let load = load_catalog(&passport, &chief, &file, &BTreeMap::new()).await?;
    assert_eq!(load.added, 4);
    let mut again = Vec::new();
    export_catalog(&passport, &chief, format, &mut again).await?;

    assert_eq!(exported, again, "a {format} catalog changed on its way through an empty store");
    Ok(())
}

#[tokio::test]
async fn a_catalog_exported_as_csv_loads_back_identical() -> TestResult {
    catalog_round_trip(Format::Csv).await
}

#[tokio::test]
async fn a_catalog_exported_as_json_loads_back_identical() -> TestResult {
    catalog_round_trip(Format::Json).await
}

#[tokio::test]
async fn a_catalog_exported_as_xlsx_loads_back_identical() -> TestResult {
    catalog_round_trip(Format::Xlsx).await
}

#[tokio::test]
async fn a_catalog_csv_export_has_the_columns_the_core_reads() -> TestResult {
    let city = city().await?;
    let mut exported = Vec::new();
    export_catalog(&city.passport, &city.chief, Format::Csv, &mut exported).await?;
    let text = String::from_utf8(exported)?;
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "code,section,name_ru,unit_ru,okei_code,periodicity,value_kind,due_day,\
             due_months_after,due_days_after,department,min,max,max_change_percent,\
             methodology,first_period"
        )
    );
    assert!(text.contains("BIRTHS-M,Население,Число родившихся за месяц,человек,792,monthly,integer,,,30,Отдел статистики,0,100000,,,2020-M01"), "{text}");
    Ok(())
}

/// A workbook as a clerk fills it in: numbers typed as numbers, a date where a period
/// belongs, a value with two separators, TRUE, an unknown indicator, a blank row.
fn workbook_with_bad_cells() -> Result<Vec<u8>, Box<dyn Error>> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("values")?;
    for (column, header) in
        ["indicator", "period", "value", "not_applicable_reason"].iter().enumerate()
    {
        sheet.write_string(0, column as u16, *header)?;
    }
    // Row 2: good, typed as a number.
    sheet.write_string(1, 0, "POP")?;
    sheet.write_number(1, 1, 2024)?;
    sheet.write_number(1, 2, 333931)?;
    // Row 3: good, a decimal number cell.
    sheet.write_string(2, 0, "RATE")?;
    sheet.write_string(2, 1, "2024")?;
    sheet.write_number(2, 2, 8.33)?;
    // Row 4: two decimal separators.
    sheet.write_string(3, 0, "BIRTHS-M")?;
    sheet.write_string(3, 1, "2026-M01")?;
    sheet.write_string(3, 2, "12,5,1")?;
    // Row 5: TRUE in the value column.
    sheet.write_string(4, 0, "BIRTHS-M")?;
    sheet.write_string(4, 1, "2026-M02")?;
    sheet.write_boolean(4, 2, true)?;
    // Row 6 is left blank. Row 7: an indicator that does not exist.
    sheet.write_string(6, 0, "NOPE")?;
    sheet.write_string(6, 1, "2026")?;
    sheet.write_string(6, 2, "5")?;
    // Row 8: a date where the period belongs.
    sheet.write_string(7, 0, "SHARE-Q")?;
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 7, 1)?;
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(7, 1, &date, &date_format)?;
    sheet.write_string(7, 2, "50")?;
    // Row 9: good, not applicable.
    sheet.write_string(8, 0, "SHARE-Q")?;
    sheet.write_string(8, 1, "2026-Q1")?;
    sheet.write_string(8, 3, "детские сады закрыты на карантин")?;
    Ok(workbook.save_to_buffer()?)
}

#[tokio::test]
async fn a_workbook_with_bad_cells_stores_the_good_rows_and_names_each_bad_cell() -> TestResult {
    let city = city().await?;
    let file = ValuesFile::read(&workbook_with_bad_cells()?, Format::Xlsx)?;
    let report = import_values(&city.passport, &city.executor, &file, ImportMode::Draft).await?;

    let refused: Vec<String> = report.refused.iter().map(ToString::to_string).collect();
    assert_eq!(report.rows, 7, "{refused:?}");
    assert_eq!(report.accepted, 3, "{refused:?}");
    assert!(report.stored);
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused[0].starts_with("row 4, column C (value): '12,5,1'"), "{refused:?}");
    assert!(refused[1].starts_with("row 5, column C (value): the cell holds TRUE"), "{refused:?}");
    assert!(refused[2].starts_with("row 7, column A (indicator): "), "{refused:?}");
    assert!(refused[2].contains("NOPE"), "{refused:?}");
    assert!(
        refused[3].starts_with("row 8, column B (period): the cell holds a date"),
        "{refused:?}"
    );

    let csv = String::from_utf8(export(&city, Format::Csv).await?)?;
    assert_eq!(
        csv,
        "indicator,period,value,not_applicable_reason\n\
         POP,2024,333931,\n\
         RATE,2024,8.33,\n\
         SHARE-Q,2026-Q1,,детские сады закрыты на карантин\n"
    );
    Ok(())
}

#[tokio::test]
async fn a_dry_run_checks_every_row_and_stores_nothing() -> TestResult {
    let city = city().await?;
    let with_a_bad_row = format!("{VALUES}BIRTHS-M,2026-M03,\"12,5\",\n");
    let file = ValuesFile::read(with_a_bad_row.as_bytes(), Format::Csv)?;
    let report = import_values(&city.passport, &city.executor, &file, ImportMode::DryRun).await?;

    assert_eq!((report.rows, report.accepted, report.stored), (9, 8, false));
    assert_eq!(report.refused.len(), 1);
    assert!(
        report.refused[0]
            .to_string()
            .starts_with("line 10, column value: 12.5 is not a whole number"),
        "{}",
        report.refused[0]
    );
    let csv = export(&city, Format::Csv).await?;
    assert_eq!(csv, b"indicator,period,value,not_applicable_reason\n");
    Ok(())
}

#[tokio::test]
async fn an_import_of_only_bad_rows_stores_nothing() -> TestResult {
    let city = city().await?;
    let file =
        ValuesFile::read(b"indicator,period,value\nPOP,2026-M01,1\nNOPE,2026,2\n", Format::Csv)?;
    let report = import_values(&city.passport, &city.executor, &file, ImportMode::Draft).await?;
    assert_eq!((report.accepted, report.stored, report.refused.len()), (0, false, 2));
    assert_eq!(report.refused[0].column.as_deref(), Some("period"));
    Ok(())
}

#[tokio::test]
async fn sdmx_csv_has_the_sdmx_columns_time_formats_and_observation_statuses() -> TestResult {
    let city = city().await?;
    import(&city, VALUES.as_bytes(), Format::Csv, ImportMode::Submit).await?;
    city.passport.accept(&city.controller, "POP", "2024".parse()?).await?;
    city.passport.accept(&city.controller, "RATE", "2025".parse()?).await?;
    // A draft is work in progress and stays out of the export.
    let draft = "indicator,period,value\nBIRTHS-M,2026-M03,250\n";
    import(&city, draft.as_bytes(), Format::Csv, ImportMode::Draft).await?;

    let mut out = Vec::new();
    let filter = ValueFilter::default();
    export_sdmx_csv(&city.passport, &city.viewer, DEFAULT_DATAFLOW, &filter, &mut out, |_| {})
        .await?;
    assert_eq!(
        String::from_utf8(out)?,
        "DATAFLOW,INDICATOR,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),BIRTHS-M,2026-01,231,P,792\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),BIRTHS-M,2026-02,0,P,792\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),POP,2024,333931,A,792\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),POP,2025,335100,P,792\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),RATE,2024,8.33,P,промилле\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),RATE,2025,,M,промилле\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),SHARE-Q,2026-Q1,67.5,P,744\n\
         CITYPASSPORT:CITY_PASSPORT(1.0),SHARE-Q,2026-Q2,100,P,744\n"
    );
    Ok(())
}

#[tokio::test]
async fn an_export_reads_every_page_of_a_large_store_in_order() -> TestResult {
    let city = city().await?;
    // More values than fit in two pages: every month of 1990 to 2089 of one indicator.
    let mut file = String::from("indicator,period,value\n");
    let mut expected = file.clone();
    let months: Vec<String> = (1990..2090)
        .flat_map(|year| (1..=12).map(move |month| format!("{year}-M{month:02}")))
        .collect();
    assert!(months.len() > 2 * EXPORT_PAGE);
    for (n, month) in months.iter().enumerate() {
        file.push_str(&format!("BIRTHS-M,{month},{n}\n"));
        expected.push_str(&format!("BIRTHS-M,{month},{n},\n"));
    }
    import(&city, file.as_bytes(), Format::Csv, ImportMode::Draft).await?;

    let mut pages_read = Vec::new();
    let mut out = Vec::new();
    let written = export_values(
        &city.passport,
        &city.viewer,
        Format::Csv,
        false,
        &ValueFilter::default(),
        &mut out,
        |read| pages_read.push(read),
    )
    .await?;
    assert_eq!(written, months.len());
    assert_eq!(pages_read.len(), months.len() / EXPORT_PAGE + 1);
    let header = "indicator,period,value,not_applicable_reason\n";
    assert_eq!(String::from_utf8(out)?, expected.replacen("indicator,period,value\n", header, 1));
    Ok(())
}

#[tokio::test]
async fn the_administrator_cannot_import_values() -> TestResult {
    let city = city().await?;
    let file = ValuesFile::read(VALUES.as_bytes(), Format::Csv)?;
    let error = import_values(&city.passport, &city.admin, &file, ImportMode::Draft)
        .await
        .expect_err("an administrator never enters values");
    assert!(error.to_string().contains("permission denied"), "{error}");
    Ok(())
}
