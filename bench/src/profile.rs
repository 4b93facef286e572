//! The synthetic passport: a city with its catalog, departments, executors and their
//! assignments, and the history of values, all generated from a seed.
//!
//! Everything a person would do goes through the [`Passport`] service: accounts,
//! departments, indicators, assignments, and the history itself, which executors enter
//! with the bulk path ([`Passport::import_values`] in submit mode, so each value gets
//! its revisions and audit records and its first-submission time). The region profile
//! is the exception; see [`write_region`].

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use citypassport_core::records::Changes;
use citypassport_core::storage::NewAuditRecord;
use citypassport_core::{
    AppointmentOrder, DepartmentKind, DueRule, Entry, Id, ImportMode, ImportRow, Indicator,
    IndicatorVersion, ManualClock, NewAccount, Passport, Period, Periodicity, Plausibility, Role,
    SessionToken, Settings, Storage, Unit, Value, ValueInput, ValueKind, ValueStatus,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::BenchResult;

/// The password of every generated account.
pub const PASSWORD: &str = "a long enough benchmark password";

/// The last year of every profile's history. Periods may name the years 1990-2100
/// only, so a hundred years of history (the "ten times" profile) must end late in
/// that span; the city profile ends in the same year so that both report on the same
/// quarter.
pub const LAST_YEAR: i32 = 2090;

/// The quarter reported on, judged on [`report_day`].
pub fn report_quarter() -> Period {
    Period::quarter(LAST_YEAR + 1, 1).expect("a valid quarter")
}

/// The moment the benchmark's reads, submissions and reports happen: after the first
/// quarter following the history.
pub fn report_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(LAST_YEAR + 1, 4, 20, 9, 0, 0).unwrap()
}

/// The sizes of a generated passport.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Indicators in the catalog: a tenth monthly, three tenths quarterly, the rest
    /// yearly.
    pub indicators: usize,
    /// Departments responsible for them.
    pub departments: usize,
    /// Executors entering the values, each assigned to `indicators / executors`.
    pub executors: usize,
    /// Years of history in the city profile.
    pub years: i32,
    /// Municipalities of the region profile, each with the city's number of values.
    pub municipalities: usize,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Profile {
    /// The city of issue 10: 2,000 indicators, 40 departments, 200 executors, 10 years,
    /// and a region of 30 municipalities.
    pub fn full(seed: u64) -> Profile {
        Profile {
            indicators: 2_000,
            departments: 40,
            executors: 200,
            years: 10,
            municipalities: 30,
            seed,
        }
    }

    /// A small city that runs in seconds, to keep the benchmark from rotting.
    pub fn quick(seed: u64) -> Profile {
        Profile { indicators: 40, departments: 4, executors: 4, years: 2, municipalities: 3, seed }
    }

    /// Values in the city profile's history.
    pub fn city_values(&self) -> usize {
        (0..self.indicators)
            .map(|i| periodicity_of(i).per_year() as usize * self.years as usize)
            .sum()
    }
}

/// The periodicity of indicator number `i`: a tenth monthly, three tenths quarterly,
/// the rest yearly.
pub fn periodicity_of(i: usize) -> Periodicity {
    match i % 10 {
        0 => Periodicity::Monthly,
        1..=3 => Periodicity::Quarterly,
        _ => Periodicity::Yearly,
    }
}

/// The code of indicator number `i` (of municipality `m` in the region profile).
pub fn indicator_code(municipality: Option<usize>, i: usize) -> String {
    match municipality {
        None => format!("IND-{i:05}"),
        Some(m) => format!("M{m:02}-IND-{i:05}"),
    }
}

/// An account that is logged in.
#[derive(Debug, Clone)]
pub struct Person {
    /// Its id.
    pub id: Id,
    /// A session that lasts the whole run.
    pub token: SessionToken,
}

/// A generated city on one store.
pub struct City {
    /// The service.
    pub passport: Passport,
    /// The clock the service reads; the generator moves it through the history.
    pub clock: Arc<ManualClock>,
    /// A viewer, who reads.
    pub viewer: Person,
    /// The executors; executor `e` enters indicators `10e..10e + 9` (and so on round).
    pub executors: Vec<Person>,
    /// The catalog, by indicator number.
    pub indicators: Vec<Indicator>,
    /// The profile it was built from.
    pub profile: Profile,
}

