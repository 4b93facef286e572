//! One run of the benchmark: every measurement on every backend, then the table and the
//! JSON.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use citypassport_core::{
    ImportMode, ImportRow, MemoryStorage, Passport, Period, Periodicity, Storage, ValueInput,
};
use citypassport_postgres::{PostgresConfig, PostgresStorage};
use citypassport_sled::{Durability, SledConfig, SledStorage, DEFAULT_CACHE_CAPACITY};
use rand::rngs::StdRng;
use rand::SeedableRng;
use sqlx::Connection;

use crate::measure::{median_of, quantile, ExportMemory, Measurement, Results};
use crate::profile::{self, City, Profile, LAST_YEAR};
use crate::{python, raw, BenchResult, Options};

/// Where one backend keeps its stores.
#[derive(Debug, Clone)]
pub enum Backend {
    /// Folders under a temporary directory.
    Sled(PathBuf),
    /// Schemas `cp_bench_*` on a server.
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sled(_) => "sled",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A fresh store called `name`, opened with the library's defaults (or relaxed).
    async fn open(&self, name: &str, fresh: bool, relaxed: bool) -> BenchResult<Arc<dyn Storage>> {
        match self {
            Backend::Sled(dir) => {
                let path = dir.join(name);
                if fresh && path.exists() {
                    std::fs::remove_dir_all(&path)?;
                }
                let durability = if relaxed { Durability::Relaxed } else { Durability::Durable };
                Ok(Arc::new(SledStorage::open_with(
                    SledConfig::new(path).with_durability(durability),
                )?))
            }
            Backend::Postgres(url) => {
                let schema = format!("cp_bench_{name}");
                if fresh {
                    drop_schema(url, &schema).await?;
                }
                Ok(Arc::new(
                    PostgresStorage::connect_with(PostgresConfig::new(url).with_schema(schema))
                        .await?,
                ))
            }
        }
    }
}

async fn drop_schema(url: &str, schema: &str) -> BenchResult<()> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut conn).await?;
    Ok(())
}

/// Sizes of the run besides the profile.
struct Sizes {
    /// Values submitted one by one, per durability.
    submissions: usize,
    /// Repetitions of a read.
    reads: usize,
    /// Repetitions of a quarterly report.
    reports: usize,
}

/// Runs everything and writes the results.
pub fn run(options: Options) -> BenchResult<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run_async(options))
}

async fn run_async(options: Options) -> BenchResult<()> {
    let mut profile =
        if options.quick { Profile::quick(options.seed) } else { Profile::full(options.seed) };
    if let Some(municipalities) = options.municipalities {
        profile.municipalities = municipalities;
    }
    let sizes = if options.quick {
        Sizes { submissions: 8, reads: 3, reports: 3 }
    } else {
        Sizes { submissions: 500, reads: 20, reports: 5 }
    };
    let temporary = tempfile::Builder::new().prefix("citypassport-bench-").tempdir()?;
    let work = match &options.work {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => temporary.path().to_path_buf(),
    };
    let mut results = Results::default();
    let mut notes = Vec::new();
    let started = Instant::now();

    let mut backends = vec![Backend::Sled(work.clone())];
    match &options.postgres_url {
        Some(url) => {
            notes.push(postgres_settings(url).await?);
            backends.push(Backend::Postgres(url.clone()));
        }
        None => notes.push(
            "PostgreSQL skipped: no --postgres-url and no CITYPASSPORT_TEST_PG_URL".to_string(),
        ),
    }

    let mut regions = Vec::new();
    for backend in &backends {
        eprintln!("\n== {} ==", backend.name());
        let region =
            bench_backend(backend, profile, &sizes, options.only_region, &mut results).await?;
        regions.push((backend.clone(), region));
    }

    eprintln!("\n== python ==");
    match &options.python {
        Some(interpreter) => {
            python::run(interpreter, &regions, options.python_rows, &work, &mut results).await?
        }
        None => notes.push("Python part skipped: no --python interpreter given".into()),
    }

    for backend in &backends {
        if let Backend::Postgres(url) = backend {
            for name in ["city", "tenfold", "region"] {
                drop_schema(url, &format!("cp_bench_{name}")).await?;
            }
        }
    }

    let table = results.table();
    println!("\n{table}");
    for note in &notes {
        println!("note: {note}");
    }
    let total = started.elapsed().as_secs_f64();
    println!("{} in {total:.0} s", if options.quick { "quick run" } else { "full run" });
    if let Some(dir) = options.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::json!({
        "mode": if options.quick { "quick" } else { "full" },
        "seed": options.seed,
        "profile": {
            "indicators": profile.indicators,
            "departments": profile.departments,
            "executors": profile.executors,
            "years": profile.years,
            "city_values": profile.city_values(),
            "municipalities": profile.municipalities,
        },
        "notes": notes,
        "seconds": total,
        "measurements": results.all,
    });
    std::fs::write(&options.out, serde_json::to_string_pretty(&json)?)?;
    println!("written to {}", options.out.display());
    Ok(())
}

