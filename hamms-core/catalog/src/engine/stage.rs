//! [`Stage`]: a stage of a proxy behavior with its options typed, made once from the validated
//! options of an entry of the proxy's table: what the relays match on.

use std::time::Duration;

use crate::catalog::{Action, StageKind};
use crate::choices::Direction;
use crate::names;
use crate::params::Params;

/// What every toxic of Toxiproxy takes: a direction, and the chance it applies to a connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Toxic {
    /// Which bytes it acts on.
    pub direction: Direction,
    /// The probability that it applies to a connection, from 0 to 1.
    pub toxicity: f64,
}

/// A stage of a proxy behavior with its options, typed: what the relays match on. Made once from
/// the validated parameters of an entry of the proxy's table ([`Stage::of`]). The proxy's
/// table (`stages.rs`) says what each does; the fields are its options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    /// Vaurien's `dummy`: pass-through.
    Dummy,
    /// Vaurien's `blackout`: resets.
    Blackout,
    /// Vaurien's `delay`.
    Delay {
        /// How long each call waits.
        sleep: Duration,
        /// Before the call reaches the backend (else: before the answer reaches the client).
        before: bool,
    },
    /// Vaurien's `error`.
    Error {
        /// tcp: random bytes injected into the backend's data instead of replacing the answer.
        inject: bool,
        /// Calls that pass through before errors begin.
        warmup: u64,
    },
    /// Vaurien's `hang`.
    Hang,
    /// Vaurien's `transient`.
    Transient {
        /// Calls that fail first.
        agitate: u64,
    },
    /// Vaurien's `abort`.
    Abort,
    /// Toxiproxy's `latency`.
    Latency {
        /// Added to each piece of data.
        latency: Duration,
        /// At most this much more or less (seeded).
        jitter: Duration,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `bandwidth`.
    Bandwidth {
        /// Bytes per second.
        rate: u64,
        /// One rate for every connection of the proxy.
        shared: bool,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `slow_close`.
    SlowClose {
        /// How long the close waits.
        delay: Duration,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `timeout`.
    Timeout {
        /// Zero: never closes, a black hole.
        timeout: Duration,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `reset_peer`.
    ResetPeer {
        /// How long before the reset.
        timeout: Duration,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `slicer`.
    Slicer {
        /// Average piece size in bytes.
        average_size: usize,
        /// At most this many bytes more or less per piece (seeded).
        size_variation: usize,
        /// Between pieces.
        delay: Duration,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `limit_data`.
    LimitData {
        /// Bytes let through before the close.
        bytes: u64,
        /// Its direction and toxicity.
        toxic: Toxic,
    },
    /// Toxiproxy's `enabled=false`: the listener closed.
    Down,
}

impl Stage {
    /// The typed stage that `params`, validated parameters of an entry of the proxy's table,
    /// describe.
    ///
    /// # Panics
    /// If `params` belong to a catalog mode rather than to the proxy's table (an engine bug:
    /// proxy behaviors are only made from the proxy's table).
    pub fn of(params: &Params) -> Stage {
        let Action::Relay(kind) = params.spec().action() else {
            panic!(
                "`{}` is a catalog mode, not a proxy stage",
                params.spec().name()
            );
        };
        let toxic = || Toxic {
            direction: params.choice(names::DIRECTION, Direction::parse),
            toxicity: params.decimal(names::TOXICITY),
        };
        match kind {
            StageKind::Dummy => Stage::Dummy,
            StageKind::Blackout => Stage::Blackout,
            StageKind::Delay => Stage::Delay {
                sleep: params.seconds(names::SLEEP),
                before: params.flag(names::BEFORE),
            },
            StageKind::Error => Stage::Error {
                inject: params.flag(names::INJECT),
                warmup: params.integer(names::WARMUP),
            },
            StageKind::Hang => Stage::Hang,
            StageKind::Transient => Stage::Transient {
                agitate: params.integer(names::AGITATE),
            },
            StageKind::Abort => Stage::Abort,
            StageKind::Latency => Stage::Latency {
                latency: params.millis(names::LATENCY),
                jitter: params.millis(names::JITTER),
                toxic: toxic(),
            },
            StageKind::Bandwidth => Stage::Bandwidth {
                // KB/s as Toxiproxy counts them: 1000 bytes.
                rate: params.integer(names::RATE).saturating_mul(1000),
                shared: params.flag(names::SHARED),
                toxic: toxic(),
            },
            StageKind::SlowClose => Stage::SlowClose {
                delay: params.millis(names::DELAY),
                toxic: toxic(),
            },
            StageKind::Timeout => Stage::Timeout {
                timeout: params.millis(names::TIMEOUT),
                toxic: toxic(),
            },
            StageKind::ResetPeer => Stage::ResetPeer {
                timeout: params.millis(names::TIMEOUT),
                toxic: toxic(),
            },
            StageKind::Slicer => Stage::Slicer {
                average_size: params.size(names::AVERAGE_SIZE),
                size_variation: params.size(names::SIZE_VARIATION),
                delay: Duration::from_micros(params.integer(names::DELAY)),
                toxic: toxic(),
            },
            StageKind::LimitData => Stage::LimitData {
                bytes: params.integer(names::BYTES),
                toxic: toxic(),
            },
            StageKind::Down => Stage::Down,
        }
    }

    /// The direction and toxicity of a toxic; `None` for Vaurien's behaviors, which act on calls.
    pub fn toxic(&self) -> Option<Toxic> {
        match self {
            Stage::Latency { toxic, .. }
            | Stage::Bandwidth { toxic, .. }
            | Stage::SlowClose { toxic, .. }
            | Stage::Timeout { toxic, .. }
            | Stage::ResetPeer { toxic, .. }
            | Stage::Slicer { toxic, .. }
            | Stage::LimitData { toxic, .. } => Some(*toxic),
            Stage::Dummy
            | Stage::Blackout
            | Stage::Delay { .. }
            | Stage::Error { .. }
            | Stage::Hang
            | Stage::Transient { .. }
            | Stage::Abort
            | Stage::Down => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::{proxy_behaviors, stage};

    #[test]
    fn every_entry_makes_its_typed_stage_with_the_table_defaults_and_with_each_option_set() {
        for spec in proxy_behaviors() {
            let stage = Stage::of(&Params::defaults(spec));
            let takes_direction = spec.params().iter().any(|p| p.name() == names::DIRECTION);
            assert_eq!(stage.toxic().is_some(), takes_direction, "{}", spec.name());
            // Every option, at its bounds: the typed view reads each one as its kind.
            for param in spec.params() {
                for value in crate::engine::mode::tests::bounds(param.kind()) {
                    let mut params = Params::defaults(spec);
                    params.set(param.name(), &value).expect("a value in range");
                    let _ = Stage::of(&params);
                }
            }
        }
        let mut latency = Params::defaults(stage("latency").unwrap());
        latency.set("latency", "300").unwrap();
        latency.set("direction", "upstream").unwrap();
        assert_eq!(
            Stage::of(&latency),
            Stage::Latency {
                latency: Duration::from_millis(300),
                jitter: Duration::ZERO,
                toxic: Toxic {
                    direction: Direction::Upstream,
                    toxicity: 1.0
                },
            }
        );
    }
}
