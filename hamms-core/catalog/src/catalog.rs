//! The catalog: the one table of failure modes.
//!
//! Everything else reads this table: [`Behavior::mode`](crate::Behavior::mode) and the server
//! builder look modes up here, parameters are validated against it, `hamms serve` binds
//! `base + offset` for each entry, `hamms catalog` prints it, the attribute macro checks its
//! arguments against it at compile time and the README's table is generated from it.
//!
//! Design note: the table is data only. Each entry names its behavior with an [`Action`] (a
//! [`Handler`], for most), which the typed view (`engine/mode.rs`) turns into the typed mode the
//! engine serves; so the table compiles without the engine, for the attribute macro. Adding a
//! mode is one entry here, one `Handler` (unless it shares one) with its typed parameters in
//! `engine/mode.rs`, and its behavior in hamms-core's `modes/`.

use std::fmt;

use crate::choices::{
    ActOn, AfterBody, Certificate, ClientCert, GrpcCode, HTTP2_ERROR_CODES, Versions,
};
use crate::error::{Invalid, ParamOwner, closest};
use crate::names;
use crate::params::{ParamKind, ParamSpec};

/// One failure mode: its name, its Hamms-compatible port offset, what it does and its parameters.
///
/// ```
/// use hamms_catalog::ModeSpec;
/// let drip = ModeSpec::named("slow_drip")?;
/// assert_eq!(drip.offset(), 6);
/// assert_eq!(drip.params()[0].name(), "interval_ms");
/// assert_eq!(drip.params()[0].default_value(), "5000");
/// # Ok::<(), hamms_catalog::Invalid>(())
/// ```
pub struct ModeSpec {
    name: &'static str,
    offset: u16,
    summary: &'static str,
    params: &'static [ParamSpec],
    action: Action,
}

/// What the engine does for a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Keep the port bound but not listening, so that connecting is refused.
    Refuse,
    /// Keep the listen queue full and never accept, so that connecting never completes.
    Stall,
    /// Accept connections and serve each with this handler.
    Serve(Handler),
    /// Accept connections and answer what the test programs, over HTTP/1.1 and HTTP/2 (over
    /// TLS, ALPN offers `h2`): the fixture.
    Fixture,
    /// The same as `Serve`, for a mode that is itself about TLS: clients must speak TLS to it,
    /// and the handler runs (or withholds, or botches) the handshake itself.
    ServeTls(Handler),
    /// Accept connections and serve them over HTTP/2 (prior knowledge, or `h2` by ALPN over
    /// TLS) with this fault.
    ServeHttp2(Http2Fault),
    /// Accept connections and answer their gRPC calls (over HTTP/2: prior knowledge, or `h2`
    /// by ALPN over TLS) with this fault.
    ServeGrpc(GrpcFault),
    /// A behavior or toxic of the chaos proxy (an entry of the proxy's table, not of the
    /// catalog): the proxy engine relays with it.
    Relay(StageKind),
}

/// The chaos proxy's behaviors and toxics, one per entry of its table: what the engine matches
/// on, through the typed [`Stage`](crate::stages::Stage) each entry's parameters make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StageKind {
    Dummy,
    Blackout,
    Delay,
    Error,
    Hang,
    Transient,
    Abort,
    Latency,
    Bandwidth,
    SlowClose,
    Timeout,
    ResetPeer,
    Slicer,
    LimitData,
    Down,
}

/// The behaviors the modes are made of: one per function of `modes/`. Several entries share one
/// (the `*_on_connect` / `*_after_request` twins, the TLS block) and differ in defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    NoResponse,
    Empty,
    Malformed,
    Reset,
    ContentLengthMismatch,
    SlowDrip,
    Sleep,
    Status,
    FatHeader,
    UnparseableContentType,
    ShortBody,
    RedirectLoop,
    RetryCounter,
    FailRate,
    NoContentType,
    WrongContentType,
    DroppedBytes,
    BinaryBody,
    MalformedChunk,
    ChunkedDribble,
    BadGzip,
    InfiniteBody,
    CloseMidHeaders,
    ResetMidBody,
    RandomDataThenClose,
    TlsHandshake,
}

/// The faults of the HTTP/2 block: one HTTP/2 engine (`modes/http2/`) serves them all, each
/// shaping its connection's settings, the frames it withholds, and what each stream gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Http2Fault {
    GoAway,
    RefusedStream,
    RstStream,
    FlowStall,
    MaxStreams1,
    PingSilence,
    SettingsNeverAcked,
    ProtocolError,
    HugeHeaders,
}

