//! Scenarios: named state machines that stubs read and move on, as WireMock's.

use std::collections::BTreeMap;

/// The state every scenario starts in (WireMock's `Scenario.STARTED`).
pub(crate) const STARTED: &str = "Started";

/// The state of each scenario a stub or the test has named; a scenario never named is in
/// [`STARTED`].
#[derive(Debug, Default)]
pub(crate) struct Scenarios {
    states: BTreeMap<String, String>,
}

impl Scenarios {
    /// The state of scenario `name`.
    pub(crate) fn state(&self, name: &str) -> &str {
        self.states.get(name).map_or(STARTED, String::as_str)
    }

    /// Puts scenario `name` in `state`.
    pub(crate) fn set(&mut self, name: &str, state: &str) {
        if state == STARTED {
            self.states.remove(name);
        } else {
            self.states.insert(name.to_owned(), state.to_owned());
        }
    }

    /// Every scenario back to [`STARTED`].
    pub(crate) fn reset(&mut self) {
        self.states.clear();
    }
}
