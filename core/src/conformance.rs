//! The storage conformance suite: every behaviour the core relies on, for any backend.
//!
//! A backend's test file needs only a function that makes a fresh, empty store, and one
//! macro call:
//!
//! ```ignore
//! async fn fresh() -> citypassport_core::conformance::TestStore {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = MyStorage::open(dir.path()).unwrap();
//!     TestStore::new(std::sync::Arc::new(store), dir)
//! }
//! citypassport_core::storage_conformance!(fresh);
//! ```
//!
//! The macro writes one `#[tokio::test]` per behaviour, named after it, so a failure
//! says which guarantee broke. The calling crate needs `tokio` (with `macros` and a
//! runtime) as a dev-dependency; the core itself depends on no runtime.

use std::any::Any;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use crate::error::{Error, Result};
use crate::id::Id;
use crate::storage::{
    AuditQuery, ChangeSet, Expected, IndexEntry, NewAuditRecord, RecordKind, Storage, StoredRecord,
    Write,
};

/// A fresh store for one test, with whatever must live as long as it (a temporary
/// folder, a database to drop).
pub struct TestStore {
    /// The store under test.
    pub storage: Arc<dyn Storage>,
    _guard: Box<dyn Any + Send>,
}

impl TestStore {
    /// Wraps a store and the guard that keeps its resources alive.
    pub fn new(storage: Arc<dyn Storage>, guard: impl Any + Send) -> Self {
        TestStore { storage, _guard: Box::new(guard) }
    }
}

fn record(
    kind: RecordKind,
    key: &str,
    version: u64,
    body: &str,
    index: &[(&str, &str)],
) -> StoredRecord {
    StoredRecord {
        kind,
        key: key.to_string(),
        version,
        body: body.to_string(),
        index: index.iter().map(|(n, v)| IndexEntry::new(*n, *v)).collect(),
    }
}

fn put(record: StoredRecord, expected: Expected) -> Write {
    Write::Put { record, expected }
}

fn audit(action: &str, key: &str, minutes: i64, actor: Option<&str>) -> NewAuditRecord {
    NewAuditRecord {
        at: Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap() + Duration::minutes(minutes),
        actor: actor.map(Id::from),
        action: action.to_string(),
        kind: RecordKind::Value,
        key: key.to_string(),
        before: None,
        after: Some(format!("{{\"key\":\"{key}\"}}")),
    }
}

async fn insert(store: &dyn Storage, records: Vec<StoredRecord>) -> Result<Vec<u64>> {
    let writes = records.into_iter().map(|r| put(r, Expected::Absent)).collect();
    store.apply(ChangeSet { writes, audit: vec![] }).await
}

fn keys(records: &[StoredRecord]) -> Vec<&str> {
    records.iter().map(|r| r.key.as_str()).collect()
}

fn expect_conflict(result: Result<Vec<u64>>, what: &str) {
    match result {
        Err(Error::Conflict(_)) => {}
        other => panic!("{what}: expected a conflict, got {other:?}"),
    }
}

/// A stored record reads back exactly as written.
pub async fn put_then_get_returns_the_record(store: Arc<dyn Storage>) -> Result<()> {
    let written = record(
        RecordKind::Value,
        "MR-1.1|2026",
        1,
        r#"{"a":"Число родившихся"}"#,
        &[("period", "2026")],
    );
    insert(&*store, vec![written.clone()]).await?;
    assert_eq!(store.get(RecordKind::Value, "MR-1.1|2026").await?, Some(written));
    Ok(())
}

/// Reading a key that was never written gives nothing, not an error.
pub async fn missing_record_reads_as_none(store: Arc<dyn Storage>) -> Result<()> {
    assert_eq!(store.get(RecordKind::Indicator, "nope").await?, None);
    assert!(store.find(RecordKind::Value, "period", "2026").await?.is_empty());
    assert!(store.scan(RecordKind::Value, "").await?.is_empty());
    Ok(())
}

