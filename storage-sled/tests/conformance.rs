//! The core's storage conformance suite, run against a fresh sled store in a temporary
//! folder for each behaviour.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_sled::SledStorage;

async fn fresh() -> TestStore {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let store = SledStorage::open(folder.path()).expect("a new store opens");
    TestStore::new(Arc::new(store), folder)
}

citypassport_core::storage_conformance!(fresh);
