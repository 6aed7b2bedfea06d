//! [`Mode`]: a catalog mode as the engine serves it, its parameters typed. Made once from the
//! validated parameters of a catalog entry, when the behavior is built ([`Configured`]), and
//! again for a request that overrides them ([`Configured::for_request`]), the way [`Stage::of`]
//! types a proxy's stages.
//!
//! Design note: this file is the one place that reads a mode's parameters by name (the names
//! are `names.rs`'s constants, shared with the table), each into the type its kind and meaning
//! call for: a `Duration`, a bounded integer, an enum of the choice's words. The unit tests
//! build every entry's typed view with each parameter at its bounds, so a typed view that reads
//! what its entry does not declare fails there, not in a test of a user's.
//!
//! [`Stage::of`]: super::Stage::of

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::catalog::{Action, GrpcFault, Handler, Http2Fault, ModeSpec};
use crate::choices::{
    ActOn, AfterBody, Certificate, ClientCert, GrpcCode, Versions, http2_error_code,
};
use crate::error::Invalid;
use crate::names;
use crate::params::Params;

/// What a catalog mode does, with its parameters typed (all but `tls`, which
/// [`Configured::tls`] says). Not `non_exhaustive`: a new mode must be served, so the engine's
/// match on it should stop compiling until it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// `refused`: the port stays bound but does not listen.
    Refused,
    /// `connect_timeout`: the listen queue is kept full, never accepted.
    ConnectTimeout,
    /// `fixture`: the answers the test programs.
    Fixture,
    /// `no_response`, `tls_handshake_timeout`: reads, never answers.
    NoResponse,
    /// `empty_on_connect`, `empty_after_request`: closes with 0 bytes.
    Empty(ActOn),
    /// `malformed_on_connect`, `malformed_after_request`, `tls_garbage_handshake`: `foo bar`.
    Malformed(ActOn),
    /// `reset_by_peer`: a TCP RST once the request arrived.
    Reset,
    /// `content_length_mismatch`: a 3-byte promise, then a megabyte.
    ContentLengthMismatch(ActOn),
    /// `slow_drip`, `very_slow_drip`.
    SlowDrip(SlowDrip),
    /// `sleep`.
    Sleep(Sleep),
    /// `status`.
    Status(Status),
    /// `fat_header`.
    FatHeader(Size),
    /// `unparseable_content_type`.
    UnparseableContentType,
    /// `short_body_keep_alive`, `short_body_close`.
    ShortBody(ShortBody),
    /// `redirect_loop`.
    RedirectLoop,
    /// `retry_counter`.
    RetryCounter(RetryCounter),
    /// `fail_rate`.
    FailRate(FailRate),
    /// `no_content_type`.
    NoContentType,
    /// `wrong_content_type`.
    WrongContentType,
    /// `dropped_bytes`.
    DroppedBytes(DroppedBytes),
    /// `binary_body`.
    BinaryBody(Size),
    /// `malformed_chunk`.
    MalformedChunk,
    /// `chunked_dribble`.
    ChunkedDribble(ChunkedDribble),
    /// `bad_gzip`.
    BadGzip,
    /// `infinite_body`.
    InfiniteBody(InfiniteBody),
    /// `close_mid_headers`.
    CloseMidHeaders,
    /// `reset_mid_body`.
    ResetMidBody(Size),
    /// `random_data_then_close`.
    RandomDataThenClose(Size),
    /// The TLS block's handshakes (`tls_ok` to `tls_client_cert_required`).
    Tls(TlsProfile),
    /// The HTTP/2 block.
    Http2(Http2),
    /// The gRPC block.
    Grpc(Grpc),
}

/// Whether, and by whom, a mode's connections speak TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain TCP.
    None,
    /// The engine performs the handshake with the test CA before the mode serves (`tls=true`).
    ByEngine,
    /// The mode is about TLS itself (the TLS block): it runs, withholds or botches the
    /// handshake.
    ByMode,
}

