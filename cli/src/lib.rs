//! # citypassport-cli
//!
//! The administrator's command-line tool of the electronic city passport, the
//! `citypassport` program, and the data exchange it is built on, usable on its own:
//!
//! - [`exchange::catalog`]: the catalog with its history (changes and retirements) in
//!   and out as CSV, JSON and Excel, loaded row by row with every refused row reported;
//! - [`exchange::values`]: values in and out as CSV, JSON and Excel, with every refused
//!   row reported by its row and column, and exports read page by page;
//! - [`exchange::sdmx`]: values as SDMX-CSV for statistical tools, each with the unit
//!   of the definition in force for its period;
//! - [`store`]: opening a sled or PostgreSQL store from one string.
//!
//! The program's own guide is its `--help` and the crate's `README.md`, which walks
//! from an empty folder to a quarterly report.
//!
//! ```
//! use citypassport_cli::exchange::values::ValuesFile;
//! use citypassport_cli::exchange::Format;
//!
//! let file = "indicator,period,value,not_applicable_reason\n\
//!             MR-1.1,2025,333 931,\n\
//!             MR-1.1.2,2025,,показатель не рассчитывается\n\
//!             MR-1.1.1,2025,12;5,\n";
//! let values = ValuesFile::read(file.as_bytes(), Format::Csv)?;
//! assert_eq!(values.len(), 3);
//! // The third row's number is checked by the passport on import, against the
//! // indicator's kind and rules, exactly as a clerk's entry would be.
//! assert_eq!(values.unreadable_rows().count(), 0);
//! # Ok::<(), citypassport_cli::exchange::ExchangeError>(())
//! ```

pub mod exchange;
pub mod store;
