//! The `Passport` object: a store opened for the JVM, and the calls made before login.

use std::sync::{Arc, RwLock};

use std::time::Duration;

use citypassport_core::{
    DeadlinePolicy, MemoryStorage, Passport as Service, Secret, Settings as CoreSettings, Storage,
    SystemClock,
};
use citypassport_postgres::{PostgresConfig, PostgresStorage};
use citypassport_sled::SledStorage;

use crate::accounts::AppointmentOrder;
use crate::convert::{int, non_negative, LocalDate};
use crate::deadlines::RegionalHoliday;
use crate::error::{PassportError, Result};
use crate::runtime;
use crate::session::Session;

/// The open store, shared by a `Passport` and the sessions opened through it.
///
/// Closing it takes the service out; calls already running keep their own clone and
/// finish, and the store itself (its files, its connections) goes when the last of them
/// does. It is also closed when dropped, that is once the `Passport` and all its
/// sessions are gone.
#[derive(Debug)]
pub(crate) struct Shared {
    service: RwLock<Option<Service>>,
}

impl Shared {
    fn new(service: Service) -> Arc<Self> {
        Arc::new(Shared { service: RwLock::new(Some(service)) })
    }

    /// The service, or [`PassportError::Closed`] once closed.
    pub(crate) fn service(&self) -> Result<Service> {
        self.service
            .read()
            // The lock guards a plain Option that no code leaves half-changed.
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(PassportError::closed)
    }

    /// Drops the service; later calls fail with [`PassportError::Closed`]. Harmless when
    /// already closed.
    pub(crate) fn close(&self) {
        let service = self.service.write().unwrap_or_else(|e| e.into_inner()).take();
        // A PostgreSQL pool shuts its connection tasks down on the runtime.
        runtime::in_context(|| drop(service));
    }

    /// Runs one call of the core on the calling thread and translates its error.
    pub(crate) fn call<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: FnOnce(Service) -> Fut,
        Fut: std::future::Future<Output = citypassport_core::Result<T>>,
    {
        let service = self.service()?;
        runtime::block_on(call(service)).map_err(PassportError::from)
    }
}

impl Drop for Shared {
    /// Runs when the last holder of the store goes: the `Passport` and every session
    /// opened through it, each closed or freed.
    fn drop(&mut self) {
        self.close();
    }
}

/// A city passport store, opened on sled, PostgreSQL or in memory.
///
/// Kotlin sees it as `city.passport.Passport`, a hand-written subclass of this object
/// (`NativePassport` there) whose `close()` calls [`close_passport`]: the store closes
/// once the calls running at that moment have finished, and from then on the object's
/// methods and those of the sessions opened through it throw `PassportException.Closed`;
/// closing again does nothing. Close sessions first: a session still open when its
/// passport closes can no longer log out and stays valid in the store until it expires.
///
/// Only an explicit close closes the store under open sessions. When the garbage
/// collector frees a `Passport` that was never closed, its sessions keep the store open
/// and go on working; the store closes when the last of them is closed or freed.
///
/// Safe to use from many threads at once.
#[derive(Debug, uniffi::Object)]
// See `city.passport.Passport` in kotlin/Passport.kt for why the generated class has
// another name.
#[uniffi(name = "NativePassport")]
pub struct Passport {
    shared: Arc<Shared>,
    /// The settings it was opened with, kept apart from the service so that they read
    /// after closing too.
    settings: CoreSettings,
}

#[uniffi::export(name = "NativePassport")]
impl Passport {
    /// Opens (or creates) the sled store in the folder `path`: the embedded store of a
    /// small city, with no server. One process may have a folder open at a time.
    /// `settings` null means the defaults (Moscow time, no regional holiday).
    #[uniffi::constructor(default(settings = None))]
    pub fn open_sled(path: String, settings: Option<Settings>) -> Result<Arc<Self>> {
        let settings = settings.unwrap_or_default().into_core()?;
        let store = SledStorage::open(&path).map_err(citypassport_core::Error::from)?;
        Ok(Self::over(Arc::new(store), settings))
    }

