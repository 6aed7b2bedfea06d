//! Matchers of the request line and the connection: method, path, query, version, TLS.

use http::{Method, Version};
use percent_encoding::percent_decode_str;
use regex::Regex;

use super::{Match, compiled, shown};
use crate::history::Request;

/// The method, exactly. From [`method`].
#[derive(Debug, Clone)]
pub struct MethodExact(Method);

/// The method: `method("POST")` (case-insensitive here; methods are uppercase on the wire).
///
/// # Panics
/// If `name` is not a method token (a space in it).
#[track_caller]
pub fn method(name: impl AsRef<str>) -> MethodExact {
    let name = name.as_ref().to_ascii_uppercase();
    let method = Method::from_bytes(name.as_bytes())
        .unwrap_or_else(|_| panic!("hamms: `{name}` is not an HTTP method"));
    MethodExact(method)
}

impl Match for MethodExact {
    fn matches(&self, request: &Request) -> bool {
        request.method == self.0
    }

    fn describe(&self) -> String {
        format!("method == {}", self.0)
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {})", self.describe(), request.method)
    }
}

/// The path, exactly. From [`path`].
#[derive(Debug, Clone)]
pub struct PathExact(String);

/// The path, exactly, as sent (still percent-encoded), without the query: `path("/payments")`.
pub fn path(path: impl Into<String>) -> PathExact {
    PathExact(path.into())
}

impl Match for PathExact {
    fn matches(&self, request: &Request) -> bool {
        request.path == self.0
    }

    fn describe(&self) -> String {
        format!("path == {}", shown(&self.0))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {})", self.describe(), shown(&request.path))
    }
}

/// The start of the path. From [`path_prefix`].
#[derive(Debug, Clone)]
pub struct PathPrefix(String);

/// The path starts with `prefix`: `path_prefix("/api/")`.
pub fn path_prefix(prefix: impl Into<String>) -> PathPrefix {
    PathPrefix(prefix.into())
}

impl Match for PathPrefix {
    fn matches(&self, request: &Request) -> bool {
        request.path.starts_with(&self.0)
    }

    fn describe(&self) -> String {
        format!("path starts with {}", shown(&self.0))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {})", self.describe(), shown(&request.path))
    }
}

/// A path of fixed segments and named ones. From [`path_template`].
#[derive(Debug, Clone)]
pub struct PathTemplate {
    template: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    /// `{name}`: any one non-empty segment, captured (percent-decoded) under `name`.
    Named(String),
}

/// A path of literal segments and `{name}` segments, each standing for one non-empty segment:
/// `path_template("/items/{id}")` matches `/items/42` (not `/items/` nor `/items/42/parts`), and
/// the answer reads `id` (percent-decoded) with
/// [`Matched::path_param`](crate::Matched::path_param).
///
/// # Panics
/// If the template does not start with `/`, or a segment opens `{` without closing it.
#[track_caller]
pub fn path_template(template: impl Into<String>) -> PathTemplate {
    let template = template.into();
    assert!(
        template.starts_with('/'),
        "hamms: the path template `{template}` must start with `/`"
    );
    let segments = template[1..]
        .split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(rest) => match rest.strip_suffix('}') {
                Some(name) if !name.is_empty() => Segment::Named(name.to_owned()),
                _ => panic!(
                    "hamms: the path template `{template}` has a segment `{segment}` that is not `{{name}}`"
                ),
            },
            None => Segment::Literal(segment.to_owned()),
        })
        .collect();
    PathTemplate { template, segments }
}

impl PathTemplate {
    /// The named segments' values, if the path fits the template.
    fn fit(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut captured = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Named(name) if !part.is_empty() => captured.push((
                    name.clone(),
                    percent_decode_str(part).decode_utf8_lossy().into_owned(),
                )),
                _ => return None,
            }
        }
        Some(captured)
    }
}

impl Match for PathTemplate {
    fn matches(&self, request: &Request) -> bool {
        self.fit(&request.path).is_some()
    }

