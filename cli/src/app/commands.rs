//! What each command does.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use citypassport_cli::exchange::catalog::{
    export_catalog, load_catalog, CatalogFile, CatalogImport, CatalogOptions,
};
use citypassport_cli::exchange::sdmx::{export_sdmx_csv, SDMX_STATUSES};
use citypassport_cli::exchange::values::{
    check_in_chunks, export_values, import_values, ValueFilter, ValuesFile, CHECK_CHUNK,
};
use citypassport_cli::exchange::{ExchangeError, Format};
use citypassport_cli::store::StoreSpec;
use citypassport_core::storage::RecordKind;
use citypassport_core::{
    render_table, AccountSummary, AppointmentOrder, AuditQuery, Department, Entry, Id, ImportMode,
    NewAccount, Passport, Periodicity, Secret, SessionToken, Settings, SystemClock, ValueStatus,
};
use serde_json::{json, Value as Json};

use super::args::{
    AccountCommand, AssignArgs, AuditCommand, AuditListArgs, CalendarCommand, CalendarFormat,
    CatalogCommand, Command, DepartmentCommand, ExportFormat, FileFormat, Global, InitArgs,
    OutputArgs, OutputFormat, ReportArgs, ReportFormat, ValuesCommand, ValuesExportArgs,
    ValuesImportArgs,
};
use super::files::{self, PendingFile};
use super::output::{print_out, Listing};
use super::{secrets, Failure};

/// The opened store and the options every command shares.
struct Context<'a> {
    global: &'a Global,
    spec: StoreSpec,
    passport: Passport,
}

/// Runs one command with the global options.
pub async fn run(global: &Global, command: &Command) -> Result<(), Failure> {
    let context = open(global).await?;
    match command {
        Command::Init(args) => init(&context, args).await,
        Command::SetPassword => set_password(&context).await,
        command => {
            let token = login(&context).await?;
            let outcome = logged_in(&context, &token, command).await;
            // The session would expire by itself; ending it now leaves nothing behind.
            let _ = context.passport.logout(&token).await;
            outcome
        }
    }
}

async fn open(global: &Global) -> Result<Context<'_>, Failure> {
    let store = global.store.as_deref().ok_or_else(|| {
        Failure::Usage(
            "no store given: pass --store sled:PATH (or postgres://...) or set CITYPASSPORT_STORE"
                .into(),
        )
    })?;
    let spec = store.parse::<StoreSpec>()?.with_schema(global.schema.clone());
    let storage = spec.open().await?;
    let settings = Settings { time_zone: global.time_zone, ..Settings::default() };
    let passport = Passport::with_settings(storage, Arc::new(SystemClock), settings);
    Ok(Context { global, spec, passport })
}

fn email(global: &Global) -> Result<&str, Failure> {
    global.email.as_deref().ok_or_else(|| {
        Failure::Usage("this command needs a login: pass --email or set CITYPASSPORT_EMAIL".into())
    })
}

async fn login(context: &Context<'_>) -> Result<SessionToken, Failure> {
    let email = email(context.global)?;
    let password = secrets::login_password(email, context.global.password_stdin)?;
    Ok(context.passport.login(email, &password).await?)
}

