//! WireMock's response definitions as data: status, headers, the body (text, JSON, base64, a
//! file), delays, chunked dribbles, faults, proxying, templating; and the webhooks a mapping
//! fires after it answers.

use serde_json::Value;

use super::fields::{MappingError, Object, child, kind, string};
use super::pattern::decode_base64;

const RESPONSE_FIELDS: &[&str] = &[
    "status",
    "statusMessage",
    "headers",
    "body",
    "jsonBody",
    "base64Body",
    "bodyFileName",
    "fixedDelayMilliseconds",
    "delayDistribution",
    "chunkedDribbleDelay",
    "fault",
    "proxyBaseUrl",
    "proxyUrlPrefixToRemove",
    "additionalProxyRequestHeaders",
    "removeProxyRequestHeaders",
    "transformers",
    "transformerParameters",
    "fromConfiguredStub",
];

/// WireMock's four faults, and the catalog mode each is served with.
pub const WIREMOCK_FAULTS: &[(&str, &str)] = &[
    ("CONNECTION_RESET_BY_PEER", "reset_by_peer"),
    ("EMPTY_RESPONSE", "empty_after_request"),
    ("MALFORMED_RESPONSE_CHUNK", "malformed_chunk"),
    ("RANDOM_DATA_THEN_CLOSE", "random_data_then_close"),
];

/// The longest delay a mapping may ask for, in milliseconds (an hour).
const LONGEST_DELAY_MS: u64 = 3_600_000;

/// A response body, as a mapping gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `body`: text (a template, with templating on).
    Text(String),
    /// `jsonBody`: JSON, sent serialized.
    Json(Value),
    /// `base64Body`: bytes.
    Bytes(Vec<u8>),
    /// `bodyFileName`: a file under the root directory's `__files/`.
    File(String),
}

/// A delay drawn for each answer, as `delayDistribution` gives it (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// `fixed`.
    Fixed(u64),
    /// `uniform`, between `lower` and `upper`.
    Uniform {
        /// The shortest.
        lower: u64,
        /// The longest.
        upper: u64,
    },
    /// `lognormal` with `median` and `sigma`.
    LogNormal {
        /// The median.
        median: f64,
        /// The spread of the logarithm.
        sigma: f64,
    },
}

/// What answers a mapping's requests, as WireMock's `ResponseDefinition`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseDefinition {
    /// The status (default 200).
    pub status: u16,
    /// The reason phrase, if not the status's own.
    pub status_message: Option<String>,
    /// The headers, in order; a name given a list of values is sent once per value.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Option<Body>,
    /// `fixedDelayMilliseconds`.
    pub fixed_delay_ms: Option<u64>,
    /// `delayDistribution`.
    pub delay_distribution: Option<Distribution>,
    /// `chunkedDribbleDelay`: the body in this many chunks over this many milliseconds.
    pub chunked_dribble: Option<(u64, u64)>,
    /// `fault`: the catalog mode that answers instead (WireMock's four by their names, mapped by
    /// [`WIREMOCK_FAULTS`], or any mode of the catalog by name, with its parameters).
    pub fault: Option<String>,
    /// `proxyBaseUrl`: forward the request there and answer with what it answers.
    pub proxy_base_url: Option<String>,
    /// `proxyUrlPrefixToRemove`.
    pub proxy_url_prefix_to_remove: Option<String>,
    /// `additionalProxyRequestHeaders`.
    pub additional_proxy_request_headers: Vec<(String, String)>,
    /// `removeProxyRequestHeaders`.
    pub remove_proxy_request_headers: Vec<String>,
    /// Whether `response-template` is among the `transformers`.
    pub templated: bool,
}

