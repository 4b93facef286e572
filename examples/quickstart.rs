//! The quickstart: a city passport in a sled folder, from nothing to a reviewed period.
//!
//! Run it with `cargo run -p citypassport-examples --bin quickstart [FOLDER]`. It opens
//! (or creates) a sled store in FOLDER (default `target/quickstart-store`), loads the
//! real indicator list shipped in `data/`, creates the Belgorod departments and one
//! account per role, assigns an executor, walks the 2025 values of the population
//! section through draft, submit, return, resubmit and accept, and prints the passport
//! for 2025. Then it simulates the third quarter of 2026 for three monthly indicators,
//! with values on time, late, missing and excused by a granted delay notice, and prints
//! the quarterly report. Run again, it finds the store set up and the values in, and
//! prints the same passport and report.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::sync::Arc;

use chrono::{Duration, TimeZone};
use citypassport_core::{
    render_table, AppointmentOrder, DepartmentKind, DueRule, Id, Indicator, ManualClock,
    NewAccount, Passport, Period, Periodicity, Plausibility, Role, SessionToken, Settings, Unit,
    ValueInput, ValueKind, ValueRef, ValueStatus,
};
use citypassport_sled::SledStorage;

/// Demo passwords: a real deployment never knows its users' passwords, since each
/// person sets their own with a setup token.
const PASSWORD: &str = "quickstart demo password";

/// Which department answers for which section of the shipped catalog.
const SECTION_DEPARTMENTS: &[(&str, &str)] = &[
    ("Население", "управление организационно-аналитической работы"),
    ("Торговля и услуги", "управление организационно-аналитической работы"),
    ("Энергосбережение", "департамент городского хозяйства"),
    ("Жилищно-коммунальное хозяйство", "департамент городского хозяйства"),
    ("Жилищное строительство", "департамент строительства и архитектуры"),
    ("Территория", "управление архитектуры и градостроительства"),
    ("Градостроительство", "управление архитектуры и градостроительства"),
    ("Доходы и заработная плата", "комитет финансов и бюджетных отношений"),
    ("Бюджет и управление", "комитет финансов и бюджетных отношений"),
    ("Экономическое развитие", "комитет финансов и бюджетных отношений"),
    ("Деятельность предприятий", "комитет финансов и бюджетных отношений"),
    ("Инвестиции", "комитет финансов и бюджетных отношений"),
    ("Финансовая деятельность", "комитет финансов и бюджетных отношений"),
    ("Общее образование", "управление образования"),
    ("Дошкольное образование", "управление образования"),
    ("Дополнительное образование", "управление образования"),
    ("Физическая культура и спорт", "управление физической культуры и спорта"),
    ("Социальная поддержка", "управление социальной защиты населения"),
    ("Здравоохранение", "управление социальной защиты населения"),
    ("Туризм", "управление культуры"),
];

const ANALYTICS: &str = "управление организационно-аналитической работы";

/// The people of the demo: e-mail, name, roles, and whether they work in ANALYTICS.
const PEOPLE: &[(&str, &str, &[Role], bool)] = &[
    ("chief@beladm.example", "Руководитель аппарата", &[Role::ChiefOfStaff], false),
    ("head@beladm.example", "Начальник управления", &[Role::DepartmentHead], true),
    ("executor@beladm.example", "Исполнитель", &[Role::Executor], true),
    ("controller@beladm.example", "Контролер", &[Role::Controller], true),
    ("viewer@beladm.example", "Пользователь", &[Role::Viewer], false),
    ("builder@beladm.example", "Исполнитель по строительству", &[Role::Executor], false),
];

const CONSTRUCTION: &str = "департамент строительства и архитектуры";

/// Monthly indicators of the simulated quarter: the one monthly indicator of the shipped
/// list (housing put in service, form С-1), and two monthly series the city adds.
const BIRTHS: &str = "MR-1.1.1-M";
const DEATHS: &str = "MR-1.1.3-M";
const HOUSING: &str = "Y48010001";

