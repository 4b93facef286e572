//! The raw engines writing what the library wrote: the same number of records of the
//! same sizes, with none of the library's work (checks, indexes, audit hash chain).

use std::time::{Duration, Instant};

use citypassport_core::storage::{AuditQuery, RecordKind};
use citypassport_core::Storage;
use sqlx::Connection;

use crate::BenchResult;

/// How many records of which size a phase of the library wrote.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// (what, records, total bytes of their content and key) per kind of record.
    pub groups: Vec<(String, u64, u64)>,
}

impl Shape {
    /// A short description: `60000 value (412 B), ...`.
    pub fn describe(&self) -> String {
        self.groups
            .iter()
            .map(|(what, n, bytes)| format!("{n} {what} records of {} B", bytes / (*n).max(1)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Counts the values and revisions in `storage` and the audit records after `after_seq`,
/// with their sizes, reading page by page.
pub async fn measure_shape(storage: &dyn Storage, after_seq: u64) -> BenchResult<Shape> {
    let mut shape = Shape::default();
    for kind in [RecordKind::Value, RecordKind::Revision] {
        let (mut n, mut bytes, mut after) = (0u64, 0u64, None::<String>);
        loop {
            let page = storage.scan_page(kind, "", after.as_deref(), 10_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            for record in &page {
                n += 1;
                bytes += (record.key.len() + record.body.len()) as u64;
            }
        }
        shape.groups.push((kind.as_str().to_string(), n, bytes));
    }
    let (mut n, mut bytes, mut seq) = (0u64, 0u64, after_seq);
    loop {
        let query = AuditQuery { after_seq: Some(seq), limit: Some(10_000), ..Default::default() };
        let page = storage.audit(&query).await?;
        let Some(last) = page.last() else { break };
        seq = last.seq;
        for record in &page {
            n += 1;
            bytes += serde_json::to_string(&record.entry)?.len() as u64 + record.hash.len() as u64;
        }
    }
    shape.groups.push(("audit".into(), n, bytes));
    Ok(shape)
}

/// The highest audit sequence number in `storage`.
pub async fn last_audit_seq(storage: &dyn Storage) -> BenchResult<u64> {
    let mut seq = 0;
    loop {
        let query = AuditQuery { after_seq: Some(seq), limit: Some(10_000), ..Default::default() };
        let page = storage.audit(&query).await?;
        match page.last() {
            Some(last) => seq = last.seq,
            None => return Ok(seq),
        }
    }
}

/// Records of one group: keys of the form `000000000042`, padded bodies, so that key
/// and body together have the group's average size.
fn records(n: u64, bytes: u64) -> impl Iterator<Item = (String, Vec<u8>)> {
    let size = (bytes / n.max(1)) as usize;
    (0..n).map(move |i| {
        let key = format!("{i:012}");
        let body = vec![b'x'; size.saturating_sub(key.len()).max(1)];
        (key, body)
    })
}

/// sled writing `shape` in batches of 10,000 records with `apply_batch`, one tree per
/// group, flushing after every batch (durable, and faster than one flush at the end),
/// with the same cache the library opens sled with.
pub fn sled_write(dir: &std::path::Path, shape: &Shape, cache: u64) -> BenchResult<Duration> {
    let db = sled::Config::new().path(dir).cache_capacity(cache).open()?;
    let started = Instant::now();
    for (what, n, bytes) in &shape.groups {
        let tree = db.open_tree(what)?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for (key, body) in records(*n, *bytes) {
            batch.insert(key.as_bytes(), body);
            pending += 1;
            if pending == 10_000 {
                tree.apply_batch(std::mem::take(&mut batch))?;
                db.flush()?;
                pending = 0;
            }
        }
        tree.apply_batch(batch)?;
        db.flush()?;
    }
    Ok(started.elapsed())
}

/// PostgreSQL writing `shape` with `COPY` into one table with a primary key, 100,000
/// rows per `COPY`, each committed on its own.
pub async fn postgres_copy(url: &str, schema: &str, shape: &Shape) -> BenchResult<Duration> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut conn).await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await?;
    sqlx::query(&format!(
        "CREATE TABLE {schema}.raw_records (kind text, key text, body text, PRIMARY KEY (kind, key))"
    ))
    .execute(&mut conn)
    .await?;

    let started = Instant::now();
    for (what, n, bytes) in &shape.groups {
        let mut buffer = Vec::with_capacity(1 << 20);
        let mut pending = 0;
        for (key, body) in records(*n, *bytes) {
            buffer.extend_from_slice(what.as_bytes());
            buffer.push(b'\t');
            buffer.extend_from_slice(key.as_bytes());
            buffer.push(b'\t');
            buffer.extend_from_slice(&body);
            buffer.push(b'\n');
            pending += 1;
            if pending == 100_000 {
                copy(&mut conn, schema, std::mem::take(&mut buffer)).await?;
                pending = 0;
            }
        }
        if pending > 0 {
            copy(&mut conn, schema, buffer).await?;
        }
    }
    let spent = started.elapsed();
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn).await?;
    Ok(spent)
}

async fn copy(conn: &mut sqlx::PgConnection, schema: &str, rows: Vec<u8>) -> BenchResult<()> {
    let mut copy = conn
        .copy_in_raw(&format!("COPY {schema}.raw_records (kind, key, body) FROM STDIN"))
        .await?;
    copy.send(rows).await?;
    copy.finish().await?;
    Ok(())
}
