//! What a [`Stub`](crate::Stub) matches: one type per kind of condition on a request, built
//! with the functions of this module and chained with [`Stub::and`](crate::Stub::and).
//!
//! ```
//! use hamms_core::matchers::{body_partial_json, header, method, path_template, query_param};
//! use hamms_core::{Response, Stub};
//!
//! let stub = Stub::given(method("POST"))
//!     .and(path_template("/accounts/{account}/payments"))
//!     .and(header("idempotency-key", "k-1"))
//!     .and(query_param("dry_run", "false"))
//!     .and(body_partial_json(serde_json::json!({ "currency": "EUR" })))
//!     .respond_with(Response::status(201));
//! # let _ = stub;
//! ```
//!
//! - the request line: [`method`]; the path [`path`] (exact), [`path_prefix`],
//!   [`path_template`] (`/items/{id}`, its segments readable by the answer) and [`path_regex`];
//!   the query: [`query_param`], [`query_param_contains`], [`query_param_exists`],
//!   [`query_param_is_missing`]; [`http_version`] and [`over_tls`];
//! - headers (names case-insensitive; a repeated header matches by any of its values):
//!   [`header`], [`header_contains`], [`header_regex`], [`header_exists`], [`header_missing`];
//! - the body: [`body_bytes`], [`body_string`], [`body_string_contains`], [`body_regex`],
//!   [`body_json`] (object keys in any order; arrays in order, or in any order with
//!   [`BodyJson::ignoring_array_order`]), [`body_partial_json`] (a subset),
//!   [`body_json_pointer`] (one value, by RFC 6901 pointer), [`form_field`];
//! - gRPC: [`grpc_method`] (a call to one method);
//! - anything else: a closure over the [`Request`] (`|r: &Request| r.body.len() > 10`), or
//!   [`matching`] to give it a name in reports;
//! - combined: [`all_of`], [`any_of`], [`not`], and [`Match::or`].
//!
//! Regexes are the `regex` crate's: matching takes time linear in the input, so no pattern can
//! hold a request for seconds (`(a+)+$` on 64 KiB answers in microseconds). An invalid pattern is
//! the test's mistake: the constructor panics naming it.

mod body;
mod grpc;
mod headers;
pub(crate) mod json;
mod request_line;

use std::fmt;

pub use body::{
    BodyBytes, BodyJson, BodyJsonPointer, BodyPartialJson, BodyRegex, BodyStringContains,
    FormField, body_bytes, body_json, body_json_pointer, body_partial_json, body_regex,
    body_string, body_string_contains, form_field,
};
pub use grpc::{GrpcMethod, grpc_method};
pub use headers::{
    HeaderContains, HeaderExact, HeaderExists, HeaderMissing, HeaderRegex, header, header_contains,
    header_exists, header_missing, header_regex,
};
pub use request_line::{
    HttpVersion, MethodExact, OverTls, PathExact, PathPrefix, PathRegex, PathTemplate,
    QueryParamContains, QueryParamExact, QueryParamExists, QueryParamMissing, http_version, method,
    over_tls, path, path_prefix, path_regex, path_template, query_param, query_param_contains,
    query_param_exists, query_param_is_missing,
};

use crate::history::Request;

/// A condition on a request. Implemented by every matcher of this module and by closures
/// `Fn(&Request) -> bool`; implement it for conditions of your own.
pub trait Match: Send + Sync {
    /// Whether `request` meets the condition.
    fn matches(&self, request: &Request) -> bool;

    /// The condition, as reports print it: `path == "/payments"`.
    fn describe(&self) -> String;

    /// Why `request` does not meet the condition, as a near-miss report prints it: the
    /// condition and what the request had instead (`path == "/payments" (was "/payment")`).
    fn refusal(&self, request: &Request) -> String {
        let _ = request;
        self.describe()
    }

    /// The values the condition captured from a request it matches, by name: a path
    /// template's segments, a path regex's named groups. An answer reads them with
    /// [`Matched::path_param`](crate::Matched::path_param).
    fn captures(&self, request: &Request) -> Vec<(String, String)> {
        let _ = request;
        Vec::new()
    }

    /// How much the condition counts when a report measures how near a request came to
    /// matching (WireMock's near-miss distance: the URL 10, the method 3, anything else 1).
    fn weight(&self) -> f64 {
        1.0
    }

    /// How far `request` is from meeting the condition, from 0 (it does) to 1 (it does not);
    /// a condition on a string may say how close the request's came.
    fn distance(&self, request: &Request) -> f64 {
        if self.matches(request) { 0.0 } else { 1.0 }
    }