/// Inserting where a record already is gives a conflict and leaves the old record.
pub async fn insert_over_existing_record_is_a_conflict(store: Arc<dyn Storage>) -> Result<()> {
    let first = record(RecordKind::Account, "a1", 1, "{\"v\":1}", &[]);
    insert(&*store, vec![first.clone()]).await?;
    let second = record(RecordKind::Account, "a1", 1, "{\"v\":2}", &[]);
    expect_conflict(insert(&*store, vec![second]).await, "second insert");
    assert_eq!(store.get(RecordKind::Account, "a1").await?, Some(first));
    Ok(())
}

/// A write that expects an old version gives a conflict: a stale write is never a
/// silent overwrite.
pub async fn stale_write_is_a_conflict(store: Arc<dyn Storage>) -> Result<()> {
    insert(&*store, vec![record(RecordKind::Value, "X|2026", 1, "{}", &[])]).await?;
    let v2 = record(RecordKind::Value, "X|2026", 2, "{\"by\":\"first\"}", &[]);
    store
        .apply(ChangeSet { writes: vec![put(v2.clone(), Expected::Version(1))], audit: vec![] })
        .await?;

    // A second writer that also read version 1.
    let stale = record(RecordKind::Value, "X|2026", 2, "{\"by\":\"second\"}", &[]);
    let result = store
        .apply(ChangeSet { writes: vec![put(stale, Expected::Version(1))], audit: vec![] })
        .await;
    expect_conflict(result, "stale write");
    assert_eq!(store.get(RecordKind::Value, "X|2026").await?, Some(v2));
    Ok(())
}

/// Expecting a version of a record that does not exist is a conflict too.
pub async fn update_of_missing_record_is_a_conflict(store: Arc<dyn Storage>) -> Result<()> {
    let ghost = record(RecordKind::Value, "ghost", 2, "{}", &[]);
    let result = store
        .apply(ChangeSet { writes: vec![put(ghost, Expected::Version(1))], audit: vec![] })
        .await;
    expect_conflict(result, "update of a missing record");
    assert_eq!(store.get(RecordKind::Value, "ghost").await?, None);
    Ok(())
}

/// When one write of a change set conflicts, none of its writes and none of its audit
/// records are stored.
pub async fn change_set_is_all_or_nothing(store: Arc<dyn Storage>) -> Result<()> {
    insert(&*store, vec![record(RecordKind::Value, "B", 1, "{}", &[("period", "2026")])]).await?;
    let before_seq = store.last_audit_seq().await?;

    let changes = ChangeSet {
        writes: vec![
            put(record(RecordKind::Value, "A", 1, "{}", &[("period", "2026")]), Expected::Absent),
            put(
                record(RecordKind::Value, "B", 3, "{}", &[("period", "2027")]),
                Expected::Version(2),
            ),
            put(record(RecordKind::Value, "C", 1, "{}", &[("period", "2026")]), Expected::Absent),
        ],
        audit: vec![audit("value.save", "A", 0, Some("u1"))],
    };
    expect_conflict(store.apply(changes).await, "change set with one stale write");

    assert_eq!(store.get(RecordKind::Value, "A").await?, None);
    assert_eq!(store.get(RecordKind::Value, "C").await?, None);
    assert_eq!(store.get(RecordKind::Value, "B").await?.map(|r| r.version), Some(1));
    assert_eq!(keys(&store.find(RecordKind::Value, "period", "2026").await?), ["B"]);
    assert_eq!(store.last_audit_seq().await?, before_seq);
    assert!(store.audit(&AuditQuery::default()).await?.is_empty());
    Ok(())
}

/// A change set may not write the same record twice.
pub async fn change_set_writing_a_record_twice_is_refused(store: Arc<dyn Storage>) -> Result<()> {
    let changes = ChangeSet {
        writes: vec![
            put(record(RecordKind::Value, "A", 1, "{}", &[]), Expected::Absent),
            put(record(RecordKind::Value, "A", 1, "{}", &[]), Expected::Absent),
        ],
        audit: vec![],
    };
    assert!(store.apply(changes).await.is_err());
    assert_eq!(store.get(RecordKind::Value, "A").await?, None);
    Ok(())
}

