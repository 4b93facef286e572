//! Files the commands read and write, and the progress shown while they do.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Failure;

/// Reads a whole input file.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Runtime(format!("reading {}: {e}", path.display())))
}

/// Whether `path` means standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A file being written under a temporary name beside its target, renamed into place
/// only when complete: an export that fails half-way leaves no half-written file, and
/// an older file of the same name stays as it was.
pub struct PendingFile {
    temporary: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl PendingFile {
    /// Starts writing `target`.
    pub fn create(target: &Path) -> Result<Self, Failure> {
        let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let temporary = target.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let file = File::create(&temporary)
            .map_err(|e| Failure::Runtime(format!("creating {}: {e}", target.display())))?;
        Ok(PendingFile {
            temporary,
            target: target.to_path_buf(),
            writer: Some(BufWriter::new(file)),
        })
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("a pending file has its writer until committed")
    }

    /// Flushes the file to disk and puts it in place.
    pub fn commit(mut self) -> Result<(), Failure> {
        let failed =
            |e: std::io::Error| Failure::Runtime(format!("writing {}: {e}", self.target.display()));
        let writer = self.writer.take().expect("committed once");
        let file = writer.into_inner().map_err(|e| failed(e.into_error()))?;
        file.sync_all().map_err(failed)?;
        std::fs::rename(&self.temporary, &self.target).map_err(failed)
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            // Not committed: the export failed, and its partial file must not linger.
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Standard output for an export, buffered. Its lock is not `Send`, so the handle is
/// buffered instead.
pub fn stdout() -> BufWriter<std::io::Stdout> {
    BufWriter::new(std::io::stdout())
}

/// Flushes standard output at the end of an export.
pub fn finish_stdout(mut out: BufWriter<std::io::Stdout>) -> Result<(), Failure> {
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Runtime(format!("writing to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

/// A progress display on standard error for `message`. indicatif draws it only when
/// standard error is a terminal (and `TERM` is not `dumb`), so scripts, pipes and logs
/// get no control characters; standard output, where results go, is never drawn on.
fn progress(length: Option<u64>, template: &str, message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(message.to_string());
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}

/// A spinner for work whose size is not known: reading a file, one atomic write.
pub fn spinner(message: &str) -> ProgressBar {
    progress(None, "{spinner} {msg} [{elapsed}]", message)
}

/// A spinner with a count, for work whose total is not known in advance: the values an
/// export has read so far.
pub fn counter(message: &str) -> ProgressBar {
    progress(None, "{spinner} {msg}: {human_pos} [{elapsed}]", message)
}

/// A bar for `length` steps whose total is known: the rows of a file.
pub fn bar(message: &str, length: usize) -> ProgressBar {
    let template = "{msg} [{bar:30}] {human_pos}/{human_len} [{elapsed}, about {eta} left]";
    progress(Some(length as u64), template, message)
}
