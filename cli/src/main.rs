//! `citypassport`: the administrator's command-line tool of the electronic city
//! passport. See `citypassport --help`, and the crate's README for a whole session.

mod app;

use std::process::ExitCode;

use app::args::Cli;
use clap::Parser;

fn main() -> ExitCode {
    // Clap prints the version and the help itself, and exits with 2 on a wrong command
    // line; only the tool's long help is printed here, to keep its example unwrapped.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if Cli::is_long_help(&error) => {
            return match app::print_help(&Cli::long_help()) {
                Ok(()) => ExitCode::from(app::EXIT_OK),
                Err(failure) => failure.report(),
            };
        }
        Err(error) => error.exit(),
    };

    // One command at a time needs no more than one thread; sqlx and sled are content
    // with it.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(app::EXIT_FAILED);
        }
    };
    match runtime.block_on(app::run(&cli.global, &cli.command)) {
        Ok(()) => ExitCode::from(app::EXIT_OK),
        Err(failure) => failure.report(),
    }
}