    /// Connects to the PostgreSQL store at `url` (`postgres://user:password@host/db`),
    /// bringing its tables up to date. `schema` holds the tables (created if missing);
    /// null means the role's `search_path`, usually `public`. Error messages never
    /// repeat the password.
    #[uniffi::constructor(default(schema = None, settings = None))]
    pub fn connect_postgres(
        url: String,
        schema: Option<String>,
        settings: Option<Settings>,
    ) -> Result<Arc<Self>> {
        let settings = settings.unwrap_or_default().into_core()?;
        let config = match schema {
            Some(schema) => PostgresConfig::new(url).with_schema(schema),
            None => PostgresConfig::new(url),
        };
        let store = runtime::block_on(PostgresStorage::connect_with(config))
            .map_err(citypassport_core::Error::from)?;
        Ok(Self::over(Arc::new(store), settings))
    }

    /// A new empty store in memory, gone when closed: for tests and demonstrations.
    #[uniffi::constructor(default(settings = None))]
    pub fn in_memory(settings: Option<Settings>) -> Result<Arc<Self>> {
        let settings = settings.unwrap_or_default().into_core()?;
        Ok(Self::over(Arc::new(MemoryStorage::new()), settings))
    }

    /// The settings in force, every field filled in (the defaults where none was given
    /// at opening). Readable after `close()` too.
    pub fn settings(&self) -> Settings {
        self.settings.clone().into()
    }

    /// The city's time zone as an IANA name, e.g. `Europe/Moscow`: deadlines, "today"
    /// and the quarterly report's times are read in it. Readable after `close()` too.
    pub fn time_zone(&self) -> String {
        self.settings.time_zone.name().to_string()
    }

    /// Today's date in the city's time zone.
    pub fn today(&self) -> Result<LocalDate> {
        Ok(self.shared.service()?.today().into())
    }

    /// Creates the first administrator of an empty store and returns the setup token
    /// with which they set their password. Refused once the store has any account.
    pub fn bootstrap_administrator(
        &self,
        email: String,
        full_name: String,
        order: AppointmentOrder,
    ) -> Result<Secret> {
        let order = order.into_core();
        self.shared.call(|service| async move {
            service.bootstrap_administrator(&email, &full_name, order).await
        })
    }

    /// Sets a password with a setup token. The token works once and ends every session
    /// of its account.
    pub fn set_password(&self, setup_token: Secret, password: String) -> Result<()> {
        self.shared
            .call(|service| async move { service.set_password(&setup_token, &password).await })
    }

    /// Logs in by e-mail (any case) and password. Closing the session logs out.
    pub fn login(&self, email: String, password: String) -> Result<Arc<Session>> {
        let token =
            self.shared.call(|service| async move { service.login(&email, &password).await })?;
        Session::open(self.shared.clone(), token, true)
    }

    /// Takes up a session from its token (say, from a web portal's cookie). Fails with
    /// `Unauthenticated` if it has expired or ended. Closing the returned object does
    /// not log out, since the token lives on elsewhere; call `logout()` to end it.
    pub fn resume_session(&self, token: Secret) -> Result<Arc<Session>> {
        Session::open(self.shared.clone(), token, false)
    }
}

impl Passport {
    fn over(storage: Arc<dyn Storage>, settings: CoreSettings) -> Arc<Self> {
        let service = Service::with_settings(storage, Arc::new(SystemClock), settings.clone());
        Arc::new(Passport { shared: Shared::new(service), settings })
    }
}

/// City-wide settings of a `Passport`. Every field left null (or empty) keeps the
/// core's default: Moscow time, 12-hour sessions, 7-day setup tokens, a 15-minute lock
/// after 5 failed logins, paid non-working days not moving deadlines, no regional
/// holiday. `belgorodSettings()` gives those of a city of the Belgorod region.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct Settings {
    /// The city's time zone, as an IANA name such as `Europe/Moscow` or
    /// `Asia/Yekaterinburg`: deadlines and "today" are read in it.
    #[uniffi(default)]
    pub time_zone: Option<String>,
    /// How long a session lasts after login.
    #[uniffi(default)]
    pub session_lifetime: Option<Duration>,
    /// How long a setup token works after it is issued.
    #[uniffi(default)]
    pub setup_token_lifetime: Option<Duration>,
    /// Failed logins of one e-mail that lock it.
    #[uniffi(default)]
    pub max_failed_logins: Option<i32>,
    /// How long such a lock lasts.
    #[uniffi(default)]
    pub lockout: Option<Duration>,
    /// Whether paid non-working days move deadlines like rest days (by default they do
    /// not).
    #[uniffi(default)]
    pub paid_nonworking_moves_deadlines: Option<bool>,
    /// The region's own non-working holidays, on top of any an administrator stores.
    #[uniffi(default)]
    pub regional_holidays: Vec<RegionalHoliday>,
}

