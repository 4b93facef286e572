//! [`PostgresStorage`]: the [`Storage`] trait on a pool of PostgreSQL connections.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Timelike, Utc};
use citypassport_core::storage::{
    chain_hash, conflict, AuditQuery, AuditRecord, ChangeSet, Expected, IndexEntry, NewAuditRecord,
    RecordKind, Storage, StoredRecord, Write,
};
use citypassport_core::{Error, Id, Result};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder, Row, Transaction};
use tracing::{debug, warn};

use crate::config::{target, PostgresConfig};
use crate::error::PostgresError;
use crate::migrate;

/// The oldest server the store runs on, as `server_version_num`.
const MIN_SERVER_VERSION: i32 = 130_000;

/// A query that reads [`StoredRecord`]s from `records AS r`, as [`record_from_row`]
/// expects them. A macro rather than a format, so that each query stays one constant.
macro_rules! select_records {
    ($rest:literal) => {
        concat!("SELECT r.key, r.version, r.body, r.index_entries::text AS index_entries ", $rest)
    };
}

/// A passport store in a PostgreSQL database, shared by every process that opens it.
///
/// It gives every guarantee of [`Storage`]: each change set is one transaction, each
/// version check and its write are one atomic step, audit numbers follow commit order
/// with no gaps, and a change set is durable once `apply` returns (with the server's
/// default `synchronous_commit`).
///
/// Cloning is cheap and shares the connection pool.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: PgPool,
    /// The server as `host:port/database as user`, for messages.
    target: String,
    schema: Option<String>,
    acquire_timeout: Duration,
}

impl PostgresStorage {
    /// Opens the store at `url` with the default [`PostgresConfig`], migrating its
    /// schema if it is behind.
    pub async fn connect(url: &str) -> Result<Self, PostgresError> {
        Self::connect_with(PostgresConfig::new(url)).await
    }

    /// Opens a store as `config` says: checks the server, brings the schema up to
    /// date (or, with `config.migrate` false, checks that it is), and makes the pool.
    ///
    /// The pool opens connections when they are needed, so a store opened while the
    /// server is up keeps working across restarts of the server.
    pub async fn connect_with(config: PostgresConfig) -> Result<Self, PostgresError> {
        let options = config.connect_options()?;
        let target = target(&options);
        debug!(server = %target, schema = ?config.schema, "opening PostgreSQL store");

        // The first connection is a plain one, so that a refused connection or a wrong
        // password is reported as such rather than as a pool timeout.
        let connect_error = |source| PostgresError::Connect { target: target.clone(), source };
        let mut conn = match tokio::time::timeout(
            config.acquire_timeout,
            PgConnection::connect_with(&options),
        )
        .await
        {
            Ok(connected) => connected.map_err(connect_error)?,
            Err(_) => {
                let silence = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {:?}", config.acquire_timeout),
                );
                return Err(connect_error(sqlx::Error::Io(silence)));
            }
        };
        if let Some(schema) = &config.schema {
            use_schema(&mut conn, schema).await.map_err(connect_error)?;
        }
        check_server(&mut conn, &target).await?;
        migrate::run(&mut conn, config.schema.as_deref(), config.migrate).await?;
        if let Err(error) = conn.close().await {
            debug!(%error, "closing the setup connection failed");
        }

        let schema = config.schema.clone();
        let mut pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            // A connection that died with a server restart is found out here and
            // replaced, instead of failing the caller's next operation.
            .test_before_acquire(true);
        if let Some(schema) = schema {
            pool = pool.after_connect(move |conn, _| {
                let schema = schema.clone();
                Box::pin(async move { use_schema(conn, &schema).await })
            });
        }
        let pool = pool.connect_lazy_with(options);

