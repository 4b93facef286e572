//! A writer killed with SIGKILL at random moments loses nothing it acknowledged and
//! leaves no change set half applied.
//!
//! The test builds the test city in a sled folder (durable mode, the default), then
//! again and again starts a copy of this test binary as the writer: it opens the store,
//! logs in and runs bulk imports and workflow steps (submit, accept, return, resubmit,
//! correction and its approval) through the `Passport` service, appending a line to an
//! acknowledgement file before each call starts and after it returns. The test kills it
//! with SIGKILL at a random moment (one kill in four while the writer starts, opens the
//! store and logs in; the others once it is ready, mostly inside a call), opens the
//! store again and checks:
//!
//! - the store opens, and the audit log's hash chain verifies;
//! - every value's revisions are numbered without gap, the value agrees with its last
//!   revision, and the audit log holds exactly one record per revision, in order;
//! - each bulk import, one change set of two values, is there whole or not at all;
//! - each approved correction is one correcting revision of its value with the
//!   correction's entries, there is no correcting revision without one, and every
//!   correction and approval has its audit record;
//! - every stored session has the audit record of its login, and every such record its
//!   session;
//! - every acknowledged revision, import and correction is there.
//!
//! It prints where the kills landed (in the middle of a call, while opening or logging
//! in, between writes, before the store was opened) and asserts that some landed in the
//! middle of a call, and in the full run also while opening or logging in.
//!
//! `CITYPASSPORT_CRASH_KILLS` sets the number of kills (12 by default; the full run in
//! `scripts/harden.sh` uses 200 or more) and `CITYPASSPORT_CRASH_SEED` the random seed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use citypassport_core::storage::RecordKind;
use citypassport_core::storage::Storage;
use citypassport_core::{
    AuditQuery, Decision, ImportMode, ImportRow, Passport, Period, SessionToken, ValueAction,
    ValueInput,
};
use citypassport_sled::SledStorage;
use citypassport_tests::city::PASSWORD;
use citypassport_tests::City;

const WRITER_FOLDER: &str = "CITYPASSPORT_CRASH_WRITER_FOLDER";
const WRITER_ACKS: &str = "CITYPASSPORT_CRASH_WRITER_ACKS";
const TEST_NAME: &str = "sled_writer_killed_at_random_moments_loses_nothing_acknowledged";

/// A small random number generator (xorshift), so that a failing run can be repeated
/// from the seed it prints.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn typed(text: &str) -> ValueInput {
    ValueInput::Text(text.into())
}

/// The acknowledgement file: one line per call that returned, written before the next
/// call starts. The kernel keeps what was written even when the process is killed.
struct Acks(std::fs::File);

impl Acks {
    fn line(&mut self, line: &str) {
        writeln!(self.0, "{line}").expect("acknowledgement written");
    }

    fn value(&mut self, value: &citypassport_core::Value) {
        self.line(&format!("value {} {} {}", value.indicator, value.period, value.revisions));
    }
}

async fn login(p: &Passport, who: &str) -> SessionToken {
    p.login(&format!("{who}@city.example"), PASSWORD).await.expect("login")
}

