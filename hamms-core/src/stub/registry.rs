//! [`Stubs`]: the stubs mounted on a server, which one answers a request, and what each
//! answered.
//!
//! Design note: a request reads the mounted stubs as a snapshot (an `Arc` of the list in the
//! order they are tried), taken under a lock held for a pointer copy; mounting and unmounting
//! make a new list and leave the snapshot to be rebuilt by the next request, so a test that
//! mounts 10,000 stubs pays for one rebuild, not 10,000. A stub counts what it answered in an
//! atomic, claimed before it answers: a stub limited to `n` answers (`up_to_n_times`) never
//! answers `n + 1`, however many connections race for it; a stub of a scenario checks and moves
//! the scenario under the scenarios' lock, so two requests never both see the state that only
//! one of them may leave.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::answer::{Matched, Resolved};
use super::definition::Stub;
use super::scenarios::Scenarios;
use crate::history::{Request, StubId};
use crate::sync::lock;

/// The stubs of a server.
#[derive(Default)]
pub(crate) struct Stubs {
    registry: Mutex<Registry>,
    /// Whether any stub is mounted: a server without stubs checks one atomic per request.
    any: AtomicBool,
    /// The index the next stub mounted gets.
    next_index: AtomicU64,
    scenarios: Mutex<Scenarios>,
    /// Whether requests may choose their own fault by header (`x-hamms-fault`, Envoy's
    /// `x-envoy-fault-*`): off unless the server was built with it.
    header_faults: AtomicBool,
    /// WireMock's state beside the stubs, for the stubs made from its mappings.
    #[cfg(feature = "wiremock")]
    pub(crate) door: Arc<super::wiremock::Door>,
    /// WireMock's admin API on the server's own port (`/__admin/...`), once opened.
    #[cfg(feature = "wiremock")]
    admin: std::sync::OnceLock<AdminRoute>,
}

/// What answers `/__admin/...` on a WireMock server's own port.
#[cfg(feature = "wiremock")]
pub(crate) type AdminRoute = Arc<dyn Fn(&Request) -> crate::fixture::Response + Send + Sync>;

#[derive(Default)]
struct Registry {
    /// In the order they are tried: by priority, then by index (first mounted first).
    mounted: Vec<Arc<Mounted>>,
    /// `mounted` as requests read it; `None` after a change, until the next request.
    snapshot: Option<Arc<[Arc<Mounted>]>>,
}

/// A stub on a server, with what it answered.
pub(crate) struct Mounted {
    /// Shared with the exchanges it answers, which hold it until recorded.
    pub(crate) id: Arc<StubId>,
    pub(crate) stub: Stub,
    /// How many requests it claimed (answered, or is answering).
    answered: AtomicU64,
}

/// The stub that claimed a request, and which of its matches the request is.
pub(crate) struct Selection {
    pub(crate) mounted: Arc<Mounted>,
    nth: u64,
}

impl Selection {
    /// Whether the stub's answer runs a closure of the test's.
    pub(crate) fn computes(&self) -> bool {
        self.mounted.stub.answer.computes()
    }

    /// The stub's answer to `request`: runs an answer closure, if the stub has one.
    pub(crate) fn resolve(&self, request: &Request) -> Resolved {
        let stub = &self.mounted.stub;
        // Only a closure reads the captures: a fixed answer does not pay for them.
        let captures = if self.computes() {
            stub.captures(request)
        } else {
            Vec::new()
        };
        let matched = Matched::new(request, captures, self.nth);
        stub.answer.resolve(&matched, self.nth)
    }
}

impl Mounted {
    /// How many requests the stub answered.
    pub(crate) fn answered(&self) -> u64 {
        self.answered.load(Ordering::Acquire)
    }

    /// Whether the expectation holds (true for a stub without one).
    pub(crate) fn expectation_met(&self) -> bool {
        self.stub
            .expectation
            .is_none_or(|times| times.contains(self.answered()))
    }

