//! The permission matrix of `citypassport_core::permissions`, walked cell by cell.
//!
//! For every row and every role the walk prepares what the row's scope needs (a fresh
//! indicator, an assignment, a submitted value, a filed notice, a proposal, a
//! correction), calls the operation as an account that holds the role, and checks the
//! outcome: success for an allowed cell, [`Error::PermissionDenied`] for a denied one.
//! Any other error means the preparation is wrong and fails the test, so a cell never
//! passes by accident.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use citypassport_core::permissions::{cell_count, Access, Operation, Rule, Scope, MATRIX};
use citypassport_core::{
    AppointmentOrder, AuditQuery, DepartmentKind, Error, Id, ImportMode, ImportRow, NewAccount,
    Period, Periodicity, ProposedChange, RegionalHoliday, Role, SessionToken, Storage, ValueInput,
    ValueKind, ValueRef, ValueStatus,
};

use crate::city::{indicator, City, Person, PASSWORD};

const OTHER_PASSWORD: &str = "another long enough password";

fn period(text: &str) -> Period {
    text.parse().expect("period")
}

fn june() -> Period {
    period("2026-M06")
}

fn order() -> AppointmentOrder {
    AppointmentOrder { number: "77-к".into(), date: "2026-02-01".parse().expect("date") }
}

fn typed(text: &str) -> ValueInput {
    ValueInput::Text(text.into())
}

/// The city plus accounts made for the walk: one per role (and role pair), all in the
/// education department, and a spare per role for the calls that end sessions.
struct Walk {
    city: City,
    actors: HashMap<(Role, Option<Role>), Person>,
    spares: HashMap<Role, Person>,
    serial: usize,
    /// The cells counted as denied without calling the operation, because no account
    /// can hold the role together with the role that makes the record (an
    /// administrator never also enters or reviews data).
    unholdable: Vec<String>,
}

/// Why a cell's preparation or call failed in a way that is neither success nor a
/// permission error.
type Outcome = Result<Access, Error>;

fn outcome<T>(result: Result<T, Error>) -> Outcome {
    match result {
        Ok(_) => Ok(Access::Allowed),
        Err(Error::PermissionDenied(_)) => Ok(Access::Denied),
        Err(other) => Err(other),
    }
}

impl Walk {
    async fn new(storage: Arc<dyn Storage>) -> Walk {
        let city = City::build(storage).await;
        Walk {
            city,
            actors: HashMap::new(),
            spares: HashMap::new(),
            serial: 0,
            unholdable: Vec::new(),
        }
    }

    fn next(&mut self) -> usize {
        self.serial += 1;
        self.serial
    }

    /// The account holding `role`.
    async fn actor(&mut self, role: Role) -> Person {
        self.actor_with(role, None).await.expect("every single role can be held")
    }

    /// The account holding `role` and `extra`, or `None` when the two may not be held
    /// together (an administrator never also enters or reviews data).
    async fn actor_with(&mut self, role: Role, extra: Option<Role>) -> Option<Person> {
        let extra = extra.filter(|e| *e != role);
        if let Some(person) = self.actors.get(&(role, extra)) {
            return Some(person.clone());
        }
        let roles: BTreeSet<Role> = std::iter::once(role).chain(extra).collect();
        let email = format!(
            "{}-{}@matrix.example",
            role.as_str(),
            extra.map(Role::as_str).unwrap_or("only")
        );
        let p = &self.city.passport;
        let new = NewAccount {
            email: email.clone(),
            full_name: format!("Сотрудник {email}"),
            department: Some(self.city.education.clone()),
            roles,
            order: order(),
        };
        let (id, setup) = match p.create_account(&self.city.admin.token, new).await {
            Ok(created) => created,
            Err(Error::Invalid { field, .. }) if field == "roles" => return None,
            Err(e) => panic!("account {email}: {e}"),
        };
        p.set_password(&setup, PASSWORD).await.expect("password");
        let token = p.login(&email, PASSWORD).await.expect("login");
        let person = Person { id, email, token };
        self.actors.insert((role, extra), person.clone());
        Some(person)
    }

