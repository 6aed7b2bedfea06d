//! WireMock's request patterns as data: how a request's URL, method, headers, query, cookies,
//! form fields, credentials and body must look (`RequestPattern`), and the value patterns
//! each is made of (`equalTo`, `matches`, `equalToJson`...), read strictly.

use serde_json::Value;

use super::fields::{MappingError, Object, child, kind, string};

/// The members a request pattern takes.
const REQUEST_FIELDS: &[&str] = &[
    "url",
    "urlPattern",
    "urlPath",
    "urlPathPattern",
    "urlPathTemplate",
    "method",
    "headers",
    "pathParameters",
    "queryParameters",
    "formParameters",
    "cookies",
    "basicAuthCredentials",
    "bodyPatterns",
];

/// Members WireMock takes that hamms does not serve: refused by name rather than ignored.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "multipartPatterns",
        "multipart bodies are not matched by hamms",
    ),
    ("customMatcher", "custom matchers are Java extensions"),
    ("scheme", "the scheme is not matched by hamms"),
    (
        "host",
        "the host is not matched by hamms; match the Host header",
    ),
    ("port", "the port is not matched by hamms"),
    ("clientIp", "the client's address is not matched by hamms"),
];

/// How the URL must look: one of WireMock's five ways.
#[derive(Debug, Clone, PartialEq)]
pub enum UrlPattern {
    /// `url`: the path and query, exactly.
    Url(String),
    /// `urlPattern`: a regex over the path and query, whole.
    UrlPattern(String),
    /// `urlPath`: the path, exactly.
    Path(String),
    /// `urlPathPattern`: a regex over the path, whole.
    PathPattern(String),
    /// `urlPathTemplate`: `/items/{id}`, its parameters matched by `pathParameters`.
    PathTemplate(String),
}

/// A pattern of one value (a header's, a query parameter's, the body's...).
#[derive(Debug, Clone, PartialEq)]
pub enum ValuePattern {
    /// `equalTo`, with `caseInsensitive`.
    EqualTo {
        /// The value.
        value: String,
        /// Whether letter case counts.
        case_insensitive: bool,
    },
    /// `binaryEqualTo`: the bytes (given in base64).
    BinaryEqualTo(Vec<u8>),
    /// `contains`.
    Contains(String),
    /// `doesNotContain`.
    DoesNotContain(String),
    /// `matches`: a regex, over the whole value.
    Matches(String),
    /// `doesNotMatch`.
    DoesNotMatch(String),
    /// `absent: true`: no such value.
    Absent,
    /// `equalToJson`, with `ignoreArrayOrder` and `ignoreExtraElements`.
    EqualToJson {
        /// The JSON (given as a string or inline).
        json: Value,
        /// Whether arrays match in any order.
        ignore_array_order: bool,
        /// Whether the value may have more members and elements.
        ignore_extra_elements: bool,
    },
    /// `matchesJsonPath`: an expression that selects something, optionally matched further.
    MatchesJsonPath {
        /// The JSONPath expression.
        expression: String,
        /// What the selected values must match, if anything.
        then: Option<Box<ValuePattern>>,
    },
    /// `and`: every pattern.
    And(Vec<ValuePattern>),
    /// `or`: at least one.
    Or(Vec<ValuePattern>),
}

/// A pattern of a value that may be repeated (a header, a query parameter).
#[derive(Debug, Clone, PartialEq)]
pub enum MultiPattern {
    /// One of the values matches (WireMock's single-value patterns).
    Any(ValuePattern),
    /// `hasExactly`: the values are exactly these, in any order, one pattern each.
    HasExactly(Vec<ValuePattern>),
    /// `includes`: each pattern matches one of the values.
    Includes(Vec<ValuePattern>),
}

/// How a request must look, as WireMock's `RequestPattern`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RequestPattern {
    /// The method; `None` (or `ANY`) for any.
    pub method: Option<String>,
    /// The URL; `None` for any.
    pub url: Option<UrlPattern>,
    /// The path template's parameters (`pathParameters`).
    pub path_parameters: Vec<(String, ValuePattern)>,
    /// The headers (names case-insensitive).
    pub headers: Vec<(String, MultiPattern)>,
    /// The query parameters.
    pub query: Vec<(String, MultiPattern)>,
    /// The form fields of an `application/x-www-form-urlencoded` body.
    pub form: Vec<(String, MultiPattern)>,
    /// The cookies.
    pub cookies: Vec<(String, ValuePattern)>,
    /// `basicAuthCredentials`: the user and password of an `Authorization: Basic` header.
    pub basic_auth: Option<(String, String)>,
    /// The body; every pattern must match.
    pub body: Vec<ValuePattern>,
}