/// What a behavior wants of the listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Listen and accept.
    Accept,
    /// Keep the port, refuse connections (`refused`, `down`).
    Refuse,
    /// Keep the listen queue full, never accept (`connect_timeout`).
    Stall,
}

/// Typed parameters made from validated ones: once when the behavior is built, again for a
/// request that overrides them. `()` for a mode that reads none.
pub trait FromParams: Sized {
    /// The typed view of `params`, validated parameters of an entry these are made for.
    ///
    /// # Panics
    /// If `params` belong to an entry that lacks one of them (an engine bug the unit tests rule
    /// out).
    fn from_params(params: &Params) -> Self;
}

impl FromParams for () {
    fn from_params(_: &Params) -> Self {}
}

/// `slow_drip`: a byte every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlowDrip {
    /// Before each byte of the response.
    pub interval: Duration,
}

impl FromParams for SlowDrip {
    fn from_params(params: &Params) -> Self {
        SlowDrip {
            interval: params.millis(names::INTERVAL_MS),
        }
    }
}

/// `sleep`: how long to wait before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sleep {
    /// The wait.
    pub sleep: Duration,
}

impl FromParams for Sleep {
    fn from_params(params: &Params) -> Self {
        Sleep {
            sleep: params.seconds(names::SLEEP),
        }
    }
}

/// `status`: the status code to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// From 100 to 599.
    pub status: u16,
}

impl FromParams for Status {
    fn from_params(params: &Params) -> Self {
        let status = params.integer(names::STATUS);
        Status {
            // The table bounds it to 100..=599.
            status: u16::try_from(status).unwrap_or(u16::MAX),
        }
    }
}

/// A size in bytes: `fat_header`'s header, `binary_body`'s body, `reset_mid_body`'s promised
/// body, `random_data_then_close`'s garbage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Bytes, as the entry bounds them (at most 16 MiB).
    pub size: usize,
}

impl FromParams for Size {
    fn from_params(params: &Params) -> Self {
        Size {
            size: params.size(names::SIZE),
        }
    }
}

/// `short_body_*`: a `Content-Length` `short_by` bytes past the body, then `after_body`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortBody {
    /// What becomes of the connection after the body.
    pub after_body: AfterBody,
    /// How many bytes the length promises beyond the body.
    pub short_by: u64,
}

impl FromParams for ShortBody {
    fn from_params(params: &Params) -> Self {
        ShortBody {
            after_body: params.choice(names::AFTER_BODY, AfterBody::parse),
            short_by: params.integer(names::SHORT_BY),
        }
    }
}

/// `retry_counter`: per `key`, every `tries`-th request succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryCounter {
    /// The counter this request counts against.
    pub key: String,
    /// From 1.
    pub tries: u64,
}

impl FromParams for RetryCounter {
    fn from_params(params: &Params) -> Self {
        RetryCounter {
            key: params.text(names::KEY).to_owned(),
            tries: params.integer(names::TRIES),
        }
    }
}

/// `fail_rate`: the probability that a request's connection is dropped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailRate {
    /// From 0 to 1.
    pub failrate: f64,
}

impl FromParams for FailRate {
    fn from_params(params: &Params) -> Self {
        FailRate {
            failrate: params.decimal(names::FAILRATE),
        }
    }
}

/// `dropped_bytes`: `count` bytes removed, then `after_body`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DroppedBytes {
    /// From 1 to 64.
    pub count: usize,
    /// What becomes of the connection after the body.
    pub after_body: AfterBody,
}

impl FromParams for DroppedBytes {
    fn from_params(params: &Params) -> Self {
        DroppedBytes {
            count: params.size(names::COUNT),
            after_body: params.choice(names::AFTER_BODY, AfterBody::parse),
        }
    }
}

/// `chunked_dribble`: `chunks` chunks spread over `duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkedDribble {
    /// From 1 to 10 000.
    pub chunks: u32,
    /// When the last chunk is sent.
    pub duration: Duration,
}