async fn logged_in(
    context: &Context<'_>,
    token: &SessionToken,
    command: &Command,
) -> Result<(), Failure> {
    let passport = &context.passport;
    match command {
        Command::Init(_) | Command::SetPassword => unreachable!("handled without a login"),
        Command::Whoami(args) => {
            let me = passport.whoami(token).await?;
            let departments = department_names(passport, token).await?;
            let mut listing = account_listing();
            listing.push(account_row(&me, &departments));
            listing.print(args.format)
        }
        Command::Catalog(CatalogCommand::Load(args)) => {
            let format = file_format(&args.file, args.format)?;
            let file = read_with_spinner(&args.file, |bytes| CatalogFile::read(bytes, format))?;
            let mut sections = BTreeMap::new();
            for pair in &args.section_department {
                let (section, department) = pair.split_once('=').ok_or_else(|| {
                    Failure::Usage(format!(
                        "--section-department '{pair}' is not SECTION=DEPARTMENT"
                    ))
                })?;
                let department = passport.department_by_name(token, department).await?;
                sections.insert(section.trim().to_string(), department.id);
            }
            let options =
                CatalogOptions { dry_run: args.dry_run, retirements: !args.without_retirements };
            let verb = if args.dry_run { "checking" } else { "checking and storing" };
            let spinner = files::spinner(&format!("{verb} {} rows", file.len()));
            let load = load_catalog(passport, token, &file, &sections, options).await;
            spinner.finish_and_clear();
            report_catalog_load(&load?, options)
        }
        Command::Catalog(CatalogCommand::Export(args)) => {
            let format = file_format(&args.file, args.format)?;
            let count = if files::is_stdout(&args.file) {
                refuse_workbook_on_terminal(format)?;
                let mut out = files::stdout();
                let count = export_catalog(passport, token, format, &mut out).await?;
                files::finish_stdout(out)?;
                count
            } else {
                let mut pending = PendingFile::create(&args.file)?;
                let count = export_catalog(passport, token, format, pending.writer()).await?;
                pending.commit()?;
                count
            };
            eprintln!(
                "Exported the catalog: {} indicators ({} of them retired), one row per version, \
                 {} rows.",
                count.indicators, count.retired, count.rows
            );
            Ok(())
        }
        Command::Catalog(CatalogCommand::List(args)) => {
            let departments = department_names(passport, token).await?;
            let mut listing = Listing::new(&[
                "code",
                "name",
                "section",
                "unit",
                "periodicity",
                "kind",
                "department",
                "first_period",
            ]);
            for indicator in passport.catalog(token).await? {
                listing.push(vec![
                    json!(indicator.code),
                    json!(indicator.name),
                    json!(indicator.section),
                    json!(indicator.unit.name),
                    json!(indicator.periodicity.as_str()),
                    json!(indicator.kind.to_code()),
                    json!(indicator.department.as_ref().and_then(|d| departments.get(d))),
                    json!(indicator.first_period.map(|p| p.to_string())),
                ]);
            }
            listing.print(args.format)
        }
        Command::Calendar(CalendarCommand::Load(args)) => {
            let extension = args.file.extension().and_then(|e| e.to_str()).unwrap_or_default();
            let format = match (args.format, extension.to_ascii_lowercase().as_str()) {
                (Some(format), _) => format,
                (None, "csv") => CalendarFormat::Csv,
                (None, "xml") => CalendarFormat::Xml,
                _ => {
                    return Err(Failure::Usage(format!(
                        "cannot tell the format of {} from its name; pass --format csv or xml",
                        args.file.display()
                    )))
                }
            };
            let bytes = files::read(&args.file)?;
            let years = match format {
                CalendarFormat::Csv => passport.load_calendar_csv(token, bytes.as_slice()).await?,
                CalendarFormat::Xml => {
                    let text = String::from_utf8(bytes).map_err(|_| {
                        Failure::Runtime(format!("{} is not UTF-8 text", args.file.display()))
                    })?;
                    passport.load_calendar_xml(token, &text).await?
                }
            };
            let list: Vec<String> = years.years.iter().map(i32::to_string).collect();
            eprintln!(
                "Loaded the working-day calendar of {} ({} days that differ from the usual week).",
                list.join(", "),
                years.days
            );
            Ok(())
        }
        Command::Department(DepartmentCommand::Add(args)) => {
            let department = passport.create_department(token, &args.name, args.kind).await?;
            eprintln!("Added the department '{}'.", department.name);
            print_out(&format!("{}\n", department.id))
        }
        Command::Department(DepartmentCommand::Load(args)) => {
            load_departments(passport, token, &args.file).await
        }
        Command::Department(DepartmentCommand::List(args)) => {
            let mut listing = Listing::new(&["id", "name", "kind"]);
            for department in passport.departments(token).await? {
                listing.push(vec![
                    json!(department.id),
                    json!(department.name),
                    json!(department.kind),
                ]);
            }
            listing.print(args.format)
        }
        Command::Account(AccountCommand::Create(args)) => {
            let department = match &args.department {
                Some(name) => Some(passport.department_by_name(token, name).await?.id),
                None => None,
            };
            let new = NewAccount {
                email: args.email.clone(),
                full_name: args.name.clone(),
                department,
                roles: args.roles.iter().copied().collect(),
                order: AppointmentOrder { number: args.order.clone(), date: args.order_date },
            };
            let (id, setup) = passport.create_account(token, new).await?;
            eprintln!(
                "Created account {id}. Its setup token follows; it is shown only this once and \
                 works for {} days. Hand it to the person, who runs 'citypassport set-password'.",
                passport.settings().setup_token_lifetime.num_days()
            );
            print_out(&format!("{}\n", setup.expose()))
        }
        Command::Account(AccountCommand::Deactivate(args)) => {
            let account = resolve_account(passport, token, &args.account).await?;
            passport.deactivate_account(token, &account, &args.reason).await?;
            eprintln!(
                "Deactivated account {account}: its sessions ended, its e-mail and password \
                 were erased, its assignments ended."
            );
            Ok(())
        }
        Command::Account(AccountCommand::SetupToken(args)) => {
            let account = resolve_account(passport, token, &args.account).await?;
            let setup = passport.issue_setup_token(token, &account).await?;
            eprintln!(
                "Issued a new setup token for account {account}; its sessions ended. The token \
                 follows and is shown only this once."
            );
            print_out(&format!("{}\n", setup.expose()))
        }
        Command::Account(AccountCommand::List(args)) => {
            let departments = department_names(passport, token).await?;
            let mut listing = account_listing();
            for account in passport.accounts(token).await? {
                listing.push(account_row(&account, &departments));
            }
            listing.print(args.format)
        }
        Command::Assign(args) => assign(passport, token, args).await,
        Command::Values(ValuesCommand::Import(args)) => values_import(passport, token, args).await,
        Command::Values(ValuesCommand::Export(args)) => values_export(passport, token, args).await,
        Command::Passport(args) => {
            let rows = passport.period_passport(token, args.period).await?;
            if args.format == OutputFormat::Table {
                return print_out(&render_table(&rows));
            }
            let mut listing = Listing::new(&[
                "code",
                "indicator",
                "unit",
                "period",
                "value",
                "not_applicable_reason",
                "status",
            ]);
            for row in &rows {
                let (value, reason) = match row.value.as_ref().map(|v| &v.entry) {
                    Some(Entry::Amount { amount }) => (Some(amount.to_string()), None),
                    Some(Entry::NotApplicable { reason }) => (None, Some(reason.clone())),
                    None => (None, None),
                };
                listing.push(vec![
                    json!(row.indicator.code),
                    json!(row.indicator.name),
                    json!(row.indicator.unit.name),
                    json!(row.period.to_string()),
                    json!(value),
                    json!(reason),
                    json!(row.status_label()),
                ]);
            }
            listing.print(args.format)
        }
        Command::Report(args) => report(passport, token, args).await,
        Command::Audit(AuditCommand::List(args)) => audit_list(context, token, args).await,
        Command::Audit(AuditCommand::Verify(args)) => audit_verify(context, token, args).await,
    }
}

