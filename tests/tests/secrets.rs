//! Passwords, session tokens, setup tokens, their hashes and e-mails never reach a log
//! line or an error message.
//!
//! The test installs a capturing `tracing` subscriber for its own thread only (the
//! library never installs one), runs a full scenario — accounts, setup tokens, logins
//! right and wrong, a lockout, a password change, a deactivation, the value workflow
//! and a correction — and searches everything logged at every level, and the text of
//! every error met on the way, for each secret. It runs on memory, on sled and on
//! PostgreSQL; the PostgreSQL test runs under `scripts/with-postgres.sh`, which sets
//! `CITYPASSPORT_TEST_PG_URL`, and fails saying so without it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use citypassport_core::account::Account;
use citypassport_core::records::decode;
use citypassport_core::storage::RecordKind;
use citypassport_core::{
    AppointmentOrder, Error, NewAccount, Period, Role, Settings, Storage, ValueInput,
};
use citypassport_postgres::testing::TestSchema;
use citypassport_sled::SledStorage;
use citypassport_tests::city::PASSWORD;
use citypassport_tests::City;

/// Everything the subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("capture lock")).into_owned()
    }
}

/// What must stay secret, and the text of every error met.
#[derive(Default)]
struct Found {
    secrets: BTreeSet<String>,
    errors: Vec<String>,
}

impl Found {
    fn secret(&mut self, secret: &str) {
        self.secrets.insert(secret.to_string());
    }

    fn error<T>(&mut self, result: Result<T, Error>) {
        let err = result.err().expect("this call fails");
        self.errors.push(format!("{err} / {err:?}"));
    }
}

fn order() -> AppointmentOrder {
    AppointmentOrder { number: "5-к".into(), date: "2026-01-12".parse().expect("date") }
}

async fn full_scenario(storage: Arc<dyn Storage>) -> Found {
    let mut found = Found::default();
    let settings = Settings { max_failed_logins: 3, ..Settings::default() };
    let city = City::build_with(storage.clone(), settings).await;
    let p = &city.passport;
    found.secret(PASSWORD);
    for person in [&city.admin, &city.chief, &city.executor, &city.controller, &city.viewer] {
        found.secret(person.token.expose());
        found.secret(&person.token.digest());
        found.secret(&person.email);
    }

    let new = NewAccount {
        email: "Secret.Person@City.Example".into(),
        full_name: "Тайная Персона".into(),
        department: Some(city.education.clone()),
        roles: BTreeSet::from([Role::Executor]),
        order: order(),
    };
    let (id, setup) = p.create_account(&city.admin.token, new.clone()).await.expect("account");
    found.secret(setup.expose());
    found.secret(&setup.digest());
    found.secret("secret.person@city.example");
    found.error(p.create_account(&city.admin.token, new).await);
    found.error(p.set_password(&setup, "short").await);
    let first = "first secret password 1";
    found.secret(first);
    p.set_password(&setup, first).await.expect("password");
    found.error(p.set_password(&setup, "reused setup token 1").await);

    let session = p.login("secret.person@city.example", first).await.expect("login");
    found.secret(session.expose());
    found.secret(&session.digest());
    let wrong = "wrong secret password 2";
    found.secret(wrong);
    for _ in 0..3 {
        found.error(p.login("secret.person@city.example", wrong).await);
    }
    found.error(p.login("secret.person@city.example", first).await);
    found.error(p.login("unknown.person@city.example", wrong).await);
    found.error(p.login("not an e-mail", wrong).await);
    city.clock.advance(chrono::Duration::minutes(30));

    let session = p.login("secret.person@city.example", first).await.expect("login");
    found.secret(session.expose());
    let second = "second secret password 3";
    found.secret(second);
    found.error(p.change_password(&session, wrong, second).await);
    p.change_password(&session, first, second).await.expect("change");
    let reissued = p.issue_setup_token(&city.admin.token, &id).await.expect("setup token");
    found.secret(reissued.expose());
    found.error(p.whoami(&session).await);
    let third = "third secret password 4";
    found.secret(third);
    p.set_password(&reissued, third).await.expect("password");

    let june: Period = "2026-M06".parse().expect("period");
    let executor = &city.executor.token;
    p.save_draft(executor, "EDU-1", june, ValueInput::Text("120".into())).await.expect("draft");
    found.error(p.save_draft(executor, "EDU-1", june, ValueInput::Text("н/д".into())).await);
    p.submit(executor, "EDU-1", june).await.expect("submit");
    found.error(p.accept(executor, "EDU-1", june).await);
    p.accept(&city.controller.token, "EDU-1", june).await.expect("accept");
    let correction = p
        .propose_correction(
            &city.controller.token,
            "EDU-1",
            june,
            ValueInput::Text("121".into()),
            "опечатка",
        )
        .await
        .expect("correction");
    p.approve_correction(&city.chief.token, &correction.id, None).await.expect("approval");

    p.deactivate_account(&city.admin.token, &id, "увольнение").await.expect("deactivation");
    found.error(p.login("secret.person@city.example", third).await);
    found.error(p.whoami(&session).await);
    p.logout(&city.viewer.token).await.expect("logout");
    found.error(p.whoami(&city.viewer.token).await);

    for stored in storage.scan(RecordKind::Account, "").await.expect("accounts") {
        let account = decode::<Account>(stored).expect("account").record;
        found.secrets.extend(account.password_hash);
        found.secrets.extend(account.setup_token_hash);
    }
    found
}