        debug!(server = %target, "PostgreSQL store open");
        Ok(PostgresStorage {
            pool,
            target,
            schema: config.schema,
            acquire_timeout: config.acquire_timeout,
        })
    }

    /// Applies the migrations the store lacks and returns their versions, empty when
    /// it is current. Opening with `migrate` set does this already; an administrator's
    /// tool calls it to migrate a store that applications open with `migrate` off.
    /// The role needs the privileges the crate docs list for migrating.
    pub async fn migrate(&self) -> Result<Vec<u32>, PostgresError> {
        let mut conn = self.setup_connection().await?;
        migrate::run(&mut conn, self.schema.as_deref(), true).await
    }

    /// The store's schema version: the newest migration applied, 0 for an empty
    /// schema. After a successful open it is [`SCHEMA_VERSION`](crate::SCHEMA_VERSION).
    pub async fn schema_version(&self) -> Result<u32, PostgresError> {
        let mut conn = self.setup_connection().await?;
        let state = |source| PostgresError::MigrationState { source };
        let has_table: bool =
            sqlx::query_scalar("SELECT to_regclass('citypassport_migrations') IS NOT NULL")
                .fetch_one(&mut *conn)
                .await
                .map_err(state)?;
        if !has_table {
            return Ok(0);
        }
        let version: i64 =
            sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM citypassport_migrations")
                .fetch_one(&mut *conn)
                .await
                .map_err(state)?;
        Ok(u32::try_from(version).unwrap_or(u32::MAX))
    }

    /// Closes every connection; later operations fail with a storage error.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn setup_connection(&self) -> Result<PoolConnection<Postgres>, PostgresError> {
        self.pool
            .acquire()
            .await
            .map_err(|source| PostgresError::Connect { target: self.target.clone(), source })
    }

    /// A storage error for a failed step. The driver's message names the cause (a
    /// refused connection, a server error) and carries no data of the change.
    fn failure(&self, operation: &str, error: sqlx::Error) -> Error {
        warn!(server = %self.target, operation, %error, "PostgreSQL operation failed");
        let cause = match error {
            sqlx::Error::PoolTimedOut => format!(
                "no connection to the server within {:?}; is it running and reachable?",
                self.acquire_timeout
            ),
            sqlx::Error::PoolClosed => "the store was closed".to_string(),
            other => other.to_string(),
        };
        Error::storage(format!("PostgreSQL at {}: {operation} failed: {cause}", self.target))
    }

    /// Like [`failure`](Self::failure), except that the server's verdict on a
    /// concurrent writer (a deadlock or a serialisation failure) is a conflict: the
    /// caller's read is stale and a retry after reading again is the remedy.
    fn write_failure(
        &self,
        operation: &str,
        error: sqlx::Error,
        first: (RecordKind, &str),
    ) -> Error {
        let code = error.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned());
        match code.as_deref() {
            Some("40P01") | Some("40001") => conflict(first.0, first.1),
            _ => self.failure(operation, error),
        }
    }

    async fn read_records(
        &self,
        kind: RecordKind,
        operation: impl FnOnce() -> String,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<StoredRecord>> {
        let rows = match query.fetch_all(&self.pool).await {
            Ok(rows) => rows,
            Err(error) => return Err(self.failure(&operation(), error)),
        };
        rows.iter().map(|row| record_from_row(kind, row)).collect()
    }

    /// Everything `apply` does between BEGIN and COMMIT.
    async fn apply_in(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        changes: &ChangeSet,
        plan: &Plan<'_>,
    ) -> Result<Vec<u64>> {
        if let Some(first) = plan.first {
            self.check_expectations(tx, changes, plan, first).await?;
            self.write_records(tx, plan, first).await?;
        }
        if changes.audit.is_empty() {
            return Ok(Vec::new());
        }
        self.append_audit(tx, &changes.audit).await
    }

    /// Locks every existing record the change set expects at a version, in key order
    /// so that two change sets over the same records queue up instead of deadlocking,
    /// and checks those expectations (and that records to delete only if absent are
    /// absent) against the locked versions.
    ///
    /// New records are not looked up here: their insert does nothing for a key that
    /// exists and returns the keys it wrote, so `write_records` finds the conflict
    /// itself. Looking them up as well took as long as inserting them.
    async fn check_expectations(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        changes: &ChangeSet,
        plan: &Plan<'_>,
        first: (RecordKind, &str),
    ) -> Result<()> {
        if plan.locked_keys.is_empty() {
            return Ok(());
        }
        let rows = sqlx::query(
            "SELECT r.kind, r.key, r.version
             FROM records AS r
             JOIN UNNEST($1::text[], $2::text[]) AS t (kind, key)
               ON r.kind = t.kind AND r.key = t.key
             ORDER BY r.kind, r.key
             FOR UPDATE OF r",
        )
        .bind(&plan.locked_kinds)
        .bind(&plan.locked_keys)
        .fetch_all(&mut **tx)
        .await
        .map_err(|e| self.write_failure("locking the records of a change set", e, first))?;

        let mut current = HashMap::with_capacity(rows.len());
        for row in &rows {
            let kind: String = row.try_get("kind").map_err(|e| self.failure("reading", e))?;
            let key: String = row.try_get("key").map_err(|e| self.failure("reading", e))?;
            let version: i64 = row.try_get("version").map_err(|e| self.failure("reading", e))?;
            current.insert((kind, key), version);
        }

        for write in changes.writes.iter().filter(|w| is_locked(w)) {
            let (kind, key) = write.target();
            let found = current.get(&(kind.as_str().to_string(), key.to_string()));
            let holds = match write.expected() {
                Expected::Absent => found.is_none(),
                Expected::Version(v) => found.is_some_and(|&f| i64::try_from(v) == Ok(f)),
            };
            if !holds {
                return Err(conflict(kind, key));
            }
        }
        Ok(())
    }

    /// Inserts, updates and deletes the records. Every statement is conditional on the
    /// expectation and returns the rows it touched, so a missing row proves a writer
    /// that slipped in (a concurrent insert of the same new key) and is a conflict.
    async fn write_records(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        plan: &Plan<'_>,
        first: (RecordKind, &str),
    ) -> Result<()> {
        if !plan.inserts.is_empty() {
            let b = &plan.inserts;
            let rows = sqlx::query(
                "INSERT INTO records (kind, key, version, body, index_entries)
                 SELECT t.kind, t.key, t.version, t.body, t.index_entries::jsonb
                 FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[])
                      AS t (kind, key, version, body, index_entries)
                 ON CONFLICT (kind, key) DO NOTHING
                 RETURNING kind, key",
            )
            .bind(&b.kinds)
            .bind(&b.keys)
            .bind(&b.versions)
            .bind(&b.bodies)
            .bind(&b.index_entries)
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| self.write_failure("inserting records", e, first))?;
            self.expect_all("inserting records", &rows, &b.targets)?;
        }

        if !plan.updates.is_empty() {
            let b = &plan.updates;
            let rows = sqlx::query(
                "UPDATE records AS r
                 SET version = t.version, body = t.body, index_entries = t.index_entries::jsonb
                 FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[],
                             $6::int8[])
                      AS t (kind, key, version, body, index_entries, expected)
                 WHERE r.kind = t.kind AND r.key = t.key AND r.version = t.expected
                 RETURNING r.kind, r.key",
            )
            .bind(&b.kinds)
            .bind(&b.keys)
            .bind(&b.versions)
            .bind(&b.bodies)
            .bind(&b.index_entries)
            .bind(&b.expected)
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| self.write_failure("updating records", e, first))?;
            self.expect_all("updating records", &rows, &b.targets)?;
        }

        if !plan.deletes.is_empty() {
            let b = &plan.deletes;
            let rows = sqlx::query(
                "DELETE FROM records AS r
                 USING UNNEST($1::text[], $2::text[], $3::int8[]) AS t (kind, key, expected)
                 WHERE r.kind = t.kind AND r.key = t.key AND r.version = t.expected
                 RETURNING r.kind, r.key",
            )
            .bind(&b.kinds)
            .bind(&b.keys)
            .bind(&b.expected)
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| self.write_failure("deleting records", e, first))?;
            self.expect_all("deleting records", &rows, &b.targets)?;
        }

        // Every record written or deleted loses the index rows under its key: an updated
        // record's old entries, a deleted record's, and any a new record finds there,
        // left by a record deleted outside this store (by hand in SQL, or by a release
        // before migration 5 still running during an upgrade), which would otherwise
        // find the new record by its predecessor's values or refuse its own entries.
        sqlx::query(
            "DELETE FROM record_index AS i
             USING UNNEST($1::text[], $2::text[]) AS t (kind, key)
             WHERE i.kind = t.kind AND i.key = t.key",
        )
        .bind(&plan.all_kinds)
        .bind(&plan.all_keys)
        .execute(&mut **tx)
        .await
        .map_err(|e| self.write_failure("replacing index entries", e, first))?;

        if !plan.index.keys.is_empty() {
            let i = &plan.index;
            // A plain insert: the plan lists each entry of a record once, and every
            // row under the records' keys is gone, so a duplicate would be a bug and
            // fails loudly.
            sqlx::query(
                "INSERT INTO record_index (kind, name, value, key)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])",
            )
            .bind(&i.kinds)
            .bind(&i.names)
            .bind(&i.values)
            .bind(&i.keys)
            .execute(&mut **tx)
            .await
            .map_err(|e| self.write_failure("writing index entries", e, first))?;
        }
        Ok(())
    }

    /// Checks that a conditional statement touched every record it was given, and
    /// names the first one it did not as the conflict.
    fn expect_all(
        &self,
        operation: &str,
        rows: &[PgRow],
        targets: &[(RecordKind, &str)],
    ) -> Result<()> {
        if rows.len() == targets.len() {
            return Ok(());
        }
        let mut touched = std::collections::HashSet::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind").map_err(|e| self.failure(operation, e))?;
            let key: String = row.try_get("key").map_err(|e| self.failure(operation, e))?;
            touched.insert((kind, key));
        }
        let missed = targets
            .iter()
            .find(|(kind, key)| !touched.contains(&(kind.as_str().to_string(), key.to_string())));
        match missed {
            Some((kind, key)) => Err(conflict(*kind, key)),
            None => Err(Error::storage(format!(
                "PostgreSQL at {}: {operation} touched rows it was not given",
                self.target
            ))),
        }
    }

    /// Numbers the audit records from the counter and appends them. The counter's row
    /// lock is taken last and held to commit, so a change set waits for the one before
    /// it only for the length of its own commit.
    async fn append_audit(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        audit: &[NewAuditRecord],
    ) -> Result<Vec<u64>> {
        let count = i64::try_from(audit.len()).map_err(Error::storage)?;
        // Locking the counter row serializes appends, so the chain's previous hash read
        // here is the one the next record must follow.
        let (last, previous): (i64, String) = sqlx::query_as(
            "UPDATE audit_counter SET last_seq = last_seq + $1 RETURNING last_seq, last_hash",
        )
        .bind(count)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| self.failure("numbering audit records", e))?;

        let first = last - count + 1;
        let seqs: Vec<i64> = (first..=last).collect();
        let mut hashes = Vec::with_capacity(audit.len());
        let mut chain = previous;
        for (seq, entry) in seqs.iter().zip(audit) {
            chain = chain_hash(&chain, u64::try_from(*seq).map_err(Error::storage)?, entry);
            hashes.push(chain.clone());
        }
        sqlx::query("UPDATE audit_counter SET last_hash = $1")
            .bind(&chain)
            .execute(&mut **tx)
            .await
            .map_err(|e| self.failure("numbering audit records", e))?;
        let mut ats = Vec::with_capacity(audit.len());
        let mut nanos = Vec::with_capacity(audit.len());
        for entry in audit {
            let (at, rest) = split_instant(entry.at);
            ats.push(at);
            nanos.push(rest);
        }
        let actors: Vec<Option<&str>> =
            audit.iter().map(|e| e.actor.as_ref().map(Id::as_str)).collect();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        let kinds: Vec<&str> = audit.iter().map(|e| e.kind.as_str()).collect();
        let keys: Vec<&str> = audit.iter().map(|e| e.key.as_str()).collect();
        let befores: Vec<Option<&str>> = audit.iter().map(|e| e.before.as_deref()).collect();
        let afters: Vec<Option<&str>> = audit.iter().map(|e| e.after.as_deref()).collect();

        sqlx::query(
            "INSERT INTO audit (seq, at, at_nanos, actor, action, kind, key, before, after, hash)
             SELECT * FROM UNNEST($1::int8[], $2::timestamptz[], $3::int4[], $4::text[],
                                  $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                                  $10::text[])",
        )
        .bind(&seqs)
        .bind(&ats)
        .bind(&nanos)
        .bind(&actors)
        .bind(&actions)
        .bind(&kinds)
        .bind(&keys)
        .bind(&befores)
        .bind(&afters)
        .bind(&hashes)
        .execute(&mut **tx)
        .await
        .map_err(|e| self.failure("appending audit records", e))?;

        seqs.into_iter().map(|s| u64::try_from(s).map_err(Error::storage)).collect()
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<StoredRecord>> {
        let query =
            sqlx::query(select_records!("FROM records AS r WHERE r.kind = $1 AND r.key = $2"))
                .bind(kind.as_str())
                .bind(key);
        let mut found =
            self.read_records(kind, || format!("reading {}", describe(kind, key)), query).await?;
        Ok(found.pop())
    }

    async fn get_many(
        &self,
        kind: RecordKind,
        keys: &[String],
    ) -> Result<Vec<Option<StoredRecord>>> {
        let query = sqlx::query(select_records!(
            "FROM records AS r WHERE r.kind = $1 AND r.key = ANY($2::text[])"
        ))
        .bind(kind.as_str())
        .bind(keys);
        let found = self
            .read_records(kind, || format!("reading {} {kind} records", keys.len()), query)
            .await?;

        let by_key: HashMap<&str, &StoredRecord> =
            found.iter().map(|r| (r.key.as_str(), r)).collect();
        Ok(keys.iter().map(|key| by_key.get(key.as_str()).map(|r| (*r).clone())).collect())
    }

    async fn find(&self, kind: RecordKind, index: &str, value: &str) -> Result<Vec<StoredRecord>> {
        let query = sqlx::query(select_records!(
            "FROM record_index AS i
             JOIN records AS r ON r.kind = i.kind AND r.key = i.key
             WHERE i.kind = $1 AND i.name = $2 AND i.value = $3
             ORDER BY i.key"
        ))
        .bind(kind.as_str())
        .bind(index)
        .bind(value);
        self.read_records(kind, || format!("finding {kind} records by {index}"), query).await
    }

    async fn scan(&self, kind: RecordKind, prefix: &str) -> Result<Vec<StoredRecord>> {
        let operation = || format!("listing {kind} records");

        // A key range rather than LIKE, so that the primary key serves it and no
        // character of the prefix needs escaping.
        let query = match prefix_end(prefix) {
            Some(end) => sqlx::query(select_records!(
                "FROM records AS r
                 WHERE r.kind = $1 AND r.key >= $2 AND r.key < $3
                 ORDER BY r.key"
            ))
            .bind(kind.as_str())
            .bind(prefix)
            .bind(end),
            None => sqlx::query(select_records!(
                "FROM records AS r WHERE r.kind = $1 AND r.key >= $2 ORDER BY r.key"
            ))
            .bind(kind.as_str())
            .bind(prefix),
        };
        self.read_records(kind, operation, query).await
    }

    async fn scan_page(
        &self,
        kind: RecordKind,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        let operation = || format!("listing a page of {kind} records");

        // The primary key serves the range and the order, so a page costs its own rows
        // and not the whole kind. Keys compare in the "C" collation, as in `scan`.
        let start = match after {
            Some(after) if after >= prefix => after,
            _ => prefix,
        };
        let strict = after.is_some_and(|after| after >= prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let query = sqlx::query(select_records!(
            "FROM records AS r
             WHERE r.kind = $1
               AND (r.key > $2 OR (NOT $3 AND r.key = $2))
               AND ($4::text IS NULL OR r.key < $4)
             ORDER BY r.key
             LIMIT $5"
        ))
        .bind(kind.as_str())
        .bind(start)
        .bind(strict)
        .bind(prefix_end(prefix))
        .bind(limit);
        self.read_records(kind, operation, query).await
    }

    async fn apply(&self, changes: ChangeSet) -> Result<Vec<u64>> {
        changes.validate()?;
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let plan = Plan::new(&changes)?;

        let mut tx =
            self.pool.begin().await.map_err(|e| self.failure("starting a transaction", e))?;

        match self.apply_in(&mut tx, &changes, &plan).await {
            Ok(seqs) => {
                // If the connection drops while COMMIT is under way, the server may or
                // may not have committed; the message says so, since only reading the
                // records again can tell.
                tx.commit().await.map_err(|e| {
                    self.failure(
                        "committing a change set (it may or may not have been written; \
                         read the records again to see)",
                        e,
                    )
                })?;
                Ok(seqs)
            }
            Err(error) => {
                // A broken connection rolls back on the server by itself, so a failed
                // rollback leaves nothing behind either.
                if let Err(rollback) = tx.rollback().await {
                    debug!(error = %rollback, "rolling back a failed change set failed");
                }
                Err(error)
            }
        }
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT seq, at, at_nanos, actor, action, kind, key, before, after, hash
             FROM audit WHERE true",
        );
        if let Some(after) = query.after_seq {
            sql.push(" AND seq > ").push_bind(i64::try_from(after).unwrap_or(i64::MAX));
        }
        if let Some(from) = query.from {
            let (at, nanos) = split_instant(from);
            sql.push(" AND (at, at_nanos) >= (").push_bind(at).push(", ").push_bind(nanos);
            sql.push(")");
        }
        if let Some(to) = query.to {
            let (at, nanos) = split_instant(to);
            sql.push(" AND (at, at_nanos) < (").push_bind(at).push(", ").push_bind(nanos);
            sql.push(")");
        }
        if let Some(actor) = &query.actor {
            sql.push(" AND actor = ").push_bind(actor.as_str());
        }
        if let Some(kind) = query.kind {
            sql.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(key) = &query.key {
            sql.push(" AND key = ").push_bind(key.as_str());
        }
        sql.push(" ORDER BY seq");
        if let Some(limit) = query.limit {
            sql.push(" LIMIT ").push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        }

        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.failure("reading the audit log", e))?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn last_audit_seq(&self) -> Result<u64> {
        let last: i64 = sqlx::query_scalar("SELECT last_seq FROM audit_counter")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.failure("reading the last audit number", e))?;
        u64::try_from(last).map_err(Error::storage)
    }
}