    /// A cell of an "own record" scope for a role that cannot also hold the role making
    /// the record: no such record can exist, so the call cannot be made. The refusal of
    /// the role pair when the account was created (in [`Walk::actor_with`]) is what is
    /// asserted; the cell counts as denied and is counted apart.
    fn unholdable(&mut self, rule: &Rule, role: Role) -> Access {
        let cell = format!("{} ({}) as {role}", rule.operation.as_str(), rule.scope.as_str());
        self.unholdable.push(cell);
        Access::Denied
    }

    async fn spare(&mut self, role: Role) -> Person {
        if let Some(person) = self.spares.get(&role) {
            return person.clone();
        }
        let email = format!("spare-{}@matrix.example", role.as_str());
        let person = City::person(
            &self.city.passport,
            &self.city.admin.token,
            &email,
            vec![role],
            Some(self.city.education.clone()),
        )
        .await;
        self.spares.insert(role, person.clone());
        person
    }

    /// A new monthly indicator of `department`, defined by the chief of staff.
    async fn fresh_indicator(&mut self, department: &Id) -> String {
        let code = format!("MX-{}", self.next());
        let definition = indicator(&code, ValueKind::Integer, Periodicity::Monthly, department);
        self.city.passport.define_indicator(&self.city.chief.token, definition).await.unwrap();
        code
    }

    /// A new indicator of education assigned to `person`.
    async fn assigned_to(&mut self, person: &Id) -> Result<String, Error> {
        let code = self.fresh_indicator(&self.city.education.clone()).await;
        self.city.passport.assign_executor(&self.city.admin.token, person, &code, order()).await?;
        Ok(code)
    }

    /// A new indicator of education that the caller holds when it is an executor, and
    /// that the city's executor holds otherwise.
    async fn scoped_indicator(&mut self, actor: &Person, role: Role, scope: Scope) -> String {
        let holder = if scope == Scope::Assigned && role == Role::Executor {
            actor.id.clone()
        } else {
            self.city.executor.id.clone()
        };
        self.assigned_to(&holder).await.unwrap()
    }

    /// A value of a new indicator submitted by `by`.
    async fn submitted_by(&mut self, by: &Person) -> Result<String, Error> {
        let code = self.assigned_to(&by.id).await?;
        let p = &self.city.passport;
        p.save_draft(&by.token, &code, june(), typed("5")).await?;
        p.submit(&by.token, &code, june()).await?;
        Ok(code)
    }

    /// A value of a new indicator, accepted by the city's controller.
    async fn accepted(&mut self) -> String {
        let executor = self.city.executor.clone();
        let code = self.submitted_by(&executor).await.unwrap();
        self.city.passport.accept(&self.city.controller.token, &code, june()).await.unwrap();
        code
    }

    /// Who makes the record a scope names and who then acts on it: the caller holding
    /// `maker` too, or somebody else of the city and the caller. `None` when the role
    /// may not also hold `maker`, so that no record of its own can exist.
    async fn record_maker(
        &mut self,
        role: Role,
        scope: Scope,
        maker: Role,
    ) -> Option<(Person, Person)> {
        if scope == Scope::OwnRecord {
            let both = self.actor_with(role, Some(maker)).await?;
            return Some((both.clone(), both));
        }
        let other = match maker {
            Role::Executor => self.city.executor.clone(),
            Role::DepartmentHead => self.city.head.clone(),
            _ => self.city.controller.clone(),
        };
        Some((other, self.actor(role).await))
    }