async fn init(context: &Context<'_>, args: &InitArgs) -> Result<(), Failure> {
    let email = context.global.email.as_deref().ok_or_else(|| {
        Failure::Usage("init needs --email: the first administrator's e-mail".into())
    })?;
    let order = AppointmentOrder { number: args.order.clone(), date: args.order_date };
    let setup = context.passport.bootstrap_administrator(email, &args.name, order).await?;
    eprintln!(
        "Created the store {} with its first administrator. The setup token follows; it is \
         shown only this once and works for {} days. Set the password with \
         'citypassport set-password'.",
        context.spec,
        context.passport.settings().setup_token_lifetime.num_days()
    );
    print_out(&format!("{}\n", setup.expose()))
}

async fn set_password(context: &Context<'_>) -> Result<(), Failure> {
    let token = secrets::setup_token()?;
    let password = secrets::new_password(context.global.password_stdin)?;
    context.passport.set_password(&Secret::from_string(token), &password).await?;
    eprintln!("Password set. Log in with --email and this password.");
    Ok(())
}

/// Reads a file and turns it into what `parse` makes of it, with a spinner meanwhile:
/// a large workbook takes a while to open and nothing tells how far it is.
fn read_with_spinner<T>(
    path: &Path,
    parse: impl FnOnce(&[u8]) -> Result<T, ExchangeError>,
) -> Result<T, Failure> {
    let spinner = files::spinner(&format!("reading {}", path.display()));
    let read = files::read(path).and_then(|bytes| Ok(parse(&bytes)?));
    spinner.finish_and_clear();
    read
}

