//! Helpers for tests that need a PostgreSQL store (feature `testing`): the test
//! server's URL from the environment, and a schema of their own for each test so that
//! tests running at once never see each other's data.
//!
//! ```no_run
//! # async fn example() {
//! use citypassport_postgres::testing::TestSchema;
//!
//! let schema = TestSchema::fresh();
//! let store = schema.open().await;
//! // ... use the store; the schema is dropped with `schema`.
//! # drop(store);
//! # }
//! ```
//!
//! The helpers panic instead of returning errors: they are for tests, where a panic is
//! the failure report.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;

use crate::{PostgresConfig, PostgresStorage};

/// The environment variable that holds the test server's URL.
pub const URL_VARIABLE: &str = "CITYPASSPORT_TEST_PG_URL";

/// The test server's URL.
///
/// # Panics
///
/// When [`URL_VARIABLE`] is not set: a test that passed without a server would report
/// a backend as tested when it was not. The message says how to get a server.
pub fn test_url() -> String {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{URL_VARIABLE} is not set: this test needs a PostgreSQL server. Run the tests \
             as `bash scripts/with-postgres.sh cargo test -p citypassport-postgres` (or \
             with the cargo command you ran), which starts a throwaway server, or set \
             {URL_VARIABLE} to a server of your own."
        ),
    }
}

/// A schema on the test server that no other test uses, dropped with everything in it
/// when this guard is dropped.
#[derive(Debug)]
pub struct TestSchema {
    url: String,
    name: String,
}

impl TestSchema {
    /// A new schema name, unique to this process, this test and this moment; the
    /// schema itself is made when a store is first opened in it.
    ///
    /// # Panics
    ///
    /// When there is no test server; see [`test_url`].
    pub fn fresh() -> TestSchema {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // The time guards against a schema left behind by an earlier process that had
        // the same id.
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
        TestSchema::named(format!("cp_test_{}_{n}_{}", std::process::id(), stamp % 1_000_000_000))
    }

    /// A schema with the given name, dropped with the guard like a fresh one.
    ///
    /// # Panics
    ///
    /// When there is no test server; see [`test_url`].
    pub fn named(name: impl Into<String>) -> TestSchema {
        TestSchema { url: test_url(), name: name.into() }
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The test server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A configuration for a store in this schema, with a small pool: many tests run at
    /// once against one server.
    pub fn config(&self) -> PostgresConfig {
        PostgresConfig::new(self.url.clone()).with_schema(self.name.clone()).with_max_connections(4)
    }

    /// Opens a store in this schema with [`config`](Self::config).
    ///
    /// # Panics
    ///
    /// When the store cannot be opened.
    pub async fn open(&self) -> PostgresStorage {
        match PostgresStorage::connect_with(self.config()).await {
            Ok(store) => store,
            Err(error) => panic!("opening a store in schema {}: {error}", self.name),
        }
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        // The guard is usually dropped inside the test's runtime, which must not be
        // blocked on; a thread with a runtime of its own can be. Cleanup is a courtesy
        // to a shared server, so its failures are ignored.
        let (url, name) = (self.url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(drop_schema(&url, &name));
        });
        let _ = cleanup.join();
    }
}

async fn drop_schema(url: &str, name: &str) {
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        return;
    };
    // As when creating it, the name reaches the server only as a parameter.
    let set = sqlx::query("SELECT set_config('citypassport.schema', $1, false)")
        .bind(name)
        .execute(&mut conn)
        .await;
    if set.is_ok() {
        let _ = sqlx::Executor::execute(
            &mut conn,
            "DO $$ BEGIN
                 EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE',
                                current_setting('citypassport.schema'));
             END $$",
        )
        .await;
    }
    let _ = conn.close().await;
}
