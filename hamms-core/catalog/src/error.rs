//! [`Invalid`]: a behavior, parameter or value the tables do not have. Every message names the
//! valid choices (with a did-you-mean when one is close). What can go wrong when a server
//! starts or runs is hamms-core's error, which carries this one.
//!
//! Design note: messages are built from the data each error carries (the valid names come with
//! it), never by looking anything up: this file sits below everything that reports errors.

use std::fmt;

/// What a parameter belongs to: a mode of the catalog or a behavior of the chaos proxy (whose
/// parameters Vaurien and Toxiproxy call options and attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamOwner {
    /// A catalog mode, such as `slow_drip`.
    Mode(&'static str),
    /// A chaos proxy behavior or toxic, such as `latency`.
    ProxyBehavior(&'static str),
}

impl ParamOwner {
    /// The owner's name.
    pub fn name(self) -> &'static str {
        match self {
            ParamOwner::Mode(name) | ParamOwner::ProxyBehavior(name) => name,
        }
    }

    /// What its parameters are called: parameters of a mode, options of a proxy behavior.
    fn noun(self) -> &'static str {
        match self {
            ParamOwner::Mode(_) => "parameter",
            ParamOwner::ProxyBehavior(_) => "option",
        }
    }
}

impl fmt::Display for ParamOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamOwner::Mode(name) => write!(f, "mode `{name}`"),
            ParamOwner::ProxyBehavior(name) => write!(f, "proxy behavior `{name}`"),
        }
    }
}

/// A mode, proxy behavior, parameter or value that the tables refuse, with the valid choices.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Invalid {
    /// A mode name that is not in the catalog.
    #[error("unknown mode `{name}`{}; valid modes: {}", did_you_mean(*.suggestion), .valid.join(", "))]
    UnknownMode {
        /// The name that was asked for.
        name: String,
        /// The closest valid name, when one is close.
        suggestion: Option<&'static str>,
        /// Every valid name.
        valid: Vec<&'static str>,
    },

    /// A mode written with parameters that do not parse, such as `slow_drip(interval_ms)`.
    #[error(
        "invalid mode `{spec}`: {reason}; write a name (`slow_drip`), or a name with its parameters as hamms prints it (`slow_drip(interval_ms=50)`)"
    )]
    InvalidModeSpec {
        /// What was given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A proxy behavior name that is not in the proxy's table.
    #[error("unknown proxy behavior `{name}`{}; valid behaviors: {}", did_you_mean(*.suggestion), .valid.join(", "))]
    UnknownProxyBehavior {
        /// The name that was asked for.
        name: String,
        /// The closest valid name, when one is close.
        suggestion: Option<&'static str>,
        /// Every valid name.
        valid: Vec<&'static str>,
    },

    /// A proxy behavior that does not parse (`20:delay,80`), or that cannot be what it is asked
    /// to be (a catalog mode stacked with toxics, `down` in a mix).
    #[error(
        "invalid proxy behavior `{spec}`: {reason}; write a name (`delay`), toxics stacked with `+` (`latency+bandwidth`), or weighted choices (`20:delay,80:dummy`), each with options if need be (`delay(sleep=0.5)`)"
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

    /// A parameter the mode (or option the proxy behavior) does not take.
    #[error("{owner} has no {} `{param}`{}; {}", owner.noun(), did_you_mean(*.suggestion), valid_params(*.owner, .valid))]
    UnknownParam {
        /// The mode or proxy behavior that was being configured.
        owner: ParamOwner,
        /// The parameter name that was given.
        param: String,
        /// The closest valid parameter name, when one is close.
        suggestion: Option<&'static str>,
        /// Every valid parameter name.
        valid: Vec<&'static str>,
    },

    /// A parameter value outside its documented range, or of the wrong type.
    #[error("{} `{param}` of {owner} must be {expected}; got `{value}`", owner.noun())]
    InvalidParam {
        /// The mode or proxy behavior that was being configured.
        owner: ParamOwner,
        /// The parameter.
        param: &'static str,
        /// The value that was given.
        value: String,
        /// What the parameter accepts, e.g. "an integer from 100 to 599".
        expected: String,
    },
}

