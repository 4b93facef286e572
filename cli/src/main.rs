//! `citypassport`: the administrator's command-line tool of the electronic city
//! passport. See `citypassport --help`, and the crate's README for a whole session.

mod app;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Clap prints help and version itself, and exits with 2 on a wrong command line.
    let cli = app::args::Cli::parse();

    // One command at a time needs no more than one thread; sqlx and sled are content
    // with it.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(app::EXIT_FAILED);
        }
    };
    match runtime.block_on(app::run(cli)) {
        Ok(()) => ExitCode::from(app::EXIT_OK),
        Err(failure) => failure.report(),
    }
}
