//! [`Registry`]: the servers a control API reaches, by name, in order: those handed to it at
//! start, and the proxies it created itself (Toxiproxy's `POST /proxies`, `/populate`), which it
//! owns: they live as long as the control API does.
//!
//! Design note: one lock serializes every change, as Toxiproxy's proxy collection does, and is
//! held across the awaits of a change (a behavior switch waits for the listener; a deleted
//! proxy's port is free before the answer), so two requests never interleave their steps.

use std::sync::Arc;

use tokio::sync::{Mutex, MutexGuard};

use super::toxic::{NamedToxic, stack};
use crate::Behavior;
use crate::error::Error;
use crate::server::FaultServer;
use hamms_catalog::Presets;

/// Where a server came from, which decides what the control API may do to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// Handed to the control API by whoever started it, who may hold it too: it can be
    /// switched, not deleted or moved to another address.
    Given,
    /// Created by the control API, which owns it; `listen` is the address as it was asked for
    /// (`127.0.0.1:0`), to tell a repeated `populate` from a change.
    Created { listen: String },
}

/// One server of the control API.
#[derive(Debug)]
pub(super) struct Controlled {
    pub(super) name: String,
    pub(super) server: Arc<FaultServer>,
    /// The behavior it started with: what `reset` restores.
    pub(super) initial: Behavior,
    /// Options for its behaviors, used whenever the API switches to one of them.
    pub(super) presets: Presets,
    /// Toxiproxy's named toxics, in order: the proxy's behavior is the stack they make (while it
    /// is enabled). A behavior set by another route replaces them.
    pub(super) toxics: Vec<NamedToxic>,
    pub(super) origin: Origin,
}

impl Controlled {
    pub(super) fn new(
        name: String,
        server: Arc<FaultServer>,
        presets: Presets,
        origin: Origin,
    ) -> Controlled {
        Controlled {
            initial: server.behavior(),
            name,
            server,
            presets,
            toxics: Vec::new(),
            origin,
        }
    }

    /// Whether it lets connections through (Toxiproxy's `enabled`): false while `down` (or, for
    /// a catalog server, `refused`).
    pub(super) fn enabled(&self) -> bool {
        self.server.behavior().accepts_connections()
    }

    /// Puts in force the stack of its toxics, or `down` if `enabled` is false.
    ///
    /// # Errors
    /// As [`FaultServer::try_set_behavior`] (a server that is not a proxy).
    pub(super) async fn apply_toxics(&self, enabled: bool) -> Result<(), Error> {
        let behavior = if enabled {
            stack(&self.toxics)?
        } else {
            Behavior::proxy("down")?
        };
        self.server.switch_behavior(behavior).await.map(drop)
    }

    /// Sets `behavior` from a route other than Toxiproxy's: it replaces the toxics.
    ///
    /// # Errors
    /// [`Error::WrongRole`] for a behavior meant for another kind of server.
    pub(super) async fn switch(&mut self, behavior: Behavior) -> Result<(), Error> {
        self.server.switch_behavior(behavior).await?;
        self.toxics.clear();
        Ok(())
    }

    /// Back to the start: the starting behavior, no toxics, an empty history.
    pub(super) async fn reset(&mut self) {
        // The starting behavior was this server's own, so its role admits it.
        let _ = self.switch(self.initial.clone()).await;
        self.server.clear_history();
    }
}

/// The servers of one control API.
#[derive(Debug)]
pub(super) struct Registry {
    servers: Mutex<Vec<Controlled>>,
    /// Seeds the proxies this control API creates (`None`: `HAMMS_SEED`, else random).
    pub(super) seed: Option<u64>,
}

impl Registry {
    pub(super) fn new(servers: Vec<Controlled>, seed: Option<u64>) -> Registry {
        Registry {
            servers: Mutex::new(servers),
            seed,
        }
    }

    /// The servers, for one request's reads and changes.
    pub(super) async fn lock(&self) -> MutexGuard<'_, Vec<Controlled>> {
        self.servers.lock().await
    }
}

/// The index of the server `name`.
pub(super) fn position(servers: &[Controlled], name: &str) -> Option<usize> {
    servers.iter().position(|c| c.name == name)
}

/// The names of the servers, for messages.
pub(super) fn names(servers: &[Controlled]) -> Vec<String> {
    servers.iter().map(|c| c.name.clone()).collect()
}