    fn describe(&self) -> String {
        format!("path fits {}", shown(&self.template))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {})", self.describe(), shown(&request.path))
    }

    fn captures(&self, request: &Request) -> Vec<(String, String)> {
        self.fit(&request.path).unwrap_or_default()
    }
}

/// The path, by regex. From [`path_regex`].
#[derive(Debug, Clone)]
pub struct PathRegex(Regex);

/// The path (still percent-encoded) matches `pattern` somewhere (anchor it with `^...$`); its
/// named groups (`(?P<id>\d+)`) are captured as a template's segments are.
///
/// # Panics
/// If `pattern` is not a valid regex.
#[track_caller]
pub fn path_regex(pattern: impl AsRef<str>) -> PathRegex {
    PathRegex(compiled("path", pattern.as_ref()))
}

impl Match for PathRegex {
    fn matches(&self, request: &Request) -> bool {
        self.0.is_match(&request.path)
    }

    fn describe(&self) -> String {
        format!("path ~ /{}/", self.0.as_str())
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {})", self.describe(), shown(&request.path))
    }

    fn captures(&self, request: &Request) -> Vec<(String, String)> {
        let Some(groups) = self.0.captures(&request.path) else {
            return Vec::new();
        };
        self.0
            .capture_names()
            .flatten()
            .filter_map(|name| {
                let value = groups.name(name)?.as_str();
                Some((
                    name.to_owned(),
                    percent_decode_str(value).decode_utf8_lossy().into_owned(),
                ))
            })
            .collect()
    }
}

/// The values of a query parameter, decoded, in order.
fn query_values<'a>(request: &'a Request, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    request
        .query
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What a request had of a query parameter, for a refusal.
fn query_seen(request: &Request, name: &str) -> String {
    let values: Vec<String> = query_values(request, name).map(shown).collect();
    if values.is_empty() {
        "absent".to_owned()
    } else {
        format!("was {}", values.join(", "))
    }
}

/// A query parameter's value. From [`query_param`].
#[derive(Debug, Clone)]
pub struct QueryParamExact {
    name: String,
    value: String,
}

/// A query parameter has this value (decoded; any of its values if repeated):
/// `query_param("page", "2")`.
pub fn query_param(name: impl Into<String>, value: impl Into<String>) -> QueryParamExact {
    QueryParamExact {
        name: name.into(),
        value: value.into(),
    }
}

impl Match for QueryParamExact {
    fn matches(&self, request: &Request) -> bool {
        query_values(request, &self.name).any(|v| v == self.value)
    }

    fn describe(&self) -> String {
        format!("query {} == {}", shown(&self.name), shown(&self.value))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), query_seen(request, &self.name))
    }
}

/// A query parameter containing a string. From [`query_param_contains`].
#[derive(Debug, Clone)]
pub struct QueryParamContains {
    name: String,
    part: String,
}

/// A query parameter's value (decoded; any if repeated) contains `part`.
pub fn query_param_contains(
    name: impl Into<String>,
    part: impl Into<String>,
) -> QueryParamContains {
    QueryParamContains {
        name: name.into(),
        part: part.into(),
    }
}

impl Match for QueryParamContains {
    fn matches(&self, request: &Request) -> bool {
        query_values(request, &self.name).any(|v| v.contains(&self.part))
    }

    fn describe(&self) -> String {
        format!("query {} contains {}", shown(&self.name), shown(&self.part))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), query_seen(request, &self.name))
    }
}

/// A query parameter, present. From [`query_param_exists`].
#[derive(Debug, Clone)]
pub struct QueryParamExists(String);

/// The query has this parameter, with any value.
pub fn query_param_exists(name: impl Into<String>) -> QueryParamExists {
    QueryParamExists(name.into())
}

impl Match for QueryParamExists {
    fn matches(&self, request: &Request) -> bool {
        query_values(request, &self.0).next().is_some()
    }

    fn describe(&self) -> String {
        format!("query {} present", shown(&self.0))
    }
}

