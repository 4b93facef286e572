//! What the PostgreSQL store promises beyond the conformance suite: migrations,
//! many writers on pooled connections, and messages that keep secrets.

mod common;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use citypassport_core::storage::{
    AuditQuery, ChangeSet, Expected, IndexEntry, NewAuditRecord, RecordKind, Storage, StoredRecord,
    Write,
};
use citypassport_core::{Error, Id};
use citypassport_postgres::testing::TestSchema;
use citypassport_postgres::{PostgresConfig, PostgresError, PostgresStorage, SCHEMA_VERSION};
use sqlx::{Connection, Executor, Row};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn record(key: &str, version: u64, body: String) -> StoredRecord {
    StoredRecord {
        kind: RecordKind::Value,
        key: key.to_string(),
        version,
        body,
        index: vec![IndexEntry::new("period", "2026-Q3")],
    }
}

fn audit(action: &str, key: &str, actor: &str) -> NewAuditRecord {
    NewAuditRecord {
        at: Utc::now(),
        actor: Some(Id::from(actor)),
        action: action.to_string(),
        kind: RecordKind::Value,
        key: key.to_string(),
        before: None,
        after: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent_and_recorded() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    assert_eq!(store.schema_version().await?, SCHEMA_VERSION);

    // Running them again, or opening the store again, changes nothing.
    assert_eq!(store.migrate().await?, Vec::<u32>::new());
    let again = schema.open().await;
    assert_eq!(again.schema_version().await?, SCHEMA_VERSION);

    let mut conn = common::connection(&schema).await;
    let rows = sqlx::query("SELECT version FROM citypassport_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await?;
    let versions: Vec<i64> = rows.iter().map(|r| r.get("version")).collect();
    let expected: Vec<i64> = (1..=i64::from(SCHEMA_VERSION)).collect();
    assert_eq!(versions, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_opening_a_new_store_at_once_migrate_it_once() -> TestResult {
    let schema = TestSchema::fresh();
    let opens = (0..6).map(|_| {
        let config = schema.config();
        tokio::spawn(async move { PostgresStorage::connect_with(config).await })
    });
    for open in opens.collect::<Vec<_>>() {
        let store = open.await??;
        assert_eq!(store.schema_version().await?, SCHEMA_VERSION);
    }

    let mut conn = common::connection(&schema).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM citypassport_migrations")
        .fetch_one(&mut conn)
        .await?;
    assert_eq!(count, i64::from(SCHEMA_VERSION));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_of_a_newer_library_is_refused_and_left_alone() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    store
        .apply(ChangeSet {
            writes: vec![put(record("kept", 1, "{}".into()), Expected::Absent)],
            audit: vec![],
        })
        .await?;

    let mut conn = common::connection(&schema).await;
    sqlx::query("INSERT INTO citypassport_migrations (version, name) VALUES (999, 'future')")
        .execute(&mut conn)
        .await?;

    match PostgresStorage::connect_with(schema.config()).await {
        Err(PostgresError::NewerSchema { found: 999, known }) => assert_eq!(known, SCHEMA_VERSION),
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(store.get(RecordKind::Value, "kept").await?.is_some());
    Ok(())
}

/// The released migrations, as the files ship them, to rebuild a store as an older
/// library left it.
const RELEASED: [(u32, &str, &str); 3] = [
    (1, "records_index_audit", include_str!("../migrations/0001_records_index_audit.sql")),
    (2, "reporting_views", include_str!("../migrations/0002_reporting_views.sql")),
    (3, "audit_hash_chain", include_str!("../migrations/0003_audit_hash_chain.sql")),
];

/// Makes the schema exactly as the library at schema `version` left it, and returns a
/// connection to it.
async fn store_at_version(
    schema: &TestSchema,
    version: u32,
) -> Result<sqlx::PgConnection, sqlx::Error> {
    let mut admin = sqlx::PgConnection::connect(schema.url()).await?;
    sqlx::query("SELECT set_config('citypassport.schema', $1, false)")
        .bind(schema.name())
        .execute(&mut admin)
        .await?;
    admin
        .execute(
            "DO $$ BEGIN
                 EXECUTE format('CREATE SCHEMA %I', current_setting('citypassport.schema'));
             END $$",
        )
        .await?;

    let mut conn = common::connection(schema).await;
    conn.execute(
        "CREATE TABLE citypassport_migrations (
             version bigint PRIMARY KEY, name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    for (number, name, sql) in RELEASED.iter().filter(|m| m.0 <= version) {
        conn.execute(*sql).await?;
        sqlx::query("INSERT INTO citypassport_migrations (version, name) VALUES ($1, $2)")
            .bind(i64::from(*number))
            .bind(*name)
            .execute(&mut conn)
            .await?;
    }
    Ok(conn)
}

/// Writes the records of a change set straight into the tables, as an older library
/// would have.
async fn insert_as_older_library(conn: &mut sqlx::PgConnection, changes: ChangeSet) -> TestResult {
    for write in changes.writes {
        let Write::Put { record, .. } = write else { continue };
        let entries: Vec<[&str; 2]> =
            record.index.iter().map(|e| [e.name.as_str(), e.value.as_str()]).collect();
        sqlx::query(
            "INSERT INTO records (kind, key, version, body, index_entries)
             VALUES ($1, $2, $3, $4, $5::jsonb)",
        )
        .bind(record.kind.as_str())
        .bind(&record.key)
        .bind(i64::try_from(record.version)?)
        .bind(&record.body)
        .bind(serde_json::to_string(&entries)?)
        .execute(&mut *conn)
        .await?;
        for entry in &record.index {
            sqlx::query(
                "INSERT INTO record_index (kind, name, value, key) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(record.kind.as_str())
            .bind(&entry.name)
            .bind(&entry.value)
            .bind(&record.key)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_made_by_the_first_version_is_migrated_without_losing_data() -> TestResult {
    let schema = TestSchema::fresh();

    // The store exactly as version 1 of the library left it, with records in it: one
    // value, and a catalog with versions from a period and their values.
    let mut conn = store_at_version(&schema, 1).await?;
    conn.execute(
        "INSERT INTO records (kind, key, version, body, index_entries)
             VALUES ('value', 'MR-1|2026', 3, '{\"by\": \"v1\"}', '[[\"period\", \"2026\"]]');
         INSERT INTO record_index (kind, name, value, key)
             VALUES ('value', 'period', '2026', 'MR-1|2026');
         INSERT INTO audit (seq, at, action, kind, key)
             VALUES (1, now(), 'value.save', 'value', 'MR-1|2026');
         UPDATE audit_counter SET last_seq = 1;",
    )
    .await?;
    let catalog = common::unit_change_and_retirement()?.into_change_set();
    let catalog_records = catalog.writes.len();
    insert_as_older_library(&mut conn, catalog).await?;

    let store = schema.open().await;
    assert_eq!(store.schema_version().await?, SCHEMA_VERSION);
    let kept = store.get(RecordKind::Value, "MR-1|2026").await?.expect("the record");
    assert_eq!((kept.version, kept.body.as_str()), (3, "{\"by\": \"v1\"}"));
    assert_eq!(kept.index, [IndexEntry::new("period", "2026")]);
    assert_eq!(store.find(RecordKind::Value, "period", "2026").await?.len(), 1);
    assert_eq!(store.last_audit_seq().await?, 1);
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM records").fetch_one(&mut conn).await?;
    assert_eq!(count, i64::try_from(catalog_records)? + 1);

    // Migration 3 gives the records made before the chain an empty hash.
    let hash: String =
        sqlx::query_scalar("SELECT hash FROM audit WHERE seq = 1").fetch_one(&mut conn).await?;
    assert_eq!(hash, "");

    // Migration 4's views read the old records: each value in its own unit, and the
    // catalog in force without the retired indicator. (The first record above is not
    // shaped like a value, so it has no indicator.)
    let units: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT indicator_code, period, unit FROM current_values
         WHERE indicator_code IS NOT NULL ORDER BY indicator_code, period",
    )
    .fetch_all(&mut conn)
    .await?;
    let unit = |code: &str, period: &str, unit: &str| (code.into(), period.into(), unit.into());
    assert_eq!(
        units,
        [
            unit("FIN-1", "2008", "тыс. рублей"),
            unit("FIN-1", "2009", "рублей"),
            unit("OLD-1", "2019", "единиц"),
            unit("OLD-1", "2020", "единиц"),
        ]
    );
    let in_force: Vec<String> =
        sqlx::query_scalar("SELECT code FROM catalog_in_force").fetch_all(&mut conn).await?;
    assert_eq!(in_force, ["FIN-1"]);

    // The next change set continues the log where version 1 left it.
    let next = record("MR-1|2026", 4, "{}".into());
    let seqs = store
        .apply(ChangeSet {
            writes: vec![put(next, Expected::Version(3))],
            audit: vec![audit("value.submit", "MR-1|2026", "u1")],
        })
        .await?;
    assert_eq!(seqs, [2]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_and_grants_built_on_the_old_reporting_views_survive_migration_4() -> TestResult {
    let schema = TestSchema::fresh();

    // A store at schema 3 whose analyst made a view of their own over current_values
    // and granted it on; a migration that dropped current_values would fail on it, or
    // take it away with CASCADE.
    let mut conn = store_at_version(&schema, 3).await?;
    insert_as_older_library(&mut conn, common::unit_change_and_retirement()?.into_change_set())
        .await?;
    conn.execute(
        "CREATE VIEW budget AS
             SELECT period, unit, value FROM current_values WHERE indicator_code = 'FIN-1';
         GRANT SELECT ON current_values, budget TO PUBLIC;",
    )
    .await?;
    let before: Vec<(String, String)> =
        sqlx::query_as("SELECT period, unit FROM budget ORDER BY period")
            .fetch_all(&mut conn)
            .await?;
    // Schema 3 showed the newest definition for every year.
    assert_eq!(before, [("2008".into(), "рублей".into()), ("2009".into(), "рублей".into())]);

    let store = schema.open().await;
    assert_eq!(store.schema_version().await?, SCHEMA_VERSION);

    let after: Vec<(String, String)> =
        sqlx::query_as("SELECT period, unit FROM budget ORDER BY period")
            .fetch_all(&mut conn)
            .await?;
    assert_eq!(after, [("2008".into(), "тыс. рублей".into()), ("2009".into(), "рублей".into())]);
    let granted: bool = sqlx::query_scalar(
        "SELECT has_table_privilege('public', 'current_values', 'SELECT')
            AND has_table_privilege('public', 'budget', 'SELECT')",
    )
    .fetch_one(&mut conn)
    .await?;
    assert!(granted);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_without_migrating_needs_a_migrated_store() -> TestResult {
    let schema = TestSchema::fresh();
    let config = schema.config().with_migrate(false);
    match PostgresStorage::connect_with(config.clone()).await {
        Err(PostgresError::MigrationNeeded { found: 0, known }) => {
            assert_eq!(known, SCHEMA_VERSION)
        }
        other => panic!("expected MigrationNeeded, got {other:?}"),
    }

    // Once an administrator has migrated it, the same configuration opens it.
    schema.open().await;
    let store = PostgresStorage::connect_with(config).await?;
    assert_eq!(store.last_audit_seq().await?, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_names_reach_the_server_only_as_parameters() -> TestResult {
    let name = format!("Город \"{}\"; DROP TABLE x; --", std::process::id());
    let schema = TestSchema::named(name.clone());
    let store = schema.open().await;
    store
        .apply(ChangeSet {
            writes: vec![put(record("k", 1, "{}".into()), Expected::Absent)],
            audit: vec![],
        })
        .await?;

    let mut conn = common::connection(&schema).await;
    let table_schema: String = sqlx::query_scalar(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'records' \
         AND table_schema = $1",
    )
    .bind(&name)
    .fetch_one(&mut conn)
    .await?;
    assert_eq!(table_schema, name);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_sort_as_bytes_whatever_the_database_locale() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    let mut keys =
        vec!["b", "B", "a", "é", "z", "Я", "я", "A|1", "A1", "'; DROP TABLE records; --"];
    let writes = keys.iter().map(|k| put(record(k, 1, "{}".into()), Expected::Absent)).collect();
    store.apply(ChangeSet { writes, audit: vec![] }).await?;

    keys.sort_unstable();
    let listed = store.scan(RecordKind::Value, "").await?;
    assert_eq!(listed.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), keys);
    let found = store.find(RecordKind::Value, "period", "2026-Q3").await?;
    assert_eq!(found.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), keys);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_instants_keep_their_nanoseconds() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    let at = Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap()
        + chrono::Duration::nanoseconds(1_234_567);
    let entry = NewAuditRecord { at, ..audit("value.save", "k", "u1") };
    store.apply(ChangeSet { writes: vec![], audit: vec![entry.clone()] }).await?;

    let read = store.audit(&AuditQuery::default()).await?;
    assert_eq!(read[0].entry, entry);
    // Bounds a few nanoseconds either side of it still tell it apart.
    let after =
        AuditQuery { from: Some(at + chrono::Duration::nanoseconds(1)), ..Default::default() };
    assert!(store.audit(&after).await?.is_empty());
    let until =
        AuditQuery { to: Some(at + chrono::Duration::nanoseconds(1)), ..Default::default() };
    assert_eq!(store.audit(&until).await?.len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_pooled_connections_lose_no_update() -> TestResult {
    const TASKS: u64 = 16;
    const INCREMENTS: u64 = 10;

    let schema = TestSchema::fresh();
    let store =
        Arc::new(PostgresStorage::connect_with(schema.config().with_max_connections(8)).await?);
    store
        .apply(ChangeSet {
            writes: vec![put(record("counter", 1, counter_body(0)), Expected::Absent)],
            audit: vec![audit("value.create", "counter", "setup")],
        })
        .await?;

    // Each task reads the counter, adds one and writes it back expecting the version
    // it read; on a conflict it reads again. A lost update would leave the count short.
    let tasks = (0..TASKS).map(|task| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut conflicts = 0u64;
            let mut done = 0;
            while done < INCREMENTS {
                let current = store.get(RecordKind::Value, "counter").await?.expect("the counter");
                let count = read_counter(&current.body);
                let next = record("counter", current.version + 1, counter_body(count + 1));
                let changes = ChangeSet {
                    writes: vec![put(next, Expected::Version(current.version))],
                    audit: vec![audit("value.increment", "counter", &format!("task-{task}"))],
                };
                match store.apply(changes).await {
                    Ok(_) => done += 1,
                    Err(Error::Conflict(_)) => conflicts += 1,
                    Err(other) => return Err(other),
                }
            }
            Ok::<u64, Error>(conflicts)
        })
    });
    let mut conflicts = 0;
    for task in tasks.collect::<Vec<_>>() {
        conflicts += task.await??;
    }
    let successes = TASKS * INCREMENTS;

    let last = store.get(RecordKind::Value, "counter").await?.expect("the counter");
    assert_eq!(last.version, 1 + successes, "after {conflicts} conflicts");
    assert_eq!(read_counter(&last.body), successes);

    // The log has the creation and one record per success, numbered without a gap.
    let log = store.audit(&AuditQuery::default()).await?;
    assert_eq!(log.len() as u64, 1 + successes);
    assert!(log.iter().enumerate().all(|(i, r)| r.seq == i as u64 + 1));
    assert_eq!(store.last_audit_seq().await?, 1 + successes);
    for task in 0..TASKS {
        let by_task =
            AuditQuery { actor: Some(Id::from(format!("task-{task}"))), ..Default::default() };
        assert_eq!(store.audit(&by_task).await?.len() as u64, INCREMENTS);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_do_not_show_the_password() -> TestResult {
    const SECRET: &str = "hunter2-very-secret";
    let url = citypassport_postgres::testing::test_url();

    // A role that does not exist, with a password: the server refuses the login
    // whatever its authentication settings.
    let rest = url.split_once('@').map(|(_, rest)| rest).expect("a URL with a host");
    let wrong_login = format!("postgres://citypassport_nobody:{SECRET}@{rest}");
    let error = PostgresStorage::connect(&wrong_login).await.expect_err("a refused login");
    assert!(matches!(error, PostgresError::Connect { .. }), "{error:?}");
    for shown in [error.to_string(), format!("{error:?}"), Error::from(error).to_string()] {
        assert!(!shown.contains(SECRET), "the password shows in: {shown}");
    }

    // Nobody listens on port 1: the connection itself is refused.
    let nowhere = format!("postgres://postgres:{SECRET}@127.0.0.1:1/postgres");
    let error = PostgresStorage::connect(&nowhere).await.expect_err("a refused connection");
    assert!(matches!(error, PostgresError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains("127.0.0.1:1/postgres as postgres"), "{error}");
    assert!(!format!("{error} {error:?}").contains(SECRET));

    // Nor does an open store or its configuration show it.
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    let password = url.split_once("://").and_then(|(_, r)| r.split_once('@')).map(|(user, _)| user);
    if let Some((_, password)) = password.and_then(|user| user.split_once(':')) {
        assert!(!format!("{store:?}").contains(password));
        assert!(!format!("{:?}", PostgresConfig::new(url.clone())).contains(password));
    }
    Ok(())
}

fn put(record: StoredRecord, expected: Expected) -> Write {
    Write::Put { record, expected }
}

fn counter_body(count: u64) -> String {
    format!("{{\"count\":{count}}}")
}

fn read_counter(body: &str) -> u64 {
    let value: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    value["count"].as_u64().expect("a count")
}

/// A record deleted by hand in SQL leaves its index rows behind, now that no foreign key
/// removes them (migration 5). `find` does not return them, and a record written again
/// under the key is found by its own entries only, not by its predecessor's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_rows_left_by_a_record_deleted_in_sql_do_no_harm() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    let first = record("k", 1, "{}".into());
    store.apply(ChangeSet { writes: vec![put(first, Expected::Absent)], audit: vec![] }).await?;

    let mut conn = common::connection(&schema).await;
    sqlx::query("DELETE FROM records WHERE kind = 'value' AND key = 'k'")
        .execute(&mut conn)
        .await?;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM record_index WHERE key = 'k'")
        .fetch_one(&mut conn)
        .await?;
    assert_eq!(left, 1, "the index row stays behind");
    assert!(store.find(RecordKind::Value, "period", "2026-Q3").await?.is_empty());

    // Written again with the same entry and with another: neither is refused, and only
    // the new entries find it.
    let mut again = record("k", 1, "{\"again\":1}".into());
    again.index.push(IndexEntry::new("status", "draft"));
    store
        .apply(ChangeSet { writes: vec![put(again.clone(), Expected::Absent)], audit: vec![] })
        .await?;
    assert_eq!(store.find(RecordKind::Value, "period", "2026-Q3").await?, [again.clone()]);
    assert_eq!(store.find(RecordKind::Value, "status", "draft").await?, [again]);

    sqlx::query("DELETE FROM records WHERE kind = 'value' AND key = 'k'")
        .execute(&mut conn)
        .await?;
    let other = StoredRecord {
        index: vec![IndexEntry::new("period", "2026-Q4")],
        ..record("k", 1, "{}".into())
    };
    store
        .apply(ChangeSet { writes: vec![put(other.clone(), Expected::Absent)], audit: vec![] })
        .await?;
    assert!(store.find(RecordKind::Value, "period", "2026-Q3").await?.is_empty());
    assert!(store.find(RecordKind::Value, "status", "draft").await?.is_empty());
    assert_eq!(store.find(RecordKind::Value, "period", "2026-Q4").await?, [other]);
    Ok(())
}
