//! The catalog: the one table of failure modes.
//!
//! Everything else reads this table: [`Behavior::mode`](crate::Behavior::mode) and the server
//! builder look modes up here, parameters are validated against it, `hamms serve` binds
//! `base + offset` for each entry, `hamms catalog` prints it and the README's table is generated
//! from it. Adding a mode is one entry here plus its behavior in `modes/`.

use std::fmt;

use crate::error::{Error, closest};
use crate::modes::{connection, drip, flaky, http};
use crate::params::{ParamKind, ParamSpec};
use crate::server::ServeFn;

/// One failure mode: its name, its Hamms-compatible port offset, what it does and its parameters.
///
/// ```
/// use hamms_core::ModeSpec;
/// let drip = ModeSpec::named("slow_drip")?;
/// assert_eq!(drip.offset(), 6);
/// assert_eq!(drip.params()[0].name(), "interval_ms");
/// assert_eq!(drip.params()[0].default_value(), "5000");
/// # Ok::<(), hamms_core::Error>(())
/// ```
pub struct ModeSpec {
    name: &'static str,
    offset: u16,
    summary: &'static str,
    params: &'static [ParamSpec],
    action: Action,
}

/// What the engine does for a mode.
#[derive(Clone, Copy)]
pub(crate) enum Action {
    /// Keep the port bound but not listening, so that connecting is refused.
    Refuse,
    /// Accept connections and hand each to this function.
    Serve(ServeFn),
}

impl ModeSpec {
    /// Looks a mode up by name.
    ///
    /// # Errors
    /// [`Error::UnknownMode`], naming every valid mode and the closest one to `name`.
    pub fn named(name: &str) -> Result<&'static ModeSpec, Error> {
        find(name).ok_or_else(|| Error::UnknownMode {
            name: name.to_owned(),
            suggestion: closest(name, names()),
        })
    }

    /// The name, e.g. `slow_drip`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The port offset, compatible with Hamms: `hamms serve` binds `base + offset`.
    pub fn offset(&self) -> u16 {
        self.offset
    }

    /// One line on what the mode does.
    pub fn summary(&self) -> &'static str {
        self.summary
    }

    /// The parameters, with their defaults and ranges.
    pub fn params(&self) -> &'static [ParamSpec] {
        self.params
    }

    pub(crate) fn action(&self) -> Action {
        self.action
    }
}

impl fmt::Debug for ModeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModeSpec")
            .field("name", &self.name)
            .field("offset", &self.offset)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// Every mode, in offset order.
pub fn catalog() -> &'static [ModeSpec] {
    &CATALOG
}

pub(crate) fn find(name: &str) -> Option<&'static ModeSpec> {
    CATALOG.iter().find(|m| m.name == name)
}

pub(crate) fn names() -> Vec<&'static str> {
    CATALOG.iter().map(|m| m.name).collect()
}

/// When the `*_on_connect` / `*_after_request` modes act; their entries differ only in default.
const fn act_on(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        "act_on",
        ParamKind::Choice {
            choices: &["connect", "request"],
        },
        default,
        "`connect`: as soon as the connection is accepted, before reading; `request`: once the first request bytes arrive",
    )
}

/// What the short-body modes do after the body; their entries differ only in default.
const fn after_body(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        "after_body",
        ParamKind::Choice {
            choices: &["keep_open", "close"],
        },
        default,
        "`keep_open`: the connection stays open, even if the client asked to close, so the client waits; `close`: the client sees EOF mid-body",
    )
}

const SHORT_BY: ParamSpec = ParamSpec::new(
    "short_by",
    ParamKind::Integer {
        min: 1,
        max: 1 << 30,
    },
    "2000",
    "how many bytes Content-Length promises beyond the body",
);

const fn interval(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        "interval_ms",
        ParamKind::Millis { max: 600_000 },
        default,
        "delay before each byte of the response",
    )
}

