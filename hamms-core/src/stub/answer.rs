//! [`Answer`]: what a stub does with a request it matched: a response, a catalog fault, a
//! closure's choice, a pass to what answers unmatched requests, or a sequence of them.

use std::fmt;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};

use crate::Behavior;
use crate::engine::{Configured, Http2, Mode, Model, Tls, model};
use crate::error::Error;
use crate::fixture::{Prepared, Response};
use http::{HeaderName, HeaderValue};

use crate::history::Request;
use crate::http1::Target;
use crate::sync::panic_reason;

/// What a stub answers to the requests it matches.
///
/// - a [`Response`] (status, headers, body, delays, paced chunks, trailers): `Response` converts
///   into an answer, so `respond_with(Response::status(201))` reads as it should;
/// - a catalog fault ([`Answer::fault`]): `reset_by_peer`, `slow_drip`, `close_mid_headers`,
///   `status`, any mode that serves a request, and over HTTP/2 the stream faults
///   (`h2_refused_stream`, `h2_rst_stream`, `h2_goaway`);
/// - what a closure decides from the request ([`Answer::compute`]);
/// - nothing of its own ([`Answer::pass`]): the request goes on as if no stub matched (a proxy
///   relays it, the fixture answers it as programmed);
/// - in turns: [`Answer::times`] then [`AnswerTimes::then`] ("reset twice, then 201"), or
///   [`Answer::sequence`] (one each, the last repeating).
///
/// ```
/// use hamms_core::{Answer, Behavior, Response};
///
/// let flaky = Answer::fault(Behavior::mode("reset_by_peer")?)
///     .times(2)
///     .then(Response::status(201).json(&serde_json::json!({ "id": 1 })));
/// let rate_limited = Answer::sequence([
///     Response::status(429).header("retry-after", "1").into(),
///     Response::ok().into(),
/// ]);
/// # let _ = (flaky, rate_limited);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Answer(Kind);

#[derive(Clone)]
enum Kind {
    /// With its bytes, prepared at its first use for every request it answers then: a stub
    /// that never matches costs only its response.
    Respond(Response, OnceLock<Arc<Prepared>>),
    /// A catalog mode, checked to serve one request.
    Fault(Behavior),
    Compute(Computer),
    /// Forwarded to another server, whose answer is relayed.
    Proxy(Arc<Forwarding>),
    Pass,
    /// `first` for `times` matches, then `then`.
    Turns {
        first: Box<Answer>,
        times: u64,
        then: Box<Answer>,
    },
}

