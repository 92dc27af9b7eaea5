//! Files the commands read and write: inputs with their size, outputs written whole or not at
//! all, and progress on a terminal.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::rc::Rc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Fail, IO_BUFFER};

/// A large-buffered CSV reader over `input`, with its header row already read.
pub(crate) fn csv_reader(
    input: Box<dyn Read>,
) -> Result<(csv::Reader<Box<dyn Read>>, csv::ByteRecord), Fail> {
    let mut rdr = csv::ReaderBuilder::new()
        .buffer_capacity(IO_BUFFER)
        .from_reader(input);
    let headers = rdr
        .byte_headers()
        .map_err(|e| Fail(format!("reading the header: {e}")))?
        .clone();
    Ok((rdr, headers))
}

/// The input and its size in bytes when it is a file (for the progress bar).
pub(crate) fn open_input(path: &str) -> Result<(Box<dyn Read>, Option<u64>), Fail> {
    if path == "-" {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let f = File::open(path).map_err(|e| Fail(format!("opening {path}: {e}")))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

/// Where minted rows go: stdout, or `{path}.partial` renamed to `path` only on success.
/// Rows pass through a gate: once a run fails the gate closes, so the rows still buffered in the
/// CSV writer are dropped rather than flushed, and a failed run never leaves a list that looks
/// complete.
pub(crate) struct Sink {
    file: Option<(File, PathBuf, PathBuf)>,
    open: Rc<Cell<bool>>,
}

impl Sink {
    pub(crate) fn create(path: &str) -> Result<Sink, Fail> {
        let open = Rc::new(Cell::new(true));
        if path == "-" {
            return Ok(Sink { file: None, open });
        }
        let dest = PathBuf::from(path);
        let mut tmp = dest.clone().into_os_string();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file =
            File::create(&tmp).map_err(|e| Fail(format!("creating {}: {e}", tmp.display())))?;
        Ok(Sink {
            file: Some((file, tmp, dest)),
            open,
        })
    }

    pub(crate) fn writer(&self) -> Result<Gated, Fail> {
        let inner: Box<dyn Write> = match &self.file {
            None => Box::new(io::stdout().lock()),
            Some((f, tmp, _)) => Box::new(
                f.try_clone()
                    .map_err(|e| Fail(format!("opening {}: {e}", tmp.display())))?,
            ),
        };
        Ok(Gated {
            inner,
            open: Rc::clone(&self.open),
        })
    }

    /// Close the gate: nothing written from now on reaches the output.
    pub(crate) fn close(&self) {
        self.open.set(false);
    }

    /// The `.partial` file being written, when the output is a file.
    pub(crate) fn partial_path(&self) -> Option<&std::path::Path> {
        self.file.as_ref().map(|(_, tmp, _)| tmp.as_path())
    }

    pub(crate) fn commit(self) -> Result<(), Fail> {
        if let Some((f, tmp, dest)) = self.file {
            f.sync_all()
                .map_err(|e| Fail(format!("writing {}: {e}", tmp.display())))?;
            std::fs::rename(&tmp, &dest).map_err(|e| {
                Fail(format!(
                    "renaming {} to {}: {e}",
                    tmp.display(),
                    dest.display()
                ))
            })?;
        }
        Ok(())
    }

    pub(crate) fn abandon(self) {
        self.close();
        if let Some((f, tmp, _)) = self.file {
            drop(f);
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

pub(crate) struct Gated {
    inner: Box<dyn Write>,
    open: Rc<Cell<bool>>,
}

impl Write for Gated {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.open.get() {
            self.inner.write(buf)
        } else {
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.open.get() {
            self.inner.flush()
        } else {
            Ok(())
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub(crate) struct Progress(Option<ProgressBar>);

impl Progress {
    pub(crate) fn new(total_bytes: Option<u64>) -> Progress {
        if !io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = match total_bytes {
            Some(n) => {
                ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr_with_hz(8))
                    .with_style(
                        ProgressStyle::with_template(
                            "{bar:40} {bytes}/{total_bytes} {msg} rows  ({elapsed}, eta {eta})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    )
            }
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8))
                .with_style(
                    ProgressStyle::with_template("{spinner} {msg} rows ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                ),
        };
        Progress(Some(bar))
    }

    pub(crate) fn set(&self, bytes: u64, rows: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(bytes);
            bar.set_message(rows.to_string());
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
