//! The HTTP/2 block of the catalog: faults of the protocol's own machinery (GOAWAY, stream
//! resets, flow control, concurrency, pings, settings, malformed frames, oversized headers).
//!
//! Design note: one engine serves them all (`session`): the `h2` crate speaks the protocol over
//! the connection's recording I/O, through a [`FrameTap`](tap::FrameTap) (`tap`) that follows
//! every frame both ways, withholds the acknowledgements a fault keeps back, and files each
//! stream's end in the history (`streams`). What differs per fault is data and a few lines
//! (`faults`): the settings the server announces, the frames it withholds, what each stream gets,
//! and the frames, written by hand in `crate::http2`, that end the connection. A client that
//! does not speak HTTP/2 gets a 505 saying how to.
//!
//! The gRPC block (`modes/grpc/`) runs on the same engine: a block is a [`Block`] (settings,
//! withheld frames, and each stream's answer), and `answering` is what an answer gets of its
//! stream.

mod answering;
mod faults;
mod session;
mod streams;
mod tap;

pub(super) use answering::{Answering, Release};
pub(super) use session::{Block, serve};
pub(super) use tap::Withheld;
