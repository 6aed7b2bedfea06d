//! Stopping a long-running command: Ctrl-C and SIGTERM.

use crate::output::Failure;

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from the moment of registration.
pub(crate) struct StopSignals {
    runtime: tokio::runtime::Runtime,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub(crate) fn register() -> Result<StopSignals, Failure> {
        StopSignals::listen().map_err(|e| Failure::other(format!("cannot listen for Ctrl-C: {e}")))
    }

    fn listen() -> std::io::Result<StopSignals> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let _context = runtime.enter();
            let interrupt = signal(SignalKind::interrupt())?;
            let terminate = signal(SignalKind::terminate())?;
            Ok(StopSignals {
                runtime,
                interrupt,
                terminate,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals { runtime })
    }

    /// Blocks until one of the signals arrives, or `also` completes.
    pub(crate) fn wait_or(mut self, also: impl std::future::Future<Output = ()>) {
        self.runtime.block_on(async {
            #[cfg(unix)]
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
                () = also => {}
            }
            #[cfg(not(unix))]
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = also => {}
            }
        });
    }

    /// Blocks until one of the signals arrives.
    pub(crate) fn wait(mut self) {
        self.runtime.block_on(async {
            #[cfg(unix)]
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
        });
    }
}
