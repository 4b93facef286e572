//! The command line: every command, option and help text.

use std::path::PathBuf;

use chrono::NaiveDate;
use chrono_tz::Tz;
use citypassport_core::{DepartmentKind, Period, Role, ValueStatus};
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "The administrator's tool of the electronic city passport.";

const LONG_ABOUT: &str = "\
The administrator's tool of the electronic city passport: create a store, load the \
catalog of indicators and the working-day calendar, manage departments, accounts and \
executors' assignments, import and export values (CSV, JSON, Excel, SDMX-CSV), and print \
a period's passport and the quarterly report.

Every command works on one store, named with --store or CITYPASSPORT_STORE:
  sled:PATH                      a folder on this computer (created on first use)
  postgres://USER@HOST/DATABASE  a PostgreSQL database (tables in --schema, if given)

Commands that read or change the passport log in first: --email (or CITYPASSPORT_EMAIL) \
names the account, and the password comes from standard input with --password-stdin, \
else from the CITYPASSPORT_PASSWORD variable, else from a prompt that does not echo. It \
is never taken as an argument and never printed. Each command logs out when it is done.

Who may do what follows the roles: the administrator manages accounts, departments, \
assignments and the calendar; the chief of staff loads the catalog; executors import \
values; viewers, controllers and the chief of staff read values and reports.

Listings print a table, or JSON or CSV with --format. Results go to standard output, \
messages and progress bars to standard error (bars only when it is a terminal).";

/// The first line of the example session in `--help`; the example runs from the line
/// after it to the first blank line. The tests find it by this line.
pub const EXAMPLE_HEADING: &str = "Example: from an empty folder to a quarterly report";

/// The example session, printed after `--help` as it is: clap would wrap its lines to
/// the terminal's width and break the commands.
const EXAMPLE_SESSION: &str = "\
# Paste this block into bash in an empty folder, as it is. So that it runs without
# stopping, every account of the trial gets the password in CITYPASSPORT_PASSWORD,
# and each setup token goes from the command that prints it to set-password. In real
# use run one command at a time, without the variable: the tool asks for tokens and
# passwords at prompts that do not echo.
export CITYPASSPORT_STORE=sled:passport-store
export CITYPASSPORT_PASSWORD='trial password 2026'
token=$(citypassport init --email admin@city.example --name \"Администратор ИС\" \\
    --order 1-ИС --order-date 2026-01-12)
echo \"$CITYPASSPORT_PASSWORD\" | CITYPASSPORT_SETUP_TOKEN=$token \\
    citypassport set-password --password-stdin
export CITYPASSPORT_EMAIL=admin@city.example     # the administrator from now on
citypassport department add \"Отдел статистики\"
token=$(citypassport account create chief@city.example \\
    --name \"Руководитель аппарата\" --role chief_of_staff \\
    --order 7-к --order-date 2026-01-12)
echo \"$CITYPASSPORT_PASSWORD\" | CITYPASSPORT_SETUP_TOKEN=$token \\
    citypassport set-password --password-stdin
token=$(citypassport account create executor@city.example --name \"Исполнитель\" \\
    --role executor --department \"Отдел статистики\" \\
    --order 7-к --order-date 2026-01-12)
echo \"$CITYPASSPORT_PASSWORD\" | CITYPASSPORT_SETUP_TOKEN=$token \\
    citypassport set-password --password-stdin
cat > catalog.csv <<'EOF'
code,section,name_ru,unit_ru,okei_code,periodicity,department,first_period
BIRTHS-M,Население,Число родившихся,человек,792,monthly,Отдел статистики,2026-M06
EOF
citypassport --email chief@city.example catalog load catalog.csv --dry-run
citypassport --email chief@city.example catalog load catalog.csv
citypassport assign --executor executor@city.example --section Население \\
    --order 12-р --order-date 2026-01-12
cat > values.csv <<'EOF'
indicator,period,value,not_applicable_reason
BIRTHS-M,2026-M06,231,
BIRTHS-M,2026-M07,252,
BIRTHS-M,2026-M08,,отдел ЗАГС закрыт на ремонт
EOF
citypassport --email executor@city.example values import values.csv --dry-run
citypassport --email executor@city.example values import values.csv --submit
citypassport --email chief@city.example passport 2026-M07
citypassport --email chief@city.example values export observations.csv --format sdmx
citypassport --email chief@city.example report 2026-Q3

