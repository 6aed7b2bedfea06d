//! What the commands print, and how they fail: exit code 2 for a usage mistake, 1 otherwise.

use std::io::Write;

use hamms_core::Error;
use hamms_core::catalog::Invalid;

/// Why a command failed, and its exit code: 2 for a usage mistake (a name or value that is not
/// valid, as clap's own errors), 1 for anything else.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl ToString) -> Failure {
        Failure {
            code: 2,
            message: message.to_string(),
        }
    }

    pub(crate) fn other(message: impl ToString) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        match error {
            Error::Invalid(_)
            | Error::InvalidBackend { .. }
            | Error::WrongRole { .. }
            | Error::ToxiproxyConfig { .. }
            | Error::RemoteControl { .. }
            | Error::PortOutOfRange { .. } => Failure::usage(error),
            other => Failure::other(other),
        }
    }
}

impl From<Invalid> for Failure {
    /// A name or value the tables refuse: a usage mistake.
    fn from(invalid: Invalid) -> Failure {
        Failure::usage(invalid)
    }
}

/// What a command returns.
pub(crate) type Outcome = Result<(), Failure>;

/// Prints to standard output for a long-running command, whose reader may have left (`| head`):
/// serving goes on either way, so a failed write is not an error.
pub(crate) fn out(text: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout();
    let _ = stdout.write_fmt(text).and_then(|()| stdout.flush());
}

/// A status line on standard error, with the same tolerance as [`out`].
pub(crate) fn say(text: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "hamms: {text}");
}
