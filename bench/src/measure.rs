//! Measurements, their table and JSON, timing helpers, and the export child whose peak
//! memory is measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use citypassport_core::{Passport, Period, Storage};
use citypassport_postgres::{PostgresConfig, PostgresStorage};
use citypassport_sled::SledStorage;
use serde::Serialize;

use crate::BenchResult;

/// The baseline a measurement is compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    /// What the baseline is, e.g. `sled apply_batch`.
    pub name: String,
    /// Its figure, in the measurement's unit.
    pub value: f64,
}

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// What was measured, e.g. `bulk import`.
    pub name: String,
    /// `sled`, `sled (relaxed)`, `postgres`, or `python/...`.
    pub backend: String,
    /// `values/s`, `ms`, `MiB`, ...
    pub unit: String,
    /// The figure.
    pub value: f64,
    /// What it is compared with, where there is something.
    pub baseline: Option<Baseline>,
    /// `value / baseline` (or the ratio the target is stated in).
    pub ratio: Option<f64>,
    /// The target of issue 10, in words.
    pub target: Option<String>,
    /// Whether the target is met.
    pub met: Option<bool>,
    /// Sizes and conditions.
    pub detail: String,
}

impl Measurement {
    /// A figure with no baseline.
    pub fn new(name: &str, backend: &str, unit: &str, value: f64, detail: String) -> Self {
        Measurement {
            name: name.into(),
            backend: backend.into(),
            unit: unit.into(),
            value,
            baseline: None,
            ratio: None,
            target: None,
            met: None,
            detail,
        }
    }

    /// With a baseline and the ratio `value / baseline`.
    pub fn against(mut self, name: &str, value: f64) -> Self {
        self.ratio = Some(self.value / value);
        self.baseline = Some(Baseline { name: name.into(), value });
        self
    }

    /// With a target and whether it is met.
    pub fn target(mut self, target: &str, met: bool) -> Self {
        self.target = Some(target.into());
        self.met = Some(met);
        self
    }
}

/// Every measurement of a run, printed as they come.
#[derive(Debug, Default)]
pub struct Results {
    /// In the order taken.
    pub all: Vec<Measurement>,
}

impl Results {
    /// Adds a measurement and prints it.
    pub fn add(&mut self, m: Measurement) {
        eprintln!(
            "  {:<40} {:<16} {:>12} {}{}",
            m.name,
            m.backend,
            format_value(m.value),
            m.unit,
            m.ratio.map(|r| format!("  (ratio {r:.2})")).unwrap_or_default()
        );
        self.all.push(m);
    }

    /// The table, in Markdown.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| measurement | backend | value | baseline | ratio | target | met |\n\
             |---|---|---:|---|---:|---|---|\n",
        );
        for m in &self.all {
            let baseline = m
                .baseline
                .as_ref()
                .map(|b| format!("{}: {} {}", b.name, format_value(b.value), m.unit))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} {} | {} | {} | {} | {} |\n",
                m.name,
                m.backend,
                format_value(m.value),
                m.unit,
                baseline,
                m.ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
                m.target.clone().unwrap_or_default(),
                match m.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "",
                }
            ));
        }
        out
    }
}

/// A figure with sensible digits.
pub fn format_value(v: f64) -> String {
    if v >= 1000.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `q`-quantile (0..=1) of `samples`, in milliseconds.
pub fn quantile(samples: &mut [Duration], q: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    ms(samples[index.min(samples.len() - 1)])
}

/// Runs `f` `n` times and returns the median time in milliseconds.
pub async fn median_of<F, Fut, T>(n: usize, mut f: F) -> BenchResult<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = citypassport_core::Result<T>>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        f().await?;
        samples.push(started.elapsed());
    }
    Ok(quantile(&mut samples, 0.5))
}

/// The process's peak resident memory (`VmHWM`) in KiB.
pub fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// What the export child reports.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
pub struct ExportMemory {
    /// Values exported.
    pub values: usize,
    /// Peak memory before opening the store, KiB.
    pub start_kib: u64,
    /// Peak memory once the store is open, KiB.
    pub opened_kib: u64,
    /// Peak memory after logging in (Argon2 takes 19 MiB), KiB.
    pub login_kib: u64,
    /// Peak memory after a tenth of the values, KiB.
    pub tenth_kib: u64,
    /// Peak memory at the end, KiB.
    pub peak_kib: u64,
    /// Seconds the export took.
    pub seconds: f64,
}

/// The page size of an export with default settings (the Python package's default).
pub const EXPORT_PAGE: usize = 1000;

/// `citypassport-bench export-memory sled PATH | postgres URL SCHEMA`: opens the store
/// with the library's defaults, logs in as the viewer, exports every value page by page
/// and prints [`ExportMemory`] as JSON.
pub fn export_child(args: Vec<String>) -> BenchResult<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let start_kib = vm_hwm_kib();
    runtime.block_on(async move {
        let storage: Arc<dyn Storage> = match args.iter().map(String::as_str).collect::<Vec<_>>()[..]
        {
            ["sled", path] => Arc::new(SledStorage::open(path)?),
            ["postgres", url, schema] => {
                Arc::new(PostgresStorage::connect_with(PostgresConfig::new(url).with_schema(schema)).await?)
            }
            _ => return Err(format!("export-memory: bad arguments {args:?}").into()),
        };
        let opened_kib = vm_hwm_kib();
        let expected: usize = std::env::var("CITYPASSPORT_BENCH_VALUES")?.parse()?;
        let passport = Passport::with_settings(
            storage,
            Arc::new(citypassport_core::ManualClock::new(crate::profile::report_day())),
            crate::profile::settings(),
        );
        let token = passport.login("viewer@city.example", crate::profile::PASSWORD).await?;
        let login_kib = vm_hwm_kib();

        let started = Instant::now();
        let mut after: Option<(String, Period)> = None;
        let (mut values, mut tenth_kib) = (0usize, 0u64);
        loop {
            let page = passport
                .export_values(&token, after.as_ref().map(|(c, p)| (c.as_str(), *p)), EXPORT_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.indicator.clone(), last.period));
            values += page.len();
            if tenth_kib == 0 && values >= expected / 10 {
                tenth_kib = vm_hwm_kib();
            }
        }
        let report = ExportMemory {
            values,
            start_kib,
            opened_kib,
            login_kib,
            tenth_kib,
            peak_kib: vm_hwm_kib(),
            seconds: started.elapsed().as_secs_f64(),
        };
        println!("{}", serde_json::to_string(&report)?);
        Ok(())
    })
}
