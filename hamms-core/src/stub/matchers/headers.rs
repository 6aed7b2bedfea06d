//! Matchers of the headers: names case-insensitive, repeated headers seen value by value.

use std::borrow::Cow;

use regex::Regex;

use super::{Match, compiled, shown};
use crate::history::Request;

/// The values of header `name` a request has, as text (invalid UTF-8 replaced).
fn values<'a>(request: &'a Request, name: &'a str) -> impl Iterator<Item = Cow<'a, str>> + 'a {
    request
        .headers
        .iter()
        .filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name))
        .map(|(_, v)| String::from_utf8_lossy(v.as_bytes()))
}

/// What a request had of header `name`, for a refusal.
fn seen(request: &Request, name: &str) -> String {
    let values: Vec<String> = values(request, name).map(|v| shown(&v)).collect();
    if values.is_empty() {
        "absent".to_owned()
    } else {
        format!("was {}", values.join(", "))
    }
}

/// A header's value. From [`header`].
#[derive(Debug, Clone)]
pub struct HeaderExact {
    name: String,
    value: String,
}

/// A header has this value (any of its values, when repeated): `header("accept",
/// "application/json")`. The name is case-insensitive, the value not.
pub fn header(name: impl Into<String>, value: impl Into<String>) -> HeaderExact {
    HeaderExact {
        name: name.into(),
        value: value.into(),
    }
}

impl Match for HeaderExact {
    fn matches(&self, request: &Request) -> bool {
        values(request, &self.name).any(|v| v == self.value)
    }

    fn describe(&self) -> String {
        format!("header {} == {}", shown(&self.name), shown(&self.value))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request, &self.name))
    }
}

/// A header containing a string. From [`header_contains`].
#[derive(Debug, Clone)]
pub struct HeaderContains {
    name: String,
    part: String,
}

/// A header's value (any, when repeated) contains `part`: `header_contains("user-agent",
/// "reqwest")`.
pub fn header_contains(name: impl Into<String>, part: impl Into<String>) -> HeaderContains {
    HeaderContains {
        name: name.into(),
        part: part.into(),
    }
}

impl Match for HeaderContains {
    fn matches(&self, request: &Request) -> bool {
        values(request, &self.name).any(|v| v.contains(&self.part))
    }

    fn describe(&self) -> String {
        format!(
            "header {} contains {}",
            shown(&self.name),
            shown(&self.part)
        )
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request, &self.name))
    }
}

/// A header, by regex. From [`header_regex`].
#[derive(Debug, Clone)]
pub struct HeaderRegex {
    name: String,
    regex: Regex,
}

/// A header's value (any, when repeated) matches `pattern` somewhere (anchor it with `^...$`).
///
/// # Panics
/// If `pattern` is not a valid regex.
#[track_caller]
pub fn header_regex(name: impl Into<String>, pattern: impl AsRef<str>) -> HeaderRegex {
    HeaderRegex {
        name: name.into(),
        regex: compiled("header", pattern.as_ref()),
    }
}

impl Match for HeaderRegex {
    fn matches(&self, request: &Request) -> bool {
        values(request, &self.name).any(|v| self.regex.is_match(&v))
    }

    fn describe(&self) -> String {
        format!("header {} ~ /{}/", shown(&self.name), self.regex.as_str())
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request, &self.name))
    }
}

/// A header, present. From [`header_exists`].
#[derive(Debug, Clone)]
pub struct HeaderExists(String);

/// The request has this header, with any value.
pub fn header_exists(name: impl Into<String>) -> HeaderExists {
    HeaderExists(name.into())
}

impl Match for HeaderExists {
    fn matches(&self, request: &Request) -> bool {
        values(request, &self.0).next().is_some()
    }

    fn describe(&self) -> String {
        format!("header {} present", shown(&self.0))
    }
}

/// A header, absent. From [`header_missing`].
#[derive(Debug, Clone)]
pub struct HeaderMissing(String);

/// The request does not have this header.
pub fn header_missing(name: impl Into<String>) -> HeaderMissing {
    HeaderMissing(name.into())
}

impl Match for HeaderMissing {
    fn matches(&self, request: &Request) -> bool {
        values(request, &self.0).next().is_none()
    }

    fn describe(&self) -> String {
        format!("header {} absent", shown(&self.0))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request, &self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::request;
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_every_repeated_value_counts() {
        let r = request(
            "GET",
            "/",
            &[("Accept", "text/html"), ("accept", "application/json")],
            b"",
        );
        assert!(header("ACCEPT", "application/json").matches(&r));
        assert!(!header("accept", "APPLICATION/JSON").matches(&r));
        assert!(header_contains("accept", "json").matches(&r));
        assert!(header_regex("accept", "^text/").matches(&r));
        assert!(header_exists("Accept").matches(&r));
        assert!(header_missing("authorization").matches(&r));
        assert!(!header_missing("accept").matches(&r));
        assert_eq!(
            header("accept", "x").refusal(&r),
            r#"header "accept" == "x" (was "text/html", "application/json")"#
        );
        assert_eq!(
            header("x-key", "k").refusal(&r),
            r#"header "x-key" == "k" (absent)"#
        );
    }
}