/// The format a file's name or the `--format` option gives; `-` (standard input or
/// output) is CSV.
fn file_format(path: &Path, given: Option<FileFormat>) -> Result<Format, Failure> {
    match given {
        Some(FileFormat::Csv) => Ok(Format::Csv),
        Some(FileFormat::Json) => Ok(Format::Json),
        Some(FileFormat::Xlsx) => Ok(Format::Xlsx),
        // Standard input and output are CSV unless told otherwise, as for most tools.
        None if path == Path::new("-") => Ok(Format::Csv),
        None => Format::from_path(path).ok_or_else(|| {
            Failure::Usage(format!(
                "cannot tell the format of {} from its name; pass --format csv, json or xlsx",
                path.display()
            ))
        }),
    }
}

/// A workbook is binary: written to a terminal it would only garble it.
fn refuse_workbook_on_terminal(format: Format) -> Result<(), Failure> {
    if format == Format::Xlsx && std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "an Excel workbook cannot be shown on the terminal; give a file name".into(),
        ));
    }
    Ok(())
}

async fn department_names(
    passport: &Passport,
    token: &SessionToken,
) -> Result<BTreeMap<Id, String>, Failure> {
    Ok(passport.departments(token).await?.into_iter().map(|d| (d.id, d.name)).collect())
}

fn account_listing() -> Listing {
    Listing::new(&["id", "email", "name", "roles", "department", "active", "password_set"])
}

fn account_row(account: &AccountSummary, departments: &BTreeMap<Id, String>) -> Vec<Json> {
    let roles: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
    vec![
        json!(account.id),
        json!(account.email),
        json!(account.full_name),
        json!(roles),
        json!(account.department.as_ref().and_then(|d| departments.get(d))),
        json!(if account.active { "yes" } else { "no" }),
        json!(if account.has_password { "yes" } else { "no" }),
    ]
}

/// An account named by e-mail (any case) or by id.
async fn resolve_account(
    passport: &Passport,
    token: &SessionToken,
    given: &str,
) -> Result<Id, Failure> {
    let given = given.trim();
    if !given.contains('@') {
        return Ok(Id::from(given));
    }
    let wanted = given.to_lowercase();
    passport
        .accounts(token)
        .await?
        .into_iter()
        .find(|a| a.email.as_deref() == Some(wanted.as_str()))
        .map(|a| a.id)
        .ok_or_else(|| {
            Failure::Runtime(
                "no active account has the e-mail given (a deactivated account is found by its \
                 id only; see 'citypassport account list')"
                    .into(),
            )
        })
}

