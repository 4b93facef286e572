//! # citypassport-bench
//!
//! Benchmarks of the electronic city passport at city and regional scale, side by side
//! with the raw storage engines (sled, PostgreSQL) and with what an analyst would do
//! without the library (`pandas.read_csv`, `pandas.read_sql`). Issue 10.
//!
//! ```text
//! bash scripts/bench.sh                                  # the full run, release build
//! cargo run -p citypassport-bench -- --quick             # seconds, any build
//! ```
//!
//! One run measures, on sled and on PostgreSQL: bulk entry through the library against
//! the raw engine writing the same records; one value submitted end to end; reading a
//! period's passport and a ten-year series; the quarterly report at the city profile and
//! at ten times its history; the peak memory of a process exporting every value of the
//! region profile; and, through the Python package, a million values into a pandas
//! DataFrame. It prints a table and writes `target/bench/results.json`.
//!
//! PostgreSQL is used when `--postgres-url` or `CITYPASSPORT_TEST_PG_URL` names a
//! server; the benchmark makes and drops its own schemas there (`cp_bench_*`).

mod measure;
mod profile;
mod python;
mod raw;
mod run;

use std::path::PathBuf;

/// Any error of the benchmark, with its message.
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small sizes, for the test command.
    pub quick: bool,
    /// The seed of the synthetic passport.
    pub seed: u64,
    /// Where the JSON goes.
    pub out: PathBuf,
    /// The PostgreSQL server, if any.
    pub postgres_url: Option<String>,
    /// The Python interpreter with `citypassport`, pandas and psycopg, if any.
    pub python: Option<PathBuf>,
    /// Values read into a DataFrame in the Python part.
    pub python_rows: usize,
    /// Only the region: its export and the Python part (for profiling those).
    pub only_region: bool,
    /// Municipalities of the region instead of the profile's.
    pub municipalities: Option<usize>,
    /// A folder for the sled stores, kept after the run, instead of a temporary one.
    pub work: Option<PathBuf>,
}

fn usage() -> &'static str {
    "usage: citypassport-bench [--quick] [--seed N] [--out FILE] [--postgres-url URL] \
     [--python PYTHON] [--python-rows N] [--only-region] [--municipalities N] [--work DIR]\n       \
     citypassport-bench export-memory (sled PATH | postgres URL SCHEMA)"
}

fn parse(mut args: impl Iterator<Item = String>) -> BenchResult<Options> {
    let mut options = Options {
        quick: false,
        seed: 10,
        out: PathBuf::from("target/bench/results.json"),
        postgres_url: std::env::var("CITYPASSPORT_TEST_PG_URL").ok().filter(|u| !u.is_empty()),
        python: None,
        python_rows: 0,
        only_region: false,
        municipalities: None,
        work: None,
    };
    let mut python_rows = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--seed" => options.seed = value("--seed")?.parse()?,
            "--out" => options.out = value("--out")?.into(),
            "--postgres-url" => options.postgres_url = Some(value("--postgres-url")?),
            "--python" => options.python = Some(value("--python")?.into()),
            "--python-rows" => python_rows = Some(value("--python-rows")?.parse()?),
            "--only-region" => options.only_region = true,
            "--municipalities" => {
                options.municipalities = Some(value("--municipalities")?.parse()?)
            }
            "--work" => options.work = Some(value("--work")?.into()),
            "--help" | "-h" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{}", usage()).into()),
        }
    }
    options.python_rows = python_rows.unwrap_or(if options.quick { 5_000 } else { 1_000_000 });
    Ok(options)
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let outcome = if args.peek().map(String::as_str) == Some("export-memory") {
        args.next();
        measure::export_child(args.collect())
    } else {
        parse(args).and_then(run::run)
    };
    if let Err(error) = outcome {
        eprintln!("citypassport-bench: {error}");
        std::process::exit(1);
    }
}
