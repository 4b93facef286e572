//! Versioned migrations of the store's schema, embedded in the library.
//!
//! Each migration is a SQL file under `migrations/`. A run takes a transaction-level
//! advisory lock, reads the table `citypassport_migrations`, applies what is missing in
//! version order and records it, all in one transaction: PostgreSQL's DDL is
//! transactional, so a failed run leaves the store exactly as it was, and a second
//! process opening the same store at the same moment waits for the first and then
//! finds nothing left to do.

use sqlx::{Connection, Executor, PgConnection, Row};
use tracing::{debug, info};

use crate::error::PostgresError;

/// One step of the schema.
pub(crate) struct Migration {
    /// Its position; versions start at 1 and never change once released.
    pub(crate) version: u32,
    /// A short name, recorded with the version to catch a store made by another build.
    pub(crate) name: &'static str,
    /// The statements, run as one script.
    pub(crate) sql: &'static str,
}

/// Every migration, oldest first. Released entries are never edited: a change to the
/// schema is a new entry.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "records_index_audit",
        sql: include_str!("../migrations/0001_records_index_audit.sql"),
    },
    Migration {
        version: 2,
        name: "reporting_views",
        sql: include_str!("../migrations/0002_reporting_views.sql"),
    },
    Migration {
        version: 3,
        name: "audit_hash_chain",
        sql: include_str!("../migrations/0003_audit_hash_chain.sql"),
    },
    Migration {
        version: 4,
        name: "views_by_indicator_version",
        sql: include_str!("../migrations/0004_views_by_indicator_version.sql"),
    },
    Migration {
        version: 5,
        name: "index_entries_without_foreign_key",
        sql: include_str!("../migrations/0005_index_entries_without_foreign_key.sql"),
    },
];

/// The schema version this library creates and expects.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// First key of the advisory lock that serialises migration runs ("CPMG"); the second
/// is a hash of the schema name, so stores in different schemas migrate independently.
const LOCK_CLASS: i32 = 0x4350_4d47;

/// Brings the schema to [`SCHEMA_VERSION`], or with `apply` false only checks that it
/// is there. Returns the versions applied.
pub(crate) async fn run(
    conn: &mut PgConnection,
    schema: Option<&str>,
    apply: bool,
) -> Result<Vec<u32>, PostgresError> {
    let state = |source| PostgresError::MigrationState { source };
    let mut tx = conn.begin().await.map_err(state)?;

    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_CLASS)
        .bind(schema.unwrap_or(""))
        .execute(&mut *tx)
        .await
        .map_err(state)?;

    let has_table: bool =
        sqlx::query_scalar("SELECT to_regclass('citypassport_migrations') IS NOT NULL")
            .fetch_one(&mut *tx)
            .await
            .map_err(state)?;
    if !has_table {
        if !apply {
            return Err(PostgresError::MigrationNeeded { found: 0, known: SCHEMA_VERSION });
        }
        create_bookkeeping(&mut tx, schema).await.map_err(state)?;
    }

    let applied = sqlx::query("SELECT version, name FROM citypassport_migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await
        .map_err(state)?;
    let mut found = 0;
    let mut recorded = Vec::with_capacity(applied.len());
    for row in applied {
        let version: i64 = row.try_get("version").map_err(state)?;
        let name: String = row.try_get("name").map_err(state)?;
        let version = u32::try_from(version).unwrap_or(u32::MAX);
        found = found.max(version);
        recorded.push((version, name));
    }
    if found > SCHEMA_VERSION {
        return Err(PostgresError::NewerSchema { found, known: SCHEMA_VERSION });
    }
    for (version, name) in &recorded {
        let ours = MIGRATIONS.iter().find(|m| m.version == *version);
        if let Some(ours) = ours.filter(|m| m.name != name) {
            return Err(PostgresError::MigrationMismatch {
                version: *version,
                found: name.clone(),
                expected: ours.name,
            });
        }
    }

    let pending: Vec<&Migration> = MIGRATIONS
        .iter()
        .filter(|m| !recorded.iter().any(|(version, _)| *version == m.version))
        .collect();
    if pending.is_empty() {
        debug!(version = found, "schema is current");
        return Ok(Vec::new());
    }
    if !apply {
        return Err(PostgresError::MigrationNeeded { found, known: SCHEMA_VERSION });
    }

    let mut done = Vec::with_capacity(pending.len());
    for migration in pending {
        debug!(version = migration.version, name = migration.name, "applying migration");
        let failed = |source| PostgresError::Migration {
            version: migration.version,
            name: migration.name,
            source,
        };
        // A query without parameters goes by the simple protocol, which runs a script of
        // several statements. (sqlx's raw_sql would too, but its future on a
        // transaction is not Send, and connecting must work from a spawned task.)
        tx.execute(migration.sql).await.map_err(failed)?;
        sqlx::query("INSERT INTO citypassport_migrations (version, name) VALUES ($1, $2)")
            .bind(i64::from(migration.version))
            .bind(migration.name)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        done.push(migration.version);
    }

    tx.commit().await.map_err(state)?;
    info!(from = found, to = SCHEMA_VERSION, "store schema migrated");
    Ok(done)
}

/// Creates the configured schema if it is missing, and the table of applied
/// migrations.
async fn create_bookkeeping(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    schema: Option<&str>,
) -> Result<(), sqlx::Error> {
    if let Some(schema) = schema {
        // DDL takes no parameters, so the name travels in a transaction-local setting
        // and the server quotes it with %I; it is never spliced into SQL text here.
        // The existence check comes first because CREATE SCHEMA IF NOT EXISTS still
        // demands the right to create schemas, which an application role may lack.
        sqlx::query("SELECT set_config('citypassport.schema', $1, true)")
            .bind(schema)
            .execute(&mut **tx)
            .await?;
        tx.execute(
            "DO $$
             BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_namespace
                                WHERE nspname = current_setting('citypassport.schema')) THEN
                     EXECUTE format('CREATE SCHEMA %I', current_setting('citypassport.schema'));
                 END IF;
             END
             $$",
        )
        .await?;
    }

    tx.execute(
        "CREATE TABLE citypassport_migrations (
             version    bigint PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await?;
    Ok(())
}
