//! The [`Passport`] service: every operation of the passport, with its rules.
//!
//! Each call takes the caller's [`SessionToken`], checks it and the caller's
//! permissions, reads what it needs, and writes its change together with an audit
//! record in one atomic change set. A concurrent change to the same record makes the
//! write fail with [`Error::Conflict`] instead of overwriting.

mod accounts;
mod catalog;
mod deadlines;
mod exchange;
mod governance;
mod report;
mod values;
mod verify;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::account::{Account, Permission, Role, SessionToken};
use crate::calendar::{DeadlinePolicy, RegionalHoliday};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::records::{decode, Changes, Record, Versioned};
use crate::storage::{AuditQuery, AuditRecord, NewAuditRecord, Storage};

pub use catalog::CatalogLoad;
pub use deadlines::CalendarYears;
pub use exchange::{ImportMode, ImportReport, ImportRow, RefusedRow};
pub use values::{render_table, PassportRow};
pub use verify::AuditVerification;

/// City-wide settings of the service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The city's time zone: deadlines and "today" are read in it.
    pub time_zone: Tz,
    /// How long a session lasts after login.
    pub session_lifetime: Duration,
    /// How long a setup token works after it is issued.
    pub setup_token_lifetime: Duration,
    /// Failed logins of one e-mail that lock it.
    pub max_failed_logins: u32,
    /// How long a lock lasts.
    pub lockout: Duration,
    /// Whether paid non-working days move deadlines (by default they do not).
    pub deadline_policy: DeadlinePolicy,
    /// The region's own non-working holidays, on top of any an administrator stores.
    pub regional_holidays: Vec<RegionalHoliday>,
}

impl Settings {
    /// Settings for a city of the Belgorod region: Moscow time and 12 July ("Day of the
    /// Prokhorovka field") as a regional holiday since 2020.
    pub fn belgorod() -> Self {
        let prokhorovka = RegionalHoliday::new(7, 12, "День Прохоровского поля")
            .expect("12 July is a valid regional holiday")
            .since(2020);
        Settings { regional_holidays: vec![prokhorovka], ..Settings::default() }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            time_zone: chrono_tz::Europe::Moscow,
            session_lifetime: Duration::hours(12),
            setup_token_lifetime: Duration::days(7),
            max_failed_logins: 5,
            lockout: Duration::minutes(15),
            deadline_policy: DeadlinePolicy::default(),
            regional_holidays: Vec::new(),
        }
    }
}

/// The passport service. Cheap to clone; clones share the store.
///
/// ```
/// use std::sync::Arc;
/// use citypassport_core::{AppointmentOrder, MemoryStorage, Passport};
///
/// # block_on(async {
/// let passport = Passport::new(Arc::new(MemoryStorage::new()));
/// let order = AppointmentOrder { number: "1-к".into(), date: "2026-01-12".parse().unwrap() };
/// let setup =
///     passport.bootstrap_administrator("admin@city.example", "Иванов И. И.", order).await?;
/// passport.set_password(&setup, "a long enough password").await?;
/// let session = passport.login("Admin@City.example ", "a long enough password").await?;
/// assert_eq!(passport.whoami(&session).await?.full_name, "Иванов И. И.");
/// # Ok::<(), citypassport_core::Error>(())
/// # }).unwrap();
/// # // The core brings no runtime; the memory store never waits, so polling suffices.
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Passport {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
}

/// The caller of an operation, checked.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub account: Versioned<Account>,
}

impl Actor {
    fn id(&self) -> &crate::id::Id {
        &self.account.record.id
    }

    fn require(&self, permission: Permission) -> Result<()> {
        if self.account.record.can(permission) {
            Ok(())
        } else {
            Err(Error::denied(format!("account {} lacks permission {permission:?}", self.id())))
        }
    }

    fn has_role(&self, role: Role) -> bool {
        self.account.record.has_role(role)
    }
}

impl Passport {
    /// A service over `storage` with the system clock and default settings.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self::with_settings(storage, Arc::new(SystemClock), Settings::default())
    }

    /// A service with its own clock and settings.
    pub fn with_settings(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        Passport { storage, clock, settings: Arc::new(settings) }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store behind the service.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date in the city's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.settings.time_zone).date_naive()
    }

    pub(crate) async fn get<T: Record>(&self, key: &str) -> Result<Option<Versioned<T>>> {
        self.storage.get(T::KIND, key).await?.map(decode).transpose()
    }

    pub(crate) async fn find<T: Record>(
        &self,
        index: &str,
        value: &str,
    ) -> Result<Vec<Versioned<T>>> {
        self.storage.find(T::KIND, index, value).await?.into_iter().map(decode).collect()
    }

    pub(crate) async fn scan<T: Record>(&self, prefix: &str) -> Result<Vec<Versioned<T>>> {
        self.storage.scan(T::KIND, prefix).await?.into_iter().map(decode).collect()
    }

    pub(crate) async fn apply(&self, changes: Changes) -> Result<()> {
        self.storage.apply(changes.into_change_set()).await.map(|_| ())
    }

    /// Stages `after`, the new state of the record read as `before`, together with its
    /// audit record: `action` by `actor`, with both states. A decision on a proposal, a
    /// correction or a delay notice is written this way.
    pub(crate) fn stage_update<T: Record>(
        &self,
        changes: &mut Changes,
        actor: &Actor,
        action: &str,
        before: &Versioned<T>,
        after: &T,
    ) -> Result<()> {
        changes.update(after, before.version)?;
        let audit =
            self.audit_entry(Some(actor.id()), action, after, Some(&before.record), Some(after))?;
        changes.audit(audit);
        Ok(())
    }

    /// An audit record of `action` on `record` by `actor`, now.
    pub(crate) fn audit_entry<T: Record, B: Serialize, A: Serialize>(
        &self,
        actor: Option<&crate::id::Id>,
        action: &str,
        record: &T,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<NewAuditRecord> {
        let json = |v: &dyn erased::Json| v.to_json();
        Ok(NewAuditRecord {
            at: self.now(),
            actor: actor.cloned(),
            action: action.to_string(),
            kind: T::KIND,
            key: record.key(),
            before: before.map(|b| json(b)).transpose()?,
            after: after.map(|a| json(a)).transpose()?,
        })
    }

    /// Checks a session token and returns the caller. Fails with
    /// [`Error::Unauthenticated`] for an unknown, expired or revoked session, or an
    /// inactive account.
    pub(crate) async fn authenticate(&self, token: &SessionToken) -> Result<Actor> {
        let session = self
            .get::<crate::account::Session>(&token.digest())
            .await?
            .ok_or(Error::Unauthenticated)?;
        if session.record.expires_at <= self.now() {
            return Err(Error::Unauthenticated);
        }
        let account = self
            .get::<Account>(session.record.account.as_str())
            .await?
            .filter(|a| a.record.active)
            .ok_or(Error::Unauthenticated)?;
        Ok(Actor { account })
    }

    /// Reads the audit log. Controllers, the chief of staff and administrators may.
    pub async fn audit_log(
        &self,
        token: &SessionToken,
        query: &AuditQuery,
    ) -> Result<Vec<AuditRecord>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadAudit)?;
        self.storage.audit(query).await
    }
}

/// Serializing any audit payload to JSON text without making the caller name a type.
mod erased {
    use crate::error::{Error, Result};

    pub trait Json {
        fn to_json(&self) -> Result<String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String> {
            serde_json::to_string(self).map_err(Error::storage)
        }
    }
}
