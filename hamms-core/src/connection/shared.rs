//! The state a server's handle shares with its accept loop and connection tasks, and the
//! server's [`Role`] with the state that only its role has.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::Behavior;
use crate::engine::{Model, model};
use crate::error::{Error, ServerKind};
use crate::fixture::Plan;
use crate::history::{Limits, Recorder};
use crate::proxy::ProxyState;
use crate::stub::Stubs;
use crate::sync::lock;
use crate::tls::TestCa;

/// The environment variable that seeds servers whose builder set no seed.
pub(crate) const SEED_ENV: &str = "HAMMS_SEED";

/// The generation of a server's first behavior: the accept loop acknowledges it once the initial
/// socket is in place (listening, refusing, or stalled with a full queue).
pub(crate) const INITIAL_GENERATION: u64 = 1;

/// The behavior in force, numbered so the accept loop can acknowledge each change.
#[derive(Debug, Clone)]
pub(crate) struct Versioned {
    pub(crate) behavior: Behavior,
    pub(crate) generation: u64,
    /// When it was put in force: open connections apply a change from that moment.
    pub(crate) since: Instant,
}

/// One key's count for `retry_counter`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RetryCount {
    /// Requests counted against the key.
    pub(crate) seen: u64,
    /// Failures still to come before the next success; 0: the next request starts a new round
    /// of `tries`. Hamms' `POST /counters?tries=N` sets it.
    pub(crate) remaining: u64,
}

/// Request counts per key, for `retry_counter`; kept across behavior changes.
pub(crate) type Counters = Mutex<BTreeMap<String, RetryCount>>;

/// What a server is, fixed when it starts, with the state only that kind of server has.
pub(crate) enum Role {
    /// A server of the catalog's modes, the fixture among them: it can switch to any mode and
    /// back. What the fixture answers lives in its plan, which outlives behavior changes, so a
    /// test can switch a fixture to a failure mode and back. The plan is made when the server
    /// first serves the fixture (at start, for `FaultServer::fixture()`; at its first switch to
    /// the fixture, for a server started as a mode), and boxed: it is far larger than the
    /// counters, which every such server keeps.
    Catalog {
        counters: Counters,
        plan: OnceLock<Box<Plan>>,
    },
    /// A chaos proxy: it takes proxy behaviors only.
    Proxy(ProxyState),
}

impl Role {
    /// A server started as a catalog mode, with its plan already made if it starts as the
    /// fixture.
    pub(crate) fn catalog(starts_as_fixture: bool) -> Role {
        let plan = OnceLock::new();
        if starts_as_fixture {
            let _ = plan.set(Box::default());
        }
        Role::Catalog {
            counters: Counters::default(),
            plan,
        }
    }

    /// The counters of `retry_counter`, on the servers that run catalog modes.
    pub(crate) fn counters(&self) -> Option<MutexGuard<'_, BTreeMap<String, RetryCount>>> {
        match self {
            Role::Catalog { counters, .. } => Some(lock(counters)),
            Role::Proxy(_) => None,
        }
    }

    /// The fixture's plan, on a server that has served the fixture.
    pub(crate) fn plan(&self) -> Option<&Plan> {
        match self {
            Role::Catalog { plan, .. } => plan.get().map(AsRef::as_ref),
            Role::Proxy(_) => None,
        }
    }

    /// The proxy's state, on a proxy.
    pub(crate) fn proxy(&self) -> Option<&ProxyState> {
        match self {
            Role::Proxy(state) => Some(state),
            Role::Catalog { .. } => None,
        }
    }
}

pub(crate) struct Shared {
    pub(crate) addr: SocketAddr,
    /// The address of the server's second port, whose connections all speak TLS, if it has
    /// one (`ServerBuilder::also_tls_on`).
    pub(crate) tls_addr: OnceLock<SocketAddr>,
    behavior: watch::Sender<Versioned>,
    /// The generation in force, readable without the lock of `behavior`: connections check it
    /// at every request.
    generation: AtomicU64,
    /// How many changes have told the open connections to close: a switch to a behavior that
    /// lets no connection through (`refused`, `connect_timeout`, `down`), or a proxy's new
    /// upstream. A connection notes the count when accepted and closes once it sees it grow, at
    /// its next wake-up: however soon the behavior changes back, the change has marked it.
    closings: AtomicU64,
    /// The last generation whose listening-or-refusing state the accept loop has put in place.
    listener_generation: Mutex<u64>,
    listener_followed: Condvar,
    /// What the server recorded; it also keeps the server's seed.
    pub(crate) history: Recorder,
    /// The server's random sequence. Xoshiro256++ is portable: a seed gives the same draws on
    /// every platform, so a failure seen in CI replays on a laptop.
    rng: Mutex<Xoshiro256PlusPlus>,
    /// Cancelled when the handle drops: the accept loop and every connection end.
    pub(crate) stop: CancellationToken,
    /// Signs the certificates of the server's TLS connections.
    pub(crate) ca: Arc<TestCa>,
    /// What the server is, and the state of its kind.
    pub(crate) role: Role,
    /// The stubs mounted on the server (the fixture and the `http` proxy consult them).
    pub(crate) stubs: Stubs,
    /// Every task of the server (accept loop, connections, HTTP/2 streams): dropping the handle
    /// waits for them.
    pub(crate) tasks: TaskTracker,
    /// The connections' tasks, aborted when the server stops.
    open: Mutex<Open>,
}

