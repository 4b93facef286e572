//! Behaviour of the sled store beyond the shared conformance suite: what survives a
//! reopen, which folders it refuses to open, and what concurrent readers and writers
//! on separate threads see.

mod common;

use std::sync::Arc;

use citypassport_core::storage::{AuditQuery, Expected, RecordKind};
use citypassport_core::{Error, Storage};
use citypassport_sled::{Durability, OpenError, SledConfig, SledStorage, SCHEMA_VERSION};
use common::{audit, change, put, value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn committed_change_survives_reopen() -> TestResult {
    let folder = tempfile::tempdir()?;
    let written = value("MR-1.1|2026-M07", 1, r#"{"v":"333931"}"#, &[("period", "2026-M07")]);

    let store = SledStorage::open(folder.path())?;
    let seqs = store
        .apply(change(
            vec![put(written.clone(), Expected::Absent)],
            vec![audit("value.save", "MR-1.1|2026-M07")],
        ))
        .await?;
    assert_eq!(seqs, [1]);
    drop(store);

    let store = SledStorage::open(folder.path())?;
    assert_eq!(store.get(RecordKind::Value, "MR-1.1|2026-M07").await?, Some(written.clone()));
    assert_eq!(store.find(RecordKind::Value, "period", "2026-M07").await?, [written]);
    let log = store.audit(&AuditQuery::default()).await?;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].seq, 1);
    assert_eq!(log[0].entry, audit("value.save", "MR-1.1|2026-M07"));
    assert_eq!(store.last_audit_seq().await?, 1);
    Ok(())
}

#[tokio::test]
async fn audit_numbering_continues_after_reopen() -> TestResult {
    let folder = tempfile::tempdir()?;
    let store = SledStorage::open(folder.path())?;
    let first = store.apply(change(vec![], vec![audit("a", "A"), audit("b", "A")])).await?;
    assert_eq!(first, [1, 2]);
    drop(store);

    let store = SledStorage::open(folder.path())?;
    assert_eq!(store.last_audit_seq().await?, 2);
    let second = store.apply(change(vec![], vec![audit("c", "A"), audit("d", "A")])).await?;
    assert_eq!(second, [3, 4]);

    let after_two = store.audit(&AuditQuery { after_seq: Some(2), ..Default::default() }).await?;
    let actions: Vec<_> = after_two.iter().map(|r| (r.seq, r.entry.action.as_str())).collect();
    assert_eq!(actions, [(3, "c"), (4, "d")]);
    Ok(())
}

#[tokio::test]
async fn relaxed_mode_writes_everything_out_when_the_store_is_dropped() -> TestResult {
    let folder = tempfile::tempdir()?;
    let config = SledConfig::new(folder.path()).with_durability(Durability::Relaxed);

    let store = SledStorage::open_with(config.clone())?;
    assert_eq!(store.durability(), Durability::Relaxed);
    for i in 0..50 {
        let key = format!("k{i:02}");
        store
            .apply(change(
                vec![put(value(&key, 1, "{}", &[("batch", "one")]), Expected::Absent)],
                vec![audit("value.save", &key)],
            ))
            .await?;
    }
    drop(store);

    let store = SledStorage::open_with(config)?;
    assert_eq!(store.find(RecordKind::Value, "batch", "one").await?.len(), 50);
    assert_eq!(store.last_audit_seq().await?, 50);
    Ok(())
}

#[tokio::test]
async fn explicit_flush_succeeds_in_relaxed_mode() -> TestResult {
    let folder = tempfile::tempdir()?;
    let config = SledConfig::new(folder.path()).with_durability(Durability::Relaxed);
    let store = SledStorage::open_with(config)?;
    store.apply(change(vec![put(value("k", 1, "{}", &[]), Expected::Absent)], vec![])).await?;
    store.flush().await?;
    assert_eq!(store.get(RecordKind::Value, "k").await?.map(|r| r.version), Some(1));
    Ok(())
}