/// The 2025 population values the executor enters; the second is entered wrong first.
const VALUES: &[(&str, &str)] =
    &[("MR-1.1", "333 931"), ("MR-1.1.1", "2 780"), ("MR-1.1.2", "8,33"), ("MR-1.1.3", "4 115")];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let folder = std::env::args().nth(1).unwrap_or_else(|| "target/quickstart-store".into());
    let storage = Arc::new(SledStorage::open(&folder)?);

    // The demo runs on a clock set inside the reporting season, so that it reads the
    // same whatever day it is run; a real deployment uses `Passport::new`.
    let season = moscow(2026, 3, 20, 10);
    let clock = Arc::new(ManualClock::new(season));
    // A Belgorod city: Moscow time, 12 July a regional holiday. Sessions outlast the
    // simulated quarter so that the demo needs no new logins.
    let settings = Settings { session_lifetime: Duration::days(400), ..Settings::belgorod() };
    let passport = Passport::with_settings(storage, clock.clone(), settings);

    let admin = match passport.login("admin@beladm.example", PASSWORD).await {
        Ok(session) => {
            println!("Store in {folder} is already set up; logging in again.");
            session
        }
        Err(_) => set_up(&passport).await?,
    };
    let executor = passport.login("executor@beladm.example", PASSWORD).await?;
    let controller = passport.login("controller@beladm.example", PASSWORD).await?;
    let viewer = passport.login("viewer@beladm.example", PASSWORD).await?;

    let year: Period = "2025".parse()?;
    let done = passport.value(&viewer, "MR-1.1", year).await?;
    if done.is_some_and(|v| v.status == ValueStatus::Accepted) {
        println!("The 2025 population values are already reviewed.");
    } else {
        walk_period(&passport, &executor, &controller, year).await?;
    }

    let rows = passport.period_passport(&viewer, year).await?;
    let entered = rows.iter().filter(|r| r.value.is_some()).count();
    println!(
        "\nThe passport of «Город Белгород» for {year} ({entered} of {} entered):\n",
        rows.len()
    );
    print!("{}", render_table(&rows));

    let quarter: Period = "2026-Q3".parse()?;
    let builder = passport.login("builder@beladm.example", PASSWORD).await?;
    let people = Team { executor: &executor, builder: &builder, controller: &controller };
    if passport.value(&viewer, BIRTHS, "2026-M06".parse()?).await?.is_some() {
        println!("\nThe third quarter of 2026 is already simulated.");
    } else {
        simulate_quarter(&passport, &clock, &people).await?;
    }

    clock.set(moscow(2026, 10, 2, 10));
    let report = passport.quarterly_report(&viewer, quarter).await?;
    println!("\n{}", report.to_text());

    passport.logout(&admin).await?;
    Ok(())
}

/// A Moscow wall-clock hour as an instant.
fn moscow(year: i32, month: u32, day: u32, hour: u32) -> chrono::DateTime<chrono::Utc> {
    chrono_tz::Europe::Moscow.with_ymd_and_hms(year, month, day, hour, 0, 0).unwrap().to_utc()
}

/// The sessions the simulated quarter is played with.
struct Team<'a> {
    executor: &'a SessionToken,
    builder: &'a SessionToken,
    controller: &'a SessionToken,
}

/// July to September 2026, day by day where something happens.
async fn simulate_quarter(
    passport: &Passport,
    clock: &ManualClock,
    team: &Team<'_>,
) -> Result<(), Box<dyn Error>> {
    let month = |m: &str| -> Period { m.parse().expect("period") };
    let (june, july, august) = (month("2026-M06"), month("2026-M07"), month("2026-M08"));
    let enter = |token: &SessionToken, code: &'static str, period: Period, typed: &'static str| {
        let token = token.clone();
        async move {
            passport.save_draft(&token, code, period, ValueInput::Text(typed.into())).await?;
            passport.submit(&token, code, period).await
        }
    };
    let accept =
        |code: &'static str, period: Period| passport.accept(team.controller, code, period);

    println!("\nSimulating the third quarter of 2026 (June to August values):");
    // June values are due Friday 10 July.
    clock.set(moscow(2026, 7, 9, 16));
    enter(team.executor, BIRTHS, june, "231").await?;
    accept(BIRTHS, june).await?;
    clock.set(moscow(2026, 7, 14, 11));
    enter(team.executor, DEATHS, june, "342").await?;
    accept(DEATHS, june).await?;
    println!("  June: births on time, deaths four days late, housing never entered.");

    // July values are due Monday 10 August.
    clock.set(moscow(2026, 8, 5, 10));
    let notice = passport
        .file_delay_notice(
            team.executor,
            &[ValueRef::new(DEATHS, july)],
            "органы ЗАГС передадут сведения за июль после 15 августа",
            "2026-08-20".parse()?,
        )
        .await?;
    passport.grant_delay_notice(team.controller, &notice.id, None, None).await?;
    clock.set(moscow(2026, 8, 7, 15));
    enter(team.executor, BIRTHS, july, "250").await?;
    clock.set(moscow(2026, 8, 10, 9));
    passport.return_value(team.controller, BIRTHS, july, "не сходится с формой ЗАГС").await?;
    clock.set(moscow(2026, 8, 12, 9));
    enter(team.executor, BIRTHS, july, "252").await?;
    accept(BIRTHS, july).await?;
    clock.set(moscow(2026, 8, 18, 14));
    enter(team.executor, DEATHS, july, "318").await?;
    accept(DEATHS, july).await?;
    clock.set(moscow(2026, 8, 25, 12));
    enter(team.builder, HOUSING, july, "12 480,5").await?;
    accept(HOUSING, july).await?;
    println!("  July: births returned and fixed, deaths excused by a granted delay notice,");
    println!("        housing fifteen days late.");

    // August values are due Thursday 10 September.
    clock.set(moscow(2026, 9, 8, 10));
    for (token, code, typed) in [
        (team.executor, BIRTHS, "244"),
        (team.executor, DEATHS, "301"),
        (team.builder, HOUSING, "9 870"),
    ] {
        enter(token, code, august, typed).await?;
        accept(code, august).await?;
    }
    println!("  August: everything on time.");
    Ok(())
}