impl fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's own Debug is safe too, but this says what an operator needs.
        f.debug_struct("PostgresStorage")
            .field("server", &self.target)
            .field("schema", &self.schema)
            .field("connections", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .finish()
    }
}

/// The arrays that `apply` binds, built before the transaction so that nothing
/// fallible is left between BEGIN and COMMIT but the server.
struct Plan<'a> {
    /// The first write in lock order, named in a conflict the server reports without
    /// saying which record it was about.
    first: Option<(RecordKind, &'a str)>,
    /// Every record written or deleted, in lock order.
    all_kinds: Vec<&'a str>,
    all_keys: Vec<&'a str>,
    /// The records `check_expectations` locks and checks (see [`is_locked`]).
    locked_kinds: Vec<&'a str>,
    locked_keys: Vec<&'a str>,
    inserts: Batch<'a>,
    updates: Batch<'a>,
    deletes: Batch<'a>,
    index: IndexBatch<'a>,
}

#[derive(Default)]
struct Batch<'a> {
    targets: Vec<(RecordKind, &'a str)>,
    kinds: Vec<&'a str>,
    keys: Vec<&'a str>,
    versions: Vec<i64>,
    bodies: Vec<&'a str>,
    index_entries: Vec<String>,
    expected: Vec<i64>,
}

