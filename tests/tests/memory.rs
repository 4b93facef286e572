//! Conformance and scenarios on the in-memory backend.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_core::MemoryStorage;

async fn fresh() -> TestStore {
    TestStore::new(Arc::new(MemoryStorage::new()), ())
}

citypassport_core::storage_conformance!(fresh);
citypassport_tests::scenarios!(fresh);