/// A query parameter, absent. From [`query_param_is_missing`].
#[derive(Debug, Clone)]
pub struct QueryParamMissing(String);

/// The query does not have this parameter.
pub fn query_param_is_missing(name: impl Into<String>) -> QueryParamMissing {
    QueryParamMissing(name.into())
}

impl Match for QueryParamMissing {
    fn matches(&self, request: &Request) -> bool {
        query_values(request, &self.0).next().is_none()
    }

    fn describe(&self) -> String {
        format!("query {} absent", shown(&self.0))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), query_seen(request, &self.0))
    }
}

/// The HTTP version. From [`http_version`].
#[derive(Debug, Clone)]
pub struct HttpVersion(Version);

/// The request's HTTP version: `http_version(Version::HTTP_2)`.
pub fn http_version(version: Version) -> HttpVersion {
    HttpVersion(version)
}

impl Match for HttpVersion {
    fn matches(&self, request: &Request) -> bool {
        request.version == self.0
    }

    fn describe(&self) -> String {
        format!("version == {:?}", self.0)
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} (was {:?})", self.describe(), request.version)
    }
}

/// Whether the request came over TLS. From [`over_tls`].
#[derive(Debug, Clone)]
pub struct OverTls(bool);

/// The request came over TLS (`true`) or in clear text (`false`).
pub fn over_tls(tls: bool) -> OverTls {
    OverTls(tls)
}

impl Match for OverTls {
    fn matches(&self, request: &Request) -> bool {
        request.tls == self.0
    }

    fn describe(&self) -> String {
        if self.0 { "over TLS" } else { "in clear text" }.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::request;
    use super::*;

    #[test]
    fn templates_capture_decoded_segments_and_refuse_other_shapes() {
        let template = path_template("/items/{id}/parts/{part}");
        let hit = request("GET", "/items/a%20b/parts/7?x=1", &[], b"");
        assert!(template.matches(&hit));
        assert_eq!(
            template.captures(&hit),
            [("id".into(), "a b".into()), ("part".into(), "7".into())]
        );
        for miss in [
            "/items//parts/7",
            "/items/1/parts",
            "/items/1/parts/7/x",
            "/item/1/parts/7",
        ] {
            assert!(!template.matches(&request("GET", miss, &[], b"")), "{miss}");
        }
    }

    #[test]
    #[should_panic(expected = "has a segment `{id` that is not `{name}`")]
    fn a_template_with_an_open_brace_is_refused() {
        let _ = path_template("/items/{id");
    }

    #[test]
    fn regex_groups_are_captured_by_name() {
        let regex = path_regex(r"^/users/(?P<user>\d+)$");
        let hit = request("GET", "/users/42", &[], b"");
        assert!(regex.matches(&hit));
        assert_eq!(regex.captures(&hit), [("user".into(), "42".into())]);
        assert!(!regex.matches(&request("GET", "/users/x", &[], b"")));
    }

    #[test]
    fn query_matchers_read_decoded_repeated_values() {
        let r = request("GET", "/?tag=a&tag=b%20c&empty=", &[], b"");
        assert!(query_param("tag", "b c").matches(&r));
        assert!(query_param_contains("tag", " c").matches(&r));
        assert!(query_param_exists("empty").matches(&r));
        assert!(query_param_is_missing("page").matches(&r));
        assert!(!query_param("tag", "z").matches(&r));
        assert_eq!(
            query_param("page", "2").refusal(&r),
            r#"query "page" == "2" (absent)"#
        );
        assert_eq!(
            query_param("tag", "z").refusal(&r),
            r#"query "tag" == "z" (was "a", "b c")"#
        );
    }

    #[test]
    fn methods_prefixes_versions_and_tls() {
        let r = request("DELETE", "/api/v1/x", &[], b"");
        assert!(method("delete").matches(&r));
        assert!(path_prefix("/api/").matches(&r));
        assert!(!path("/api").matches(&r));
        assert!(http_version(Version::HTTP_11).matches(&r));
        assert!(over_tls(false).matches(&r) && !over_tls(true).matches(&r));
    }
}