impl RequestPattern {
    /// Reads a request pattern (a mapping's `request`, or the body of a journal query).
    ///
    /// # Errors
    /// A [`MappingError`] locating the member at fault and naming the valid choices.
    pub fn parse(value: &Value, pointer: &str) -> Result<RequestPattern, MappingError> {
        if let Some(map) = value.as_object() {
            for (key, why) in UNSUPPORTED {
                if map.contains_key(*key) {
                    return Err(MappingError::new(
                        &child(pointer, key),
                        format!("not supported: {why}"),
                    ));
                }
            }
        }
        let object = Object::read(value, pointer, "RequestPattern", REQUEST_FIELDS)?;
        let method = object
            .string("method")?
            .filter(|m| !m.eq_ignore_ascii_case("ANY"));
        let urls: Vec<UrlPattern> = [
            ("url", UrlPattern::Url as fn(String) -> UrlPattern),
            ("urlPattern", UrlPattern::UrlPattern),
            ("urlPath", UrlPattern::Path),
            ("urlPathPattern", UrlPattern::PathPattern),
            ("urlPathTemplate", UrlPattern::PathTemplate),
        ]
        .into_iter()
        .filter_map(|(key, make)| object.string(key).transpose().map(|s| s.map(make)))
        .collect::<Result<_, _>>()?;
        if urls.len() > 1 {
            return Err(MappingError::new(
                pointer,
                "give one of url, urlPattern, urlPath, urlPathPattern and urlPathTemplate",
            ));
        }
        for url in &urls {
            if let UrlPattern::UrlPattern(regex) | UrlPattern::PathPattern(regex) = url {
                check_regex(regex, pointer)?;
            }
        }
        let pattern = RequestPattern {
            method,
            url: urls.into_iter().next(),
            path_parameters: named(&object, "pathParameters", ValuePattern::parse)?,
            headers: named(&object, "headers", MultiPattern::parse)?,
            query: named(&object, "queryParameters", MultiPattern::parse)?,
            form: named(&object, "formParameters", MultiPattern::parse)?,
            cookies: named(&object, "cookies", ValuePattern::parse)?,
            basic_auth: basic_auth(&object)?,
            body: match object.get("bodyPatterns") {
                None => Vec::new(),
                Some(Value::Array(patterns)) => patterns
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        ValuePattern::parse(p, &child(&object.at("bodyPatterns"), &i.to_string()))
                    })
                    .collect::<Result<_, _>>()?,
                Some(other) => {
                    return Err(MappingError::new(
                        &object.at("bodyPatterns"),
                        format!("must be an array of patterns, not {}", kind(other)),
                    ));
                }
            },
        };
        if !pattern.path_parameters.is_empty()
            && !matches!(pattern.url, Some(UrlPattern::PathTemplate(_)))
        {
            return Err(MappingError::new(
                &object.at("pathParameters"),
                "pathParameters match the parameters of a urlPathTemplate; give one",
            ));
        }
        Ok(pattern)
    }
}

/// The members of object member `key`, each read by `read`.
fn named<T>(
    object: &Object<'_>,
    key: &str,
    read: fn(&Value, &str) -> Result<T, MappingError>,
) -> Result<Vec<(String, T)>, MappingError> {
    let Some(value) = object.get(key) else {
        return Ok(Vec::new());
    };
    let Some(map) = value.as_object() else {
        return Err(MappingError::new(
            &object.at(key),
            format!("must be an object of name: pattern, not {}", kind(value)),
        ));
    };
    map.iter()
        .map(|(name, pattern)| Ok((name.clone(), read(pattern, &child(&object.at(key), name))?)))
        .collect()
}

fn basic_auth(object: &Object<'_>) -> Result<Option<(String, String)>, MappingError> {
    let Some(value) = object.get("basicAuthCredentials") else {
        return Ok(None);
    };
    let pointer = object.at("basicAuthCredentials");
    let credentials = Object::read(
        value,
        &pointer,
        "BasicCredentials",
        &["username", "password"],
    )?;
    let need = |key: &str| {
        credentials
            .string(key)?
            .ok_or_else(|| MappingError::new(&credentials.at(key), "is required"))
    };
    Ok(Some((need("username")?, need("password")?)))
}

/// The operators of a value pattern, with the flags each takes.
const OPERATORS: &[&str] = &[
    "equalTo",
    "binaryEqualTo",
    "contains",
    "doesNotContain",
    "matches",
    "doesNotMatch",
    "absent",
    "equalToJson",
    "matchesJsonPath",
    "and",
    "or",
];
const FLAGS: &[&str] = &["caseInsensitive", "ignoreArrayOrder", "ignoreExtraElements"];
/// WireMock's operators hamms does not serve.
const UNSUPPORTED_OPERATORS: &[&str] = &[
    "equalToXml",
    "matchesXPath",
    "before",
    "after",
    "equalToDateTime",
    "anything",
];

