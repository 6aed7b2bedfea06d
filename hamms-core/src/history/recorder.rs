//! The store behind a server's history: appended to by connection tasks, read and awaited by tests.
//!
//! Design note: one mutex guards the whole log. A connection takes it once per request on the
//! fixture's path (its [`Journal`] gathers the request's events and [`Recorder::commit`]s them
//! together), and nothing slow happens under it: entries dropped to respect the limits are freed
//! after it is released, and waiters are woken only when someone waits (a condition variable for
//! blocking tests, a `watch` channel for async ones).
//!
//! The log is bounded twice: in entries (exchanges, and separately connections) and in bytes (the
//! heap its entries hold, counted as they grow: bodies, header bytes, raw bytes of connections).
//! The oldest entry goes first, exchange or connection, and the drops are counted for
//! [`History`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::grpc::{CallRequest, GrpcCall, GrpcStatus};
use super::journal::{Current, ExchangeId, Journal, SharedReply};
use super::meter::Meter;
use super::records::{
    ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, StreamEnd, StreamRecord,
    StubId, TlsInfo,
};
use crate::capped::append_capped;
use crate::error::Error;
use crate::sync::lock;

/// How much a server remembers. Old entries are evicted first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Exchanges (and, separately, connections) kept.
    pub(crate) entries: usize,
    /// Heap bytes the entries may hold in all (bodies, headers, raw bytes, the records).
    pub(crate) bytes: usize,
    /// Bytes of each request body kept in the history.
    pub(crate) body_cap: usize,
    /// Bytes of each request body read whole for whoever serves it (more is counted, not kept):
    /// the body cap, except for a proxy, which forwards bodies larger than it keeps.
    pub(crate) read_cap: usize,
    /// Bytes received, and bytes sent, kept per connection.
    pub(crate) raw_cap: usize,
}

/// The default limit of entries: exchanges, and separately connections.
pub(crate) const DEFAULT_ENTRIES: usize = 10_000;
/// The default limit of the history's memory, per server.
pub(crate) const DEFAULT_BYTES: usize = 64 * 1024 * 1024;
/// The default cap of each request body kept.
pub(crate) const DEFAULT_BODY_CAP: usize = 16 * 1024 * 1024;
/// The default cap of raw bytes kept per connection, each way: enough for the heads and the start
/// of the bodies a test looks at, small enough that 10,000 connections fit the byte limit.
pub(crate) const DEFAULT_RAW_CAP: usize = 16 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entries: DEFAULT_ENTRIES,
            bytes: DEFAULT_BYTES,
            body_cap: DEFAULT_BODY_CAP,
            read_cap: DEFAULT_BODY_CAP,
            raw_cap: DEFAULT_RAW_CAP,
        }
    }
}

/// An exchange as the log keeps it: the request shared with the connection that parsed it.
struct ExchangeEntry {
    request: Arc<Request>,
    reply: SharedReply,
    first_byte_at: Option<Instant>,
    stream: Option<StreamRecord>,
    /// The stub that answered, if one did (shared with the stub).
    stub: Option<Arc<StubId>>,
    /// The gRPC status the server sent, for a gRPC call.
    grpc_status: Option<GrpcStatus>,
    /// When the server's side of a gRPC call (or an HTTP/2 stream) ended.
    ended_at: Option<Instant>,
    /// What the request holds on the heap (counted once, at record time and as its body grows).
    request_bytes: usize,
    /// What `count` said at the last change: eviction reads it here, where the entry's own
    /// request and reply, recorded long before, would each be a miss in a cold cache.
    bytes: usize,
}

impl ExchangeEntry {
    fn count(&self) -> usize {
        std::mem::size_of::<ExchangeEntry>()
            + self.request_bytes
            + self.reply.heap_bytes()
            + self
                .grpc_status
                .as_ref()
                .map_or(0, |s| s.message.capacity())
    }

    fn to_exchange(&self) -> Exchange {
        Exchange {
            request: Request::clone(&self.request),
            reply: self.reply.to_reply(),
            first_byte_at: self.first_byte_at,
            stream: self.stream.clone(),
            stub: self.stub.as_deref().cloned(),
            grpc: GrpcCall::of(
                &CallRequest {
                    path: &self.request.path,
                    header: &|name| self.request.header(name),
                    body: &self.request.body,
                },
                self.grpc_status.as_ref(),
                self.ended_at,
            ),
        }
    }
}