The federal working-day calendar of 2019-2026 is built in; load another year with
'citypassport calendar load FILE'. 'citypassport audit verify' checks the audit log.
cli/README.md shows this session with what each command prints.

Exit status: 0 done; 1 failed (the failing step changed nothing); 2 wrong usage;
3 an import refused some rows (of values or of a catalog: each is listed, and the good
rows were stored unless it was --dry-run).";

/// The `citypassport` command line.
#[derive(Debug, Parser)]
#[command(
    name = "citypassport",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = "Run 'citypassport --help' for an example session from an empty folder to a report.",
    after_long_help = EXAMPLE_HEADING,
    propagate_version = true
)]
pub struct Cli {
    /// The global options.
    #[command(flatten)]
    pub global: Global,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether `error` is clap's way of showing the long help of the whole tool
    /// (`citypassport --help` or `citypassport help`), which [`Cli::long_help`] extends.
    pub fn is_long_help(error: &clap::Error) -> bool {
        error.kind() == ErrorKind::DisplayHelp
            && error.render().to_string() == Cli::command().render_long_help().to_string()
    }

    /// The whole help of the tool: clap's, wrapped to the terminal, then the example
    /// session as it is written. Clap would wrap the example's lines too and break the
    /// commands, so they are printed after its help.
    pub fn long_help() -> String {
        let mut command = Cli::command().after_help(None::<&str>).after_long_help(None::<&str>);
        let help = command.render_long_help().to_string();
        format!("{}\n\n{EXAMPLE_HEADING}\n\n{EXAMPLE_SESSION}\n", help.trim_end())
    }
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The store: sled:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE
    #[arg(long, env = "CITYPASSPORT_STORE", global = true, hide_env_values = true)]
    pub store: Option<String>,

    /// The PostgreSQL schema that holds the tables (default: the role's search path)
    #[arg(long, env = "CITYPASSPORT_PG_SCHEMA", global = true)]
    pub schema: Option<String>,

    /// The e-mail to log in with (for init: the first administrator's e-mail)
    #[arg(long, env = "CITYPASSPORT_EMAIL", global = true)]
    pub email: Option<String>,

    /// Read the password from the first line of standard input instead of a prompt
    #[arg(long, global = true)]
    pub password_stdin: bool,

    /// The city's time zone, in which deadlines and dates are read
    #[arg(long, env = "CITYPASSPORT_TIME_ZONE", global = true, default_value = "Europe/Moscow")]
    pub time_zone: Tz,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a store and its first administrator, and print their setup token once
    #[command(long_about = "Create a store and its first administrator (the --email given), \
        and print the administrator's one-time setup token. It is shown only this once and \
        works for 7 days: run 'citypassport set-password' with it next. Refused on a store \
        that already has accounts.")]
    Init(InitArgs),

    /// Set your password with the setup token the administrator gave you
    #[command(long_about = "Set a password with a one-time setup token (from 'init', \
        'account create' or 'account setup-token'). The token is read from the \
        CITYPASSPORT_SETUP_TOKEN variable or asked for without echo; the password is asked \
        for twice without echo, or read from the first line of standard input with \
        --password-stdin. Passwords have 10 to 128 characters.")]
    SetPassword,

    /// Show the account you log in as
    Whoami(OutputArgs),

    /// Load or export the catalog of indicators
    #[command(subcommand)]
    Catalog(CatalogCommand),

    /// Load a year's working-day calendar
    #[command(subcommand)]
    Calendar(CalendarCommand),

    /// Add and list departments and municipal institutions
    #[command(subcommand)]
    Department(DepartmentCommand),

    /// Create, deactivate and list accounts
    #[command(subcommand)]
    Account(AccountCommand),

    /// Assign an executor to indicators, from the date of the appointment order
    Assign(AssignArgs),

    /// Import and export values
    #[command(subcommand)]
    Values(ValuesCommand),

    /// Print the passport of one period: every indicator of its periodicity with its value
    Passport(PassportArgs),

    /// Print the quarterly report to the head of the city
    Report(ReportArgs),

    /// Read the audit log and verify its hash chain
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The administrator's full name
    #[arg(long)]
    pub name: String,

    /// The number of the order that appoints the administrator
    #[arg(long)]
    pub order: String,

    /// The date of that order (YYYY-MM-DD)
    #[arg(long)]
    pub order_date: NaiveDate,
}

