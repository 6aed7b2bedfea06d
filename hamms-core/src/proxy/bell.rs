//! [`Bell`]: how a link's two directions learn, while they wait on their sockets, that something
//! else wants them: the link was cut, the server stopped, or the behavior changed (which is also
//! how open connections are told to close).
//!
//! Design note: a direction used to wait on the cut's and the behavior channel's own waiters
//! beside its socket. Each of those is a waiter made, listed under a lock and unlisted again at
//! every read and every write, for changes that almost never come: measured with `cargo bench -p
//! hamms-core --bench proxy` (its "on one core" column), they were 0.9 us of the 7.8 us a 1-byte
//! round trip through hamms added (the bare tokio relay adds 6.6). Now one task per link
//! (`Link::ring_at_changes`) waits on both and rings the bell; a direction's wait registers its waker
//! in an `AtomicWaker` and reads a flag, and checks what happened (`Follower::refresh`, the cut)
//! when it was rung. `Link::end` rings it at once too: the other direction passes no byte after
//! the link ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

use crate::engine::Direction;

/// One flag and one waker for each direction of a link.
#[derive(Default)]
pub(super) struct Bell {
    rung: [AtomicBool; 2],
    wakers: [AtomicWaker; 2],
}

impl Bell {
    /// Wakes both directions: each finds the bell rung at its next wait.
    pub(super) fn ring(&self) {
        for (rung, waker) in self.rung.iter().zip(&self.wakers) {
            rung.store(true, Ordering::Release);
            waker.wake();
        }
    }

    /// Ready when the bell rang since `direction` last heard it; otherwise wakes the task of `cx`
    /// when it rings.
    pub(super) fn poll_rung(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        let side = match direction {
            Direction::Upstream => 0,
            Direction::Downstream => 1,
        };
        // Registered before the flag is read: a ring in between is not lost.
        self.wakers[side].register(cx.waker());
        if self.rung[side].load(Ordering::Acquire) && self.rung[side].swap(false, Ordering::AcqRel)
        {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