/// A connection as the log keeps it. Boxed in the log: a held connection costs its record
/// and a pointer, not a slot as large as the record in a queue that grows by doubling.
struct ConnectionEntry {
    id: u64,
    peer: SocketAddr,
    opened_at: Instant,
    closed_at: Option<Instant>,
    received: Vec<u8>,
    received_len: u64,
    sent: Vec<u8>,
    sent_len: u64,
    tls: Option<Box<TlsInfo>>,
    end: Option<ConnectionEnd>,
    /// What the record holds, as last counted.
    bytes: usize,
}

impl ConnectionEntry {
    fn count(&self) -> usize {
        let tls = self.tls.as_deref().map_or(0, |tls| {
            std::mem::size_of::<TlsInfo>()
                + tls.version.capacity()
                + tls.cipher_suite.capacity()
                + tls.server_name.as_ref().map_or(0, String::capacity)
                + tls.alpn.as_ref().map_or(0, String::capacity)
        });
        let end = match &self.end {
            Some(ConnectionEnd::TlsHandshakeFailed(why) | ConnectionEnd::Failed(why)) => {
                why.capacity()
            }
            _ => 0,
        };
        std::mem::size_of::<ConnectionEntry>()
            + std::mem::size_of::<Box<ConnectionEntry>>()
            + self.received.capacity()
            + self.sent.capacity()
            + tls
            + end
    }

    fn to_record(&self) -> ConnectionRecord {
        ConnectionRecord {
            id: self.id,
            peer: self.peer,
            opened_at: self.opened_at,
            closed_at: self.closed_at,
            received: self.received.clone(),
            received_len: self.received_len,
            sent: self.sent.clone(),
            sent_len: self.sent_len,
            tls: self.tls.as_deref().cloned(),
            end: self.end.clone(),
        }
    }
}

