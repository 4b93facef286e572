//! The `citypassport` program as a new user runs it: the session of the crate's README,
//! replayed step by step from an empty folder to a quarterly report, on sled and on
//! PostgreSQL, then the exit statuses a script relies on.
//!
//! The README's session block is the script: each `$ export`, `$ cat > FILE <<'EOF'`,
//! `$ cp` and `$ citypassport` line is carried out as written. What a person types at a
//! prompt (setup tokens and passwords) the replay gives through `CITYPASSPORT_SETUP_TOKEN`,
//! `--password-stdin` and `CITYPASSPORT_PASSWORD` instead.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// `cp .../data/NAME .`: a file shipped in the repository's data folder
    CopyData(String),
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
            Some("cp") => {
                let name = Path::new(&words[1]).file_name().expect("a file name");
                steps.push(Step::CopyData(name.to_string_lossy().into()));
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

    fn data_folder() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
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
            Step::CopyData(name) => {
                std::fs::copy(Self::data_folder().join(name), self.folder.path().join(name))
                    .expect("data file copied");
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
    assert!(report.contains("Violations (8)"), "{report}");
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
