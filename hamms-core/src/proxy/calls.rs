//! Vaurien's behaviors act on calls: each read of the client (tcp), each request (http). What
//! a call meets is decided when it arrives, under the behavior in force then.

use std::time::Duration;

use super::state::ProxyState;
use crate::engine::Stage;

/// What becomes of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// Relay it, after waiting `delay` (`delay` with `before=true`); then, if `abort`, cut both
    /// connections without an answer.
    Pass { delay: Duration, abort: bool },
    /// Answer an error instead (`error` past its warmup, `transient` while agitated).
    Fail,
    /// Reset the connection (`blackout`).
    Blackout,
    /// Swallow it and never answer (`hang`).
    Hang,
}

impl Call {
    /// Counts one call of the proxy and decides it under `stages`.
    pub(super) fn decide(stages: &[Stage], state: &ProxyState) -> Call {
        let seen = state.count_call();
        let mut call = Call::Pass {
            delay: Duration::ZERO,
            abort: false,
        };
        for stage in stages {
            call = match (*stage, call) {
                (Stage::Blackout, _) | (_, Call::Blackout) => Call::Blackout,
                (Stage::Hang, _) | (_, Call::Hang) => Call::Hang,
                (Stage::Transient { agitate }, _) if seen < agitate => Call::Fail,
                (
                    Stage::Error {
                        inject: false,
                        warmup,
                    },
                    _,
                ) if seen >= warmup => Call::Fail,
                (_, Call::Fail) => Call::Fail,
                (
                    Stage::Delay {
                        sleep,
                        before: true,
                    },
                    Call::Pass { abort, .. },
                ) => Call::Pass {
                    delay: sleep,
                    abort,
                },
                (Stage::Abort, Call::Pass { delay, .. }) => Call::Pass { delay, abort: true },
                (_, pass) => pass,
            };
        }
        call
    }
}

/// How long the backend's answers wait before they reach the client (`delay` with
/// `before=false`).
pub(super) fn answer_delay(stages: &[Stage]) -> Duration {
    stages
        .iter()
        .filter_map(|stage| match *stage {
            Stage::Delay {
                sleep,
                before: false,
            } => Some(sleep),
            _ => None,
        })
        .max()
        .unwrap_or_default()
}

/// Whether the backend's data gets random bytes injected (`error` with `inject=true`, past its
/// warmup).
pub(super) fn injects(stages: &[Stage], state: &ProxyState) -> bool {
    stages.iter().any(|stage| {
        matches!(*stage, Stage::Error { inject: true, warmup } if state.calls_seen() > warmup)
    })
}

/// Whether the connection hangs: nothing passes either way.
pub(super) fn hangs(stages: &[Stage]) -> bool {
    stages.contains(&Stage::Hang)
}