/// An entry dropped to respect the limits, freed once the lock is released.
enum Evicted {
    Exchange(#[allow(dead_code, reason = "held only to be dropped later")] ExchangeEntry),
    Connection(#[allow(dead_code, reason = "held only to be dropped later")] Box<ConnectionEntry>),
}

#[derive(Default)]
struct Log {
    exchanges: VecDeque<ExchangeEntry>,
    /// Id of `exchanges[0]`: ids stay valid across evictions and clears.
    first_exchange: u64,
    connections: VecDeque<Box<ConnectionEntry>>,
    next_connection: u64,
    /// Requests recorded since the last clear, evicted ones included: what waits count.
    arrived: usize,
    evicted_exchanges: u64,
    evicted_connections: u64,
    /// The heap the entries hold, as counted.
    bytes: usize,
}

impl Log {
    /// The exchange `id`, unless it was evicted or cleared.
    fn exchange(&mut self, id: ExchangeId) -> Option<&mut ExchangeEntry> {
        let index = usize::try_from(id.0.checked_sub(self.first_exchange)?).ok()?;
        self.exchanges.get_mut(index)
    }

    fn connection(&mut self, id: u64) -> Option<&mut ConnectionEntry> {
        let first = self.connections.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        self.connections.get_mut(index).map(Box::as_mut)
    }

    /// Applies `change` to connection `id`'s record (if still kept), and counts what it grew.
    fn change_connection(&mut self, id: u64, change: impl FnOnce(&mut ConnectionEntry)) {
        let Some(entry) = self.connection(id) else {
            return;
        };
        change(entry);
        let (before, after) = (entry.bytes, entry.count());
        entry.bytes = after;
        self.bytes = self.bytes + after - before;
    }

    /// Applies `change` to exchange `id` (if still kept), and counts what it grew.
    fn change_exchange(&mut self, id: ExchangeId, change: impl FnOnce(&mut ExchangeEntry)) {
        let Some(entry) = self.exchange(id) else {
            return;
        };
        change(entry);
        let (before, after) = (entry.bytes, entry.count());
        entry.bytes = after;
        self.bytes = self.bytes + after - before;
    }

    fn push_exchange(&mut self, request: Arc<Request>, reply: SharedReply) -> ExchangeId {
        let mut entry = ExchangeEntry {
            request_bytes: request.heap_bytes(),
            bytes: 0,
            request,
            reply,
            first_byte_at: None,
            stream: None,
            stub: None,
            grpc_status: None,
            ended_at: None,
        };
        entry.bytes = entry.count();
        self.bytes += entry.bytes;
        self.exchanges.push_back(entry);
        self.arrived += 1;
        ExchangeId(self.first_exchange + self.exchanges.len() as u64 - 1)
    }

    /// Drops the oldest entries until the log is within `limits`; returns the first one dropped,
    /// for the caller to free after releasing the lock (usually the only one).
    fn make_room(&mut self, limits: &Limits) -> Option<Evicted> {
        let mut first = None;
        loop {
            let too_many_exchanges = self.exchanges.len() > limits.entries;
            let too_many_connections = self.connections.len() > limits.entries;
            // The newest entry stays, even alone over the limit (its body is capped below it).
            let too_large =
                self.bytes > limits.bytes && self.exchanges.len() + self.connections.len() > 1;
            if !(too_many_exchanges || too_many_connections || too_large) {
                return first;
            }
            // Only when age decides (read lazily: the oldest request is cold memory).
            let exchange_is_older = || match (self.exchanges.front(), self.connections.front()) {
                (Some(exchange), Some(connection)) => {
                    exchange.request.received_at <= connection.opened_at
                }
                (exchange, _) => exchange.is_some(),
            };
            let evicted = if too_many_exchanges || (!too_many_connections && exchange_is_older()) {
                self.exchanges.pop_front().map(|entry| {
                    self.first_exchange += 1;
                    self.evicted_exchanges += 1;
                    self.bytes -= entry.bytes;
                    Evicted::Exchange(entry)
                })
            } else {
                self.connections.pop_front().map(|entry| {
                    self.evicted_connections += 1;
                    self.bytes -= entry.bytes;
                    Evicted::Connection(entry)
                })
            };
            match evicted {
                Some(evicted) if first.is_none() => first = Some(evicted),
                Some(_) => {}
                None => return first,
            }
        }
    }
}

pub(crate) struct Recorder {
    log: Mutex<Log>,
    appended: Condvar,
    version: watch::Sender<u64>,
    /// Tests waiting for requests now: appends wake them only when there are any.
    waiting: AtomicUsize,
    limits: Limits,
    started: Instant,
    seed: u64,
    /// Totals for the server's life, counted as things are recorded.
    meter: Meter,
}

/// Counts a waiter for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(waiting: &'a AtomicUsize) -> Self {
        // SeqCst with the load in `appended`: either the appender sees this waiter, or the
        // waiter's check (after this) sees the append.
        waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Recorder {
    pub(crate) fn new(limits: Limits, seed: u64) -> Self {
        Recorder {
            log: Mutex::default(),
            appended: Condvar::new(),
            version: watch::Sender::new(0),
            waiting: AtomicUsize::new(0),
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

    /// Changes the log under its lock, then drops its oldest entries until it is within the
    /// limits again. What was dropped is freed after the lock is released: a large body freed
    /// under it would hold up every connection's recording.
    fn grow<T>(&self, change: impl FnOnce(&mut Log) -> T) -> T {
        let mut log = self.lock();
        let changed = change(&mut log);
        let evicted = log.make_room(&self.limits);
        drop(log);
        drop(evicted);
        changed
    }

    /// Wakes the tests waiting for requests, if any: a futex call for nobody is a waste.
    fn appended(&self) {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.appended.notify_all();
            self.version.send_modify(|v| *v += 1);
        }
    }

    /// Opens the record of a connection just accepted; returns its id.
    pub(crate) fn open_connection(&self, peer: SocketAddr) -> u64 {
        self.meter.connection_opened();
        self.grow(|log| {
            let id = log.next_connection;
            log.next_connection += 1;
            let mut entry = Box::new(ConnectionEntry {
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
                bytes: 0,
            });
            entry.bytes = entry.count();
            log.bytes += entry.bytes;
            log.connections.push_back(entry);
            id
        })
    }

    /// The peer of `connection`, if its record is still kept.
    pub(crate) fn peer(&self, connection: u64) -> Option<SocketAddr> {
        self.lock().connection(connection).map(|entry| entry.peer)
    }

    /// Records bytes received on `connection` by a party that reads without a journal (a relay,
    /// a lent connection). Returns whether the connection's record keeps more of what it
    /// receives (its raw cap is not reached).
    pub(crate) fn received(&self, connection: u64, bytes: &[u8]) -> bool {
        self.meter.received(bytes.len());
        self.raw(connection, bytes.len(), bytes, |entry| {
            (&mut entry.received, &mut entry.received_len)
        })
    }

    /// Records bytes sent on `connection` by a party that writes without a journal. Returns
    /// whether the connection's record keeps more of what it sends.
    pub(crate) fn sent(&self, connection: u64, bytes: &[u8]) -> bool {
        self.meter.sent(bytes.len());
        self.raw(connection, bytes.len(), bytes, |entry| {
            (&mut entry.sent, &mut entry.sent_len)
        })
    }

    /// Counts `count` bytes received on `connection` that no one read: a relay moves them in
    /// the kernel (splice) once the record keeps no more of them, so only their number counts.
    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "only Linux splices")
    )]
    pub(crate) fn received_unseen(&self, connection: u64, count: usize) {
        self.meter.received(count);
        self.raw(connection, count, &[], |entry| {
            (&mut entry.received, &mut entry.received_len)
        });
    }

