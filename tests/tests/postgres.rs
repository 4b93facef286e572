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
