//! Reading passwords and setup tokens: from the environment, from standard input, or
//! from the terminal without echo. Never from an argument, where they would stay in the
//! shell's history and show in the process list.

use std::io::{BufRead, IsTerminal};

use super::Failure;

/// The variable that may hold the password of the account a command logs in with.
pub const PASSWORD_VARIABLE: &str = "CITYPASSPORT_PASSWORD";

/// The variable that may hold a setup token for `set-password`.
pub const SETUP_TOKEN_VARIABLE: &str = "CITYPASSPORT_SETUP_TOKEN";

/// The first line of standard input, without its line ending.
fn stdin_line(what: &str) -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Runtime(format!("reading the {what} from standard input: {e}")))?;
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    if line.is_empty() {
        return Err(Failure::Usage(format!("standard input holds no {what}")));
    }
    Ok(line)
}

/// Asks on the terminal without echo; refuses when there is no terminal to ask on.
fn prompt(label: &str, hint: &str) -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::Usage(format!("no terminal to ask for the {label} on; {hint}")));
    }
    let term = console::Term::stderr();
    term.write_str(&format!("{}: ", capitalized(label)))
        .and_then(|()| term.read_secure_line())
        .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
        .map_err(|e| Failure::Runtime(format!("reading the {label}: {e}")))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The password of the account a command logs in with: `--password-stdin`, else the
/// environment, else a prompt.
pub fn login_password(email: &str, from_stdin: bool) -> Result<String, Failure> {
    if from_stdin {
        return stdin_line("password");
    }
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        if !password.is_empty() {
            return Ok(password);
        }
    }
    prompt(
        &format!("password for {email}"),
        &format!("set {PASSWORD_VARIABLE} or pass --password-stdin"),
    )
}

/// The setup token: the environment, else a prompt.
pub fn setup_token() -> Result<String, Failure> {
    if let Ok(token) = std::env::var(SETUP_TOKEN_VARIABLE) {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_string());
        }
    }
    prompt("setup token", &format!("set {SETUP_TOKEN_VARIABLE}")).map(|t| t.trim().to_string())
}

/// A new password: standard input with `--password-stdin`, else asked twice.
pub fn new_password(from_stdin: bool) -> Result<String, Failure> {
    if from_stdin {
        return stdin_line("password");
    }
    let hint = "pass --password-stdin";
    let first = prompt("new password", hint)?;
    let second = prompt("the same password again", hint)?;
    if first != second {
        return Err(Failure::Usage("the two passwords differ; nothing was changed".into()));
    }
    Ok(first)
}
