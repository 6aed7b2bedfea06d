//! One direction of a relayed connection, following the proxy's behavior as it changes.
//!
//! Design note: a direction runs in one of two ways, and moves between them as the behavior
//! changes, at a read, without losing, reordering or duplicating a byte:
//! - **copying**, while nothing acts on its bytes (no toxic in its direction, no Vaurien behavior
//!   but `dummy`): each read is written as soon as it arrives, from one reused buffer, as a plain
//!   relay would (the hop through a channel and a second future cost as much again in round-trip
//!   time, measured with `cargo bench -p hamms-core --bench proxy`); on Linux, once the
//!   connection's record keeps no more of the direction's bytes, each read is spliced instead
//!   (`splice`: the kernel moves the bytes, which never cross user space; the record counts them);
//! - **shaping**, otherwise: a reader and a writer, two futures polled in that order, joined by a
//!   bounded channel of `Bytes` cut from the reused buffer (no copy). The channel lets the writer
//!   hold bytes (a latency) while the reader goes on reading, as Toxiproxy's links do. Once the
//!   behavior lets bytes pass untouched again, the reader stops, the writer passes what is still
//!   queued, and copying resumes.
//!
//! Either way, the direction wakes at every change (a `reset_peer` or `timeout` clock starts then,
//! `down` ends the link) and checks the behavior again before passing each read, so a change
//! reaches the connection at its next read.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::io::poll_read_buf;
use tokio_util::sync::CancellationToken;

use super::calls::{Call, answer_delay, hangs, injects};
use super::link::Link;
use super::pipeline::{End, Flow, Pipeline, expiry};
#[cfg(target_os = "linux")]
use super::splice::{Pipe, PipeSlot};
use crate::connection::Versioned;
use crate::engine::{Direction, Stage};

/// Bytes read at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Chunks that may wait for their turn to leave (a latency holds them): 4 MiB at most.
const READ_AHEAD: usize = 64;
/// How many random bytes `error` answers (or injects) on a tcp connection.
const GARBAGE: usize = 16;

/// Bytes read, with the moment they arrived: toxics delay data from its arrival.
struct Chunk {
    bytes: Bytes,
    arrived: Instant,
}

/// Random bytes: what `error` answers instead of the backend, or injects into its data.
fn garbage(rng: &mut Xoshiro256PlusPlus) -> Bytes {
    let mut bytes = vec![0; GARBAGE];
    rng.fill_bytes(&mut bytes);
    bytes.into()
}

/// What a direction does besides passing bytes: upstream, each read is a call that Vaurien's
/// behaviors decide, and an error answer goes to the client through `answers`; downstream, those
/// answers are written, and the backend's data may be held back, delayed or spoiled.
pub(super) enum Side {
    Upstream { answers: mpsc::Sender<Bytes> },
    Downstream { answers: mpsc::Receiver<Bytes> },
}

/// One direction of a link: where it reads and writes, and how it follows the behavior.
pub(super) struct Pump {
    link: Arc<Link>,
    side: Side,
    from: OwnedReadHalf,
    to: OwnedWriteHalf,
    /// The read buffer, reused: chunks cut from it go out as `Bytes` without a copy.
    buf: BytesMut,
    rng: Xoshiro256PlusPlus,
    follower: Follower,
    /// Whether the connection's record keeps more of this direction's bytes (upstream what it
    /// receives, downstream what it sends): until it has all it keeps, they go through memory.
    recording: bool,
}

/// Why a way of running a direction stopped.
enum Turn {
    /// The direction is done: its source closed (and the close was passed on), or the link ended.
    Done,
    /// The behavior now acts on this direction's bytes: shape them, starting with this read.
    Shape(Option<Chunk>),
    /// Nothing acts on the bytes any more, and nothing is queued: copy them.
    Copy,
}