/// The tasks of a server's open connections. A stop aborts them: a connection task then needs
/// no cancellation future of its own, polled (and locked) at every one of its wake-ups.
#[derive(Default)]
struct Open {
    stopping: bool,
    tasks: HashMap<u64, AbortHandle>,
}

impl Shared {
    pub(crate) fn new(
        addr: SocketAddr,
        behavior: Behavior,
        seed: u64,
        limits: Limits,
        ca: Arc<TestCa>,
        role: Role,
    ) -> Self {
        Shared {
            addr,
            tls_addr: OnceLock::new(),
            generation: AtomicU64::new(INITIAL_GENERATION),
            closings: AtomicU64::new(0),
            behavior: watch::Sender::new(Versioned {
                behavior,
                generation: INITIAL_GENERATION,
                since: Instant::now(),
            }),
            listener_generation: Mutex::new(0),
            listener_followed: Condvar::new(),
            history: Recorder::new(limits, seed),
            rng: Mutex::new(Xoshiro256PlusPlus::seed_from_u64(seed)),
            stop: CancellationToken::new(),
            ca,
            role,
            stubs: Stubs::default(),
            tasks: TaskTracker::new(),
            open: Mutex::default(),
        }
    }

    /// Starts the task of connection `id` with `spawn`, unless the server is stopping (then the
    /// task is never started, and whatever `spawn` holds is dropped).
    pub(crate) fn start_connection(&self, id: u64, spawn: impl FnOnce() -> AbortHandle) {
        let mut open = lock(&self.open);
        if !open.stopping {
            // Spawned under the lock: the task cannot end (and leave) before it is entered.
            let task = spawn();
            open.tasks.insert(id, task);
        }
    }

    /// Called by connection `id`'s task as it ends.
    pub(crate) fn connection_ended(&self, id: u64) {
        lock(&self.open).tasks.remove(&id);
    }

    /// Stops the server's tasks: the accept loop and its helpers end at the cancellation, open
    /// connections are aborted (each records that the server stopped). Waiting for them is the
    /// caller's.
    pub(crate) fn stop(&self) {
        self.stop.cancel();
        let tasks = {
            let mut open = lock(&self.open);
            open.stopping = true;
            std::mem::take(&mut open.tasks)
        };
        for task in tasks.into_values() {
            task.abort();
        }
        self.tasks.close();
    }

    /// What kind of server this is now: a proxy, or a server of the catalog's modes that is
    /// serving the fixture or another mode.
    pub(crate) fn kind(&self) -> ServerKind {
        match &self.role {
            Role::Proxy(_) => ServerKind::Proxy,
            Role::Catalog { .. } if self.behavior.borrow().behavior.is_fixture() => {
                ServerKind::Fixture
            }
            Role::Catalog { .. } => ServerKind::Mode,
        }
    }

    /// Whether this server can take `behavior`: proxy behaviors for a proxy, catalog modes (the
    /// fixture among them) for the others. A server that takes the fixture for the first time
    /// gets its plan here.
    pub(crate) fn admit(&self, behavior: &Behavior) -> Result<(), Error> {
        let mismatch = |needs| Error::WrongRole {
            asked: format!("`{behavior}`"),
            needs,
            server: self.kind(),
        };
        match (&self.role, model(behavior)) {
            (Role::Proxy(_), Model::Mode(_)) => Err(mismatch(ServerKind::Mode)),
            (Role::Catalog { .. }, Model::Proxy(_)) => Err(mismatch(ServerKind::Proxy)),
            (Role::Catalog { plan, .. }, Model::Mode(_)) => {
                if behavior.is_fixture() {
                    plan.get_or_init(Box::default);
                }
                Ok(())
            }
            (Role::Proxy(_), Model::Proxy(_)) => Ok(()),
        }
    }

