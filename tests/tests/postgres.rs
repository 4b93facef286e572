//! The end-to-end scenarios on a real PostgreSQL server, each in a schema of its own.
//!
//! Run under `bash scripts/with-postgres.sh`, which starts a throwaway server and sets
//! `CITYPASSPORT_TEST_PG_URL`; without it every test fails saying so.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_core::storage::Storage;
use citypassport_core::AuditVerification;
use citypassport_postgres::testing::TestSchema;
use citypassport_tests::hardening::assert_tampering_reported;

async fn fresh() -> TestStore {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    TestStore::new(Arc::new(store), schema)
}

citypassport_tests::scenarios!(fresh);

/// Builds a city with a history in a fresh schema, runs `tamper` (plain SQL on the
/// schema's audit table, named by `{audit}`), and verifies the audit log. Returns the
/// verification and the number of the last record before tampering.
async fn verify_after_tampering(tamper: &[&str]) -> (AuditVerification, u64) {
    let schema = TestSchema::fresh();
    let store = Arc::new(schema.open().await);
    let city = citypassport_tests::scenarios::city_with_history(store.clone()).await;
    let last = store.last_audit_seq().await.unwrap();
    let before = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert!(before.is_intact(), "{before:?}");

    let pool = sqlx::PgPool::connect(schema.url()).await.unwrap();
    let table = format!("\"{}\".audit", schema.name());
    for statement in tamper {
        let statement = statement.replace("{audit}", &table).replace("{last}", &last.to_string());
        let done = sqlx::query(&statement).execute(&pool).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "{statement}");
    }
    pool.close().await;
    (city.passport.verify_audit_log(&city.controller.token).await.unwrap(), last)
}

/// An audit row updated with plain SQL is reported first, by its number.
#[tokio::test]
async fn audit_record_altered_behind_the_library_is_reported_first() {
    let (check, _) =
        verify_after_tampering(&["UPDATE {audit} SET action = 'value.forged' WHERE seq = 4"]).await;
    assert_tampering_reported(&check, 4, "altered", "on PostgreSQL: record 4 altered");
}

/// An audit row deleted with plain SQL is reported first, by its number, with nothing
/// else changed.
#[tokio::test]
async fn audit_record_removed_behind_the_library_is_reported_first() {
    let (check, _) = verify_after_tampering(&["DELETE FROM {audit} WHERE seq = 9"]).await;
    assert_tampering_reported(&check, 9, "missing", "on PostgreSQL: record 9 removed");
}

/// The newest audit row deleted with plain SQL is reported too: the counter, kept in a
/// table of its own, still names it.
#[tokio::test]
async fn audit_record_removed_at_the_end_of_the_log_is_reported() {
    let (check, last) = verify_after_tampering(&["DELETE FROM {audit} WHERE seq = {last}"]).await;
    let case = format!("on PostgreSQL: newest record {last} removed");
    assert_tampering_reported(&check, last, "the counter says", &case);
}

/// Of a row altered and a later one deleted, the altered one is reported: it is the
/// first bad record.
#[tokio::test]
async fn audit_record_altered_before_a_removed_one_is_reported_first() {
    let tamper =
        ["UPDATE {audit} SET key = key || 'x' WHERE seq = 4", "DELETE FROM {audit} WHERE seq = 9"];
    let (check, _) = verify_after_tampering(&tamper).await;
    assert_tampering_reported(&check, 4, "altered", "on PostgreSQL: record 4 altered, 9 removed");
}