#[test]
fn opening_a_file_instead_of_a_folder_is_a_clear_error() -> TestResult {
    let folder = tempfile::tempdir()?;
    let file = folder.path().join("passport.db");
    std::fs::write(&file, "not a folder")?;

    let error = SledStorage::open(&file).expect_err("a file is not a store");
    assert!(matches!(error, OpenError::NotAFolder { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("passport.db") && message.contains("not a folder"), "{message}");
    assert_eq!(std::fs::read_to_string(&file)?, "not a folder", "the file is left alone");
    Ok(())
}

#[test]
fn opening_a_folder_of_other_files_is_refused_and_leaves_it_alone() -> TestResult {
    let folder = tempfile::tempdir()?;
    std::fs::write(folder.path().join("notes.txt"), "minutes of the meeting")?;

    let error = SledStorage::open(folder.path()).expect_err("a folder of other files");
    assert!(matches!(error, OpenError::NotAPassportStore { .. }), "{error:?}");
    let names: Vec<_> = std::fs::read_dir(folder.path())?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    assert_eq!(names, ["notes.txt"], "nothing was created");
    Ok(())
}

#[test]
fn opening_a_sled_database_of_another_program_is_refused() -> TestResult {
    let folder = tempfile::tempdir()?;
    {
        let db = sled::open(folder.path())?;
        db.open_tree("users")?.insert("alice", "admin")?;
        db.flush()?;
    }

    let error = SledStorage::open(folder.path()).expect_err("another program's database");
    assert!(matches!(error, OpenError::NotAPassportStore { .. }), "{error:?}");
    Ok(())
}

#[test]
fn newer_schema_is_refused() -> TestResult {
    let folder = tempfile::tempdir()?;
    drop(SledStorage::open(folder.path())?);
    let newer = SCHEMA_VERSION + 1;
    {
        let db = sled::open(folder.path())?;
        db.open_tree("meta")?.insert("schema_version", &newer.to_be_bytes())?;
        db.flush()?;
    }

    let error = SledStorage::open(folder.path()).expect_err("a newer schema");
    match &error {
        OpenError::NewerSchema { found, supported, .. } => {
            assert_eq!((*found, *supported), (newer, SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(error.to_string().contains("upgrade"), "{error}");

    let db = sled::open(folder.path())?;
    let stored = db.open_tree("meta")?.get("schema_version")?;
    assert_eq!(stored.as_deref(), Some(&newer.to_be_bytes()[..]), "the store is unchanged");
    Ok(())
}

/// A store written by a release of schema 1 held its records as JSON. It opens, is
/// raised to the current schema, reads its old records, and rewrites each in the new
/// layout when it changes, index entries and all.
#[tokio::test]
async fn schema_1_store_is_raised_and_its_json_records_stay_readable() -> TestResult {
    let folder = tempfile::tempdir()?;
    let key = "MR-1.1|2026-M07";
    let old = value(key, 1, r#"{"v":"\"333931\""}"#, &[("period", "2026-M07")]);
    let store = SledStorage::open(folder.path())?;
    store.apply(change(vec![put(old.clone(), Expected::Absent)], vec![])).await?;
    drop(store);
    {
        // What schema 1 wrote: the same record as a JSON object, and the version 1.
        let db = sled::open(folder.path())?;
        let json = serde_json::json!({
            "version": 1,
            "index": [{"name": "period", "value": "2026-M07"}],
            "body": old.body,
        });
        db.open_tree("records")?
            .insert(format!("value\0{key}").as_bytes(), serde_json::to_vec(&json)?)?;
        db.open_tree("meta")?.insert("schema_version", &1u64.to_be_bytes())?;
        db.flush()?;
    }

    let store = SledStorage::open(folder.path())?;
    assert_eq!(store.get(RecordKind::Value, key).await?, Some(old.clone()));
    assert_eq!(store.find(RecordKind::Value, "period", "2026-M07").await?, [old]);
    let new = value(key, 2, r#"{"v":"1"}"#, &[("period", "2026-M08")]);
    store.apply(change(vec![put(new.clone(), Expected::Version(1))], vec![])).await?;
    assert_eq!(store.get(RecordKind::Value, key).await?, Some(new.clone()));
    assert_eq!(store.find(RecordKind::Value, "period", "2026-M07").await?, []);
    assert_eq!(store.find(RecordKind::Value, "period", "2026-M08").await?, [new]);
    drop(store);

    let db = sled::open(folder.path())?;
    let stored = db.open_tree("meta")?.get("schema_version")?;
    assert_eq!(stored.as_deref(), Some(&SCHEMA_VERSION.to_be_bytes()[..]));
    let record = db.open_tree("records")?.get(format!("value\0{key}").as_bytes())?;
    assert_ne!(record.as_deref().and_then(|r| r.first()), Some(&b'{'), "rewritten as binary");
    Ok(())
}

#[test]
fn a_folder_is_open_in_only_one_store_at_a_time() -> TestResult {
    let folder = tempfile::tempdir()?;
    let first = SledStorage::open(folder.path())?;

    let error = SledStorage::open(folder.path()).expect_err("the folder is in use");
    assert!(matches!(error, OpenError::Engine { .. }), "{error:?}");

    drop(first);
    SledStorage::open(folder.path())?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_reopens_at_once_after_the_last_handle_is_dropped() -> TestResult {
    let folder = tempfile::tempdir()?;
    // Each round commits (which leaves sled's flush threads busy a moment longer) and
    // reopens straight after the drop; sled's lock must not make any round fail.
    for round in 1..=20u64 {
        let store = SledStorage::open(folder.path())?;
        let key = format!("MR-1.1|round-{round}");
        store
            .apply(change(
                vec![put(value(&key, 1, "{}", &[]), Expected::Absent)],
                vec![audit("value.save", &key)],
            ))
            .await?;
        drop(store);
    }
    let store = SledStorage::open(folder.path())?;
    assert_eq!(store.last_audit_seq().await?, 20);
    Ok(())
}

#[test]
fn open_errors_become_core_storage_errors() {
    let error: Error = OpenError::NotAFolder { path: "/srv/passport".into() }.into();
    assert_eq!(error.kind(), "storage");
    assert!(error.to_string().contains("/srv/passport"), "{error}");
}

#[tokio::test]
async fn index_values_containing_nul_match_only_themselves() -> TestResult {
    let folder = tempfile::tempdir()?;
    let store = SledStorage::open(folder.path())?;
    store
        .apply(change(
            vec![
                put(value("plain", 1, "{}", &[("tag", "a")]), Expected::Absent),
                put(value("with-nul", 1, "{}", &[("tag", "a\0\u{1}b")]), Expected::Absent),
                put(value("name-nul", 1, "{}", &[("tag\0a", "b")]), Expected::Absent),
            ],
            vec![],
        ))
        .await?;

    let keys = |records: Vec<citypassport_core::storage::StoredRecord>| {
        records.into_iter().map(|r| r.key).collect::<Vec<_>>()
    };
    assert_eq!(keys(store.find(RecordKind::Value, "tag", "a").await?), ["plain"]);
    assert_eq!(keys(store.find(RecordKind::Value, "tag", "a\0\u{1}b").await?), ["with-nul"]);
    assert_eq!(keys(store.find(RecordKind::Value, "tag\0a", "b").await?), ["name-nul"]);
    assert!(store.find(RecordKind::Value, "tag", "a\0").await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn audit_cursor_at_the_end_or_a_zero_limit_reads_nothing() -> TestResult {
    let folder = tempfile::tempdir()?;
    let store = SledStorage::open(folder.path())?;
    store.apply(change(vec![], vec![audit("a", "A"), audit("b", "A")])).await?;

    let at_end = AuditQuery { after_seq: Some(2), ..Default::default() };
    assert!(store.audit(&at_end).await?.is_empty());
    let past_everything = AuditQuery { after_seq: Some(u64::MAX), ..Default::default() };
    assert!(store.audit(&past_everything).await?.is_empty());
    let zero = AuditQuery { limit: Some(0), ..Default::default() };
    assert!(store.audit(&zero).await?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_on_separate_threads_exactly_one_wins() -> TestResult {
    let folder = tempfile::tempdir()?;
    let store = Arc::new(SledStorage::open(folder.path())?);
    store.apply(change(vec![put(value("race", 1, "{}", &[]), Expected::Absent)], vec![])).await?;

    let writers: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let next = value("race", 2, &format!("{{\"writer\":{i}}}"), &[("winner", "yes")]);
                store
                    .apply(change(
                        vec![put(next, Expected::Version(1))],
                        vec![audit("value.accept", "race")],
                    ))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    let mut conflicts = 0;
    for writer in writers {
        match writer.await? {
            Ok(_) => wins += 1,
            Err(Error::Conflict(_)) => conflicts += 1,
            Err(other) => return Err(other.into()),
        }
    }

    assert_eq!((wins, conflicts), (1, 15));
    assert_eq!(store.last_audit_seq().await?, 1);
    assert_eq!(store.find(RecordKind::Value, "winner", "yes").await?.len(), 1);
    Ok(())
}

/// A writer moves two records together, version by version, with two audit records
/// each time; readers on other threads must always see both at the same version, the
/// index agreeing with them, and whole pairs of audit records.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_never_see_part_of_a_change_set() -> TestResult {
    const ROUNDS: u64 = 1_000;
    let folder = tempfile::tempdir()?;
    let config = SledConfig::new(folder.path()).with_durability(Durability::Relaxed);
    let store = Arc::new(SledStorage::open_with(config)?);
    let pair = |version: u64| {
        let status = format!("s{version}");
        ["a", "b"].map(|key| value(key, version, "{}", &[("status", status.as_str())]))
    };
    let [a, b] = pair(1);
    store.apply(change(vec![put(a, Expected::Absent), put(b, Expected::Absent)], vec![])).await?;

    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for version in 2..=ROUNDS {
                let [a, b] = pair(version);
                let expected = Expected::Version(version - 1);
                store
                    .apply(change(
                        vec![put(a, expected), put(b, expected)],
                        vec![audit("move", "a"), audit("move", "b")],
                    ))
                    .await?;
            }
            Ok::<_, Error>(())
        })
    };

    let readers: Vec<_> = (0..3)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut checks = 0u64;
                let mut seen = 0u64;
                loop {
                    let both = store.scan(RecordKind::Value, "").await?;
                    let versions: Vec<u64> = both.iter().map(|r| r.version).collect();
                    assert_eq!(versions.len(), 2);
                    assert_eq!(versions[0], versions[1], "scan saw half a change set");

                    let status = format!("s{}", versions[0]);
                    let found = store.find(RecordKind::Value, "status", &status).await?;
                    assert!(found.len() == 2 || found.is_empty(), "find saw half a change set");
                    assert!(found.iter().all(|r| r.index[0].value == status), "stale index");

                    let since = AuditQuery { after_seq: Some(seen), ..Default::default() };
                    let log = store.audit(&since).await?;
                    assert_eq!(log.len() % 2, 0, "audit saw half a change set");
                    seen += log.len() as u64;

                    checks += 1;
                    if versions[0] == ROUNDS {
                        return Ok::<_, Error>(checks);
                    }
                }
            })
        })
        .collect();

    writer.await??;
    for reader in readers {
        assert!(reader.await?? > 0);
    }
    Ok(())
}
