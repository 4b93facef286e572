//! Conformance and scenarios on the in-memory backend.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_core::MemoryStorage;

async fn fresh() -> TestStore {
    TestStore::new(Arc::new(MemoryStorage::new()), ())
}

citypassport_core::storage_conformance!(fresh);
citypassport_tests::scenarios!(fresh);

/// An audit record altered in memory behind the library's back is found by its number.
#[tokio::test]
async fn altered_audit_record_is_reported_by_verification() {
    let storage = Arc::new(MemoryStorage::new());
    let city = citypassport_tests::scenarios::city_with_history(storage.clone()).await;
    storage.tamper_with_audit_for_tests(7, "value.forged");
    let check = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert_eq!(check.first_broken, Some(7), "{check:?}");
    assert!(check.problem.unwrap().contains("altered"));
}
