//! Reading WireMock's JSON strictly: an object's members checked against the names its class
//! takes (a near miss named, so a typo is never a member silently ignored), each value read as
//! its type, every refusal located by a JSON pointer, as WireMock locates its own.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::closest;

/// Why a mapping (or a request pattern) is refused: where (a JSON pointer, as WireMock's
/// `source.pointer`), and what is wrong, naming the valid choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    /// The JSON pointer of the member at fault, e.g. `/request/urlpath`; empty for the whole
    /// document.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
}

impl MappingError {
    pub(super) fn new(pointer: &str, detail: impl Into<String>) -> MappingError {
        MappingError {
            pointer: pointer.to_owned(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.detail)
        } else {
            write!(f, "{}: {}", self.pointer, self.detail)
        }
    }
}

impl std::error::Error for MappingError {}

/// The pointer of member `key` of the value at `pointer` (RFC 6901 escapes).
pub(super) fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// A JSON object read as one of WireMock's classes.
pub(super) struct Object<'a> {
    map: &'a Map<String, Value>,
    pub(super) pointer: String,
}

impl<'a> Object<'a> {
    /// `value` as an object of `class` whose members are among `known`.
    pub(super) fn read(
        value: &'a Value,
        pointer: &str,
        class: &str,
        known: &[&str],
    ) -> Result<Object<'a>, MappingError> {
        let Some(map) = value.as_object() else {
            return Err(MappingError::new(
                pointer,
                format!("{class} must be a JSON object, not {}", kind(value)),
            ));
        };
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                let hint = closest(key, known.iter().copied())
                    .map(|near| format!("did you mean `{near}`? "))
                    .unwrap_or_default();
                return Err(MappingError::new(
                    &child(pointer, key),
                    format!(
                        "Unrecognized field \"{key}\" ({class}); {hint}fields: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(Object {
            map,
            pointer: pointer.to_owned(),
        })
    }

    /// The member `key`, unless absent or `null`.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The pointer of member `key`.
    pub(super) fn at(&self, key: &str) -> String {
        child(&self.pointer, key)
    }

    /// Member `key` as a string.
    pub(super) fn string(&self, key: &str) -> Result<Option<String>, MappingError> {
        self.get(key).map(|v| string(v, &self.at(key))).transpose()
    }

    /// Member `key` as a non-negative integer no larger than `max`.
    pub(super) fn integer(&self, key: &str, max: u64) -> Result<Option<u64>, MappingError> {
        self.get(key)
            .map(|v| integer(v, &self.at(key), max))
            .transpose()
    }

    /// Member `key` as a number.
    pub(super) fn number(&self, key: &str) -> Result<Option<f64>, MappingError> {
        self.get(key)
            .map(|v| {
                v.as_f64().ok_or_else(|| {
                    MappingError::new(&self.at(key), format!("must be a number, not {}", kind(v)))
                })
            })
            .transpose()
    }

    /// Member `key` as a boolean.
    pub(super) fn boolean(&self, key: &str) -> Result<Option<bool>, MappingError> {
        self.get(key)
            .map(|v| {
                v.as_bool().ok_or_else(|| {
                    MappingError::new(
                        &self.at(key),
                        format!("must be true or false, not {}", kind(v)),
                    )
                })
            })
            .transpose()
    }
}

/// `value` as a string.
pub(super) fn string(value: &Value, pointer: &str) -> Result<String, MappingError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| MappingError::new(pointer, format!("must be a string, not {}", kind(value))))
}

/// `value` as a non-negative integer no larger than `max` (a string of digits too, as WireMock
/// reads them).
pub(super) fn integer(value: &Value, pointer: &str, max: u64) -> Result<u64, MappingError> {
    let read = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    read.filter(|n| *n <= max).ok_or_else(|| {
        MappingError::new(
            pointer,
            format!("must be an integer from 0 to {max}, not {value}"),
        )
    })
}

/// What kind of JSON value `value` is, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_unknown_member_is_refused_at_its_pointer_naming_the_near_miss() {
        let value = json!({"urlpath": "/x"});
        let error = Object::read(&value, "/request", "RequestPattern", &["url", "urlPath"])
            .err()
            .unwrap();
        assert_eq!(error.pointer, "/request/urlpath");
        assert!(error.detail.contains("did you mean `urlPath`?"), "{error}");
        assert!(error.detail.contains("fields: url, urlPath"), "{error}");
    }

    #[test]
    fn values_are_read_as_their_types_with_the_pointer_of_the_one_at_fault() {
        let value = json!({"status": "abc", "delay": "25", "flag": 1});
        let object = Object::read(
            &value,
            "/response",
            "Response",
            &["status", "delay", "flag"],
        )
        .ok()
        .unwrap();
        assert_eq!(object.integer("delay", 100).unwrap(), Some(25));
        let error = object.integer("status", 999).unwrap_err();
        assert_eq!(error.pointer, "/response/status");
        assert!(object.boolean("flag").is_err());
        assert_eq!(child("/a", "b/c~d"), "/a/b~1c~0d");
    }
}
