//! The end-to-end scenarios on a real sled database in a temporary folder.

use std::sync::Arc;

use citypassport_core::conformance::TestStore;
use citypassport_core::storage::{AuditRecord, Storage};
use citypassport_core::AuditVerification;
use citypassport_sled::SledStorage;
use citypassport_tests::hardening::assert_tampering_reported;

async fn fresh() -> TestStore {
    let folder = tempfile::tempdir().expect("temporary folder");
    let store = SledStorage::open(folder.path()).expect("sled store");
    TestStore::new(Arc::new(store), folder)
}

citypassport_tests::scenarios!(fresh);

/// Builds a city with a history in a sled folder, closes the store, lets `tamper` edit
/// the audit tree with sled itself while the library is not running, opens the store
/// again and verifies the audit log. Returns the verification and the number of the
/// last record before tampering.
async fn verify_after_tampering(tamper: impl FnOnce(&sled::Tree, u64)) -> (AuditVerification, u64) {
    let folder = tempfile::tempdir().unwrap();
    let (controller_email, last) = {
        let store = Arc::new(SledStorage::open(folder.path()).unwrap());
        let city = citypassport_tests::scenarios::city_with_history(store.clone()).await;
        let last = store.last_audit_seq().await.unwrap();
        assert!(last > 10);
        let check = city.passport.verify_audit_log(&city.controller.token).await.unwrap();
        assert!(check.is_intact(), "{check:?}");
        (city.controller.email.clone(), last)
    };

    {
        let db = sled::open(folder.path()).unwrap();
        let audit = db.open_tree("audit").unwrap();
        tamper(&audit, last);
        db.flush().unwrap();
    }

    let store = Arc::new(SledStorage::open(folder.path()).unwrap());
    let passport = citypassport_core::Passport::new(store);
    let token =
        passport.login(&controller_email, citypassport_tests::city::PASSWORD).await.unwrap();
    (passport.verify_audit_log(&token).await.unwrap(), last)
}

/// An audit record edited in the sled files while the library was not running is
/// reported first, by its number, when the store is opened again.
#[tokio::test]
async fn audit_record_altered_behind_the_library_is_reported_first() {
    let (check, _) = verify_after_tampering(|audit, _| {
        let key = 5u64.to_be_bytes();
        let mut record: AuditRecord =
            serde_json::from_slice(&audit.get(key).unwrap().unwrap()).unwrap();
        record.entry.action = "value.forged".into();
        audit.insert(key, serde_json::to_vec(&record).unwrap()).unwrap();
    })
    .await;
    assert_tampering_reported(&check, 5, "altered", "on sled: record 5 altered");
}

/// An audit record removed from the sled files while the library was not running is
/// reported first, by its number, with nothing else changed.
#[tokio::test]
async fn audit_record_removed_behind_the_library_is_reported_first() {
    let (check, _) = verify_after_tampering(|audit, _| {
        audit.remove(9u64.to_be_bytes()).unwrap().expect("record 9 was there");
    })
    .await;
    assert_tampering_reported(&check, 9, "missing", "on sled: record 9 removed");
}

/// The newest audit record removed from the sled files is reported too: the counter,
/// kept apart from the records, still names it.
#[tokio::test]
async fn audit_record_removed_at_the_end_of_the_log_is_reported() {
    let (check, last) = verify_after_tampering(|audit, last| {
        audit.remove(last.to_be_bytes()).unwrap().expect("the last record was there");
    })
    .await;
    let case = format!("on sled: newest record {last} removed");
    assert_tampering_reported(&check, last, "missing", &case);
}

/// Of a record altered and a later one removed, the altered one is reported: it is the
/// first bad record.
#[tokio::test]
async fn audit_record_altered_before_a_removed_one_is_reported_first() {
    let (check, _) = verify_after_tampering(|audit, _| {
        let key = 5u64.to_be_bytes();
        let mut record: AuditRecord =
            serde_json::from_slice(&audit.get(key).unwrap().unwrap()).unwrap();
        record.entry.key.push('x');
        audit.insert(key, serde_json::to_vec(&record).unwrap()).unwrap();
        audit.remove(9u64.to_be_bytes()).unwrap();
    })
    .await;
    assert_tampering_reported(&check, 5, "altered", "on sled: record 5 altered, 9 removed");
}