/// How a listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// An aligned table for reading
    #[default]
    Table,
    /// JSON for programs
    Json,
    /// CSV for spreadsheets
    Csv,
}

/// The output option of listings.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// How to print the result
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// A file format of the catalog and of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// Comma-separated values, UTF-8
    Csv,
    /// A JSON array of objects
    Json,
    /// An Excel workbook
    Xlsx,
}

/// `catalog ...`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Load indicators, their changes and retirements from a CSV, JSON or Excel file
    /// (chief of staff)
    #[command(long_about = "Load indicators from a file, row by row. Columns: code, \
        section, name_ru, unit_ru, okei_code, periodicity (monthly, quarterly, half_yearly, \
        yearly); optional: value_kind (integer, decimal:N, percent:N, yes_no), due_day and \
        due_months_after, or due_days_after, department (its name), min, max, \
        max_change_percent, methodology, first_period; and for the history, as 'catalog \
        export' writes it: effective_from, retired, change_reason.

A code's first row is its first definition. A later row of the same code is a change in \
force from the period in effective_from (its reason in change_reason), or, with retired \
set to yes, a retirement from that period.

Each row is checked as the passport checks a catalog; rows the store already holds are \
left alone, so loading a file twice is harmless. Every refused row is listed with its row \
and column, and the good rows are stored (the new indicators in one atomic write, then \
each change in file order); --dry-run stores nothing. Exits with 3 when rows were \
refused. Needs the chief of staff's login.")]
    Load(CatalogLoadArgs),

    /// Export the catalog with its history: one row per version, retired indicators too
    #[command(long_about = "Export every version of every indicator, retired ones too, in \
        the columns 'catalog load' reads: loaded into a store with the same departments and \
        exported again, the file comes out the same. Text is written as it is in CSV and \
        JSON; Excel cells are always text, never formulas.")]
    Export(CatalogExportArgs),

    /// List the indicators in force
    List(OutputArgs),
}

/// `catalog load`.
#[derive(Debug, Args)]
pub struct CatalogLoadArgs {
    /// The file (.csv, .json or .xlsx)
    pub file: PathBuf,

    /// The file's format, if its extension does not say
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,

    /// The department responsible for a section's indicators where the file names none,
    /// as SECTION=DEPARTMENT; repeat for several sections
    #[arg(long, value_name = "SECTION=DEPARTMENT")]
    pub section_department: Vec<String>,

    /// Check every row and store nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Store every definition and change but hold back retirements (to fill a new store
    /// from an export: import the values of retired indicators, then load again)
    #[arg(long)]
    pub without_retirements: bool,
}

/// `catalog export`.
#[derive(Debug, Args)]
pub struct CatalogExportArgs {
    /// The file to write (.csv, .json or .xlsx), or - for standard output
    pub file: PathBuf,

    /// The format, if the file's extension does not say
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
}

/// `calendar ...`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load the published working-day calendar of one or more years (CSV or XML)
    #[command(long_about = "Load the working-day calendar of one or more years, each replacing \
        what was in force for it: a CSV with the columns date, kind (day_off, working_day, \
        short_day), note, as the repository's data/ru-calendar-2027.csv, or the XML production \
        calendar that public calendar services publish. The federal calendar of 2019-2026 is \
        built in. Needs an administrator's login.")]
    Load(CalendarLoadArgs),
}

/// `calendar load`.
#[derive(Debug, Args)]
pub struct CalendarLoadArgs {
    /// The file (.csv or .xml)
    pub file: PathBuf,

    /// The file's format, if its extension does not say
    #[arg(long, value_enum)]
    pub format: Option<CalendarFormat>,
}

/// A calendar file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalendarFormat {
    /// date,kind,note
    Csv,
    /// The production calendar XML
    Xml,
}

/// `department ...`.
#[derive(Debug, Subcommand)]
pub enum DepartmentCommand {
    /// Add a department or municipal institution
    Add(DepartmentAddArgs),

    /// Add every department of a CSV file with the columns name_ru (or name) and kind
    Load(DepartmentLoadArgs),

    /// List the departments
    List(OutputArgs),
}

/// `department add`.
#[derive(Debug, Args)]
pub struct DepartmentAddArgs {
    /// Its official name
    pub name: String,

    /// department (of the administration) or institution (municipal)
    #[arg(long, default_value = "department", value_parser = parse_department_kind)]
    pub kind: DepartmentKind,
}

