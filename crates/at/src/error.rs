//! Errors of an AT exchange.

use crate::result::FinalResult;
use std::time::Duration;

/// Why a command did not produce a successful response.
#[derive(Debug, thiserror::Error)]
pub enum AtError {
    /// The modem said no: `ERROR`, `+CME ERROR`, `NO CARRIER`…
    #[error("{command}: the modem answered {result}")]
    Rejected {
        command: String,
        result: FinalResult,
    },

    /// No final result within the command's time limit.
    #[error("{command}: no answer from {port} within {} ms", after.as_millis())]
    Timeout {
        command: String,
        port: String,
        after: Duration,
    },

    /// A command that should have opened the `> ` prompt ended instead.
    #[error(
        "{command}: the modem answered {result} instead of the '> ' prompt for the message text"
    )]
    NoPrompt {
        command: String,
        result: FinalResult,
    },

    /// The port answered with binary data instead of AT text.
    #[error("{command}: {port} answers with binary data, not AT: it is probably a diagnostics port; use the modem's control (PCUI) port, see `dongle probe`")]
    NotAt { command: String, port: String },

    /// The port went away (stick unplugged or reset) or failed.
    #[error("{port} disappeared during {command}: {cause} (was the stick unplugged or reset? run `dongle list`)")]
    PortGone {
        command: String,
        port: String,
        cause: String,
    },

    /// The caller cancelled the command.
    #[error("{command}: cancelled")]
    Cancelled { command: String },

    /// The command text itself is unsafe to send.
    #[error("refusing to send {command:?}: {reason}")]
    InvalidCommand {
        command: String,
        reason: &'static str,
    },

    /// The response could not be understood.
    #[error(transparent)]
    Parse(#[from] crate::parse::ParseError),
}

impl AtError {
    /// The modem's final result when it rejected the command.
    pub fn result(&self) -> Option<&FinalResult> {
        match self {
            AtError::Rejected { result, .. } => Some(result),
            _ => None,
        }
    }
}