/// Settings for a generated city: sessions outlive the simulated decades, so that the
/// clock can move through the history without everyone logging in again.
pub fn settings() -> Settings {
    Settings {
        session_lifetime: Duration::days(366 * 120),
        setup_token_lifetime: Duration::days(366 * 120),
        ..Settings::default()
    }
}

fn order(number: &str) -> AppointmentOrder {
    AppointmentOrder {
        number: number.into(),
        date: NaiveDate::from_ymd_opt(1990, 1, 9).expect("a valid date"),
    }
}

async fn person(
    passport: &Passport,
    admin: &SessionToken,
    email: String,
    roles: &[Role],
    department: Option<Id>,
) -> BenchResult<Person> {
    let new = NewAccount {
        full_name: format!("Сотрудник {email}"),
        email: email.clone(),
        department,
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        order: order("10-к"),
    };
    let (id, setup) = passport.create_account(admin, new).await?;
    passport.set_password(&setup, PASSWORD).await?;
    let token = passport.login(&email, PASSWORD).await?;
    Ok(Person { id, token })
}

/// The people of a city: an administrator, a chief of staff, a controller, a viewer and
/// `executors` executors spread over `departments`, all logged in.
pub struct People {
    /// The administrator.
    pub admin: Person,
    /// The chief of staff, who defines indicators.
    pub chief: Person,
    /// The controller.
    pub controller: Person,
    /// The viewer.
    pub viewer: Person,
    /// The executors.
    pub executors: Vec<Person>,
    /// The departments.
    pub departments: Vec<Id>,
}

/// Creates the people and departments of a city through the service.
pub async fn people(
    passport: &Passport,
    departments: usize,
    executors: usize,
) -> BenchResult<People> {
    let setup = passport
        .bootstrap_administrator("admin@city.example", "Администратор", order("1-к"))
        .await?;
    passport.set_password(&setup, PASSWORD).await?;
    let admin_token = passport.login("admin@city.example", PASSWORD).await?;
    let admin = Person { id: passport.whoami(&admin_token).await?.id, token: admin_token };

    let mut department_ids = Vec::with_capacity(departments);
    for d in 0..departments {
        let name = format!("Подразделение {:02}", d + 1);
        let kind =
            if d % 4 == 3 { DepartmentKind::Institution } else { DepartmentKind::Department };
        department_ids.push(passport.create_department(&admin.token, &name, kind).await?.id);
    }

    let chief =
        person(passport, &admin.token, "chief@city.example".into(), &[Role::ChiefOfStaff], None)
            .await?;
    let controller =
        person(passport, &admin.token, "controller@city.example".into(), &[Role::Controller], None)
            .await?;
    let viewer =
        person(passport, &admin.token, "viewer@city.example".into(), &[Role::Viewer], None).await?;
    let mut executor_people = Vec::with_capacity(executors);
    for e in 0..executors {
        let department = department_ids[e % departments].clone();
        executor_people.push(
            person(
                passport,
                &admin.token,
                format!("executor{e:04}@city.example"),
                &[Role::Executor],
                Some(department),
            )
            .await?,
        );
    }
    Ok(People {
        admin,
        chief,
        controller,
        viewer,
        executors: executor_people,
        departments: department_ids,
    })
}

/// The definition of indicator number `i`, whose values start with `first_year`.
pub fn indicator(
    municipality: Option<usize>,
    i: usize,
    department: Option<Id>,
    first_year: i32,
) -> Indicator {
    let periodicity = periodicity_of(i);
    let kind = if i % 3 == 0 { ValueKind::Decimal { places: 1 } } else { ValueKind::Integer };
    Indicator {
        code: indicator_code(municipality, i),
        name: format!("Синтетический показатель № {}", i + 1),
        section: format!("Раздел {}", i % 12 + 1),
        unit: Unit { name: "единиц".into(), okei: Some("642".into()) },
        kind,
        periodicity,
        due: DueRule::default(),
        department,
        methodology: "Сумма по данным подведомственных учреждений.".into(),
        plausibility: Plausibility::default(),
        first_period: Some(Period::new(first_year, periodicity, 1).expect("a valid period")),
    }
}