/// The faults of the gRPC block: the HTTP/2 engine (`modes/http2/`) serves them, and each
/// shapes what a call gets (`modes/grpc/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrpcFault {
    /// `grpc_status` and `grpc_trailers_only`: the same status, in trailers after the response
    /// headers or, if `trailers_only`, in the response's only HEADERS frame.
    Status {
        trailers_only: bool,
    },
    RetryPushback,
    Deadline,
    ResetMidMessage,
    BadLength,
    CompressedWithoutEncoding,
    OversizedMessage,
    MissingStatus,
    HttpError,
    GoAwayAfter,
    SlowStream,
}

impl ModeSpec {
    /// Looks a mode up by name.
    ///
    /// # Errors
    /// [`Invalid::UnknownMode`], naming every valid mode and the closest one to `name`.
    pub fn named(name: &str) -> Result<&'static ModeSpec, Invalid> {
        find(name).ok_or_else(|| Invalid::UnknownMode {
            name: name.to_owned(),
            suggestion: closest(name, names()),
            valid: names(),
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

    /// Whether the mode is about TLS itself (the TLS block): clients must speak TLS to it.
    /// Other modes speak TLS when their `tls` parameter says so.
    pub fn speaks_tls(&self) -> bool {
        matches!(self.action, Action::ServeTls(_))
    }

    /// Whether the mode speaks HTTP/2 (the fixture, the HTTP/2 and the gRPC blocks): over TLS,
    /// ALPN offers it `h2`.
    pub fn speaks_http2(&self) -> bool {
        matches!(
            self.action,
            Action::Fixture | Action::ServeHttp2(_) | Action::ServeGrpc(_)
        )
    }

    /// What its parameters belong to, for error messages.
    pub(crate) fn owner(&self) -> ParamOwner {
        match self.action {
            Action::Relay(_) => ParamOwner::ProxyBehavior(self.name),
            _ => ParamOwner::Mode(self.name),
        }
    }

    /// A behavior of the chaos proxy, which has no port of its own (offset 0).
    pub(crate) const fn proxy_stage(
        name: &'static str,
        summary: &'static str,
        params: &'static [ParamSpec],
        action: Action,
    ) -> ModeSpec {
        ModeSpec {
            name,
            offset: 0,
            summary,
            params,
            action,
        }
    }

    /// What the engine does for it.
    pub(crate) fn action(&self) -> Action {
        self.action
    }

    /// Whether it is the fixture, which reads no parameter from requests.
    pub(crate) fn is_fixture(&self) -> bool {
        self.action == Action::Fixture
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

/// Every mode of the catalog, in offset order: its name, port offset, summary and parameters.
///
/// ```
/// let drip = hamms_catalog::modes().iter().find(|m| m.name() == "slow_drip").unwrap();
/// assert_eq!(drip.offset(), 6);
/// ```
pub fn modes() -> &'static [ModeSpec] {
    &CATALOG
}

/// The mode `name`, if the catalog has one.
pub(crate) fn find(name: &str) -> Option<&'static ModeSpec> {
    CATALOG.iter().find(|m| m.name == name)
}

/// Every mode's name, in offset order.
pub(crate) fn names() -> Vec<&'static str> {
    CATALOG.iter().map(|m| m.name).collect()
}

/// When the `*_on_connect` / `*_after_request` modes act; their entries differ only in default.
const fn act_on(default: &'static str) -> ParamSpec {
    ParamSpec::at_start(ParamSpec::new(
        names::ACT_ON,
        ParamKind::Choice {
            choices: ActOn::NAMES,
        },
        default,
        "`connect`: as soon as the connection is accepted, before reading; `request`: once the first request bytes arrive",
    ))
}

/// What the short-body modes do after the body; their entries differ only in default.
const fn after_body(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        names::AFTER_BODY,
        ParamKind::Choice {
            choices: AfterBody::NAMES,
        },
        default,
        "`keep_open`: the connection stays open, even if the client asked to close, so the client waits; `close`: the client sees EOF mid-body",
    )
}

const SHORT_BY: ParamSpec = ParamSpec::new(
    names::SHORT_BY,
    ParamKind::Integer {
        min: 1,
        max: 1 << 30,
    },
    "2000",
    "how many bytes Content-Length promises beyond the body",
);

