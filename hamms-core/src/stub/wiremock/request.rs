//! A WireMock request pattern as the stub's matchers: one criterion per part of the request it
//! constrains (method, URL, each header, query parameter, cookie, form field, the credentials,
//! each body pattern), so near misses name the parts that refused, and WireMock's distance is
//! the share of criteria that refused.

use std::fmt;

use hamms_catalog::wiremock::{
    MappingError, MultiPattern, RequestPattern, UrlPattern, decode_base64,
};

use super::value::{Compiled, CompiledMulti, whole};
use crate::history::Request;
use crate::stub::matchers::{Match, PathTemplate, path_template, shown};

type Test = Box<dyn Fn(&Request) -> bool + Send + Sync>;
type Seen = Box<dyn Fn(&Request) -> String + Send + Sync>;

/// One part of a request pattern.
pub(crate) struct Criterion {
    described: String,
    test: Test,
    seen: Seen,
    /// A `urlPathTemplate`'s template: its parameters are the answer's captures.
    template: Option<PathTemplate>,
    /// What it counts in a near-miss distance, as WireMock weighs it.
    weight: f64,
    /// For an exact string: the string the request's is compared with, so a near miss says how
    /// close it came (WireMock's normalised Levenshtein distance).
    near: Option<(String, Seen)>,
}

impl Match for Criterion {
    fn matches(&self, request: &Request) -> bool {
        (self.test)(request)
    }

    fn describe(&self) -> String {
        self.described.clone()
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {})", self.described, (self.seen)(request))
    }

    fn captures(&self, request: &Request) -> Vec<(String, String)> {
        self.template
            .as_ref()
            .map(|t| t.captures(request))
            .unwrap_or_default()
    }

    fn weight(&self) -> f64 {
        self.weight
    }

    fn distance(&self, request: &Request) -> f64 {
        if self.matches(request) {
            return 0.0;
        }
        match &self.near {
            Some((expected, actual)) => {
                1.0 - strsim::normalized_levenshtein(expected, &actual(request))
            }
            None => 1.0,
        }
    }
}

impl fmt::Debug for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.described)
    }
}

fn criterion(
    described: String,
    test: impl Fn(&Request) -> bool + Send + Sync + 'static,
    seen: impl Fn(&Request) -> String + Send + Sync + 'static,
) -> Criterion {
    Criterion {
        described,
        test: Box::new(test),
        seen: Box::new(seen),
        template: None,
        weight: 1.0,
        near: None,
    }
}

/// WireMock's weights: the URL counts 10, the method 3, anything else 1.
const URL_WEIGHT: f64 = 10.0;
const METHOD_WEIGHT: f64 = 3.0;

impl Criterion {
    fn weighing(mut self, weight: f64) -> Criterion {
        self.weight = weight;
        self
    }

    /// Measures a near miss by how close `actual` of a request comes to `expected`.
    fn near(mut self, expected: &str, actual: fn(&Request) -> String) -> Criterion {
        self.near = Some((expected.to_owned(), Box::new(actual)));
        self
    }
}

/// The URL as WireMock reads it: the path and the query as sent, without an absolute target's
/// origin.
pub(crate) fn url_of(request: &Request) -> String {
    match request.target.split_once('?') {
        Some((_, query)) => format!("{}?{query}", request.path),
        None => request.path.clone(),
    }
}

/// Whether the URL as WireMock reads it ([`url_of`]) is `expected`, without building it: this
/// runs for every request a `url` stub sees.
fn url_is(request: &Request, expected: &str) -> bool {
    match request.target.split_once('?') {
        Some((_, query)) => {
            expected
                .strip_prefix(request.path.as_str())
                .and_then(|rest| rest.strip_prefix('?'))
                == Some(query)
        }
        None => expected == request.path,
    }
}

/// The values of header `name` (case-insensitive).
fn header_values<'a>(request: &'a Request, name: &str) -> Vec<&'a [u8]> {
    request
        .headers
        .iter()
        .filter(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_bytes())
        .collect()
}

