//! History: what every server records, in order, with timestamps.
//!
//! `records` holds the public snapshot types a test reads; `recorder` the store that connection
//! tasks append to and that tests wait on.

mod recorder;
mod records;

pub(crate) use recorder::{ExchangeId, Limits, Recorder};
pub use records::{
    ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, StreamEnd, StreamRecord,
    TlsInfo,
};
pub(crate) use records::{RECORDED_VALUE_LIMIT, shorten};