    /// Walks one cell: prepares, calls, and returns what happened.
    async fn cell(&mut self, rule: &Rule, role: Role) -> Outcome {
        let n = self.next();
        let city_edu = self.city.education.clone();
        let city_housing = self.city.housing.clone();
        let actor = self.actor(role).await;
        let token: SessionToken = actor.token.clone();
        let p = self.city.passport.clone();
        let today = p.today();
        let now = today.and_hms_opt(12, 0, 0).expect("noon").and_utc();
        match rule.operation {
            Operation::BootstrapAdministrator => outcome(
                p.bootstrap_administrator(&format!("boot{n}@matrix.example"), "Второй", order())
                    .await,
            ),
            Operation::Login => outcome(p.login(&actor.email, PASSWORD).await),
            Operation::SetPassword => {
                let spare = self.spare(role).await;
                let setup = p.issue_setup_token(&self.city.admin.token, &spare.id).await?;
                outcome(p.set_password(&setup, PASSWORD).await)
            }
            Operation::ChangePassword => {
                let spare = self.spare(role).await;
                let session = p.login(&spare.email, PASSWORD).await?;
                let access = outcome(p.change_password(&session, PASSWORD, OTHER_PASSWORD).await)?;
                if access == Access::Allowed {
                    p.change_password(&session, OTHER_PASSWORD, PASSWORD).await?;
                }
                Ok(access)
            }
            Operation::Logout => {
                let spare = self.spare(role).await;
                let session = p.login(&spare.email, PASSWORD).await?;
                outcome(p.logout(&session).await)
            }
            Operation::Whoami => outcome(p.whoami(&token).await),
            Operation::Accounts => outcome(p.accounts(&token).await),
            Operation::CreateAccount => outcome(p.create_account(&token, new_account(n)).await),
            Operation::IssueSetupToken => {
                let (victim, _) = p.create_account(&self.city.admin.token, new_account(n)).await?;
                outcome(p.issue_setup_token(&token, &victim).await)
            }
            Operation::DeactivateAccount => {
                if rule.scope == Scope::OwnRecord {
                    let spare = self.spare(role).await;
                    let session = p.login(&spare.email, PASSWORD).await?;
                    outcome(p.deactivate_account(&session, &spare.id, "увольнение").await)
                } else {
                    let (victim, _) =
                        p.create_account(&self.city.admin.token, new_account(n)).await?;
                    outcome(p.deactivate_account(&token, &victim, "увольнение").await)
                }
            }
            Operation::CreateDepartment => outcome(
                p.create_department(&token, &format!("отдел {n}"), DepartmentKind::Department)
                    .await,
            ),
            Operation::Departments => outcome(p.departments(&token).await),
            Operation::DepartmentByName => {
                outcome(p.department_by_name(&token, "управление образования").await)
            }
            Operation::DefineIndicator => {
                let definition = indicator(
                    &format!("DEF-{n}"),
                    ValueKind::Integer,
                    Periodicity::Monthly,
                    &city_edu,
                );
                outcome(p.define_indicator(&token, definition).await)
            }
            Operation::LoadCatalogCsv => {
                let file = format!(
                    "code,section,name_ru,unit_ru,okei_code,periodicity,source\n\
                     CSV-{n},Образование,Показатель из файла {n},человек,792,monthly,test\n"
                );
                let by_section = BTreeMap::from([("Образование".to_string(), city_edu)]);
                outcome(p.load_catalog_csv(&token, file.as_bytes(), &by_section).await)
            }
            Operation::Catalog => outcome(p.catalog(&token).await),
            Operation::Sections => outcome(p.sections(&token).await),
            Operation::Indicator => outcome(p.indicator(&token, "EDU-1").await),
            Operation::AssignExecutor => {
                let department =
                    if rule.scope == Scope::OwnDepartment { city_edu } else { city_housing };
                let code = self.fresh_indicator(&department).await;
                let target = self.city.other_executor.id.clone();
                outcome(p.assign_executor(&token, &target, &code, order()).await)
            }
            Operation::AssignmentsOfIndicator => {
                outcome(p.assignments_of_indicator(&token, "EDU-1").await)
            }
            Operation::AssignmentsOfAccount => {
                outcome(p.assignments_of_account(&token, &self.city.executor.id).await)
            }
            Operation::WorkingCalendar => outcome(p.working_calendar(&token).await),
            Operation::LoadCalendarCsv => {
                let file = include_str!("../../data/ru-calendar-2027.csv");
                outcome(p.load_calendar_csv(&token, file.as_bytes()).await)
            }
            Operation::LoadCalendarXml => outcome(p.load_calendar_xml(&token, CALENDAR_XML).await),
            Operation::AddRegionalHoliday => {
                let day = u32::try_from(n % 28).expect("small") + 1;
                let holiday = RegionalHoliday::new(3, day, format!("Праздник {n}"))?;
                outcome(p.add_regional_holiday(&token, holiday).await)
            }
            Operation::DueDate => outcome(p.due_date(&token, "EDU-1", june()).await),
            Operation::SetDueDate => {
                let code = self.fresh_indicator(&city_edu).await;
                let date = NaiveDate::from_ymd_opt(2026, 7, 20).expect("date");
                outcome(p.set_due_date(&token, &code, june(), date, "по приказу").await)
            }
            Operation::Timeliness => {
                outcome(p.timeliness(&token, today - Duration::days(30), today).await)
            }
            Operation::Reminders => outcome(p.reminders(&token, 7).await),
            Operation::FileDelayNotice => {
                let code = self.scoped_indicator(&actor, role, rule.scope).await;
                let values = [ValueRef::new(&code, june())];
                // After the June values' due date, 10 July.
                let expected = today + Duration::days(30);
                outcome(p.file_delay_notice(&token, &values, "болезнь", expected).await)
            }
            Operation::GrantDelayNotice | Operation::DeclineDelayNotice => {
                let Some((maker, decider)) =
                    self.record_maker(role, rule.scope, Role::Executor).await
                else {
                    return Ok(self.unholdable(rule, role));
                };
                let code = match self.assigned_to(&maker.id).await {
                    Ok(code) => code,
                    Err(e) => return outcome(Err::<(), _>(e)),
                };
                let values = [ValueRef::new(&code, june())];
                // After the June values' due date, 10 July.
                let expected = today + Duration::days(30);
                let notice =
                    match p.file_delay_notice(&maker.token, &values, "болезнь", expected).await
                    {
                        Ok(notice) => notice,
                        Err(e) => return outcome(Err::<(), _>(e)),
                    };
                if rule.operation == Operation::GrantDelayNotice {
                    outcome(p.grant_delay_notice(&decider.token, &notice.id, None, None).await)
                } else {
                    outcome(p.decline_delay_notice(&decider.token, &notice.id, "нет").await)
                }
            }
            Operation::DelayNotices => outcome(p.delay_notices(&token, None).await),
            Operation::SweepDeadlines => outcome(p.sweep_deadlines(&token).await),
            Operation::Events => outcome(p.events(&token, 0, 10).await),
            Operation::SaveDraft => {
                let code = self.scoped_indicator(&actor, role, rule.scope).await;
                outcome(p.save_draft(&token, &code, june(), typed("7")).await)
            }
            Operation::Submit => {
                let code = self.scoped_indicator(&actor, role, rule.scope).await;
                let drafter = if rule.scope == Scope::Assigned && role == Role::Executor {
                    &token
                } else {
                    &self.city.executor.token
                };
                p.save_draft(drafter, &code, june(), typed("7")).await?;
                outcome(p.submit(&token, &code, june()).await)
            }
            Operation::ImportValues => {
                let code = self.scoped_indicator(&actor, role, rule.scope).await;
                let rows =
                    [ImportRow { indicator: code, period: "2026-M06".into(), input: typed("8") }];
                match p.import_values(&token, &rows, ImportMode::Draft).await {
                    Ok(report) if report.accepted == 1 => Ok(Access::Allowed),
                    Ok(report)
                        if report
                            .refused
                            .iter()
                            .all(|r| r.reason.starts_with("permission denied")) =>
                    {
                        Ok(Access::Denied)
                    }
                    Ok(report) => Err(Error::WrongState(format!("unexpected report {report:?}"))),
                    Err(e) => outcome(Err::<(), _>(e)),
                }
            }
            Operation::Accept | Operation::ReturnValue => {
                let Some((maker, reviewer)) =
                    self.record_maker(role, rule.scope, Role::Executor).await
                else {
                    return Ok(self.unholdable(rule, role));
                };
                let code = match self.submitted_by(&maker).await {
                    Ok(code) => code,
                    Err(e) => return outcome(Err::<(), _>(e)),
                };
                if rule.operation == Operation::Accept {
                    outcome(p.accept(&reviewer.token, &code, june()).await)
                } else {
                    outcome(p.return_value(&reviewer.token, &code, june(), "ошибка").await)
                }
            }
            Operation::ValuesToReview => outcome(p.values_to_review(&token).await),
            Operation::Value => outcome(p.value(&token, "EDU-1", june()).await),
            Operation::ValueHistory => outcome(p.value_history(&token, "EDU-1", june()).await),
            Operation::PeriodPassport => outcome(p.period_passport(&token, june()).await),
            Operation::IndicatorSeries => {
                outcome(p.indicator_series(&token, "EDU-1", period("2026-M01"), june()).await)
            }
            Operation::ExportValues => outcome(p.export_values(&token, None, 10).await),
            Operation::ValuesWithStatus => {
                outcome(p.values_with_status(&token, ValueStatus::Submitted).await)
            }
            Operation::QuarterlyReport => {
                outcome(p.quarterly_report(&token, period("2026-Q2")).await)
            }
            Operation::CatalogForPeriod => {
                outcome(p.catalog_for_period(&token, june(), None).await)
            }
            Operation::IndicatorHistory => outcome(p.indicator_history(&token, "EDU-1").await),
            Operation::ProposeChange => {
                let department =
                    if rule.scope == Scope::OwnDepartment { city_edu } else { city_housing };
                let code = self.fresh_indicator(&department).await;
                let change = ProposedChange::Retire { code };
                outcome(p.propose_change(&token, change, "устарел", period("2026-M08")).await)
            }
            Operation::ApproveProposal | Operation::RejectProposal => {
                let Some((maker, decider)) =
                    self.record_maker(role, rule.scope, Role::DepartmentHead).await
                else {
                    return Ok(self.unholdable(rule, role));
                };
                let code = self.fresh_indicator(&city_edu).await;
                let change = ProposedChange::Retire { code };
                let proposal = match p
                    .propose_change(&maker.token, change, "устарел", period("2026-M08"))
                    .await
                {
                    Ok(proposal) => proposal,
                    Err(e) => return outcome(Err::<(), _>(e)),
                };
                if rule.operation == Operation::ApproveProposal {
                    outcome(p.approve_proposal(&decider.token, &proposal.id, "согласно").await)
                } else {
                    outcome(p.reject_proposal(&decider.token, &proposal.id, "нет").await)
                }
            }
            Operation::ChangeCatalog => {
                let code = self.fresh_indicator(&city_edu).await;
                let change = ProposedChange::Retire { code };
                outcome(p.change_catalog(&token, change, "устарел", period("2026-M08")).await)
            }
            Operation::Proposals => outcome(p.proposals(&token, None).await),
            Operation::ProposeCorrection => {
                let code = self.accepted().await;
                outcome(p.propose_correction(&token, &code, june(), typed("6"), "опечатка").await)
            }
            Operation::ApproveCorrection | Operation::RejectCorrection => {
                let Some((maker, decider)) =
                    self.record_maker(role, rule.scope, Role::Controller).await
                else {
                    return Ok(self.unholdable(rule, role));
                };
                let code = self.accepted().await;
                let correction = match p
                    .propose_correction(&maker.token, &code, june(), typed("6"), "опечатка")
                    .await
                {
                    Ok(correction) => correction,
                    Err(e) => return outcome(Err::<(), _>(e)),
                };
                if rule.operation == Operation::ApproveCorrection {
                    outcome(p.approve_correction(&decider.token, &correction.id, None).await)
                } else {
                    outcome(p.reject_correction(&decider.token, &correction.id, "нет").await)
                }
            }
            Operation::Corrections => outcome(p.corrections(&token, None).await),
            Operation::ValueAsOf => outcome(p.value_as_of(&token, "EDU-1", june(), now).await),
            Operation::PeriodPassportAsOf => {
                outcome(p.period_passport_as_of(&token, june(), now).await)
            }
            Operation::AuditLog => {
                let query = AuditQuery { limit: Some(5), ..AuditQuery::default() };
                outcome(p.audit_log(&token, &query).await)
            }
            Operation::VerifyAuditLog => outcome(p.verify_audit_log(&token).await),
            other => Err(Error::WrongState(format!("the walk has no step for {other:?}"))),
        }
    }
}