/// The request's cookies, from its `Cookie` headers.
pub(crate) fn cookies(request: &Request) -> Vec<(String, String)> {
    request
        .header_all("cookie")
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Values, shown for a refusal.
fn shown_values(values: &[&[u8]]) -> String {
    if values.is_empty() {
        return "absent".to_owned();
    }
    let shown: Vec<String> = values
        .iter()
        .map(|v| shown(&String::from_utf8_lossy(v)))
        .collect();
    shown.join(", ")
}

/// A criterion on the values of one named parameter (`kind`: "query parameter", "form
/// parameter"), which `values` reads out of a request.
fn parameter(
    kind: &str,
    pointer: &str,
    name: &str,
    pattern: &MultiPattern,
    values: fn(&Request, &str) -> Vec<Vec<u8>>,
) -> Result<Criterion, MappingError> {
    let compiled = CompiledMulti::new(pattern, pointer)?;
    let (test_name, seen_name) = (name.to_owned(), name.to_owned());
    Ok(criterion(
        format!("{kind} {} {}", shown(name), compiled.describe()),
        move |r| {
            let found = values(r, &test_name);
            compiled.test(&found.iter().map(Vec::as_slice).collect::<Vec<_>>())
        },
        move |r| {
            let found = values(r, &seen_name);
            shown_values(&found.iter().map(Vec::as_slice).collect::<Vec<_>>())
        },
    ))
}

/// The criteria of `pattern`.
///
/// # Errors
/// A [`MappingError`] for a regex or JSONPath expression the engine cannot compile.
pub(crate) fn criteria(pattern: &RequestPattern) -> Result<Vec<Box<dyn Match>>, MappingError> {
    let mut all: Vec<Box<dyn Match>> = Vec::new();
    if let Some(method) = &pattern.method {
        let method = method.to_ascii_uppercase();
        all.push(Box::new(
            criterion(
                format!("method {method}"),
                {
                    let method = method.clone();
                    move |r| r.method.as_str() == method
                },
                |r| r.method.to_string(),
            )
            .weighing(METHOD_WEIGHT),
        ));
    }
    match &pattern.url {
        None => {}
        Some(UrlPattern::Url(url)) => {
            let expected = url.clone();
            all.push(Box::new(
                criterion(
                    format!("url equalTo {}", shown(url)),
                    move |r| url_is(r, &expected),
                    |r| shown(&url_of(r)),
                )
                .weighing(URL_WEIGHT)
                .near(url, url_of),
            ));
        }
        Some(UrlPattern::UrlPattern(regex)) => {
            let compiled = whole(regex, "/request/urlPattern")?;
            all.push(Box::new(
                criterion(
                    format!("url matches {}", shown(regex)),
                    move |r| compiled.is_match(&url_of(r)),
                    |r| shown(&url_of(r)),
                )
                .weighing(URL_WEIGHT),
            ));
        }
        Some(UrlPattern::Path(path)) => {
            let expected = path.clone();
            all.push(Box::new(
                criterion(
                    format!("path equalTo {}", shown(path)),
                    move |r| r.path == expected,
                    |r| shown(&r.path),
                )
                .weighing(URL_WEIGHT)
                .near(path, |r| r.path.clone()),
            ));
        }
        Some(UrlPattern::PathPattern(regex)) => {
            let compiled = whole(regex, "/request/urlPathPattern")?;
            all.push(Box::new(
                criterion(
                    format!("path matches {}", shown(regex)),
                    move |r| compiled.is_match(&r.path),
                    |r| shown(&r.path),
                )
                .weighing(URL_WEIGHT),
            ));
        }
        Some(UrlPattern::PathTemplate(template)) => {
            let matcher = path_template(template.clone());
            let tester = matcher.clone();
            let mut path = criterion(
                format!("path template {}", shown(template)),
                move |r| tester.matches(r),
                |r| shown(&r.path),
            );
            path.template = Some(matcher.clone());
            path.weight = URL_WEIGHT;
            all.push(Box::new(path));
            for (name, value) in &pattern.path_parameters {
                let pointer = format!("/request/pathParameters/{name}");
                let compiled = Compiled::new(value, &pointer)?;
                let (template, name) = (matcher.clone(), name.clone());
                let parameter = move |r: &Request| {
                    template
                        .captures(r)
                        .into_iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v)
                };
                let seen_parameter = parameter.clone();
                all.push(Box::new(criterion(
                    format!(
                        "path parameter {} {}",
                        shown(&name_of(&pointer)),
                        compiled.describe()
                    ),
                    move |r| compiled.test(parameter(r).as_deref().map(str::as_bytes)),
                    move |r| seen_parameter(r).map_or_else(|| "absent".to_owned(), |v| shown(&v)),
                )));
            }
        }
    }
    for (name, pattern) in &pattern.headers {
        let compiled = CompiledMulti::new(pattern, &format!("/request/headers/{name}"))?;
        let (test_name, seen_name) = (name.clone(), name.clone());
        all.push(Box::new(criterion(
            format!("header {} {}", shown(name), compiled.describe()),
            move |r| compiled.test(&header_values(r, &test_name)),
            move |r| shown_values(&header_values(r, &seen_name)),
        )));
    }
    for (name, pattern) in &pattern.query {
        all.push(Box::new(parameter(
            "query parameter",
            &format!("/request/queryParameters/{name}"),
            name,
            pattern,
            |r, name| {
                r.query
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_bytes().to_vec())
                    .collect()
            },
        )?));
    }
    for (name, pattern) in &pattern.form {
        all.push(Box::new(parameter(
            "form parameter",
            &format!("/request/formParameters/{name}"),
            name,
            pattern,
            |r, name| {
                form_urlencoded::parse(&r.body)
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_bytes().to_vec())
                    .collect()
            },
        )?));
    }
    for (name, pattern) in &pattern.cookies {
        let compiled = Compiled::new(pattern, &format!("/request/cookies/{name}"))?;
        let value = |r: &Request, name: &str| {
            cookies(r)
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
        };
        let (test_name, seen_name) = (name.clone(), name.clone());
        all.push(Box::new(criterion(
            format!("cookie {} {}", shown(name), compiled.describe()),
            move |r| compiled.test(value(r, &test_name).as_deref().map(str::as_bytes)),
            move |r| value(r, &seen_name).map_or_else(|| "absent".to_owned(), |v| shown(&v)),
        )));
    }
    if let Some((user, password)) = &pattern.basic_auth {
        let expected = format!("{user}:{password}");
        all.push(Box::new(criterion(
            format!("basic credentials of {}", shown(user)),
            move |r| basic_credentials(r).as_deref() == Some(expected.as_str()),
            |r| {
                basic_credentials(r)
                    .and_then(|c| c.split_once(':').map(|(u, _)| shown(u)))
                    .map_or_else(|| "none".to_owned(), |u| format!("user {u}"))
            },
        )));
    }
    for (i, pattern) in pattern.body.iter().enumerate() {
        let compiled = Compiled::new(pattern, &format!("/request/bodyPatterns/{i}"))?;
        all.push(Box::new(criterion(
            format!("body {}", compiled.describe()),
            move |r| compiled.test(Some(&r.body)),
            |r| {
                if r.body.is_empty() {
                    "empty".to_owned()
                } else {
                    shown(&r.body_text())
                }
            },
        )));
    }
    Ok(all)
}

