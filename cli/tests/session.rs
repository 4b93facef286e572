//! The `citypassport` program as a new user runs it: the session of the crate's README,
//! replayed step by step from an empty folder to a quarterly report, on sled and on
//! PostgreSQL, then the exit statuses a script relies on.
//!
//! The README's session block is the script: each `$ export`, `$ cat > FILE <<'EOF'`
//! and `$ citypassport` line is carried out as written. What a person types at a
//! prompt (setup tokens and passwords) the replay gives through `CITYPASSPORT_SETUP_TOKEN`,
//! `--password-stdin` and `CITYPASSPORT_PASSWORD` instead.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_citypassport");
const README: &str = include_str!("../README.md");

/// One step of the README session.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// `export NAME=VALUE`
    Export(String, String),
    /// `cat > FILE <<'EOF'` with the lines up to `EOF`
    Write(String, String),
    /// `citypassport ARGS...`
    Run(Vec<String>),
}

/// Splits a shell command line into words: double and single quotes group, nothing else
/// is special (the session uses no variables or globs).
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The steps of the first `console` block of the README.
fn readme_session() -> Vec<Step> {
    let block = README
        .split("```console\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the README has a console block with the session");
    let mut lines = block.lines();
    let mut steps = Vec::new();
    while let Some(line) = lines.next() {
        let Some(command) = line.strip_prefix("$ ") else {
            continue;
        };
        let words = words(command);
        match words.first().map(String::as_str) {
            Some("mkdir") => {}
            Some("export") => {
                let (name, value) = words[1].split_once('=').expect("export NAME=VALUE");
                steps.push(Step::Export(name.into(), value.into()));
            }
            Some("cat") => {
                let file = words[2].clone();
                let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "EOF").collect();
                steps.push(Step::Write(file, body.join("\n") + "\n"));
            }
            Some("citypassport") => steps.push(Step::Run(words[1..].to_vec())),
            _ => panic!("the README session has a step the replay does not know: {line}"),
        }
    }
    steps
}

/// The command words of a command line: its arguments without the global options that
/// may stand before the subcommand (`--email X report 2026-Q3` gives `report 2026-Q3`).
fn command_words(args: &[String]) -> Vec<&str> {
    let mut words = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--store" | "--schema" | "--email" | "--time-zone" => {
                rest.next();
            }
            "--password-stdin" => {}
            word => words.push(word),
        }
    }
    words
}

/// Each person's password in the replay.
fn password_of(email: &str) -> String {
    format!("{email} пароль 2026")
}

/// The replay's state: its folder, its environment, the setup tokens not used yet, and
/// the output of every command.
struct Replay {
    folder: tempfile::TempDir,
    env: BTreeMap<String, String>,
    /// Where `export CITYPASSPORT_STORE=...` points instead, for a PostgreSQL run.
    store: Option<String>,
    tokens: VecDeque<(String, String)>,
    outputs: Vec<(Vec<String>, Output)>,
}

impl Replay {
    fn new(store: Option<String>, schema: Option<&str>) -> Replay {
        let mut env = BTreeMap::new();
        if let Some(schema) = schema {
            env.insert("CITYPASSPORT_PG_SCHEMA".to_string(), schema.to_string());
        }
        Replay {
            folder: tempfile::tempdir().expect("a temporary folder"),
            env,
            store,
            tokens: VecDeque::new(),
            outputs: Vec::new(),
        }
    }

    /// Runs the program with `args` in the replay's folder and environment; `stdin`
    /// is its standard input.
    fn command(&self, args: &[String], extra: &[(&str, String)], stdin: &str) -> Output {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .current_dir(self.folder.path())
            .env_clear()
            .envs(&self.env)
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the program starts");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("stdin written");
        child.wait_with_output().expect("the program ends")
    }