/// Serving any mode that speaks HTTP over TLS instead, with a certificate from the test CA.
const TLS: ParamSpec = ParamSpec::at_start(ParamSpec::new(
    names::TLS,
    ParamKind::Flag,
    "false",
    "serve over TLS, with a certificate from the test CA",
));

const fn interval(default: &'static str, doc: &'static str) -> ParamSpec {
    ParamSpec::new(
        names::INTERVAL_MS,
        ParamKind::Millis { max: 600_000 },
        default,
        doc,
    )
}

/// A count (of bytes, chunks...) from 1 to `max`.
const fn amount(
    name: &'static str,
    default: &'static str,
    max: u64,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec::new(name, ParamKind::Integer { min: 1, max }, default, doc)
}

const MIB: u64 = 1024 * 1024;

const fn certificate(default: &'static str) -> ParamSpec {
    ParamSpec::at_start(ParamSpec::new(
        names::CERTIFICATE,
        ParamKind::Choice {
            choices: Certificate::NAMES,
        },
        default,
        "the certificate presented; all but `valid` fail a client that trusts the test CA",
    ))
}

const fn versions(default: &'static str) -> ParamSpec {
    ParamSpec::at_start(ParamSpec::new(
        names::VERSIONS,
        ParamKind::Choice {
            choices: Versions::NAMES,
        },
        default,
        "the TLS versions offered",
    ))
}

const fn client_cert(default: &'static str) -> ParamSpec {
    ParamSpec::at_start(ParamSpec::new(
        names::CLIENT_CERT,
        ParamKind::Choice {
            choices: ClientCert::NAMES,
        },
        default,
        "`required`: the handshake fails without a client certificate from the test CA",
    ))
}

/// The TLS block's entries: one behavior, three parameters, defaults per entry.
macro_rules! tls_mode {
    ($name:literal, $offset:literal, $summary:literal, $certificate:literal, $versions:literal, $client_cert:literal) => {
        ModeSpec {
            name: $name,
            offset: $offset,
            summary: $summary,
            params: &[
                certificate($certificate),
                versions($versions),
                client_cert($client_cert),
            ],
            action: Action::ServeTls(Handler::TlsHandshake),
        }
    };
}

/// The HTTP/2 modes' `error_code` parameter, by name.
const fn error_code(default: &'static str, doc: &'static str) -> ParamSpec {
    ParamSpec::new(
        names::ERROR_CODE,
        ParamKind::Choice {
            choices: HTTP2_ERROR_CODES,
        },
        default,
        doc,
    )
}

/// How long an HTTP/2 mode waits before it answers a request.
const fn answer_delay(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        names::DELAY_MS,
        ParamKind::Millis { max: 600_000 },
        default,
        "how long each answer waits once its request has arrived",
    )
}

/// The gRPC status a gRPC mode ends its calls with.
const fn grpc_code(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        names::CODE,
        ParamKind::Choice {
            choices: GrpcCode::NAMES,
        },
        default,
        "the gRPC status code, by name",
    )
}

/// The `grpc-message` a gRPC mode sends with its status.
const fn grpc_message(default: &'static str) -> ParamSpec {
    ParamSpec::new(
        names::MESSAGE,
        ParamKind::Text { max_len: 1024 },
        default,
        "the status message (`grpc-message`, percent-encoded on the wire)",
    )
}

/// The largest message hamms sends whole (`grpc_oversized_message`).
const GRPC_MESSAGE_MAX: u64 = 64 * MIB;