/// `find` returns the records with a matching index entry, in key order, and only
/// those.
pub async fn find_returns_matching_records_in_key_order(store: Arc<dyn Storage>) -> Result<()> {
    insert(
        &*store,
        vec![
            record(
                RecordKind::Value,
                "c|2026-Q1",
                1,
                "{}",
                &[("period", "2026-Q1"), ("status", "draft")],
            ),
            record(
                RecordKind::Value,
                "a|2026-Q1",
                1,
                "{}",
                &[("period", "2026-Q1"), ("status", "accepted")],
            ),
            record(
                RecordKind::Value,
                "b|2026-Q2",
                1,
                "{}",
                &[("period", "2026-Q2"), ("status", "draft")],
            ),
            record(RecordKind::Revision, "a|2026-Q1|1", 1, "{}", &[("period", "2026-Q1")]),
        ],
    )
    .await?;
    assert_eq!(
        keys(&store.find(RecordKind::Value, "period", "2026-Q1").await?),
        ["a|2026-Q1", "c|2026-Q1"]
    );
    assert_eq!(
        keys(&store.find(RecordKind::Value, "status", "draft").await?),
        ["b|2026-Q2", "c|2026-Q1"]
    );
    // An index value that is a prefix of another matches only itself.
    assert!(store.find(RecordKind::Value, "period", "2026-Q").await?.is_empty());
    assert!(store.find(RecordKind::Value, "status", "2026-Q1").await?.is_empty());
    Ok(())
}

/// Overwriting a record replaces its index entries; the old ones no longer find it.
pub async fn overwrite_replaces_index_entries(store: Arc<dyn Storage>) -> Result<()> {
    insert(&*store, vec![record(RecordKind::Value, "k", 1, "{}", &[("status", "draft")])]).await?;
    let submitted = record(RecordKind::Value, "k", 2, "{\"s\":1}", &[("status", "submitted")]);
    store
        .apply(ChangeSet { writes: vec![put(submitted, Expected::Version(1))], audit: vec![] })
        .await?;
    assert!(store.find(RecordKind::Value, "status", "draft").await?.is_empty());
    let found = store.find(RecordKind::Value, "status", "submitted").await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].version, 2);
    Ok(())
}

/// A delete removes the record and its index entries; a stale delete is a conflict.
pub async fn delete_removes_record_and_index(store: Arc<dyn Storage>) -> Result<()> {
    insert(&*store, vec![record(RecordKind::Session, "s1", 1, "{}", &[("account", "a1")])]).await?;
    let stale = Write::Delete {
        kind: RecordKind::Session,
        key: "s1".into(),
        expected: Expected::Version(7),
    };
    expect_conflict(
        store.apply(ChangeSet { writes: vec![stale], audit: vec![] }).await,
        "stale delete",
    );
    assert!(store.get(RecordKind::Session, "s1").await?.is_some());

    let delete = Write::Delete {
        kind: RecordKind::Session,
        key: "s1".into(),
        expected: Expected::Version(1),
    };
    store.apply(ChangeSet { writes: vec![delete], audit: vec![] }).await?;
    assert_eq!(store.get(RecordKind::Session, "s1").await?, None);
    assert!(store.find(RecordKind::Session, "account", "a1").await?.is_empty());
    Ok(())
}

/// A record that lists an index entry twice is found once by it, and a record deleted
/// and written again under its old key is found once by its entries, not twice and not
/// refused.
pub async fn index_entries_are_kept_once_per_record(store: Arc<dyn Storage>) -> Result<()> {
    let twice = &[("status", "draft"), ("period", "2026-M07"), ("status", "draft")];
    insert(&*store, vec![record(RecordKind::Value, "k", 1, "{}", twice)]).await?;
    assert_eq!(keys(&store.find(RecordKind::Value, "status", "draft").await?), ["k"]);

    let delete =
        Write::Delete { kind: RecordKind::Value, key: "k".into(), expected: Expected::Version(1) };
    store.apply(ChangeSet { writes: vec![delete], audit: vec![] }).await?;
    assert!(store.find(RecordKind::Value, "status", "draft").await?.is_empty());
    insert(&*store, vec![record(RecordKind::Value, "k", 1, "{\"again\":1}", twice)]).await?;
    let found = store.find(RecordKind::Value, "status", "draft").await?;
    assert_eq!(keys(&found), ["k"]);
    assert_eq!(found[0].body, "{\"again\":1}");
    assert_eq!(keys(&store.find(RecordKind::Value, "period", "2026-M07").await?), ["k"]);
    Ok(())
}