async fn load_departments(
    passport: &Passport,
    token: &SessionToken,
    path: &Path,
) -> Result<(), Failure> {
    let bytes = files::read(path)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let unreadable = |e: csv::Error| Failure::Runtime(format!("{}: {e}", path.display()));
    let headers = reader.headers().map_err(unreadable)?.clone();
    let name_column =
        headers.iter().position(|h| h == "name_ru" || h == "name").ok_or_else(|| {
            Failure::Runtime(format!("{} has no 'name_ru' or 'name' column", path.display()))
        })?;
    let kind_column = headers.iter().position(|h| h == "kind");

    // Check every line before adding any, so that a bad line adds nothing.
    let mut wanted = Vec::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let line = record.position().map_or(0, |p| p.line());
        let name = record.get(name_column).unwrap_or_default().to_string();
        let kind = kind_column
            .and_then(|c| record.get(c))
            .filter(|k| !k.is_empty())
            .unwrap_or("department")
            .parse()
            .map_err(|e| Failure::Runtime(format!("{} line {line}: {e}", path.display())))?;
        wanted.push((name, kind));
    }
    let existing: Vec<Department> = passport.departments(token).await?;
    let (mut added, mut present) = (0, 0);
    // Each department is its own atomic step; run the command again after a failure
    // and the ones already added are skipped.
    for (name, kind) in wanted {
        if existing.iter().any(|d| d.name == name.trim()) {
            present += 1;
            continue;
        }
        passport.create_department(token, &name, kind).await?;
        added += 1;
    }
    eprintln!("Added {added} departments ({present} were already there).");
    Ok(())
}

async fn assign(
    passport: &Passport,
    token: &SessionToken,
    args: &AssignArgs,
) -> Result<(), Failure> {
    let executor = resolve_account(passport, token, &args.executor).await?;
    let mut codes = args.indicators.clone();
    if let Some(section) = &args.section {
        let in_section: Vec<String> = passport
            .catalog(token)
            .await?
            .into_iter()
            .filter(|i| i.section == section.trim())
            .map(|i| i.code)
            .collect();
        if in_section.is_empty() {
            return Err(Failure::Runtime(format!("the catalog has no section '{section}'")));
        }
        codes.extend(in_section);
    }
    let order = AppointmentOrder { number: args.order.clone(), date: args.order_date };
    let (mut assigned, mut present) = (0, 0);
    for code in &codes {
        match passport.assign_executor(token, &executor, code, order.clone()).await {
            Ok(_) => assigned += 1,
            // Assigning again is harmless, so that a list can be rerun after a failure.
            Err(citypassport_core::Error::AlreadyExists { .. }) => present += 1,
            Err(error) => {
                eprintln!("Assigned {assigned} indicators before the failure.");
                return Err(error.into());
            }
        }
    }
    eprintln!(
        "Assigned account {executor} to {assigned} indicators from {} ({present} were already \
         assigned).",
        args.order_date
    );
    Ok(())
}

/// Prints what a catalog load did; refused rows give exit status 3.
fn report_catalog_load(load: &CatalogImport, options: CatalogOptions) -> Result<(), Failure> {
    for refusal in &load.refused {
        eprintln!("refused: {refusal}");
    }
    let stored = match (options.dry_run, load.stored) {
        (true, _) => "a dry run: nothing was stored",
        (false, true) => "stored",
        (false, false) => "nothing was stored",
    };
    let mut held = String::new();
    if load.held_back > 0 {
        held = format!(
            "; {} rows held back by --without-retirements (load the file again without it to \
             store them)",
            load.held_back
        );
    }
    eprintln!(
        "{} rows read: {} new indicators, {} later versions (changes and retirements), {} rows \
         already in the store, {} refused; {} new sections{held}; {stored}.",
        load.rows,
        load.added,
        load.versions_added,
        load.unchanged,
        load.refused.len(),
        load.sections_added
    );
    if load.refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::RowsRefused)
    }
}