/// A closure that chooses the answer from the request.
type Computer = Arc<dyn Fn(&Matched<'_>) -> Answer + Send + Sync>;

impl Answer {
    /// Answers with `response` (as does a `Response` itself, converted).
    pub fn respond(response: Response) -> Answer {
        Answer(Kind::Respond(response, OnceLock::new()))
    }

    /// Answers with the catalog mode `failure`, which serves the request as it would on a server
    /// of its own: `reset_by_peer` resets the connection, `slow_drip` drips a response,
    /// `close_mid_headers` cuts the head. Over HTTP/2, `h2_refused_stream` resets the stream
    /// with REFUSED_STREAM, `h2_rst_stream` sends a 200 and `after_bytes` of its body before
    /// RST_STREAM(`error_code`), `h2_goaway` refuses the stream and winds the connection down
    /// with GOAWAY, and any other mode resets the stream (INTERNAL_ERROR); over HTTP/1.1,
    /// `h2_refused_stream` and `h2_goaway` close the connection unanswered (safe to retry, as
    /// their HTTP/2 meaning) and `h2_rst_stream` resets it.
    ///
    /// # Panics
    /// For a behavior that cannot answer one request (see [`try_fault`](Self::try_fault)): the
    /// test's mistake, named with the valid choices.
    #[track_caller]
    pub fn fault(failure: Behavior) -> Answer {
        Answer::try_fault(failure).unwrap_or_else(|e| panic!("hamms: {e}"))
    }

    /// [`fault`](Self::fault), for a behavior that may come from outside the test (a file,
    /// a request header).
    ///
    /// # Errors
    /// [`Error::NotAnAnswer`] for a behavior that cannot answer one request: a proxy's, the
    /// fixture, `refused` and `connect_timeout` (they act on the listening socket), the TLS
    /// handshakes, and the HTTP/2 faults of a whole connection.
    pub fn try_fault(failure: Behavior) -> Result<Answer, Error> {
        match why_not_an_answer(&failure) {
            None => Ok(Answer(Kind::Fault(failure))),
            Some(reason) => Err(Error::NotAnAnswer {
                behavior: failure.to_string(),
                reason,
            }),
        }
    }

    /// Answers with what `choose` returns for the request (a [`Response`], or any answer). It
    /// runs on hamms' runtime; if it panics, the client gets a 500 naming the panic.
    ///
    /// ```
    /// use hamms_core::matchers::path_template;
    /// use hamms_core::{Answer, Response, Stub};
    ///
    /// let item = Stub::given(path_template("/items/{id}")).respond_with(Answer::compute(|m| {
    ///     Response::ok().json(&serde_json::json!({ "id": m.path_param("id") }))
    /// }));
    /// # let _ = item;
    /// ```
    pub fn compute<A, F>(choose: F) -> Answer
    where
        A: Into<Answer>,
        F: Fn(&Matched<'_>) -> A + Send + Sync + 'static,
    {
        Answer(Kind::Compute(Arc::new(move |matched| {
            choose(matched).into()
        })))
    }

    /// Forwards the request to `base_url` (`http://host:port`, and a path the request's is
    /// appended to) and answers with what that server answers: WireMock's `proxyBaseUrl`, for a
    /// stub that passes some routes to a real service.
    ///
    /// # Panics
    /// If `base_url` is not an `http://` URL (see [`try_proxy`](Self::try_proxy)).
    #[track_caller]
    pub fn proxy(base_url: &str) -> Answer {
        Answer::try_proxy(base_url).unwrap_or_else(|e| panic!("hamms: {e}"))
    }

    /// [`proxy`](Self::proxy), for a URL that may come from outside the test.
    ///
    /// # Errors
    /// [`Error::InvalidProxyUrl`] for anything but an `http://` URL (hamms forwards plain HTTP).
    pub fn try_proxy(base_url: &str) -> Result<Answer, Error> {
        let target = Target::parse(base_url).map_err(|reason| Error::InvalidProxyUrl {
            url: base_url.to_owned(),
            reason,
        })?;
        Ok(Answer::forwarding(Forwarding {
            target,
            strip_prefix: None,
            add_headers: Vec::new(),
            remove_headers: Vec::new(),
        }))
    }

    /// Forwards as `forwarding` says.
    pub(crate) fn forwarding(forwarding: Forwarding) -> Answer {
        Answer(Kind::Proxy(Arc::new(forwarding)))
    }

    /// No answer of the stub's own: the request is served as if no stub matched it (relayed by
    /// a proxy, answered as programmed by the fixture), and still counts as the stub's. For
    /// "fail the first two requests, then let them through":
    /// `Answer::fault(reset).times(2).then(Answer::pass())`.
    pub fn pass() -> Answer {
        Answer(Kind::Pass)
    }

    /// This answer for the stub's first `n` matches; [`then`](AnswerTimes::then) says what
    /// comes after.
    pub fn times(self, n: u64) -> AnswerTimes {
        AnswerTimes {
            first: self,
            times: n,
        }
    }

    /// The answers in turn, one match each; the last repeats. An empty list answers `200`.
    pub fn sequence(answers: impl IntoIterator<Item = Answer>) -> Answer {
        let mut answers: Vec<Answer> = answers.into_iter().collect();
        let Some(mut answer) = answers.pop() else {
            return Answer::respond(Response::ok());
        };
        while let Some(previous) = answers.pop() {
            answer = previous.times(1).then(answer);
        }
        answer
    }

    /// Whether the answer (or one of its turns) runs a closure.
    pub(crate) fn computes(&self) -> bool {
        match &self.0 {
            Kind::Compute(_) => true,
            Kind::Turns { first, then, .. } => first.computes() || then.computes(),
            Kind::Respond(..) | Kind::Fault(_) | Kind::Proxy(_) | Kind::Pass => false,
        }
    }

    /// What the stub's match number `nth` (from 0) gets. A closure that panics gets the client
    /// a 500 naming the panic.
    pub(crate) fn resolve(&self, matched: &Matched<'_>, nth: u64) -> Resolved {
        match &self.0 {
            Kind::Respond(response, prepared) => Resolved::Respond(Arc::clone(
                prepared.get_or_init(|| Arc::new(Prepared::new(response.clone()))),
            )),
            Kind::Fault(failure) => match model(failure) {
                Model::Mode(configured) => Resolved::Fault(configured.clone()),
                // `try_fault` admits catalog modes only.
                Model::Proxy(_) => Resolved::Pass,
            },
            Kind::Pass => Resolved::Pass,
            Kind::Proxy(forwarding) => Resolved::Proxy(Arc::clone(forwarding)),
            Kind::Compute(choose) => match catch_unwind(AssertUnwindSafe(|| choose(matched))) {
                Ok(answer) => answer.resolve(matched, nth),
                Err(panic) => Resolved::respond(Response::status(500).text(format!(
                    "hamms: the stub's answer closure panicked: {}",
                    panic_reason(&*panic)
                ))),
            },
            Kind::Turns { first, times, then } if nth < *times => first.resolve(matched, nth),
            Kind::Turns { times, then, .. } => then.resolve(matched, nth - times),
        }
    }
}

/// Why `failure` cannot answer one request, if it cannot.
fn why_not_an_answer(failure: &Behavior) -> Option<&'static str> {
    let configured = match model(failure) {
        Model::Proxy(_) => {
            return Some("a proxy behavior acts on the bytes a proxy relays, not on one answer");
        }
        Model::Mode(configured) => configured,
    };
    match configured.mode() {
        Mode::Fixture => Some("the fixture answers with a Response: answer with one"),
        Mode::Refused | Mode::ConnectTimeout => {
            Some("it acts on the listening socket, before any request exists")
        }
        _ if configured.tls() == Tls::ByMode => {
            Some("it acts on the TLS handshake, before any request exists")
        }
        Mode::Http2(Http2::GoAway { .. } | Http2::RefusedStream | Http2::RstStream { .. }) => None,
        Mode::Http2(_) => Some("it acts on a whole HTTP/2 connection"),
        _ => None,
    }
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer::respond(response)
    }
}