    /// Claims a request the stub's matchers matched: counts it, unless the stub answered its
    /// limit or its scenario is in another state; moves the scenario on. Returns which match it
    /// is (from 0).
    fn claim(&self, scenarios: &Mutex<Scenarios>) -> Option<u64> {
        let Some(step) = &self.stub.scenario else {
            return self.count_one();
        };
        let mut scenarios = lock(scenarios);
        if step
            .required
            .as_deref()
            .is_some_and(|required| scenarios.state(&step.scenario) != required)
        {
            return None;
        }
        let nth = self.count_one()?;
        if let Some(next) = &step.next {
            scenarios.set(&step.scenario, next);
        }
        Some(nth)
    }

    fn count_one(&self) -> Option<u64> {
        match self.stub.limit {
            None => Some(self.answered.fetch_add(1, Ordering::AcqRel)),
            Some(limit) => self
                .answered
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    (n < limit).then_some(n + 1)
                })
                .ok(),
        }
    }

    /// Why the stub does not take `request`: its refusing matchers, or, if they all match, the
    /// scenario state or the limit that stops it. Empty if it would take it.
    pub(crate) fn refusals(&self, request: &Request, scenarios: &Scenarios) -> Vec<String> {
        let refused = self.stub.refusals(request);
        if !refused.is_empty() {
            return refused;
        }
        let mut stopped = Vec::new();
        if let Some(step) = &self.stub.scenario
            && let Some(required) = &step.required
        {
            let state = scenarios.state(&step.scenario);
            if state != required {
                stopped.push(format!(
                    "scenario {:?} in state {required:?} (was {state:?})",
                    step.scenario
                ));
            }
        }
        if let Some(limit) = self.stub.limit
            && self.answered() >= limit
        {
            stopped.push(format!("up to {limit} answers (all given)"));
        }
        stopped
    }
}

impl Stubs {
    /// Lets requests choose their faults by header, or stops them.
    pub(crate) fn allow_header_faults(&self, allow: bool) {
        self.header_faults.store(allow, Ordering::Release);
    }

    /// Whether requests go through the stubs at all: some are mounted, requests may choose
    /// faults by header, or the server answers WireMock's admin API.
    pub(crate) fn in_use(&self) -> bool {
        #[cfg(feature = "wiremock")]
        if self.admin.get().is_some() {
            return true;
        }
        self.header_faults() || self.any_mounted()
    }

    /// Opens WireMock's admin API on the server's own port.
    #[cfg(feature = "wiremock")]
    pub(crate) fn open_admin(&self, route: AdminRoute) {
        let _ = self.admin.set(route);
    }

    /// The admin API's answer to `request`, if it is one of its (`/__admin/...`) on a server
    /// that serves it.
    pub(crate) fn admin_answer(&self, request: &Request) -> Option<crate::fixture::Response> {
        #[cfg(feature = "wiremock")]
        if let Some(route) = self.admin.get()
            && (request.path == "/__admin" || request.path.starts_with("/__admin/"))
        {
            return Some(route(request));
        }
        let _ = request;
        None
    }

    /// Whether requests may choose faults by header.
    pub(crate) fn header_faults(&self) -> bool {
        self.header_faults.load(Ordering::Acquire)
    }

