//! The end-to-end scenarios on a real PostgreSQL server, each in a schema of its own.
//!
//! Run under `bash scripts/with-postgres.sh`, which starts a throwaway server and sets
//! `CITYPASSPORT_TEST_PG_URL`; without it every test fails saying so.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_postgres::testing::TestSchema;

async fn fresh() -> TestStore {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    TestStore::new(Arc::new(store), schema)
}

citypassport_tests::scenarios!(fresh);

/// An audit row updated or deleted with plain SQL is found by its number.
#[tokio::test]
async fn tampered_postgres_audit_log_is_reported_by_verification() {
    let schema = TestSchema::fresh();
    let store = Arc::new(schema.open().await);
    let city = citypassport_tests::scenarios::city_with_history(store.clone()).await;

    let pool = sqlx::PgPool::connect(schema.url()).await.unwrap();
    let table = format!("\"{}\".audit", schema.name());
    sqlx::query(&format!("DELETE FROM {table} WHERE seq = 9")).execute(&pool).await.unwrap();
    let check = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert_eq!(check.first_broken, Some(9), "{check:?}");
    assert!(check.problem.unwrap().contains("missing"));

    sqlx::query(&format!("UPDATE {table} SET action = 'value.forged' WHERE seq = 4"))
        .execute(&pool)
        .await
        .unwrap();
    let check = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert_eq!(check.first_broken, Some(4), "{check:?}");
}