impl<'a> Batch<'a> {
    fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    fn push_target(&mut self, kind: RecordKind, key: &'a str) {
        self.targets.push((kind, key));
        self.kinds.push(kind.as_str());
        self.keys.push(key);
    }

    fn push_record(&mut self, record: &'a StoredRecord) -> Result<()> {
        self.push_target(record.kind, &record.key);
        self.versions.push(db_version(record.version)?);
        self.bodies.push(&record.body);
        let pairs: Vec<[&str; 2]> =
            record.index.iter().map(|e| [e.name.as_str(), e.value.as_str()]).collect();
        self.index_entries.push(serde_json::to_string(&pairs).map_err(Error::storage)?);
        Ok(())
    }
}

#[derive(Default)]
struct IndexBatch<'a> {
    kinds: Vec<&'a str>,
    names: Vec<&'a str>,
    values: Vec<&'a str>,
    keys: Vec<&'a str>,
}

impl<'a> Plan<'a> {
    fn new(changes: &'a ChangeSet) -> Result<Self> {
        // Sorted, so that every change set takes its row locks in the same order.
        let mut writes: Vec<&Write> = changes.writes.iter().collect();
        writes.sort_by(|a, b| a.target().cmp(&b.target()));

        let (all_kinds, all_keys) = writes.iter().map(|w| kind_and_key(w)).unzip();
        let (locked_kinds, locked_keys) =
            writes.iter().filter(|w| is_locked(w)).map(|w| kind_and_key(w)).unzip();

        let mut plan = Plan {
            first: writes.first().map(|w| w.target()),
            all_kinds,
            all_keys,
            locked_kinds,
            locked_keys,
            inserts: Batch::default(),
            updates: Batch::default(),
            deletes: Batch::default(),
            index: IndexBatch::default(),
        };

        for write in writes {
            match write {
                Write::Put { record, expected } => {
                    match expected {
                        Expected::Absent => plan.inserts.push_record(record)?,
                        Expected::Version(v) => {
                            plan.updates.push_record(record)?;
                            // A version beyond bigint cannot be stored, so it cannot
                            // match; -1 never matches either.
                            plan.updates.expected.push(i64::try_from(*v).unwrap_or(-1));
                        }
                    }
                    // A record that lists an entry twice is found once, as in every
                    // backend; records list a handful of entries, so a scan is enough.
                    for (i, IndexEntry { name, value }) in record.index.iter().enumerate() {
                        if record.index[..i].iter().any(|e| &e.name == name && &e.value == value) {
                            continue;
                        }
                        plan.index.kinds.push(record.kind.as_str());
                        plan.index.names.push(name);
                        plan.index.values.push(value);
                        plan.index.keys.push(&record.key);
                    }
                }
                Write::Delete { kind, key, expected: Expected::Version(v) } => {
                    plan.deletes.push_target(*kind, key);
                    plan.deletes.expected.push(i64::try_from(*v).unwrap_or(-1));
                }
                // Deleting what must be absent changes nothing; the lock step has
                // already checked that it is absent.
                Write::Delete { expected: Expected::Absent, .. } => {}
            }
        }
        Ok(plan)
    }
}