impl FromParams for ChunkedDribble {
    fn from_params(params: &Params) -> Self {
        let chunks = params.integer(names::CHUNKS);
        ChunkedDribble {
            // The table bounds it to 10 000.
            chunks: u32::try_from(chunks).unwrap_or(u32::MAX),
            duration: params.millis(names::DURATION_MS),
        }
    }
}

/// `infinite_body`: a chunk of `chunk_size` bytes every `interval`, forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfiniteBody {
    /// Bytes per chunk, at most 1 MiB.
    pub chunk_size: usize,
    /// Between chunks.
    pub interval: Duration,
}

impl FromParams for InfiniteBody {
    fn from_params(params: &Params) -> Self {
        InfiniteBody {
            chunk_size: params.size(names::CHUNK_SIZE),
            interval: params.millis(names::INTERVAL_MS),
        }
    }
}

/// The TLS block's handshake: the certificate presented, the versions offered, whether a
/// client certificate is demanded. Set at start only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TlsProfile {
    /// The certificate presented.
    pub certificate: Certificate,
    /// The versions offered.
    pub versions: Versions,
    /// Whether a client certificate from the test CA is demanded.
    pub client_cert: ClientCert,
}

impl FromParams for TlsProfile {
    fn from_params(params: &Params) -> Self {
        TlsProfile {
            certificate: params.choice(names::CERTIFICATE, Certificate::parse),
            versions: params.choice(names::VERSIONS, Versions::parse),
            client_cert: params.choice(names::CLIENT_CERT, ClientCert::parse),
        }
    }
}

/// A fault of the HTTP/2 block, with its parameters. Error codes are RFC 9113's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http2 {
    /// `h2_goaway`: GOAWAY below the request's stream.
    GoAway {
        /// The GOAWAY's error code.
        error_code: u32,
    },
    /// `h2_refused_stream`.
    RefusedStream,
    /// `h2_rst_stream`: `after_bytes` of a 200's body, then RST_STREAM.
    RstStream {
        /// The RST_STREAM's error code.
        error_code: u32,
        /// Body bytes sent before the reset, at most 1 MiB.
        after_bytes: usize,
    },
    /// `h2_flow_stall`: the window granted, never given back.
    FlowStall {
        /// SETTINGS_INITIAL_WINDOW_SIZE, at most 16 MiB.
        initial_window: u32,
    },
    /// `h2_max_streams_1`: one stream at a time, each answer late.
    MaxStreams1 {
        /// How late each answer is.
        delay: Duration,
    },
    /// `h2_ping_silence`: answers, never acknowledges a PING.
    PingSilence {
        /// How late each answer is.
        delay: Duration,
    },
    /// `h2_settings_never_acked`: a `size`-byte answer under unacknowledged settings.
    SettingsNeverAcked {
        /// The answer's body, at most 16 MiB.
        size: usize,
    },
    /// `h2_protocol_error`: DATA on stream 0.
    ProtocolError,
    /// `h2_huge_headers`: a header past the client's limit, or of `size` bytes.
    HugeHeaders {
        /// The header's length for a client that announced no limit, at most 16 MiB.
        size: usize,
    },
}

impl Http2 {
    fn of(fault: Http2Fault, params: &Params) -> Http2 {
        let error_code = || params.choice(names::ERROR_CODE, http2_error_code);
        match fault {
            Http2Fault::GoAway => Http2::GoAway {
                error_code: error_code(),
            },
            Http2Fault::RefusedStream => Http2::RefusedStream,
            Http2Fault::RstStream => Http2::RstStream {
                error_code: error_code(),
                after_bytes: params.size(names::AFTER_BYTES),
            },
            Http2Fault::FlowStall => {
                let window = params.integer(names::INITIAL_WINDOW);
                Http2::FlowStall {
                    // The table bounds it to 16 MiB.
                    initial_window: u32::try_from(window).unwrap_or(u32::MAX),
                }
            }
            Http2Fault::MaxStreams1 => Http2::MaxStreams1 {
                delay: params.millis(names::DELAY_MS),
            },
            Http2Fault::PingSilence => Http2::PingSilence {
                delay: params.millis(names::DELAY_MS),
            },
            Http2Fault::SettingsNeverAcked => Http2::SettingsNeverAcked {
                size: params.size(names::SIZE),
            },
            Http2Fault::ProtocolError => Http2::ProtocolError,
            Http2Fault::HugeHeaders => Http2::HugeHeaders {
                size: params.size(names::SIZE),
            },
        }
    }
}

