//! [`Pipe`]: zero-copy pass-through on Linux, as HAProxy does it: splice(2) moves a socket's
//! bytes into a pipe and from the pipe into the other socket, and they never cross user space.
//!
//! Design note: a direction splices only while it copies (nothing acts on its bytes) and its
//! connection's record keeps no more of them (past the record's raw cap, bytes are counted, not
//! kept: a splice counts what it moved). Before that, the copy path reads the first bytes, so
//! the record keeps them exactly as a copy would. The pipe is emptied into the destination
//! before the next read, so a switch to shaping finds it empty, except after the read that saw
//! the switch: those bytes are read back out of the pipe ([`Pipe::take`]) and shaped, in order,
//! like the chunk a copy would have read. The pipe is made at the first splice and lives as
//! long as its direction: an idle connection holds none, a busy one two (two descriptors each);
//! at most [`ENLARGED_PIPES`] of the process's pipes are enlarged past the kernel's default.
//!
//! rustix is the binding (safe functions over the raw system calls): the workspace forbids
//! `unsafe`.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;
use rustix::pipe::{
    PipeFlags, SpliceFlags, fcntl_getpipe_size, fcntl_setpipe_size, pipe_with, splice,
};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// The pipe's capacity asked for: a splice moves at most this much at a time. Measured with
/// `cargo bench -p hamms-core --bench proxy` on a 2-core machine, 1 MiB moved 1.3x what the
/// kernel's default (64 KiB) did, and 4 MiB no more than 1 MiB (the default limit for users).
const PIPE_SIZE: usize = 1024 * 1024;

/// How many pipes of the process are enlarged to [`PIPE_SIZE`] at once; the others keep the
/// kernel's default. Pipe memory counts against a per-user limit (`pipe-user-pages-soft`,
/// 64 MiB by default): past it, the kernel gives every new pipe of the user, in any process,
/// a single page. 16 MiB of enlarged pipes stays well inside it however many connections a
/// test opens (a default pipe is 64 KiB).
const ENLARGED_PIPES: usize = 16;

/// Pipes enlarged now.
static ENLARGED: AtomicUsize = AtomicUsize::new(0);

/// A pipe between a direction's two sockets, empty between its transfers.
#[derive(Debug)]
pub(super) struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    /// What the pipe holds at most (what the kernel granted).
    capacity: usize,
    /// Whether it counts in [`ENLARGED`].
    enlarged: bool,
}

impl Pipe {
    /// A new pipe. Fails when the process is out of file descriptors: the direction copies then.
    pub(super) fn new() -> io::Result<Pipe> {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        let enlarged = ENLARGED.fetch_add(1, Ordering::Relaxed) < ENLARGED_PIPES
            // Refused (a limit lowered by the machine's administrator): the size it has works.
            && fcntl_setpipe_size(&write, PIPE_SIZE).is_ok();
        if !enlarged {
            ENLARGED.fetch_sub(1, Ordering::Relaxed);
        }
        // What the kernel granted: a user past its pipe limit gets one page, not the default.
        let capacity = fcntl_getpipe_size(&write)?;
        Ok(Pipe {
            read,
            write,
            capacity,
            enlarged,
        })
    }

    /// Moves what `from` has received into the (empty) pipe: the count, 0 once `from` finished
    /// sending. `WouldBlock` when it has nothing (its readiness is cleared, as a read's).
    pub(super) fn fill(&self, from: &TcpStream) -> io::Result<usize> {
        from.try_io(Interest::READABLE, || {
            Ok(splice(
                from,
                None,
                &self.write,
                None,
                self.capacity,
                SpliceFlags::MOVE | SpliceFlags::NONBLOCK,
            )?)
        })
    }

    /// Moves up to `len` bytes of the pipe into `to`: the count. `WouldBlock` when `to` has no
    /// room (its readiness is cleared, as a write's).
    pub(super) fn drain(&self, to: &TcpStream, len: usize) -> io::Result<usize> {
        to.try_io(Interest::WRITABLE, || {
            Ok(splice(
                &self.read,
                None,
                to,
                None,
                len,
                SpliceFlags::MOVE | SpliceFlags::NONBLOCK,
            )?)
        })
    }

    /// Takes the `len` bytes the pipe holds back into memory, at the end of `buf`: a behavior
    /// that acts on bytes came into force while they were in the pipe.
    pub(super) fn take(&self, len: usize, buf: &mut BytesMut) -> io::Result<()> {
        let start = buf.len();
        buf.resize(start + len, 0);
        let mut filled = start;
        while filled < buf.len() {
            // The bytes are in the pipe already: a read returns at once.
            match rustix::io::read(&self.read, &mut buf[filled..])? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => filled += n,
            }
        }
        Ok(())
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        if self.enlarged {
            ENLARGED.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// A direction's pipe, made at its first splice.
#[derive(Debug, Default)]
pub(super) enum PipeSlot {
    #[default]
    Unmade,
    Made(Pipe),
    /// Making one failed (no file descriptor left): the direction copies.
    Unavailable,
}

impl PipeSlot {
    /// The pipe, made now if it is the first time.
    pub(super) fn get(&mut self) -> Option<&Pipe> {
        if let PipeSlot::Unmade = self {
            *self = match Pipe::new() {
                Ok(pipe) => PipeSlot::Made(pipe),
                Err(error) => {
                    tracing::debug!(%error, "no pipe to splice through: the direction copies");
                    PipeSlot::Unavailable
                }
            };
        }
        match self {
            PipeSlot::Made(pipe) => Some(pipe),
            PipeSlot::Unmade | PipeSlot::Unavailable => None,
        }
    }
}