    /// The e-mail a command logs in with: its `--email`, else the environment's.
    fn login_of(&self, args: &[String]) -> Option<String> {
        args.iter()
            .position(|a| a == "--email")
            .and_then(|i| args.get(i + 1).cloned())
            .or_else(|| self.env.get("CITYPASSPORT_EMAIL").cloned())
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Export(name, value) => {
                let value = match (name.as_str(), &self.store) {
                    ("CITYPASSPORT_STORE", Some(store)) => store.clone(),
                    _ => value.clone(),
                };
                self.env.insert(name.clone(), value);
            }
            Step::Write(file, body) => {
                std::fs::write(self.folder.path().join(file), body).expect("file written");
            }
            Step::Run(args) => self.run(args),
        }
    }

    fn run(&mut self, args: &[String]) {
        let words = command_words(args);
        let output = if words[0] == "set-password" {
            // The person types the token and the password at prompts; here they come
            // from the environment and standard input.
            let (email, token) = self.tokens.pop_front().expect("a setup token was printed");
            let mut args = args.to_vec();
            args.push("--password-stdin".into());
            let stdin = format!("{}\n", password_of(&email));
            self.command(&args, &[("CITYPASSPORT_SETUP_TOKEN", token)], &stdin)
        } else {
            let extra: Vec<(&str, String)> = match (words[0], self.login_of(args)) {
                ("init", _) | (_, None) => Vec::new(),
                (_, Some(email)) => vec![("CITYPASSPORT_PASSWORD", password_of(&email))],
            };
            self.command(args, &extra, "")
        };
        assert!(
            output.status.success(),
            "citypassport {} failed with {}:\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );

        // A setup token is the only thing these commands print on standard output.
        let person = match (words[0], words.get(1).copied()) {
            ("init", _) => self.login_of(args),
            ("account", Some("create")) => words.get(2).map(|w| w.to_string()),
            _ => None,
        };
        if let Some(email) = person {
            let token = String::from_utf8(output.stdout.clone()).expect("UTF-8");
            assert_eq!(token.trim().len(), 64, "a setup token: {token}");
            self.tokens.push_back((email, token.trim().to_string()));
        }
        self.outputs.push((args.to_vec(), output));
    }

    /// Standard output of the last run whose arguments start with `command`.
    fn stdout_of(&self, command: &[&str]) -> String {
        let (_, output) = self
            .outputs
            .iter()
            .rev()
            .find(|(args, _)| command_words(args).starts_with(command))
            .unwrap_or_else(|| panic!("the session ran no {}", command.join(" ")));
        String::from_utf8(output.stdout.clone()).expect("UTF-8")
    }
}

/// Replays the README session and checks what it printed; returns the replay for more
/// checks on the same store.
fn replay_readme(store: Option<String>, schema: Option<&str>) -> Replay {
    let mut replay = Replay::new(store, schema);
    let steps = readme_session();
    assert!(steps.iter().any(|s| matches!(s, Step::Run(a) if command_words(a)[0] == "report")));
    for step in &steps {
        replay.step(step);
    }

    let passport = replay.stdout_of(&["passport"]);
    assert!(passport.contains("BIRTHS-M") && passport.contains("252"), "{passport}");
    assert!(passport.contains("not applicable"), "{passport}");

    let report = replay.stdout_of(&["report"]);
    assert!(report.starts_with("Quarterly report 2026-Q3"), "{report}");
    assert!(report.contains("By department") && report.contains("Отдел статистики"), "{report}");
    assert!(report.contains("By executor") && report.contains("Исполнитель"), "{report}");
    // Eight values came in late, the not-applicable one too, and one is missing.
    assert!(report.contains("Violations (9)"), "{report}");
    assert!(report.contains("MARRIAGES-M  2026-M08"), "{report}");

    let sdmx = std::fs::read_to_string(replay.folder.path().join("observations.csv"))
        .expect("the SDMX export was written");
    assert!(sdmx.starts_with("DATAFLOW,INDICATOR,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE\n"));
    assert!(
        sdmx.contains("CITYPASSPORT:CITY_PASSPORT(1.0),MARRIAGES-M,2026-07,,M,642\n"),
        "{sdmx}"
    );

    let audit = replay.stdout_of(&["audit", "list"]);
    assert!(audit.contains("account.create"), "{audit}");
    let verified = replay.stdout_of(&["audit", "verify"]);
    assert!(verified.starts_with("records checked"), "{verified}");
    assert!(!verified.contains("altered"), "{verified}");
    replay
}

#[test]
fn the_readme_session_gets_from_an_empty_folder_to_a_quarterly_report_on_sled() {
    let replay = replay_readme(None, None);
    assert!(replay.folder.path().join("passport-store").is_dir());
    exported_values_match_the_imported_file(&replay);
    exit_statuses_follow_the_conventions(&replay);
    listings_print_as_json_and_csv(&replay);
    progress_is_drawn_on_the_standard_error_of_a_terminal_only(&replay);
}

