//! The rows of the matrix: each catalog mode, with the parameters that make its run short and
//! its outcome the same on every run.

use hamms_test::{Error, FaultServer};

/// How long every client waits in total before it gives up (urllib: on each socket operation).
/// Long enough that a loaded machine never turns an answer into a timeout (ureq follows ten
/// redirects within it, curl fifty); modes that make clients wait are set to wait at least twice
/// as long, so that each of them is a timeout, whatever the load. Every client runs all of its
/// jobs at once, so the matrix takes about this long.
pub(super) const CLIENT_TIMEOUT_MS: u64 = 5000;

/// ureq's connect timeout: shorter than its global one, so that a connect that times out is
/// always named `Timeout(Connect)`.
pub(super) const UREQ_CONNECT_TIMEOUT_MS: u64 = 2000;

/// What the clients POST where a row uploads: twice the default HTTP/2 window.
pub(super) const UPLOAD_BYTES: usize = 128 * 1024;

/// The seed of every server of the matrix: the seeded modes send the same bytes to each client.
pub(super) const SEED: u64 = 16;

/// One row: a mode, the parameters it runs with, and what the clients send.
#[derive(Debug)]
pub struct Scenario {
    /// The catalog mode.
    pub mode: &'static str,
    /// Parameters other than the defaults, set on the server.
    pub(super) params: &'static [(&'static str, &'static str)],
    /// The clients speak HTTP/2 with prior knowledge where they can (the HTTP/2 block).
    pub(super) http2: bool,
    /// The clients POST [`UPLOAD_BYTES`] instead of a GET.
    pub(super) upload: bool,
    /// reqwest and hyper send HTTP/2 keep-alive pings (every 250 ms, 1 s to answer), as a
    /// client that watches its connections does: only where pings are the point
    /// (`h2_ping_silence`), so that a server's late acknowledgement on a loaded machine never
    /// decides another row.
    pub(super) pings: bool,
    /// The Rust clients (reqwest, hyper) read the body only once the server has recorded their
    /// report that it overflowed their window (or at their deadline): for
    /// `h2_settings_never_acked`, whose burst overflows a client's window only if nothing the
    /// client read made room in it before the burst was all in. Read as it arrives, the body
    /// races the burst.
    pub(super) body_after_overflow: bool,
    /// The mode acts as soon as it accepts (`act_on = "connect"`), so what it does may reach
    /// the client before or after the client has written its request: a client that tells the
    /// two apart reports one of two things, and its cell names both.
    pub(super) acts_first: Option<EarlyAct>,
}

/// What a mode that acts on connect does before reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EarlyAct {
    /// Writes its answer.
    Writes,
    /// Closes the connection.
    Closes,
}

impl Scenario {
    /// A row with the mode's defaults, a GET over HTTP/1.1.
    const fn mode(mode: &'static str) -> Scenario {
        Scenario {
            mode,
            params: &[],
            http2: false,
            upload: false,
            pings: false,
            body_after_overflow: false,
            acts_first: None,
        }
    }

    const fn with(mut self, params: &'static [(&'static str, &'static str)]) -> Scenario {
        self.params = params;
        self
    }

    /// A row of the HTTP/2 block.
    const fn h2(mode: &'static str) -> Scenario {
        Scenario {
            http2: true,
            ..Scenario::mode(mode)
        }
    }

    const fn acts_first(mut self, act: EarlyAct) -> Scenario {
        self.acts_first = Some(act);
        self
    }

    const fn pings(mut self) -> Scenario {
        self.pings = true;
        self
    }

    const fn upload(mut self) -> Scenario {
        self.upload = true;
        self
    }

    const fn body_after_overflow(mut self) -> Scenario {
        self.body_after_overflow = true;
        self
    }

