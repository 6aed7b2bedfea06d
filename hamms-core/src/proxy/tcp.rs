//! The proxy for bytes: both directions pumped at once, each through its toxics; Vaurien's
//! behaviors act on each read of the client (a "call").

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::shaper::{Shaper, shapers};
use super::stack::{Call, has, stage};
use super::state::ProxyState;
use crate::connection::{After, Conn, Served};
use crate::params::Params;

/// Bytes read at a time, each way.
const READ_CHUNK: usize = 64 * 1024;
/// Reads that may wait for their turn to leave (a latency toxic holds them): 4 MiB at most.
const READ_AHEAD: usize = 64;

/// Relays the connection to `backend` until both sides closed, a toxic ends it, or the server
/// stops.
pub(super) async fn serve(conn: &mut Conn, state: &ProxyState, stack: &[Params]) -> Served {
    let backend = &state.backend.addr;
    let backend = match TcpStream::connect(backend).await {
        Ok(stream) => stream,
        Err(error) => {
            tracing::warn!(%backend, %error, "the proxy's backend cannot be reached: closing");
            return Ok(After::Close);
        }
    };
    let _ = backend.set_nodelay(true);
    let (up, down) = shapers(stack, conn.shared(), &state.bandwidth_clock);
    let [up_seed, down_seed]: [u64; 2] = conn.shared().random(None, |rng| rng.random());
    let cut = CancellationToken::new();
    let (answers, answered) = mpsc::channel(16);

    let (client_read, client_write) = tokio::io::split(conn.lend_io());
    let (backend_read, backend_write) = backend.into_split();
    let upstream = Upstream {
        state,
        stack,
        shaper: up,
        rng: Xoshiro256PlusPlus::seed_from_u64(up_seed),
        answers,
        cut: cut.clone(),
    }
    .pump(client_read, backend_write);
    let downstream = Downstream {
        state,
        stack,
        shaper: down,
        rng: Xoshiro256PlusPlus::seed_from_u64(down_seed),
        answered,
        cut: cut.clone(),
    }
    .pump(backend_read, client_write);
    tokio::select! {
        () = cut.cancelled() => Ok(After::Close),
        _ = async { tokio::join!(upstream, downstream) } => Ok(After::Close),
    }
}

/// Random bytes: what `error` answers instead of the backend, or injects into its data.
fn garbage(rng: &mut Xoshiro256PlusPlus) -> Vec<u8> {
    let mut bytes = vec![0; 16];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Client to backend.
struct Upstream<'a> {
    state: &'a ProxyState,
    stack: &'a [Params],
    shaper: Shaper,
    rng: Xoshiro256PlusPlus,
    /// Bytes to send the client instead of the backend's answer.
    answers: mpsc::Sender<Vec<u8>>,
    cut: CancellationToken,
}

impl Upstream<'_> {
    async fn pump(mut self, from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin) {
        let (arrivals, mut arrived) = mpsc::channel::<(Instant, Vec<u8>)>(READ_AHEAD);
        let relay = async {
            let delay = stage(self.stack, "delay").filter(|s| s.flag("before"));
            while let Some((at, bytes)) = arrived.recv().await {
                if Call::decide(self.state, self.stack) == Call::Fail {
                    let bytes = garbage(&mut self.rng);
                    if self.answers.send(bytes).await.is_err() {
                        return;
                    }
                    continue;
                }
                if let Some(delay) = delay {
                    tokio::time::sleep(delay.duration("sleep")).await;
                }
                if !matches!(self.shaper.forward(&bytes, at, &mut to).await, Ok(true)) {
                    self.cut.cancel();
                    return;
                }
                if has(self.stack, "abort") {
                    // Forwarded; now cut both sides without an answer.
                    self.cut.cancel();
                    return;
                }
            }
            // The client is done sending: pass its FIN on, so the backend can still answer.
            self.shaper.pass_close(&mut to).await;
        };
        tokio::join!(read_into(from, arrivals), relay);
    }
}

/// Reads `from` until it ends, handing each read on with the time it arrived: toxics delay
/// data from its arrival, not from when the previous piece left.
async fn read_into(mut from: impl AsyncRead + Unpin, arrivals: mpsc::Sender<(Instant, Vec<u8>)>) {
    let mut buf = vec![0; READ_CHUNK];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if arrivals
            .send((Instant::now(), buf[..n].to_vec()))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Backend to client.
struct Downstream<'a> {
    state: &'a ProxyState,
    stack: &'a [Params],
    shaper: Shaper,
    rng: Xoshiro256PlusPlus,
    answered: mpsc::Receiver<Vec<u8>>,
    cut: CancellationToken,
}

impl Downstream<'_> {
    async fn pump(mut self, from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin) {
        let (arrivals, mut arrived) = mpsc::channel::<(Instant, Vec<u8>)>(READ_AHEAD);
        let relay = async {
            let delay = stage(self.stack, "delay").filter(|s| !s.flag("before"));
            let inject = stage(self.stack, "error").filter(|s| s.flag("inject"));
            let warmup = inject.map_or(0, |s| s.int("warmup"));
            loop {
                let (at, mut data) = tokio::select! {
                    Some(bytes) = self.answered.recv() => {
                        if to.write_all(&bytes).await.is_err() || to.flush().await.is_err() {
                            return;
                        }
                        continue;
                    }
                    read = arrived.recv() => match read {
                        Some(read) => read,
                        None => break,
                    },
                };
                if let Some(delay) = delay {
                    tokio::time::sleep(delay.duration("sleep")).await;
                }
                if inject.is_some() && self.state.calls_seen() > warmup {
                    let at = self.rng.random_range(0..=data.len());
                    let bytes = garbage(&mut self.rng);
                    data.splice(at..at, bytes);
                }
                if !matches!(self.shaper.forward(&data, at, &mut to).await, Ok(true)) {
                    self.cut.cancel();
                    return;
                }
            }
            self.shaper.pass_close(&mut to).await;
        };
        tokio::join!(read_into(from, arrivals), relay);
    }
}