#[test]
fn the_readme_session_gets_from_an_empty_database_to_a_quarterly_report_on_postgresql() {
    let url = std::env::var("CITYPASSPORT_TEST_PG_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "CITYPASSPORT_TEST_PG_URL is not set: this test needs a PostgreSQL server. Run it as \
         `bash scripts/with-postgres.sh cargo test -p citypassport-cli`, which starts a \
         throwaway server, or set the variable to a server of your own."
    );
    // A schema of its own, dropped when the test ends.
    let schema = citypassport_postgres::testing::TestSchema::fresh();
    let replay = replay_readme(Some(schema.url().to_string()), Some(schema.name()));
    exported_values_match_the_imported_file(&replay);
}

/// The values file of the session is written in the export's own form, so an export
/// gives it back byte for byte.
fn exported_values_match_the_imported_file(replay: &Replay) {
    let args: Vec<String> =
        ["--email", "viewer@city.example", "values", "export", "-"].map(String::from).to_vec();
    let output =
        replay.command(&args, &[("CITYPASSPORT_PASSWORD", password_of("viewer@city.example"))], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let imported = std::fs::read(replay.folder.path().join("values.csv")).expect("values.csv");
    assert_eq!(String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&imported));
}

fn exit_statuses_follow_the_conventions(replay: &Replay) {
    let run = |args: &[&str], password: &str| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        replay.command(&args, &[("CITYPASSPORT_PASSWORD", password.to_string())], "")
    };
    let executor = password_of("executor@city.example");

    // Refused rows: status 3, each named on standard error, the good row stored.
    let file = "indicator,period,value\nMARRIAGES-M,2026-M08,175\nDEATHS-M,2026-M09,\"30,5\"\n";
    std::fs::write(replay.folder.path().join("more.csv"), file).expect("written");
    let output =
        run(&["--email", "executor@city.example", "values", "import", "more.csv"], &executor);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("refused: line 3, column value: 30.5 is not a whole number"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 rows read: 1 passed, 1 refused; 1 values stored as drafts"),
        "{stderr}"
    );

    // A catalog with a bad row: status 3 too, the row named, a dry run storing nothing.
    let chief = password_of("chief@city.example");
    let catalog = "code,section,name_ru,unit_ru,okei_code,periodicity\n\
                   DIVORCES-M,Население,Число разводов,единица,642,monthly\n\
                   SCHOOLS,Образование,Число школ,единица,7a2,yearly\n";
    std::fs::write(replay.folder.path().join("more-catalog.csv"), catalog).expect("written");
    let load = ["--email", "chief@city.example", "catalog", "load", "more-catalog.csv"];
    let output = run(&[&load[..], &["--dry-run"]].concat(), &chief);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("refused: line 3, column okei_code: '7a2' is not 3 or 4 digits"),
        "{stderr}"
    );
    assert!(stderr.contains("1 new indicators") && stderr.contains("a dry run"), "{stderr}");
    let output = run(&load, &chief);
    assert_eq!(output.status.code(), Some(3));
    let list =
        run(&["--email", "chief@city.example", "catalog", "list", "--format", "csv"], &chief);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("DIVORCES-M,") && !list.contains("SCHOOLS,"), "{list}");

    // A period that is not a quarter is a usage error: status 2.
    let viewer = password_of("viewer@city.example");
    let output = run(&["--email", "viewer@city.example", "report", "2026-M07"], &viewer);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["--email", "viewer@city.example", "report"], &viewer);
    assert_eq!(output.status.code(), Some(2), "clap's own usage errors");

    // A wrong password fails with 1 and is not repeated in the message.
    let output = run(&["--email", "viewer@city.example", "whoami"], "a wrong password 123");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("login failed") && !stderr.contains("wrong password 123"), "{stderr}");

    // The administrator manages accounts but never reads values.
    let admin = password_of("admin@city.example");
    let output = run(&["--email", "admin@city.example", "passport", "2026-M07"], &admin);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("permission denied"));
}

#[test]
fn the_long_help_shows_the_session_and_the_exit_statuses() {
    let output = Command::new(BINARY).arg("--help").output().expect("the program runs");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    for step in readme_session() {
        let Step::Run(args) = step else { continue };
        let subcommand = command_words(&args)[0];
        if subcommand == "audit" {
            continue;
        }
        let plain = format!("citypassport {subcommand}");
        let as_someone = format!("@city.example {subcommand}");
        assert!(help.contains(&plain) || help.contains(&as_someone), "{subcommand}: {help}");
    }
    assert!(help.contains("CITYPASSPORT_STORE") && help.contains("CITYPASSPORT_PASSWORD"));
    assert!(help.contains("3 an import refused some rows"), "{help}");
}

