//! History: what every server records, in order, with timestamps.
//!
//! `records` holds the public snapshot types a test reads; `recorder` the store that connection
//! tasks append to and that tests wait on, bounded in entries and in bytes; `journal` what one
//! connection gathers between two commits to the recorder (one lock per request); `meter` the
//! running totals the recorder counts as it records (for `GET /metrics`), which clearing the
//! history leaves alone.

mod grpc;
mod journal;
mod meter;
mod recorder;
mod records;

pub use grpc::{GrpcCall, GrpcMessage, GrpcStatus};
pub(crate) use journal::{ExchangeId, Journal, SharedReply};
#[cfg(feature = "control")]
pub(crate) use meter::Counts;
pub(crate) use meter::Meter;
pub(crate) use recorder::{Limits, Recorder};
pub(crate) use records::RECORDED_VALUE_LIMIT;
pub use records::{
    ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, StreamEnd, StreamRecord,
    StubId, TlsInfo,
};