/// Runs the full scenario on the store that `open` opens, with every log line of the
/// opening and the scenario captured, and searches the logs and the errors for every
/// secret of the scenario and for `more`.
async fn no_secret_in_logs_or_errors(
    open: impl std::future::Future<Output = Arc<dyn Storage>>,
    backend: &str,
    more: &[String],
) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let found = {
        let _only_this_thread = tracing::subscriber::set_default(subscriber);
        let mut found = full_scenario(open.await).await;
        found.secrets.extend(more.iter().cloned());
        found
    };

    let logs = captured.text();
    assert!(logs.lines().count() > 10, "the scenario logged too little to prove anything");
    let hashes = found.secrets.iter().filter(|s| s.starts_with("$argon2id$")).count();
    assert!(hashes >= 7, "every account's password hash is searched for, found {hashes}");
    for secret in &found.secrets {
        assert!(!logs.contains(secret.as_str()), "{backend}: a secret is logged: {secret}");
        for error in &found.errors {
            assert!(!error.contains(secret.as_str()), "{backend}: '{error}' shows {secret}");
        }
    }
    println!(
        "secrets on {backend}: {} secrets searched in {} log lines and {} error messages",
        found.secrets.len(),
        logs.lines().count(),
        found.errors.len()
    );
}

/// On memory: no password, token, hash or e-mail in the logs or errors of a full
/// scenario.
#[tokio::test(flavor = "current_thread")]
async fn no_password_token_hash_or_email_in_logs_or_errors_on_memory() {
    let open = async { Arc::new(citypassport_core::MemoryStorage::new()) as Arc<dyn Storage> };
    no_secret_in_logs_or_errors(open, "memory", &[]).await;
}

/// On sled: the same, with the sled backend's own log lines included.
#[tokio::test(flavor = "current_thread")]
async fn no_password_token_hash_or_email_in_logs_or_errors_on_sled() {
    let folder = tempfile::tempdir().expect("folder");
    let open = async {
        Arc::new(SledStorage::open(folder.path()).expect("sled store")) as Arc<dyn Storage>
    };
    no_secret_in_logs_or_errors(open, "sled", &[]).await;
}

/// On PostgreSQL: the same, with the PostgreSQL backend's and the driver's log lines
/// included (connecting, migrating, every statement), and the server's password from
/// the connection URL searched for too. Run under `scripts/with-postgres.sh`; without
/// `CITYPASSPORT_TEST_PG_URL` the test fails saying so.
#[tokio::test(flavor = "current_thread")]
async fn no_password_token_hash_or_email_in_logs_or_errors_on_postgres() {
    let schema = TestSchema::fresh();
    let server_password = server_password(schema.url());
    let open = async { Arc::new(schema.open().await) as Arc<dyn Storage> };
    no_secret_in_logs_or_errors(open, "PostgreSQL", &server_password).await;
}

/// The password of a `postgres://user:password@host/...` URL, if it has one.
fn server_password(url: &str) -> Vec<String> {
    let credentials = url.split_once("://").map(|(_, rest)| rest).unwrap_or_default();
    let credentials = credentials.split_once('@').map(|(c, _)| c).unwrap_or_default();
    let password = credentials.split_once(':').map(|(_, p)| p).unwrap_or_default();
    if password.is_empty() {
        Vec::new()
    } else {
        vec![password.to_string()]
    }
}
