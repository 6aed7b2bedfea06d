//! The whole catalog on fixed ports: `base + offset` for every mode, as Hamms serves it. This is
//! what `hamms serve` runs, for clients in any language.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::catalog::{ModeSpec, catalog};
use crate::error::Error;
use crate::server::{FaultServer, resolve_seed};
use crate::table::catalog_table;
use crate::tls::TestCa;

/// Hamms' base port.
pub const DEFAULT_BASE_PORT: u16 = 5500;

/// What [`CatalogServers::start`] binds.
#[derive(Debug, Clone)]
#[must_use]
pub struct ServeOptions {
    host: IpAddr,
    base_port: u16,
    only: Option<Vec<String>>,
    seed: Option<u64>,
    ca: Option<Arc<TestCa>>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            host: Ipv4Addr::LOCALHOST.into(),
            base_port: DEFAULT_BASE_PORT,
            only: None,
            seed: None,
            ca: None,
        }
    }
}

impl ServeOptions {
    /// Loopback, base port 5500, every mode, seed from `HAMMS_SEED` or random.
    pub fn new() -> Self {
        ServeOptions::default()
    }

    /// The address to bind. Loopback by default; other interfaces only when asked.
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// Each mode binds `base_port + offset`.
    pub fn base_port(mut self, base_port: u16) -> Self {
        self.base_port = base_port;
        self
    }

    /// Serves only these modes.
    pub fn only(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.only = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Seeds every server's random choices (default: `HAMMS_SEED`, else random).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Signs the TLS ports' certificates with `ca` (default: the process CA). `hamms serve` gives
    /// a CA kept on disk, which clients in other processes can trust.
    pub fn certificate_authority(mut self, ca: Arc<TestCa>) -> Self {
        self.ca = Some(ca);
        self
    }

    /// The modes these options select, in offset order.
    ///
    /// # Errors
    /// [`Error::UnknownMode`] for a name in `only` that is not in the catalog.
    pub fn modes(&self) -> Result<Vec<&'static ModeSpec>, Error> {
        let Some(only) = &self.only else {
            return Ok(catalog().iter().collect());
        };
        for name in only {
            ModeSpec::named(name)?;
        }
        Ok(catalog()
            .iter()
            .filter(|m| only.iter().any(|n| n == m.name()))
            .collect())
    }

    /// The address of `mode` under these options.
    ///
    /// # Errors
    /// [`Error::PortOutOfRange`] if `base_port + offset` passes 65535.
    pub fn addr_of(&self, mode: &ModeSpec) -> Result<SocketAddr, Error> {
        let port = self
            .base_port
            .checked_add(mode.offset())
            .ok_or(Error::PortOutOfRange {
                base_port: self.base_port,
                mode: mode.name(),
            })?;
        Ok(SocketAddr::new(self.host, port))
    }
}

/// The catalog's servers, each on `base + offset`. Dropping it stops them all.
#[derive(Debug)]
pub struct CatalogServers {
    servers: Vec<Arc<FaultServer>>,
    table: String,
    seed: u64,
}

impl CatalogServers {
    /// Binds every selected mode on its port. Either all start or none do.
    ///
    /// # Errors
    /// [`Error::UnknownMode`], [`Error::PortOutOfRange`], [`Error::Bind`] naming the port that
    /// is taken, or [`Error::InvalidSeedEnv`].
    pub fn start(options: &ServeOptions) -> Result<CatalogServers, Error> {
        let modes = options.modes()?;
        // One seed for all, printed by the CLI, so a whole session can be replayed.
        let seed = resolve_seed(options.seed)?;
        let mut servers = Vec::with_capacity(modes.len());
        for mode in &modes {
            let mut builder = FaultServer::builder(mode.name())
                .bind(options.addr_of(mode)?)
                .seed(seed)
                // A long-running server must not grow without bound: 42 servers keeping 100
                // requests of at most 16 KiB each stay within a few tens of MiB.
                .history_limit(100)
                .body_cap(16 * 1024);
            if let Some(ca) = &options.ca {
                builder = builder.certificate_authority(Arc::clone(ca));
            }
            let server = builder.start()?;
            servers.push(Arc::new(server));
        }
        let table = catalog_table(options.host, options.base_port, &modes);
        Ok(CatalogServers {
            servers,
            table,
            seed,
        })
    }

    /// The running servers, in offset order.
    pub fn servers(&self) -> &[Arc<FaultServer>] {
        &self.servers
    }

    /// Each server with its mode's name, for a [`ControlServer`](crate::ControlServer).
    pub fn named(&self) -> Vec<(String, Arc<FaultServer>)> {
        self.servers
            .iter()
            .map(|server| (server.behavior().name().to_owned(), Arc::clone(server)))
            .collect()
    }

    /// The seed every server uses.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The table of what is served: offset, port, name, URL, description.
    pub fn table(&self) -> &str {
        &self.table
    }
}
