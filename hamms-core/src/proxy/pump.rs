//! One direction of a relayed connection: a reader that takes bytes as they arrive, and a
//! writer that passes them on through the direction's toxics, each following the proxy's
//! behavior as it changes.
//!
//! Design note: the reader and the writer are two futures, joined by a bounded channel of `Bytes`
//! cut from one reused buffer: no byte is copied on its way through. The channel lets the writer hold
//! bytes (a latency) while the reader goes on reading, as Toxiproxy's links do; with no toxic,
//! each read is written as soon as it arrives. The writer checks the behavior before each chunk
//! it passes, and wakes at every change (a `reset_peer` or `timeout` clock starts then, `down`
//! ends the link), so a change reaches the connection at its next read.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::calls::{Call, answer_delay, hangs, injects};
use super::link::Link;
use super::pipeline::{End, Flow, Pipeline};
use crate::connection::Versioned;
use crate::stages::{Direction, Stage};

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

/// Client to backend. Each read is a call that Vaurien's behaviors decide; an error answer goes
/// to the client through `answers`. `leftover` are bytes the connection had already read.
pub(super) async fn upstream(
    link: Arc<Link>,
    leftover: Vec<u8>,
    from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    answers: mpsc::Sender<Bytes>,
    seed: u64,
) -> (OwnedReadHalf, OwnedWriteHalf) {
    let (chunks, mut arrived) = mpsc::channel(READ_AHEAD);
    let reader = read(&link, leftover, from, chunks, true);
    let writer = async {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut follower = Follower::new(&link, Direction::Upstream, rng.random());
        loop {
            let Some(chunk) = follower.next(&link, &mut arrived, None).await else {
                return;
            };
            let Some(chunk) = chunk else {
                // The client is done sending: pass its FIN on, so the backend can still answer.
                follower.pipeline.pass_close(&mut to).await;
                return;
            };
            match Call::decide(&follower.stages, link.proxy()) {
                Call::Blackout => return link.end(End::Reset),
                Call::Hang => {}
                Call::Fail => {
                    if answers.send(garbage(&mut rng)).await.is_err() {
                        return;
                    }
                }
                Call::Pass { delay, abort } => {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    if !follower.pass(&link, chunk, &mut to).await {
                        return;
                    }
                    if abort {
                        // Forwarded; now cut both sides without an answer.
                        return link.end(End::Close);
                    }
                }
            }
        }
    };
    // In this order, each time: what the reader hands on, the writer passes in the same poll.
    let (from, ()) = futures_util::future::join(reader, writer).await;
    (from, to)
}

/// Backend to client: the backend's data, and the error answers `upstream` sends.
pub(super) async fn downstream(
    link: Arc<Link>,
    from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut answers: mpsc::Receiver<Bytes>,
    seed: u64,
) -> (OwnedReadHalf, OwnedWriteHalf) {
    let (chunks, mut arrived) = mpsc::channel(READ_AHEAD);
    let reader = read(&link, Vec::new(), from, chunks, false);
    let writer = async {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut follower = Follower::new(&link, Direction::Downstream, rng.random());
        loop {
            let Some(chunk) = follower.next(&link, &mut arrived, Some(&mut answers)).await else {
                return;
            };
            let Some(mut chunk) = chunk else {
                follower.pipeline.pass_close(&mut to).await;
                return;
            };
            if hangs(&follower.stages) {
                continue;
            }
            let delay = answer_delay(&follower.stages);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if injects(&follower.stages, link.proxy()) {
                let at = rng.random_range(0..=chunk.bytes.len());
                let mut injected = BytesMut::with_capacity(chunk.bytes.len() + GARBAGE);
                injected.extend_from_slice(&chunk.bytes[..at]);
                injected.extend_from_slice(&garbage(&mut rng));
                injected.extend_from_slice(&chunk.bytes[at..]);
                chunk.bytes = injected.freeze();
            }
            if !follower.pass(&link, chunk, &mut to).await {
                return;
            }
        }
    };
    // In this order, each time: what the reader hands on, the writer passes in the same poll.
    let (from, ()) = futures_util::future::join(reader, writer).await;
    (from, to)
}