/// `scan` lists a kind by key prefix in key order, and never strays into another kind.
pub async fn scan_lists_by_prefix_in_key_order(store: Arc<dyn Storage>) -> Result<()> {
    insert(
        &*store,
        vec![
            record(RecordKind::Value, "A|2026-M02", 1, "{}", &[]),
            record(RecordKind::Value, "A|2026-M01", 1, "{}", &[]),
            record(RecordKind::Value, "A1|2026-M01", 1, "{}", &[]),
            record(RecordKind::Value, "B|2026-M01", 1, "{}", &[]),
            record(RecordKind::Revision, "A|2026-M01|00000001", 1, "{}", &[]),
        ],
    )
    .await?;
    assert_eq!(keys(&store.scan(RecordKind::Value, "A|").await?), ["A|2026-M01", "A|2026-M02"]);
    assert_eq!(store.scan(RecordKind::Value, "").await?.len(), 4);
    assert_eq!(keys(&store.scan(RecordKind::Revision, "A|").await?), ["A|2026-M01|00000001"]);
    Ok(())
}

/// A scan read page by page returns the same records in the same order as one scan,
/// starting after the cursor and stopping at the prefix's end.
pub async fn scan_page_reads_after_the_cursor_within_the_prefix(
    store: Arc<dyn Storage>,
) -> Result<()> {
    insert(
        &*store,
        vec![
            record(RecordKind::Value, "A|2026-M01", 1, "{}", &[]),
            record(RecordKind::Value, "A|2026-M02", 1, "{}", &[]),
            record(RecordKind::Value, "A|2026-M03", 1, "{}", &[]),
            record(RecordKind::Value, "A1|2026-M01", 1, "{}", &[]),
            record(RecordKind::Value, "B|2026-M01", 1, "{}", &[]),
            record(RecordKind::Revision, "A|2026-M01|00000001", 1, "{}", &[]),
        ],
    )
    .await?;
    let page = |prefix: &'static str, after: Option<&'static str>, limit: usize| {
        let store = store.clone();
        async move {
            let found = store.scan_page(RecordKind::Value, prefix, after, limit).await?;
            Ok::<_, Error>(found.into_iter().map(|r| r.key).collect::<Vec<_>>())
        }
    };
    assert_eq!(page("", None, 2).await?, ["A1|2026-M01", "A|2026-M01"]);
    assert_eq!(page("", Some("A|2026-M01"), 2).await?, ["A|2026-M02", "A|2026-M03"]);
    assert_eq!(page("", Some("A|2026-M03"), 10).await?, ["B|2026-M01"]);
    assert!(page("", Some("B|2026-M01"), 10).await?.is_empty());
    assert_eq!(page("A|", None, 10).await?, ["A|2026-M01", "A|2026-M02", "A|2026-M03"]);
    assert_eq!(page("A|", Some("A|2026-M01"), 1).await?, ["A|2026-M02"]);
    assert_eq!(page("A|", Some("0"), 1).await?, ["A|2026-M01"]);
    assert!(page("A|", Some("A|2026-M03"), 10).await?.is_empty());
    assert!(page("A|", None, 0).await?.is_empty());
    Ok(())
}

/// The same key in two kinds is two records.
pub async fn kinds_are_separate_key_spaces(store: Arc<dyn Storage>) -> Result<()> {
    insert(
        &*store,
        vec![
            record(RecordKind::Department, "same", 1, "{\"d\":1}", &[("name", "x")]),
            record(RecordKind::Account, "same", 1, "{\"a\":1}", &[("name", "x")]),
        ],
    )
    .await?;
    assert_eq!(
        store.get(RecordKind::Department, "same").await?.map(|r| r.body),
        Some("{\"d\":1}".into())
    );
    assert_eq!(
        store.get(RecordKind::Account, "same").await?.map(|r| r.body),
        Some("{\"a\":1}".into())
    );
    assert_eq!(store.find(RecordKind::Account, "name", "x").await?.len(), 1);
    Ok(())
}

