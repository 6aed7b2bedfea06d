//! Faults a request chooses for itself by header, on servers that allow it: Envoy's fault
//! filter headers (an abort status, a gRPC abort, a delay, each with a percentage), and hamms'
//! own `x-hamms-fault`, which names any catalog mode that answers a request.
//!
//! Design note: this is how a test in another process, or a test several services up a call
//! chain (the header travels with the request), picks a fault for one request. It is off
//! unless the server is built with it (`ServerBuilder::header_faults`, `--header-faults`): a
//! production client pointed at hamms by mistake must not meet faults because some header
//! passed through.

use std::time::Duration;

use super::answer::{Answer, Resolved};
use crate::Behavior;
use crate::engine::GrpcCode;
use crate::fixture::Response;
use crate::history::Request;

/// A catalog mode, with its parameters as `Behavior` prints them: `slow_drip(interval_ms=50)`.
pub(crate) const FAULT: &str = "x-hamms-fault";
/// The share of requests (0 to 100) `x-hamms-fault` applies to; default 100.
pub(crate) const FAULT_PERCENTAGE: &str = "x-hamms-fault-percentage";
/// Envoy's: answer with this HTTP status.
pub(crate) const ABORT: &str = "x-envoy-fault-abort-request";
/// Envoy's: answer with this gRPC status (HTTP 200, `grpc-status` in the trailers).
pub(crate) const ABORT_GRPC: &str = "x-envoy-fault-abort-grpc-request";
/// Envoy's: the share of requests (0 to 100) an abort applies to.
pub(crate) const ABORT_PERCENTAGE: &str = "x-envoy-fault-abort-request-percentage";
/// Envoy's: wait this many milliseconds before the request goes on.
pub(crate) const DELAY: &str = "x-envoy-fault-delay-request";
/// Envoy's: the share of requests (0 to 100) a delay applies to.
pub(crate) const DELAY_PERCENTAGE: &str = "x-envoy-fault-delay-request-percentage";

/// The longest delay a header may ask for.
const LONGEST_DELAY_MS: u64 = 3_600_000;

/// What a request's fault headers ask of the server.
#[derive(Debug, Default)]
pub(crate) struct HeaderFaults {
    /// Wait this long first.
    pub(crate) delay: Option<Duration>,
    /// Then answer so, instead of going on.
    pub(crate) answer: Option<Resolved>,
}

/// A fault header the server cannot apply, with why and what it takes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadHeader {
    pub(crate) name: &'static str,
    pub(crate) reason: String,
}

/// Reads the fault headers of `request`. `roll` draws a number in `[0, 100)` for each
/// percentage (the server's seeded random sequence).
pub(crate) fn read(
    request: &Request,
    roll: &mut dyn FnMut() -> f64,
) -> Result<HeaderFaults, BadHeader> {
    let mut faults = HeaderFaults::default();
    if let Some(millis) = request.header(DELAY) {
        let millis = number(DELAY, millis, LONGEST_DELAY_MS, "milliseconds")?;
        if applies(request, DELAY_PERCENTAGE, roll)? {
            faults.delay = Some(Duration::from_millis(millis));
        }
    }
    if let Some(status) = request.header(ABORT) {
        let status = number(ABORT, status, 999, "an HTTP status")?;
        if status < 100 {
            return Err(BadHeader {
                name: ABORT,
                reason: format!("{status} is not an HTTP status; write 100 to 999"),
            });
        }
        if applies(request, ABORT_PERCENTAGE, roll)? {
            let response = Response::status(status as u16).text("fault filter abort");
            faults.answer = Some(Resolved::respond(response));
            return Ok(faults);
        }
    }
    if let Some(code) = request.header(ABORT_GRPC) {
        let code = number(ABORT_GRPC, code, 16, "a gRPC status code (0 to 16)")?;
        if applies(request, ABORT_PERCENTAGE, roll)? {
            let code = GrpcCode::from_code(code as u32).unwrap_or(GrpcCode::Unknown);
            let response = Response::grpc_status(code, "fault filter abort");
            faults.answer = Some(Resolved::respond(response));
            return Ok(faults);
        }
    }
    if let Some(spec) = request.header(FAULT) {
        let bad = |reason: String| BadHeader {
            name: FAULT,
            reason,
        };
        let behavior = Behavior::mode(spec.trim()).map_err(|e| bad(e.to_string()))?;
        let answer = Answer::try_fault(behavior).map_err(|e| bad(e.to_string()))?;
        if applies(request, FAULT_PERCENTAGE, roll)? {
            // A fault answers without a closure or a turn: its match number does not matter.
            let matched = super::answer::Matched::new(request, Vec::new(), 0);
            faults.answer = Some(answer.resolve(&matched, 0));
        }
    }
    Ok(faults)
}