#[test]
fn a_command_without_a_store_is_a_usage_error() {
    let output = Command::new(BINARY)
        .args(["department", "list"])
        .env_clear()
        .output()
        .expect("the program runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CITYPASSPORT_STORE"));
}

/// Runs `args` as `email`, with the password from the environment, and gives standard
/// output; the command must succeed.
fn stdout_as(replay: &Replay, email: &str, args: &[&str]) -> String {
    let mut all = vec!["--email".to_string(), email.to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let output = replay.command(&all, &[("CITYPASSPORT_PASSWORD", password_of(email))], "");
    assert!(
        output.status.success(),
        "citypassport {} failed: {}",
        all.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The rows of a CSV listing, header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_string).collect())
        .collect()
}

fn listings_print_as_json_and_csv(replay: &Replay) {
    let admin = "admin@city.example";
    let json = |text: &str| -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };

    let departments = json(&stdout_as(replay, admin, &["department", "list", "--format", "json"]));
    assert_eq!(departments[0]["name"], "Отдел статистики", "{departments}");
    assert_eq!(departments[0]["kind"], "department", "{departments}");

    let accounts = csv_rows(&stdout_as(replay, admin, &["account", "list", "--format", "csv"]));
    assert_eq!(
        accounts[0],
        ["id", "email", "name", "roles", "department", "active", "password_set"]
    );
    let executor = accounts.iter().find(|r| r[2] == "Исполнитель").expect("the executor");
    assert_eq!(executor[3..], ["executor", "Отдел статистики", "yes", "yes"], "{accounts:?}");

    let viewer = "viewer@city.example";
    let passport = json(&stdout_as(replay, viewer, &["passport", "2026-M07", "--format", "json"]));
    let marriages = passport
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["code"] == "MARRIAGES-M"))
        .unwrap_or_else(|| panic!("no MARRIAGES-M in {passport}"));
    assert_eq!(marriages["value"], serde_json::Value::Null);
    assert_eq!(marriages["not_applicable_reason"], "отдел ЗАГС закрыт на ремонт");
    let births = csv_rows(&stdout_as(replay, viewer, &["passport", "2026-M07", "--format", "csv"]));
    assert_eq!(births[0][..5], ["code", "indicator", "unit", "period", "value"]);
    assert!(births.iter().any(|r| r[0] == "BIRTHS-M" && r[4] == "252"), "{births:?}");

    let catalog = json(&stdout_as(replay, viewer, &["catalog", "list", "--format", "json"]));
    let codes: Vec<&str> =
        catalog.as_array().expect("an array").iter().filter_map(|i| i["code"].as_str()).collect();
    for code in ["BIRTHS-M", "DEATHS-M", "MARRIAGES-M"] {
        assert!(codes.contains(&code), "{codes:?}");
    }

    let me = csv_rows(&stdout_as(replay, viewer, &["whoami", "--format", "csv"]));
    assert_eq!(me.len(), 2, "{me:?}");
    assert_eq!(me[1][2], "Пользователь");

    let verified = json(&stdout_as(replay, admin, &["audit", "verify", "--format", "json"]));
    assert!(verified[0]["records checked"].as_u64().is_some_and(|n| n > 0), "{verified}");
    assert_eq!(verified[0]["first broken"], serde_json::Value::Null, "{verified}");
    let audit =
        csv_rows(&stdout_as(replay, admin, &["audit", "list", "--limit", "3", "--format", "csv"]));
    assert_eq!(audit[0], ["seq", "at", "actor", "action", "kind", "key"]);
    assert_eq!((audit.len(), audit[1][0].as_str()), (4, "1"), "{audit:?}");
}

/// Runs `command` (a shell command line) under `script`, so that it has a terminal,
/// and gives what was drawn on that terminal.
fn on_a_terminal(replay: &Replay, command: &str, password: &str) -> String {
    let output = Command::new("script")
        .args(["-q", "-e", "-c", command, "/dev/null"])
        .current_dir(replay.folder.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .envs(&replay.env)
        .env("CITYPASSPORT_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("this test runs `script` (util-linux) to give the tool a terminal: {e}")
        });
    let drawn = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{command} failed on a terminal: {drawn}");
    drawn
}