/// `get_many` answers in the order asked, with gaps for missing keys.
pub async fn get_many_keeps_the_order_asked(store: Arc<dyn Storage>) -> Result<()> {
    insert(
        &*store,
        vec![
            record(RecordKind::Value, "k1", 1, "{}", &[]),
            record(RecordKind::Value, "k3", 1, "{}", &[]),
        ],
    )
    .await?;
    let asked = vec!["k3".to_string(), "k2".to_string(), "k1".to_string()];
    let found = store.get_many(RecordKind::Value, &asked).await?;
    let found: Vec<Option<&str>> =
        found.iter().map(|r| r.as_ref().map(|r| r.key.as_str())).collect();
    assert_eq!(found, [Some("k3"), None, Some("k1")]);
    Ok(())
}

/// Audit records are numbered 1, 2, 3, ... in commit order, a change set's
/// consecutively, and read back exactly as written.
pub async fn audit_sequence_numbers_are_consecutive(store: Arc<dyn Storage>) -> Result<()> {
    assert_eq!(store.last_audit_seq().await?, 0);
    let first = store
        .apply(ChangeSet {
            writes: vec![put(record(RecordKind::Value, "A", 1, "{}", &[]), Expected::Absent)],
            audit: vec![
                audit("value.save", "A", 0, Some("u1")),
                audit("value.submit", "A", 1, Some("u1")),
            ],
        })
        .await?;
    assert_eq!(first, [1, 2]);
    let second = store
        .apply(ChangeSet { writes: vec![], audit: vec![audit("export", "A", 2, Some("u2"))] })
        .await?;
    assert_eq!(second, [3]);
    assert_eq!(store.last_audit_seq().await?, 3);

    let all = store.audit(&AuditQuery::default()).await?;
    assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(all[1].entry, audit("value.submit", "A", 1, Some("u1")));
    Ok(())
}

/// Each audit record carries the hash that chains it to the one before, across change
/// sets.
pub async fn audit_records_form_a_hash_chain(store: Arc<dyn Storage>) -> Result<()> {
    use crate::storage::{chain_hash, GENESIS_HASH};

    store.apply(ChangeSet { writes: vec![], audit: vec![audit("a", "A", 0, Some("u1"))] }).await?;
    let entries = vec![audit("b", "B", 1, None), audit("c", "C", 2, Some("u2"))];
    store.apply(ChangeSet { writes: vec![], audit: entries }).await?;

    let records = store.audit(&AuditQuery::default()).await?;
    let mut previous = GENESIS_HASH.to_string();
    for record in &records {
        assert_eq!(
            record.hash,
            chain_hash(&previous, record.seq, &record.entry),
            "seq {}",
            record.seq
        );
        previous = record.hash.clone();
    }
    assert_eq!(records.len(), 3);
    Ok(())
}

/// The audit log answers queries by cursor, time, actor and record, with a limit.
pub async fn audit_query_filters_by_cursor_time_actor_and_record(
    store: Arc<dyn Storage>,
) -> Result<()> {
    let entries = vec![
        audit("value.save", "A", 0, Some("u1")),
        audit("value.save", "B", 10, Some("u2")),
        audit("value.submit", "A", 20, Some("u1")),
        audit("value.accept", "A", 30, Some("u3")),
        audit("system", "C", 40, None),
    ];
    store.apply(ChangeSet { writes: vec![], audit: entries }).await?;
    let seqs = |records: Vec<crate::storage::AuditRecord>| {
        records.iter().map(|r| r.seq).collect::<Vec<_>>()
    };

    assert_eq!(
        seqs(store.audit(&AuditQuery { after_seq: Some(3), ..Default::default() }).await?),
        [4, 5]
    );
    assert_eq!(
        seqs(store.audit(&AuditQuery { actor: Some("u1".into()), ..Default::default() }).await?),
        [1, 3]
    );
    let base = Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap();
    let window = AuditQuery {
        from: Some(base + Duration::minutes(10)),
        to: Some(base + Duration::minutes(30)),
        ..Default::default()
    };
    assert_eq!(seqs(store.audit(&window).await?), [2, 3]);
    let about_a =
        AuditQuery { kind: Some(RecordKind::Value), key: Some("A".into()), ..Default::default() };
    assert_eq!(seqs(store.audit(&about_a).await?), [1, 3, 4]);
    let limited = AuditQuery { key: Some("A".into()), limit: Some(2), ..Default::default() };
    assert_eq!(seqs(store.audit(&limited).await?), [1, 3]);
    let none = AuditQuery { kind: Some(RecordKind::Account), ..Default::default() };
    assert!(store.audit(&none).await?.is_empty());
    Ok(())
}

