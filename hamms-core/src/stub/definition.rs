//! [`Stub`]: a request pattern, what it answers, and what the test expects of it.

use std::fmt;
use std::sync::Arc;

use super::answer::Answer;
use super::matchers::{self, Match};
use super::times::Times;
use crate::history::Request;

/// A stub: the requests it matches, what it answers them, and what the test expects of it.
/// Mount it on a fixture or an `http` proxy ([`FaultServer::mount`](crate::FaultServer::mount),
/// [`Stub::mount`]); the server checks its expectation when dropped.
///
/// Which stub answers: among the stubs whose matchers all match (and whose scenario is in the
/// state they want, and that have answers left under [`up_to_n_times`](Self::up_to_n_times)),
/// the one with the lowest [`priority`](Self::with_priority); between equal priorities, the one
/// mounted first (as wiremock-rs; WireMock picks the newest).
///
/// ```
/// use hamms_core::matchers::{method, path};
/// use hamms_core::{Answer, Behavior, Response, Stub};
///
/// let payments = Stub::given(method("POST"))
///     .and(path("/payments"))
///     .respond_with(
///         Answer::fault(Behavior::mode("reset_by_peer")?)
///             .times(2)
///             .then(Response::status(201)),
///     )
///     .named("payments")
///     .expect(3);
/// # let _ = payments;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Stub {
    pub(crate) matchers: Vec<Box<dyn Match>>,
    pub(crate) answer: Answer,
    pub(crate) expectation: Option<Times>,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) limit: Option<u64>,
    pub(crate) priority: u8,
    pub(crate) scenario: Option<ScenarioStep>,
    /// The WireMock mapping the stub was made from (with its `id`), for WireMock's admin API.
    #[cfg(feature = "wiremock")]
    pub(crate) source: Option<Arc<serde_json::Value>>,
    /// Whether the stub goes before the stubs of its priority already mounted (WireMock's
    /// rule), rather than after them.
    pub(crate) newest_first: bool,
}

/// What a stub wants of a scenario, and what it makes of it.
#[derive(Debug, Clone)]
pub(crate) struct ScenarioStep {
    pub(crate) scenario: String,
    /// The state the scenario must be in for the stub to match; `None`: any.
    pub(crate) required: Option<String>,
    /// The state the scenario moves to when the stub answers; `None`: it stays.
    pub(crate) next: Option<String>,
}

impl Stub {
    /// The priority of a stub that sets none: 5, as in wiremock-rs. Lower numbers go first.
    pub const DEFAULT_PRIORITY: u8 = 5;

    /// A stub for the requests `matcher` matches; add conditions with [`and`](Self::and).
    pub fn given(matcher: impl Match + 'static) -> Stub {
        Stub::any().and(matcher)
    }

    /// A stub for every request (until conditions are added).
    pub fn any() -> Stub {
        Stub {
            matchers: Vec::new(),
            answer: Answer::default(),
            expectation: None,
            name: None,
            limit: None,
            priority: Stub::DEFAULT_PRIORITY,
            scenario: None,
            #[cfg(feature = "wiremock")]
            source: None,
            newest_first: false,
        }
    }

    /// One more condition: the stub matches requests that meet all of them.
    pub fn and(mut self, matcher: impl Match + 'static) -> Stub {
        self.matchers.push(Box::new(matcher));
        self
    }

    /// What the stub answers: a [`Response`](crate::Response), or any [`Answer`]. Default:
    /// `200` with an empty body.
    pub fn respond_with(mut self, answer: impl Into<Answer>) -> Stub {
        self.answer = answer.into();
        self
    }

    /// How many requests the stub expects to answer: a count (`2`) or a range (`1..`,
    /// `..=3`). Checked when the server is dropped, when a scoped stub's guard is dropped, and by
    /// [`FaultServer::verify`](crate::FaultServer::verify).
    pub fn expect(mut self, times: impl Into<Times>) -> Stub {
        self.expectation = Some(times.into());
        self
    }

