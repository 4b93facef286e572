//! The core's storage conformance suite, run against a real PostgreSQL server, each
//! test in a schema of its own.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_postgres::testing::TestSchema;

async fn fresh() -> TestStore {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    TestStore::new(Arc::new(store), schema)
}

citypassport_core::storage_conformance!(fresh);