fn new_account(n: usize) -> NewAccount {
    NewAccount {
        email: format!("new{n}@matrix.example"),
        full_name: format!("Новый сотрудник {n}"),
        department: None,
        roles: BTreeSet::from([Role::Viewer]),
        order: order(),
    }
}

/// The 2027 calendar in the XML form a calendar service publishes.
const CALENDAR_XML: &str = include_str!("../data/ru-calendar-2027.xml");

/// Every cell of the permission matrix holds: each operation, for each role and scope,
/// succeeds where the table says allowed and is refused with a permission error where it
/// says denied. Prints the number of cells asserted.
pub async fn every_cell_of_the_permission_matrix_holds(storage: Arc<dyn Storage>) {
    let mut walk = Walk::new(storage).await;
    let mut asserted = 0;
    let mut wrong = Vec::new();
    for rule in MATRIX {
        for role in Role::ALL {
            let expected = rule.access_of(role);
            match walk.cell(rule, role).await {
                Ok(actual) if actual == expected => {}
                Ok(actual) => wrong.push(format!(
                    "{} ({}) as {role}: expected {}, got {}",
                    rule.operation.as_str(),
                    rule.scope.as_str(),
                    expected.as_str(),
                    actual.as_str()
                )),
                Err(e) => wrong.push(format!(
                    "{} ({}) as {role}: the walk failed: {e}",
                    rule.operation.as_str(),
                    rule.scope.as_str()
                )),
            }
            asserted += 1;
        }
    }
    assert!(wrong.is_empty(), "{} cells do not hold:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(asserted, cell_count());
    let unholdable = walk.unholdable.len();
    assert!(
        walk.unholdable.iter().all(|cell| cell.ends_with("as administrator")),
        "only the administrator's role pairs are refused: {:?}",
        walk.unholdable
    );
    println!(
        "permission matrix: {asserted} cells asserted ({} rows x 6 roles): {} by a call, \
         {unholdable} denied without a call because an administrator may not also hold the \
         role that makes the record ({})",
        MATRIX.len(),
        asserted - unholdable,
        walk.unholdable.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use citypassport_core::permissions::render_markdown;

    const START: &str = "<!-- permission-matrix:start -->\n";
    const END: &str = "<!-- permission-matrix:end -->";

    /// `SECURITY.md` shows the matrix exactly as the code renders it. Run the test with
    /// `CITYPASSPORT_BLESS=1` to rewrite the table in the file.
    #[test]
    fn security_md_shows_the_permission_matrix_of_the_code() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../SECURITY.md");
        let text = std::fs::read_to_string(&path).expect("SECURITY.md at the repository root");
        let start = text.find(START).expect("SECURITY.md has the start marker") + START.len();
        let end = text.find(END).expect("SECURITY.md has the end marker");
        let generated = render_markdown();
        if std::env::var_os("CITYPASSPORT_BLESS").is_some() {
            let updated = format!("{}{generated}{}", &text[..start], &text[end..]);
            std::fs::write(&path, updated).expect("SECURITY.md is writable");
            return;
        }
        assert!(
            text[start..end] == generated,
            "SECURITY.md's permission table differs from citypassport_core::permissions::MATRIX; \
             regenerate it with `CITYPASSPORT_BLESS=1 cargo test -p citypassport-tests --lib \
             security_md`"
        );
    }
}