/// A write's target as the statements bind it.
fn kind_and_key(write: &Write) -> (&'static str, &str) {
    let (kind, key) = write.target();
    (kind.as_str(), key)
}

/// Whether a write's record is locked and checked before the writes: every write that
/// expects a version, and a delete of what must be absent (which writes nothing that
/// could notice a record there). An insert of a new record checks itself.
fn is_locked(write: &Write) -> bool {
    !matches!(write, Write::Put { expected: Expected::Absent, .. })
}

/// Points every new connection at the configured schema. The name is a bound
/// parameter and the server quotes it, so any name is safe.
async fn use_schema(conn: &mut PgConnection, schema: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('search_path', quote_ident($1), false)")
        .bind(schema)
        .execute(conn)
        .await?;
    Ok(())
}

/// Refuses servers older than 13 and databases that are not UTF-8: keys and bodies
/// are Unicode text, and the "C" collation orders them by code point only in UTF-8.
async fn check_server(conn: &mut PgConnection, target: &str) -> Result<(), PostgresError> {
    let row = sqlx::query(
        "SELECT current_setting('server_version_num')::int4 AS version,
                current_setting('server_version') AS version_text,
                current_setting('server_encoding') AS encoding",
    )
    .fetch_one(conn)
    .await
    .map_err(|source| PostgresError::Connect { target: target.to_string(), source })?;

    let column = |source| PostgresError::Connect { target: target.to_string(), source };
    let version: i32 = row.try_get("version").map_err(column)?;
    let version_text: String = row.try_get("version_text").map_err(column)?;
    let encoding: String = row.try_get("encoding").map_err(column)?;
    if version < MIN_SERVER_VERSION {
        return Err(PostgresError::Unsupported {
            target: target.to_string(),
            reason: format!("the server is version {version_text}; 13 or later is needed"),
        });
    }
    if encoding != "UTF8" {
        return Err(PostgresError::Unsupported {
            target: target.to_string(),
            reason: format!("the database's encoding is {encoding}; the store needs UTF8"),
        });
    }
    Ok(())
}

