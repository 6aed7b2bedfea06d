//! Matchers of the body: bytes, text, regex, JSON (equal, included, one value by pointer), and
//! form fields.

use regex::bytes::Regex;
use serde_json::Value;

use super::{Match, json, shown};
use crate::history::Request;

/// The body as a refusal shows it.
fn seen(request: &Request) -> String {
    if request.body.is_empty() {
        "was empty".to_owned()
    } else {
        format!("was {}", shown(&request.body_text()))
    }
}

/// The body parsed as JSON, if it is JSON.
fn parsed(request: &Request) -> Option<Value> {
    serde_json::from_slice(&request.body).ok()
}

/// What a JSON matcher saw, for a refusal.
fn seen_json(request: &Request) -> String {
    match parsed(request) {
        Some(value) => format!("was {}", shown(&value.to_string())),
        None if request.body.is_empty() => "was empty".to_owned(),
        None => format!("not JSON: {}", shown(&request.body_text())),
    }
}

/// The body, exactly. From [`body_bytes`] and [`body_string`].
#[derive(Debug, Clone)]
pub struct BodyBytes(Vec<u8>);

/// The body is exactly these bytes.
pub fn body_bytes(body: impl Into<Vec<u8>>) -> BodyBytes {
    BodyBytes(body.into())
}

/// The body is exactly this text.
pub fn body_string(body: impl Into<String>) -> BodyBytes {
    BodyBytes(body.into().into_bytes())
}

impl Match for BodyBytes {
    fn matches(&self, request: &Request) -> bool {
        request.body == self.0
    }

    fn describe(&self) -> String {
        format!("body == {}", shown(&String::from_utf8_lossy(&self.0)))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request))
    }
}

/// The body containing a string. From [`body_string_contains`].
#[derive(Debug, Clone)]
pub struct BodyStringContains(String);

/// The body contains this text.
pub fn body_string_contains(part: impl Into<String>) -> BodyStringContains {
    BodyStringContains(part.into())
}

impl Match for BodyStringContains {
    fn matches(&self, request: &Request) -> bool {
        let part = self.0.as_bytes();
        part.is_empty() || request.body.windows(part.len()).any(|w| w == part)
    }

    fn describe(&self) -> String {
        format!("body contains {}", shown(&self.0))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request))
    }
}

/// The body, by regex. From [`body_regex`].
#[derive(Debug, Clone)]
pub struct BodyRegex(Regex);

/// The body (as bytes: it need not be UTF-8) matches `pattern` somewhere. Linear time: `(a+)+$`
/// against 64 KiB of `a` answers at once.
///
/// # Panics
/// If `pattern` is not a valid regex.
#[track_caller]
pub fn body_regex(pattern: impl AsRef<str>) -> BodyRegex {
    let pattern = pattern.as_ref();
    BodyRegex(
        Regex::new(pattern)
            .unwrap_or_else(|e| panic!("hamms: the body regex `{pattern}` is invalid: {e}")),
    )
}

impl Match for BodyRegex {
    fn matches(&self, request: &Request) -> bool {
        self.0.is_match(&request.body)
    }

    fn describe(&self) -> String {
        format!("body ~ /{}/", self.0.as_str())
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen(request))
    }
}

/// The body as JSON, equal to a value. From [`body_json`].
#[derive(Debug, Clone)]
pub struct BodyJson {
    expected: Value,
    any_array_order: bool,
}

/// The body is JSON equal to `value`: object keys in any order, numbers by value (`1` is
/// `1.0`), arrays in order unless [`ignoring_array_order`](BodyJson::ignoring_array_order).
///
/// # Panics
/// If `value` cannot be serialized to JSON.
#[track_caller]
pub fn body_json(value: impl serde::Serialize) -> BodyJson {
    BodyJson {
        expected: to_value(value),
        any_array_order: false,
    }
}

impl BodyJson {
    /// Arrays match with their elements in any order (each expected element paired with a
    /// distinct equal one).
    pub fn ignoring_array_order(mut self) -> BodyJson {
        self.any_array_order = true;
        self
    }
}

impl Match for BodyJson {
    fn matches(&self, request: &Request) -> bool {
        parsed(request)
            .is_some_and(|actual| json::equal(&self.expected, &actual, self.any_array_order))
    }

    fn describe(&self) -> String {
        let order = if self.any_array_order {
            " (arrays in any order)"
        } else {
            ""
        };
        format!("body json == {}{order}", shown(&self.expected.to_string()))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen_json(request))
    }
}

/// The body as JSON, including a value. From [`body_partial_json`].
#[derive(Debug, Clone)]
pub struct BodyPartialJson(Value);

/// The body is JSON that includes `value`: every key of an expected object present with an
/// included value (more keys allowed), an expected array's elements included in the actual
/// one's at the same index (more elements allowed), anything else equal.
///
/// # Panics
/// If `value` cannot be serialized to JSON.
#[track_caller]
pub fn body_partial_json(value: impl serde::Serialize) -> BodyPartialJson {
    BodyPartialJson(to_value(value))
}

impl Match for BodyPartialJson {
    fn matches(&self, request: &Request) -> bool {
        parsed(request).is_some_and(|actual| json::included(&self.0, &actual))
    }

