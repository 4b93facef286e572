//! A server that goes away: operations fail with a storage error instead of a panic,
//! nothing of a change set is left half-written, and the pool works again as soon as
//! the server is back.
//!
//! The test stops and starts a server, so it never uses a shared one: it runs itself
//! again under `scripts/with-postgres.sh --own-server`, which starts a private
//! throwaway server and hands over a `pg_ctl` helper in `CITYPASSPORT_TEST_PG_CTL`.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use citypassport_core::storage::{
    AuditQuery, ChangeSet, Expected, NewAuditRecord, RecordKind, Storage, StoredRecord, Write,
};
use citypassport_core::Error;
use citypassport_postgres::testing::TestSchema;
use citypassport_postgres::PostgresStorage;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Set in the run that has a server of its own to stop.
const INNER_RUN: &str = "CITYPASSPORT_TEST_PG_OWN_SERVER";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_restart_gives_an_error_then_pool_recovers() -> TestResult {
    if std::env::var(INNER_RUN).is_err() {
        return run_with_own_server("server_restart_gives_an_error_then_pool_recovers");
    }

    let schema = TestSchema::fresh();
    let store = Arc::new(
        PostgresStorage::connect_with(
            schema.config().with_max_connections(4).with_acquire_timeout(Duration::from_secs(2)),
        )
        .await?,
    );
    let first = item("before", 1);
    store.apply(insert(first.clone())).await?;

    // Writers keep committing change sets of one record and two audit records until
    // the server, killed without a clean shutdown, fails them.
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let key = format!("w{w}-{n}");
                    match store.apply(insert(item(&key, 1))).await {
                        Ok(_) => acknowledged.push(key),
                        Err(Error::Storage(_)) => break,
                        Err(other) => panic!("a write failed with {other:?}"),
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    pg_ctl(&["stop", "-m", "immediate"])?;

    let mut acknowledged = BTreeSet::new();
    for writer in writers {
        acknowledged.extend(writer.await?);
    }
    assert!(!acknowledged.is_empty(), "the writers wrote nothing before the server went");

    // With the server down, every operation is a storage error that says what failed.
    match store.get(RecordKind::Value, "before").await {
        Err(Error::Storage(message)) => {
            assert!(message.contains("reading value before failed"), "{message}");
            assert!(message.contains("is it running"), "{message}");
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
    let while_down = store.apply(insert(item("while-down", 1))).await;
    assert!(matches!(while_down, Err(Error::Storage(_))), "{while_down:?}");
    assert!(matches!(store.last_audit_seq().await, Err(Error::Storage(_))));

    // Back up: the same store works at once, and recovery kept what was acknowledged.
    pg_ctl(&["start"])?;
    assert_eq!(store.get(RecordKind::Value, "before").await?, Some(first));
    assert_eq!(store.get(RecordKind::Value, "while-down").await?, None);

    // Nothing is half-written: each record has both its audit records and each audit
    // record its record, and the log has no gap.
    let records = store.scan(RecordKind::Value, "").await?;
    let keys: BTreeSet<String> = records.into_iter().map(|r| r.key).collect();
    assert!(acknowledged.is_subset(&keys), "an acknowledged change set was lost");
    let log = store.audit(&AuditQuery::default()).await?;
    assert!(log.iter().enumerate().all(|(i, r)| r.seq == i as u64 + 1), "a gap in the log");
    assert_eq!(log.len(), 2 * keys.len());
    for key in &keys {
        assert_eq!(log.iter().filter(|r| &r.entry.key == key).count(), 2, "audit of {key}");
    }

    let seqs = store.apply(insert(item("after", 1))).await?;
    assert_eq!(seqs, [log.len() as u64 + 1, log.len() as u64 + 2]);
    Ok(())
}

/// Runs this test binary again, for the one test, under a private throwaway server.
fn run_with_own_server(test: &str) -> TestResult {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/with-postgres.sh");
    let status = Command::new("bash")
        .arg(script)
        .arg("--own-server")
        .arg("env")
        .arg(format!("{INNER_RUN}=1"))
        .arg(std::env::current_exe()?)
        .args(["--exact", test, "--nocapture"])
        .status()?;
    assert!(status.success(), "the run under a server of its own failed: {status}");
    Ok(())
}

/// Stops or starts the private server.
fn pg_ctl(args: &[&str]) -> TestResult {
    let ctl = std::env::var("CITYPASSPORT_TEST_PG_CTL")
        .map_err(|_| "CITYPASSPORT_TEST_PG_CTL is not set; run under with-postgres.sh")?;
    let output = Command::new(&ctl).args(args).output()?;
    if !output.status.success() {
        return Err(
            format!("pg_ctl {args:?} failed: {}", String::from_utf8_lossy(&output.stderr)).into()
        );
    }
    Ok(())
}

fn item(key: &str, version: u64) -> StoredRecord {
    StoredRecord {
        kind: RecordKind::Value,
        key: key.to_string(),
        version,
        body: format!("{{\"key\":\"{key}\"}}"),
        index: vec![],
    }
}

fn insert(record: StoredRecord) -> ChangeSet {
    let note = |action: &str| NewAuditRecord {
        at: Utc::now(),
        actor: None,
        action: action.to_string(),
        kind: RecordKind::Value,
        key: record.key.clone(),
        before: None,
        after: Some(record.body.clone()),
    };
    let audit = vec![note("value.save"), note("value.submit")];
    ChangeSet { writes: vec![Write::Put { record, expected: Expected::Absent }], audit }
}
