//! WireMock's door to the stubs: a mapping (from a file or the admin API) becomes a stub, with
//! WireMock's matching, answers, priorities and scenarios; the history reads as its request
//! journal. Behind the `wiremock` feature.
//!
//! Design note: WireMock's format is read by `hamms-catalog` (data only, so the attribute macro
//! checks mapping files at compile time); this module turns the data into the engine's terms:
//! a request pattern into matchers (`request`, one per part, so near misses and WireMock's
//! distance come from the stubs' own refusals), a response definition into an answer
//! (`respond`, `template`), the history into journal entries (`journal`). What a server's door
//! keeps besides its stubs (global settings, the files' root, removed journal entries) is its
//! `Door`.

mod door;
mod journal;
mod request;
mod respond;
mod template;
mod value;

use std::sync::Arc;

pub(crate) use door::Door;
use hamms_catalog::wiremock::{Mapping, MappingError, RequestPattern};
pub(crate) use journal::{logged_request, number_of, serve_event};
pub(crate) use request::criteria;
use serde_json::Value;
pub(crate) use value::Compiled;

use super::definition::{ScenarioStep, Stub};

/// WireMock's default priority (`StubMapping.DEFAULT_PRIORITY`).
const DEFAULT_PRIORITY: u8 = 5;

/// The stub of `mapping`, known by `id`: WireMock's matching, answer, priority (ties to the
/// newest) and scenario, and the mapping (with its `id`) to list it back.
///
/// # Errors
/// A [`MappingError`] for what the engine refuses (a regex the `regex` crate does not take, a
/// fault that cannot answer a request...).
pub(crate) fn stub_of(mapping: &Mapping, id: &str, door: &Arc<Door>) -> Result<Stub, MappingError> {
    let mut stub = Stub::any();
    stub.matchers = criteria(&mapping.request)?;
    stub.answer = respond::answer_of(&mapping.response, mapping.webhooks.clone(), door)?;
    stub.priority = mapping.priority.unwrap_or(DEFAULT_PRIORITY);
    stub.newest_first = true;
    stub.name = Some(Arc::from(
        mapping.name.clone().unwrap_or_else(|| id.to_owned()),
    ));
    if let Some(scenario) = &mapping.scenario {
        stub.scenario = Some(ScenarioStep {
            scenario: scenario.clone(),
            required: mapping.required_state.clone(),
            next: mapping.new_state.clone(),
        });
    }
    let mut source = mapping.source.clone();
    if let Value::Object(members) = &mut source {
        members.insert("id".to_owned(), Value::String(id.to_owned()));
        members.insert("uuid".to_owned(), Value::String(id.to_owned()));
        // As WireMock stores it: a request pattern without a method matches `ANY`.
        let request = members
            .entry("request")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(request) = request {
            request
                .entry("method")
                .or_insert_with(|| Value::String("ANY".to_owned()));
        }
    }
    stub.source = Some(Arc::new(source));
    Ok(stub)
}

/// The matchers of a request pattern (a journal query's), with its share of criteria a
/// request fails: WireMock's near-miss distance.
pub(crate) struct Pattern {
    criteria: Vec<Box<dyn super::matchers::Match>>,
}

impl Pattern {
    /// Reads a request pattern from JSON.
    ///
    /// # Errors
    /// A [`MappingError`] locating what is wrong.
    pub(crate) fn parse(value: &Value) -> Result<Pattern, MappingError> {
        let pattern = RequestPattern::parse(value, "")?;
        Ok(Pattern {
            criteria: criteria(&pattern)?,
        })
    }

    /// Whether `request` matches.
    pub(crate) fn matches(&self, request: &crate::history::Request) -> bool {
        self.criteria.iter().all(|c| c.matches(request))
    }

    /// WireMock's distance of `request` from the pattern: the share of criteria it fails.
    pub(crate) fn distance(&self, request: &crate::history::Request) -> f64 {
        distance(&self.criteria, request)
    }
}

/// The weighted share of `criteria` that `request` fails (0 when there are none), as WireMock
/// measures a near miss.
pub(crate) fn distance(
    criteria: &[Box<dyn super::matchers::Match>],
    request: &crate::history::Request,
) -> f64 {
    let total: f64 = criteria.iter().map(|c| c.weight()).sum();
    if total == 0.0 {
        return 0.0;
    }
    let failed: f64 = criteria
        .iter()
        .map(|c| c.weight() * c.distance(request))
        .sum();
    failed / total
}