async fn postgres_settings(url: &str) -> BenchResult<String> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut conn).await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut conn).await?;
    let commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&mut conn).await?;
    Ok(format!("PostgreSQL {version}, fsync={fsync}, synchronous_commit={commit}"))
}

/// What the Python part needs of a backend's region store.
#[derive(Debug, Clone)]
pub struct Region {
    /// The sled folder, or the PostgreSQL schema.
    pub location: String,
    /// Values in it.
    pub values: usize,
}

async fn bench_backend(
    backend: &Backend,
    profile: Profile,
    sizes: &Sizes,
    only_region: bool,
    results: &mut Results,
) -> BenchResult<Region> {
    if !only_region {
        bench_city(backend, profile, sizes, results).await?;
    }
    bench_region(backend, profile, results).await
}

/// Everything at the city profile and at ten times its history.
async fn bench_city(
    backend: &Backend,
    profile: Profile,
    sizes: &Sizes,
    results: &mut Results,
) -> BenchResult<()> {
    let name = backend.name();
    let mut rng = StdRng::seed_from_u64(profile.seed);
    let city_first = LAST_YEAR + 1 - profile.years;
    let deep_first = LAST_YEAR + 1 - 10 * profile.years;

    // The ten-times store first: its first nine tenths are the bulk import measured
    // against the raw engine.
    eprintln!("building the ten-times-history city ({deep_first}-{LAST_YEAR})");
    let tenfold =
        City::build(backend.open("tenfold", true, false).await?, profile, deep_first).await?;
    let storage = tenfold.passport.storage().clone();
    let seq_before = raw::last_audit_seq(storage.as_ref()).await?;
    let mut deep = (0usize, Duration::ZERO);
    let mut year = deep_first;
    while year < city_first {
        let end = (year + profile.years).min(city_first);
        let (n, t) = tenfold.enter_years(year..end, &mut rng).await?;
        deep = (deep.0 + n, deep.1 + t);
        year = end;
    }
    let shape = raw::measure_shape(storage.as_ref(), seq_before).await?;
    let library = deep.0 as f64 / deep.1.as_secs_f64();
    let (raw_name, raw_time) = match backend {
        Backend::Sled(dir) => {
            let t = raw::sled_write(&dir.join("raw"), &shape, DEFAULT_CACHE_CAPACITY)?;
            std::fs::remove_dir_all(dir.join("raw"))?;
            ("sled apply_batch", t)
        }
        Backend::Postgres(url) => {
            ("postgres COPY", raw::postgres_copy(url, "cp_bench_raw", &shape).await?)
        }
    };
    let raw_rate = deep.0 as f64 / raw_time.as_secs_f64();
    let ratio = library / raw_rate;
    results.add(
        Measurement::new(
            "bulk import (values with audit)",
            name,
            "values/s",
            library,
            format!(
                "{} values in {} bulk entries of {} values (submit mode); raw engine wrote {}",
                deep.0,
                profile.executors * ((city_first - deep_first) / profile.years) as usize,
                deep.0 / (profile.executors * ((city_first - deep_first) / profile.years) as usize),
                shape.describe()
            ),
        )
        .against(raw_name, raw_rate)
        .target(">= 0.5 x raw", ratio >= 0.5),
    );
    drop(storage);
    let (n, t) = tenfold.enter_history(city_first, 1, &mut rng).await?;
    eprintln!(
        "  (last {} years of the ten-times store: {n} values in {:.1} s)",
        profile.years,
        t.as_secs_f64()
    );

    // The city profile, entered year by year as a city would.
    eprintln!("building the city ({city_first}-{LAST_YEAR})");
    let mut city =
        City::build(backend.open("city", true, false).await?, profile, city_first).await?;
    let (n, t) = city.enter_history(city_first, 1, &mut rng).await?;
    let city_values = n;
    results.add(Measurement::new(
        "history load, year by year",
        name,
        "values/s",
        n as f64 / t.as_secs_f64(),
        format!(
            "{n} values, one bulk entry per executor and year ({} values each)",
            n / (profile.executors * profile.years as usize)
        ),
    ));

    city.clock.set(profile::report_day());
    tenfold.clock.set(profile::report_day());
    submissions(&city, name, sizes.submissions, 0, results).await?;

    let period = Period::year_period(LAST_YEAR)?;
    let viewer = city.viewer.token.clone();
    let t = median_of(sizes.reads, || city.passport.period_passport(&viewer, period)).await?;
    let rows = city.passport.period_passport(&viewer, period).await?.len();
    results.add(Measurement::new(
        "period passport (read)",
        name,
        "ms",
        t,
        format!("{period}: {rows} indicators with values, median of {}", sizes.reads),
    ));
    let monthly = &city.indicators[0];
    let (from, to) = (Period::month(city_first, 1)?, Period::month(LAST_YEAR, 12)?);
    let t =
        median_of(sizes.reads, || city.passport.indicator_series(&viewer, &monthly.code, from, to))
            .await?;
    results.add(Measurement::new(
        "series of one indicator (read)",
        name,
        "ms",
        t,
        format!(
            "{} {from}..{to}: {} periods, median of {}",
            monthly.code,
            12 * profile.years,
            sizes.reads
        ),
    ));

    let quarter = profile::report_quarter();
    let city_report =
        median_of(sizes.reports, || city.passport.quarterly_report(&viewer, quarter)).await?;
    results.add(Measurement::new(
        "quarterly report, city profile",
        name,
        "ms",
        city_report,
        format!("{quarter} over {} years of history, median of {}", profile.years, sizes.reports),
    ));
    let tenfold_viewer = tenfold.viewer.token.clone();
    let tenfold_report =
        median_of(sizes.reports, || tenfold.passport.quarterly_report(&tenfold_viewer, quarter))
            .await?;
    let ratio = tenfold_report / city_report;
    results.add(
        Measurement::new(
            "quarterly report, 10x history",
            name,
            "ms",
            tenfold_report,
            format!(
                "{quarter} over {} years of history, median of {}",
                10 * profile.years,
                sizes.reports
            ),
        )
        .against("city profile", city_report)
        .target("<= 1.5 x city", ratio <= 1.5),
    );
    drop(tenfold);

    // sled's relaxed mode: the same city reopened.
    if let Backend::Sled(_) = backend {
        city.passport = Passport::new(Arc::new(MemoryStorage::new()));
        let reopened = backend.open("city", false, true).await?;
        city.passport = Passport::with_settings(reopened, city.clock.clone(), profile::settings());
        submissions(&city, "sled (relaxed)", sizes.submissions, 1, results).await?;
    }
    drop(city);

    // The export at the city profile too: on sled the memory of an open store follows
    // the size of the store (see `bench_region`), so the embedded default's figure is
    // the one at a city's scale.
    let location = match backend {
        Backend::Sled(dir) => dir.join("city").display().to_string(),
        Backend::Postgres(_) => "cp_bench_city".to_string(),
    };
    let memory = export_memory(backend, &location, city_values).await?;
    results.add(export_measurement("export every value, peak memory (city)", name, &memory));
    Ok(())
}