impl FromParams for Http2 {
    /// # Panics
    /// If `params` are not an HTTP/2 mode's (an engine bug).
    fn from_params(params: &Params) -> Self {
        match params.spec().action() {
            Action::ServeHttp2(fault) => Http2::of(fault, params),
            _ => panic!(
                "hamms: `{}` is not a mode of the HTTP/2 block",
                params.spec().name()
            ),
        }
    }
}

/// A fault of the gRPC block, with its parameters: what every call gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grpc {
    /// `grpc_status`: response headers, then trailers with this status; `grpc_trailers_only`:
    /// the status in the response's only HEADERS frame.
    Status {
        /// The status every call ends with.
        status: GrpcStatusParams,
        /// Whether the status comes in a trailers-only answer (`grpc_trailers_only`), rather
        /// than in trailers after the response headers (`grpc_status`).
        trailers_only: bool,
    },
    /// `grpc_retry_pushback`: a trailers-only status with `grpc-retry-pushback-ms`.
    RetryPushback {
        /// The status (a policy retries only the codes it lists).
        code: GrpcCode,
        /// What the pushback tells the client.
        pushback: Pushback,
    },
    /// `grpc_deadline`: DEADLINE_EXCEEDED `after` past the call's own deadline.
    Deadline {
        /// How long past the deadline the answer comes.
        after: Duration,
    },
    /// `grpc_reset_mid_message`: a message cut by RST_STREAM halfway.
    ResetMidMessage {
        /// The RST_STREAM's error code (RFC 9113's number).
        error_code: u32,
        /// The length the message's prefix promises, at most 1 MiB.
        size: usize,
    },
    /// `grpc_bad_length`: a prefix promising `size` bytes, half of them, then OK.
    BadLength {
        /// The promised length, at most 1 MiB.
        size: usize,
    },
    /// `grpc_compressed_without_encoding`.
    CompressedWithoutEncoding,
    /// `grpc_oversized_message`: one message of `size` bytes.
    OversizedMessage {
        /// The message's length, at most 64 MiB.
        size: usize,
    },
    /// `grpc_missing_status`: END_STREAM without `grpc-status`.
    MissingStatus,
    /// `grpc_http_error`: an HTTP error with an HTML page.
    HttpError {
        /// From 400 to 599.
        status: u16,
    },
    /// `grpc_goaway_after`: `calls` calls per connection, then GOAWAY.
    GoAwayAfter {
        /// From 1.
        calls: u64,
    },
    /// `grpc_slow_stream`: `messages` messages `interval` apart.
    SlowStream {
        /// From 1 to 100 000.
        messages: u32,
        /// Between two messages.
        interval: Duration,
    },
}

/// The status a gRPC mode ends its calls with: `grpc_status`, `grpc_trailers_only`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcStatusParams {
    /// `grpc-status`.
    pub code: GrpcCode,
    /// `grpc-message`, as text (percent-encoded on the wire).
    pub message: String,
}

/// What `grpc-retry-pushback-ms` tells a client whose retry policy reads it (gRPC A6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushback {
    /// Wait this long before the next attempt.
    After(Duration),
    /// Do not retry at all (the header is -1).
    Stop,
}

