//! Stubs on a server: mounting them, scoped or not, verifying their expectations, reading what
//! each answered, and the scenarios they move.

use std::fmt;
use std::sync::Arc;

use super::handle::FaultServer;
use crate::Protocol;
use crate::connection::{Role, Shared};
use crate::error::Error;
use crate::history::{Request, StubId};
use crate::stub::{Mounted, Stub, failed_expectations};

/// Stubs: request-matched answers on the fixture and on an `http` proxy.
///
/// ```
/// use hamms_core::matchers::{method, path};
/// use hamms_core::{Answer, Behavior, FaultServer, Response, Stub};
///
/// let server = FaultServer::fixture().start()?;
/// server.mount(
///     Stub::given(method("POST"))
///         .and(path("/payments"))
///         .respond_with(Answer::fault(Behavior::mode("reset_by_peer")?).times(2).then(Response::status(201)))
///         .expect(3),
/// );
/// server.mount(Stub::given(path("/status")).respond_with(Response::ok().json(&serde_json::json!({"ok": true}))));
/// // ... the client under test retries its payment; at drop, the server checks that the
/// // payments stub answered exactly 3 requests, and panics naming it if not.
/// # server.reset();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl FaultServer {
    /// Mounts `stub`: from now on it answers the requests it matches (see [`Stub`] for which
    /// stub answers when several match). Returns its id, which the history's exchanges carry
    /// ([`Exchange::stub`](crate::Exchange::stub)).
    ///
    /// # Panics
    /// On a server that serves no HTTP requests (a mode's server that never served the
    /// fixture, a `tcp` proxy): see [`try_mount`](Self::try_mount).
    #[track_caller]
    pub fn mount(&self, stub: Stub) -> StubId {
        self.try_mount(stub)
            .unwrap_or_else(|e| panic!("hamms: {e}"))
    }

    /// [`mount`](Self::mount), for callers that handle the error.
    ///
    /// # Errors
    /// [`Error::NoStubsHere`] on a server that serves no HTTP requests to match.
    pub fn try_mount(&self, stub: Stub) -> Result<StubId, Error> {
        takes_stubs(self.shared())?;
        Ok(StubId::clone(&self.shared().stubs.mount(stub).id))
    }

    /// Mounts `stub` for as long as the guard lives: dropping the guard unmounts it and checks
    /// its expectation (panicking if it failed, unless the test is already panicking), as
    /// wiremock-rs's `mount_as_scoped`.
    ///
    /// # Panics
    /// As [`mount`](Self::mount).
    #[track_caller]
    pub fn mount_scoped(&self, stub: Stub) -> StubGuard<'_> {
        if let Err(e) = takes_stubs(self.shared()) {
            panic!("hamms: {e}");
        }
        StubGuard {
            server: self,
            mounted: self.shared().stubs.mount(stub),
        }
    }

    /// Unmounts the stub `id` without checking its expectation; `false` if it was not
    /// mounted.
    pub fn unmount(&self, id: &StubId) -> bool {
        self.shared().stubs.unmount(id).is_some()
    }

    /// Checks the expectation of every mounted stub ([`Stub::expect`]) now, as dropping the
    /// server does.
    ///
    /// # Panics
    /// If any failed: the message lists each such stub with its expected and received counts,
    /// the requests it answered and the nearest it did not, with the condition that refused
    /// each.
    #[track_caller]
    pub fn verify(&self) {
        if let Some(report) = self.failed_expectations() {
            panic!("{report}");
        }
    }

    /// The requests the stub `id` answered, in order (as far as the history keeps them).
    pub fn received_by(&self, id: &StubId) -> Vec<Request> {
        received_by(self.shared(), id)
    }

    /// The state of scenario `name` (`"Started"` until a stub moves it).
    pub fn scenario_state(&self, name: &str) -> String {
        self.shared()
            .stubs
            .scenarios(|scenarios| scenarios.state(name).to_owned())
    }

    /// Puts scenario `name` in `state`, as if a stub had moved it.
    pub fn set_scenario_state(&self, name: &str, state: &str) {
        self.shared()
            .stubs
            .scenarios(|scenarios| scenarios.set(name, state));
    }

    /// Puts every scenario back in `"Started"`.
    pub fn reset_scenarios(&self) {
        self.shared().stubs.scenarios(|scenarios| scenarios.reset());
    }

    /// The report of the failed expectations of every mounted stub, for the handle's drop.
    pub(super) fn failed_expectations(&self) -> Option<String> {
        let mounted = self.shared().stubs.snapshot();
        report(self.shared(), &mounted)
    }
}

