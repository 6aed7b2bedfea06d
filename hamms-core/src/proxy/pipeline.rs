//! [`Pipeline`]: the toxics of one direction of one connection, with their state, applied to the
//! bytes that pass.
//!
//! Design note: a behavior change reaches an open connection here. [`Pipeline::follow`] puts the
//! new stack in force at the moment of the change; a toxic that stays exactly as it was keeps its
//! state (a bandwidth schedule, the bytes a `limit_data` has let through, a `timeout`'s clock), a
//! new one starts from the change:
//! - `latency` delays the bytes read after the change (bytes read before pass as they were going to);
//! - `bandwidth` paces from the change; `slicer` cuts what is sent after it;
//! - `limit_data` counts from the change; `timeout` and `reset_peer` start their clocks at it;
//! - `slow_close` delays a close that happens after it.
//!
//! Toxics apply in this order whatever their order in the stack: limit, black hole, latency, then
//! slicing and pacing of each piece.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::state::SharedClock;
use crate::connection::After;
use crate::engine::{Direction, Stage};
use crate::sync::lock;

/// How a toxic ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// Close it (FIN).
    Close,
    /// Reset it (TCP RST).
    Reset,
}

impl From<End> for After {
    fn from(end: End) -> After {
        match end {
            End::Close => After::Close,
            End::Reset => After::Reset,
        }
    }
}

/// Waits for a toxic's `deadline` and says how it ends the connection; without one, never
/// returns (a branch of a `select!` that never wins).
pub(super) async fn expiry(deadline: Option<(Instant, End)>) -> End {
    match deadline {
        Some((at, end)) => {
            tokio::time::sleep_until(at).await;
            end
        }
        None => std::future::pending().await,
    }
}

/// What becomes of the connection after a chunk went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    /// A `limit_data` let its last byte through: the connection closes.
    Exhausted,
}

/// The toxics of one direction, in force since a given moment, with their state.
pub(super) struct Pipeline {
    direction: Direction,
    toxics: Vec<Active>,
    rng: Xoshiro256PlusPlus,
    shared_clock: SharedClock,
}

struct Active {
    stage: Stage,
    /// When it took effect on this connection.
    since: Instant,
    state: State,
}

enum State {
    /// Nothing to keep (`latency`, `slow_close`: their options say it all).
    Stateless,
    Bandwidth(Clock),
    /// When the next piece may leave.
    Slicer(Option<Instant>),
    /// Bytes still allowed through.
    Limit(u64),
    /// When the connection closes; `None`: never (a black hole).
    Timeout(Option<Instant>),
    /// When the connection is reset.
    ResetPeer(Instant),
}

enum Clock {
    Own(Option<Instant>),
    Shared(SharedClock),
}

impl Pipeline {
    /// An empty pipeline (everything passes) for `direction`, its random choices seeded with
    /// `seed`; `shared_clock` paces the proxy-wide bandwidth.
    pub(super) fn new(direction: Direction, seed: u64, shared_clock: SharedClock) -> Pipeline {
        Pipeline {
            direction,
            toxics: Vec::new(),
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            shared_clock,
        }
    }

    /// Puts the toxics of `stages` that act in this direction in force from `now`. A toxic
    /// equal to one in force keeps that one's state.
    pub(super) fn follow(&mut self, stages: &[Stage], now: Instant) {
        let mut old = std::mem::take(&mut self.toxics);
        for stage in stages {
            if stage.toxic().is_none_or(|t| t.direction != self.direction) {
                continue;
            }
            let kept = old
                .iter()
                .position(|active| active.stage == *stage)
                .map(|i| old.swap_remove(i));
            let active = kept.unwrap_or_else(|| Active {
                state: self.fresh_state(stage, now),
                stage: *stage,
                since: now,
            });
            self.toxics.push(active);
        }
    }

    fn fresh_state(&self, stage: &Stage, now: Instant) -> State {
        match *stage {
            Stage::Bandwidth { shared, .. } => State::Bandwidth(if shared {
                Clock::Shared(Arc::clone(&self.shared_clock))
            } else {
                Clock::Own(None)
            }),
            Stage::Slicer { .. } => State::Slicer(None),
            Stage::LimitData { bytes, .. } => State::Limit(bytes),
            Stage::Timeout { timeout, .. } => {
                State::Timeout((!timeout.is_zero()).then(|| now + timeout))
            }
            Stage::ResetPeer { timeout, .. } => State::ResetPeer(now + timeout),
            // `latency` and `slow_close`; `follow` passes toxics only (Vaurien's behaviors act on
            // calls, not on bytes).
            _ => State::Stateless,
        }
    }

    /// Whether bytes pass untouched.
    pub(super) fn is_empty(&self) -> bool {
        self.toxics.is_empty()
    }