fn parse_department_kind(text: &str) -> Result<DepartmentKind, String> {
    text.parse().map_err(|e: citypassport_core::Error| e.to_string())
}

/// `department load`.
#[derive(Debug, Args)]
pub struct DepartmentLoadArgs {
    /// The CSV file
    pub file: PathBuf,
}

/// `account ...`.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and print its one-time setup token
    #[command(long_about = "Create an account and print its one-time setup token, which is \
        shown only this once: hand it to the person, who sets their password with \
        'citypassport set-password'. An administrator cannot also hold executor, controller or \
        chief of staff roles.")]
    Create(AccountCreateArgs),

    /// Deactivate an account on dismissal: sessions end, the e-mail and password are erased
    Deactivate(AccountDeactivateArgs),

    /// Issue a new setup token for a person who forgot their password
    SetupToken(AccountRefArgs),

    /// List the accounts
    List(OutputArgs),
}

/// `account create`.
#[derive(Debug, Args)]
pub struct AccountCreateArgs {
    /// The person's e-mail, with which they will log in
    // Its own id: the name `email` belongs to the global login option.
    #[arg(id = "account_email", value_name = "EMAIL")]
    pub email: String,

    /// The person's full name
    #[arg(long)]
    pub name: String,

    /// A role (repeat for several): administrator, executor, controller, viewer,
    /// chief_of_staff, department_head
    #[arg(long = "role", required = true, value_parser = parse_role)]
    pub roles: Vec<Role>,

    /// The department the person works in, by name
    #[arg(long)]
    pub department: Option<String>,

    /// The number of the order that is the basis of the account
    #[arg(long)]
    pub order: String,

    /// The date of that order (YYYY-MM-DD)
    #[arg(long)]
    pub order_date: NaiveDate,
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse().map_err(|e: citypassport_core::Error| e.to_string())
}

/// `account deactivate`.
#[derive(Debug, Args)]
pub struct AccountDeactivateArgs {
    /// The account's e-mail or id
    pub account: String,

    /// Why, e.g. the dismissal order
    #[arg(long)]
    pub reason: String,
}

/// An account named on the command line.
#[derive(Debug, Args)]
pub struct AccountRefArgs {
    /// The account's e-mail or id
    pub account: String,
}

/// `assign`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true))]
pub struct AssignArgs {
    /// The executor's e-mail or account id
    #[arg(long)]
    pub executor: String,

    /// An indicator code (repeat for several)
    #[arg(long = "indicator", group = "what")]
    pub indicators: Vec<String>,

    /// Every indicator of this catalog section
    #[arg(long, group = "what")]
    pub section: Option<String>,

    /// The number of the appointment order
    #[arg(long)]
    pub order: String,

    /// The date of that order, from which the assignment is in force (YYYY-MM-DD)
    #[arg(long)]
    pub order_date: NaiveDate,
}

/// `values ...`.
#[derive(Debug, Subcommand)]
pub enum ValuesCommand {
    /// Import values from a CSV, JSON or Excel file (executor)
    #[command(long_about = "Import values from a file with the columns indicator, period, \
        value, not_applicable_reason. A value is an exact number as text (12.5, 12,5 and \
        1 234 are read); for a value that does not apply, leave value empty and give the \
        reason. Each row is checked like an entry by hand; the good rows are stored together \
        as drafts (or submitted with --submit), and every refused row is listed with its row \
        and column. If storing fails, nothing is stored. Exits with 3 when rows were refused. \
        On a terminal, standard error shows a bar of the rows checked so far (for files of \
        more than 1000 rows) and a spinner while they are stored. Needs an executor's login, \
        with the indicators assigned.")]
    Import(ValuesImportArgs),

    /// Export every value, page by page, as CSV, JSON, Excel or SDMX-CSV
    #[command(long_about = "Export values in (indicator, period) order. CSV, JSON and Excel \
        files have the columns indicator, period, value, not_applicable_reason (and status \
        with --with-status), and import back as they are. SDMX-CSV has the columns DATAFLOW, \
        INDICATOR, TIME_PERIOD, OBS_VALUE, OBS_STATUS, UNIT_MEASURE and takes accepted (A) \
        and submitted (P) values; a value that does not apply has OBS_STATUS M. The store is \
        read page by page, so memory stays small whatever its size; on a terminal, standard \
        error counts the values read so far. UNIT_MEASURE is the unit of the definition in \
        force for each value's period. Needs a login that reads values (viewer, controller, \
        chief of staff, executor).")]
    Export(ValuesExportArgs),
}