/// The region, and a child process that exports all of it.
///
/// On sled the child's memory is mostly sled's own: opening a store reads its page
/// table (an entry per page, with the log positions of its fragments) into memory, so it
/// grows with the size of the store, whatever the cache capacity; profiled with massif,
/// a region store of 1.8 million values took about 500 MiB that way before the export
/// read a value. The export itself adds nothing once under way.
async fn bench_region(
    backend: &Backend,
    profile: Profile,
    results: &mut Results,
) -> BenchResult<Region> {
    let name = backend.name();
    eprintln!("writing the region ({} municipalities)", profile.municipalities);
    let storage = backend.open("region", true, false).await?;
    let started = Instant::now();
    let values = profile::write_region(storage.clone(), profile).await?;
    eprintln!("  ({values} values in {:.1} s)", started.elapsed().as_secs_f64());
    drop(storage);
    let location = match backend {
        Backend::Sled(dir) => dir.join("region").display().to_string(),
        Backend::Postgres(_) => "cp_bench_region".to_string(),
    };
    let memory = export_memory(backend, &location, values).await?;
    results.add(export_measurement("export every value, peak memory", name, &memory));
    Ok(Region { location, values })
}

/// The peak memory of an export child, against its peak after a tenth of the values:
/// flat when the export adds nothing once under way.
fn export_measurement(what: &str, backend: &str, memory: &ExportMemory) -> Measurement {
    let mib = memory.peak_kib as f64 / 1024.0;
    let tenth = memory.tenth_kib as f64 / 1024.0;
    let flat = mib <= tenth * 1.1 + 8.0;
    Measurement::new(
        what,
        backend,
        "MiB",
        mib,
        format!(
            "{} values in pages of {} in {:.1} s; VmHWM {:.1} MiB before opening the store, \
             {:.1} MiB once open, {:.1} MiB after login, {:.1} MiB after a tenth",
            memory.values,
            crate::measure::EXPORT_PAGE,
            memory.seconds,
            memory.start_kib as f64 / 1024.0,
            memory.opened_kib as f64 / 1024.0,
            memory.login_kib as f64 / 1024.0,
            tenth
        ),
    )
    .against("peak after a tenth", tenth)
    .target("flat and < 100 MiB", flat && mib < 100.0)
}