/// Mounting a stub on a server, wiremock-rs's way round.
impl Stub {
    /// Mounts the stub on `server` ([`FaultServer::mount`]).
    ///
    /// # Panics
    /// As [`FaultServer::mount`].
    #[track_caller]
    pub fn mount(self, server: &FaultServer) -> StubId {
        server.mount(self)
    }

    /// Mounts the stub on `server` for as long as the guard lives
    /// ([`FaultServer::mount_scoped`]).
    ///
    /// # Panics
    /// As [`FaultServer::mount`].
    #[track_caller]
    pub fn mount_scoped(self, server: &FaultServer) -> StubGuard<'_> {
        server.mount_scoped(self)
    }
}

/// Whether the server has requests to match stubs against: it has served the fixture, or it is
/// an `http` proxy.
pub(super) fn takes_stubs(shared: &Shared) -> Result<(), Error> {
    let server = match &shared.role {
        Role::Catalog { .. } if shared.role.plan().is_some() => return Ok(()),
        Role::Catalog { .. } => "serves a catalog mode and has never served the fixture",
        Role::Proxy(state) if state.backend().protocol == Protocol::Http => return Ok(()),
        Role::Proxy(_) => "is a tcp proxy, which relays bytes, not requests",
    };
    Err(Error::NoStubsHere { server })
}

fn report(shared: &Shared, mounted: &[Arc<Mounted>]) -> Option<String> {
    if mounted.iter().all(|m| m.expectation_met()) {
        return None;
    }
    let history = shared.history.snapshot();
    let server = format!("server {}", shared.addr);
    shared
        .stubs
        .scenarios(|scenarios| failed_expectations(mounted, &history, scenarios, &server))
}

fn received_by(shared: &Shared, id: &StubId) -> Vec<Request> {
    shared
        .history
        .snapshot()
        .exchanges()
        .iter()
        .filter(|e| e.stub.as_ref() == Some(id))
        .map(|e| e.request.clone())
        .collect()
}

/// A stub mounted for as long as the guard lives. From [`FaultServer::mount_scoped`]; dropping
/// it unmounts the stub and checks its expectation.
#[must_use = "the stub is unmounted as soon as the guard drops"]
pub struct StubGuard<'a> {
    server: &'a FaultServer,
    mounted: Arc<Mounted>,
}

impl StubGuard<'_> {
    /// The stub's id.
    pub fn id(&self) -> &StubId {
        &self.mounted.id
    }

    /// How many requests the stub answered so far.
    pub fn answered(&self) -> u64 {
        self.mounted.answered()
    }

    /// The requests the stub answered, in order (as far as the history keeps them).
    pub fn received_requests(&self) -> Vec<Request> {
        received_by(self.server.shared(), &self.mounted.id)
    }
}

impl Drop for StubGuard<'_> {
    fn drop(&mut self) {
        let shared = self.server.shared();
        shared.stubs.unmount(&self.mounted.id);
        if std::thread::panicking() {
            return;
        }
        if let Some(report) = report(shared, std::slice::from_ref(&self.mounted)) {
            panic!("{report}");
        }
    }
}

impl fmt::Debug for StubGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StubGuard")
            .field("stub", &self.mounted.id)
            .field("answered", &self.answered())
            .finish()
    }
}