impl Grpc {
    fn of(fault: GrpcFault, params: &Params) -> Grpc {
        let code = || params.choice(names::CODE, GrpcCode::parse);
        let status = || GrpcStatusParams {
            code: code(),
            message: params.text(names::MESSAGE).to_owned(),
        };
        match fault {
            GrpcFault::Status { trailers_only } => Grpc::Status {
                status: status(),
                trailers_only,
            },
            GrpcFault::RetryPushback => Grpc::RetryPushback {
                code: code(),
                pushback: if params.flag(names::RETRY) {
                    Pushback::After(params.millis(names::PUSHBACK_MS))
                } else {
                    Pushback::Stop
                },
            },
            GrpcFault::Deadline => Grpc::Deadline {
                after: params.millis(names::AFTER_MS),
            },
            GrpcFault::ResetMidMessage => Grpc::ResetMidMessage {
                error_code: params.choice(names::ERROR_CODE, http2_error_code),
                size: params.size(names::SIZE),
            },
            GrpcFault::BadLength => Grpc::BadLength {
                size: params.size(names::SIZE),
            },
            GrpcFault::CompressedWithoutEncoding => Grpc::CompressedWithoutEncoding,
            GrpcFault::OversizedMessage => Grpc::OversizedMessage {
                size: params.size(names::SIZE),
            },
            GrpcFault::MissingStatus => Grpc::MissingStatus,
            GrpcFault::HttpError => {
                let status = params.integer(names::STATUS);
                Grpc::HttpError {
                    // The table bounds it to 400..=599.
                    status: u16::try_from(status).unwrap_or(u16::MAX),
                }
            }
            GrpcFault::GoAwayAfter => Grpc::GoAwayAfter {
                calls: params.integer(names::CALLS),
            },
            GrpcFault::SlowStream => {
                let messages = params.integer(names::MESSAGES);
                Grpc::SlowStream {
                    // The table bounds it to 100 000.
                    messages: u32::try_from(messages).unwrap_or(u32::MAX),
                    interval: params.millis(names::INTERVAL_MS),
                }
            }
        }
    }
}

impl FromParams for Grpc {
    /// # Panics
    /// If `params` are not a gRPC mode's (an engine bug).
    fn from_params(params: &Params) -> Self {
        match params.spec().action() {
            Action::ServeGrpc(fault) => Grpc::of(fault, params),
            _ => panic!(
                "hamms: `{}` is not a mode of the gRPC block",
                params.spec().name()
            ),
        }
    }
}

impl Mode {
    /// The typed mode that `params`, validated parameters of a catalog entry, describe.
    ///
    /// # Panics
    /// If `params` belong to the proxy's table (an engine bug: catalog behaviors are made from
    /// the catalog only).
    fn of(params: &Params) -> Mode {
        let act_on = || params.choice(names::ACT_ON, ActOn::parse);
        let handler = match params.spec().action() {
            Action::Refuse => return Mode::Refused,
            Action::Stall => return Mode::ConnectTimeout,
            Action::Fixture => return Mode::Fixture,
            Action::ServeHttp2(fault) => return Mode::Http2(Http2::of(fault, params)),
            Action::ServeGrpc(fault) => return Mode::Grpc(Grpc::of(fault, params)),
            Action::Serve(handler) | Action::ServeTls(handler) => handler,
            Action::Relay(_) => panic!(
                "hamms: `{}` is a proxy behavior, not a catalog mode",
                params.spec().name()
            ),
        };
        match handler {
            Handler::NoResponse => Mode::NoResponse,
            Handler::Empty => Mode::Empty(act_on()),
            Handler::Malformed => Mode::Malformed(act_on()),
            Handler::Reset => Mode::Reset,
            Handler::ContentLengthMismatch => Mode::ContentLengthMismatch(act_on()),
            Handler::SlowDrip => Mode::SlowDrip(SlowDrip::from_params(params)),
            Handler::Sleep => Mode::Sleep(Sleep::from_params(params)),
            Handler::Status => Mode::Status(Status::from_params(params)),
            Handler::FatHeader => Mode::FatHeader(Size::from_params(params)),
            Handler::UnparseableContentType => Mode::UnparseableContentType,
            Handler::ShortBody => Mode::ShortBody(ShortBody::from_params(params)),
            Handler::RedirectLoop => Mode::RedirectLoop,
            Handler::RetryCounter => Mode::RetryCounter(RetryCounter::from_params(params)),
            Handler::FailRate => Mode::FailRate(FailRate::from_params(params)),
            Handler::NoContentType => Mode::NoContentType,
            Handler::WrongContentType => Mode::WrongContentType,
            Handler::DroppedBytes => Mode::DroppedBytes(DroppedBytes::from_params(params)),
            Handler::BinaryBody => Mode::BinaryBody(Size::from_params(params)),
            Handler::MalformedChunk => Mode::MalformedChunk,
            Handler::ChunkedDribble => Mode::ChunkedDribble(ChunkedDribble::from_params(params)),
            Handler::BadGzip => Mode::BadGzip,
            Handler::InfiniteBody => Mode::InfiniteBody(InfiniteBody::from_params(params)),
            Handler::CloseMidHeaders => Mode::CloseMidHeaders,
            Handler::ResetMidBody => Mode::ResetMidBody(Size::from_params(params)),
            Handler::RandomDataThenClose => Mode::RandomDataThenClose(Size::from_params(params)),
            Handler::TlsHandshake => Mode::Tls(TlsProfile::from_params(params)),
        }
    }
}

