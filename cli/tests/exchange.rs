//! The data exchange as a library: round trips in every format (on memory, sled and
//! PostgreSQL), refused rows named by their place in the file, dry runs, SDMX-CSV, and
//! paged exports. Each test works on fresh stores.

mod common;

use std::error::Error;

use citypassport_cli::exchange::catalog::CatalogOptions;
use citypassport_cli::exchange::sdmx::{export_sdmx_csv, DEFAULT_DATAFLOW};
use citypassport_cli::exchange::values::{
    export_values, import_values, ValueFilter, ValuesFile, EXPORT_PAGE,
};
use citypassport_cli::exchange::Format;
use citypassport_core::ImportMode;
use common::{
    catalog_export, city, city_on, empty_city_on, export, import, load, Backend, TestResult, VALUES,
};
use rust_xlsxwriter::Workbook;

/// Export from a store holding the test values, import into an empty one, export again.
async fn values_round_trip(backend: Backend, format: Format) -> TestResult {
    let first = city_on(backend).await?;
    import(&first, VALUES.as_bytes(), Format::Csv, ImportMode::Submit).await?;
    let exported = export(&first, format).await?;

    let second = city_on(backend).await?;
    assert!(export(&second, Format::Csv).await?.ends_with(b"not_applicable_reason\n"));
    import(&second, &exported, format, ImportMode::Draft).await?;
    let again = export(&second, format).await?;

    assert_eq!(exported, again, "a {format} export changed on its way through an empty store");
    Ok(())
}

#[tokio::test]
async fn values_exported_as_csv_come_back_identical_through_an_empty_store() -> TestResult {
    values_round_trip(Backend::Memory, Format::Csv).await
}

#[tokio::test]
async fn values_exported_as_json_come_back_identical_through_an_empty_store() -> TestResult {
    values_round_trip(Backend::Memory, Format::Json).await
}

#[tokio::test]
async fn values_exported_as_xlsx_come_back_identical_through_an_empty_store() -> TestResult {
    values_round_trip(Backend::Memory, Format::Xlsx).await
}

/// Every format's round trip of values and of the catalog on one kind of store.
async fn every_round_trip_on(backend: Backend) -> TestResult {
    for format in Format::ALL {
        values_round_trip(backend, format).await?;
        catalog_round_trip(backend, format).await?;
    }
    Ok(())
}

#[tokio::test]
async fn values_and_catalogs_of_every_format_come_back_identical_through_an_empty_sled_store(
) -> TestResult {
    every_round_trip_on(Backend::Sled).await
}

#[tokio::test]
async fn values_and_catalogs_of_every_format_come_back_identical_through_an_empty_postgres_store(
) -> TestResult {
    // Without CITYPASSPORT_TEST_PG_URL this fails and says how to get a server, as the
    // session replay on PostgreSQL does: run `bash scripts/with-postgres.sh cargo test
    // -p citypassport-cli`.
    every_round_trip_on(Backend::Postgres).await
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

async fn catalog_round_trip(backend: Backend, format: Format) -> TestResult {
    let first = city_on(backend).await?;
    let exported = catalog_export(&first, format).await?;

    // A city with the same department and no catalog yet.
    let second = empty_city_on(backend).await?;
    let load = load(&second, &exported, format, CatalogOptions::default()).await?;
    assert_eq!((load.added, load.refused.len()), (4, 0), "{:?}", load.refused);
    let again = catalog_export(&second, format).await?;

    assert_eq!(exported, again, "a {format} catalog changed on its way through an empty store");
    Ok(())
}

#[tokio::test]
async fn a_catalog_exported_as_csv_loads_back_identical() -> TestResult {
    catalog_round_trip(Backend::Memory, Format::Csv).await
}

#[tokio::test]
async fn a_catalog_exported_as_json_loads_back_identical() -> TestResult {
    catalog_round_trip(Backend::Memory, Format::Json).await
}

#[tokio::test]
async fn a_catalog_exported_as_xlsx_loads_back_identical() -> TestResult {
    catalog_round_trip(Backend::Memory, Format::Xlsx).await
}

#[tokio::test]
async fn a_catalog_csv_export_has_the_columns_the_core_reads() -> TestResult {
    let city = city().await?;
    let text = String::from_utf8(catalog_export(&city, Format::Csv).await?)?;
    let mut lines = text.lines();
    // The core's columns first, then the history's, which the core's reader ignores.
    assert_eq!(
        lines.next(),
        Some(
            "code,section,name_ru,unit_ru,okei_code,periodicity,value_kind,due_day,\
             due_months_after,due_days_after,department,min,max,max_change_percent,\
             methodology,first_period,effective_from,retired,change_reason"
        )
    );
    assert!(text.contains("BIRTHS-M,Население,Число родившихся за месяц,человек,792,monthly,integer,,,30,Отдел статистики,0,100000,,,2020-M01,,,\n"), "{text}");
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

#[tokio::test]
async fn text_that_looks_like_a_formula_is_written_to_excel_as_text_and_to_csv_as_is() -> TestResult
{
    use calamine::{Data, Reader};

    let city = empty_city_on(Backend::Memory).await?;
    let catalog = "code,section,name_ru,unit_ru,okei_code,periodicity,methodology,first_period\n\
                   F-1,+7 раздел,=1+1,@человек,792,yearly,-2+3 по данным ЗАГС,2020\n";
    let loaded = load(&city, catalog.as_bytes(), Format::Csv, CatalogOptions::default()).await?;
    assert_eq!(loaded.refused, []);
    common::assign_all(&city).await?;
    let values = "indicator,period,value,not_applicable_reason\nF-1,2024,,=HYPERLINK(\"x\")\n";
    import(&city, values.as_bytes(), Format::Csv, ImportMode::Draft).await?;

    let workbooks = [
        (catalog_export(&city, Format::Xlsx).await?, "catalog"),
        (export(&city, Format::Xlsx).await?, "values"),
    ];
    for (bytes, sheet) in workbooks {
        let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))?;
        let formulas = workbook.worksheet_formula(sheet)?;
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{sheet} holds a formula");
        let cells = workbook.worksheet_range(sheet)?;
        let texts: Vec<&Data> = cells.used_cells().map(|(_, _, cell)| cell).collect();
        assert!(texts.iter().all(|c| matches!(c, Data::String(_))), "{sheet}: {texts:?}");
        let starts =
            |c: &&Data| matches!(c, Data::String(t) if t.starts_with(['=', '+', '-', '@']));
        assert!(texts.iter().any(starts), "{sheet}: {texts:?}");
    }

    // CSV carries the texts exactly, since a round trip must give them back.
    let csv = String::from_utf8(catalog_export(&city, Format::Csv).await?)?;
    assert!(csv.contains("F-1,+7 раздел,=1+1,@человек,792,yearly,"), "{csv}");
    let csv = String::from_utf8(export(&city, Format::Csv).await?)?;
    assert!(csv.contains("F-1,2024,,\"=HYPERLINK(\"\"x\"\")\""), "{csv}");
    Ok(())
}