async fn values_import(
    passport: &Passport,
    token: &SessionToken,
    args: &ValuesImportArgs,
) -> Result<(), Failure> {
    if args.dry_run && args.submit {
        return Err(Failure::Usage("--dry-run stores nothing, so it cannot --submit".into()));
    }
    let format = file_format(&args.file, args.format)?;
    let file = read_with_spinner(&args.file, |bytes| ValuesFile::read(bytes, format))?;
    let mode = match (args.dry_run, args.submit) {
        (true, _) => ImportMode::DryRun,
        (false, true) => ImportMode::Submit,
        (false, false) => ImportMode::Draft,
    };

    // The passport checks and stores a file in one call that reports nothing while it
    // runs. Where someone watches, the rows are first checked in chunks to move a bar:
    // a second pass over the checks (a tenth of the time of an import that stores, as
    // much again for a dry run), paid only where the bar is seen.
    let checking = files::bar("checking rows", file.len());
    if !checking.is_hidden() && file.len() > CHECK_CHUNK {
        let checked = check_in_chunks(passport, token, &file, |done| {
            checking.set_position(done as u64);
        })
        .await;
        checking.finish_and_clear();
        checked?;
    }
    let verb = if args.dry_run { "checking" } else { "checking and storing" };
    let storing = files::spinner(&format!("{verb} {} rows in one atomic write", file.len()));
    let outcome = import_values(passport, token, &file, mode).await;
    storing.finish_and_clear();
    let report = outcome?;

    for refusal in &report.refused {
        eprintln!("refused: {refusal}");
    }
    let stored = match (report.stored, mode) {
        (_, ImportMode::DryRun) => "a dry run: nothing was stored".to_string(),
        (false, _) => "nothing was stored".to_string(),
        (true, ImportMode::Submit) => format!("{} values stored and submitted", report.accepted),
        (true, _) => format!("{} values stored as drafts", report.accepted),
    };
    eprintln!(
        "{} rows read: {} passed, {} refused; {stored}.",
        report.rows,
        report.accepted,
        report.refused.len()
    );
    if report.refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::RowsRefused)
    }
}

async fn values_export(
    passport: &Passport,
    token: &SessionToken,
    args: &ValuesExportArgs,
) -> Result<(), Failure> {
    let format = match args.format {
        Some(ExportFormat::Csv) => Some(Format::Csv),
        Some(ExportFormat::Json) => Some(Format::Json),
        Some(ExportFormat::Xlsx) => Some(Format::Xlsx),
        Some(ExportFormat::Sdmx) => None,
        None => Some(file_format(&args.file, None)?),
    };
    let statuses: Vec<ValueStatus> = args.statuses.iter().map(|s| (*s).into()).collect();
    if format.is_none() {
        if let Some(status) = statuses.iter().find(|s| !SDMX_STATUSES.contains(s)) {
            return Err(Failure::Usage(format!(
                "SDMX-CSV takes accepted and submitted values only, not {status} ones"
            )));
        }
    }
    let filter =
        ValueFilter { statuses, indicator: args.indicator.clone(), from: args.from, to: args.to };

    // The store is read page by page and no page says how many values follow: a count.
    let bar = files::counter("exporting values, read so far");
    let progress = |read: usize| bar.set_position(read as u64);
    let written = if files::is_stdout(&args.file) {
        if let Some(format) = format {
            refuse_workbook_on_terminal(format)?;
        }
        let mut out = files::stdout();
        let written = export_to(passport, token, args, format, &filter, &mut out, progress).await;
        bar.finish_and_clear();
        let written = written?;
        files::finish_stdout(out)?;
        written
    } else {
        let mut pending = PendingFile::create(&args.file)?;
        let written =
            export_to(passport, token, args, format, &filter, pending.writer(), progress).await;
        bar.finish_and_clear();
        let written = written?;
        pending.commit()?;
        written
    };
    eprintln!("Exported {written} values.");
    Ok(())
}

/// Writes the export of `args` in `format` (SDMX-CSV when none) into `out`.
async fn export_to<W: Write + Send>(
    passport: &Passport,
    token: &SessionToken,
    args: &ValuesExportArgs,
    format: Option<Format>,
    filter: &ValueFilter,
    out: W,
    progress: impl FnMut(usize),
) -> Result<usize, Failure> {
    Ok(match format {
        Some(format) => {
            export_values(passport, token, format, args.with_status, filter, out, progress).await?
        }
        None => export_sdmx_csv(passport, token, &args.dataflow, filter, out, progress).await?,
    })
}

