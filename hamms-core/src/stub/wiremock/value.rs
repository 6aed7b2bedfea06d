//! WireMock's value patterns, compiled: regexes built (the `regex` crate's, anchored as Java's
//! `matches` reads a whole value), JSONPath expressions parsed, ready to test a value.

use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::stub::matchers::json::compare;
use hamms_catalog::wiremock::{MappingError, MultiPattern, ValuePattern};

/// A value pattern ready to test values.
#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    EqualTo {
        value: String,
        case_insensitive: bool,
    },
    BinaryEqualTo(Vec<u8>),
    Contains(String),
    DoesNotContain(String),
    Matches(Regex),
    DoesNotMatch(Regex),
    Absent,
    EqualToJson {
        json: Value,
        any_order: bool,
        extra: bool,
    },
    JsonPath {
        path: JsonPath,
        expression: String,
        then: Option<Box<Compiled>>,
    },
    And(Vec<Compiled>),
    Or(Vec<Compiled>),
}

/// A pattern of a repeatable value, compiled.
#[derive(Debug, Clone)]
pub(crate) enum CompiledMulti {
    Any(Compiled),
    HasExactly(Vec<Compiled>),
    Includes(Vec<Compiled>),
}

/// `regex` anchored to match a whole value, as Java's `String.matches`.
pub(crate) fn whole(regex: &str, pointer: &str) -> Result<Regex, MappingError> {
    Regex::new(&format!("^(?:{regex})$")).map_err(|e| MappingError {
        pointer: pointer.to_owned(),
        detail: format!("the regex `{regex}` is invalid here (the `regex` crate's syntax: no look-around, no backreferences): {e}"),
    })
}

impl Compiled {
    pub(crate) fn new(pattern: &ValuePattern, pointer: &str) -> Result<Compiled, MappingError> {
        let all = |patterns: &[ValuePattern]| {
            patterns
                .iter()
                .map(|p| Compiled::new(p, pointer))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match pattern {
            ValuePattern::EqualTo {
                value,
                case_insensitive,
            } => Compiled::EqualTo {
                value: value.clone(),
                case_insensitive: *case_insensitive,
            },
            ValuePattern::BinaryEqualTo(bytes) => Compiled::BinaryEqualTo(bytes.clone()),
            ValuePattern::Contains(part) => Compiled::Contains(part.clone()),
            ValuePattern::DoesNotContain(part) => Compiled::DoesNotContain(part.clone()),
            ValuePattern::Matches(regex) => Compiled::Matches(whole(regex, pointer)?),
            ValuePattern::DoesNotMatch(regex) => Compiled::DoesNotMatch(whole(regex, pointer)?),
            ValuePattern::Absent => Compiled::Absent,
            ValuePattern::EqualToJson {
                json,
                ignore_array_order,
                ignore_extra_elements,
            } => Compiled::EqualToJson {
                json: json.clone(),
                any_order: *ignore_array_order,
                extra: *ignore_extra_elements,
            },
            ValuePattern::MatchesJsonPath { expression, then } => Compiled::JsonPath {
                path: JsonPath::parse(expression).map_err(|e| MappingError {
                    pointer: pointer.to_owned(),
                    detail: format!("`{expression}` is not a JSONPath expression (RFC 9535): {e}"),
                })?,
                expression: expression.clone(),
                then: then
                    .as_deref()
                    .map(|p| Compiled::new(p, pointer).map(Box::new))
                    .transpose()?,
            },
            ValuePattern::And(patterns) => Compiled::And(all(patterns)?),
            ValuePattern::Or(patterns) => Compiled::Or(all(patterns)?),
        })
    }

    /// Whether `value` (`None`: absent) matches.
    pub(crate) fn test(&self, value: Option<&[u8]>) -> bool {
        let text = value.map(String::from_utf8_lossy);
        let text = text.as_deref();
        match self {
            Compiled::Absent => value.is_none(),
            Compiled::And(all) => all.iter().all(|p| p.test(value)),
            Compiled::Or(any) => any.iter().any(|p| p.test(value)),
            Compiled::BinaryEqualTo(bytes) => value == Some(bytes.as_slice()),
            _ => {
                let Some(text) = text else {
                    return false;
                };
                match self {
                    Compiled::EqualTo {
                        value,
                        case_insensitive: true,
                    } => text.to_lowercase() == value.to_lowercase(),
                    Compiled::EqualTo { value, .. } => text == value,
                    Compiled::Contains(part) => text.contains(part.as_str()),
                    Compiled::DoesNotContain(part) => !text.contains(part.as_str()),
                    Compiled::Matches(regex) => regex.is_match(text),
                    Compiled::DoesNotMatch(regex) => !regex.is_match(text),
                    Compiled::EqualToJson {
                        json,
                        any_order,
                        extra,
                    } => serde_json::from_str::<Value>(text)
                        .is_ok_and(|actual| compare(json, &actual, *any_order, *extra)),
                    Compiled::JsonPath { path, then, .. } => {
                        let Ok(document) = serde_json::from_str::<Value>(text) else {
                            return false;
                        };
                        let found = path.query(&document).all();
                        match then {
                            None => !found.is_empty(),
                            Some(then) => found.iter().any(|v| {
                                let text = match v {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                };
                                then.test(Some(text.as_bytes()))
                            }),
                        }
                    }
                    Compiled::Absent
                    | Compiled::And(_)
                    | Compiled::Or(_)
                    | Compiled::BinaryEqualTo(_) => false,
                }
            }
        }
    }

