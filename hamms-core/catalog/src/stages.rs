//! The chaos proxy's vocabulary: its behaviors (Vaurien's, with its option names and defaults,
//! and Toxiproxy's toxics, with their attribute names and units), one table like the catalog's,
//! and the protocols it relays.

use std::fmt;
use std::str::FromStr;

use crate::catalog::{Action, ModeSpec, StageKind};
use crate::choices::Direction;
use crate::error::{Invalid, closest};
use crate::names;
use crate::params::{ParamKind, ParamSpec};

/// What a proxy understands of the traffic it relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Bytes, both ways: behaviors apply per connection. The default.
    #[default]
    Tcp,
    /// HTTP/1.x requests and responses: behaviors apply per request, `error` answers a 5xx.
    Http,
}

impl FromStr for Protocol {
    type Err = Invalid;

    fn from_str(name: &str) -> Result<Protocol, Invalid> {
        match name {
            "tcp" => Ok(Protocol::Tcp),
            "http" => Ok(Protocol::Http),
            other => Err(Invalid::UnknownProtocol {
                name: other.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Http => "http",
        })
    }
}

/// Which way a toxic acts: on what the backend sends (`downstream`, Toxiproxy's default) or on
/// what the client sends (`upstream`).
const DIRECTION: ParamSpec = ParamSpec::new(
    names::DIRECTION,
    ParamKind::Choice {
        choices: Direction::NAMES,
    },
    "downstream",
    "`downstream`: bytes from the backend to the client; `upstream`: from the client to the backend",
);

/// The chance that a toxic applies to a connection, rolled once per connection (seeded).
const TOXICITY: ParamSpec = ParamSpec::new(
    names::TOXICITY,
    ParamKind::Probability,
    "1",
    "the probability that the toxic applies to a connection (rolled, seeded, when the toxic takes effect on it: as it opens, or at the change for a connection already open)",
);

const fn millis(name: &'static str, default: &'static str, doc: &'static str) -> ParamSpec {
    ParamSpec::new(name, ParamKind::Millis { max: 3_600_000 }, default, doc)
}

static STAGES: [ModeSpec; 15] = [
    // Vaurien.
    ModeSpec::proxy_stage(
        "dummy",
        "passes everything through, both ways, half-closes included",
        &[],
        Action::Relay(StageKind::Dummy),
    ),
    ModeSpec::proxy_stage(
        "blackout",
        "resets connections: new ones at once, open ones at their next call (the client sees ECONNRESET)",
        &[],
        Action::Relay(StageKind::Blackout),
    ),
    ModeSpec::proxy_stage(
        "delay",
        "waits `sleep` seconds before each call reaches the backend (or, `before=false`, before its answer reaches the client)",
        &[
            ParamSpec::new(
                names::SLEEP,
                ParamKind::Seconds { max: 3600.0 },
                "1",
                "seconds to wait",
            ),
            ParamSpec::new(
                names::BEFORE,
                ParamKind::Flag,
                "true",
                "`true`: before the backend is called; `false`: after it answered",
            ),
        ],
        Action::Relay(StageKind::Delay),
    ),
    ModeSpec::proxy_stage(
        "error",
        "http: answers a random 500, 501, 502 or 503 instead of the backend; tcp: random bytes instead of the answer (or, `inject=true`, inside it)",
        &[
            ParamSpec::new(
                names::INJECT,
                ParamKind::Flag,
                "false",
                "tcp: inject random bytes into the backend's data instead of replacing it",
            ),
            ParamSpec::new(
                names::WARMUP,
                ParamKind::Integer {
                    min: 0,
                    max: 1_000_000_000,
                },
                "0",
                "how many calls pass through before errors begin",
            ),
        ],
        Action::Relay(StageKind::Error),
    ),
    ModeSpec::proxy_stage(
        "hang",
        "reads what the client sends and never answers (open connections: from their next call)",
        &[],
        Action::Relay(StageKind::Hang),
    ),
    ModeSpec::proxy_stage(
        "transient",
        "the first `agitate` calls get an error, then everything passes",
        &[ParamSpec::new(
            names::AGITATE,
            ParamKind::Integer {
                min: 1,
                max: 1_000_000_000,
            },
            "5",
            "how many calls fail first",
        )],
        Action::Relay(StageKind::Transient),
    ),
    ModeSpec::proxy_stage(
        "abort",
        "forwards the call to the backend, then cuts both connections without an answer",
        &[],
        Action::Relay(StageKind::Abort),
    ),
    // Toxiproxy.
    ModeSpec::proxy_stage(
        "latency",
        "delays each piece of data by `latency` ms, plus or minus up to `jitter` ms",
        &[
            millis(
                names::LATENCY,
                "0",
                "milliseconds added to each piece of data",
            ),
            millis(
                names::JITTER,
                "0",
                "at most this many milliseconds more or less (seeded)",
            ),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::Latency),
    ),
    ModeSpec::proxy_stage(
        "bandwidth",
        "limits the rate to `rate` KB/s, per connection or (`shared=true`) for the whole proxy",
        &[
            ParamSpec::new(
                names::RATE,
                ParamKind::Integer {
                    min: 1,
                    max: 10_000_000,
                },
                "100",
                "kilobytes (1000 bytes) per second",
            ),
            ParamSpec::new(
                names::SHARED,
                ParamKind::Flag,
                "false",
                "`true`: one rate shared by every connection of the proxy",
            ),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::Bandwidth),
    ),
    ModeSpec::proxy_stage(
        "slow_close",
        "delays the close (FIN) by `delay` ms",
        &[
            millis(names::DELAY, "0", "milliseconds before the close passes"),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::SlowClose),
    ),
    ModeSpec::proxy_stage(
        "timeout",
        "stops all data and closes the connection after `timeout` ms (0: never closes, a black hole); the clock starts as the connection opens, or at the change",
        &[
            millis(
                names::TIMEOUT,
                "0",
                "milliseconds before closing; 0 never closes",
            ),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::Timeout),
    ),
    ModeSpec::proxy_stage(
        "reset_peer",
        "resets the connection (TCP RST) `timeout` ms after it opens, or after the change for a connection already open",
        &[
            millis(names::TIMEOUT, "0", "milliseconds before the reset"),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::ResetPeer),
    ),
    ModeSpec::proxy_stage(
        "slicer",
        "cuts data into pieces of `average_size` bytes (plus or minus `size_variation`), `delay` microseconds apart",
        &[
            ParamSpec::new(
                names::AVERAGE_SIZE,
                ParamKind::Integer {
                    min: 1,
                    max: 16 * 1024 * 1024,
                },
                "64",
                "average piece size in bytes",
            ),
            ParamSpec::new(
                names::SIZE_VARIATION,
                ParamKind::Integer {
                    min: 0,
                    max: 16 * 1024 * 1024,
                },
                "0",
                "at most this many bytes more or less per piece (seeded)",
            ),
            ParamSpec::new(
                names::DELAY,
                ParamKind::Integer {
                    min: 0,
                    max: 60_000_000,
                },
                "0",
                "microseconds between pieces",
            ),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::Slicer),
    ),
    ModeSpec::proxy_stage(
        "limit_data",
        "closes the connection once `bytes` bytes have passed (counted from the change, for a connection already open)",
        &[
            ParamSpec::new(
                names::BYTES,
                ParamKind::Integer {
                    min: 0,
                    max: u64::MAX >> 1,
                },
                "0",
                "bytes let through before closing",
            ),
            DIRECTION,
            TOXICITY,
        ],
        Action::Relay(StageKind::LimitData),
    ),
    ModeSpec::proxy_stage(
        "down",
        "the proxy's listener is closed: connecting is refused, and open connections are closed",
        &[],
        Action::Relay(StageKind::Down),
    ),
];

/// The chaos proxy's behaviors and toxics, in the order of its table: their names, what they do
/// and their options, as [`Behavior::proxy`](crate::Behavior::proxy) takes them.
///
/// ```
/// let latency = hamms_catalog::proxy_behaviors().iter().find(|b| b.name() == "latency").unwrap();
/// assert_eq!(latency.params()[0].name(), "latency");
/// ```
pub fn proxy_behaviors() -> &'static [ModeSpec] {
    &STAGES
}

/// The proxy behavior `name`.
pub(crate) fn stage(name: &str) -> Result<&'static ModeSpec, Invalid> {
    STAGES
        .iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| Invalid::UnknownProxyBehavior {
            name: name.to_owned(),
            suggestion: closest(name, names()),
            valid: names(),
        })
}

/// Every proxy behavior's name, in the table's order.
pub(crate) fn names() -> Vec<&'static str> {
    STAGES.iter().map(ModeSpec::name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    #[test]
    fn every_default_parses_and_names_are_unique() {
        for stage in &STAGES {
            let _ = Params::defaults(stage);
        }
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), STAGES.len());
    }

    #[test]
    fn no_proxy_behavior_shares_a_name_with_a_catalog_mode() {
        for name in names() {
            assert!(crate::catalog::find(name).is_none(), "{name}");
        }
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        match stage("dumy") {
            Err(Invalid::UnknownProxyBehavior { suggestion, .. }) => {
                assert_eq!(suggestion, Some("dummy"));
            }
            other => panic!("{other:?}"),
        }
    }
}