impl ValuePattern {
    /// Reads a value pattern: an object with one operator (`{"equalTo": "x"}`).
    ///
    /// # Errors
    /// A [`MappingError`] for anything but one known operator with the flags it takes.
    pub fn parse(value: &Value, pointer: &str) -> Result<ValuePattern, MappingError> {
        let invalid = || {
            MappingError::new(
                pointer,
                format!(
                    "{value} is not a valid match operation; operators: {}",
                    OPERATORS.join(", ")
                ),
            )
        };
        let Some(map) = value.as_object() else {
            return Err(invalid());
        };
        if let Some(op) = UNSUPPORTED_OPERATORS
            .iter()
            .find(|op| map.contains_key(**op))
        {
            return Err(MappingError::new(
                &child(pointer, op),
                format!(
                    "not supported by hamms: `{op}`; operators: {}",
                    OPERATORS.join(", ")
                ),
            ));
        }
        let known: Vec<&str> = OPERATORS.iter().chain(FLAGS).copied().collect();
        let object = Object::read(value, pointer, "StringValuePattern", &known)?;
        let operators: Vec<&str> = OPERATORS
            .iter()
            .copied()
            .filter(|op| object.get(op).is_some())
            .collect();
        let [operator] = operators[..] else {
            return Err(invalid());
        };
        let flag = |key: &str| Ok::<_, MappingError>(object.boolean(key)?.unwrap_or(false));
        let text = || object.string(operator).map(Option::unwrap_or_default);
        let pattern = match operator {
            "equalTo" => ValuePattern::EqualTo {
                value: text()?,
                case_insensitive: flag("caseInsensitive")?,
            },
            "binaryEqualTo" => {
                let encoded = text()?;
                let bytes = decode_base64(&encoded)
                    .ok_or_else(|| MappingError::new(&object.at(operator), "must be base64"))?;
                ValuePattern::BinaryEqualTo(bytes)
            }
            "contains" => ValuePattern::Contains(text()?),
            "doesNotContain" => ValuePattern::DoesNotContain(text()?),
            "matches" | "doesNotMatch" => {
                let regex = text()?;
                check_regex(&regex, &object.at(operator))?;
                if operator == "matches" {
                    ValuePattern::Matches(regex)
                } else {
                    ValuePattern::DoesNotMatch(regex)
                }
            }
            "absent" => ValuePattern::Absent,
            "equalToJson" => {
                let json = match object.get(operator) {
                    Some(Value::String(text)) => serde_json::from_str(text).map_err(|e| {
                        MappingError::new(&object.at(operator), format!("is not JSON: {e}"))
                    })?,
                    Some(inline) => inline.clone(),
                    None => Value::Null,
                };
                ValuePattern::EqualToJson {
                    json,
                    ignore_array_order: flag("ignoreArrayOrder")?,
                    ignore_extra_elements: flag("ignoreExtraElements")?,
                }
            }
            "matchesJsonPath" => match object.get(operator) {
                Some(Value::String(expression)) => ValuePattern::MatchesJsonPath {
                    expression: expression.clone(),
                    then: None,
                },
                Some(value) => {
                    let at = object.at(operator);
                    let map = value.as_object().ok_or_else(|| {
                        MappingError::new(
                            &at,
                            "must be an expression, or {\"expression\": ..., and a pattern}",
                        )
                    })?;
                    let expression = map
                        .get("expression")
                        .ok_or_else(|| MappingError::new(&at, "needs an `expression`"))?;
                    let expression = string(expression, &child(&at, "expression"))?;
                    let mut rest = map.clone();
                    rest.remove("expression");
                    let then = ValuePattern::parse(&Value::Object(rest), &at)?;
                    ValuePattern::MatchesJsonPath {
                        expression,
                        then: Some(Box::new(then)),
                    }
                }
                None => return Err(invalid()),
            },
            "and" | "or" => {
                let at = object.at(operator);
                let Some(Value::Array(items)) = object.get(operator) else {
                    return Err(MappingError::new(&at, "must be an array of patterns"));
                };
                let patterns = items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| ValuePattern::parse(p, &child(&at, &i.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                if operator == "and" {
                    ValuePattern::And(patterns)
                } else {
                    ValuePattern::Or(patterns)
                }
            }
            _ => return Err(invalid()),
        };
        Ok(pattern)
    }
}

impl MultiPattern {
    /// Reads the pattern of a repeatable value: a value pattern, or `hasExactly` / `includes`
    /// with a list of them.
    ///
    /// # Errors
    /// As [`ValuePattern::parse`].
    pub fn parse(value: &Value, pointer: &str) -> Result<MultiPattern, MappingError> {
        let list = |key: &str| -> Result<Option<Vec<ValuePattern>>, MappingError> {
            let Some(items) = value.get(key) else {
                return Ok(None);
            };
            let at = child(pointer, key);
            let Some(items) = items.as_array() else {
                return Err(MappingError::new(&at, "must be an array of patterns"));
            };
            items
                .iter()
                .enumerate()
                .map(|(i, p)| ValuePattern::parse(p, &child(&at, &i.to_string())))
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        };
        if let Some(patterns) = list("hasExactly")? {
            return Ok(MultiPattern::HasExactly(patterns));
        }
        if let Some(patterns) = list("includes")? {
            return Ok(MultiPattern::Includes(patterns));
        }
        ValuePattern::parse(value, pointer).map(MultiPattern::Any)
    }
}

/// Refuses a regex no engine here could compile (an unclosed group), as WireMock refuses its
/// mapping. Regexes are compiled by the engine (the `regex` crate); this only catches the
/// obvious syntax errors early, at the pointer of the pattern.
fn check_regex(regex: &str, pointer: &str) -> Result<(), MappingError> {
    let mut depth = 0i64;
    let mut escaped = false;
    let mut in_class = false;
    for c in regex.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            break;
        }
    }
    if depth != 0 || in_class {
        return Err(MappingError::new(
            pointer,
            format!("the regex `{regex}` has an unclosed group or class"),
        ));
    }
    Ok(())
}