impl ResponseDefinition {
    /// Reads a response definition. `fault` is checked against `is_mode`, which says whether a
    /// name (with its parameters, as `Behavior` prints them) is a catalog mode.
    ///
    /// # Errors
    /// A [`MappingError`] locating the member at fault.
    pub fn parse(
        value: &Value,
        pointer: &str,
        is_mode: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<ResponseDefinition, MappingError> {
        let object = Object::read(value, pointer, "ResponseDefinition", RESPONSE_FIELDS)?;
        let status = object.integer("status", 999)?.unwrap_or(200);
        if !(100..=999).contains(&status) {
            return Err(MappingError::new(
                &object.at("status"),
                format!("{status} is not an HTTP status (100 to 999)"),
            ));
        }
        let bodies: Vec<Body> = [
            object.string("body")?.map(Body::Text),
            object.get("jsonBody").cloned().map(Body::Json),
            object
                .string("base64Body")?
                .map(|b64| {
                    decode_base64(&b64).map(Body::Bytes).ok_or_else(|| {
                        MappingError::new(&object.at("base64Body"), "must be base64")
                    })
                })
                .transpose()?,
            object.string("bodyFileName")?.map(Body::File),
        ]
        .into_iter()
        .flatten()
        .collect();
        if bodies.len() > 1 {
            return Err(MappingError::new(
                pointer,
                "give one of body, jsonBody, base64Body and bodyFileName",
            ));
        }
        let fault = object.string("fault")?;
        if let Some(fault) = &fault {
            let known = WIREMOCK_FAULTS.iter().any(|(name, _)| name == fault);
            if !known && let Err(why) = is_mode(fault) {
                let names: Vec<&str> = WIREMOCK_FAULTS.iter().map(|(name, _)| *name).collect();
                return Err(MappingError::new(
                    &object.at("fault"),
                    format!(
                        "`{fault}` is neither one of WireMock's faults ({}) nor a catalog mode: {why}",
                        names.join(", ")
                    ),
                ));
            }
        }
        let transformers = match object.get("transformers") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, t)| string(t, &child(&object.at("transformers"), &i.to_string())))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(MappingError::new(
                    &object.at("transformers"),
                    format!("must be an array of names, not {}", kind(other)),
                ));
            }
        };
        if let Some(other) = transformers.iter().find(|t| *t != "response-template") {
            return Err(MappingError::new(
                &object.at("transformers"),
                format!("not supported: the transformer `{other}`; hamms has `response-template`"),
            ));
        }
        Ok(ResponseDefinition {
            status: status as u16,
            status_message: object.string("statusMessage")?,
            headers: headers(&object, "headers")?,
            body: bodies.into_iter().next(),
            fixed_delay_ms: object.integer("fixedDelayMilliseconds", LONGEST_DELAY_MS)?,
            delay_distribution: object
                .get("delayDistribution")
                .map(|d| distribution(d, &object.at("delayDistribution")))
                .transpose()?,
            chunked_dribble: object
                .get("chunkedDribbleDelay")
                .map(|d| dribble(d, &object.at("chunkedDribbleDelay")))
                .transpose()?,
            fault,
            proxy_base_url: object.string("proxyBaseUrl")?,
            proxy_url_prefix_to_remove: object.string("proxyUrlPrefixToRemove")?,
            additional_proxy_request_headers: headers(&object, "additionalProxyRequestHeaders")?,
            remove_proxy_request_headers: match object.get("removeProxyRequestHeaders") {
                None => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        string(
                            t,
                            &child(&object.at("removeProxyRequestHeaders"), &i.to_string()),
                        )
                    })
                    .collect::<Result<_, _>>()?,
                Some(other) => {
                    return Err(MappingError::new(
                        &object.at("removeProxyRequestHeaders"),
                        format!("must be an array of header names, not {}", kind(other)),
                    ));
                }
            },
            templated: !transformers.is_empty(),
        })
    }
}

/// Header pairs from an object of `name: value` or `name: [values]`.
pub(super) fn headers(
    object: &Object<'_>,
    key: &str,
) -> Result<Vec<(String, String)>, MappingError> {
    let Some(value) = object.get(key) else {
        return Ok(Vec::new());
    };
    let pointer = object.at(key);
    let Some(map) = value.as_object() else {
        return Err(MappingError::new(
            &pointer,
            format!("must be an object of name: value, not {}", kind(value)),
        ));
    };
    let mut pairs = Vec::new();
    for (name, value) in map {
        let at = child(&pointer, name);
        match value {
            Value::Array(values) => {
                for (i, v) in values.iter().enumerate() {
                    pairs.push((name.clone(), scalar(v, &child(&at, &i.to_string()))?));
                }
            }
            v => pairs.push((name.clone(), scalar(v, &at)?)),
        }
    }
    Ok(pairs)
}

/// A header value: a string, or a number or boolean written as text.
fn scalar(value: &Value, pointer: &str) -> Result<String, MappingError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(value.to_string()),
        other => Err(MappingError::new(
            pointer,
            format!("must be a string, not {}", kind(other)),
        )),
    }
}

fn distribution(value: &Value, pointer: &str) -> Result<Distribution, MappingError> {
    let object = Object::read(
        value,
        pointer,
        "DelayDistribution",
        &["type", "median", "sigma", "lower", "upper", "milliseconds"],
    )?;
    let need = |key: &str| {
        object
            .number(key)?
            .filter(|n| *n >= 0.0 && *n <= LONGEST_DELAY_MS as f64)
            .ok_or_else(|| {
                MappingError::new(
                    &object.at(key),
                    format!("is required: a number of milliseconds from 0 to {LONGEST_DELAY_MS}"),
                )
            })
    };
    match object.string("type")?.as_deref() {
        Some("lognormal") => Ok(Distribution::LogNormal {
            median: need("median")?,
            sigma: object.number("sigma")?.unwrap_or(0.0).max(0.0),
        }),
        Some("uniform") => Ok(Distribution::Uniform {
            lower: need("lower")? as u64,
            upper: need("upper")? as u64,
        }),
        Some("fixed") => Ok(Distribution::Fixed(need("milliseconds")? as u64)),
        other => Err(MappingError::new(
            &object.at("type"),
            format!(
                "{} is not a distribution; types: lognormal, uniform, fixed",
                other.map_or_else(|| "no type".to_owned(), |t| format!("`{t}`"))
            ),
        )),
    }
}