    /// The earliest moment a toxic ends the connection (`reset_peer`, `timeout`), and how.
    pub(super) fn deadline(&self) -> Option<(Instant, End)> {
        self.toxics
            .iter()
            .filter_map(|active| match active.state {
                State::ResetPeer(at) => Some((at, End::Reset)),
                State::Timeout(Some(at)) => Some((at, End::Close)),
                _ => None,
            })
            .min_by_key(|(at, _)| *at)
    }

    /// How long a close waits before it passes (`slow_close`).
    pub(super) fn close_delay(&self) -> Duration {
        self.toxics
            .iter()
            .filter_map(|active| match active.stage {
                Stage::SlowClose { delay, .. } => Some(delay),
                _ => None,
            })
            .max()
            .unwrap_or_default()
    }

    /// Passes the close (FIN) on to `out`, as late as a `slow_close` says.
    pub(super) async fn pass_close<W: AsyncWrite + Unpin>(&self, out: &mut W) {
        self.wait_to_close().await;
        let _ = out.shutdown().await;
    }

    /// Waits as long as a `slow_close` holds back a close in this direction.
    pub(super) async fn wait_to_close(&self) {
        let delay = self.close_delay();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }

    /// Sends `bytes`, which arrived at `arrived`, to `out` as the toxics allow. Returns what
    /// becomes of the connection, and how many of the bytes were written (a prefix: the rest
    /// was dropped).
    pub(super) async fn forward<W: AsyncWrite + Unpin>(
        &mut self,
        mut bytes: &[u8],
        arrived: Instant,
        out: &mut W,
    ) -> io::Result<(Flow, usize)> {
        if self.is_empty() {
            out.write_all(bytes).await?;
            return Ok((Flow::Continue, bytes.len()));
        }
        let mut exhausted = false;
        for active in &mut self.toxics {
            if let State::Limit(left) = &mut active.state {
                let allowed = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                bytes = &bytes[..allowed];
                *left -= allowed as u64;
                exhausted |= *left == 0;
            }
        }
        let black_hole = self
            .toxics
            .iter()
            .any(|a| matches!(a.stage, Stage::Timeout { .. }));
        if black_hole {
            return Ok((Flow::Continue, 0));
        }
        let written = bytes.len();
        if let Some(wait) = self.latency(arrived)
            && arrived + wait > Instant::now()
        {
            // Not for bytes already due: a timer would round even a zero latency up to the
            // next millisecond tick.
            tokio::time::sleep_until(arrived + wait).await;
        }
        while !bytes.is_empty() {
            let size = self.next_piece(bytes.len());
            let (piece, rest) = bytes.split_at(size);
            self.wait_for_slicer().await;
            self.wait_for_bandwidth(piece.len()).await;
            out.write_all(piece).await?;
            bytes = rest;
        }
        let flow = if exhausted {
            Flow::Exhausted
        } else {
            Flow::Continue
        };
        Ok((flow, written))
    }

    /// How long bytes that arrived at `arrived` wait: the latency toxics in force when they were
    /// read (bytes read before a latency took effect are not delayed by it).
    fn latency(&mut self, arrived: Instant) -> Option<Duration> {
        let mut total: Option<Duration> = None;
        for active in &self.toxics {
            if let Stage::Latency {
                latency, jitter, ..
            } = active.stage
                && arrived >= active.since
            {
                let jitter_ms = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX);
                let offset = self.rng.random_range(0..=jitter_ms.saturating_mul(2));
                let wait = (latency + Duration::from_millis(offset)).saturating_sub(jitter);
                total = Some(total.unwrap_or_default() + wait);
            }
        }
        total
    }

    /// The size of the next piece to send out of `left` bytes.
    fn next_piece(&mut self, left: usize) -> usize {
        let mut size = left;
        for active in &self.toxics {
            match active.stage {
                Stage::Slicer {
                    average_size,
                    size_variation,
                    ..
                } => {
                    let low = average_size.saturating_sub(size_variation).max(1);
                    let high = average_size.saturating_add(size_variation).max(low);
                    size = size.min(self.rng.random_range(low..=high));
                }
                Stage::Bandwidth { rate, .. } => {
                    // Pieces of a twentieth of a second keep the flow smooth.
                    size = size.min(usize::try_from(rate / 20).unwrap_or(usize::MAX).max(1));
                }
                _ => {}
            }
        }
        size
    }

    /// Waits until a slicer lets the next piece go: each piece takes a slot of `delay`, as
    /// Toxiproxy sleeps after each piece. Slots follow a schedule, so the timer's millisecond
    /// granularity and late wake-ups are caught up on rather than added; a zero delay never
    /// sleeps.
    async fn wait_for_slicer(&mut self) {
        for active in &mut self.toxics {
            if let (Stage::Slicer { delay, .. }, State::Slicer(next)) =
                (&active.stage, &mut active.state)
            {
                if delay.is_zero() {
                    continue;
                }
                if let Some(at) = *next
                    && at > Instant::now()
                {
                    tokio::time::sleep_until(at).await;
                }
                let now = Instant::now();
                // An idle (or hopelessly late) link starts a new schedule.
                let slot = next.filter(|at| *at + CATCH_UP >= now).unwrap_or(now);
                *next = Some(slot + *delay);
            }
        }
    }

    /// Waits until `len` more bytes fit the rate: each piece leaves when it would have finished
    /// crossing a link of that rate.
    async fn wait_for_bandwidth(&mut self, len: usize) {
        let mut due = None;
        for active in &mut self.toxics {
            if let (Stage::Bandwidth { rate, .. }, State::Bandwidth(clock)) =
                (&active.stage, &mut active.state)
            {
                let cost = Duration::from_secs_f64(len as f64 / *rate as f64);
                let at = match clock {
                    Clock::Own(next) => advance(next, cost),
                    Clock::Shared(shared) => advance(&mut lock(shared), cost),
                };
                due = due.max(Some(at));
            }
        }
        if let Some(due) = due
            && due > Instant::now()
        {
            tokio::time::sleep_until(due).await;
        }
    }
}