    /// Counts `count` bytes sent on `connection` that no one read (see `received_unseen`).
    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "only Linux splices")
    )]
    pub(crate) fn sent_unseen(&self, connection: u64, count: usize) {
        self.meter.sent(count);
        self.raw(connection, count, &[], |entry| {
            (&mut entry.sent, &mut entry.sent_len)
        });
    }

    /// Counts `count` bytes on one side of `connection`'s record and keeps what its cap leaves
    /// room for of `bytes` (their first ones, or none). Returns whether the side keeps more.
    fn raw(
        &self,
        connection: u64,
        count: usize,
        bytes: &[u8],
        side: impl FnOnce(&mut ConnectionEntry) -> (&mut Vec<u8>, &mut u64),
    ) -> bool {
        let cap = self.limits.raw_cap;
        self.grow(|log| {
            let mut keeps_more = false;
            log.change_connection(connection, |entry| {
                let (kept, len) = side(entry);
                *len += count as u64;
                append_capped(kept, bytes, cap);
                keeps_more = kept.len() < cap;
            });
            keeps_more
        })
    }

    /// Takes back bytes recorded as sent on `connection` that the write did not send after all.
    pub(crate) fn unsent(&self, connection: u64, bytes: usize) {
        self.lock().change_connection(connection, |entry| {
            entry.sent_len = entry.sent_len.saturating_sub(bytes as u64);
            let kept = usize::try_from(entry.sent_len).unwrap_or(usize::MAX);
            entry.sent.truncate(kept);
        });
    }

    /// Records what `journal` gathered on `connection`, and `sent`, the bytes the connection is
    /// about to write (recorded before they leave: a client that reads them finds them here), in
    /// one lock.
    pub(crate) fn commit(&self, connection: u64, journal: &mut Journal, sent: &[u8]) {
        let exchange = self.grow(|log| self.commit_locked(log, connection, journal, sent));
        if exchange.is_some() {
            self.appended();
        }
    }

    /// Notes that `stub` answers the request `id` (HTTP/2 streams).
    pub(crate) fn set_stub(&self, id: ExchangeId, stub: Arc<StubId>) {
        self.lock()
            .change_exchange(id, |entry| entry.stub = Some(stub));
    }

    /// The commit under the lock; returns the exchange it opened, if any.
    fn commit_locked(
        &self,
        log: &mut Log,
        connection: u64,
        journal: &mut Journal,
        sent: &[u8],
    ) -> Option<ExchangeId> {
        let cap = self.limits.raw_cap;
        if journal.received_count > 0 || !sent.is_empty() {
            log.change_connection(connection, |entry| {
                entry.received_len += journal.received_count;
                append_capped(&mut entry.received, &journal.received, cap);
                entry.sent_len += sent.len() as u64;
                append_capped(&mut entry.sent, sent, cap);
            });
        }
        let mut opened = None;
        let current = match std::mem::take(&mut journal.current) {
            Current::Unrecorded(request) => {
                self.meter.request();
                let reply = journal.reply.take().unwrap_or_default();
                let id = log.push_exchange(request, reply);
                opened = Some(id);
                Some(id)
            }
            Current::Recorded(id) => Some(id),
            Current::None => None,
        };
        if let Some(id) = current {
            let reply = journal.reply.take();
            let first_byte = journal.first_byte;
            let stub = journal.stub.take();
            if reply.is_some() || first_byte || stub.is_some() {
                log.change_exchange(id, |entry| {
                    if let Some(reply) = reply {
                        entry.reply = reply;
                    }
                    if first_byte {
                        entry.first_byte_at.get_or_insert_with(Instant::now);
                    }
                    if stub.is_some() {
                        entry.stub = stub;
                    }
                });
            }
        }
        journal.committed(current);
        opened
    }

    #[cfg(feature = "tls")]
    pub(crate) fn tls_established(&self, connection: u64, info: TlsInfo) {
        self.lock()
            .change_connection(connection, |entry| entry.tls = Some(Box::new(info)));
    }

    /// Records what `journal` still holds, then how `connection` ended, in one lock.
    pub(crate) fn close_connection(
        &self,
        connection: u64,
        journal: &mut Journal,
        end: ConnectionEnd,
    ) {
        self.meter.connection_closed();
        self.grow(|log| {
            self.commit_locked(log, connection, journal, &[]);
            log.change_connection(connection, |entry| {
                entry.closed_at = Some(Instant::now());
                entry.end = Some(end);
            });
        });
        self.appended();
    }

    /// Records a request that no journal carries (HTTP/2 streams); returns its exchange.
    pub(crate) fn push_exchange(&self, request: Arc<Request>, reply: Reply) -> ExchangeId {
        self.meter.request();
        let id = self.grow(|log| log.push_exchange(request, reply.into()));
        self.appended();
        id
    }

    pub(crate) fn set_reply(&self, id: ExchangeId, reply: Reply) {
        let reply = SharedReply::from(reply);
        self.lock()
            .change_exchange(id, |exchange| exchange.reply = reply);
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
            && stream.end.is_none()
        {
            stream.end = Some(end);
            exchange.ended_at.get_or_insert_with(Instant::now);
        }
    }

    /// Notes the gRPC status the server sends to the call `id`.
    pub(crate) fn set_grpc_status(&self, id: ExchangeId, status: GrpcStatus) {
        self.lock().change_exchange(id, |exchange| {
            exchange.grpc_status = Some(status);
        });
    }

    /// Notes that the server's side of the call `id` ended now (later calls change nothing),
    /// where no stream record says so (the fixture's HTTP/2, which hyper serves).
    pub(crate) fn call_ended(&self, id: ExchangeId) {
        if let Some(exchange) = self.lock().exchange(id) {
            exchange.ended_at.get_or_insert_with(Instant::now);
        }
    }

    /// Adds body bytes that arrived after the request was recorded (HTTP/2 streams), keeping
    /// at most the body cap.
    pub(crate) fn extend_body(&self, id: ExchangeId, bytes: &[u8]) {
        let cap = self.limits.body_cap;
        self.grow(|log| {
            log.change_exchange(id, |exchange| {
                // The log holds the only reference once recorded (HTTP/2 streams keep their id).
                let request = Arc::make_mut(&mut exchange.request);
                request.body_len += bytes.len() as u64;
                let before = request.body.capacity();
                append_capped(&mut request.body, bytes, cap);
                exchange.request_bytes += request.body.capacity() - before;
            });
        });
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
            exchanges: log
                .exchanges
                .iter()
                .map(ExchangeEntry::to_exchange)
                .collect(),
            connections: log
                .connections
                .iter()
                .map(|entry| entry.to_record())
                .collect(),
            evicted: log.evicted_exchanges,
            evicted_connections: log.evicted_connections,
            bytes: log.bytes,
            entry_limit: self.limits.entries,
            byte_limit: self.limits.bytes,
            started: self.started,
            seed: self.seed,
        }
    }

    pub(crate) fn clear(&self) {
        let mut log = self.lock();
        log.first_exchange += log.exchanges.len() as u64;
        let exchanges = std::mem::take(&mut log.exchanges);
        let connections = std::mem::take(&mut log.connections);
        log.arrived = 0;
        log.evicted_exchanges = 0;
        log.evicted_connections = 0;
        log.bytes = 0;
        drop(log);
        drop((exchanges, connections));
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
        let _waiting = Waiting::new(&self.waiting);
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
        let waiting = Waiting::new(&self.waiting);
        let mut log = self.lock();
        while log.arrived < n {
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                drop(log);
                drop(waiting);
                return Err(self.wait_timeout(n, start.elapsed()));
            }
            log = self
                .appended
                .wait_timeout(log, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(log);
        drop(waiting);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: usize) -> Arc<Request> {
        Arc::new(Request::for_test("POST", "/upload", &[], &vec![b'x'; body]))
    }

    fn limits(bytes: usize) -> Limits {
        Limits {
            bytes,
            raw_cap: 1000,
            ..Limits::default()
        }
    }

    #[test]
    fn the_oldest_entries_go_first_to_stay_within_the_byte_limit_and_are_counted() {
        let recorder = Recorder::new(limits(100_000), 7);
        let mut ids = Vec::new();
        for _ in 0..30 {
            let connection = recorder.open_connection(([127, 0, 0, 1], 9).into());
            let mut journal = Journal::new(1000);
            journal.received(&[b'r'; 5000]);
            journal.request(request(10_000), SharedReply::default());
            recorder.commit(connection, &mut journal, &[b's'; 3000]);
            recorder.close_connection(connection, &mut journal, ConnectionEnd::ClientClosed);
            ids.push(connection);
            let history = recorder.snapshot();
            assert!(
                history.recorded_bytes() <= 100_000,
                "{} bytes recorded",
                history.recorded_bytes()
            );
        }
        let history = recorder.snapshot();
        assert!(history.evicted() > 0 && history.evicted_connections() > 0);
        assert_eq!(
            history.len() as u64 + history.evicted(),
            30,
            "every request is kept or counted as dropped"
        );
        // The newest are kept, raw bytes cut at the connection's cap.
        let last = history.connections().last().unwrap();
        assert_eq!(last.id, *ids.last().unwrap());
        assert_eq!((last.received.len(), last.received_len), (1000, 5000));
        assert_eq!((last.sent.len(), last.sent_len), (1000, 3000));
        assert_eq!(history.last().unwrap().request.body.len(), 10_000);
        assert!(
            history.to_string().contains(
                "dropped to stay within the history's limits: 10000 entries, 100000 bytes"
            ),
            "{history}"
        );
    }

    #[test]
    fn a_commit_records_the_request_its_reply_its_first_byte_and_the_bytes_together() {
        let recorder = Recorder::new(Limits::default(), 7);
        let connection = recorder.open_connection(([127, 0, 0, 1], 9).into());
        let mut journal = Journal::new(1000);
        journal.received(b"GET");
        journal.request(request(0), SharedReply::default());
        journal.reply(Reply::Closed.into());
        journal.first_byte();
        assert!(recorder.snapshot().is_empty(), "nothing before the commit");
        recorder.commit(connection, &mut journal, b"HTTP/1.1");
        let history = recorder.snapshot();
        let exchange = history.last().unwrap();
        assert_eq!(exchange.reply, Reply::Closed);
        assert!(exchange.first_byte_at.is_some());
        assert_eq!(history.connections()[0].received, b"GET");
        assert_eq!(history.connections()[0].sent, b"HTTP/1.1");
        assert!(journal.is_empty());

        recorder.clear();
        assert_eq!(recorder.snapshot().recorded_bytes(), 0);
    }
}
