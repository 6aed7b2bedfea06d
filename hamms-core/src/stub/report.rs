//! What the stubs report: the 404 a request no stub matched gets (the nearest stubs and why each
//! refused, as WireMock's near misses), and the failure of expectations (each stub with its
//! expected and received counts, the requests it answered, and the nearest it did not).

use std::fmt::Write as _;
use std::sync::Arc;

use super::registry::Mounted;
use super::scenarios::Scenarios;
use crate::history::{Exchange, History, Request};

/// How many near misses a report lists.
const NEAREST: usize = 3;

/// The body of the 404 a request no stub matched gets: the request, and the stubs nearest to
/// matching it, each with the conditions that refused it.
pub(crate) fn unmatched(
    request: &Request,
    mounted: &[Arc<Mounted>],
    scenarios: &Scenarios,
) -> String {
    let mut out = format!(
        "hamms: no stub matched this request\n\n{} {} {:?}\n",
        request.method, request.target, request.version
    );
    let mut nearest: Vec<(Vec<String>, &Arc<Mounted>)> = mounted
        .iter()
        .map(|m| (m.refusals(request, scenarios), m))
        .collect();
    // Fewest refusals first; the sort is stable, so ties keep the order stubs are tried in.
    nearest.sort_by_key(|(refused, _)| refused.len());
    let _ = writeln!(out, "\nNearest stubs, and what refused each:");
    for (refused, m) in nearest.iter().take(NEAREST) {
        let _ = writeln!(
            out,
            "  {} ({}): {}",
            m.id,
            m.stub.describe(),
            refused.join("; ")
        );
    }
    if nearest.len() > NEAREST {
        let _ = writeln!(out, "  ... and {} more", nearest.len() - NEAREST);
    }
    out
}

/// The report of the stubs whose expectation failed, or `None` if every one held. `history`
/// gives the requests each answered and the nearest it did not; `server` names the server.
pub(crate) fn failed_expectations(
    mounted: &[Arc<Mounted>],
    history: &History,
    scenarios: &Scenarios,
    server: &str,
) -> Option<String> {
    let failed: Vec<&Arc<Mounted>> = mounted.iter().filter(|m| !m.expectation_met()).collect();
    if failed.is_empty() {
        return None;
    }
    let (count, verb) = match failed.len() {
        1 => ("1 stub".to_owned(), "did not get the requests it expected"),
        n => (
            format!("{n} stubs"),
            "did not get the requests they expected",
        ),
    };
    let mut out = format!(
        "hamms: {count} {verb} ({server}, seed {}):\n",
        history.seed()
    );
    for m in failed {
        describe_failure(&mut out, m, history, scenarios);
    }
    Some(out)
}

fn describe_failure(out: &mut String, m: &Mounted, history: &History, scenarios: &Scenarios) {
    let expected = m
        .stub
        .expectation
        .map_or_else(|| "any number of requests".to_owned(), |t| t.to_string());
    let _ = writeln!(
        out,
        "- {} ({}): expected {expected}, received {}",
        m.id,
        m.stub.describe(),
        m.answered()
    );
    let numbered = || {
        history
            .exchanges()
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u64 + history.evicted(), e))
    };
    let answered: Vec<String> = numbered()
        .filter(|(_, e)| e.stub.as_ref() == Some(&*m.id))
        .map(|(n, e)| format!("#{n} {} {}", e.request.method, e.request.target))
        .collect();
    if answered.is_empty() {
        let _ = writeln!(out, "    it answered no request");
    } else {
        let _ = writeln!(out, "    requests it answered: {}", answered.join(", "));
    }
    let mut missed: Vec<(Vec<String>, u64, &Exchange)> = numbered()
        .filter(|(_, e)| e.stub.as_ref() != Some(&*m.id))
        .map(|(n, e)| (m.refusals(&e.request, scenarios), n, e))
        .collect();
    missed.sort_by_key(|(refused, ..)| refused.len());
    if missed.is_empty() {
        let _ = writeln!(out, "    no other request arrived");
        return;
    }
    let _ = writeln!(out, "    nearest requests it did not answer:");
    for (refused, n, exchange) in missed.iter().take(NEAREST) {
        let why = match &exchange.stub {
            _ if !refused.is_empty() => refused.join("; "),
            Some(other) => format!("all its conditions match, but {other} answered first"),
            None => "all its conditions match (it was not mounted yet)".to_owned(),
        };
        let request = &exchange.request;
        let _ = writeln!(
            out,
            "      #{n} {} {}: {why}",
            request.method, request.target
        );
    }
}
