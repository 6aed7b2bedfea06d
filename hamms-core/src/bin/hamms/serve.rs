//! The whole catalog on fixed ports: `base + offset` for every mode, as Hamms serves it. This is
//! what `hamms serve` runs, for clients in any language.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hamms_core::catalog::{self, ModeSpec};
use hamms_core::{Error, FaultServer, TestCa};

/// Hamms' base port.
pub(crate) const DEFAULT_BASE_PORT: u16 = 5500;
/// The history each server of `hamms serve` keeps, at most.
const SERVER_HISTORY_BYTES: usize = 1024 * 1024;

/// What [`CatalogServers::start`] binds.
#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    pub(crate) host: IpAddr,
    pub(crate) base_port: u16,
    /// Serve only these modes (names checked by the argument parser).
    pub(crate) only: Option<Vec<String>>,
    pub(crate) seed: Option<u64>,
    pub(crate) ca: Option<Arc<TestCa>>,
    /// Whether the fixture port takes faults chosen by request headers.
    pub(crate) header_faults: bool,
}

impl ServeOptions {
    /// Every mode of the catalog on `host` from `base_port`, with no seed and no CA yet.
    pub(crate) fn every_mode(host: IpAddr, base_port: u16) -> ServeOptions {
        ServeOptions {
            host,
            base_port,
            only: None,
            seed: None,
            ca: None,
            header_faults: false,
        }
    }

    /// The modes these options select, in offset order.
    pub(crate) fn modes(&self) -> Vec<&'static ModeSpec> {
        catalog::modes()
            .iter()
            .filter(|m| {
                self.only
                    .as_ref()
                    .is_none_or(|only| only.iter().any(|n| n == m.name()))
            })
            .collect()
    }

    /// The selected modes, in offset order, each with its address: `base_port + offset` on
    /// `host`.
    ///
    /// # Errors
    /// [`Error::PortOutOfRange`] for the first mode whose port would pass 65535.
    pub(crate) fn addrs(&self) -> Result<Vec<(&'static ModeSpec, SocketAddr)>, Error> {
        self.modes()
            .into_iter()
            .map(|mode| {
                let port =
                    self.base_port
                        .checked_add(mode.offset())
                        .ok_or(Error::PortOutOfRange {
                            base_port: self.base_port,
                            mode: mode.name(),
                        })?;
                Ok((mode, SocketAddr::new(self.host, port)))
            })
            .collect()
    }
}

/// The catalog's servers, each on `base + offset`. Dropping it stops them all.
#[derive(Debug)]
pub(crate) struct CatalogServers {
    servers: Vec<Arc<FaultServer>>,
}

impl CatalogServers {
    /// Binds every selected mode on its port. Either all start or none do.
    ///
    /// # Errors
    /// [`Error::PortOutOfRange`], [`Error::Bind`] naming the port that is taken, or
    /// [`Error::InvalidSeedEnv`].
    pub(crate) fn start(options: &ServeOptions) -> Result<CatalogServers, Error> {
        // Every port is checked before any server starts.
        let addrs = options.addrs()?;
        // One seed for all, printed by the CLI, so a whole session can be replayed: the first
        // server resolves it (the option, else HAMMS_SEED, else a random one).
        let mut seed = options.seed;
        let mut servers = Vec::with_capacity(addrs.len());
        for (mode, addr) in addrs {
            let mut builder = FaultServer::builder(mode.name())
                .bind(addr)
                // A long-running server must not grow without bound: each keeps its last 100
                // requests and connections, bodies cut at 16 KiB, in at most 1 MiB, so the
                // whole catalog holds at most 1 MiB of history per mode.
                .history_limit(100)
                .history_bytes(SERVER_HISTORY_BYTES)
                .body_cap(16 * 1024);
            if let Some(seed) = seed {
                builder = builder.seed(seed);
            }
            if let Some(ca) = &options.ca {
                builder = builder.certificate_authority(Arc::clone(ca));
            }
            if options.header_faults {
                builder = builder.header_faults();
            }
            let server = builder.start()?;
            seed = Some(server.seed());
            servers.push(Arc::new(server));
        }
        Ok(CatalogServers { servers })
    }

    /// The running servers, in offset order.
    pub(crate) fn servers(&self) -> &[Arc<FaultServer>] {
        &self.servers
    }

    /// Each server with its mode's name, for a control API.
    pub(crate) fn named(&self) -> Vec<(String, Arc<FaultServer>)> {
        self.servers
            .iter()
            .map(|server| (server.behavior().name().to_owned(), Arc::clone(server)))
            .collect()
    }

    /// The seed every server uses.
    pub(crate) fn seed(&self) -> Option<u64> {
        self.servers.first().map(|s| s.seed())
    }
}