    /// The behavior new connections and requests get.
    pub(crate) fn behavior(&self) -> Behavior {
        self.behavior.borrow().behavior.clone()
    }

    /// The behavior in force, with its generation and when it was put in force.
    pub(crate) fn versioned(&self) -> Versioned {
        self.behavior.borrow().clone()
    }

    /// The generation of the behavior in force: it grows at every change.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// How many changes have told the open connections to close; a connection accepted before
    /// the count grew is to close.
    pub(crate) fn closings(&self) -> u64 {
        self.closings.load(Ordering::Acquire)
    }

    /// Marks every open connection to close, and wakes them: each closes at once if idle (or
    /// relaying bytes), or once its exchange is over. Connections accepted later are not marked.
    #[cfg_attr(
        not(feature = "control"),
        allow(
            dead_code,
            reason = "the control API's new upstream closes connections"
        )
    )]
    pub(crate) fn close_open_connections(&self) {
        // Under the channel's lock, before its version moves, as a behavior change: a
        // connection woken by it reads the count already grown.
        self.behavior.send_modify(|_| {
            self.closings.fetch_add(1, Ordering::AcqRel);
        });
    }

    /// Notified at every behavior change.
    pub(crate) fn subscribe(&self) -> watch::Receiver<Versioned> {
        self.behavior.subscribe()
    }

    /// Puts `behavior` in force; returns the previous one and the new generation. The caller
    /// checked that the role admits it.
    pub(crate) fn replace_behavior(&self, behavior: Behavior) -> (Behavior, u64) {
        // Counted behaviors (`transient`, `error`'s warmup) start over each time they are set,
        // also when the same value is set again (a restore, a reset).
        if let Some(proxy) = self.role.proxy() {
            proxy.count_afresh();
        }
        self.history.meter().behavior_changed();
        let mut previous = None;
        let mut generation = 0;
        self.behavior.send_modify(|current| {
            current.generation += 1;
            current.since = Instant::now();
            generation = current.generation;
            // Stored under the channel's lock, before its version moves: a connection that
            // subscribes after the change reads them already changed. A behavior that lets no
            // connection through tells the open ones to close.
            if !behavior.accepts_connections() {
                self.closings.fetch_add(1, Ordering::AcqRel);
            }
            self.generation.store(generation, Ordering::Release);
            previous = Some(std::mem::replace(&mut current.behavior, behavior));
        });
        // send_modify always runs the closure.
        (previous.expect("send_modify ran the closure"), generation)
    }

    /// Called by the accept loop once its socket matches `generation`.
    pub(crate) fn listener_follows(&self, generation: u64) {
        let mut followed = lock(&self.listener_generation);
        *followed = (*followed).max(generation);
        self.listener_followed.notify_all();
    }

    /// Blocks until the accept loop has followed `generation` (or `timeout` passes), so that a
    /// switch to or from `refused` is in effect when `set_behavior` returns.
    pub(crate) fn wait_for_listener(&self, generation: u64, timeout: Duration) -> bool {
        let followed = lock(&self.listener_generation);
        let (followed, _) = self
            .listener_followed
            .wait_timeout_while(followed, timeout, |followed| *followed < generation)
            .unwrap_or_else(PoisonError::into_inner);
        *followed >= generation
    }

    /// Runs `draw` on the server's random sequence, or, when a request carried `?seed=N`, on a
    /// fresh sequence seeded with N alone.
    pub(crate) fn random<T>(
        &self,
        request_seed: Option<u64>,
        draw: impl FnOnce(&mut Xoshiro256PlusPlus) -> T,
    ) -> T {
        match request_seed {
            Some(seed) => draw(&mut Xoshiro256PlusPlus::seed_from_u64(seed)),
            None => draw(&mut lock(&self.rng)),
        }
    }
}

/// The seed a new server uses: the builder's, else `HAMMS_SEED`, else a fresh random one (which
/// the handle reports, so a failing run can be replayed).
pub(crate) fn resolve_seed(explicit: Option<u64>) -> Result<u64, Error> {
    if let Some(seed) = explicit {
        return Ok(seed);
    }
    match std::env::var(SEED_ENV) {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|_| Error::InvalidSeedEnv { value }),
        // RandomState is seeded from the OS per process and varied per instance.
        Err(_) => Ok(RandomState::new().hash_one(std::time::SystemTime::now())),
    }
}
