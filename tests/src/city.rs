//! A small city to run scenarios in: departments, one account per role, a few
//! indicators and assignments, on a clock the test controls.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use citypassport_core::{
    AppointmentOrder, DepartmentKind, DueRule, Id, Indicator, ManualClock, NewAccount, Passport,
    Periodicity, Plausibility, Role, SessionToken, Settings, Storage, Unit, ValueKind,
};
use rust_decimal::Decimal;

/// The password every person of the test city sets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A person of the test city.
#[derive(Debug, Clone)]
pub struct Person {
    /// Account id.
    pub id: Id,
    /// Login e-mail.
    pub email: String,
    /// A live session.
    pub token: SessionToken,
}

/// The test city.
#[derive(Debug)]
pub struct City {
    /// The service.
    pub passport: Passport,
    /// The clock the service reads.
    pub clock: Arc<ManualClock>,
    /// Administrator.
    pub admin: Person,
    /// Chief of staff.
    pub chief: Person,
    /// Head of the education department.
    pub head: Person,
    /// Executor in education, assigned to `EDU-1` and `EDU-2`.
    pub executor: Person,
    /// Another executor in education, assigned to nothing.
    pub other_executor: Person,
    /// Controller.
    pub controller: Person,
    /// Viewer.
    pub viewer: Person,
    /// The education department.
    pub education: Id,
    /// The housing department.
    pub housing: Id,
}

fn order(number: &str, date: &str) -> AppointmentOrder {
    AppointmentOrder { number: number.into(), date: date.parse().expect("test date") }
}

/// An indicator definition for tests.
pub fn indicator(
    code: &str,
    kind: ValueKind,
    periodicity: Periodicity,
    department: &Id,
) -> Indicator {
    Indicator {
        code: code.into(),
        name: format!("Показатель {code}"),
        section: "Образование".into(),
        unit: Unit { name: "человек".into(), okei: Some("792".into()) },
        kind,
        periodicity,
        due: DueRule::default(),
        department: Some(department.clone()),
        methodology: String::new(),
        plausibility: Plausibility::default(),
        first_period: None,
    }
}

impl City {
    /// Builds the city on `storage`, with the clock on 2026-07-01 09:00 UTC.
    pub async fn build(storage: Arc<dyn Storage>) -> City {
        Self::build_with(storage, Settings::default()).await
    }

    /// Builds the city with its own settings.
    pub async fn build_with(storage: Arc<dyn Storage>, settings: Settings) -> City {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap()));
        let passport = Passport::with_settings(storage, clock.clone(), settings);

        let setup = passport
            .bootstrap_administrator(
                "admin@city.example",
                "Администратор",
                order("1-к", "2026-01-12"),
            )
            .await
            .expect("bootstrap");
        passport.set_password(&setup, PASSWORD).await.expect("admin password");
        let admin_token =
            passport.login("admin@city.example", PASSWORD).await.expect("admin login");
        let admin = Person {
            id: passport.whoami(&admin_token).await.expect("whoami").id,
            email: "admin@city.example".into(),
            token: admin_token,
        };

        let education = passport
            .create_department(&admin.token, "управление образования", DepartmentKind::Department)
            .await
            .expect("department")
            .id;
        let housing = passport
            .create_department(&admin.token, "жилищное управление", DepartmentKind::Department)
            .await
            .expect("department")
            .id;

        let mut city_people = Vec::new();
        for (email, roles, department) in [
            ("chief@city.example", vec![Role::ChiefOfStaff], None),
            ("head@city.example", vec![Role::DepartmentHead], Some(education.clone())),
            ("executor@city.example", vec![Role::Executor], Some(education.clone())),
            ("other@city.example", vec![Role::Executor], Some(education.clone())),
            ("controller@city.example", vec![Role::Controller], None),
            ("viewer@city.example", vec![Role::Viewer], None),
        ] {
            city_people.push(Self::person(&passport, &admin.token, email, roles, department).await);
        }
        let [chief, head, executor, other_executor, controller, viewer]: [Person; 6] =
            city_people.try_into().expect("six people");

        let mut edu1 = indicator("EDU-1", ValueKind::Integer, Periodicity::Monthly, &education);
        edu1.plausibility = Plausibility {
            min: Some(Decimal::ZERO),
            max: Some(Decimal::from(100_000)),
            max_change_percent: Some(Decimal::from(20)),
        };
        let edu2 =
            indicator("EDU-2", ValueKind::Decimal { places: 1 }, Periodicity::Monthly, &education);
        let house1 = indicator("HOUSE-1", ValueKind::Integer, Periodicity::Monthly, &housing);
        for definition in [edu1, edu2, house1] {
            passport.define_indicator(&chief.token, definition).await.expect("indicator");
        }
        for code in ["EDU-1", "EDU-2"] {
            passport
                .assign_executor(&head.token, &executor.id, code, order("15-к", "2026-02-01"))
                .await
                .expect("assignment");
        }

        City {
            passport,
            clock,
            admin,
            chief,
            head,
            executor,
            other_executor,
            controller,
            viewer,
            education,
            housing,
        }
    }

    /// Creates an account, sets its password and logs in.
    pub async fn person(
        passport: &Passport,
        admin: &SessionToken,
        email: &str,
        roles: Vec<Role>,
        department: Option<Id>,
    ) -> Person {
        let new = NewAccount {
            email: email.into(),
            full_name: format!("Сотрудник {email}"),
            department,
            roles: roles.into_iter().collect::<BTreeSet<_>>(),
            order: order("10-к", "2026-01-15"),
        };
        let (id, setup) = passport.create_account(admin, new).await.expect("account");
        passport.set_password(&setup, PASSWORD).await.expect("password");
        let token = passport.login(email, PASSWORD).await.expect("login");
        Person { id, email: email.into(), token }
    }
}
