//! The end-to-end scenarios on a real sled database in a temporary folder.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_sled::SledStorage;

async fn fresh() -> TestStore {
    let folder = tempfile::tempdir().expect("temporary folder");
    let store = SledStorage::open(folder.path()).expect("sled store");
    TestStore::new(Arc::new(store), folder)
}

citypassport_tests::scenarios!(fresh);