fn progress_is_drawn_on_the_standard_error_of_a_terminal_only(replay: &Replay) {
    let viewer = password_of("viewer@city.example");
    let plain = stdout_as(replay, "viewer@city.example", &["values", "export", "-"]);

    // Standard error is the terminal, standard output a file: the count goes to the
    // terminal and the file holds the export alone.
    let command =
        format!("'{BINARY}' --email viewer@city.example values export - > on-terminal.csv");
    let drawn = on_a_terminal(replay, &command, &viewer);
    assert!(drawn.contains("exporting values, read so far"), "{drawn:?}");
    let written = std::fs::read_to_string(replay.folder.path().join("on-terminal.csv"))
        .expect("the export was written");
    assert_eq!(written, plain);

    // An import of more than a thousand rows shows a bar with the rows checked so far
    // out of the file's.
    let mut file = String::from("indicator,period,value\n");
    for code in ["BIRTHS-M", "DEATHS-M"] {
        for year in 2030..2100 {
            for month in 1..=12 {
                file.push_str(&format!("{code},{year}-M{month:02},{month}\n"));
            }
        }
    }
    std::fs::write(replay.folder.path().join("long.csv"), file).expect("written");
    let executor = password_of("executor@city.example");
    let command =
        format!("'{BINARY}' --email executor@city.example values import long.csv --dry-run");
    let drawn = on_a_terminal(replay, &command, &executor);
    assert!(drawn.contains("reading long.csv"), "{drawn:?}");
    assert!(drawn.contains("checking rows [") && drawn.contains("/1,680"), "{drawn:?}");
    assert!(drawn.contains("1680 rows read: 1680 passed"), "{drawn:?}");

    // Without a terminal nothing is drawn: no carriage returns, no escape sequences.
    let args: Vec<String> =
        ["--email", "executor@city.example", "values", "import", "long.csv", "--dry-run"]
            .map(String::from)
            .to_vec();
    let output = replay.command(&args, &[("CITYPASSPORT_PASSWORD", executor)], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains('\r') && !stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(output.stdout.is_empty());
}

/// The heading of the example session at the end of `citypassport --help`.
const EXAMPLE_HEADING: &str = "Example: from an empty folder to a quarterly report";

/// The example session of `citypassport --help`: the lines after its heading, from the
/// first that is not blank to the next blank one.
fn help_example(columns: &str) -> String {
    let output = Command::new(BINARY)
        .arg("--help")
        .env("COLUMNS", columns)
        .output()
        .expect("the program runs");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    let after = help.split_once(&format!("{EXAMPLE_HEADING}\n")).map(|(_, rest)| rest);
    let after = after.unwrap_or_else(|| panic!("--help has no example session: {help}"));
    let lines: Vec<&str> =
        after.lines().skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
    lines.join("\n") + "\n"
}

#[test]
fn the_example_of_the_long_help_runs_as_pasted_from_an_empty_folder_to_a_report() {
    let example = help_example("100");
    // A narrow terminal wraps the help's prose, never the example's commands.
    assert_eq!(help_example("40"), example);
    assert!(example.lines().all(|l| l.chars().count() <= 100), "{example}");

    // As a new user would: bash in an empty folder, the program on the PATH, nothing
    // else in the environment. The example gives the passwords itself, the way the
    // tool takes them without a prompt.
    let folder = tempfile::tempdir().expect("a temporary folder");
    let bin = Path::new(BINARY).parent().expect("the program's folder");
    let output = Command::new("bash")
        .args(["-e", "-o", "pipefail", "-c", &example])
        .current_dir(folder.path())
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the example stopped:\n{stderr}\n{stdout}");

    let report = stdout.split_once("Quarterly report 2026-Q3").map(|(_, r)| r);
    let report = report.unwrap_or_else(|| panic!("the example ends with no report: {stdout}"));
    assert!(report.contains("Отдел статистики") && report.contains("Исполнитель"), "{report}");
    assert!(stdout.contains("BIRTHS-M") && stdout.contains("252"), "{stdout}");
    let sdmx = std::fs::read_to_string(folder.path().join("observations.csv"))
        .expect("the example writes its SDMX export");
    assert!(sdmx.contains(",BIRTHS-M,2026-08,,M,792"), "{sdmx}");
    assert!(stderr.contains("a dry run: nothing was stored"), "{stderr}");
}