static CATALOG: [ModeSpec; 17] = [
    ModeSpec {
        name: "refused",
        offset: 0,
        summary: "nothing listens: connect() is refused (ECONNREFUSED)",
        params: &[],
        action: Action::Refuse,
    },
    ModeSpec {
        name: "no_response",
        offset: 1,
        summary: "accepts and reads, never answers, never closes",
        params: &[],
        action: Action::Serve(connection::no_response),
    },
    ModeSpec {
        name: "empty_on_connect",
        offset: 2,
        summary: "closes at once with 0 bytes, before reading",
        params: &[act_on("connect")],
        action: Action::Serve(connection::empty),
    },
    ModeSpec {
        name: "empty_after_request",
        offset: 3,
        summary: "closes with 0 bytes once the first request bytes arrive",
        params: &[act_on("request")],
        action: Action::Serve(connection::empty),
    },
    ModeSpec {
        name: "malformed_on_connect",
        offset: 4,
        summary: "sends `foo bar` (no CRLF) on connect, then closes",
        params: &[act_on("connect")],
        action: Action::Serve(connection::malformed),
    },
    ModeSpec {
        name: "malformed_after_request",
        offset: 5,
        summary: "sends `foo bar` once the first request bytes arrive, then closes",
        params: &[act_on("request")],
        action: Action::Serve(connection::malformed),
    },
    ModeSpec {
        name: "slow_drip",
        offset: 6,
        summary: "after the request, a valid 204 response one byte per interval (default 5 s)",
        params: &[interval("5000")],
        action: Action::Serve(drip::slow_drip),
    },
    ModeSpec {
        name: "very_slow_drip",
        offset: 7,
        summary: "after the request, a valid 204 response one byte per interval (default 30 s)",
        params: &[interval("30000")],
        action: Action::Serve(drip::slow_drip),
    },
    ModeSpec {
        name: "sleep",
        offset: 8,
        summary: "waits `sleep` seconds, then 200 JSON echoing the request headers",
        params: &[ParamSpec::new(
            "sleep",
            ParamKind::Seconds { max: 3600.0 },
            "5",
            "seconds to wait before answering",
        )],
        action: Action::Serve(http::sleep),
    },
    ModeSpec {
        name: "status",
        offset: 9,
        summary: "answers with status `status`, httpbin style (Location on 30x, WWW-Authenticate on 401)",
        params: &[ParamSpec::new(
            "status",
            ParamKind::Integer { min: 100, max: 599 },
            "200",
            "the status code to answer with",
        )],
        action: Action::Serve(http::status),
    },
    ModeSpec {
        name: "content_length_mismatch",
        offset: 10,
        summary: "on connect: 200 with Content-Length: 3 and keep-alive, then 1 MiB of `a`, then closes",
        params: &[act_on("connect")],
        action: Action::Serve(connection::content_length_mismatch),
    },
    ModeSpec {
        name: "fat_header",
        offset: 11,
        summary: "200 with a `Cookie` response header of `size` bytes",
        params: &[ParamSpec::new(
            "size",
            ParamKind::Integer {
                min: 0,
                max: 16 * 1024 * 1024,
            },
            "64512",
            "length of the Cookie header value in bytes",
        )],
        action: Action::Serve(http::fat_header),
    },
    ModeSpec {
        name: "retry_counter",
        offset: 12,
        summary: "per `key`, every `tries`-th request gets 200, the others 500; GET /counter reads the counts, POST /counter resets them",
        params: &[
            ParamSpec::new(
                "key",
                ParamKind::Text { max_len: 256 },
                "default",
                "the counter this request counts against",
            ),
            ParamSpec::new(
                "tries",
                ParamKind::Integer {
                    min: 1,
                    max: 1_000_000,
                },
                "3",
                "every tries-th request of a key succeeds",
            ),
        ],
        action: Action::Serve(flaky::retry_counter),
    },
    ModeSpec {
        name: "fail_rate",
        offset: 13,
        summary: "drops the connection with probability `failrate` (seeded), else 200 {\"success\": true}",
        params: &[ParamSpec::new(
            "failrate",
            ParamKind::Probability,
            "0.05",
            "probability that a request's connection is dropped unanswered",
        )],
        action: Action::Serve(flaky::fail_rate),
    },
    ModeSpec {
        name: "unparseable_content_type",
        offset: 14,
        summary: "200 with a Content-Type the request's Accept does not allow (text/morse when it allows all)",
        params: &[],
        action: Action::Serve(http::unparseable_content_type),
    },
    ModeSpec {
        name: "short_body_keep_alive",
        offset: 15,
        summary: "a Content-Length larger than the body, connection left open: the client hangs",
        params: &[after_body("keep_open"), SHORT_BY],
        action: Action::Serve(http::short_body),
    },
    ModeSpec {
        name: "short_body_close",
        offset: 16,
        summary: "a Content-Length larger than the body, the body, then close: EOF mid-body",
        params: &[after_body("close"), SHORT_BY],
        action: Action::Serve(http::short_body),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets_are_unique_and_offsets_ascend() {
        for pair in CATALOG.windows(2) {
            assert!(pair[0].offset < pair[1].offset, "{pair:?}");
        }
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
    }

    #[test]
    fn names_are_identifiers_usable_in_attributes_and_urls() {
        for mode in catalog() {
            assert!(
                mode.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                mode.name
            );
        }
    }

    #[test]
    fn the_hamms_block_keeps_hamms_offsets() {
        let hamms = [
            "refused",
            "no_response",
            "empty_on_connect",
            "empty_after_request",
            "malformed_on_connect",
            "malformed_after_request",
            "slow_drip",
            "very_slow_drip",
            "sleep",
            "status",
            "content_length_mismatch",
            "fat_header",
            "retry_counter",
            "fail_rate",
            "unparseable_content_type",
            "short_body_keep_alive",
            "short_body_close",
        ];
        for (offset, name) in hamms.iter().enumerate() {
            assert_eq!(ModeSpec::named(name).unwrap().offset() as usize, offset);
        }
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        match ModeSpec::named("slow_drp") {
            Err(Error::UnknownMode { suggestion, .. }) => assert_eq!(suggestion, Some("slow_drip")),
            other => panic!("{other:?}"),
        }
    }
}