/// `values import`.
#[derive(Debug, Args)]
pub struct ValuesImportArgs {
    /// The file (.csv, .json or .xlsx)
    pub file: PathBuf,

    /// The file's format, if its extension does not say
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,

    /// Check every row and store nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Submit the stored values for review instead of keeping them as drafts
    #[arg(long)]
    pub submit: bool,
}

/// The format of a values export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values, UTF-8
    Csv,
    /// A JSON array of objects
    Json,
    /// An Excel workbook
    Xlsx,
    /// SDMX-CSV 1.0 for statistical tools
    Sdmx,
}

/// A value's review status, as an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Entered, not submitted
    Draft,
    /// Submitted for review
    Submitted,
    /// Accepted by a controller
    Accepted,
    /// Returned for revision
    Returned,
}

impl From<StatusArg> for ValueStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Draft => ValueStatus::Draft,
            StatusArg::Submitted => ValueStatus::Submitted,
            StatusArg::Accepted => ValueStatus::Accepted,
            StatusArg::Returned => ValueStatus::Returned,
        }
    }
}

/// `values export`.
#[derive(Debug, Args)]
pub struct ValuesExportArgs {
    /// The file to write (.csv, .json, .xlsx), or - for standard output
    pub file: PathBuf,

    /// The format, if the file's extension does not say (sdmx is never guessed)
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,

    /// Add a status column (imports ignore it)
    #[arg(long)]
    pub with_status: bool,

    /// Only values in this status (repeat for several)
    #[arg(long = "status", value_enum)]
    pub statuses: Vec<StatusArg>,

    /// Only this indicator
    #[arg(long)]
    pub indicator: Option<String>,

    /// Only periods from this one on, e.g. 2026-M01
    #[arg(long)]
    pub from: Option<Period>,

    /// Only periods up to this one, e.g. 2026-Q4
    #[arg(long)]
    pub to: Option<Period>,

    /// The SDMX dataflow, as AGENCY:ID(VERSION)
    #[arg(long, default_value = citypassport_cli::exchange::sdmx::DEFAULT_DATAFLOW)]
    pub dataflow: String,
}

/// `passport`.
#[derive(Debug, Args)]
pub struct PassportArgs {
    /// The period: 2026-M07 (month), 2026-Q3 (quarter), 2026-H2 (half-year), 2026 (year)
    pub period: Period,

    /// How to print it
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// How the quarterly report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// Plain text tables
    #[default]
    Text,
    /// Markdown
    Markdown,
    /// CSV: one line per department, executor and the total (or per violation)
    Csv,
    /// JSON with every detail
    Json,
}

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The quarter, e.g. 2026-Q3
    pub quarter: Period,

    /// How to print it
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,

    /// With --format csv: the violations instead of the counts
    #[arg(long)]
    pub violations: bool,
}

/// `audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit records, oldest first, by time, actor or record
    #[command(long_about = "List audit records, oldest first. Every state change of the \
        passport and every bulk export has one. Needs the login of an administrator, \
        controller or the chief of staff.")]
    List(AuditListArgs),

    /// Check the audit log's hash chain from its first record
    #[command(long_about = "Check the audit log's hash chain from its first record and \
        name the first record that was altered or removed behind the library's back. \
        Prints the number of records checked and the hash of the last one: keep that hash \
        somewhere else (a printed report) to tell later whether the log's end was cut off. \
        Exits with status 1 if the chain is broken. Needs the login of an administrator, \
        controller or the chief of staff.")]
    Verify(OutputArgs),
}

/// `audit list`.
#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only records at or after this day (YYYY-MM-DD, in the city's time zone) or
    /// instant (RFC 3339)
    #[arg(long)]
    pub from: Option<String>,

    /// Only records before this day or instant
    #[arg(long)]
    pub to: Option<String>,

    /// Only records by this account (e-mail or id)
    #[arg(long)]
    pub actor: Option<String>,

    /// Only records about this kind of record (value, indicator, account, ...)
    #[arg(long)]
    pub kind: Option<String>,

    /// Only records after this sequence number
    #[arg(long)]
    pub after: Option<u64>,

    /// At most this many records
    #[arg(long, default_value_t = 100)]
    pub limit: usize,

    /// How to print them
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}
