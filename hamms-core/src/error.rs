//! The one error type of hamms-core. Every message names the fix or the valid choices.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::catalog;

/// Everything that can go wrong when configuring, starting or querying a hamms server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A mode name that is not in the catalog.
    #[error("unknown mode `{name}`{}; valid modes: {}", did_you_mean(*.suggestion), catalog::names().join(", "))]
    UnknownMode {
        /// The name that was asked for.
        name: String,
        /// The closest valid name, when one is close.
        suggestion: Option<&'static str>,
    },

    /// A proxy behavior name that is not in the proxy's table.
    #[error("unknown proxy behavior `{name}`{}; valid behaviors: {}", did_you_mean(*.suggestion), crate::proxy::stage_names().join(", "))]
    UnknownProxyBehavior {
        /// The name that was asked for.
        name: String,
        /// The closest valid name, when one is close.
        suggestion: Option<&'static str>,
    },

    /// A proxy behavior mix that does not parse, such as `20:delay,80`.
    #[error(
        "invalid proxy behavior `{spec}`: {reason}; write a name (`delay`), toxics stacked with `+` (`latency+bandwidth`), or weighted choices (`20:delay,80:dummy`)"
    )]
    InvalidProxySpec {
        /// What was given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A proxy protocol other than `tcp` and `http`.
    #[error("unknown proxy protocol `{name}`; valid protocols: tcp, http")]
    UnknownProtocol {
        /// The name that was asked for.
        name: String,
    },

    /// A parameter the mode does not take.
    #[error("mode `{mode}` has no parameter `{param}`{}; {}", did_you_mean(*.suggestion), valid_params(mode))]
    UnknownParam {
        /// The mode that was being configured.
        mode: &'static str,
        /// The parameter name that was given.
        param: String,
        /// The closest valid parameter name, when one is close.
        suggestion: Option<&'static str>,
    },

    /// A parameter value outside its documented range, or of the wrong type.
    #[error("parameter `{param}` of mode `{mode}` must be {expected}; got `{value}`")]
    InvalidParam {
        /// The mode that was being configured.
        mode: &'static str,
        /// The parameter.
        param: &'static str,
        /// The value that was given.
        value: String,
        /// What the parameter accepts, e.g. "an integer from 100 to 599".
        expected: String,
    },

    /// The server could not bind its address.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the operating system said (e.g. address in use).
        #[source]
        source: io::Error,
    },

    /// A control API asked to listen beyond loopback without permission.
    #[error(
        "the control API would listen on {addr}, which is not loopback: anyone who reaches it could switch your servers; bind 127.0.0.1 or ::1, or pass --control-allow-remote"
    )]
    RemoteControl {
        /// The address asked for.
        addr: SocketAddr,
    },

    /// A base port so high that a mode's `base + offset` passes 65535.
    #[error("base port {base_port} puts `{mode}` past port 65535; choose a lower base port")]
    PortOutOfRange {
        /// The base port asked for.
        base_port: u16,
        /// The first mode that does not fit.
        mode: &'static str,
    },

    /// A certificate or TLS configuration could not be made (hamms' own certificates: a bug).
    #[error("TLS setup failed: {0}")]
    Tls(String),

    /// The certificate authority kept on disk (for `hamms serve`) cannot be used.
    #[error("the hamms CA at {} cannot be used: {reason}", path.display())]
    CertificateAuthority {
        /// The CA file.
        path: std::path::PathBuf,
        /// What is wrong, and the fix.
        reason: String,
    },

    /// A mode that acts on the listening socket (`refused`, `connect_timeout`) was asked to fail
    /// single requests of a fixture.
    #[error(
        "`{mode}` acts on the listening socket, not on requests, so it cannot fail single requests; fail them with a mode that serves a connection (e.g. `reset_by_peer`, `empty_on_connect`, `status`), or switch the whole server with set_behavior"
    )]
    NotPerRequest {
        /// The mode that was given.
        mode: &'static str,
    },

    /// `HAMMS_SEED` is set but is not a number.
    #[error("HAMMS_SEED must be an unsigned 64-bit integer (e.g. HAMMS_SEED=42); got `{value}`")]
    InvalidSeedEnv {
        /// The value of the variable.
        value: String,
    },

    /// `wait_for_requests` gave up before enough requests arrived.
    #[error(
        "waited {waited:?} for {expected} request(s) but {received} arrived (seed {seed}); recorded:\n{recorded}"
    )]
    WaitTimeout {
        /// How many requests were awaited.
        expected: usize,
        /// How many had arrived when the wait ended.
        received: usize,
        /// How long the wait lasted.
        waited: Duration,
        /// The server's seed, to reproduce the run.
        seed: u64,
        /// The recorded exchanges, formatted for a failure message.
        recorded: String,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

fn valid_params(mode: &str) -> String {
    // Catalog modes and proxy behaviors have distinct names (a unit test checks).
    let names: Vec<&str> = catalog::find(mode)
        .or_else(|| crate::proxy::stage_spec(mode).ok())
        .map(|spec| spec.params().iter().map(|p| p.name()).collect())
        .unwrap_or_default();
    if names.is_empty() {
        format!("`{mode}` takes no parameters")
    } else {
        format!("valid parameters: {}", names.join(", "))
    }
}

/// The closest candidate to `input`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(distance, c)| *distance <= 2.max(c.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_near_typos_only() {
        let names = ["slow_drip", "very_slow_drip", "status"];
        assert_eq!(closest("slow_drp", names), Some("slow_drip"));
        assert_eq!(closest("statsu", names), Some("status"));
        assert_eq!(closest("banana", names), None);
    }

    #[test]
    fn unknown_mode_message_lists_every_mode_and_a_suggestion() {
        let message = Error::UnknownMode {
            name: "slow_drp".into(),
            suggestion: Some("slow_drip"),
        }
        .to_string();
        assert!(message.contains("did you mean `slow_drip`?"), "{message}");
        for name in catalog::names() {
            assert!(message.contains(name), "{name} missing from: {message}");
        }
    }
}
