//! WireMock's stub mappings as data, read strictly: a file or an admin call's JSON becomes a
//! [`Mapping`] (request pattern, response definition, scenario, webhooks), or a
//! [`MappingError`] that locates the member at fault with a JSON pointer and names the valid
//! choices (the near miss of a misspelt field among them, so a typo never makes a mapping that
//! matches everything).
//!
//! Design note: this is data only, in the tables' crate, so the attribute macro can check a
//! test's mapping files at compile time without the engine; `hamms-core` turns a [`Mapping`] into
//! a stub. Behind the `wiremock` feature (it needs `serde_json`).

mod fields;
mod pattern;
mod response;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use fields::MappingError;
use fields::{Object, child, kind};
pub use pattern::{MultiPattern, RequestPattern, UrlPattern, ValuePattern, decode_base64};
pub use response::{Body, Distribution, ResponseDefinition, WIREMOCK_FAULTS, Webhook};

use crate::Behavior;

const MAPPING_FIELDS: &[&str] = &[
    "id",
    "uuid",
    "name",
    "request",
    "response",
    "priority",
    "persistent",
    "scenarioName",
    "requiredScenarioState",
    "newScenarioState",
    "postServeActions",
    "serveEventListeners",
    "metadata",
    "insertionIndex",
];

/// A stub mapping, as WireMock's `StubMapping`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// `id` (or `uuid`), if the mapping gives one.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `priority`: lower first; WireMock's default is 5.
    pub priority: Option<u8>,
    /// The requests it matches.
    pub request: RequestPattern,
    /// What it answers.
    pub response: ResponseDefinition,
    /// `scenarioName`.
    pub scenario: Option<String>,
    /// `requiredScenarioState`.
    pub required_state: Option<String>,
    /// `newScenarioState`.
    pub new_state: Option<String>,
    /// The webhooks it sends after answering.
    pub webhooks: Vec<Webhook>,
    /// The mapping as given, for listing it back; its `metadata` is read from here (the admin
    /// API's metadata queries), as WireMock keeps it: as given.
    pub source: Value,
}

/// Whether `name` is a catalog mode (with its parameters): for `fault`.
fn catalog_mode(name: &str) -> Result<(), String> {
    Behavior::mode(name).map(|_| ()).map_err(|e| e.to_string())
}

impl Mapping {
    /// Reads one mapping.
    ///
    /// # Errors
    /// A [`MappingError`] locating the member at fault.
    pub fn parse(value: &Value) -> Result<Mapping, MappingError> {
        Mapping::parse_at(value, "")
    }

    fn parse_at(value: &Value, pointer: &str) -> Result<Mapping, MappingError> {
        let object = Object::read(value, pointer, "StubMapping", MAPPING_FIELDS)?;
        let request = match object.get("request") {
            Some(request) => RequestPattern::parse(request, &object.at("request"))?,
            None => RequestPattern::default(),
        };
        let response = match object.get("response") {
            Some(response) => {
                ResponseDefinition::parse(response, &object.at("response"), &catalog_mode)?
            }
            None => {
                ResponseDefinition::parse(&Value::Object(Default::default()), "", &catalog_mode)?
            }
        };
        let id = match (object.string("id")?, object.string("uuid")?) {
            (Some(id), _) | (None, Some(id)) => Some(id),
            (None, None) => None,
        };
        Ok(Mapping {
            id,
            name: object.string("name")?,
            priority: object.integer("priority", u8::MAX.into())?.map(|p| p as u8),
            request,
            response,
            scenario: object.string("scenarioName")?,
            required_state: object.string("requiredScenarioState")?,
            new_state: object.string("newScenarioState")?,
            webhooks: webhooks(&object)?,
            source: value.clone(),
        })
    }

    /// Reads a mapping file's contents: one mapping, or `{"mappings": [...]}`.
    ///
    /// # Errors
    /// A [`MappingError`] for JSON that does not parse, or a mapping refused (its pointer
    /// within the file).
    pub fn parse_file(text: &str) -> Result<Vec<Mapping>, MappingError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| MappingError::new("", format!("Error parsing JSON: {e}")))?;
        match value.get("mappings") {
            Some(Value::Array(mappings)) if value.get("request").is_none() => mappings
                .iter()
                .enumerate()
                .map(|(i, m)| Mapping::parse_at(m, &child("/mappings", &i.to_string())))
                .collect(),
            Some(other) if value.get("request").is_none() => Err(MappingError::new(
                "/mappings",
                format!("must be an array of mappings, not {}", kind(other)),
            )),
            _ => Ok(vec![Mapping::parse(&value)?]),
        }
    }
}