/// A catalog mode with its parameters: validated (for display, and for a request's overrides)
/// and typed (what the engine serves).
#[derive(Debug, Clone)]
pub struct Configured {
    params: Params,
    mode: Mode,
    tls: Tls,
}

impl Configured {
    /// Types `params`, validated parameters of a catalog entry.
    pub(crate) fn new(params: Params) -> Configured {
        let mode = Mode::of(&params);
        let tls = if matches!(params.spec().action(), Action::ServeTls(_)) {
            Tls::ByMode
        } else if params.flag(names::TLS) {
            Tls::ByEngine
        } else {
            Tls::None
        };
        Configured { params, mode, tls }
    }

    /// Sets one parameter, given as a user writes it, and types the whole again.
    pub(crate) fn set(&mut self, name: &str, raw: &str) -> Result<(), Invalid> {
        self.params.set(name, raw)?;
        *self = Configured::new(self.params.clone());
        Ok(())
    }

    /// What the mode does, typed.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Whether, and by whom, its connections speak TLS.
    pub fn tls(&self) -> Tls {
        self.tls
    }

    /// Whether the mode does nothing before its client's first byte: it starts by reading (a
    /// request, a TLS ClientHello, the HTTP/2 preface). The engine holds such a connection in
    /// its smallest form until that byte comes; the others act as soon as they accept
    /// (`*_on_connect`).
    pub fn waits_for_client(&self) -> bool {
        if self.tls == Tls::ByEngine {
            // The client's ClientHello starts the handshake.
            return true;
        }
        match self.mode {
            Mode::Empty(act_on) | Mode::Malformed(act_on) | Mode::ContentLengthMismatch(act_on) => {
                act_on == ActOn::Request
            }
            // Never accepted by a listener in those states; should a switch leave one
            // accepted, it closes at once.
            Mode::Refused | Mode::ConnectTimeout => false,
            Mode::Fixture
            | Mode::NoResponse
            | Mode::Reset
            | Mode::SlowDrip(_)
            | Mode::Sleep(_)
            | Mode::Status(_)
            | Mode::FatHeader(_)
            | Mode::UnparseableContentType
            | Mode::ShortBody(_)
            | Mode::RedirectLoop
            | Mode::RetryCounter(_)
            | Mode::FailRate(_)
            | Mode::NoContentType
            | Mode::WrongContentType
            | Mode::DroppedBytes(_)
            | Mode::BinaryBody(_)
            | Mode::MalformedChunk
            | Mode::ChunkedDribble(_)
            | Mode::BadGzip
            | Mode::InfiniteBody(_)
            | Mode::CloseMidHeaders
            | Mode::ResetMidBody(_)
            | Mode::RandomDataThenClose(_)
            | Mode::Tls(_)
            | Mode::Http2(_)
            | Mode::Grpc(_) => true,
        }
    }

