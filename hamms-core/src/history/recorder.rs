//! The store behind a server's history: appended to by connection tasks, read and awaited by tests.
//!
//! Design note: one mutex guards the whole log (appends are short and rare next to socket I/O).
//! Waiters are woken two ways because they live in two worlds: a condition variable for blocking
//! tests, and a `watch` channel for async ones. Both fire after every append.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::meter::Meter;
use super::records::{
    ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, StreamEnd, StreamRecord,
    TlsInfo,
};
use crate::capped::append_capped;
use crate::error::Error;
use crate::sync::lock;

/// How much a server remembers. Old entries are evicted first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Exchanges (and, separately, connections) kept.
    pub(crate) entries: usize,
    /// Bytes of each request body kept in the history.
    pub(crate) body_cap: usize,
    /// Bytes of each request body read whole for whoever serves it (more is counted, not kept):
    /// the body cap, except for a proxy, which forwards bodies larger than it keeps.
    pub(crate) read_cap: usize,
    /// Bytes received and sent kept per connection.
    pub(crate) raw_cap: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entries: 10_000,
            body_cap: 16 * 1024 * 1024,
            read_cap: 16 * 1024 * 1024,
            raw_cap: 64 * 1024,
        }
    }
}

/// Identifies an exchange while its connection is still answering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExchangeId(u64);

#[derive(Default)]
struct Log {
    exchanges: VecDeque<Exchange>,
    /// Id of `exchanges[0]`: ids stay valid across evictions and clears.
    first_exchange: u64,
    connections: VecDeque<ConnectionRecord>,
    next_connection: u64,
    /// Requests recorded since the last clear, evicted ones included: what waits count.
    arrived: usize,
    evicted: u64,
}

impl Log {
    /// The exchange `id`, unless it was evicted or cleared.
    fn exchange(&mut self, id: ExchangeId) -> Option<&mut Exchange> {
        let index = usize::try_from(id.0.checked_sub(self.first_exchange)?).ok()?;
        self.exchanges.get_mut(index)
    }

    fn connection(&mut self, id: u64) -> Option<&mut ConnectionRecord> {
        let first = self.connections.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        self.connections.get_mut(index)
    }
}

pub(crate) struct Recorder {
    log: Mutex<Log>,
    appended: Condvar,
    version: watch::Sender<u64>,
    limits: Limits,
    started: Instant,
    seed: u64,
    /// Totals for the server's life, counted as things are recorded.
    meter: Meter,
}

impl Recorder {
    pub(crate) fn new(limits: Limits, seed: u64) -> Self {
        Recorder {
            log: Mutex::default(),
            appended: Condvar::new(),
            version: watch::Sender::new(0),
            limits,
            started: Instant::now(),
            seed,
            meter: Meter::default(),
        }
    }

    pub(crate) fn meter(&self) -> &Meter {
        &self.meter
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        lock(&self.log)
    }

    fn appended(&self) {
        self.appended.notify_all();
        self.version.send_modify(|v| *v += 1);
    }

    pub(crate) fn open_connection(&self, peer: SocketAddr) -> u64 {
        self.meter.connection_opened();
        let mut log = self.lock();
        let id = log.next_connection;
        log.next_connection += 1;
        if log.connections.len() == self.limits.entries {
            log.connections.pop_front();
        }
        log.connections.push_back(ConnectionRecord {
            id,
            peer,
            opened_at: Instant::now(),
            closed_at: None,
            received: Vec::new(),
            received_len: 0,
            sent: Vec::new(),
            sent_len: 0,
            tls: None,
            end: None,
        });
        id
    }

    pub(crate) fn received(&self, connection: u64, bytes: &[u8]) {
        self.meter.received(bytes.len());
        let cap = self.limits.raw_cap;
        if let Some(record) = self.lock().connection(connection) {
            record.received_len += bytes.len() as u64;
            append_capped(&mut record.received, bytes, cap);
        }
    }

    pub(crate) fn sent(&self, connection: u64, bytes: &[u8]) {
        self.meter.sent(bytes.len());
        let cap = self.limits.raw_cap;
        if let Some(record) = self.lock().connection(connection) {
            record.sent_len += bytes.len() as u64;
            append_capped(&mut record.sent, bytes, cap);
        }
    }

    pub(crate) fn tls_established(&self, connection: u64, info: TlsInfo) {
        if let Some(record) = self.lock().connection(connection) {
            record.tls = Some(info);
        }
    }