impl Default for Answer {
    /// `200` with an empty body.
    fn default() -> Answer {
        Answer::respond(Response::ok())
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Respond(response, _) => f.debug_tuple("Respond").field(response).finish(),
            Kind::Fault(failure) => write!(f, "Fault({failure})"),
            Kind::Compute(_) => f.write_str("Compute(..)"),
            Kind::Pass => f.write_str("Pass"),
            Kind::Proxy(forwarding) => write!(f, "Proxy({})", forwarding.target.authority),
            Kind::Turns { first, times, then } => f
                .debug_struct("Turns")
                .field("first", first)
                .field("times", times)
                .field("then", then)
                .finish(),
        }
    }
}

/// An answer for a stub's first matches, waiting for what comes after. From
/// [`Answer::times`].
#[derive(Debug, Clone)]
#[must_use = "say what comes after with .then(...)"]
pub struct AnswerTimes {
    first: Answer,
    times: u64,
}

impl AnswerTimes {
    /// What the matches after the first ones get.
    pub fn then(self, then: impl Into<Answer>) -> Answer {
        Answer(Kind::Turns {
            first: Box::new(self.first),
            times: self.times,
            then: Box::new(then.into()),
        })
    }
}

/// A request a stub matched, as its answer closure sees it: the [`Request`] (by `Deref`), the
/// values the stub's matchers captured, and which of the stub's matches it is.
#[derive(Debug)]
pub struct Matched<'a> {
    request: &'a Request,
    captures: Vec<(String, String)>,
    nth: u64,
}

impl<'a> Matched<'a> {
    pub(crate) fn new(request: &'a Request, captures: Vec<(String, String)>, nth: u64) -> Self {
        Matched {
            request,
            captures,
            nth,
        }
    }

    /// The request.
    pub fn request(&self) -> &'a Request {
        self.request
    }

    /// A value the stub's matchers captured: a [`path_template`](crate::matchers::path_template)
    /// segment (`{id}`) or a [`path_regex`](crate::matchers::path_regex) named group,
    /// percent-decoded.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.captures
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value the stub's matchers captured, by name.
    #[cfg(feature = "wiremock")]
    pub(crate) fn captures(&self) -> &[(String, String)] {
        &self.captures
    }

    /// Which of the stub's matches this is: 0 for the first request it answers.
    pub fn nth(&self) -> u64 {
        self.nth
    }
}

impl Deref for Matched<'_> {
    type Target = Request;

    fn deref(&self) -> &Request {
        self.request
    }
}

/// An answer for one request, as the server carries it out.
#[derive(Debug)]
pub(crate) enum Resolved {
    /// A response, with its bytes for a keep-alive HTTP/1.1 request made once per stub.
    Respond(Arc<Prepared>),
    /// A catalog mode serves the request.
    Fault(Configured),
    /// Forwarded, and the answer relayed.
    Proxy(Arc<Forwarding>),
    /// As if no stub matched.
    Pass,
}

/// Where a proxying stub forwards a request, and how.
#[derive(Debug)]
pub(crate) struct Forwarding {
    pub(crate) target: Target,
    /// A start of the path removed before forwarding (WireMock's `proxyUrlPrefixToRemove`).
    pub(crate) strip_prefix: Option<String>,
    pub(crate) add_headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) remove_headers: Vec<HeaderName>,
}