/// Submits values one at a time, end to end, and records throughput and latency. Each
/// is one bulk entry of one row in submit mode: the session is checked, the permission
/// and assignment, the value validated, and the value, its revisions and the audit
/// record committed at once. `half` picks which half of the free periods to use.
async fn submissions(
    city: &City,
    backend: &str,
    n: usize,
    half: usize,
    results: &mut Results,
) -> BenchResult<()> {
    // The periods after the history that are over by the report day: the first
    // quarter's months and the quarter itself.
    let year = LAST_YEAR + 1;
    let mut slots = Vec::new();
    for (e, executor) in city.executors.iter().enumerate() {
        for indicator in city.indicators_of(e) {
            let periods = match indicator.periodicity {
                Periodicity::Monthly => (1..=3).map(|m| Period::month(year, m)).collect(),
                Periodicity::Quarterly => vec![Period::quarter(year, 1)],
                _ => Vec::new(),
            };
            for period in periods {
                slots.push((executor, indicator, period?));
            }
        }
    }
    let per_half = slots.len() / 2;
    let slots: Vec<_> = slots.into_iter().skip(half * per_half).take(per_half.min(n)).collect();

    let mut latencies = Vec::with_capacity(slots.len());
    let started = Instant::now();
    for (executor, indicator, period) in &slots {
        let row = ImportRow {
            indicator: indicator.code.clone(),
            period: period.to_string(),
            input: ValueInput::Text("1234".into()),
        };
        let one = Instant::now();
        let report = city
            .passport
            .import_values(&executor.token, std::slice::from_ref(&row), ImportMode::Submit)
            .await?;
        latencies.push(one.elapsed());
        if report.accepted != 1 {
            return Err(format!(
                "submitting {} {period} was refused: {:?}",
                indicator.code, report.refused
            )
            .into());
        }
    }
    let total = started.elapsed();
    let count = latencies.len();
    let p50 = quantile(&mut latencies, 0.5);
    let p99 = quantile(&mut latencies, 0.99);
    results.add(Measurement::new(
        "submit one value end to end",
        backend,
        "values/s",
        count as f64 / total.as_secs_f64(),
        format!("{count} values one at a time, one client"),
    ));
    results.add(Measurement::new("submit one value, p50", backend, "ms", p50, String::new()));
    results.add(Measurement::new("submit one value, p99", backend, "ms", p99, String::new()));
    Ok(())
}

async fn export_memory(
    backend: &Backend,
    location: &str,
    values: usize,
) -> BenchResult<ExportMemory> {
    let exe = std::env::current_exe()?;
    let mut command = std::process::Command::new(exe);
    command.arg("export-memory").env("CITYPASSPORT_BENCH_VALUES", values.to_string());
    match backend {
        Backend::Sled(_) => command.args(["sled", location]),
        Backend::Postgres(url) => command.args(["postgres", url, location]),
    };
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "the export child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}