    /// The pattern, as WireMock writes it, for reports.
    pub(crate) fn describe(&self) -> String {
        match self {
            Compiled::EqualTo {
                value,
                case_insensitive: true,
            } => format!("equalTo {value:?} (case-insensitive)"),
            Compiled::EqualTo { value, .. } => format!("equalTo {value:?}"),
            Compiled::BinaryEqualTo(bytes) => format!("binaryEqualTo ({} bytes)", bytes.len()),
            Compiled::Contains(part) => format!("contains {part:?}"),
            Compiled::DoesNotContain(part) => format!("doesNotContain {part:?}"),
            Compiled::Matches(regex) => format!("matches {:?}", unanchored(regex)),
            Compiled::DoesNotMatch(regex) => format!("doesNotMatch {:?}", unanchored(regex)),
            Compiled::Absent => "absent".to_owned(),
            Compiled::EqualToJson { json, .. } => format!("equalToJson {json}"),
            Compiled::JsonPath {
                expression, then, ..
            } => match then {
                None => format!("matchesJsonPath {expression:?}"),
                Some(then) => format!("matchesJsonPath {expression:?} {}", then.describe()),
            },
            Compiled::And(all) => joined(all, " and "),
            Compiled::Or(any) => joined(any, " or "),
        }
    }
}

impl CompiledMulti {
    pub(crate) fn new(
        pattern: &MultiPattern,
        pointer: &str,
    ) -> Result<CompiledMulti, MappingError> {
        let all = |patterns: &[ValuePattern]| {
            patterns
                .iter()
                .map(|p| Compiled::new(p, pointer))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match pattern {
            MultiPattern::Any(p) => CompiledMulti::Any(Compiled::new(p, pointer)?),
            MultiPattern::HasExactly(ps) => CompiledMulti::HasExactly(all(ps)?),
            MultiPattern::Includes(ps) => CompiledMulti::Includes(all(ps)?),
        })
    }

    /// Whether the values (none: absent) match.
    pub(crate) fn test(&self, values: &[&[u8]]) -> bool {
        match self {
            CompiledMulti::Any(p) if values.is_empty() => p.test(None),
            CompiledMulti::Any(p) => values.iter().any(|v| p.test(Some(v))),
            CompiledMulti::HasExactly(ps) => {
                ps.len() == values.len()
                    && ps.iter().all(|p| values.iter().any(|v| p.test(Some(v))))
            }
            CompiledMulti::Includes(ps) => {
                ps.iter().all(|p| values.iter().any(|v| p.test(Some(v))))
            }
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            CompiledMulti::Any(p) => p.describe(),
            CompiledMulti::HasExactly(ps) => format!("hasExactly [{}]", joined(ps, ", ")),
            CompiledMulti::Includes(ps) => format!("includes [{}]", joined(ps, ", ")),
        }
    }
}

fn joined(patterns: &[Compiled], separator: &str) -> String {
    let described: Vec<String> = patterns.iter().map(Compiled::describe).collect();
    format!("({})", described.join(separator))
}

/// A regex as the mapping wrote it (without the anchors added to match whole values).
fn unanchored(regex: &Regex) -> &str {
    let text = regex.as_str();
    text.strip_prefix("^(?:")
        .and_then(|t| t.strip_suffix(")$"))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compiled(value: Value) -> Compiled {
        Compiled::new(&ValuePattern::parse(&value, "").unwrap(), "").unwrap()
    }

    #[test]
    fn each_operator_tests_values_as_wiremock_does() {
        let yes = |p: &Compiled, v: &str| p.test(Some(v.as_bytes()));
        assert!(yes(
            &compiled(json!({"equalTo": "A", "caseInsensitive": true})),
            "a"
        ));
        assert!(!yes(&compiled(json!({"equalTo": "A"})), "a"));
        assert!(yes(&compiled(json!({"matches": "[0-9]+"})), "42"));
        assert!(
            !yes(&compiled(json!({"matches": "[0-9]+"})), "42x"),
            "whole values"
        );
        assert!(yes(&compiled(json!({"doesNotMatch": "[0-9]+"})), "x"));
        assert!(compiled(json!({"absent": true})).test(None));
        assert!(!compiled(json!({"contains": "a"})).test(None));
        let json_pattern =
            compiled(json!({"equalToJson": {"a": [1, 2]}, "ignoreArrayOrder": true}));
        assert!(yes(&json_pattern, r#"{"a": [2, 1]}"#));
        let extra = compiled(json!({"equalToJson": "{\"a\": 1}", "ignoreExtraElements": true}));
        assert!(yes(&extra, r#"{"a": 1, "b": 2}"#));
        let path = compiled(json!({"matchesJsonPath": "$.items[?(@.id == 2)]"}));
        assert!(yes(&path, r#"{"items": [{"id": 1}, {"id": 2}]}"#));
        assert!(!yes(&path, r#"{"items": [{"id": 1}]}"#));
        let path_then =
            compiled(json!({"matchesJsonPath": {"expression": "$.name", "contains": "ob"}}));
        assert!(yes(&path_then, r#"{"name": "bob"}"#));
        let both = compiled(json!({"and": [{"contains": "a"}, {"contains": "b"}]}));
        assert!(yes(&both, "ab") && !yes(&both, "a"));
    }

    #[test]
    fn repeated_values_match_any_exactly_or_including() {
        let multi =
            |v: Value| CompiledMulti::new(&MultiPattern::parse(&v, "").unwrap(), "").unwrap();
        let values: [&[u8]; 2] = [b"a", b"b"];
        assert!(multi(json!({"equalTo": "b"})).test(&values));
        assert!(multi(json!({"hasExactly": [{"equalTo": "b"}, {"equalTo": "a"}]})).test(&values));
        assert!(!multi(json!({"hasExactly": [{"equalTo": "a"}]})).test(&values));
        assert!(multi(json!({"includes": [{"equalTo": "a"}]})).test(&values));
        assert!(multi(json!({"absent": true})).test(&[]));
    }
}
