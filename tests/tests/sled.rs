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

/// An audit record edited or removed in the sled files while the library was not
/// running is found by its number when the store is opened again.
#[tokio::test]
async fn tampered_sled_audit_log_is_reported_by_verification() {
    use citypassport_core::storage::{AuditRecord, Storage};

    let folder = tempfile::tempdir().unwrap();
    let (admin_email, controller_email) = {
        let store = Arc::new(SledStorage::open(folder.path()).unwrap());
        let city = citypassport_tests::scenarios::city_with_history(store.clone()).await;
        assert!(store.last_audit_seq().await.unwrap() > 10);
        (city.admin.email.clone(), city.controller.email.clone())
    };

    // Behind the library's back: rewrite record 5 and remove record 9.
    {
        let db = sled::open(folder.path()).unwrap();
        let audit = db.open_tree("audit").unwrap();
        let key5 = 5u64.to_be_bytes();
        let mut record: AuditRecord =
            serde_json::from_slice(&audit.get(key5).unwrap().unwrap()).unwrap();
        record.entry.action = "value.forged".into();
        audit.insert(key5, serde_json::to_vec(&record).unwrap()).unwrap();
        audit.remove(9u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }

    let store = Arc::new(SledStorage::open(folder.path()).unwrap());
    let passport = citypassport_core::Passport::new(store);
    let token =
        passport.login(&controller_email, citypassport_tests::city::PASSWORD).await.unwrap();
    let check = passport.verify_audit_log(&token).await.unwrap();
    assert_eq!(check.first_broken, Some(5), "{check:?}");
    let _ = admin_email;
}