fn record_from_row(kind: RecordKind, row: &PgRow) -> Result<StoredRecord> {
    let unreadable = |e: sqlx::Error| Error::storage(format!("reading a {kind} record: {e}"));
    let key: String = row.try_get("key").map_err(unreadable)?;
    let version: i64 = row.try_get("version").map_err(unreadable)?;
    let body: String = row.try_get("body").map_err(unreadable)?;
    let index_entries: String = row.try_get("index_entries").map_err(unreadable)?;

    let pairs: Vec<(String, String)> = serde_json::from_str(&index_entries).map_err(|e| {
        Error::storage(format!(
            "the index entries of {} are not readable: {e}",
            describe(kind, &key)
        ))
    })?;
    Ok(StoredRecord {
        kind,
        version: u64::try_from(version).map_err(|_| {
            Error::storage(format!("{} has a negative version", describe(kind, &key)))
        })?,
        body,
        index: pairs.into_iter().map(|(name, value)| IndexEntry { name, value }).collect(),
        key,
    })
}

fn audit_from_row(row: &PgRow) -> Result<AuditRecord> {
    let unreadable = |e: sqlx::Error| Error::storage(format!("reading the audit log: {e}"));
    let seq: i64 = row.try_get("seq").map_err(unreadable)?;
    let at: DateTime<Utc> = row.try_get("at").map_err(unreadable)?;
    let at_nanos: i32 = row.try_get("at_nanos").map_err(unreadable)?;
    let actor: Option<String> = row.try_get("actor").map_err(unreadable)?;
    let action: String = row.try_get("action").map_err(unreadable)?;
    let kind: String = row.try_get("kind").map_err(unreadable)?;
    let key: String = row.try_get("key").map_err(unreadable)?;
    let before: Option<String> = row.try_get("before").map_err(unreadable)?;
    let after: Option<String> = row.try_get("after").map_err(unreadable)?;
    let hash: String = row.try_get("hash").map_err(unreadable)?;

    let kind = RecordKind::from_name(&kind).ok_or_else(|| {
        Error::storage(format!("audit record {seq} names an unknown kind of record '{kind}'"))
    })?;
    Ok(AuditRecord {
        seq: u64::try_from(seq).map_err(Error::storage)?,
        entry: NewAuditRecord {
            at: at + chrono::Duration::nanoseconds(i64::from(at_nanos)),
            actor: actor.map(Id::from),
            action,
            kind,
            key,
            before,
            after,
        },
        hash,
    })
}

