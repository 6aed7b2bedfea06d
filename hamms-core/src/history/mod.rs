//! History: what every server records, in order, with timestamps.
//!
//! `records` holds the public snapshot types a test reads; `recorder` the store that connection
//! tasks append to and that tests wait on; `meter` the running totals the recorder counts as it
//! records (for `GET /metrics`), which clearing the history leaves alone.

mod meter;
mod recorder;
mod records;

pub(crate) use meter::{Counts, Meter};
pub(crate) use recorder::{ExchangeId, Limits, Recorder};
pub use records::{
    ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, StreamEnd, StreamRecord,
    TlsInfo,
};
pub(crate) use records::{RECORDED_VALUE_LIMIT, shorten};