/// The writer: runs until it is killed. It opens the store and logs in (a login writes
/// a session and its audit record in one change set); then each round imports the next
/// period's two values in one change set and takes them through the workflow.
async fn writer(folder: &str, acks: &str) -> ! {
    let file = OpenOptions::new().append(true).open(acks).expect("acknowledgement file");
    let mut acks = Acks(file);
    acks.line("begin open");
    let store = Arc::new(SledStorage::open(folder).expect("the store opens"));
    acks.line("opened");
    let p = Passport::new(store);
    let mut sessions = Vec::new();
    for who in ["executor", "controller", "chief"] {
        acks.line("begin login");
        sessions.push(login(&p, who).await);
        acks.line("logged in");
    }
    let [executor, controller, chief]: [SessionToken; 3] =
        sessions.try_into().expect("three sessions");
    acks.line("ready");

    let mut period: Period = "2020-M01".parse().expect("period");
    loop {
        while p.value(&executor, "EDU-1", period).await.expect("read").is_some() {
            period = period.next();
        }
        let rows = [("EDU-1", "100"), ("EDU-2", "10,5")]
            .map(|(code, typed_in)| ImportRow {
                indicator: code.into(),
                period: period.to_string(),
                input: typed(typed_in),
            })
            .to_vec();
        acks.line("begin import");
        let report = p.import_values(&executor, &rows, ImportMode::Submit).await.expect("import");
        assert_eq!(report.accepted, 2, "{report:?}");
        acks.line(&format!("import {period}"));

        acks.line("begin accept");
        let accepted = p.accept(&controller, "EDU-1", period).await.expect("accept");
        acks.value(&accepted);
        acks.line("begin return");
        let returned =
            p.return_value(&controller, "EDU-2", period, "уточнить").await.expect("return");
        acks.value(&returned);
        acks.line("begin resubmit");
        let fixed = p.save_draft(&executor, "EDU-2", period, typed("11")).await.expect("draft");
        acks.value(&fixed);
        let submitted = p.submit(&executor, "EDU-2", period).await.expect("submit");
        acks.value(&submitted);
        acks.line("begin accept");
        let accepted = p.accept(&controller, "EDU-2", period).await.expect("accept");
        acks.value(&accepted);

        acks.line("begin correction");
        let correction = p
            .propose_correction(&controller, "EDU-1", period, typed("101"), "опечатка")
            .await
            .expect("correction");
        acks.line(&format!("correction {} proposed", correction.id));
        acks.line("begin approval");
        p.approve_correction(&chief, &correction.id, None).await.expect("approval");
        acks.line(&format!("correction {} approved", correction.id));
        let corrected = p.value(&executor, "EDU-1", period).await.expect("read").expect("value");
        acks.value(&corrected);
    }
}

/// What the writers acknowledged so far, over every run.
#[derive(Default)]
struct Acknowledged {
    revisions: BTreeMap<(String, String), u32>,
    imports: BTreeSet<String>,
    corrections: BTreeMap<String, Decision>,
}

/// Where a writer was when it was killed, told by the last line it acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Moment {
    /// Before it began to open the store: the process was still starting.
    Starting,
    /// Opening the store or logging in.
    Opening,
    /// Inside a writing call of the workflow (or just after it returned, before its
    /// acknowledgement was written).
    MidCall,
    /// Between two writing calls, perhaps in a read.
    BetweenWrites,
}

impl Acknowledged {
    /// Reads one run's acknowledgement file; returns where the writer was killed.
    fn read(&mut self, text: &str) -> Moment {
        let mut moment = Moment::Starting;
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            moment = match words.as_slice() {
                ["begin", "open" | "login"] | ["opened"] | ["logged", "in"] => Moment::Opening,
                ["begin", ..] => Moment::MidCall,
                _ => Moment::BetweenWrites,
            };
            match words.as_slice() {
                ["value", code, period, revisions] => {
                    let revisions: u32 = revisions.parse().expect("a count");
                    let known = self.revisions.entry((code.to_string(), period.to_string()));
                    let known = known.or_default();
                    *known = (*known).max(revisions);
                }
                ["import", period] => {
                    self.imports.insert(period.to_string());
                }
                ["correction", id, "proposed"] => {
                    self.corrections.entry(id.to_string()).or_insert(Decision::Pending);
                }
                ["correction", id, "approved"] => {
                    self.corrections.insert(id.to_string(), Decision::Approved);
                }
                _ => {}
            }
        }
        moment
    }
}