/// A plausible amount for an indicator of `kind`.
pub fn amount(rng: &mut StdRng, kind: &ValueKind) -> Decimal {
    match kind {
        ValueKind::Decimal { places } => Decimal::new(rng.gen_range(0..10_000_000), *places),
        _ => Decimal::from(rng.gen_range(0..1_000_000)),
    }
}

/// The periods of `periodicity` in the years `years`.
fn periods(periodicity: Periodicity, years: std::ops::Range<i32>) -> Vec<Period> {
    years
        .flat_map(|year| {
            (1..=periodicity.per_year())
                .map(move |index| Period::new(year, periodicity, index).expect("a valid period"))
        })
        .collect()
}

impl City {
    /// Builds the city on `storage` with a history that starts in `first_year`: the
    /// people, the catalog and the assignments, with no values yet.
    pub async fn build(
        storage: Arc<dyn Storage>,
        profile: Profile,
        first_year: i32,
    ) -> BenchResult<City> {
        let start = Utc.with_ymd_and_hms(1990, 1, 10, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let passport = Passport::with_settings(storage, clock.clone(), settings());
        let people = people(&passport, profile.departments, profile.executors).await?;

        let mut indicators = Vec::with_capacity(profile.indicators);
        for i in 0..profile.indicators {
            let executor = executor_of(&profile, i);
            let department = people.departments[executor % profile.departments].clone();
            let definition = indicator(None, i, Some(department), first_year);
            passport.define_indicator(&people.chief.token, definition.clone()).await?;
            passport
                .assign_executor(
                    &people.admin.token,
                    &people.executors[executor].id,
                    &definition.code,
                    order("15-к"),
                )
                .await?;
            indicators.push(definition);
        }
        Ok(City {
            passport,
            clock,
            viewer: people.viewer,
            executors: people.executors,
            indicators,
            profile,
        })
    }

    /// The indicators (by number) executor `e` enters.
    pub fn indicators_of(&self, e: usize) -> impl Iterator<Item = &Indicator> + '_ {
        self.indicators
            .iter()
            .enumerate()
            .filter(move |(i, _)| executor_of(&self.profile, *i) == e)
            .map(|(_, indicator)| indicator)
    }

    /// Every executor enters the values of the years `years` in one bulk entry each,
    /// submitted on 20 January after the last of those years. Returns the values
    /// entered and the time spent in `import_values`.
    pub async fn enter_years(
        &self,
        years: std::ops::Range<i32>,
        rng: &mut StdRng,
    ) -> BenchResult<(usize, StdDuration)> {
        let entered_on = Utc.with_ymd_and_hms(years.end, 1, 20, 9, 0, 0).unwrap();
        self.clock.set(entered_on);
        let mut values = 0;
        let mut spent = StdDuration::ZERO;
        for (e, executor) in self.executors.iter().enumerate() {
            let rows: Vec<ImportRow> = self
                .indicators_of(e)
                .flat_map(|indicator| {
                    periods(indicator.periodicity, years.clone())
                        .into_iter()
                        .map(move |period| (indicator, period))
                })
                .map(|(indicator, period)| ImportRow {
                    indicator: indicator.code.clone(),
                    period: period.to_string(),
                    input: ValueInput::Amount(amount(rng, &indicator.kind)),
                })
                .collect();
            let started = Instant::now();
            let report =
                self.passport.import_values(&executor.token, &rows, ImportMode::Submit).await?;
            spent += started.elapsed();
            if let Some(refused) = report.refused.first() {
                return Err(format!(
                    "the generated history was refused at row {}: {} ({})",
                    refused.row, refused.reason, refused.field
                )
                .into());
            }
            values += report.accepted;
        }
        Ok((values, spent))
    }