fn dribble(value: &Value, pointer: &str) -> Result<(u64, u64), MappingError> {
    let object = Object::read(
        value,
        pointer,
        "ChunkedDribbleDelay",
        &["numberOfChunks", "totalDuration"],
    )?;
    let chunks = object
        .integer("numberOfChunks", 1_000_000)?
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            MappingError::new(&object.at("numberOfChunks"), "is required: at least 1")
        })?;
    let total = object
        .integer("totalDuration", LONGEST_DELAY_MS)?
        .ok_or_else(|| {
            MappingError::new(&object.at("totalDuration"), "is required, in milliseconds")
        })?;
    Ok((chunks, total))
}

/// A request a mapping sends after it answers (WireMock's `webhook` serve event listener).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The method (default POST).
    pub method: String,
    /// Where (a template, with templating on).
    pub url: String,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body (a template).
    pub body: Option<String>,
    /// How long after the answer.
    pub delay: Option<Distribution>,
}

impl Webhook {
    /// Reads a webhook's `parameters`.
    pub(super) fn parse(value: &Value, pointer: &str) -> Result<Webhook, MappingError> {
        let object = Object::read(
            value,
            pointer,
            "Webhook",
            &[
                "method",
                "url",
                "headers",
                "body",
                "base64Body",
                "delay",
                "extraParameters",
            ],
        )?;
        let url = object
            .string("url")?
            .ok_or_else(|| MappingError::new(&object.at("url"), "is required"))?;
        let body = match (object.string("body")?, object.string("base64Body")?) {
            (Some(body), _) => Some(body),
            (None, Some(b64)) => Some(
                decode_base64(&b64)
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                    .ok_or_else(|| MappingError::new(&object.at("base64Body"), "must be base64"))?,
            ),
            (None, None) => None,
        };
        Ok(Webhook {
            method: object
                .string("method")?
                .unwrap_or_else(|| "POST".to_owned()),
            url,
            headers: headers(&object, "headers")?,
            body,
            delay: object
                .get("delay")
                .map(|d| distribution(d, &object.at("delay")))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn modes(name: &str) -> Result<(), String> {
        if name.starts_with("slow_drip") {
            Ok(())
        } else {
            Err(format!("unknown mode `{name}`"))
        }
    }

    #[test]
    fn a_response_with_its_members_read() {
        let response = ResponseDefinition::parse(
            &json!({
                "status": 503,
                "headers": {"Retry-After": 1, "Set-Cookie": ["a=1", "b=2"]},
                "jsonBody": {"error": "busy"},
                "delayDistribution": {"type": "lognormal", "median": 80, "sigma": 0.4},
                "chunkedDribbleDelay": {"numberOfChunks": 5, "totalDuration": 1000},
                "transformers": ["response-template"]
            }),
            "/response",
            &modes,
        )
        .unwrap();
        assert_eq!(response.status, 503);
        assert_eq!(
            response.headers,
            [
                ("Retry-After".into(), "1".into()),
                ("Set-Cookie".into(), "a=1".into()),
                ("Set-Cookie".into(), "b=2".into())
            ]
        );
        assert_eq!(response.body, Some(Body::Json(json!({"error": "busy"}))));
        assert_eq!(response.chunked_dribble, Some((5, 1000)));
        assert!(response.templated);
        assert_eq!(
            ResponseDefinition::parse(&json!({}), "", &modes)
                .unwrap()
                .status,
            200
        );
    }

    #[test]
    fn faults_are_wiremocks_four_or_any_catalog_mode() {
        let fault =
            |name: &str| ResponseDefinition::parse(&json!({"fault": name}), "/response", &modes);
        assert!(fault("CONNECTION_RESET_BY_PEER").is_ok());
        assert!(fault("slow_drip(interval_ms=5)").is_ok());
        let error = fault("NOPE").unwrap_err();
        assert_eq!(error.pointer, "/response/fault");
        assert!(error.detail.contains("EMPTY_RESPONSE"), "{error}");
        assert!(error.detail.contains("unknown mode `NOPE`"), "{error}");
    }

    #[test]
    fn bad_members_are_located() {
        let cases = [
            (json!({"status": "abc"}), "/response/status"),
            (json!({"staus": 200}), "/response/staus"),
            (json!({"body": "a", "jsonBody": {}}), "/response"),
            (
                json!({"delayDistribution": {"type": "gaussian"}}),
                "/response/delayDistribution/type",
            ),
            (
                json!({"transformers": ["something-else"]}),
                "/response/transformers",
            ),
        ];
        for (value, pointer) in cases {
            let error = ResponseDefinition::parse(&value, "/response", &modes).unwrap_err();
            assert_eq!(error.pointer, pointer, "{value}: {error}");
        }
    }
}