    fn describe(&self) -> String {
        format!("body json includes {}", shown(&self.0.to_string()))
    }

    fn refusal(&self, request: &Request) -> String {
        format!("{} ({})", self.describe(), seen_json(request))
    }
}

/// One value of the body's JSON, by pointer. From [`body_json_pointer`].
#[derive(Debug, Clone)]
pub struct BodyJsonPointer {
    pointer: String,
    expected: Value,
}

/// The body is JSON whose value at `pointer` (RFC 6901: `/user/tags/0`) equals `value`.
///
/// # Panics
/// If `value` cannot be serialized to JSON, or `pointer` is neither empty nor starts with `/`.
#[track_caller]
pub fn body_json_pointer(
    pointer: impl Into<String>,
    value: impl serde::Serialize,
) -> BodyJsonPointer {
    let pointer = pointer.into();
    assert!(
        pointer.is_empty() || pointer.starts_with('/'),
        "hamms: the JSON pointer `{pointer}` must be empty or start with `/` (RFC 6901)"
    );
    BodyJsonPointer {
        pointer,
        expected: to_value(value),
    }
}

impl Match for BodyJsonPointer {
    fn matches(&self, request: &Request) -> bool {
        parsed(request)
            .and_then(|actual| actual.pointer(&self.pointer).cloned())
            .is_some_and(|found| json::equal(&self.expected, &found, false))
    }

    fn describe(&self) -> String {
        format!(
            "body json at {} == {}",
            shown(&self.pointer),
            shown(&self.expected.to_string())
        )
    }

    fn refusal(&self, request: &Request) -> String {
        let seen = match parsed(request) {
            Some(actual) => match actual.pointer(&self.pointer) {
                Some(found) => format!("was {}", shown(&found.to_string())),
                None => "absent".to_owned(),
            },
            None => seen_json(request),
        };
        format!("{} ({seen})", self.describe())
    }
}

/// A field of a form body. From [`form_field`].
#[derive(Debug, Clone)]
pub struct FormField {
    name: String,
    value: String,
}

/// The body, read as `application/x-www-form-urlencoded`, has this field with this value
/// (decoded; any of its values if repeated).
pub fn form_field(name: impl Into<String>, value: impl Into<String>) -> FormField {
    FormField {
        name: name.into(),
        value: value.into(),
    }
}

impl Match for FormField {
    fn matches(&self, request: &Request) -> bool {
        form_urlencoded::parse(&request.body).any(|(k, v)| k == self.name && v == self.value)
    }

    fn describe(&self) -> String {
        format!("form field {} == {}", shown(&self.name), shown(&self.value))
    }

    fn refusal(&self, request: &Request) -> String {
        let values: Vec<String> = form_urlencoded::parse(&request.body)
            .filter(|(k, _)| *k == self.name)
            .map(|(_, v)| shown(&v))
            .collect();
        let seen = if values.is_empty() {
            "absent".to_owned()
        } else {
            format!("was {}", values.join(", "))
        };
        format!("{} ({seen})", self.describe())
    }
}

#[track_caller]
fn to_value(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|e| panic!("hamms: the expected body cannot be serialized to JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::request;
    use super::*;

    #[test]
    fn text_bytes_and_regex() {
        let r = request("POST", "/", &[], b"hello world");
        assert!(body_string("hello world").matches(&r));
        assert!(body_bytes(b"hello world".to_vec()).matches(&r));
        assert!(body_string_contains("o w").matches(&r));
        assert!(body_regex("^hel+o").matches(&r));
        assert!(!body_string("hello").matches(&r));
        assert_eq!(
            body_string("bye").refusal(&r),
            r#"body == "bye" (was "hello world")"#
        );
    }

    #[test]
    fn json_equal_partial_and_by_pointer() {
        let r = request("POST", "/", &[], br#"{"b": [2, 1], "a": {"id": 7}}"#);
        assert!(body_json(json!({"a": {"id": 7}, "b": [2, 1]})).matches(&r));
        assert!(!body_json(json!({"a": {"id": 7}, "b": [1, 2]})).matches(&r));
        assert!(
            body_json(json!({"a": {"id": 7}, "b": [1, 2]}))
                .ignoring_array_order()
                .matches(&r)
        );
        assert!(body_partial_json(json!({"a": {}})).matches(&r));
        assert!(body_json_pointer("/b/0", 2).matches(&r));
        assert!(!body_json_pointer("/b/5", 2).matches(&r));
        assert_eq!(
            body_json_pointer("/a/id", 8).refusal(&r),
            r#"body json at "/a/id" == "8" (was "7")"#
        );
        let not_json = request("POST", "/", &[], b"id=7");
        assert!(!body_json(json!({"id": 7})).matches(&not_json));
        assert!(
            body_json(json!({"id": 7}))
                .refusal(&not_json)
                .ends_with(r#"(not JSON: "id=7")"#)
        );
    }

    #[test]
    fn form_fields_are_decoded() {
        let r = request("POST", "/", &[], b"name=a+b&tag=x&tag=y%21");
        assert!(form_field("name", "a b").matches(&r));
        assert!(form_field("tag", "y!").matches(&r));
        assert!(!form_field("tag", "z").matches(&r));
    }
}