/// How far behind its schedule a busy link may fall and still catch up. Wake-ups come late on a
/// loaded machine; booking from "now" each time would add every delay to the transfer.
const CATCH_UP: Duration = Duration::from_millis(250);

/// Books `cost` on a bandwidth clock: returns when the booked bytes may leave. A link idle for
/// longer than [`CATCH_UP`] starts a new schedule (no burst for time nobody used).
fn advance(next: &mut Option<Instant>, cost: Duration) -> Instant {
    let now = Instant::now();
    let start = match *next {
        Some(at) if at + CATCH_UP >= now => at,
        _ => now,
    };
    let due = start + cost;
    *next = Some(due);
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Behavior;
    use crate::engine::Stage;

    fn stages(spec: &str, options: &[(&str, &str)]) -> Vec<Stage> {
        let mut behavior = Behavior::proxy(spec).unwrap();
        for (k, v) in options {
            behavior = behavior.param(k, v).unwrap();
        }
        let crate::engine::Model::Proxy(mix) = crate::engine::model(&behavior) else {
            panic!("`{spec}` is a proxy behavior");
        };
        mix.choices()[0].stages.iter().map(Stage::of).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_toxic_that_stays_keeps_its_state_and_a_changed_one_starts_over() {
        let mut pipeline = Pipeline::new(Direction::Downstream, 1, SharedClock::default());
        let start = Instant::now();
        pipeline.follow(&stages("limit_data", &[("bytes", "10")]), start);
        let mut out = Vec::new();
        assert_eq!(
            pipeline.forward(b"123456", start, &mut out).await.unwrap(),
            (Flow::Continue, 6)
        );
        // The same toxic again: 4 bytes left, not 10.
        pipeline.follow(&stages("limit_data", &[("bytes", "10")]), Instant::now());
        assert_eq!(
            pipeline.forward(b"abcdef", start, &mut out).await.unwrap(),
            (Flow::Exhausted, 4)
        );
        assert_eq!(out, b"123456abcd");
        // Another limit counts from the change.
        pipeline.follow(&stages("limit_data", &[("bytes", "3")]), Instant::now());
        let mut out = Vec::new();
        pipeline.forward(b"xyzw", start, &mut out).await.unwrap();
        assert_eq!(out, b"xyz");
    }

    #[tokio::test(start_paused = true)]
    async fn timers_start_at_the_change_and_toxics_of_the_other_direction_are_ignored() {
        let mut pipeline = Pipeline::new(Direction::Upstream, 1, SharedClock::default());
        let change = Instant::now();
        pipeline.follow(&stages("reset_peer", &[("timeout", "300")]), change);
        assert!(pipeline.is_empty(), "reset_peer is downstream by default");
        pipeline.follow(
            &stages(
                "reset_peer",
                &[("timeout", "300"), ("direction", "upstream")],
            ),
            change,
        );
        assert_eq!(
            pipeline.deadline(),
            Some((change + Duration::from_millis(300), End::Reset))
        );
        pipeline.follow(&[], Instant::now());
        assert!(pipeline.is_empty());
        assert_eq!(pipeline.deadline(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn latency_spares_bytes_read_before_it_took_effect() {
        let mut pipeline = Pipeline::new(Direction::Downstream, 1, SharedClock::default());
        let before = Instant::now();
        tokio::time::advance(Duration::from_millis(5)).await;
        pipeline.follow(&stages("latency", &[("latency", "100")]), Instant::now());
        let mut out = Vec::new();
        let started = Instant::now();
        pipeline.forward(b"old", before, &mut out).await.unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO);
        pipeline
            .forward(b"new", Instant::now(), &mut out)
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_slicer_delay_never_sleeps() {
        let mut pipeline = Pipeline::new(Direction::Downstream, 1, SharedClock::default());
        pipeline.follow(&stages("slicer", &[("average_size", "1")]), Instant::now());
        let mut out = Vec::new();
        let started = Instant::now();
        pipeline
            .forward(&[7; 5000], Instant::now(), &mut out)
            .await
            .unwrap();
        assert_eq!(out.len(), 5000);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