/// Opens the store after a kill and checks every invariant; returns the number of
/// values checked.
async fn check_invariants(folder: &Path, acknowledged: &Acknowledged) -> usize {
    let store = Arc::new(SledStorage::open(folder).expect("the store opens after a kill"));
    let p = Passport::new(store.clone());
    let controller = login(&p, "controller").await;

    let check = p.verify_audit_log(&controller).await.expect("verification runs");
    assert!(check.is_intact(), "the audit chain is broken after a kill: {check:?}");

    let values = p.export_values(&controller, None, 100_000).await.expect("export");
    let about = AuditQuery { kind: Some(RecordKind::Value), ..AuditQuery::default() };
    let mut audited: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for record in p.audit_log(&controller, &about).await.expect("audit") {
        audited.entry(record.entry.key.clone()).or_default().push(record.entry.action.clone());
    }

    let corrections = p.corrections(&controller, None).await.expect("corrections");
    let mut periods: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for value in &values {
        let (code, period) = (&value.indicator, value.period);
        let history = p.value_history(&controller, code, period).await.expect("history");
        let numbers: Vec<u32> = history.iter().map(|r| r.number).collect();
        assert_eq!(numbers, (1..=history.len() as u32).collect::<Vec<_>>(), "{code} {period}");
        let last = history.last().expect("a stored value has a revision");
        assert_eq!(value.revisions as usize, history.len(), "{code} {period}");
        assert_eq!((value.status, &value.entry), (last.new_status, &last.new), "{code} {period}");
        let expected: Vec<String> =
            history.iter().map(|r| format!("value.{}", r.action.as_str())).collect();
        let key = format!("{code}|{period}");
        assert_eq!(audited.get(&key), Some(&expected), "audit and history of {key}");
        periods.entry(period.to_string()).or_default().insert(code.clone());

        // An approval writes the correction's decision and the value's revision in one
        // change set: each approved correction is one correcting revision with the
        // correction's entries, and there is no correcting revision without one.
        let approved: Vec<_> = corrections
            .iter()
            .filter(|c| c.value.indicator == *code && c.value.period == period)
            .filter(|c| c.status == Decision::Approved)
            .collect();
        let corrected: Vec<_> =
            history.iter().filter(|r| r.action == ValueAction::Correct).collect();
        assert_eq!(approved.len(), corrected.len(), "corrections and revisions of {key}");
        for correction in &approved {
            let revision = corrected.iter().find(|r| r.new == correction.new);
            let revision = revision.unwrap_or_else(|| panic!("no revision of {}", correction.id));
            assert_eq!(
                revision.old.as_ref(),
                Some(&correction.old),
                "correction {}",
                correction.id
            );
        }
    }

    // Each correction, each decision on one and each session was written with its
    // audit record; nothing in the test ends a session, so every session opened is
    // still stored.
    let about = AuditQuery { kind: Some(RecordKind::Correction), ..AuditQuery::default() };
    let audited = p.audit_log(&controller, &about).await.expect("audit");
    let count = |action: &str| audited.iter().filter(|r| r.entry.action == action).count();
    let decided = |status: Decision| corrections.iter().filter(|c| c.status == status).count();
    assert_eq!(count("correction.propose"), corrections.len(), "proposals and their audit");
    assert_eq!(count("correction.approve"), decided(Decision::Approved), "approvals and audit");
    // A login's audit record is about the account that logged in.
    let about = AuditQuery { kind: Some(RecordKind::Account), ..AuditQuery::default() };
    let opened = p.audit_log(&controller, &about).await.expect("audit");
    let opened = opened.iter().filter(|r| r.entry.action == "session.open").count();
    let sessions = store.scan(RecordKind::Session, "").await.expect("sessions").len();
    assert_eq!(sessions, opened, "every stored session has its audit record and back");
    for (period, codes) in &periods {
        assert_eq!(codes.len(), 2, "the import of {period} is half applied: {codes:?}");
    }
    for period in &acknowledged.imports {
        assert!(periods.contains_key(period), "the acknowledged import of {period} is lost");
    }
    let by_key: BTreeMap<(String, String), u32> =
        values.iter().map(|v| ((v.indicator.clone(), v.period.to_string()), v.revisions)).collect();
    for (key, revisions) in &acknowledged.revisions {
        let stored = by_key.get(key).copied().unwrap_or(0);
        assert!(stored >= *revisions, "{key:?}: {revisions} revisions acknowledged, {stored} kept");
    }
    for (id, decision) in &acknowledged.corrections {
        let stored = corrections.iter().find(|c| c.id.as_str() == id);
        let stored = stored.unwrap_or_else(|| panic!("acknowledged correction {id} is lost"));
        if *decision == Decision::Approved {
            assert_eq!(stored.status, Decision::Approved, "correction {id}");
        }
    }
    values.len()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_writer_killed_at_random_moments_loses_nothing_acknowledged() {
    if let (Ok(folder), Ok(acks)) = (std::env::var(WRITER_FOLDER), std::env::var(WRITER_ACKS)) {
        writer(&folder, &acks).await;
    }

    let kills = env_number("CITYPASSPORT_CRASH_KILLS", 12);
    let clock_seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let seed = env_number("CITYPASSPORT_CRASH_SEED", clock_seed);
    let mut rng = Rng(seed | 1);
    let folder = tempfile::tempdir().expect("temporary folder");
    let store_path = folder.path().join("store");
    {
        let store = Arc::new(SledStorage::open(&store_path).expect("store"));
        let city = City::build(store.clone()).await;
        drop(city);
        store.flush().await.expect("flush");
    }

    let mut acknowledged = Acknowledged::default();
    let mut moments: BTreeMap<Moment, usize> = BTreeMap::new();
    let (mut values, mut lines) = (0, 0);
    // How long a writer took from its start to being ready, last time it was measured.
    let mut startup: Option<Duration> = None;
    let started = Instant::now();
    for kill in 1..=kills {
        let acks = folder.path().join(format!("acks-{kill}.txt"));
        std::fs::write(&acks, "").expect("acknowledgement file");
        let spawned = Instant::now();
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(WRITER_FOLDER, &store_path)
            .env(WRITER_ACKS, &acks)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the writer starts");

        match startup {
            // One kill in four comes while the writer starts, opens the store and logs
            // in: at a random moment within the time that took last.
            Some(startup) if kill % 4 == 0 => {
                let millis = u64::try_from(startup.as_millis()).unwrap_or(u64::MAX).max(1);
                tokio::time::sleep(Duration::from_millis(rng.below(millis))).await;
            }
            // The others at a random moment after the writer is ready: mostly inside a
            // call of the workflow.
            _ => {
                wait_until_ready(&mut child, &acks).await;
                startup = Some(spawned.elapsed());
                tokio::time::sleep(Duration::from_millis(rng.below(250))).await;
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the writer is reaped");

        let text = std::fs::read_to_string(&acks).expect("acknowledgements");
        lines += text.lines().count();
        *moments.entry(acknowledged.read(&text)).or_default() += 1;
        values = check_invariants(&store_path, &acknowledged).await;
    }
    let at = |moment: Moment| moments.get(&moment).copied().unwrap_or(0);
    let (mid_call, opening) = (at(Moment::MidCall), at(Moment::Opening));
    println!(
        "crash safety: {kills} SIGKILLs survived: {mid_call} in the middle of a call, {opening} \
         while opening the store or logging in, {} between writes, {} before the store was \
         opened; {lines} acknowledgement lines, {values} values and {} corrections checked \
         after the last, seed {seed}, {:.1?}",
        at(Moment::BetweenWrites),
        at(Moment::Starting),
        acknowledged.corrections.len(),
        started.elapsed()
    );
    assert!(values > 0, "the writers wrote nothing");
    // Most of a ready writer's time is spent inside calls, so even the short run lands
    // kills there; the full run must also have landed some while opening or logging in.
    if kills >= 4 {
        assert!(mid_call > 0, "no kill landed in the middle of a call (seed {seed})");
    }
    if kills >= 100 {
        assert!(opening > 0, "no kill landed while opening or logging in (seed {seed})");
    }
}

/// Waits until the writer has acknowledged that it is ready.
///
/// # Panics
///
/// When the writer ends first, or is not ready within a minute.
async fn wait_until_ready(child: &mut std::process::Child, acks: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = || std::fs::read_to_string(acks).unwrap_or_default().lines().any(|l| l == "ready");
    while !ready() {
        if let Some(status) = child.try_wait().expect("writer status") {
            let mut err = String::new();
            use std::io::Read;
            child.stderr.take().expect("stderr is piped").read_to_string(&mut err).ok();
            panic!("the writer ended before it was ready ({status}): {err}");
        }
        assert!(Instant::now() < deadline, "the writer never got ready");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
