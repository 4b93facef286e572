//! What survives when the process dies with the store open.
//!
//! Each test runs twice: the test process starts a copy of this test binary that runs
//! only the same test, with the folder in an environment variable. That copy writes
//! change sets and then ends the process on the spot, as a crash would: no destructor
//! runs, so sled gets no chance to write out what it still buffers. The test process
//! then opens the folder and checks what is there.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use citypassport_core::storage::{AuditQuery, Expected, RecordKind};
use citypassport_core::Storage;
use citypassport_sled::{Durability, SledConfig, SledStorage};
use common::{audit, change, put, value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const FOLDER_VARIABLE: &str = "CITYPASSPORT_SLED_CRASH_FOLDER";
const CRASH_EXIT_CODE: i32 = 86;

/// Runs `test` in a child process against `folder` and returns how many change sets it
/// had acknowledged when it crashed.
fn crash_in_child(test: &str, folder: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let output = Command::new(std::env::current_exe()?)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(FOLDER_VARIABLE, folder)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(CRASH_EXIT_CODE), "child: {stdout}\n{stderr}");

    // The harness's "test ... " has no line end yet when the child reports.
    let acknowledged = stdout
        .split_once("acknowledged ")
        .and_then(|(_, rest)| rest.lines().next())
        .ok_or_else(|| format!("the child reported nothing: {stdout}"))?;
    Ok(acknowledged.trim().parse()?)
}

/// Change set `n` (from 1): two new records found by index `set = n`, the counter
/// record at version `n`, and two audit records about them.
async fn write_change_set(store: &SledStorage, n: u64) -> citypassport_core::Result<Vec<u64>> {
    let set = n.to_string();
    let counter_expected = if n == 1 { Expected::Absent } else { Expected::Version(n - 1) };
    let [a, b] = ["a", "b"].map(|side| format!("cs{n:05}-{side}"));
    store
        .apply(change(
            vec![
                put(value(&a, 1, "{}", &[("set", &set)]), Expected::Absent),
                put(value(&b, 1, "{}", &[("set", &set)]), Expected::Absent),
                put(value("counter", n, &format!("{{\"n\":{n}}}"), &[]), counter_expected),
            ],
            vec![audit("value.save", &a), audit("value.save", &b)],
        ))
        .await
}

/// Reports how many change sets were acknowledged and ends the process at once.
fn crash(acknowledged: u64) -> ! {
    use std::io::Write;

    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "acknowledged {acknowledged}");
    let _ = stdout.flush();
    std::process::exit(CRASH_EXIT_CODE)
}

/// Checks that the store holds change sets 1 to `n` whole and nothing of later ones,
/// where `n` is the counter's version, and returns `n`.
async fn surviving_prefix(
    store: &SledStorage,
    written: u64,
) -> Result<u64, Box<dyn std::error::Error>> {
    let n = store.get(RecordKind::Value, "counter").await?.map_or(0, |r| r.version);

    for set in 1..=written {
        let found = store.find(RecordKind::Value, "set", &set.to_string()).await?;
        let expected = if set <= n { 2 } else { 0 };
        assert_eq!(found.len(), expected, "records of change set {set} with {n} surviving");
    }
    assert_eq!(store.scan(RecordKind::Value, "cs").await?.len() as u64, 2 * n);

    let log = store.audit(&AuditQuery::default()).await?;
    let seqs: Vec<u64> = log.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=2 * n).collect::<Vec<_>>(), "the audit log is a gapless prefix");
    for record in &log {
        let set = record.seq.div_ceil(2);
        assert!(record.entry.key.starts_with(&format!("cs{set:05}-")), "{record:?}");
    }
    assert_eq!(store.last_audit_seq().await?, 2 * n);
    Ok(n)
}

#[tokio::test]
async fn durable_change_survives_a_crash() -> TestResult {
    const CHANGE_SETS: u64 = 100;

    if let Ok(folder) = std::env::var(FOLDER_VARIABLE) {
        let store = SledStorage::open(folder)?;
        for n in 1..=CHANGE_SETS {
            write_change_set(&store, n).await?;
        }
        crash(CHANGE_SETS);
    }

    let folder = tempfile::tempdir()?;
    let acknowledged = crash_in_child("durable_change_survives_a_crash", folder.path())?;
    assert_eq!(acknowledged, CHANGE_SETS);

    let store = SledStorage::open(folder.path())?;
    assert_eq!(surviving_prefix(&store, CHANGE_SETS).await?, CHANGE_SETS);
    Ok(())
}

#[tokio::test]
async fn relaxed_mode_keeps_change_sets_whole_after_a_crash() -> TestResult {
    const SETTLED: u64 = 200;
    const CHANGE_SETS: u64 = 400;

    if let Ok(folder) = std::env::var(FOLDER_VARIABLE) {
        let config = SledConfig::new(folder).with_durability(Durability::Relaxed);
        let store = SledStorage::open_with(config)?;
        for n in 1..=SETTLED {
            write_change_set(&store, n).await?;
        }
        // Long enough for sled's background flush to have written the first part.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        for n in SETTLED + 1..=CHANGE_SETS {
            write_change_set(&store, n).await?;
        }
        crash(CHANGE_SETS);
    }

    let folder = tempfile::tempdir()?;
    let acknowledged =
        crash_in_child("relaxed_mode_keeps_change_sets_whole_after_a_crash", folder.path())?;
    assert_eq!(acknowledged, CHANGE_SETS);

    let store = SledStorage::open_with(
        SledConfig::new(folder.path()).with_durability(Durability::Relaxed),
    )?;
    let survived = surviving_prefix(&store, CHANGE_SETS).await?;
    assert!(survived >= SETTLED, "only {survived} change sets older than a flush survived");
    Ok(())
}