/// Reads `from` until it ends or the link is cut, handing each read on with the time it
/// arrived. What the client sends (`records`) is recorded in the history as it arrives.
async fn read(
    link: &Link,
    leftover: Vec<u8>,
    mut from: OwnedReadHalf,
    chunks: mpsc::Sender<Chunk>,
    records: bool,
) -> OwnedReadHalf {
    if !leftover.is_empty() {
        let chunk = Chunk {
            bytes: leftover.into(),
            arrived: Instant::now(),
        };
        if chunks.send(chunk).await.is_err() {
            return from;
        }
    }
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        buf.reserve(READ_CHUNK);
        let read = tokio::select! {
            () = link.cut.cancelled() => return from,
            read = from.read_buf(&mut buf) => read,
        };
        match read {
            Ok(0) => return from,
            Ok(_) => {}
            Err(_) => {
                // A reset or a failure on one side ends the whole link.
                link.end(End::Close);
                return from;
            }
        }
        if records {
            link.shared.history.received(link.connection, &buf);
        }
        let chunk = Chunk {
            bytes: buf.split().freeze(),
            arrived: Instant::now(),
        };
        if chunks.send(chunk).await.is_err() {
            return from;
        }
    }
}

/// A direction's writer as it follows the behavior: the stages drawn for the link, and the
/// direction's toxics with their state.
struct Follower {
    direction: Direction,
    behavior: watch::Receiver<Versioned>,
    generation: u64,
    stages: Arc<[Stage]>,
    pipeline: Pipeline,
}

impl Follower {
    fn new(link: &Link, direction: Direction, seed: u64) -> Follower {
        // Subscribed before the first draw: a change made in between still wakes the writer.
        let behavior = link.shared.subscribe();
        let draw = link.draw();
        let mut pipeline =
            Pipeline::new(direction, seed, Arc::clone(&link.proxy().bandwidth_clock));
        // In force from when the link opened (or the behavior changed, if later): bytes either
        // direction reads before its writer first looks are under it too.
        pipeline.follow(&draw.stages, link.opened.max(draw.since));
        Follower {
            direction,
            behavior,
            generation: draw.generation,
            stages: draw.stages,
            pipeline,
        }
    }

    /// Puts the behavior in force now in place, if it changed. `down` ends the link.
    fn refresh(&mut self, link: &Link) {
        if link.shared.generation() == self.generation {
            return;
        }
        let draw = link.draw();
        self.pipeline.follow(&draw.stages, draw.since);
        self.generation = draw.generation;
        self.stages = draw.stages;
        if self.stages.contains(&Stage::Down) {
            link.end(End::Close);
        }
        tracing::trace!(connection = link.connection, direction = ?self.direction, "behavior followed");
    }

    /// Waits for the next chunk (`Some(None)`: the other side finished sending), following
    /// behavior changes and firing the toxics' clocks meanwhile; `None` when the link ends.
    /// Error answers, downstream, are written as they come.
    async fn next(
        &mut self,
        link: &Link,
        arrived: &mut mpsc::Receiver<Chunk>,
        mut answers: Option<&mut mpsc::Receiver<Bytes>>,
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
                () = sleep_until(deadline.map(|(at, _)| at)) => {
                    if let Some((_, end)) = deadline {
                        link.end(end);
                    }
                    return None;
                }
                Some(answer) = recv(&mut answers) => return Some(Some(Chunk {
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

    /// Passes `chunk` through the direction's toxics to `to`; records what reaches the client.
    /// Returns whether the link goes on.
    async fn pass<W: AsyncWrite + Unpin>(&mut self, link: &Link, chunk: Chunk, to: &mut W) -> bool {
        let passed = tokio::select! {
            () = link.cut.cancelled() => return false,
            passed = self.pipeline.forward(&chunk.bytes, chunk.arrived, to) => passed,
        };
        match passed {
            Ok((flow, written)) => {
                if self.direction == Direction::Downstream {
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
}

/// Sleeps until `at`, or forever.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next error answer, or never for a direction without answers.
async fn recv(answers: &mut Option<&mut mpsc::Receiver<Bytes>>) -> Option<Bytes> {
    match answers {
        Some(answers) => answers.recv().await,
        None => std::future::pending().await,
    }
}