    /// Enters the history from `first_year` through [`LAST_YEAR`], `chunk` years per
    /// bulk entry of each executor. Returns the values entered and the time spent.
    pub async fn enter_history(
        &self,
        from: i32,
        chunk: i32,
        rng: &mut StdRng,
    ) -> BenchResult<(usize, StdDuration)> {
        let mut values = 0;
        let mut spent = StdDuration::ZERO;
        let mut year = from;
        while year <= LAST_YEAR {
            let end = (year + chunk).min(LAST_YEAR + 1);
            let (n, t) = self.enter_years(year..end, rng).await?;
            values += n;
            spent += t;
            year = end;
        }
        Ok((values, spent))
    }
}

/// The executor of indicator number `i`: ten consecutive indicators each (one monthly,
/// three quarterly, six yearly), round the executors.
pub fn executor_of(profile: &Profile, i: usize) -> usize {
    (i / 10) % profile.executors
}

/// The region profile: `profile.municipalities` municipalities, each with the city's
/// catalog under its own codes and the city's history of accepted values, written
/// through the [`Storage`] trait in change sets of 10,000 values (each value with its
/// audit record), with a viewer account made through the service.
///
/// The region is written below the service to keep the run in minutes: through it, it
/// needs 60,000 indicator definitions and 60,000 assignments made one call (and one
/// commit) each, assigning re-reads all of the executor's assignments every time, and
/// every bulk entry of more than 20 indicators re-reads the whole catalog history
/// (60,000 versions in the region). How long that path takes was not measured. The
/// records are the ones the service writes (the same types, serialized and indexed by
/// the core's own [`Changes`]); the profile only serves the export and the DataFrame.
pub async fn write_region(storage: Arc<dyn Storage>, profile: Profile) -> BenchResult<usize> {
    let clock = Arc::new(ManualClock::new(report_day()));
    let passport = Passport::with_settings(storage.clone(), clock, settings());
    let people = people(&passport, profile.departments, 0).await?;
    let mut rng = StdRng::seed_from_u64(profile.seed ^ 0x5e_910);
    let first_year = LAST_YEAR + 1 - profile.years;
    let at = report_day();

    let mut values = 0;
    let mut changes = Changes::new();
    let mut pending = 0;
    for m in 0..profile.municipalities {
        for i in 0..profile.indicators {
            let department = people.departments[i % profile.departments].clone();
            let definition = indicator(Some(m), i, Some(department.clone()), first_year);
            changes.insert(&definition)?;
            changes.insert(&IndicatorVersion {
                code: definition.code.clone(),
                number: 1,
                definition: Some(definition.clone()),
                effective_from: None,
                recorded_at: at,
                recorded_by: people.chief.id.clone(),
                proposal: None,
                reason: "defined".into(),
                proposed_by: None,
                decision_reason: None,
            })?;
            for period in periods(definition.periodicity, first_year..LAST_YEAR + 1) {
                let value = accepted_value(&mut rng, &definition, period, &people, at);
                changes.insert(&value)?;
                changes.audit(NewAuditRecord {
                    at,
                    actor: Some(people.controller.id.clone()),
                    action: "value.accept".into(),
                    kind: citypassport_core::storage::RecordKind::Value,
                    key: citypassport_core::records::value_key(&value.indicator, period),
                    before: None,
                    after: Some(serde_json::to_string(&value)?),
                });
                values += 1;
                pending += 1;
                if pending == 10_000 {
                    storage.apply(std::mem::take(&mut changes).into_change_set()).await?;
                    pending = 0;
                }
            }
        }
    }
    storage.apply(changes.into_change_set()).await?;
    Ok(values)
}

fn accepted_value(
    rng: &mut StdRng,
    indicator: &Indicator,
    period: Period,
    people: &People,
    at: DateTime<Utc>,
) -> Value {
    Value {
        indicator: indicator.code.clone(),
        period,
        entry: Entry::Amount { amount: amount(rng, &indicator.kind) },
        status: ValueStatus::Accepted,
        flags: Vec::new(),
        return_reason: None,
        department: indicator.department.clone(),
        entered_by: people.chief.id.clone(),
        updated_at: at,
        submitted_by: Some(people.chief.id.clone()),
        submitted_at: Some(at),
        first_submitted_at: Some(at),
        reviewed_by: Some(people.controller.id.clone()),
        reviewed_at: Some(at),
        times_returned: 0,
        revisions: 3,
    }
}