static CATALOG: [ModeSpec; 64] = [
    // The Hamms block: offsets and behaviors of Hamms 1.3.
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
        params: &[TLS],
        action: Action::Serve(Handler::NoResponse),
    },
    ModeSpec {
        name: "empty_on_connect",
        offset: 2,
        summary: "closes at once with 0 bytes, before reading",
        params: &[act_on("connect"), TLS],
        action: Action::Serve(Handler::Empty),
    },
    ModeSpec {
        name: "empty_after_request",
        offset: 3,
        summary: "closes with 0 bytes once the first request bytes arrive",
        params: &[act_on("request"), TLS],
        action: Action::Serve(Handler::Empty),
    },
    ModeSpec {
        name: "malformed_on_connect",
        offset: 4,
        summary: "sends `foo bar` (no CRLF) on connect, then closes",
        params: &[act_on("connect"), TLS],
        action: Action::Serve(Handler::Malformed),
    },
    ModeSpec {
        name: "malformed_after_request",
        offset: 5,
        summary: "sends `foo bar` once the first request bytes arrive, then closes",
        params: &[act_on("request"), TLS],
        action: Action::Serve(Handler::Malformed),
    },
    ModeSpec {
        name: "slow_drip",
        offset: 6,
        summary: "after the request, a valid 204 response one byte per interval (default 5 s)",
        params: &[
            interval("5000", "delay before each byte of the response"),
            TLS,
        ],
        action: Action::Serve(Handler::SlowDrip),
    },
    ModeSpec {
        name: "very_slow_drip",
        offset: 7,
        summary: "after the request, a valid 204 response one byte per interval (default 30 s)",
        params: &[
            interval("30000", "delay before each byte of the response"),
            TLS,
        ],
        action: Action::Serve(Handler::SlowDrip),
    },
    ModeSpec {
        name: "sleep",
        offset: 8,
        summary: "waits `sleep` seconds, then 200 JSON echoing the request headers",
        params: &[
            ParamSpec::new(
                names::SLEEP,
                ParamKind::Seconds { max: 3600.0 },
                "5",
                "seconds to wait before answering",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::Sleep),
    },
    ModeSpec {
        name: "status",
        offset: 9,
        summary: "answers with status `status`, httpbin style (Location on 30x, WWW-Authenticate on 401)",
        params: &[
            ParamSpec::new(
                names::STATUS,
                ParamKind::Integer { min: 100, max: 599 },
                "200",
                "the status code to answer with",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::Status),
    },
    ModeSpec {
        name: "content_length_mismatch",
        offset: 10,
        summary: "on connect: 200 with Content-Length: 3 and keep-alive, then 1 MiB of `a`, then closes; clients that honor the length read a 3-byte 200, the rest awaits the next request",
        params: &[act_on("connect"), TLS],
        action: Action::Serve(Handler::ContentLengthMismatch),
    },
    ModeSpec {
        name: "fat_header",
        offset: 11,
        summary: "200 with a `Cookie` response header of `size` bytes; the default 63 KiB passes curl, urllib, reqwest, ureq and hyper (not fetch: 16 KiB), 1 MiB none of them",
        params: &[
            ParamSpec::new(
                names::SIZE,
                ParamKind::Integer {
                    min: 0,
                    max: 16 * MIB,
                },
                "64512",
                "length of the Cookie header value in bytes",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::FatHeader),
    },
    ModeSpec {
        name: "retry_counter",
        offset: 12,
        summary: "per `key`, every `tries`-th request gets 200, the others 500; GET /counter reads the counts, POST /counter resets them",
        params: &[
            ParamSpec::new(
                names::KEY,
                ParamKind::Text { max_len: 256 },
                "default",
                "the counter this request counts against",
            ),
            ParamSpec::new(
                names::TRIES,
                ParamKind::Integer {
                    min: 1,
                    max: 1_000_000,
                },
                "3",
                "every tries-th request of a key succeeds",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::RetryCounter),
    },
    ModeSpec {
        name: "fail_rate",
        offset: 13,
        summary: "drops the connection with probability `failrate` (seeded), else 200 {\"success\": true}",
        params: &[
            ParamSpec::new(
                names::FAILRATE,
                ParamKind::Probability,
                "0.05",
                "probability that a request's connection is dropped unanswered",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::FailRate),
    },
    ModeSpec {
        name: "unparseable_content_type",
        offset: 14,
        summary: "200 with a Content-Type the request's Accept does not allow (text/morse when it allows all)",
        params: &[TLS],
        action: Action::Serve(Handler::UnparseableContentType),
    },
    ModeSpec {
        name: "short_body_keep_alive",
        offset: 15,
        summary: "a Content-Length larger than the body, connection left open: the client hangs",
        params: &[after_body("keep_open"), SHORT_BY, TLS],
        action: Action::Serve(Handler::ShortBody),
    },
    ModeSpec {
        name: "short_body_close",
        offset: 16,
        summary: "a Content-Length larger than the body, the body, then close: EOF mid-body",
        params: &[after_body("close"), SHORT_BY, TLS],
        action: Action::Serve(Handler::ShortBody),
    },
    // Hamms' "not implemented yet" list, and the faults WireMock users rely on.
    ModeSpec {
        name: "no_content_type",
        offset: 17,
        summary: "200 with a JSON body and no Content-Type header",
        params: &[TLS],
        action: Action::Serve(Handler::NoContentType),
    },
    ModeSpec {
        name: "wrong_content_type",
        offset: 18,
        summary: "200 `Content-Type: application/json` over an HTML error page",
        params: &[TLS],
        action: Action::Serve(Handler::WrongContentType),
    },
    ModeSpec {
        name: "dropped_bytes",
        offset: 19,
        summary: "JSON with `count` bytes removed at seeded positions, under the original Content-Length",
        params: &[
            amount(
                names::COUNT,
                "8",
                64,
                "how many bytes to remove from the body",
            ),
            after_body("close"),
            TLS,
        ],
        action: Action::Serve(Handler::DroppedBytes),
    },
    ModeSpec {
        name: "binary_body",
        offset: 20,
        summary: "a 200 of `size` random bytes (seeded) that are not UTF-8, labelled text/plain; charset=utf-8",
        params: &[
            amount(names::SIZE, "1024", 16 * MIB, "length of the body"),
            TLS,
        ],
        action: Action::Serve(Handler::BinaryBody),
    },
    ModeSpec {
        name: "close_mid_headers",
        offset: 21,
        summary: "the status line and the headers up to the middle of the last one, then close; a Content-Length before the cut makes clients that end the headers at the close miss the body",
        params: &[TLS],
        action: Action::Serve(Handler::CloseMidHeaders),
    },
    ModeSpec {
        name: "reset_by_peer",
        offset: 22,
        summary: "a TCP RST (SO_LINGER 0) once the request arrives: the client sees ECONNRESET",
        params: &[TLS],
        action: Action::Serve(Handler::Reset),
    },
    ModeSpec {
        name: "reset_mid_body",
        offset: 23,
        summary: "the headers and half of a `size`-byte body, then a TCP RST",
        params: &[
            amount(
                names::SIZE,
                "2048",
                64 * 1024,
                "the body's promised length; at most 64 KiB, so that its first half surely leaves the socket before the reset",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::ResetMidBody),
    },
    ModeSpec {
        name: "random_data_then_close",
        offset: 24,
        summary: "`size` random bytes (seeded) instead of a status line, then close",
        params: &[
            amount(names::SIZE, "1024", 16 * MIB, "how many random bytes"),
            TLS,
        ],
        action: Action::Serve(Handler::RandomDataThenClose),
    },
    ModeSpec {
        name: "malformed_chunk",
        offset: 25,
        summary: "200 chunked: one good chunk, then a chunk-size line that is not hex, then close",
        params: &[TLS],
        action: Action::Serve(Handler::MalformedChunk),
    },
    ModeSpec {
        name: "chunked_dribble",
        offset: 26,
        summary: "a valid chunked 200 body of `chunks` chunks spread evenly over `duration_ms`",
        params: &[
            amount(names::CHUNKS, "10", 10_000, "how many chunks"),
            ParamSpec::new(
                names::DURATION_MS,
                ParamKind::Millis { max: 600_000 },
                "1000",
                "when the last chunk is sent",
            ),
            TLS,
        ],
        action: Action::Serve(Handler::ChunkedDribble),
    },
    ModeSpec {
        name: "redirect_loop",
        offset: 27,
        summary: "302 to the very URL that was asked for, forever",
        params: &[TLS],
        action: Action::Serve(Handler::RedirectLoop),
    },
    ModeSpec {
        name: "bad_gzip",
        offset: 28,
        summary: "`Content-Encoding: gzip` over a corrupt stream; urllib and hyper's own client do not decompress, and read it as a 200",
        params: &[TLS],
        action: Action::Serve(Handler::BadGzip),
    },
    ModeSpec {
        name: "infinite_body",
        offset: 29,
        summary: "a chunked 200 body that never ends (a chunk every interval)",
        params: &[
            amount(names::CHUNK_SIZE, "1024", MIB, "bytes per chunk"),
            interval("10", "delay between chunks"),
            TLS,
        ],
        action: Action::Serve(Handler::InfiniteBody),
    },
    ModeSpec {
        name: "connect_timeout",
        offset: 30,
        summary: "the listen queue is kept full and never accepted: a new connect() never completes",
        params: &[],
        action: Action::Stall,
    },
    // Not a failure: the fixture's programmable answers (200 with an empty body until a test
    // sets others), a well-behaved port to switch from and back to.
    ModeSpec {
        name: "fixture",
        offset: 31,
        summary: "a well-behaved server over HTTP/1.1 and HTTP/2: 200 with an empty body, or what the test programs",
        params: &[TLS],
        action: Action::Fixture,
    },
    // The TLS block: one handshake, shaped by its three parameters.
    tls_mode!(
        "tls_ok",
        40,
        "a valid certificate for 127.0.0.1, ::1 and localhost from the test CA; a 200 describing the session",
        "valid",
        "any",
        "none"
    ),
    ModeSpec {
        name: "tls_handshake_timeout",
        offset: 41,
        summary: "accepts TCP, never answers the ClientHello",
        params: &[],
        action: Action::ServeTls(Handler::NoResponse),
    },
    tls_mode!(
        "tls_self_signed",
        42,
        "a self-signed certificate",
        "self_signed",
        "any",
        "none"
    ),
    tls_mode!(
        "tls_expired",
        43,
        "a certificate from the test CA that expired a year ago",
        "expired",
        "any",
        "none"
    ),
    tls_mode!(
        "tls_not_yet_valid",
        44,
        "a certificate from the test CA valid from a year from now",
        "not_yet_valid",
        "any",
        "none"
    ),
    tls_mode!(
        "tls_wrong_host",
        45,
        "a certificate from the test CA for another host name (wrong.host.invalid)",
        "wrong_host",
        "any",
        "none"
    ),
    tls_mode!(
        "tls_untrusted_root",
        46,
        "a certificate from a CA the client was never given",
        "untrusted_root",
        "any",
        "none"
    ),
    tls_mode!(
        "tls12_only",
        47,
        "offers only TLS 1.2: a client that speaks it gets the 200 of `tls_ok`",
        "valid",
        "tls12",
        "none"
    ),
    tls_mode!(
        "tls13_only",
        48,
        "offers only TLS 1.3: a client that speaks it gets the 200 of `tls_ok`",
        "valid",
        "tls13",
        "none"
    ),
    tls_mode!(
        "tls_client_cert_required",
        49,
        "demands a client certificate from the test CA",
        "valid",
        "any",
        "required"
    ),
    ModeSpec {
        name: "tls_garbage_handshake",
        offset: 50,
        summary: "answers the ClientHello with `foo bar`, which is not TLS",
        params: &[act_on("request")],
        action: Action::ServeTls(Handler::Malformed),
    },
    // The HTTP/2 block: faults of the protocol's own machinery (streams, flow control, settings,
    // pings), over HTTP/2 with prior knowledge or, with `tls`, by ALPN.
    ModeSpec {
        name: "h2_goaway",
        offset: 60,
        summary: "GOAWAY once a request's headers arrive, its last-stream-id below the request's: not processed, retry on a new connection",
        params: &[error_code("NO_ERROR", "the GOAWAY's error code"), TLS],
        action: Action::ServeHttp2(Http2Fault::GoAway),
    },
    ModeSpec {
        name: "h2_refused_stream",
        offset: 61,
        summary: "RST_STREAM(REFUSED_STREAM) before any response: not processed, safe to retry",
        params: &[TLS],
        action: Action::ServeHttp2(Http2Fault::RefusedStream),
    },
    ModeSpec {
        name: "h2_rst_stream",
        offset: 62,
        summary: "a 200 and `after_bytes` bytes of its body, then RST_STREAM(`error_code`)",
        params: &[
            error_code("INTERNAL_ERROR", "the RST_STREAM's error code"),
            ParamSpec::new(
                names::AFTER_BYTES,
                ParamKind::Integer { min: 0, max: MIB },
                "1024",
                "how many body bytes leave before the reset",
            ),
            TLS,
        ],
        action: Action::ServeHttp2(Http2Fault::RstStream),
    },
    ModeSpec {
        name: "h2_flow_stall",
        offset: 63,
        summary: "never releases flow-control window: a request body stalls after `initial_window` bytes, unanswered",
        params: &[
            ParamSpec::at_start(ParamSpec::new(
                names::INITIAL_WINDOW,
                ParamKind::Integer {
                    min: 0,
                    max: 16 * MIB,
                },
                "65535",
                "the window the server grants (SETTINGS_INITIAL_WINDOW_SIZE, and the connection's); a client that sends before reading it may send up to the default 65535",
            )),
            TLS,
        ],
        action: Action::ServeHttp2(Http2Fault::FlowStall),
    },
    ModeSpec {
        name: "h2_max_streams_1",
        offset: 64,
        summary: "SETTINGS_MAX_CONCURRENT_STREAMS = 1 and each answer `delay_ms` late: concurrent requests queue, each for its 200",
        params: &[answer_delay("1000"), TLS],
        action: Action::ServeHttp2(Http2Fault::MaxStreams1),
    },
    ModeSpec {
        name: "h2_ping_silence",
        offset: 65,
        summary: "answers requests (`delay_ms` late) but never acknowledges a PING: a client's keep-alive timeout fires (curl sends no PINGs)",
        params: &[answer_delay("0"), TLS],
        action: Action::ServeHttp2(Http2Fault::PingSilence),
    },
    ModeSpec {
        name: "h2_settings_never_acked",
        offset: 66,
        summary: "never acknowledges the client's SETTINGS; a `size`-byte answer overflows the window of clients that apply theirs only once acknowledged (hyper; not curl), unless the client reads the body as it arrives and makes room before the rest is in (a race of the client's)",
        params: &[
            amount(
                names::SIZE,
                "131072",
                16 * MIB,
                "length of each answer's body; past 65535 it overflows the window of a client that applies its own SETTINGS only once acknowledged",
            ),
            TLS,
        ],
        action: Action::ServeHttp2(Http2Fault::SettingsNeverAcked),
    },
    ModeSpec {
        name: "h2_protocol_error",
        offset: 67,
        summary: "a malformed frame (DATA on stream 0) once a request has arrived: a connection error",
        params: &[TLS],
        action: Action::ServeHttp2(Http2Fault::ProtocolError),
    },
    ModeSpec {
        name: "h2_huge_headers",
        offset: 68,
        summary: "a response header one byte past the client's SETTINGS_MAX_HEADER_LIST_SIZE (`size` bytes if it announced none)",
        params: &[
            amount(
                names::SIZE,
                "1048576",
                16 * MIB,
                "the header's length for a client that announces no limit (curl refuses one over 100 KiB)",
            ),
            TLS,
        ],
        action: Action::ServeHttp2(Http2Fault::HugeHeaders),
    },
    // The gRPC block: what gRPC servers and the proxies in front of them send wrong, on the
    // HTTP/2 engine. Each reads the whole request, then answers; parameters per call come from
    // request metadata (`hamms-code: NOT_FOUND`), as gRPC clients cannot set a query string.
    ModeSpec {
        name: "grpc_status",
        offset: 70,
        summary: "every call ends with status `code` and `message`: response headers, then trailers, no message",
        params: &[
            grpc_code("UNAVAILABLE"),
            grpc_message("hamms: grpc_status"),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::Status {
            trailers_only: false,
        }),
    },
    ModeSpec {
        name: "grpc_trailers_only",
        offset: 71,
        summary: "status `code` and `message` in a trailers-only response: one HEADERS frame with END_STREAM",
        params: &[
            grpc_code("UNAVAILABLE"),
            grpc_message("hamms: grpc_trailers_only"),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::Status {
            trailers_only: true,
        }),
    },
    ModeSpec {
        name: "grpc_retry_pushback",
        offset: 72,
        summary: "status `code` with `grpc-retry-pushback-ms` (gRPC's retry design A6): a client's retry policy waits `pushback_ms` before its next attempt, or stops (`retry` = false sends -1)",
        params: &[
            grpc_code("UNAVAILABLE"),
            ParamSpec::new(
                names::PUSHBACK_MS,
                ParamKind::Millis { max: 600_000 },
                "200",
                "the pushback: how long the client is to wait before its next attempt",
            ),
            ParamSpec::new(
                names::RETRY,
                ParamKind::Flag,
                "true",
                "`false`: the pushback is -1, which tells the client not to retry at all",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::RetryPushback),
    },
    ModeSpec {
        name: "grpc_deadline",
        offset: 73,
        summary: "answers DEADLINE_EXCEEDED `after_ms` past the deadline the call's `grpc-timeout` sets, never before (a call without one is never answered): the client's deadline fires first",
        params: &[
            ParamSpec::new(
                names::AFTER_MS,
                ParamKind::Millis { max: 600_000 },
                "100",
                "how long past the call's deadline the answer comes",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::Deadline),
    },
    ModeSpec {
        name: "grpc_reset_mid_message",
        offset: 74,
        summary: "the response headers, a message's length prefix (`size` bytes) and half its bytes, then RST_STREAM(`error_code`)",
        params: &[
            error_code("INTERNAL_ERROR", "the RST_STREAM's error code"),
            amount(
                names::SIZE,
                "1024",
                MIB,
                "the length the message's prefix promises",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::ResetMidMessage),
    },
    ModeSpec {
        name: "grpc_bad_length",
        offset: 75,
        summary: "a message whose length prefix promises `size` bytes, half of them, then `grpc-status: 0` and END_STREAM; grpcio drops the cut message and reports the status",
        params: &[
            amount(
                names::SIZE,
                "1024",
                MIB,
                "the length the message's prefix promises",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::BadLength),
    },
    ModeSpec {
        name: "grpc_compressed_without_encoding",
        offset: 76,
        summary: "a message with its compressed flag set though no `grpc-encoding` was agreed, then `grpc-status: 0`",
        params: &[TLS],
        action: Action::ServeGrpc(GrpcFault::CompressedWithoutEncoding),
    },
    ModeSpec {
        name: "grpc_oversized_message",
        offset: 77,
        summary: "one message of `size` bytes, by default one byte past the 4 MiB clients accept, then `grpc-status: 0`",
        params: &[
            amount(
                names::SIZE,
                "4194305",
                GRPC_MESSAGE_MAX,
                "the message's length (clients accept 4 MiB = 4194304 by default)",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::OversizedMessage),
    },
    ModeSpec {
        name: "grpc_missing_status",
        offset: 78,
        summary: "the response headers and an empty message, then END_STREAM with no `grpc-status`; tonic takes the message as the answer",
        params: &[TLS],
        action: Action::ServeGrpc(GrpcFault::MissingStatus),
    },
    ModeSpec {
        name: "grpc_http_error",
        offset: 79,
        summary: "HTTP `status` (502, 503, 429, 404...) with an HTML error page and `content-type: text/html`, as a proxy in front of a gRPC service sends",
        params: &[
            ParamSpec::new(
                names::STATUS,
                ParamKind::Integer { min: 400, max: 599 },
                "502",
                "the HTTP status (gRPC clients map 404 to UNIMPLEMENTED, 429, 502, 503 and 504 to UNAVAILABLE)",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::HttpError),
    },
    ModeSpec {
        name: "grpc_goaway_after",
        offset: 80,
        summary: "answers `calls` calls on each connection (OK, an empty message), then GOAWAY(NO_ERROR) naming the last: the client must reconnect, and retry calls the GOAWAY left out",
        params: &[
            amount(
                names::CALLS,
                "1",
                1_000_000,
                "how many calls a connection answers before its GOAWAY",
            ),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::GoAwayAfter),
    },
    ModeSpec {
        name: "grpc_slow_stream",
        offset: 81,
        summary: "a server stream of `messages` empty messages `interval_ms` apart (the first at once), then OK: a client's deadline for the whole stream fires if it is shorter",
        params: &[
            amount(
                names::MESSAGES,
                "10",
                100_000,
                "how many messages the stream sends",
            ),
            interval("100", "the time between two messages"),
            TLS,
        ],
        action: Action::ServeGrpc(GrpcFault::SlowStream),
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
        for mode in modes() {
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
    fn every_mode_that_serves_without_tls_of_its_own_can_serve_over_tls() {
        for mode in modes() {
            let takes_tls = mode.params().iter().any(|p| p.name() == "tls");
            let serves_plain = matches!(
                mode.action,
                Action::Serve(_) | Action::ServeHttp2(_) | Action::ServeGrpc(_) | Action::Fixture
            );
            assert_eq!(takes_tls, serves_plain, "{}", mode.name);
        }
    }

    #[test]
    fn the_http2_block_is_60_to_69_and_named_h2() {
        for mode in modes() {
            let http2 = matches!(mode.action, Action::ServeHttp2(_));
            assert_eq!(http2, (60..70).contains(&mode.offset), "{}", mode.name);
            assert_eq!(http2, mode.name.starts_with("h2_"), "{}", mode.name);
        }
    }

    #[test]
    fn the_grpc_block_starts_at_70_is_named_grpc_and_speaks_http2() {
        for mode in modes() {
            let grpc = matches!(mode.action, Action::ServeGrpc(_));
            assert_eq!(grpc, mode.offset >= 70, "{}", mode.name);
            assert_eq!(grpc, mode.name.starts_with("grpc_"), "{}", mode.name);
            let http2 = matches!(mode.action, Action::ServeHttp2(_));
            assert_eq!(mode.speaks_http2(), http2 || grpc || mode.name == "fixture");
        }
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        match ModeSpec::named("slow_drp") {
            Err(Invalid::UnknownMode { suggestion, .. }) => {
                assert_eq!(suggestion, Some("slow_drip"))
            }
            other => panic!("{other:?}"),
        }
    }
}