/// Standard base64 (with or without padding; the URL-safe alphabet too), as WireMock's
/// `binaryEqualTo` and `base64Body` give bytes.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        let take = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&bytes[1..1 + take]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_request_pattern_with_every_kind_of_member() {
        let pattern = RequestPattern::parse(
            &json!({
                "method": "POST",
                "urlPathTemplate": "/items/{id}",
                "pathParameters": {"id": {"matches": "[0-9]+"}},
                "headers": {"Accept": {"contains": "json"}, "X-A": {"hasExactly": [{"equalTo": "1"}]}},
                "queryParameters": {"q": {"equalTo": "A", "caseInsensitive": true}},
                "cookies": {"session": {"absent": true}},
                "basicAuthCredentials": {"username": "u", "password": "p"},
                "bodyPatterns": [{"equalToJson": "{\"a\": 1}", "ignoreExtraElements": true}, {"matchesJsonPath": "$.a"}]
            }),
            "/request",
        )
        .unwrap();
        assert_eq!(pattern.method.as_deref(), Some("POST"));
        assert_eq!(
            pattern.url,
            Some(UrlPattern::PathTemplate("/items/{id}".into()))
        );
        assert!(matches!(pattern.headers[1].1, MultiPattern::HasExactly(_)));
        assert_eq!(pattern.basic_auth, Some(("u".into(), "p".into())));
        assert!(matches!(
            &pattern.body[0],
            ValuePattern::EqualToJson {
                ignore_extra_elements: true,
                ..
            }
        ));
        assert_eq!(
            RequestPattern::parse(&json!({"method": "ANY"}), "")
                .unwrap()
                .method,
            None
        );
    }

    #[test]
    fn refusals_locate_the_member_and_say_why() {
        let cases = [
            (
                json!({"urlpath": "/x"}),
                "/request/urlpath",
                "did you mean `urlPath`?",
            ),
            (
                json!({"headers": {"a": {"equalsTo": "b"}}}),
                "/request/headers/a/equalsTo",
                "did you mean `equalTo`?",
            ),
            (
                json!({"headers": {"a": {"equalTo": "b", "contains": "c"}}}),
                "/request/headers/a",
                "is not a valid match operation",
            ),
            (json!({"urlPattern": "(("}), "/request", "unclosed group"),
            (
                json!({"url": "/a", "urlPath": "/a"}),
                "/request",
                "give one of url",
            ),
            (
                json!({"bodyPatterns": [{"equalToXml": "<a/>"}]}),
                "/request/bodyPatterns/0/equalToXml",
                "not supported",
            ),
            (
                json!({"multipartPatterns": []}),
                "/request/multipartPatterns",
                "not supported",
            ),
        ];
        for (value, pointer, detail) in cases {
            let error = RequestPattern::parse(&value, "/request").unwrap_err();
            assert_eq!(error.pointer, pointer, "{value}: {error}");
            assert!(error.detail.contains(detail), "{value}: {error}");
        }
    }

    #[test]
    fn base64_decodes_with_or_without_padding() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("AAEC/w==").unwrap(), [0, 1, 2, 255]);
        assert!(decode_base64("a$").is_none());
    }
}
