//! The Python part: `bench/python/frame_bench.py` reads values of the region stores into
//! pandas DataFrames through the package, and the same values with `pandas.read_csv`
//! and `pandas.read_sql`; this module runs it and records what it prints.

use std::path::Path;

use serde::Deserialize;

use crate::measure::{Measurement, Results};
use crate::run::{Backend, Region};
use crate::BenchResult;

/// One figure of the script: a DataFrame built one way.
#[derive(Debug, Deserialize)]
struct Timing {
    /// `sled`, `postgres`.
    backend: String,
    /// Rows in the frame.
    rows: usize,
    /// Seconds through the package.
    package: f64,
    /// What the baseline is: `read_csv`, `read_sql`.
    baseline: String,
    /// Seconds of the baseline.
    baseline_seconds: f64,
}

/// Runs the script with `interpreter` on every region store, reading `rows` values.
pub async fn run(
    interpreter: &Path,
    regions: &[(Backend, Region)],
    rows: usize,
    work: &Path,
    results: &mut Results,
) -> BenchResult<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/frame_bench.py");
    let mut command = std::process::Command::new(interpreter);
    let smallest = regions.iter().map(|(_, r)| r.values).min().unwrap_or(0);
    command.arg(script).args(["--rows", &rows.min(smallest).to_string()]);
    command.arg("--csv").arg(work.join("values.csv"));
    for (backend, region) in regions {
        match backend {
            Backend::Sled(_) => command.args(["--sled", &region.location]),
            Backend::Postgres(url) => {
                command.args(["--postgres-url", url, "--postgres-schema", &region.location])
            }
        };
    }
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "the Python part failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let timings: Vec<Timing> = serde_json::from_slice(&output.stdout)?;
    for timing in timings {
        let ratio = timing.package / timing.baseline_seconds;
        let (target, met) = match timing.baseline.as_str() {
            "read_csv" => ("<= 2 x read_csv time", ratio <= 2.0),
            _ => ("<= 1/3 of read_sql time", ratio <= 1.0 / 3.0),
        };
        results.add(
            Measurement::new(
                "values into a pandas DataFrame",
                &format!("python/{}", timing.backend),
                "s",
                timing.package,
                format!("{} values, Session.values_frame", timing.rows),
            )
            .against(&format!("pandas.{}", timing.baseline), timing.baseline_seconds)
            .target(target, met),
        );
    }
    Ok(())
}
