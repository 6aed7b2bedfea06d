//! [`Shaper`]: the toxics of one direction of one connection, applied to the bytes that pass.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::state::SharedClock;
use crate::connection::Shared;
use crate::params::Params;
use crate::sync::lock;

/// Which way bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// From the client to the backend.
    Upstream,
    /// From the backend to the client.
    Downstream,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Upstream => "upstream",
            Direction::Downstream => "downstream",
        }
    }
}

/// The toxics of one direction, with their state on this connection.
pub(super) struct Shaper {
    latency: Option<(Duration, Duration)>,
    /// Bytes per second, and whose clock says when the next bytes may leave.
    bandwidth: Option<(u64, Clock)>,
    /// Average size, variation, pause between pieces.
    slicer: Option<(usize, usize, Duration)>,
    /// Bytes still allowed through before the connection closes.
    limit: Option<u64>,
    /// Drops everything (the `timeout` toxic).
    black_hole: bool,
    /// How long the close waits (the `slow_close` toxic).
    close_delay: Duration,
    rng: Xoshiro256PlusPlus,
}

enum Clock {
    Own(Option<Instant>),
    Shared(SharedClock),
}

/// The upstream and downstream shapers of one connection (tcp) or request (http), seeded from
/// the server's sequence.
pub(super) fn shapers(stages: &[Params], shared: &Shared, clock: &SharedClock) -> (Shaper, Shaper) {
    let [up, down]: [u64; 2] = shared.random(None, |rng| rng.random());
    (
        Shaper::new(stages, Direction::Upstream, clock, up),
        Shaper::new(stages, Direction::Downstream, clock, down),
    )
}

impl Shaper {
    /// The toxics among `stages` that act in `direction`, seeded with `seed`.
    fn new(
        stages: &[Params],
        direction: Direction,
        shared_clock: &SharedClock,
        seed: u64,
    ) -> Shaper {
        let mut shaper = Shaper {
            latency: None,
            bandwidth: None,
            slicer: None,
            limit: None,
            black_hole: false,
            close_delay: Duration::ZERO,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        };
        let here = stages.iter().filter(|s| {
            s.mode().params().iter().any(|p| p.name() == "direction")
                && s.text("direction") == direction.name()
        });
        for stage in here {
            match stage.mode().name() {
                "latency" => {
                    shaper.latency = Some((stage.duration("latency"), stage.duration("jitter")))
                }
                "bandwidth" => {
                    let clock = if stage.flag("shared") {
                        Clock::Shared(Arc::clone(shared_clock))
                    } else {
                        Clock::Own(None)
                    };
                    shaper.bandwidth = Some((stage.int("rate") * 1000, clock));
                }
                "slicer" => {
                    shaper.slicer = Some((
                        usize::try_from(stage.int("average_size")).unwrap_or(usize::MAX),
                        usize::try_from(stage.int("size_variation")).unwrap_or(usize::MAX),
                        Duration::from_micros(stage.int("delay")),
                    ));
                }
                "limit_data" => shaper.limit = Some(stage.int("bytes")),
                "timeout" => shaper.black_hole = true,
                "slow_close" => shaper.close_delay = stage.duration("delay"),
                _ => {}
            }
        }
        shaper
    }

    /// Passes the close (FIN) on to `out`, as late as a `slow_close` toxic says.
    pub(super) async fn pass_close<W: AsyncWrite + Unpin>(&self, out: &mut W) {
        tokio::time::sleep(self.close_delay).await;
        let _ = out.shutdown().await;
    }

    /// Whether a `limit_data` toxic has let all its bytes through.
    pub(super) fn exhausted(&self) -> bool {
        self.limit == Some(0)
    }

    /// Sends `bytes`, which arrived at `arrived`, to `out` as the toxics allow. Returns `false`
    /// once `limit_data` is reached: the caller closes the connection.
    pub(super) async fn forward<W: AsyncWrite + Unpin>(
        &mut self,
        mut bytes: &[u8],
        arrived: Instant,
        out: &mut W,
    ) -> io::Result<bool> {
        if self.black_hole {
            return Ok(true);
        }
        if let Some(left) = &mut self.limit {
            let allowed = usize::try_from(*left)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            bytes = &bytes[..allowed];
            *left -= allowed as u64;
        }
        if let Some((latency, jitter)) = self.latency {
            // From the data's arrival: pieces that waited behind others are not delayed twice.
            let jitter_ms = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX);
            let offset = self.rng.random_range(0..=jitter_ms.saturating_mul(2));
            let wait = (latency + Duration::from_millis(offset)).saturating_sub(jitter);
            tokio::time::sleep_until(arrived + wait).await;
        }
        let mut first = true;
        while !bytes.is_empty() {
            let size = self.next_piece(bytes.len());
            let (piece, rest) = bytes.split_at(size);
            if let Some((_, _, pause)) = self.slicer
                && !first
            {
                tokio::time::sleep(pause).await;
            }
            first = false;
            self.wait_for_bandwidth(piece.len()).await;
            out.write_all(piece).await?;
            out.flush().await?;
            bytes = rest;
        }
        Ok(!self.exhausted())
    }

    /// The size of the next piece to send out of `left` bytes.
    fn next_piece(&mut self, left: usize) -> usize {
        let mut size = left;
        if let Some((average, variation, _)) = self.slicer {
            let low = average.saturating_sub(variation).max(1);
            let high = average.saturating_add(variation).max(low);
            size = size.min(self.rng.random_range(low..=high));
        }
        if let Some((rate, _)) = &self.bandwidth {
            // Pieces of a twentieth of a second keep the flow smooth.
            size = size.min(usize::try_from(*rate / 20).unwrap_or(usize::MAX).max(1));
        }
        size
    }

    /// Waits until `len` more bytes fit the rate: each piece leaves when it would have finished
    /// crossing a link of that rate.
    async fn wait_for_bandwidth(&mut self, len: usize) {
        let Some((rate, clock)) = &mut self.bandwidth else {
            return;
        };
        let cost = Duration::from_secs_f64(len as f64 / *rate as f64);
        let due = match clock {
            Clock::Own(next) => advance(next, cost),
            Clock::Shared(shared) => advance(&mut lock(shared), cost),
        };
        tokio::time::sleep_until(due).await;
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
