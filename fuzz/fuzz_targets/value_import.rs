//! Any rows of a bulk entry, one per line as `indicator;period;value` (a value starting
//! with `-/` is "not applicable" with the rest as reason), go through a dry run of
//! `import_values` on the memory store: each row is accepted or refused naming a field.
#![no_main]

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use citypassport_core::{
    AppointmentOrder, DepartmentKind, DueRule, ImportMode, ImportRow, Indicator, MemoryStorage,
    NewAccount, Passport, Periodicity, Plausibility, Role, SessionToken, Unit, ValueInput,
    ValueKind,
};
use libfuzzer_sys::fuzz_target;

/// Polls a future of the memory store, which never waits, to its end.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

const PASSWORD: &str = "fuzzing password 1";

/// A city with one executor assigned to two indicators, built once per process.
fn city() -> &'static (Passport, SessionToken) {
    static CITY: OnceLock<(Passport, SessionToken)> = OnceLock::new();
    CITY.get_or_init(|| {
        block_on(async {
            let p = Passport::new(Arc::new(MemoryStorage::new()));
            let order =
                AppointmentOrder { number: "1".into(), date: "2020-01-01".parse().unwrap() };
            let setup = p.bootstrap_administrator("a@x.ru", "A", order.clone()).await.unwrap();
            p.set_password(&setup, PASSWORD).await.unwrap();
            let admin = p.login("a@x.ru", PASSWORD).await.unwrap();
            let department =
                p.create_department(&admin, "отдел", DepartmentKind::Department).await.unwrap().id;
            let mut tokens = Vec::new();
            for (email, role) in [("c@x.ru", Role::ChiefOfStaff), ("e@x.ru", Role::Executor)] {
                let new = NewAccount {
                    email: email.into(),
                    full_name: "Сотрудник".into(),
                    department: Some(department.clone()),
                    roles: BTreeSet::from([role]),
                    order: order.clone(),
                };
                let (id, setup) = p.create_account(&admin, new).await.unwrap();
                p.set_password(&setup, PASSWORD).await.unwrap();
                tokens.push((id, p.login(email, PASSWORD).await.unwrap()));
            }
            let [(_, chief), (executor_id, executor)]: [_; 2] = tokens.try_into().unwrap();
            for (code, kind) in
                [("I-1", ValueKind::Integer), ("D-1", ValueKind::Decimal { places: 2 })]
            {
                let indicator = Indicator {
                    code: code.into(),
                    name: "Показатель".into(),
                    section: "Раздел".into(),
                    unit: Unit { name: "штук".into(), okei: Some("796".into()) },
                    kind,
                    periodicity: Periodicity::Monthly,
                    due: DueRule::default(),
                    department: Some(department.clone()),
                    methodology: String::new(),
                    plausibility: Plausibility::default(),
                    first_period: None,
                };
                p.define_indicator(&chief, indicator).await.unwrap();
                p.assign_executor(&admin, &executor_id, code, order.clone()).await.unwrap();
            }
            (p, executor)
        })
    })
}

fuzz_target!(|text: &str| {
    let rows: Vec<ImportRow> = text
        .lines()
        .take(64)
        .map(|line| {
            let mut parts = line.splitn(3, ';');
            let indicator = parts.next().unwrap_or_default().to_string();
            let period = parts.next().unwrap_or_default().to_string();
            let typed = parts.next().unwrap_or_default();
            let input = match typed.strip_prefix("-/") {
                Some(reason) => ValueInput::NotApplicable(reason.to_string()),
                None => ValueInput::Text(typed.to_string()),
            };
            ImportRow { indicator, period, input }
        })
        .collect();
    let (passport, executor) = city();
    let report = block_on(passport.import_values(executor, &rows, ImportMode::DryRun))
        .expect("a dry run reports each row");
    assert_eq!(report.accepted + report.refused.len(), rows.len());
    assert!(report.refused.iter().all(|refused| !refused.field.is_empty()));
});