impl Settings {
    fn into_core(self) -> Result<CoreSettings> {
        let defaults = CoreSettings::default();
        let duration = |field: &str, value: Option<Duration>, default| match value {
            Some(value) => chrono::Duration::from_std(value)
                .map_err(|_| PassportError::invalid(field, "is too long")),
            None => Ok(default),
        };
        let time_zone = match self.time_zone {
            Some(name) => name.parse().map_err(|_| {
                PassportError::invalid("time zone", format!("'{name}' is not an IANA time zone"))
            })?,
            None => defaults.time_zone,
        };
        Ok(CoreSettings {
            time_zone,
            session_lifetime: duration(
                "session lifetime",
                self.session_lifetime,
                defaults.session_lifetime,
            )?,
            setup_token_lifetime: duration(
                "setup token lifetime",
                self.setup_token_lifetime,
                defaults.setup_token_lifetime,
            )?,
            max_failed_logins: match self.max_failed_logins {
                Some(n) => non_negative("max failed logins", n)?,
                None => defaults.max_failed_logins,
            },
            lockout: duration("lockout", self.lockout, defaults.lockout)?,
            deadline_policy: match self.paid_nonworking_moves_deadlines {
                Some(moves) => DeadlinePolicy { paid_nonworking_moves_deadlines: moves },
                None => defaults.deadline_policy,
            },
            regional_holidays: self
                .regional_holidays
                .into_iter()
                .map(RegionalHoliday::into_core)
                .collect::<Result<_>>()?,
        })
    }
}

impl From<CoreSettings> for Settings {
    fn from(s: CoreSettings) -> Self {
        Settings {
            time_zone: Some(s.time_zone.name().to_string()),
            session_lifetime: s.session_lifetime.to_std().ok(),
            setup_token_lifetime: s.setup_token_lifetime.to_std().ok(),
            max_failed_logins: Some(int(s.max_failed_logins)),
            lockout: s.lockout.to_std().ok(),
            paid_nonworking_moves_deadlines: Some(
                s.deadline_policy.paid_nonworking_moves_deadlines,
            ),
            regional_holidays: s.regional_holidays.iter().map(RegionalHoliday::from).collect(),
        }
    }
}

/// The settings of a city of the Belgorod region: Moscow time, and 12 July ("Day of the
/// Prokhorovka field") as a regional holiday since 2020.
#[uniffi::export]
pub fn belgorod_settings() -> Settings {
    CoreSettings::belgorod().into()
}

impl Passport {
    /// Closes the store as `city.passport.Passport.close()` does in Kotlin; see
    /// [`close_passport`].
    pub fn close(&self) {
        self.shared.close();
    }
}

/// Closes `passport`'s store as `city.passport.Passport.close()` does in Kotlin: once the
/// calls running at that moment have finished, the store (its files, its connections)
/// is let go, even if sessions opened through it are still open; they, and the object
/// itself, then throw `PassportException.Closed`. The object is freed by the garbage
/// collector. Closing twice does nothing.
#[uniffi::export]
pub fn close_passport(passport: Arc<Passport>) {
    passport.close();
}

#[cfg(test)]
mod tests {
    //! The bindings hand codes and ids to the core as they are given: each call here is
    //! made once through the bindings and once on the core itself, and must come out
    //! the same.

    use citypassport_core::ValueRef as CoreValueRef;

    use super::*;
    use crate::accounts::{NewAccount, Role};
    use crate::catalog::{DepartmentKind, DueRule, Indicator, Periodicity, ValueKind};
    use crate::deadlines::ValueRef;

    const PASSWORD: &str = "a long enough password";

    fn order() -> AppointmentOrder {
        AppointmentOrder { number: "1-к".into(), date: "2026-01-12".parse().unwrap() }
    }