    /// Whether any stub is mounted.
    pub(crate) fn any_mounted(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Mounts `stub`; returns its id.
    pub(crate) fn mount(&self, stub: Stub) -> Arc<Mounted> {
        let index = self.next_index.fetch_add(1, Ordering::Relaxed);
        let mounted = Arc::new(Mounted {
            id: Arc::new(StubId::new(index, stub.name.clone())),
            stub,
            answered: AtomicU64::new(0),
        });
        self.change(|list| {
            // After every stub of the same priority, so ties go to the first mounted; or before
            // them for a WireMock mapping, whose ties go to the newest.
            let priority = mounted.stub.priority;
            let at = if mounted.stub.newest_first {
                list.partition_point(|m| m.stub.priority < priority)
            } else {
                list.partition_point(|m| m.stub.priority <= priority)
            };
            list.insert(at, Arc::clone(&mounted));
        });
        mounted
    }

    /// Unmounts the stub `id`; returns it, if it was mounted.
    pub(crate) fn unmount(&self, id: &StubId) -> Option<Arc<Mounted>> {
        self.change(|list| {
            let at = list.iter().position(|m| *m.id == *id)?;
            Some(list.remove(at))
        })
    }

    /// Unmounts every stub and puts every scenario back to its start; returns the stubs.
    pub(crate) fn clear(&self) -> Vec<Arc<Mounted>> {
        lock(&self.scenarios).reset();
        self.change(std::mem::take)
    }

    fn change<T>(&self, change: impl FnOnce(&mut Vec<Arc<Mounted>>) -> T) -> T {
        let mut registry = lock(&self.registry);
        let changed = change(&mut registry.mounted);
        registry.snapshot = None;
        self.any
            .store(!registry.mounted.is_empty(), Ordering::Release);
        changed
    }

    /// The mounted stubs, in the order they are tried.
    pub(crate) fn snapshot(&self) -> Arc<[Arc<Mounted>]> {
        let mut registry = lock(&self.registry);
        let Registry { mounted, snapshot } = &mut *registry;
        Arc::clone(snapshot.get_or_insert_with(|| mounted.iter().cloned().collect()))
    }

    /// The stub that answers `request`, claimed: the first in order whose matchers match and
    /// that takes it (its scenario in the state it wants, answers left under its limit).
    pub(crate) fn select(&self, request: &Request) -> Option<Selection> {
        if !self.any_mounted() {
            return None;
        }
        self.snapshot().iter().find_map(|mounted| {
            if !mounted.stub.matches(request) {
                return None;
            }
            let nth = mounted.claim(&self.scenarios)?;
            Some(Selection {
                mounted: Arc::clone(mounted),
                nth,
            })
        })
    }

    /// Runs `read` on the scenarios' states.
    pub(crate) fn scenarios<T>(&self, read: impl FnOnce(&mut Scenarios) -> T) -> T {
        read(&mut lock(&self.scenarios))
    }
}

#[cfg(test)]
mod tests {
    use super::super::matchers::testing::request;
    use super::super::matchers::{path, path_prefix};
    use super::*;
    use crate::fixture::Response;

    fn answering(stubs: &Stubs, target: &str) -> Option<u64> {
        let request = request("GET", target, &[], b"");
        stubs.select(&request).map(|s| s.mounted.id.index())
    }

    #[test]
    fn lower_priorities_go_first_and_ties_go_to_the_first_mounted() {
        let stubs = Stubs::default();
        stubs.mount(Stub::given(path_prefix("/")));
        stubs.mount(Stub::given(path("/a")));
        stubs.mount(Stub::given(path("/a")).with_priority(1));
        stubs.mount(Stub::given(path("/a")).with_priority(1));
        assert_eq!(answering(&stubs, "/a"), Some(2));
        assert_eq!(answering(&stubs, "/b"), Some(0));
        stubs.unmount(&StubId::new(2, None));
        assert_eq!(answering(&stubs, "/a"), Some(3));
    }

    #[test]
    fn a_limited_stub_stops_at_its_limit_and_the_next_takes_over() {
        let stubs = Stubs::default();
        stubs.mount(
            Stub::given(path("/a"))
                .up_to_n_times(2)
                .respond_with(Response::status(503)),
        );
        stubs.mount(Stub::given(path("/a")));
        let got: Vec<_> = (0..4).map(|_| answering(&stubs, "/a")).collect();
        assert_eq!(got, [Some(0), Some(0), Some(1), Some(1)]);
    }

    #[test]
    fn a_scenario_moves_on_as_its_stubs_answer() {
        let stubs = Stubs::default();
        stubs.mount(
            Stub::given(path("/a"))
                .in_scenario("s")
                .will_set_scenario_state("second"),
        );
        stubs.mount(
            Stub::given(path("/a"))
                .with_priority(1)
                .in_scenario("s")
                .when_scenario_state("second")
                .will_set_scenario_state("third"),
        );
        let got: Vec<_> = (0..3).map(|_| answering(&stubs, "/a")).collect();
        assert_eq!(got, [Some(0), Some(1), Some(0)]);
        assert_eq!(stubs.scenarios(|s| s.state("s").to_owned()), "second");
    }

    #[test]
    fn racing_requests_never_pass_a_limit() {
        let stubs = Arc::new(Stubs::default());
        stubs.mount(Stub::given(path("/a")).up_to_n_times(1000));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let stubs = Arc::clone(&stubs);
                std::thread::spawn(move || {
                    (0..500)
                        .filter(|_| answering(&stubs, "/a").is_some())
                        .count()
                })
            })
            .collect();
        let claimed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(claimed, 1000);
    }
}
