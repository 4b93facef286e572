//! The `citypassport` program: parsing its command line, opening the store, logging in,
//! running one command and turning its outcome into messages and an exit status.

pub mod args;
mod commands;
mod files;
mod output;
mod secrets;

use std::process::ExitCode;

use citypassport_cli::exchange::ExchangeError;
use citypassport_cli::store::StoreError;

pub use commands::run;

/// Prints a help text on standard output.
pub fn print_help(text: &str) -> Result<(), Failure> {
    output::print_out(text)
}

/// Exit status of a command that did its work.
pub const EXIT_OK: u8 = 0;
/// Exit status of a command that failed; the failing step changed nothing.
pub const EXIT_FAILED: u8 = 1;
/// Exit status of a command line that makes no sense (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
/// Exit status of an import that refused some rows: the good rows were stored (unless
/// it was a dry run), the refused ones were listed.
pub const EXIT_ROWS_REFUSED: u8 = 3;

/// Why a command did not end well.
#[derive(Debug)]
pub enum Failure {
    /// The command line lacks something or holds something wrong.
    Usage(String),
    /// The command ran and failed.
    Runtime(String),
    /// An import refused rows; they were already listed.
    RowsRefused,
}

impl Failure {
    /// Prints the failure on standard error and gives the exit status.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Usage(message) => {
                eprintln!("error: {message}");
                eprintln!("Run 'citypassport --help' for how to use it.");
                ExitCode::from(EXIT_USAGE)
            }
            Failure::Runtime(message) => {
                eprintln!("error: {message}");
                ExitCode::from(EXIT_FAILED)
            }
            Failure::RowsRefused => ExitCode::from(EXIT_ROWS_REFUSED),
        }
    }
}

impl From<citypassport_core::Error> for Failure {
    fn from(error: citypassport_core::Error) -> Self {
        Failure::Runtime(error.to_string())
    }
}

impl From<ExchangeError> for Failure {
    fn from(error: ExchangeError) -> Self {
        Failure::Runtime(error.to_string())
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unknown(_) => Failure::Usage(error.to_string()),
            other => Failure::Runtime(other.to_string()),
        }
    }
}
