//! [`Link`]: one relayed connection, client and backend, as its two directions share it: the
//! stages drawn for it, how it ends, and the signal that cuts it.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::bell::Bell;
use super::pipeline::End;
use super::roll::{Draw, Rolls};
use super::state::ProxyState;
use crate::connection::{Shared, Versioned};
use crate::sync::lock;

pub(super) struct Link {
    pub(super) shared: Arc<Shared>,
    /// The client connection's id in the history.
    pub(super) connection: u64,
    /// When the link opened: the toxics drawn then are in force from that moment.
    pub(super) opened: Instant,
    /// How many changes had told open connections to close when the client connected (see
    /// `Shared::closings`): once the count grows, the link ends.
    closings: u64,
    rolls: Rolls,
    /// Cancelled when the link ends early (a toxic, `abort`, an error, the server stopping).
    pub(super) cut: CancellationToken,
    /// Rung when the link is cut or the behavior changes (see `bell`).
    pub(super) bell: Bell,
    /// How it ends, once a toxic or behavior decided it (the first decision wins).
    end: Mutex<Option<End>>,
}

impl Link {
    /// The link of client connection `connection`, accepted when the server had told open
    /// connections to close `closings` times.
    pub(super) fn new(shared: Arc<Shared>, connection: u64, closings: u64) -> Link {
        let cut = shared.stop.child_token();
        Link {
            shared,
            connection,
            opened: Instant::now(),
            closings,
            rolls: Rolls::default(),
            cut,
            bell: Bell::default(),
            end: Mutex::new(None),
        }
    }

    /// The proxy's own state.
    pub(super) fn proxy(&self) -> &ProxyState {
        self.shared
            .role
            .proxy()
            // A link is only ever made by a proxy's connection.
            .expect("a link belongs to a proxy")
    }

    /// The stages the link is under, for the behavior in force now.
    pub(super) fn draw(&self) -> Draw {
        self.rolls.current(&self.shared)
    }

    /// Ends the link if a change since the client connected told open connections to close
    /// (`down`, even one already undone; a new upstream). Returns whether it did.
    pub(super) fn close_if_told(&self) -> bool {
        let told = self.shared.closings() != self.closings;
        if told {
            self.end(End::Close);
        }
        told
    }

    /// Ends the link: both directions stop, and the client connection ends as `end` says
    /// (unless an earlier decision said otherwise).
    pub(super) fn end(&self, end: End) {
        lock(&self.end).get_or_insert(end);
        self.cut.cancel();
        // At once, not a task's turn later: the other direction passes no byte after the end.
        self.bell.ring();
    }

    /// Rings the bell at every behavior change `behavior` sees, and when the link is cut (or the
    /// server stops, which cuts it), then ends: the link's own task for what its directions do
    /// not wait on (see `bell`). `behavior` is subscribed before the directions first draw their
    /// stages, so a change made meanwhile still rings.
    pub(super) async fn ring_at_changes(self: Arc<Link>, mut behavior: watch::Receiver<Versioned>) {
        loop {
            tokio::select! {
                biased;
                () = self.cut.cancelled() => break,
                changed = behavior.changed() => {
                    if changed.is_err() {
                        // The server is gone: so is the link.
                        self.cut.cancel();
                    }
                }
            }
            self.bell.ring();
        }
        self.bell.ring();
    }

    /// How the link ended: `None` if both directions finished on their own.
    pub(super) fn ended(&self) -> Option<End> {
        *lock(&self.end)
    }
}