/// The last segment of a pointer: a name.
fn name_of(pointer: &str) -> String {
    pointer.rsplit('/').next().unwrap_or_default().to_owned()
}

/// The `user:password` of an `Authorization: Basic` header.
fn basic_credentials(request: &Request) -> Option<String> {
    let value = request.header("authorization")?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = decode_base64(encoded.trim())?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::stub::matchers::testing::request;

    fn all(value: serde_json::Value) -> Vec<Box<dyn Match>> {
        criteria(&RequestPattern::parse(&value, "/request").unwrap()).unwrap()
    }

    fn matched(criteria: &[Box<dyn Match>], r: &Request) -> bool {
        criteria.iter().all(|c| c.matches(r))
    }

    #[test]
    fn urls_methods_headers_query_cookies_credentials_and_bodies() {
        let c = all(json!({
            "method": "POST",
            "urlPathTemplate": "/items/{id}",
            "pathParameters": {"id": {"matches": "[0-9]+"}},
            "headers": {"Content-Type": {"contains": "json"}},
            "queryParameters": {"dry": {"equalTo": "true"}},
            "cookies": {"session": {"equalTo": "s1"}},
            "basicAuthCredentials": {"username": "u", "password": "p"},
            "bodyPatterns": [{"matchesJsonPath": "$.amount"}]
        }));
        let hit = request(
            "POST",
            "/items/42?dry=true",
            &[
                ("content-type", "application/json"),
                ("cookie", "a=1; session=s1"),
                ("authorization", "Basic dTpw"),
            ],
            br#"{"amount": 3}"#,
        );
        assert!(matched(&c, &hit));
        let miss = request("POST", "/items/x?dry=true", &[], b"{}");
        let refused: Vec<String> = c
            .iter()
            .filter(|m| !m.matches(&miss))
            .map(|m| m.refusal(&miss))
            .collect();
        assert!(
            refused
                .iter()
                .any(|r| r.starts_with(r#"path parameter "id" matches "[0-9]+" (was "x")"#)),
            "{refused:?}"
        );
        assert!(
            refused
                .iter()
                .any(|r| r == r#"header "Content-Type" contains "json" (was absent)"#),
            "{refused:?}"
        );
        assert_eq!(c[1].captures(&hit), [("id".to_owned(), "42".to_owned())]);
    }

    #[test]
    fn url_matches_path_and_query_and_url_pattern_matches_the_whole() {
        let exact = all(json!({"url": "/a?b=1"}));
        assert!(matched(&exact, &request("GET", "/a?b=1", &[], b"")));
        assert!(!matched(&exact, &request("GET", "/a", &[], b"")));
        let pattern = all(json!({"urlPattern": "/a.*"}));
        assert!(matched(&pattern, &request("GET", "/abc?x=1", &[], b"")));
        assert!(!matched(&pattern, &request("GET", "/x/a", &[], b"")));
    }

    #[test]
    fn a_url_is_compared_as_the_url_wiremock_reads() {
        let targets = ["/a", "/a?", "/a?b=1", "/ab?=1", "/a?b=1?c"];
        let expected = [
            "/a", "/a?", "/a?b=1", "/ab", "/a?b", "/ab?=1", "/a?b=1?c", "",
        ];
        for target in targets {
            let r = request("GET", target, &[], b"");
            for url in expected {
                assert_eq!(url_is(&r, url), url_of(&r) == url, "{target} vs {url}");
            }
        }
    }
}