async fn report(
    passport: &Passport,
    token: &SessionToken,
    args: &ReportArgs,
) -> Result<(), Failure> {
    if args.quarter.periodicity() != Periodicity::Quarterly {
        return Err(Failure::Usage(format!(
            "{} is not a quarter; the report is made for a quarter, e.g. {}-Q3",
            args.quarter,
            args.quarter.year()
        )));
    }
    if args.violations && args.format != ReportFormat::Csv {
        return Err(Failure::Usage("--violations goes with --format csv".into()));
    }
    let report = passport.quarterly_report(token, args.quarter).await?;
    let text = match args.format {
        ReportFormat::Text => report.to_text(),
        ReportFormat::Markdown => report.to_markdown(),
        ReportFormat::Csv if args.violations => report.violations_to_csv(),
        ReportFormat::Csv => report.to_csv(),
        ReportFormat::Json => {
            serde_json::to_string_pretty(&report).expect("the report serializes") + "\n"
        }
    };
    print_out(&text)
}

/// An instant given as a day (midnight in the city's time zone) or in RFC 3339.
fn instant(text: &str, context: &Context<'_>, option: &str) -> Result<DateTime<Utc>, Failure> {
    if let Ok(day) = text.parse::<NaiveDate>() {
        let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        if let Some(at) = context.global.time_zone.from_local_datetime(&midnight).earliest() {
            return Ok(at.to_utc());
        }
    }
    DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).map_err(|_| {
        Failure::Usage(format!(
            "{option} '{text}' is neither a day (2026-07-01) nor an instant \
             (2026-07-01T09:00:00+03:00)"
        ))
    })
}

async fn audit_list(
    context: &Context<'_>,
    token: &SessionToken,
    args: &AuditListArgs,
) -> Result<(), Failure> {
    let passport = &context.passport;
    let kind = match &args.kind {
        Some(name) => Some(RecordKind::from_name(name.trim()).ok_or_else(|| {
            let names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
            Failure::Usage(format!("--kind '{name}' is not one of {}", names.join(", ")))
        })?),
        None => None,
    };
    let actor = match &args.actor {
        Some(given) => Some(resolve_account(passport, token, given).await?),
        None => None,
    };
    let query = AuditQuery {
        after_seq: args.after,
        from: args.from.as_deref().map(|t| instant(t, context, "--from")).transpose()?,
        to: args.to.as_deref().map(|t| instant(t, context, "--to")).transpose()?,
        actor,
        kind,
        key: None,
        limit: Some(args.limit),
    };
    let records = passport.audit_log(token, &query).await?;
    if args.format == OutputFormat::Json {
        let text = serde_json::to_string_pretty(&records).expect("audit records serialize");
        return print_out(&(text + "\n"));
    }

    // Actors by name; an account that cannot be read (a viewer's view) shows its id.
    let names: BTreeMap<Id, String> = passport
        .accounts(token)
        .await
        .map(|all| all.into_iter().map(|a| (a.id, a.full_name)).collect())
        .unwrap_or_default();
    let mut listing = Listing::new(&["seq", "at", "actor", "action", "kind", "key"]);
    for record in &records {
        let entry = &record.entry;
        let actor = entry.actor.as_ref().map(|id| names.get(id).cloned().unwrap_or(id.to_string()));
        listing.push(vec![
            json!(record.seq),
            json!(entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            json!(actor),
            json!(entry.action),
            json!(entry.kind.as_str()),
            json!(entry.key),
        ]);
    }
    listing.print(args.format)
}

async fn audit_verify(
    context: &Context<'_>,
    token: &SessionToken,
    args: &OutputArgs,
) -> Result<(), Failure> {
    let verification = context.passport.verify_audit_log(token).await?;
    let mut listing = Listing::new(&["records checked", "last hash", "first broken", "problem"]);
    listing.push(vec![
        json!(verification.records_checked),
        json!(verification.head_hash),
        json!(verification.first_broken),
        json!(verification.problem),
    ]);
    listing.print(args.format)?;
    match (verification.first_broken, &verification.problem) {
        (None, _) => Ok(()),
        (Some(seq), problem) => Err(Failure::Runtime(format!(
            "the audit log is broken at record {seq}: {}",
            problem.as_deref().unwrap_or("altered or removed")
        ))),
    }
}