    /// Either this condition or `other`.
    fn or(self, other: impl Match + 'static) -> AnyOf
    where
        Self: Sized + 'static,
    {
        AnyOf(vec![Box::new(self), Box::new(other)])
    }

    /// This condition, boxed: for [`all_of`] and [`any_of`] lists of different kinds.
    fn boxed(self) -> Box<dyn Match>
    where
        Self: Sized + 'static,
    {
        Box::new(self)
    }
}

impl<F> Match for F
where
    F: Fn(&Request) -> bool + Send + Sync,
{
    fn matches(&self, request: &Request) -> bool {
        self(request)
    }

    fn describe(&self) -> String {
        "a closure".to_owned()
    }
}

/// A closure with the name reports print for it. From [`matching`].
pub struct Named<F> {
    name: String,
    condition: F,
}

/// A closure over the request, named for reports: `matching("a large upload", |r| r.body_len >
/// 1 << 20)`.
pub fn matching<F>(name: impl Into<String>, condition: F) -> Named<F>
where
    F: Fn(&Request) -> bool + Send + Sync,
{
    Named {
        name: name.into(),
        condition,
    }
}

impl<F> Match for Named<F>
where
    F: Fn(&Request) -> bool + Send + Sync,
{
    fn matches(&self, request: &Request) -> bool {
        (self.condition)(request)
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

impl<F> fmt::Debug for Named<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Named").field("name", &self.name).finish()
    }
}

/// Every condition of a list. From [`all_of`]; a stub's own conditions are such a list.
#[derive(Debug)]
pub struct AllOf(Vec<Box<dyn Match>>);

/// Every condition of `matchers` (true for none).
pub fn all_of(matchers: impl IntoIterator<Item = Box<dyn Match>>) -> AllOf {
    AllOf(matchers.into_iter().collect())
}

impl Match for AllOf {
    fn matches(&self, request: &Request) -> bool {
        self.0.iter().all(|m| m.matches(request))
    }

    fn describe(&self) -> String {
        joined(&self.0, " and ")
    }

    fn refusal(&self, request: &Request) -> String {
        let refused: Vec<String> = self
            .0
            .iter()
            .filter(|m| !m.matches(request))
            .map(|m| m.refusal(request))
            .collect();
        refused.join(" and ")
    }

    fn captures(&self, request: &Request) -> Vec<(String, String)> {
        self.0.iter().flat_map(|m| m.captures(request)).collect()
    }
}

/// At least one condition of a list. From [`any_of`] and [`Match::or`].
#[derive(Debug)]
pub struct AnyOf(Vec<Box<dyn Match>>);

/// At least one condition of `matchers` (false for none).
///
/// ```
/// use hamms_core::matchers::{Match, any_of, header_exists, path, query_param_exists};
/// let authenticated = any_of([header_exists("authorization").boxed(), query_param_exists("token").boxed()]);
/// let health = path("/health").or(path("/healthz"));
/// # let _ = (authenticated, health);
/// ```
pub fn any_of(matchers: impl IntoIterator<Item = Box<dyn Match>>) -> AnyOf {
    AnyOf(matchers.into_iter().collect())
}

impl Match for AnyOf {
    fn matches(&self, request: &Request) -> bool {
        self.0.iter().any(|m| m.matches(request))
    }

    fn describe(&self) -> String {
        format!("({})", joined(&self.0, " or "))
    }

    fn refusal(&self, request: &Request) -> String {
        let refused: Vec<String> = self.0.iter().map(|m| m.refusal(request)).collect();
        format!("none of ({})", refused.join(", "))
    }

    fn captures(&self, request: &Request) -> Vec<(String, String)> {
        self.0
            .iter()
            .find(|m| m.matches(request))
            .map(|m| m.captures(request))
            .unwrap_or_default()
    }
}

/// The opposite of a condition. From [`not`].
#[derive(Debug)]
pub struct Not(Box<dyn Match>);

/// The opposite of `matcher`: `not(header_exists("authorization"))`.
pub fn not(matcher: impl Match + 'static) -> Not {
    Not(Box::new(matcher))
}

impl Match for Not {
    fn matches(&self, request: &Request) -> bool {
        !self.0.matches(request)
    }

    fn describe(&self) -> String {
        format!("not {}", self.0.describe())
    }
}

pub(crate) fn joined(matchers: &[Box<dyn Match>], separator: &str) -> String {
    let described: Vec<String> = matchers.iter().map(|m| m.describe()).collect();
    described.join(separator)
}

/// What a request had, for a refusal: quoted and shortened (a report lists many).
pub(crate) fn shown(value: &str) -> String {
    const SHOWN: usize = 80;
    if value.len() <= SHOWN {
        return format!("{value:?}");
    }
    let mut end = SHOWN;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &value[..end], value.len())
}

/// Compiles a matcher's regex; an invalid pattern is the test's mistake, named at once.
#[track_caller]
pub(crate) fn compiled(what: &str, pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern)
        .unwrap_or_else(|e| panic!("hamms: the {what} regex `{pattern}` is invalid: {e}"))
}

impl fmt::Debug for dyn Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::history::Request;

    /// A request as the engine records it, for the stubs' unit tests.
    pub(crate) fn request(
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Request {
        Request::for_test(method, target, headers, body)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::request;
    use super::*;

    #[test]
    fn combinators_compose_and_say_what_refused() {
        let get_a = all_of([method("GET").boxed(), path("/a").boxed()]);
        assert!(get_a.matches(&request("GET", "/a", &[], b"")));
        let refused = request("POST", "/a", &[], b"");
        assert!(!get_a.matches(&refused));
        assert_eq!(get_a.refusal(&refused), r#"method == GET (was POST)"#);
        let either = path("/a").or(path("/b"));
        assert!(either.matches(&request("GET", "/b", &[], b"")));
        assert!(!either.matches(&request("GET", "/c", &[], b"")));
        assert!(not(path("/a")).matches(&request("GET", "/c", &[], b"")));
        let big = matching("a body over 2 bytes", |r: &Request| r.body.len() > 2);
        assert!(big.matches(&request("PUT", "/", &[], b"abc")));
        assert_eq!(big.describe(), "a body over 2 bytes");
        let closure = |r: &Request| r.query_param("x").is_some();
        assert!(closure.matches(&request("GET", "/?x=1", &[], b"")));
    }
}