impl Forwarding {
    /// The target of `request` at the server forwarded to.
    pub(crate) fn target_of(&self, request: &Request) -> String {
        let path = match &self.strip_prefix {
            Some(prefix) => request
                .path
                .strip_prefix(prefix.as_str())
                .unwrap_or(&request.path),
            None => &request.path,
        };
        let query = request
            .target
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        format!("{}{path}{query}", self.target.path)
    }

    /// The headers of `request` as forwarded: hop-by-hop and framing headers left out, `Host`
    /// the target's, those asked removed removed, those asked added added.
    pub(crate) fn headers_of(&self, request: &Request) -> Vec<(HeaderName, HeaderValue)> {
        let skipped = [
            http::header::HOST,
            http::header::CONNECTION,
            http::header::CONTENT_LENGTH,
            http::header::TRANSFER_ENCODING,
            http::header::EXPECT,
        ];
        let mut headers: Vec<(HeaderName, HeaderValue)> = request
            .headers
            .iter()
            .filter(|(name, _)| !skipped.contains(name) && !self.remove_headers.contains(name))
            .cloned()
            .collect();
        if let Ok(host) = HeaderValue::from_str(&self.target.authority) {
            headers.insert(0, (http::header::HOST, host));
        }
        headers.extend(self.add_headers.iter().cloned());
        headers
    }
}

impl Resolved {
    /// Answers with `response`, prepared for this request only.
    pub(crate) fn respond(response: Response) -> Resolved {
        Resolved::Respond(Arc::new(Prepared::new(response)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::matchers::testing::request;
    use super::*;

    fn status(resolved: Resolved) -> String {
        match resolved {
            Resolved::Respond(prepared) => prepared.response().status_code().to_string(),
            Resolved::Fault(configured) => configured.spec().name().to_owned(),
            Resolved::Pass => "pass".to_owned(),
            Resolved::Proxy(forwarding) => forwarding.target.authority.clone(),
        }
    }

    #[test]
    fn turns_and_sequences_count_matches_and_the_last_repeats() {
        let reset = Behavior::mode("reset_by_peer").unwrap();
        let answer = Answer::fault(reset).times(2).then(Answer::sequence([
            Response::status(503).into(),
            Response::status(201).into(),
        ]));
        let r = request("GET", "/", &[], b"");
        let got: Vec<String> = (0..6)
            .map(|n| status(answer.resolve(&Matched::new(&r, Vec::new(), n), n)))
            .collect();
        assert_eq!(
            got,
            ["reset_by_peer", "reset_by_peer", "503", "201", "201", "201"]
        );
    }

    #[test]
    fn a_closure_reads_the_captures_and_a_panicking_one_gets_a_500() {
        let answer = Answer::compute(|m| Response::ok().text(m.path_param("id").unwrap_or("?")));
        let r = request("GET", "/items/7", &[], b"");
        let matched = Matched::new(&r, vec![("id".into(), "7".into())], 0);
        let Resolved::Respond(prepared) = answer.resolve(&matched, 0) else {
            panic!("a response");
        };
        assert_eq!(prepared.response().body_bytes(), b"7");
        let panics = Answer::compute(|_| -> Response { panic!("no such item") });
        let Resolved::Respond(prepared) = panics.resolve(&matched, 0) else {
            panic!("a response");
        };
        let response = prepared.response();
        assert_eq!(response.status_code(), 500);
        assert!(String::from_utf8_lossy(response.body_bytes()).contains("no such item"));
    }

    #[test]
    fn behaviors_that_cannot_answer_one_request_are_refused_with_the_reason() {
        for (name, reason) in [
            ("refused", "listening socket"),
            ("tls_expired", "TLS handshake"),
            ("h2_flow_stall", "whole HTTP/2 connection"),
            ("fixture", "answer with one"),
        ] {
            let error = Answer::try_fault(Behavior::mode(name).unwrap()).unwrap_err();
            assert!(error.to_string().contains(reason), "{name}: {error}");
        }
        let error = Answer::try_fault(Behavior::proxy("delay").unwrap()).unwrap_err();
        assert!(error.to_string().contains("proxy"), "{error}");
        for name in [
            "reset_by_peer",
            "slow_drip",
            "status",
            "h2_rst_stream",
            "h2_goaway",
        ] {
            assert!(
                Answer::try_fault(Behavior::mode(name).unwrap()).is_ok(),
                "{name}"
            );
        }
    }
}