/// Creates the administrator, departments, people, catalog and assignments.
async fn set_up(passport: &Passport) -> Result<SessionToken, Box<dyn Error>> {
    println!("Setting up a new store.");
    let order = |number: &str| AppointmentOrder {
        number: number.into(),
        date: "2026-01-12".parse().expect("date"),
    };

    let setup = passport
        .bootstrap_administrator("admin@beladm.example", "Администратор ИС", order("1-ИС"))
        .await?;
    passport.set_password(&setup, PASSWORD).await?;
    let admin = passport.login("admin@beladm.example", PASSWORD).await?;

    let departments = std::fs::read_to_string(data_file("belgorod-departments.csv"))?;
    let mut by_name: BTreeMap<String, Id> = BTreeMap::new();
    for row in csv::Reader::from_reader(departments.as_bytes()).records() {
        let row = row?;
        let kind = if &row[1] == "department" {
            DepartmentKind::Department
        } else {
            DepartmentKind::Institution
        };
        let department = passport.create_department(&admin, &row[0], kind).await?;
        by_name.insert(department.name, department.id);
    }
    println!("Created {} departments.", by_name.len());

    let mut ids = BTreeMap::new();
    for (email, name, roles, in_analytics) in PEOPLE {
        let department = if email.starts_with("builder") {
            Some(by_name[CONSTRUCTION].clone())
        } else {
            in_analytics.then(|| by_name[ANALYTICS].clone())
        };
        let new = NewAccount {
            email: email.to_string(),
            full_name: name.to_string(),
            department,
            roles: roles.iter().copied().collect::<BTreeSet<_>>(),
            order: order("7-к"),
        };
        let (id, setup) = passport.create_account(&admin, new).await?;
        // In real life the administrator sends the setup link and the person chooses
        // a password; here the demo does it for them.
        passport.set_password(&setup, PASSWORD).await?;
        ids.insert(*email, id);
    }
    println!("Created {} accounts, one per role.", PEOPLE.len() + 1);

    let chief = passport.login("chief@beladm.example", PASSWORD).await?;
    let sections = SECTION_DEPARTMENTS
        .iter()
        .map(|(section, department)| (section.to_string(), by_name[*department].clone()))
        .collect();
    let catalog = std::fs::File::open(data_file("indicators-ru-municipal.csv"))?;
    let load = passport.load_catalog_csv(&chief, catalog, &sections).await?;
    println!("Loaded {} indicators in {} sections.", load.added, load.sections_added);

    let head = passport.login("head@beladm.example", PASSWORD).await?;
    for (code, _) in VALUES {
        passport
            .assign_executor(&head, &ids["executor@beladm.example"], code, order("12-р"))
            .await?;
    }
    println!("Assigned the executor to {} population indicators.", VALUES.len());

    // Two monthly series of the population section for the quarter's simulation.
    let analytics = by_name[ANALYTICS].clone();
    for (code, name) in [(BIRTHS, "Число родившихся за месяц"), (DEATHS, "Число умерших за месяц")]
    {
        let indicator = Indicator {
            code: code.into(),
            name: name.into(),
            section: "Население".into(),
            unit: Unit { name: "человек".into(), okei: Some("792".into()) },
            kind: ValueKind::Integer,
            periodicity: Periodicity::Monthly,
            due: DueRule::DayOfMonthAfter { day: 10, months_after: 1 },
            department: Some(analytics.clone()),
            methodology: "По сведениям органов ЗАГС за отчетный месяц.".into(),
            plausibility: Plausibility { min: Some(0.into()), ..Plausibility::default() },
            first_period: None,
        };
        passport.define_indicator(&chief, indicator).await?;
        passport
            .assign_executor(&head, &ids["executor@beladm.example"], code, order("12-р"))
            .await?;
    }
    passport
        .assign_executor(&admin, &ids["builder@beladm.example"], HOUSING, order("14-р"))
        .await?;
    println!("Added two monthly population series and assigned the monthly housing figure.");
    Ok(admin)
}

/// Draft, submit, return one, fix it, resubmit, accept all.
async fn walk_period(
    passport: &Passport,
    executor: &SessionToken,
    controller: &SessionToken,
    year: Period,
) -> Result<(), Box<dyn Error>> {
    for (code, typed) in VALUES {
        passport.save_draft(executor, code, year, ValueInput::Text(typed.to_string())).await?;
        passport.submit(executor, code, year).await?;
    }
    println!("The executor entered and submitted {} values for {year}.", VALUES.len());

    let reason = "число родившихся не сходится с данными ЗАГС";
    passport.return_value(controller, "MR-1.1.1", year, reason).await?;
    println!("The controller returned MR-1.1.1: {reason}.");

    passport.save_draft(executor, "MR-1.1.1", year, ValueInput::Text("2 871".into())).await?;
    passport.submit(executor, "MR-1.1.1", year).await?;
    println!("The executor fixed MR-1.1.1 and submitted it again.");

    for (code, _) in VALUES {
        passport.accept(controller, code, year).await?;
    }
    println!("The controller accepted all {} values.", VALUES.len());
    Ok(())
}

/// A file of the shipped `data/` folder, found from the crate so that the example runs
/// from any working directory.
fn data_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(name)
}