    /// What the mode wants of the listening socket.
    pub fn disposition(&self) -> Disposition {
        match self.mode {
            Mode::Refused => Disposition::Refuse,
            Mode::ConnectTimeout => Disposition::Stall,
            _ => Disposition::Accept,
        }
    }

    /// The catalog entry.
    pub fn spec(&self) -> &'static ModeSpec {
        self.params.spec()
    }

    /// `typed`, the part of this mode's typed parameters a mode function reads, for one request
    /// with these query or form `pairs`: as they are (borrowed) when the request overrides
    /// none, else made again from the overridden parameters (see [`Params`] for which keys
    /// count). The fixture reads no parameter from requests: it only refuses those set at
    /// start.
    ///
    /// # Errors
    /// [`Invalid::UnknownParam`] for a misspelt key, [`Invalid::InvalidParam`] for a value out
    /// of range or a parameter set at start.
    pub fn for_request<'a, 'k, T: FromParams + Clone>(
        &self,
        typed: &'a T,
        pairs: impl IntoIterator<Item = (&'k str, &'k str)>,
    ) -> Result<ForRequest<'a, T>, Invalid> {
        let mut pairs = pairs.into_iter().peekable();
        if pairs.peek().is_none() {
            return Ok(ForRequest {
                typed: Cow::Borrowed(typed),
                seed: None,
            });
        }
        let overridden = self.params.overridden_by(pairs)?;
        Ok(ForRequest {
            typed: Cow::Owned(T::from_params(&overridden)),
            seed: overridden.request_seed(),
        })
    }

    /// Whether `key` names one of the mode's parameters: a request that names none needs no
    /// look at its values.
    pub fn declares(&self, key: &str) -> bool {
        self.params.declares(key)
    }
}

impl fmt::Display for Configured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.params.fmt(f)
    }
}

