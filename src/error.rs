//! The error type every library function returns, with hints and exit codes.

use std::fmt;
use std::path::Path;

/// A tana error: a message in the researcher's words, an optional hint, and the exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input or a request the project cannot satisfy (exit 1).
    #[error("{message}")]
    User {
        message: String,
        hint: Option<String>,
    },
    /// The command line itself is wrong (exit 2).
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Writing to stdout or stderr failed (a closed pipe is not reported).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// SQLite reported an error that tana did not expect.
    #[error("project database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A user or data error (exit 1).
    pub fn user(message: impl fmt::Display) -> Error {
        Error::User {
            message: message.to_string(),
            hint: None,
        }
    }

    /// A command-line usage error (exit 2).
    pub fn usage(message: impl fmt::Display) -> Error {
        Error::Usage {
            message: message.to_string(),
            hint: None,
        }
    }

    /// An I/O error on a named file.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// Attach a hint, shown after the message as `hint: …`.
    pub fn with_hint(mut self, text: impl fmt::Display) -> Error {
        match &mut self {
            Error::User { hint, .. } | Error::Usage { hint, .. } => *hint = Some(text.to_string()),
            _ => {}
        }
        self
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::User { hint, .. } | Error::Usage { hint, .. } => hint.as_deref(),
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some("check the path; it is relative to the current directory")
            }
            _ => None,
        }
    }

    /// 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage { .. } => 2,
            _ => 1,
        }
    }

    /// True when output went to a closed pipe (`tana freq | head`): exit quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Error {
        // Writing CSV to a closed pipe (`tana freq --format csv | head`) is no error.
        if let csv::ErrorKind::Io(io) = e.kind() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
            }
        }
        Error::user(format!("CSV error: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
            return Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        }
        Error::user(format!("JSON error: {e}"))
    }
}