/// Whether a fault applies, by its percentage header (absent: always).
fn applies(
    request: &Request,
    name: &'static str,
    roll: &mut dyn FnMut() -> f64,
) -> Result<bool, BadHeader> {
    match request.header(name) {
        None => Ok(true),
        Some(value) => {
            let percentage = number(name, value, 100, "a percentage (0 to 100)")?;
            Ok(roll() < percentage as f64)
        }
    }
}

fn number(name: &'static str, value: &str, max: u64, what: &str) -> Result<u64, BadHeader> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| BadHeader {
            name,
            reason: format!("`{value}` is not {what}; write an integer from 0 to {max}"),
        })
}

#[cfg(test)]
mod tests {
    use super::super::matchers::testing::request;
    use super::*;

    fn read_with(headers: &[(&str, &str)], rolled: f64) -> Result<HeaderFaults, BadHeader> {
        read(&request("GET", "/", headers, b""), &mut || rolled)
    }

    #[test]
    fn envoys_abort_and_delay_and_their_percentages() {
        let faults = read_with(&[(ABORT, "503"), (DELAY, "20")], 50.0).unwrap();
        assert_eq!(faults.delay, Some(Duration::from_millis(20)));
        assert!(
            matches!(faults.answer, Some(Resolved::Respond(r)) if r.response().status_code() == 503)
        );
        let missed = read_with(&[(ABORT, "503"), (ABORT_PERCENTAGE, "50")], 50.0).unwrap();
        assert!(missed.answer.is_none());
        let hit = read_with(&[(ABORT, "503"), (ABORT_PERCENTAGE, "50")], 49.9).unwrap();
        assert!(hit.answer.is_some());
        let grpc = read_with(&[(ABORT_GRPC, "14")], 0.0).unwrap();
        let Some(Resolved::Respond(prepared)) = grpc.answer else {
            panic!("a gRPC answer");
        };
        let response = prepared.response();
        assert!(
            response
                .trailers()
                .iter()
                .any(|(n, v)| n == "grpc-status" && v == "14")
        );
    }

    #[test]
    fn a_catalog_fault_by_name_with_its_parameters() {
        let faults = read_with(&[(FAULT, "slow_drip(interval_ms=5)")], 0.0).unwrap();
        assert!(
            matches!(faults.answer, Some(Resolved::Fault(c)) if c.spec().name() == "slow_drip")
        );
    }

    #[test]
    fn bad_values_name_the_header_and_what_it_takes() {
        let error = read_with(&[(ABORT, "abc")], 0.0).unwrap_err();
        assert_eq!(error.name, ABORT);
        assert!(error.reason.contains("from 0 to 999"), "{}", error.reason);
        let error = read_with(&[(FAULT, "slow_drp")], 0.0).unwrap_err();
        assert!(
            error.reason.contains("did you mean `slow_drip`?"),
            "{}",
            error.reason
        );
        let error = read_with(&[(FAULT, "refused")], 0.0).unwrap_err();
        assert!(
            error.reason.contains("listening socket"),
            "{}",
            error.reason
        );
        let error = read_with(&[(DELAY, "5"), (DELAY_PERCENTAGE, "101")], 0.0).unwrap_err();
        assert_eq!(error.name, DELAY_PERCENTAGE);
    }
}