/// A mode's typed parameters for one request, and the request's own seed (`?seed=N`).
#[derive(Debug, Clone)]
pub struct ForRequest<'a, T: Clone> {
    /// The behavior's own (borrowed), or the request's overrides of them.
    pub typed: Cow<'a, T>,
    /// Set by `?seed=N`: the request's random choices are a function of N alone.
    pub seed: Option<u64>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::modes;
    use crate::params::ParamKind;

    /// Values of a parameter of `kind` at the edges of its range, as a user writes them.
    pub(crate) fn bounds(kind: ParamKind) -> Vec<String> {
        match kind {
            ParamKind::Millis { max } => vec!["0".into(), max.to_string()],
            ParamKind::Integer { min, max } => vec![min.to_string(), max.to_string()],
            ParamKind::Seconds { max } => vec!["0".into(), max.to_string()],
            ParamKind::Probability => vec!["0".into(), "1".into()],
            ParamKind::Text { max_len } => vec![String::new(), "k".repeat(max_len)],
            ParamKind::Choice { choices } => choices.iter().map(|c| (*c).to_owned()).collect(),
            ParamKind::Flag => vec!["true".into(), "false".into()],
        }
    }

    #[test]
    fn every_entry_types_its_defaults_and_each_parameter_at_its_bounds() {
        for spec in modes() {
            let _ = Configured::new(Params::defaults(spec));
            for param in spec.params() {
                for value in bounds(param.kind()) {
                    let mut params = Params::defaults(spec);
                    params.set(param.name(), &value).expect("a value in range");
                    let configured = Configured::new(params);
                    // What a request may override is typed again, as each mode function reads it.
                    if param.per_request() {
                        let pairs = [(param.name(), value.as_str())];
                        configured
                            .for_request(&(), pairs)
                            .expect("an override in range");
                    }
                }
            }
        }
    }

    #[test]
    fn only_modes_that_act_on_connect_do_not_wait_for_the_client() {
        let waits = |name: &str, set: &[(&str, &str)]| {
            let mut params = Params::defaults(crate::catalog::find(name).unwrap());
            for (key, value) in set {
                params.set(key, value).unwrap();
            }
            Configured::new(params).waits_for_client()
        };
        for name in [
            "empty_on_connect",
            "malformed_on_connect",
            "content_length_mismatch",
        ] {
            assert!(!waits(name, &[]), "{name} acts at once");
        }
        // Over TLS, even a mode that acts on connect waits for the ClientHello.
        assert!(waits("malformed_on_connect", &[("tls", "true")]));
        for name in [
            "no_response",
            "slow_drip",
            "empty_after_request",
            "fixture",
            "tls_ok",
            "tls_handshake_timeout",
            "h2_goaway",
            "grpc_status",
        ] {
            assert!(waits(name, &[]), "{name} reads first");
        }
    }

    #[test]
    fn parameters_are_typed_as_their_meaning_calls_for() {
        let typed = |name: &str, set: &[(&str, &str)]| {
            let mut params = Params::defaults(crate::catalog::find(name).unwrap());
            for (key, value) in set {
                params.set(key, value).unwrap();
            }
            Configured::new(params)
        };
        assert_eq!(
            typed("slow_drip", &[("interval_ms", "50")]).mode(),
            &Mode::SlowDrip(SlowDrip {
                interval: Duration::from_millis(50)
            })
        );
        assert_eq!(
            typed("sleep", &[("sleep", "0.25")]).mode(),
            &Mode::Sleep(Sleep {
                sleep: Duration::from_millis(250)
            })
        );
        assert_eq!(
            typed("empty_after_request", &[]).mode(),
            &Mode::Empty(ActOn::Request)
        );
        assert_eq!(
            typed("h2_rst_stream", &[("error_code", "CANCEL")]).mode(),
            &Mode::Http2(Http2::RstStream {
                error_code: 8,
                after_bytes: 1024
            })
        );
        assert_eq!(
            typed("tls_expired", &[("versions", "tls12")]).mode(),
            &Mode::Tls(TlsProfile {
                certificate: Certificate::Expired,
                versions: Versions::Tls12,
                client_cert: ClientCert::None,
            })
        );
        assert_eq!(
            typed("grpc_retry_pushback", &[("retry", "false")]).mode(),
            &Mode::Grpc(Grpc::RetryPushback {
                code: GrpcCode::Unavailable,
                pushback: Pushback::Stop,
            })
        );
        assert_eq!(
            typed("grpc_status", &[("code", "NOT_FOUND"), ("message", "gone")]).mode(),
            &Mode::Grpc(Grpc::Status {
                status: GrpcStatusParams {
                    code: GrpcCode::NotFound,
                    message: "gone".to_owned(),
                },
                trailers_only: false,
            })
        );
        assert!(matches!(
            typed("grpc_trailers_only", &[]).mode(),
            Mode::Grpc(Grpc::Status {
                trailers_only: true,
                ..
            })
        ));
        assert_eq!(
            typed("grpc_slow_stream", &[("interval_ms", "5")]).mode(),
            &Mode::Grpc(Grpc::SlowStream {
                messages: 10,
                interval: Duration::from_millis(5),
            })
        );
        assert_eq!(typed("status", &[("tls", "true")]).tls(), Tls::ByEngine);
        assert_eq!(typed("tls_handshake_timeout", &[]).tls(), Tls::ByMode);
        assert_eq!(typed("status", &[]).tls(), Tls::None);
    }

    #[test]
    fn a_request_without_overrides_borrows_the_typed_parameters_and_one_with_them_types_again() {
        let mut params = Params::defaults(crate::catalog::find("status").unwrap());
        params.set("status", "503").unwrap();
        let configured = Configured::new(params);
        let Mode::Status(own) = configured.mode() else {
            panic!("{:?}", configured.mode())
        };
        let plain = configured.for_request(own, []).unwrap();
        assert!(matches!(plain.typed, Cow::Borrowed(_)));
        let overridden = configured
            .for_request(own, [("status", "418"), ("seed", "9")])
            .unwrap();
        assert_eq!(overridden.typed.status, 418);
        assert_eq!(overridden.seed, Some(9));
        let refused = configured
            .for_request(own, [("status", "9000")])
            .unwrap_err();
        assert_eq!(refused.param(), Some("status"));
    }
}
