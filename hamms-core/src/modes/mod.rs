//! The behaviors behind the catalog's modes, one file per family. Each is a `ServeFn`: it gets the
//! connection and its validated parameters and serves, using the recording I/O of `Conn`;
//! `handlers` maps the catalog's [`Handler`](crate::catalog::Handler) names to them.
//!
//! - `connection`: faults below HTTP (hang, empty and malformed answers, the lying length on
//!   connect, resets);
//! - `drip`: a valid response, one byte per interval;
//! - `http`: valid-looking HTTP with something wrong (status, sleep, fat header, content type,
//!   short bodies, redirect loop);
//! - `body`: bodies that are the problem (content types, corrupt bytes, chunking, gzip, endless);
//! - `cut`: responses cut short or replaced (mid-headers close, mid-body reset, garbage);
//! - `flaky`: answers that depend on history or chance (retry counter, fail rate);
//! - `tls`: the TLS block's handshakes;
//! - `http2`: the HTTP/2 block, one engine on the `h2` crate for faults of streams, flow
//!   control, settings and pings;
//! - `grpc`: the gRPC block, on the HTTP/2 engine: what each call gets;
//! - `content`: content negotiation and the canned bodies the `http` modes send.

mod body;
mod connection;
mod content;
mod cut;
mod drip;
mod flaky;
mod grpc;
mod handlers;
mod http;
mod http2;
mod tls;

pub(crate) use handlers::serve;