/// The mapping files at `path` and the root directory their `bodyFileName`s are read under:
/// a file alone (its directory the root); a WireMock root directory (its `mappings/`, and
/// `__files/` beside it); or a directory of mapping files (the root itself). Every `.json` file,
/// in subdirectories too, in name order.
///
/// # Errors
/// What reading the directories failed with.
pub fn mapping_files(path: &Path) -> std::io::Result<(PathBuf, Vec<PathBuf>)> {
    if path.is_file() {
        let root = path.parent().map(Path::to_owned).unwrap_or_default();
        return Ok((root, vec![path.to_owned()]));
    }
    let mappings = path.join("mappings");
    let dir = if mappings.is_dir() {
        mappings
    } else {
        path.to_owned()
    };
    let mut files = Vec::new();
    let mut pending = vec![dir];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?.path();
            if entry.is_dir() {
                if entry.file_name().is_some_and(|n| n != "__files") {
                    pending.push(entry);
                }
            } else if entry.extension().is_some_and(|e| e == "json") {
                files.push(entry);
            }
        }
    }
    files.sort();
    Ok((path.to_owned(), files))
}

/// The webhooks of `serveEventListeners` and (older) `postServeActions`.
fn webhooks(object: &Object<'_>) -> Result<Vec<Webhook>, MappingError> {
    let mut found = Vec::new();
    for key in ["serveEventListeners", "postServeActions"] {
        let Some(value) = object.get(key) else {
            continue;
        };
        let pointer = object.at(key);
        match value {
            // [{"name": "webhook", "parameters": {...}}]
            Value::Array(listeners) => {
                for (i, listener) in listeners.iter().enumerate() {
                    let at = child(&pointer, &i.to_string());
                    let listener = Object::read(
                        listener,
                        &at,
                        "ServeEventListener",
                        &["name", "parameters", "requestPhases"],
                    )?;
                    match listener.string("name")?.as_deref() {
                        Some("webhook") => {}
                        other => {
                            return Err(MappingError::new(
                                &listener.at("name"),
                                format!(
                                    "not supported: the listener {other:?}; hamms has `webhook`"
                                ),
                            ));
                        }
                    }
                    let parameters = listener.get("parameters").cloned().unwrap_or(Value::Null);
                    found.push(Webhook::parse(&parameters, &listener.at("parameters"))?);
                }
            }
            // {"webhook": {...}}
            Value::Object(actions) => {
                for (name, parameters) in actions {
                    let at = child(&pointer, name);
                    if name != "webhook" {
                        return Err(MappingError::new(
                            &at,
                            format!("not supported: the action `{name}`; hamms has `webhook`"),
                        ));
                    }
                    found.push(Webhook::parse(parameters, &at)?);
                }
            }
            other => {
                return Err(MappingError::new(
                    &pointer,
                    format!("must be an array of listeners, not {}", kind(other)),
                ));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_mapping_reads_its_parts_and_keeps_its_source() {
        let value = json!({
            "id": "8c5db8b0-2db4-4ad7-a99f-38c9b00da3f7",
            "name": "payments",
            "priority": 1,
            "request": {"method": "POST", "urlPath": "/payments"},
            "response": {"status": 201, "fault": "slow_drip(interval_ms=20)"},
            "scenarioName": "s",
            "requiredScenarioState": "Started",
            "newScenarioState": "paid",
            "metadata": {"team": "billing"},
            "serveEventListeners": [{"name": "webhook", "parameters": {"url": "http://127.0.0.1:9/hook"}}]
        });
        let mapping = Mapping::parse(&value).unwrap();
        assert_eq!(
            mapping.id.as_deref(),
            Some("8c5db8b0-2db4-4ad7-a99f-38c9b00da3f7")
        );
        assert_eq!(mapping.priority, Some(1));
        assert_eq!(
            mapping.response.fault.as_deref(),
            Some("slow_drip(interval_ms=20)")
        );
        assert_eq!(mapping.webhooks[0].method, "POST");
        assert_eq!(mapping.source, value);
    }

    #[test]
    fn a_file_holds_one_mapping_or_a_list_and_errors_point_into_it() {
        let one = r#"{"request": {"url": "/a"}, "response": {"status": 200}}"#;
        assert_eq!(Mapping::parse_file(one).unwrap().len(), 1);
        let list = r#"{"mappings": [{"request": {"url": "/a"}}, {"request": {"url": "/b"}}]}"#;
        assert_eq!(Mapping::parse_file(list).unwrap().len(), 2);
        let bad = r#"{"mappings": [{"request": {"url": "/a"}}, {"request": {"urlpath": "/b"}}]}"#;
        let error = Mapping::parse_file(bad).unwrap_err();
        assert_eq!(error.pointer, "/mappings/1/request/urlpath");
        let error = Mapping::parse_file("{not json").unwrap_err();
        assert!(error.detail.starts_with("Error parsing JSON"), "{error}");
        let error = Mapping::parse(&json!({"requst": {}})).unwrap_err();
        assert!(error.detail.contains("did you mean `request`?"), "{error}");
    }
}