    pub(crate) fn close_connection(&self, connection: u64, end: ConnectionEnd) {
        self.meter.connection_closed();
        if let Some(record) = self.lock().connection(connection) {
            record.closed_at = Some(Instant::now());
            record.end = Some(end);
        }
        self.appended();
    }

    pub(crate) fn push_exchange(&self, request: Request, reply: Reply) -> ExchangeId {
        self.meter.request();
        let mut log = self.lock();
        if log.exchanges.len() == self.limits.entries {
            log.exchanges.pop_front();
            log.first_exchange += 1;
            log.evicted += 1;
        }
        log.exchanges.push_back(Exchange {
            request,
            reply,
            first_byte_at: None,
            stream: None,
        });
        log.arrived += 1;
        let id = ExchangeId(log.first_exchange + log.exchanges.len() as u64 - 1);
        drop(log);
        self.appended();
        id
    }

    pub(crate) fn set_reply(&self, id: ExchangeId, reply: Reply) {
        if let Some(exchange) = self.lock().exchange(id) {
            exchange.reply = reply;
        }
    }

    /// Notes that the request `id` arrived on HTTP/2 stream `stream`.
    pub(crate) fn open_stream(&self, id: ExchangeId, stream: u32) {
        if let Some(exchange) = self.lock().exchange(id) {
            exchange.stream = Some(StreamRecord {
                id: stream,
                end: None,
            });
        }
    }

    /// Notes how the HTTP/2 stream of `id` ended, unless its end is already known.
    pub(crate) fn end_stream(&self, id: ExchangeId, end: StreamEnd) {
        if let Some(exchange) = self.lock().exchange(id)
            && let Some(stream) = &mut exchange.stream
        {
            stream.end.get_or_insert(end);
        }
    }

    /// Adds body bytes that arrived after the request was recorded (HTTP/2 streams), keeping
    /// at most the body cap.
    pub(crate) fn extend_body(&self, id: ExchangeId, bytes: &[u8]) {
        let cap = self.limits.body_cap;
        if let Some(exchange) = self.lock().exchange(id) {
            exchange.request.body_len += bytes.len() as u64;
            append_capped(&mut exchange.request.body, bytes, cap);
        }
    }

    /// Notes that the first byte of the answer to `id` is leaving now (later calls change nothing).
    pub(crate) fn reply_started(&self, id: ExchangeId) {
        if let Some(exchange) = self.lock().exchange(id) {
            exchange.first_byte_at.get_or_insert_with(Instant::now);
        }
    }

    pub(crate) fn snapshot(&self) -> History {
        let log = self.lock();
        History {
            exchanges: log.exchanges.iter().cloned().collect(),
            connections: log.connections.iter().cloned().collect(),
            evicted: log.evicted,
            started: self.started,
            seed: self.seed,
        }
    }

    pub(crate) fn clear(&self) {
        let mut log = self.lock();
        log.first_exchange += log.exchanges.len() as u64;
        log.exchanges.clear();
        log.connections.clear();
        log.arrived = 0;
        log.evicted = 0;
    }

    fn arrived(&self) -> usize {
        self.lock().arrived
    }

    /// Waits until `n` requests arrived since the last clear. Needs a tokio runtime with timers:
    /// callers run it on hamms' runtime, so it works under any executor.
    pub(crate) async fn wait_for_requests(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<History, Error> {
        let start = Instant::now();
        let mut version = self.version.subscribe();
        loop {
            if self.arrived() >= n {
                return Ok(self.snapshot());
            }
            let left = timeout.saturating_sub(start.elapsed());
            match tokio::time::timeout(left, version.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(self.wait_timeout(n, start.elapsed())),
            }
        }
    }

    /// The blocking twin of [`Recorder::wait_for_requests`], for sync tests.
    pub(crate) fn wait_for_requests_blocking(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<History, Error> {
        let start = Instant::now();
        let mut log = self.lock();
        while log.arrived < n {
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                drop(log);
                return Err(self.wait_timeout(n, start.elapsed()));
            }
            log = self
                .appended
                .wait_timeout(log, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(log);
        Ok(self.snapshot())
    }

    fn wait_timeout(&self, expected: usize, waited: Duration) -> Error {
        let history = self.snapshot();
        Error::WaitTimeout {
            expected,
            received: self.arrived(),
            waited,
            seed: self.seed,
            recorded: history.to_string(),
        }
    }
}