/// An instant as PostgreSQL can keep it: whole microseconds, and the nanoseconds
/// beyond them that timestamptz would drop.
fn split_instant(at: DateTime<Utc>) -> (DateTime<Utc>, i32) {
    let rest = at.nanosecond() % 1_000;
    let micros = at - chrono::Duration::nanoseconds(i64::from(rest));
    (micros, i32::try_from(rest).unwrap_or(0))
}

fn db_version(version: u64) -> Result<i64> {
    i64::try_from(version).map_err(|_| {
        Error::invalid("version", format!("{version} is larger than PostgreSQL keeps"))
    })
}

/// The smallest string above every string that starts with `prefix`, in byte order;
/// `None` when there is none (an empty prefix, or one of only the largest character).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next code point, skipping the surrogate range that no char can hold.
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A record as messages may name it: sessions and login counters are keyed by hashes
/// of secrets and personal data, so only their kind is named, as in
/// [`conflict`].
fn describe(kind: RecordKind, key: &str) -> String {
    match kind {
        RecordKind::Session | RecordKind::LoginThrottle => kind.to_string(),
        _ => format!("{kind} {key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn prefix_end_is_just_above_every_extension_of_the_prefix() {
        assert_eq!(prefix_end("A|"), Some("A}".to_string()));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("ab\u{10FFFF}"), Some("ac".to_string()));
        assert_eq!(prefix_end("\u{D7FF}"), Some("\u{E000}".to_string()));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        let end = prefix_end("МР|").expect("an end");
        assert!(*"МР|2026" < *end && *"МР}" >= *end);
    }

    #[test]
    fn instants_split_into_microseconds_and_the_rest() {
        let at = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let (micros, rest) = split_instant(at);
        assert_eq!(rest, 789);
        assert_eq!(micros.nanosecond(), 123_456_000);
        assert_eq!(micros + chrono::Duration::nanoseconds(i64::from(rest)), at);
    }

    #[test]
    fn session_keys_stay_out_of_messages() {
        assert_eq!(describe(RecordKind::Session, "secret-hash"), "session");
        assert_eq!(describe(RecordKind::Value, "MR-1|2026"), "value MR-1|2026");
    }
}