impl Invalid {
    /// The parameter (or request key) an error about a parameter is about.
    pub fn param(&self) -> Option<&str> {
        match self {
            Invalid::UnknownParam { param, .. } => Some(param),
            Invalid::InvalidParam { param, .. } => Some(param),
            _ => None,
        }
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

fn valid_params(owner: ParamOwner, valid: &[&str]) -> String {
    if valid.is_empty() {
        format!("`{}` takes no {}s", owner.name(), owner.noun())
    } else {
        format!("valid {}s: {}", owner.noun(), valid.join(", "))
    }
}

/// The closest candidate to `input`, if it is close enough to be a plausible typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let close_enough = |c: &str| 2.max(c.len() / 3);
    let length = input.chars().count();
    candidates
        .into_iter()
        // The distance is at least the difference in length: a name far longer than any
        // candidate (a 64 KiB body sent to the control API) costs no distance computation.
        .filter(|c| c.chars().count().abs_diff(length) <= close_enough(c))
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(distance, c)| *distance <= close_enough(c))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// The candidate `input` was meant to be, when it is no candidate but almost one: the same name
/// in other letter case, or one typo (a letter added, dropped, changed or swapped) away from a
/// name of five letters or more. Stricter than [`closest`], because it decides whether a
/// request's query key is an error: a client's own short keys (`t`, `ts`, `id`, `v`) must not
/// be taken for short parameter names (`tls`, `key`, `size`).
pub fn misspelling_of<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    /// The shortest name a one-letter typo is recognized in.
    const TYPO_MIN_LEN: usize = 5;
    candidates.into_iter().find(|candidate| {
        // One typo changes the length by one at most (names are ASCII): longer keys cost no
        // distance computation.
        *candidate != input
            && candidate.len().abs_diff(input.len()) <= 1
            && (input.eq_ignore_ascii_case(candidate)
                || (candidate.len() >= TYPO_MIN_LEN
                    && strsim::damerau_levenshtein(&input.to_ascii_lowercase(), candidate) == 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelling_is_a_case_change_or_one_typo_in_a_long_name() {
        let names = ["status", "tls", "seed", "interval_ms"];
        assert_eq!(misspelling_of("statuss", names), Some("status"));
        assert_eq!(misspelling_of("statsu", names), Some("status"));
        assert_eq!(misspelling_of("Status", names), Some("status"));
        assert_eq!(misspelling_of("TLS", names), Some("tls"));
        assert_eq!(misspelling_of("intervall_ms", names), Some("interval_ms"));
        // A client's own keys: cache busters, tracing, short names near short parameters.
        for key in [
            "t",
            "ts",
            "tl",
            "_",
            "cb",
            "seeds",
            "send",
            "trace_id",
            "utm_source",
        ] {
            assert_eq!(misspelling_of(key, names), None, "{key}");
        }
        assert_eq!(
            misspelling_of("status", names),
            None,
            "a name is no misspelling"
        );
    }

    #[test]
    fn closest_suggests_near_typos_only() {
        let names = ["slow_drip", "very_slow_drip", "status"];
        assert_eq!(closest("slow_drp", names), Some("slow_drip"));
        assert_eq!(closest("statsu", names), Some("status"));
        assert_eq!(closest("banana", names), None);
    }

    #[test]
    fn unknown_mode_message_lists_every_valid_mode_and_a_suggestion() {
        let message = Invalid::UnknownMode {
            name: "slow_drp".into(),
            suggestion: Some("slow_drip"),
            valid: vec!["slow_drip", "status"],
        }
        .to_string();
        assert_eq!(
            message,
            "unknown mode `slow_drp` (did you mean `slow_drip`?); valid modes: slow_drip, status"
        );
    }

    #[test]
    fn a_proxy_behavior_has_options_where_a_mode_has_parameters() {
        let message = Invalid::UnknownParam {
            owner: ParamOwner::ProxyBehavior("latency"),
            param: "sleep".into(),
            suggestion: None,
            valid: vec!["latency", "jitter"],
        }
        .to_string();
        assert_eq!(
            message,
            "proxy behavior `latency` has no option `sleep`; valid options: latency, jitter"
        );
        let message = Invalid::UnknownParam {
            owner: ParamOwner::Mode("refused"),
            param: "x".into(),
            suggestion: None,
            valid: vec![],
        }
        .to_string();
        assert_eq!(
            message,
            "mode `refused` has no parameter `x`; `refused` takes no parameters"
        );
    }
}
