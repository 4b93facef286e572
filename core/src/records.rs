//! How the core's typed records become [`StoredRecord`]s and back.
//!
//! The keys and index entries chosen here are the whole contract between the rules and
//! the backends: a backend never looks inside a body.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::account::{Account, LoginThrottle, Session};
use crate::catalog::{Department, Indicator, Section};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::period::Period;
use crate::storage::{
    ChangeSet, Expected, IndexEntry, NewAuditRecord, RecordKind, StoredRecord, Write,
};
use crate::value::{Assignment, Revision, Value};

/// A typed record the core stores.
pub trait Record: Serialize + DeserializeOwned {
    /// Its key space.
    const KIND: RecordKind;
    /// Its key within the kind.
    fn key(&self) -> String;
    /// The index entries it is found by.
    fn index(&self) -> Vec<IndexEntry> {
        Vec::new()
    }
}

/// A record with the storage version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The version read; a write of the record expects it.
    pub version: u64,
    /// The record.
    pub record: T,
}

/// Decodes a stored record; a body the core cannot read is a storage failure naming the
/// record, never its content.
pub fn decode<T: Record>(stored: StoredRecord) -> Result<Versioned<T>> {
    let record = serde_json::from_str(&stored.body).map_err(|e| {
        Error::storage(format!("{} {} is unreadable: {e}", stored.kind, stored.key))
    })?;
    Ok(Versioned { version: stored.version, record })
}

fn encode<T: Record>(record: &T, version: u64) -> Result<StoredRecord> {
    Ok(StoredRecord {
        kind: T::KIND,
        key: record.key(),
        version,
        body: serde_json::to_string(record).map_err(Error::storage)?,
        index: record.index(),
    })
}

/// The key of a value: `code|period`. Codes cannot hold `|`.
pub fn value_key(indicator: &str, period: Period) -> String {
    format!("{indicator}|{period}")
}

/// Builds a change set from typed records.
#[derive(Debug, Default)]
pub struct Changes {
    set: ChangeSet,
}

impl Changes {
    /// An empty set of changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts a new record; a record already there is a conflict.
    pub fn insert<T: Record>(&mut self, record: &T) -> Result<&mut Self> {
        let record = encode(record, 1)?;
        self.set.writes.push(Write::Put { record, expected: Expected::Absent });
        Ok(self)
    }

    /// Overwrites a record read at `version`.
    pub fn update<T: Record>(&mut self, record: &T, version: u64) -> Result<&mut Self> {
        let record = encode(record, version + 1)?;
        self.set.writes.push(Write::Put { record, expected: Expected::Version(version) });
        Ok(self)
    }

    /// Inserts or overwrites, depending on whether it was read.
    pub fn upsert<T: Record>(&mut self, record: &T, read: Option<u64>) -> Result<&mut Self> {
        match read {
            Some(version) => self.update(record, version),
            None => self.insert(record),
        }
    }

    /// Deletes a record read at `version`.
    pub fn delete<T: Record>(&mut self, record: &T, version: u64) -> &mut Self {
        self.set.writes.push(Write::Delete {
            kind: T::KIND,
            key: record.key(),
            expected: Expected::Version(version),
        });
        self
    }

    /// Adds an audit record.
    pub fn audit(&mut self, entry: NewAuditRecord) -> &mut Self {
        self.set.audit.push(entry);
        self
    }

    /// The change set to apply.
    pub fn into_change_set(self) -> ChangeSet {
        self.set
    }
}

impl Record for Section {
    const KIND: RecordKind = RecordKind::Section;
    fn key(&self) -> String {
        self.name.clone()
    }
}

impl Record for Department {
    const KIND: RecordKind = RecordKind::Department;
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn index(&self) -> Vec<IndexEntry> {
        vec![IndexEntry::new("name", &self.name)]
    }
}

impl Record for Indicator {
    const KIND: RecordKind = RecordKind::Indicator;
    fn key(&self) -> String {
        self.code.clone()
    }
    fn index(&self) -> Vec<IndexEntry> {
        let mut index = vec![
            IndexEntry::new("section", &self.section),
            IndexEntry::new("periodicity", self.periodicity.as_str()),
        ];
        if let Some(department) = &self.department {
            index.push(IndexEntry::new("department", department.as_str()));
        }
        index
    }
}

impl Record for Account {
    const KIND: RecordKind = RecordKind::Account;
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn index(&self) -> Vec<IndexEntry> {
        let mut index: Vec<IndexEntry> =
            self.roles.iter().map(|r| IndexEntry::new("role", r.as_str())).collect();
        if let Some(email) = &self.email {
            index.push(IndexEntry::new("email", email));
        }
        if let Some(hash) = &self.setup_token_hash {
            index.push(IndexEntry::new("setup_token", hash));
        }
        if let Some(department) = &self.department {
            index.push(IndexEntry::new("department", department.as_str()));
        }
        index
    }
}

impl Record for Session {
    const KIND: RecordKind = RecordKind::Session;
    fn key(&self) -> String {
        self.token_hash.clone()
    }
    fn index(&self) -> Vec<IndexEntry> {
        vec![IndexEntry::new("account", self.account.as_str())]
    }
}

impl Record for LoginThrottle {
    const KIND: RecordKind = RecordKind::LoginThrottle;
    fn key(&self) -> String {
        self.email_hash.clone()
    }
}

impl Record for Assignment {
    const KIND: RecordKind = RecordKind::Assignment;
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn index(&self) -> Vec<IndexEntry> {
        vec![
            IndexEntry::new("account", self.account.as_str()),
            IndexEntry::new("indicator", &self.indicator),
        ]
    }
}

impl Record for Value {
    const KIND: RecordKind = RecordKind::Value;
    fn key(&self) -> String {
        value_key(&self.indicator, self.period)
    }
    fn index(&self) -> Vec<IndexEntry> {
        let mut index = vec![
            IndexEntry::new("period", self.period.to_string()),
            IndexEntry::new("status", self.status.as_str()),
        ];
        if let Some(department) = &self.department {
            index.push(IndexEntry::new("department", department.as_str()));
        }
        if let Some(first) = self.first_submitted_at {
            // By UTC month, so that "entered in a quarter" reads only that quarter's values.
            index.push(IndexEntry::new("first_submitted", first.format("%Y-%m").to_string()));
        }
        index
    }
}

impl Record for Revision {
    const KIND: RecordKind = RecordKind::Revision;
    fn key(&self) -> String {
        format!("{}|{:08}", value_key(&self.indicator, self.period), self.number)
    }
    fn index(&self) -> Vec<IndexEntry> {
        vec![IndexEntry::new("actor", self.actor.as_str())]
    }
}

/// A uniqueness claim: a record whose only purpose is that two writers cannot both
/// insert it (one account per e-mail; one bootstrap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// What is claimed, e.g. `email/<digest>`.
    pub name: String,
    /// Who holds it.
    pub holder: Option<Id>,
}

impl Record for Claim {
    const KIND: RecordKind = RecordKind::Setting;
    fn key(&self) -> String {
        format!("claim/{}", self.name)
    }
}