/// Text of any script and size, and keys with separators, survive a round trip.
pub async fn unicode_and_large_bodies_round_trip(store: Arc<dyn Storage>) -> Result<()> {
    let big = format!("{{\"text\":\"{}\"}}", "Ёлка «ёж» — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ".repeat(4_000));
    let key = "МР/1.1 «x»|2026-M07";
    let written =
        record(RecordKind::Indicator, key, 1, &big, &[("section", "Население и «демография»")]);
    insert(&*store, vec![written.clone()]).await?;
    assert_eq!(store.get(RecordKind::Indicator, key).await?, Some(written));
    assert_eq!(
        store.find(RecordKind::Indicator, "section", "Население и «демография»").await?.len(),
        1
    );
    Ok(())
}

/// Of several writers that read the same version, exactly one succeeds, even when
/// their change sets are applied at the same time.
pub async fn racing_writers_exactly_one_wins(store: Arc<dyn Storage>) -> Result<()> {
    insert(&*store, vec![record(RecordKind::Value, "race", 1, "{}", &[])]).await?;
    let attempts = (0..8).map(|i| {
        let store = store.clone();
        async move {
            let next = record(RecordKind::Value, "race", 2, &format!("{{\"writer\":{i}}}"), &[]);
            store
                .apply(ChangeSet {
                    writes: vec![put(next, Expected::Version(1))],
                    audit: vec![audit("value.accept", "race", i, Some("u"))],
                })
                .await
        }
    });
    let results = join_all(attempts.collect()).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(Error::Conflict(_)))).count();
    assert_eq!((wins, conflicts), (1, 7), "{results:?}");
    assert_eq!(store.last_audit_seq().await?, 1);
    assert_eq!(store.get(RecordKind::Value, "race").await?.map(|r| r.version), Some(2));
    Ok(())
}

/// Polls every future until all are done, without an executor of our own, so the
/// suite runs on whatever runtime the backend's tests use.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::pin::Pin;
    use std::task::Poll;

    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut all_done = true;
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Poll::Ready(
                outputs.iter_mut().map(|o| o.take().expect("every future finished")).collect(),
            )
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Writes one test per behaviour of the suite for a backend. See the module docs.
#[macro_export]
macro_rules! storage_conformance {
    ($fresh:path) => {
        $crate::__storage_conformance_tests!(
            $fresh;
            put_then_get_returns_the_record,
            missing_record_reads_as_none,
            insert_over_existing_record_is_a_conflict,
            stale_write_is_a_conflict,
            update_of_missing_record_is_a_conflict,
            change_set_is_all_or_nothing,
            change_set_writing_a_record_twice_is_refused,
            find_returns_matching_records_in_key_order,
            overwrite_replaces_index_entries,
            delete_removes_record_and_index,
            index_entries_are_kept_once_per_record,
            scan_lists_by_prefix_in_key_order,
            scan_page_reads_after_the_cursor_within_the_prefix,
            kinds_are_separate_key_spaces,
            get_many_keeps_the_order_asked,
            audit_sequence_numbers_are_consecutive,
            audit_query_filters_by_cursor_time_actor_and_record,
            audit_records_form_a_hash_chain,
            unicode_and_large_bodies_round_trip,
            racing_writers_exactly_one_wins
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __storage_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() -> ::std::result::Result<(), $crate::Error> {
                let store = $fresh().await;
                $crate::conformance::$name(store.storage.clone()).await
            }
        )*
    };
}