    /// A name, printed in reports and in the history instead of the stub's number.
    pub fn named(mut self, name: impl Into<String>) -> Stub {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// Answers at most `n` requests; after them the stub no longer matches, and the next stub
    /// in line (or the unmatched answer) takes the requests.
    pub fn up_to_n_times(mut self, n: u64) -> Stub {
        self.limit = Some(n);
        self
    }

    /// The stub's priority: lower goes first. Default [`Stub::DEFAULT_PRIORITY`] (5).
    pub fn with_priority(mut self, priority: u8) -> Stub {
        self.priority = priority;
        self
    }

    /// Makes the stub a step of scenario `name`: a named state machine, which starts in state
    /// `"Started"` (as WireMock's). With
    /// [`when_scenario_state`](Self::when_scenario_state) the stub matches only in that state;
    /// with [`will_set_scenario_state`](Self::will_set_scenario_state) answering moves the
    /// scenario on.
    ///
    /// ```
    /// use hamms_core::matchers::path;
    /// use hamms_core::{Response, Stub};
    ///
    /// let login = Stub::given(path("/login"))
    ///     .in_scenario("session")
    ///     .will_set_scenario_state("logged_in")
    ///     .respond_with(Response::ok().text("token-1"));
    /// let data = Stub::given(path("/data"))
    ///     .in_scenario("session")
    ///     .when_scenario_state("logged_in")
    ///     .will_set_scenario_state("expired")
    ///     .respond_with(Response::ok());
    /// let expired = Stub::given(path("/data"))
    ///     .in_scenario("session")
    ///     .when_scenario_state("expired")
    ///     .respond_with(Response::status(401));
    /// # let _ = (login, data, expired);
    /// ```
    pub fn in_scenario(mut self, name: impl Into<String>) -> Stub {
        self.scenario_step().scenario = name.into();
        self
    }

    /// Matches only while the stub's scenario is in `state`.
    ///
    /// # Panics
    /// Without [`in_scenario`](Self::in_scenario) first.
    #[track_caller]
    pub fn when_scenario_state(mut self, state: impl Into<String>) -> Stub {
        self.scenario_named("when_scenario_state").required = Some(state.into());
        self
    }

    /// Moves the stub's scenario to `state` when the stub answers.
    ///
    /// # Panics
    /// Without [`in_scenario`](Self::in_scenario) first.
    #[track_caller]
    pub fn will_set_scenario_state(mut self, state: impl Into<String>) -> Stub {
        self.scenario_named("will_set_scenario_state").next = Some(state.into());
        self
    }

    fn scenario_step(&mut self) -> &mut ScenarioStep {
        self.scenario.get_or_insert_with(|| ScenarioStep {
            scenario: String::new(),
            required: None,
            next: None,
        })
    }

    #[track_caller]
    fn scenario_named(&mut self, call: &str) -> &mut ScenarioStep {
        match &mut self.scenario {
            Some(step) if !step.scenario.is_empty() => step,
            _ => panic!("hamms: call in_scenario(\"name\") before {call}"),
        }
    }

    /// Whether every matcher matches `request`.
    pub(crate) fn matches(&self, request: &Request) -> bool {
        self.matchers.iter().all(|m| m.matches(request))
    }

    /// The values the matchers capture from `request`.
    pub(crate) fn captures(&self, request: &Request) -> Vec<(String, String)> {
        self.matchers
            .iter()
            .flat_map(|m| m.captures(request))
            .collect()
    }

    /// Why each refusing matcher refuses `request`.
    pub(crate) fn refusals(&self, request: &Request) -> Vec<String> {
        self.matchers
            .iter()
            .filter(|m| !m.matches(request))
            .map(|m| m.refusal(request))
            .collect()
    }

    /// The conditions, as a report prints them.
    pub(crate) fn describe(&self) -> String {
        if self.matchers.is_empty() {
            return "any request".to_owned();
        }
        matchers::joined(&self.matchers, " and ")
    }

    /// The expectation, if the stub has one.
    pub fn expectation(&self) -> Option<Times> {
        self.expectation
    }

    /// The stub's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Debug for Stub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stub")
            .field("name", &self.name)
            .field("matches", &self.describe())
            .field("answer", &self.answer)
            .field("expectation", &self.expectation)
            .field("limit", &self.limit)
            .field("priority", &self.priority)
            .field("scenario", &self.scenario)
            .finish()
    }
}