impl Pump {
    /// A direction of `link` reading `from` and writing `to`. `leftover` are bytes the client's
    /// connection had already read (upstream).
    pub(super) fn new(
        link: Arc<Link>,
        side: Side,
        (from, to): (OwnedReadHalf, OwnedWriteHalf),
        leftover: Vec<u8>,
        seed: u64,
    ) -> Pump {
        let direction = match side {
            Side::Upstream { .. } => Direction::Upstream,
            Side::Downstream { .. } => Direction::Downstream,
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let follower = Follower::new(&link, direction, rng.random());
        let mut buf = BytesMut::with_capacity(READ_CHUNK.max(leftover.len()));
        buf.extend_from_slice(&leftover);
        Pump {
            link,
            side,
            from,
            to,
            buf,
            rng,
            follower,
            recording: true,
        }
    }

    /// Relays until the direction is done; gives the socket halves back.
    pub(super) async fn run(mut self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let mut turn = if self.buf.is_empty() {
            Turn::Copy
        } else {
            // What the connection read before the relay began is the first call.
            Turn::Shape(Some(self.cut_chunk()))
        };
        #[cfg(target_os = "linux")]
        let mut pipe = PipeSlot::default();
        loop {
            turn = match turn {
                Turn::Done => return (self.from, self.to),
                #[cfg(target_os = "linux")]
                Turn::Copy if !self.recording => match pipe.get() {
                    Some(pipe) => self.splice(pipe).await,
                    None => self.copy().await,
                },
                Turn::Copy => self.copy().await,
                Turn::Shape(first) => self.shape(first).await,
            };
        }
    }

    fn direction(&self) -> Direction {
        self.follower.direction
    }

    /// The buffered bytes as a chunk that arrived now.
    fn cut_chunk(&mut self) -> Chunk {
        Chunk {
            bytes: self.buf.split().freeze(),
            arrived: Instant::now(),
        }
    }

    /// Copies each read as it arrives, while nothing acts on the bytes.
    async fn copy(&mut self) -> Turn {
        loop {
            if self.follower.refresh(&self.link) {
                return Turn::Shape(None);
            }
            self.buf.reserve(READ_CHUNK);
            let read = match self
                .wait(|pump, cx| poll_read_buf(Pin::new(&mut pump.from), cx, &mut pump.buf))
                .await
            {
                Waited::Ready(read) => read,
                Waited::Again => continue,
                Waited::Done => return Turn::Done,
            };
            match read {
                Ok(0) => {
                    self.follower.pipeline.pass_close(&mut self.to).await;
                    return Turn::Done;
                }
                Ok(_) => {}
                Err(_) => {
                    // A reset or a failure on one side ends the whole link.
                    self.link.end(End::Close);
                    return Turn::Done;
                }
            }
            let recording = self.recording;
            self.record_received();
            // A change made while the read waited is followed before these bytes pass.
            if self.follower.refresh(&self.link) {
                return Turn::Shape(Some(self.cut_chunk()));
            }
            let bytes = std::mem::take(&mut self.buf);
            let written = self.write(&bytes).await;
            self.buf = bytes;
            self.buf.clear();
            if !written {
                return Turn::Done;
            }
            if cfg!(target_os = "linux") && recording && !self.recording {
                // The record has all it keeps of these bytes: the next ones may be spliced.
                return Turn::Copy;
            }
        }
    }

    /// Passes each read through `pipe`, in the kernel, while nothing acts on the bytes and the
    /// record keeps no more of them. Like `copy`, it follows a change before bytes pass: bytes
    /// in the pipe when the behavior starts acting on them are taken back out and shaped.
    #[cfg(target_os = "linux")]
    async fn splice(&mut self, pipe: &Pipe) -> Turn {
        loop {
            if self.follower.refresh(&self.link) {
                return Turn::Shape(None);
            }
            let readable = match self
                // The socket's own waker slot, not a waiter of `readable()` made at each turn.
                .wait(|pump, cx| pump.from.as_ref().poll_read_ready(cx))
                .await
            {
                Waited::Ready(readable) => readable,
                Waited::Again => continue,
                Waited::Done => return Turn::Done,
            };
            let moved = match readable.and_then(|()| pipe.fill(self.from.as_ref())) {
                Ok(0) => {
                    self.follower.pipeline.pass_close(&mut self.to).await;
                    return Turn::Done;
                }
                Ok(moved) => moved,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => {
                    self.link.end(End::Close);
                    return Turn::Done;
                }
            };
            if self.direction() == Direction::Upstream {
                self.link
                    .shared
                    .history
                    .received_unseen(self.link.connection, moved);
            }
            if self.follower.refresh(&self.link) {
                if pipe.take(moved, &mut self.buf).is_err() {
                    self.link.end(End::Close);
                    return Turn::Done;
                }
                return Turn::Shape(Some(self.cut_chunk()));
            }
            if !self.drain(pipe, moved).await {
                return Turn::Done;
            }
        }
    }

    /// Empties `pipe`, which holds `len` bytes, into the destination. Returns whether the link
    /// goes on.
    #[cfg(target_os = "linux")]
    async fn drain(&mut self, pipe: &Pipe, mut len: usize) -> bool {
        while len > 0 {
            let Some(writable) = self
                .unless_cut(|pump, cx| pump.to.as_ref().poll_write_ready(cx))
                .await
            else {
                return false;
            };
            match writable.and_then(|()| pipe.drain(self.to.as_ref(), len)) {
                Ok(moved) => {
                    len -= moved;
                    self.link.shared.history.meter().spliced(moved);
                    if self.direction() == Direction::Downstream {
                        self.link
                            .shared
                            .history
                            .sent_unseen(self.link.connection, moved);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    self.link.end(End::Close);
                    return false;
                }
            }
        }
        true
    }

    /// Shapes the bytes (`first`, then every read) until the behavior lets them pass untouched
    /// and nothing is queued, or the direction is done.
    async fn shape(&mut self, first: Option<Chunk>) -> Turn {
        let (chunks, mut arrived) = mpsc::channel(READ_AHEAD);
        if let Some(first) = first {
            // The channel is new and empty: it has room for one.
            let _ = chunks.try_send(first);
        }
        let stop = CancellationToken::new();
        let Pump {
            link,
            side,
            from,
            to,
            buf,
            rng,
            follower,
            recording: _,
        } = self;
        let reader = read(link, from, buf, chunks, &stop, follower.direction);
        let writer = async {
            loop {
                let still_shaped = follower.refresh(link);
                if !still_shaped && arrived.is_empty() {
                    // Stop reading, pass what the reader still hands on, then copy again.
                    stop.cancel();
                    while let Some(chunk) = arrived.recv().await {
                        if !pass(link, follower, chunk, to).await {
                            return Turn::Done;
                        }
                    }
                    return Turn::Copy;
                }
                let Some(chunk) = follower.next(link, &mut arrived, side).await else {
                    return Turn::Done;
                };
                let Some(chunk) = chunk else {
                    // The source is done sending: pass its close on.
                    follower.pipeline.pass_close(to).await;
                    return Turn::Done;
                };
                let passed = match side {
                    Side::Upstream { answers } => {
                        call(link, follower, rng, answers, chunk, to).await
                    }
                    Side::Downstream { .. } => backend_answer(link, follower, rng, chunk, to).await,
                };
                if !passed {
                    return Turn::Done;
                }
            }
        };
        // In this order, each time: what the reader hands on, the writer passes in the same poll.
        let ((), turn) = futures_util::future::join(reader, writer).await;
        turn
    }

    /// Waits for `source`. A ring of the bell, then an error answer to write (downstream), come
    /// first: a change is followed, and an error answer leaves, before more bytes pass.
    async fn wait<T>(
        &mut self,
        mut source: impl FnMut(&mut Pump, &mut Context<'_>) -> Poll<T>,
    ) -> Waited<T> {
        enum Woke<T> {
            Bell,
            Answer(Bytes),
            Ready(T),
        }
        let direction = self.direction();
        let woke = poll_fn(|cx| {
            if self.link.bell.poll_rung(direction, cx).is_ready() {
                return Poll::Ready(Woke::Bell);
            }
            if let Poll::Ready(answer) = poll_answer(&mut self.side, cx) {
                return Poll::Ready(Woke::Answer(answer));
            }
            source(self, cx).map(Woke::Ready)
        })
        .await;
        match woke {
            Woke::Ready(ready) => Waited::Ready(ready),
            Woke::Bell if self.link.cut.is_cancelled() => Waited::Done,
            Woke::Bell => Waited::Again,
            Woke::Answer(answer) => {
                if self.write(&answer).await {
                    Waited::Again
                } else {
                    Waited::Done
                }
            }
        }
    }

    /// Polls `io` until it is ready, or the link is cut (`None`). A change of behavior meanwhile
    /// does not stop it: the direction follows it at its next read.
    async fn unless_cut<T>(
        &mut self,
        mut io: impl FnMut(&mut Pump, &mut Context<'_>) -> Poll<T>,
    ) -> Option<T> {
        let direction = self.direction();
        poll_fn(|cx| {
            if self.link.bell.poll_rung(direction, cx).is_ready() && self.link.cut.is_cancelled() {
                return Poll::Ready(None);
            }
            io(self, cx).map(Some)
        })
        .await
    }

    fn record_received(&mut self) {
        if self.direction() == Direction::Upstream {
            self.recording = self
                .link
                .shared
                .history
                .received(self.link.connection, &self.buf);
        }
    }

    /// Writes `bytes` as they are; records what reaches the client. Returns whether the link
    /// goes on.
    async fn write(&mut self, bytes: &[u8]) -> bool {
        let mut left = bytes;
        while !left.is_empty() {
            match self
                .unless_cut(|pump, cx| Pin::new(&mut pump.to).poll_write(cx, left))
                .await
            {
                None => return false,
                Some(Ok(written)) if written > 0 => left = &left[written..],
                Some(_) => {
                    self.link.end(End::Close);
                    return false;
                }
            }
        }
        if self.direction() == Direction::Downstream {
            self.recording = self.link.shared.history.sent(self.link.connection, bytes);
        }
        true
    }
}

/// How a direction's wait on its source ended.
enum Waited<T> {
    /// The source is ready (or read).
    Ready(T),
    /// The behavior changed, or an error answer was written: follow, then wait again.
    Again,
    /// The link was cut, or writing the answer failed.
    Done,
}

/// Upstream, a read is a call: Vaurien's behaviors decide it, then it passes through the
/// direction's toxics. Returns whether the link goes on.
async fn call(
    link: &Link,
    follower: &mut Follower,
    rng: &mut Xoshiro256PlusPlus,
    answers: &mpsc::Sender<Bytes>,
    chunk: Chunk,
    to: &mut OwnedWriteHalf,
) -> bool {
    match Call::decide(&follower.stages, link.proxy()) {
        Call::Blackout => {
            link.end(End::Reset);
            false
        }
        Call::Hang => true,
        Call::Fail => answers.send(garbage(rng)).await.is_ok(),
        Call::Pass { delay, abort } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if !pass(link, follower, chunk, to).await {
                return false;
            }
            if abort {
                // Forwarded; now cut both sides without an answer.
                link.end(End::Close);
                return false;
            }
            true
        }
    }
}

/// Downstream, the backend's data (or an error answer) may be held back (`hang`), delayed
/// (`delay` with `before=false`) or spoiled (`error` with `inject`) before the toxics. Returns
/// whether the link goes on.
async fn backend_answer(
    link: &Link,
    follower: &mut Follower,
    rng: &mut Xoshiro256PlusPlus,
    mut chunk: Chunk,
    to: &mut OwnedWriteHalf,
) -> bool {
    if hangs(&follower.stages) {
        return true;
    }
    let delay = answer_delay(&follower.stages);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if injects(&follower.stages, link.proxy()) {
        let at = rng.random_range(0..=chunk.bytes.len());
        let mut injected = BytesMut::with_capacity(chunk.bytes.len() + GARBAGE);
        injected.extend_from_slice(&chunk.bytes[..at]);
        injected.extend_from_slice(&garbage(rng));
        injected.extend_from_slice(&chunk.bytes[at..]);
        chunk.bytes = injected.freeze();
    }
    pass(link, follower, chunk, to).await
}

/// Passes `chunk` through the direction's toxics to `to`; records what reaches the client.
/// Returns whether the link goes on.
async fn pass(link: &Link, follower: &mut Follower, chunk: Chunk, to: &mut OwnedWriteHalf) -> bool {
    let passed = tokio::select! {
        () = link.cut.cancelled() => return false,
        passed = follower.pipeline.forward(&chunk.bytes, chunk.arrived, to) => passed,
    };
    match passed {
        Ok((flow, written)) => {
            if follower.direction == Direction::Downstream {
                link.shared
                    .history
                    .sent(link.connection, &chunk.bytes[..written]);
            }
            if flow == Flow::Exhausted {
                // Toxiproxy's limit_data closes the connection with the last byte.
                let _ = to.flush().await;
                link.end(End::Close);
                return false;
            }
            true
        }
        Err(_) => {
            link.end(End::Close);
            false
        }
    }
}

/// Reads `from` until it ends, the link is cut or `stop` says so, handing each read on with the
/// time it arrived. What the client sends (upstream) is recorded in the history as it arrives.
async fn read(
    link: &Link,
    from: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    chunks: mpsc::Sender<Chunk>,
    stop: &CancellationToken,
    direction: Direction,
) {
    loop {
        buf.reserve(READ_CHUNK);
        let read = tokio::select! {
            biased;
            () = link.cut.cancelled() => return,
            () = stop.cancelled() => return,
            read = from.read_buf(buf) => read,
        };
        match read {
            Ok(0) => return,
            Ok(_) => {}
            Err(_) => {
                // A reset or a failure on one side ends the whole link.
                link.end(End::Close);
                return;
            }
        }
        if direction == Direction::Upstream {
            link.shared.history.received(link.connection, buf);
        }
        let chunk = Chunk {
            bytes: buf.split().freeze(),
            arrived: Instant::now(),
        };
        if chunks.send(chunk).await.is_err() {
            return;
        }
    }
}

/// A direction as it follows the behavior: the stages drawn for the link, and the direction's
/// toxics with their state.
struct Follower {
    direction: Direction,
    behavior: watch::Receiver<Versioned>,
    generation: u64,
    stages: Arc<[Stage]>,
    pipeline: Pipeline,
}

impl Follower {
    fn new(link: &Link, direction: Direction, seed: u64) -> Follower {
        // Subscribed before the first draw: a change made in between still wakes the direction.
        let behavior = link.shared.subscribe();
        let draw = link.draw();
        let mut pipeline =
            Pipeline::new(direction, seed, Arc::clone(&link.proxy().bandwidth_clock));
        // In force from when the link opened (or the behavior changed, if later): bytes either
        // direction reads before it first looks are under it too.
        pipeline.follow(&draw.stages, link.opened.max(draw.since));
        Follower {
            direction,
            behavior,
            generation: draw.generation,
            stages: draw.stages,
            pipeline,
        }
    }

    /// Puts the behavior in force now in place, if it changed (`down` ends the link). Returns
    /// whether something acts on this direction's bytes: whether they must be shaped.
    fn refresh(&mut self, link: &Link) -> bool {
        // A change that closes open connections may already be undone (`down` and back): the
        // count of such changes says it happened.
        link.close_if_told();
        if link.shared.generation() != self.generation {
            let draw = link.draw();
            self.pipeline.follow(&draw.stages, draw.since);
            self.generation = draw.generation;
            self.stages = draw.stages;
            tracing::trace!(connection = link.connection, direction = ?self.direction, "behavior followed");
        }
        !self.pipeline.is_empty()
            || !self
                .stages
                .iter()
                .all(|stage| *stage == Stage::Dummy || stage.toxic().is_some())
    }

    /// Waits for the next chunk (`Some(None)`: the source finished sending), following behavior
    /// changes and firing the toxics' clocks meanwhile; `None` when the link ends. Error answers,
    /// downstream, come first, as they arrive.
    async fn next(
        &mut self,
        link: &Link,
        arrived: &mut mpsc::Receiver<Chunk>,
        side: &mut Side,
    ) -> Option<Option<Chunk>> {
        loop {
            self.refresh(link);
            let deadline = self.pipeline.deadline();
            // A clock that has already run out fires before anything else passes (a timer's
            // first poll may not see its past deadline).
            if let Some((at, end)) = deadline
                && at <= Instant::now()
            {
                link.end(end);
                return None;
            }
            tokio::select! {
                biased;
                () = link.cut.cancelled() => return None,
                changed = self.behavior.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                end = expiry(deadline) => {
                    link.end(end);
                    return None;
                }
                answer = poll_fn(|cx| poll_answer(side, cx)) => return Some(Some(Chunk {
                    bytes: answer,
                    arrived: Instant::now(),
                })),
                chunk = arrived.recv() => {
                    self.refresh(link);
                    return Some(chunk);
                }
            }
        }
    }
}

/// The next error answer, downstream; never, upstream (nor once the channel closed).
fn poll_answer(side: &mut Side, cx: &mut Context<'_>) -> Poll<Bytes> {
    match side {
        Side::Downstream { answers } => match answers.poll_recv(cx) {
            Poll::Ready(Some(answer)) => Poll::Ready(answer),
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        },
        Side::Upstream { .. } => Poll::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Behavior;
    use crate::Protocol;
    use crate::connection::{Role, Shared};
    use crate::history::Limits;
    use crate::proxy::{Backend, ProxyState};
    use crate::tls::TestCa;

    fn proxy() -> Arc<Shared> {
        let backend = Backend::new("127.0.0.1:9", Protocol::Tcp).expect("host:port");
        Arc::new(Shared::new(
            "127.0.0.1:1".parse().expect("an address"),
            Behavior::proxy("dummy").expect("a proxy behavior"),
            7,
            Limits::default(),
            TestCa::for_process(),
            Role::Proxy(ProxyState::new(backend)),
        ))
    }

    #[test]
    fn a_down_undone_before_a_direction_looks_still_ends_the_link() {
        let shared = proxy();
        let link = Link::new(Arc::clone(&shared), 0, shared.closings());
        let mut follower = Follower::new(&link, Direction::Upstream, 7);
        assert!(!follower.refresh(&link), "dummy copies");
        assert_eq!(link.ended(), None);
        // Both changes land before the direction wakes: it sees only the behavior restored.
        shared.replace_behavior(Behavior::proxy("down").expect("a proxy behavior"));
        shared.replace_behavior(Behavior::proxy("dummy").expect("a proxy behavior"));
        follower.refresh(&link);
        assert_eq!(link.ended(), Some(End::Close));
        assert!(link.cut.is_cancelled(), "both directions stop");
    }

    #[test]
    fn a_link_opened_after_a_closing_change_is_not_ended_by_it() {
        let shared = proxy();
        shared.close_open_connections();
        let link = Link::new(Arc::clone(&shared), 0, shared.closings());
        let mut follower = Follower::new(&link, Direction::Downstream, 7);
        follower.refresh(&link);
        assert_eq!(link.ended(), None);
        shared.close_open_connections();
        follower.refresh(&link);
        assert_eq!(link.ended(), Some(End::Close));
    }
}