    /// A store with an executor assigned to EDU-1; gives the executor's session, their
    /// token for calling the core directly, the administrator's session and the
    /// executor's account id.
    fn city(passport: &Passport) -> Result<(Arc<Session>, Secret, Arc<Session>, String)> {
        let setup = passport.bootstrap_administrator(
            "admin@city.example".into(),
            "Админ".into(),
            order(),
        )?;
        passport.set_password(setup, PASSWORD.into())?;
        let admin = passport.login("admin@city.example".into(), PASSWORD.into())?;
        let education =
            admin.create_department("образование".into(), DepartmentKind::Department)?;

        let person = |email: &str, role: Role| -> Result<String> {
            let created = admin.create_account(NewAccount {
                email: email.into(),
                full_name: "Сотрудник".into(),
                roles: vec![role],
                order: order(),
                department_id: Some(education.id.clone()),
            })?;
            passport.set_password(created.setup_token, PASSWORD.into())?;
            Ok(created.account_id)
        };
        person("chief@city.example", Role::ChiefOfStaff)?;
        let executor_id = person("executor@city.example", Role::Executor)?;

        let chief = passport.login("chief@city.example".into(), PASSWORD.into())?;
        chief.define_indicator(Indicator {
            code: "EDU-1".into(),
            name: "Показатель".into(),
            section: "Образование".into(),
            unit_name: "человек".into(),
            okei_code: None,
            kind: ValueKind::Integer,
            periodicity: Periodicity::Monthly,
            due: DueRule::DayOfMonthAfter { day: 10, months_after: 1 },
            department_id: Some(education.id.clone()),
            methodology: String::new(),
            plausibility: Default::default(),
            first_period: None,
        })?;
        admin.assign_executor(executor_id.clone(), "EDU-1".into(), order())?;

        let executor = passport.login("executor@city.example".into(), PASSWORD.into())?;
        let token = passport.call(|service| async move {
            service.login("executor@city.example", PASSWORD).await
        })?;
        Ok((executor, token, admin, executor_id))
    }

    impl Passport {
        fn call<T, F, Fut>(&self, call: F) -> Result<T>
        where
            F: FnOnce(Service) -> Fut,
            Fut: std::future::Future<Output = citypassport_core::Result<T>>,
        {
            self.shared.call(call)
        }
    }

    #[test]
    fn indicator_code_with_a_space_in_a_value_address_fares_as_in_the_core() -> Result<()> {
        let passport = Passport::in_memory(None)?;
        let (executor, token, _, _) = city(&passport)?;
        let today = passport.today()?;
        let period = "2026-M07";

        let bound = executor.file_delay_notice(
            vec![ValueRef { indicator: " EDU-1".into(), period: period.into() }],
            "нет данных".into(),
            today,
        );
        let core = passport.call(|service| async move {
            let values = [CoreValueRef::new(" EDU-1", period.parse()?)];
            service.file_delay_notice(&token, &values, "нет данных", today.0).await
        });

        // The core looks codes up as it sees fit; whatever it makes of " EDU-1", the
        // bindings must make the same, refusal or notice.
        match (bound, core) {
            (Ok(bound), Ok(core)) => {
                let core: Vec<ValueRef> = core.values.into_iter().map(ValueRef::from).collect();
                assert_eq!(bound.values, core);
            }
            (Err(bound), Err(core)) => assert_eq!(bound, core),
            (bound, core) => panic!("the bindings gave {bound:?}, the core {core:?}"),
        }
        Ok(())
    }

    #[test]
    fn account_id_with_a_space_finds_what_the_core_finds() -> Result<()> {
        let passport = Passport::in_memory(None)?;
        let (_, _, admin, executor_id) = city(&passport)?;
        let spaced = format!(" {executor_id}");

        let bound = admin.assignments_of_account(spaced.clone())?;
        let admin_token = admin.detach()?;
        let core = passport.call(|service| async move {
            service.assignments_of_account(&admin_token, &spaced.as_str().into()).await
        })?;

        assert_eq!(bound.len(), core.len());
        assert!(bound.is_empty(), "{bound:?}");
        assert_eq!(admin.assignments_of_account(executor_id)?.len(), 1);
        Ok(())
    }
}
