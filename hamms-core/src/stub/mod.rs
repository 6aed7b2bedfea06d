//! Stubs: answers chosen by matching the request, each of them any catalog fault, with
//! expectations checked when the server drops, and scenarios.
//!
//! Design note: a stub is data ([`Stub`]: matchers, an [`Answer`], an expectation), mounted on
//! a server's [`Stubs`](registry::Stubs), which sits with the server's shared state so that
//! the fixture (HTTP/1.1 and HTTP/2) and the `http` proxy consult the same stubs: the fixture
//! answers a request no stub claims as its plan says (a 404 naming the nearest stubs when the
//! test programmed nothing else), the proxy relays it. A matched stub's answer is resolved for
//! that request (a turn of a sequence, a closure's choice) into a `Resolved`: a response, a
//! catalog mode that serves the request as it would on its own server, or a pass. The matchers
//! are a public module ([`matchers`]) in wiremock-rs's style, so a test reads the same with
//! either; `header_faults` is the second way in, for requests that name their fault.
//!
//! Below the connection layer: it knows requests and responses, not sockets.

mod answer;
mod definition;
pub(crate) mod header_faults;
pub mod matchers;
mod registry;
mod report;
mod scenarios;
mod times;
#[cfg(feature = "wiremock")]
pub(crate) mod wiremock;

pub use answer::{Answer, AnswerTimes, Matched};
pub(crate) use answer::{Forwarding, Resolved};
pub use definition::Stub;
pub(crate) use registry::{Mounted, Stubs};
pub(crate) use report::{failed_expectations, unmatched};
#[cfg(feature = "wiremock")]
pub(crate) use scenarios::STARTED;
pub use times::Times;
