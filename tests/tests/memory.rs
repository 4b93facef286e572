//! Conformance and scenarios on the in-memory backend.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_core::MemoryStorage;
use citypassport_tests::hardening::assert_tampering_reported;

async fn fresh() -> TestStore {
    TestStore::new(Arc::new(MemoryStorage::new()), ())
}

citypassport_core::storage_conformance!(fresh);
citypassport_tests::scenarios!(fresh);

/// An audit record altered in memory behind the library's back is reported first, by
/// its number.
#[tokio::test]
async fn audit_record_altered_behind_the_library_is_reported_first() {
    let storage = Arc::new(MemoryStorage::new());
    let city = citypassport_tests::scenarios::city_with_history(storage.clone()).await;
    storage.tamper_with_audit_for_tests(7, "value.forged");
    let check = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert_tampering_reported(&check, 7, "altered", "on memory: record 7 altered");
}

/// An audit record removed from memory behind the library's back is reported first, by
/// its number, with nothing else changed.
#[tokio::test]
async fn audit_record_removed_behind_the_library_is_reported_first() {
    let storage = Arc::new(MemoryStorage::new());
    let city = citypassport_tests::scenarios::city_with_history(storage.clone()).await;
    let before = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert!(before.is_intact(), "{before:?}");
    storage.remove_audit_for_tests(9);
    let check = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
    assert_tampering_reported(&check, 9, "missing", "on memory: record 9 removed");
}