    /// The set-up column: the parameters, a POST if it is one, and the pings if they are sent.
    pub fn setup(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|(name, value)| format!("`{name}={value}`"))
            .collect();
        if self.upload {
            parts.push(format!("POST of {} KiB", UPLOAD_BYTES / 1024));
        }
        if self.pings {
            parts.push("keep-alive pings".to_owned());
        }
        if self.body_after_overflow {
            parts.push("body read after the overflow".to_owned());
        }
        parts.join(", ")
    }

    /// Starts a server of its own for one client's run; with `request_first`, one that waits
    /// for the request before it writes (`act_on = "request"`), for the other side of the race
    /// of a mode that acts first (the `acts_first` field).
    ///
    /// # Errors
    /// If the table names a mode or parameter the catalog lacks.
    pub(super) fn start(&self, request_first: bool) -> Result<FaultServer, Error> {
        let mut builder = FaultServer::builder(self.mode).seed(SEED);
        for (name, value) in self.params {
            builder = builder.param(name, value);
        }
        if request_first {
            builder = builder.param("act_on", "request");
        }
        builder.start()
    }
}

/// Every catalog mode, in catalog order, and the second looks some of them deserve.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::mode("refused"),
    Scenario::mode("no_response"),
    Scenario::mode("empty_on_connect").acts_first(EarlyAct::Closes),
    Scenario::mode("empty_after_request"),
    Scenario::mode("malformed_on_connect").acts_first(EarlyAct::Writes),
    Scenario::mode("malformed_after_request"),
    // The drips' first byte comes after one interval: past every client's timeout.
    Scenario::mode("slow_drip").with(&[("interval_ms", "10000")]),
    Scenario::mode("very_slow_drip"),
    Scenario::mode("sleep").with(&[("sleep", "10")]),
    Scenario::mode("status").with(&[("status", "503")]),
    Scenario::mode("content_length_mismatch").acts_first(EarlyAct::Writes),
    Scenario::mode("fat_header"),
    Scenario::mode("fat_header").with(&[("size", "1048576")]),
    Scenario::mode("retry_counter"),
    Scenario::mode("fail_rate").with(&[("failrate", "1")]),
    Scenario::mode("unparseable_content_type"),
    Scenario::mode("short_body_keep_alive"),
    Scenario::mode("short_body_close"),
    Scenario::mode("no_content_type"),
    Scenario::mode("wrong_content_type"),
    Scenario::mode("dropped_bytes"),
    Scenario::mode("binary_body"),
    Scenario::mode("close_mid_headers"),
    Scenario::mode("reset_by_peer"),
    Scenario::mode("reset_mid_body"),
    Scenario::mode("random_data_then_close"),
    Scenario::mode("malformed_chunk"),
    Scenario::mode("chunked_dribble").with(&[("chunks", "5"), ("duration_ms", "100")]),
    Scenario::mode("redirect_loop"),
    Scenario::mode("bad_gzip"),
    Scenario::mode("infinite_body"),
    Scenario::mode("connect_timeout"),
    Scenario::mode("fixture"),
    Scenario::mode("tls_ok"),
    Scenario::mode("tls_handshake_timeout"),
    Scenario::mode("tls_self_signed"),
    Scenario::mode("tls_expired"),
    Scenario::mode("tls_not_yet_valid"),
    Scenario::mode("tls_wrong_host"),
    Scenario::mode("tls_untrusted_root"),
    Scenario::mode("tls12_only"),
    Scenario::mode("tls13_only"),
    Scenario::mode("tls_client_cert_required"),
    Scenario::mode("tls_garbage_handshake"),
    Scenario::h2("h2_goaway"),
    Scenario::h2("h2_refused_stream"),
    Scenario::h2("h2_rst_stream"),
    // A GET fits in any window; an upload past it stalls.
    Scenario::h2("h2_flow_stall").upload(),
    Scenario::h2("h2_max_streams_1").with(&[("delay_ms", "10")]),
    // Answers later than the clients' keep-alive pings time out (reqwest and hyper send them).
    Scenario::h2("h2_ping_silence")
        .with(&[("delay_ms", "10000")])
        .pings(),
    // The overflow is seen every time only if the client makes no room before the burst is in.
    Scenario::h2("h2_settings_never_acked").body_after_overflow(),
    Scenario::h2("h2_protocol_error"),
    Scenario::h2("h2_huge_headers"),
];
