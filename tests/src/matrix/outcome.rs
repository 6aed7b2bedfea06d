//! What one client reported for one row, and how a cell of the table says it.

use std::fmt;

/// What one client reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A response arrived: its status, and the error met reading (or decoding) its body, if any.
    Answered {
        /// The status code.
        status: u16,
        /// The error after the head, if any.
        then: Option<String>,
    },
    /// No response: the error the client reported.
    Failed(String),
    /// The client had reported nothing when the run's deadline passed: its timeout never fired.
    StillWaiting,
}

impl Outcome {
    /// An error before any response.
    pub(super) fn failed(error: impl Into<String>) -> Outcome {
        Outcome::Failed(error.into())
    }

    /// A response, read whole.
    pub(super) fn answered(status: u16) -> Outcome {
        Outcome::Answered { status, then: None }
    }

    /// A response whose body (or its decoding) failed.
    pub(super) fn answered_then(status: u16, error: impl Into<String>) -> Outcome {
        Outcome::Answered {
            status,
            then: Some(error.into()),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Answered { status, then: None } => write!(f, "{status}"),
            Outcome::Answered {
                status,
                then: Some(error),
            } => write!(f, "{status}, then {error}"),
            Outcome::Failed(error) => f.write_str(error),
            Outcome::StillWaiting => f.write_str("no error yet at the deadline"),
        }
    }
}

/// The status of a cell that shows plain success (a 2xx response read whole, nothing else).
pub fn plain_success(cell: &str) -> Option<u16> {
    let status: u16 = cell.parse().ok()?;
    (200..300).contains(&status).then_some(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bare_2xx_cell_is_plain_success() {
        assert_eq!(
            plain_success(&Outcome::answered(200).to_string()),
            Some(200)
        );
        assert_eq!(plain_success("204"), Some(204));
        assert_eq!(plain_success(&Outcome::answered(503).to_string()), None);
        assert_eq!(
            plain_success(&Outcome::answered_then(200, "exit 18").to_string()),
            None
        );
        assert_eq!(plain_success("exit 52"), None);
    }
}
