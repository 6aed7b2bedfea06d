//! [`NamedToxic`]: one of Toxiproxy's named toxics on a proxy, as its API shows it, with the
//! stage of the proxy's table it is.
//!
//! Design note: Toxiproxy keeps a list of named toxics per proxy; hamms keeps the same list and
//! sets the proxy's behavior to the stack they make at every change (`stack`), so a toxic added,
//! changed or removed reaches open connections as any behavior change does, and a toxic that
//! stays keeps its state. Toxiproxy's types are stages of the proxy's table under their own
//! names (`noop` is hamms' `dummy`); hamms' own behaviors (`delay`, `error`, `hang`...) are
//! accepted as extra types.

use hamms_catalog::Presets;
use serde_json::{Map, Value, json};

use super::reply::{Failure, option_text};
use crate::Behavior;
use crate::catalog::{Invalid, ModeSpec, proxy_behaviors};
use crate::engine::{self, Direction, Model, Params, closest, model};
use crate::http1::Location;

/// Toxiproxy's toxic types: the stage each one is, and the attributes Toxiproxy gives it. Those
/// are always listed, as Toxiproxy lists them (clients read them as numbers); hamms' extra
/// attributes (`bandwidth`'s `shared`) only once set.
const TOXIPROXY_TYPES: [(&str, &str, &[&str]); 8] = [
    ("noop", "dummy", &[]),
    ("latency", "latency", &["latency", "jitter"]),
    ("bandwidth", "bandwidth", &["rate"]),
    ("slow_close", "slow_close", &["delay"]),
    ("timeout", "timeout", &["timeout"]),
    ("reset_peer", "reset_peer", &["timeout"]),
    (
        "slicer",
        "slicer",
        &["average_size", "size_variation", "delay"],
    ),
    ("limit_data", "limit_data", &["bytes"]),
];

/// hamms' own behaviors offered as toxic types: every stage of the proxy's table that no
/// Toxiproxy type is named after, but `down` (which is Toxiproxy's `enabled: false`).
fn hamms_types() -> impl Iterator<Item = &'static str> {
    proxy_behaviors()
        .iter()
        .map(ModeSpec::name)
        .filter(|name| *name != "down" && !TOXIPROXY_TYPES.iter().any(|(t, ..)| t == name))
}

/// The options of a stage that Toxiproxy sets beside `attributes`, not in them.
const WRAPPER_OPTIONS: [&str; 2] = ["direction", "toxicity"];

/// A toxic type as the API names it: Toxiproxy's name, and the stage it is.
#[derive(Debug, Clone, Copy)]
struct ToxicType {
    name: &'static str,
    stage: &'static ModeSpec,
    /// Toxiproxy's attributes of it; `None` for hamms' own types (all listed).
    toxiproxy_attributes: Option<&'static [&'static str]>,
}

impl ToxicType {
    fn named(name: &str) -> Result<ToxicType, Failure> {
        let (name, stage, toxiproxy_attributes) =
            match TOXIPROXY_TYPES.iter().find(|(n, _, _)| *n == name) {
                Some(&(name, stage, attributes)) => (name, stage, Some(attributes)),
                None => match hamms_types().find(|n| *n == name) {
                    Some(name) => (name, name, None),
                    None => return Err(unknown_type(Some(name))),
                },
            };
        Ok(ToxicType {
            name,
            // Both tables name entries of the proxy's table (a unit test checks).
            stage: proxy_behaviors()
                .iter()
                .find(|spec| spec.name() == stage)
                .ok_or_else(|| unknown_type(Some(stage)))?,
            toxiproxy_attributes,
        })
    }
}

/// Toxiproxy's `invalid toxic type`, for `name` (`None`: no `type` given), naming the valid ones.
fn unknown_type(name: Option<&str>) -> Failure {
    let toxiproxy: Vec<&str> = TOXIPROXY_TYPES.iter().map(|(n, _, _)| *n).collect();
    let what = match name {
        None => "a `type` is required".to_owned(),
        Some("down") => "`down` is a proxy's `enabled: false`, not a toxic".to_owned(),
        Some(name) => {
            let all = toxiproxy.iter().copied().chain(hamms_types());
            match closest(name, all) {
                Some(close) => format!("`{name}` (did you mean `{close}`?)"),
                None => format!("`{name}`"),
            }
        }
    };
    Failure::bad_request(
        Location::Body,
        "type",
        format!(
            "invalid toxic type: {what}; Toxiproxy's types: {}; hamms' own: {}",
            toxiproxy.join(", "),
            hamms_types().collect::<Vec<_>>().join(", ")
        ),
    )
}

/// Toxiproxy's message for a `stream` other than `upstream` and `downstream`.
fn invalid_stream() -> Failure {
    Failure::bad_request(
        Location::Body,
        "stream",
        "stream was invalid, can be either upstream or downstream",
    )
}

/// One named toxic of a proxy.
#[derive(Debug, Clone)]
pub(super) struct NamedToxic {
    pub(super) name: String,
    kind: ToxicType,
    stream: Direction,
    toxicity: f64,
    /// The stage with its attributes (over the proxy's presets), direction and toxicity.
    stage: Behavior,
}

impl NamedToxic {
    /// A toxic from the body of Toxiproxy's `POST /proxies/{proxy}/toxics`: `type` (required),
    /// `name` (default `<type>_<stream>`), `stream` (default `downstream`), `toxicity` (default
    /// 1), `attributes`.
    ///
    /// # Errors
    /// A 400 naming what is wrong and the valid choices.
    pub(super) fn create(
        body: &Map<String, Value>,
        presets: &Presets,
    ) -> Result<NamedToxic, Failure> {
        let kind = match body.get("type") {
            Some(Value::String(name)) => ToxicType::named(name)?,
            Some(_) => return Err(Failure::bad_body("`type` must be a string")),
            None => return Err(unknown_type(None)),
        };
        let stream = match body.get("stream") {
            None => Direction::Downstream,
            Some(Value::String(stream)) => Direction::parse(stream).ok_or_else(invalid_stream)?,
            Some(_) => return Err(invalid_stream()),
        };
        let name = match body.get("name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            None | Some(Value::String(_)) => format!("{}_{}", kind.name, stream_name(stream)),
            Some(_) => return Err(Failure::bad_body("`name` must be a string")),
        };
        let toxicity = toxicity(body.get("toxicity"))?.unwrap_or(1.0);
        let stage = presets.apply(Behavior::proxy(kind.stage.name()).map_err(bad_option)?);
        let mut toxic = NamedToxic {
            name,
            kind,
            stream,
            toxicity,
            stage,
        };
        toxic.configure(body.get("attributes"), toxicity)?;
        Ok(toxic)
    }

    /// This toxic changed by the body of Toxiproxy's `PATCH /proxies/{proxy}/toxics/{toxic}`:
    /// its `attributes` over the current ones, and its `toxicity`; name, type and stream stay.
    ///
    /// # Errors
    /// A 400 naming what is wrong; the toxic is unchanged.
    pub(super) fn updated(&self, body: &Map<String, Value>) -> Result<NamedToxic, Failure> {
        let mut toxic = self.clone();
        let toxicity = toxicity(body.get("toxicity"))?.unwrap_or(self.toxicity);
        toxic.configure(body.get("attributes"), toxicity)?;
        Ok(toxic)
    }

    /// Sets `attributes`, the stream and `toxicity` on the stage.
    fn configure(&mut self, attributes: Option<&Value>, toxicity: f64) -> Result<(), Failure> {
        let takes_wrapper = self
            .kind
            .stage
            .params()
            .iter()
            .any(|p| p.name() == "toxicity");
        if takes_wrapper {
            self.stage = self
                .stage
                .clone()
                .param("direction", stream_name(self.stream))
                .and_then(|stage| stage.param("toxicity", toxicity))
                .map_err(bad_option)?;
        } else if toxicity < 1.0 {
            return Err(Failure::bad_body(format!(
                "`{}` acts on every call, so it takes no toxicity below 1",
                self.kind.name
            )));
        }
        self.toxicity = toxicity;
        let fields = match attributes {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Object(fields)) => fields,
            Some(_) => return Err(Failure::bad_body("`attributes` must be a JSON object")),
        };
        for (name, value) in fields {
            if WRAPPER_OPTIONS.contains(&name.as_str()) {
                return Err(Failure::bad_body(format!(
                    "`{name}` is not an attribute: set `stream` and `toxicity` beside `attributes`"
                )));
            }
            let text = option_text(name, value).map_err(Failure::bad_body)?;
            self.stage = self.stage.clone().param(name, text).map_err(bad_option)?;
        }
        Ok(())
    }

    /// The toxic as Toxiproxy's API shows it.
    pub(super) fn json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind.name,
            "stream": stream_name(self.stream),
            "toxicity": self.toxicity,
            "attributes": self.attributes(),
        })
    }

    /// The stage's options but direction and toxicity, as JSON values of their kinds.
    fn attributes(&self) -> Map<String, Value> {
        let Model::Proxy(mix) = model(&self.stage) else {
            // A toxic's stage is made by `Behavior::proxy` only.
            return Map::new();
        };
        let params = mix.first_stage();
        let defaults = Params::defaults(params.spec());
        params
            .values()
            .zip(defaults.values())
            .filter(|((spec, _), _)| !WRAPPER_OPTIONS.contains(&spec.name()))
            .filter_map(|((spec, value), (_, default))| {
                let listed = match self.kind.toxiproxy_attributes {
                    Some(toxiproxy) => toxiproxy.contains(&spec.name()) || value != default,
                    None => true,
                };
                listed.then(|| (spec.name().to_owned(), json_of(value)))
            })
            .collect()
    }
}

/// An option's value as Toxiproxy's JSON has it: milliseconds and counts as integers, seconds
/// and probabilities as decimals, flags as booleans, words as strings.
fn json_of(value: &engine::Value) -> Value {
    match value {
        engine::Value::Int(number) => json!(number),
        engine::Value::Float(number) => json!(number),
        engine::Value::Bool(flag) => json!(flag),
        engine::Value::Text(text) => json!(text),
    }
}

/// The behavior a proxy's toxics make: their stages stacked in order, `dummy` for none.
///
/// # Errors
/// None in practice: every toxic is one stage, and `down` is no toxic type.
pub(super) fn stack(toxics: &[NamedToxic]) -> Result<Behavior, Invalid> {
    Behavior::stacked(toxics.iter().map(|toxic| toxic.stage.clone()))
}

fn stream_name(stream: Direction) -> &'static str {
    stream.name()
}

/// `toxicity`, if given: a number from 0 to 1.
fn toxicity(value: Option<&Value>) -> Result<Option<f64>, Failure> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => match number.as_f64() {
            Some(toxicity) if (0.0..=1.0).contains(&toxicity) => Ok(Some(toxicity)),
            _ => Err(Failure::bad_body(format!(
                "`toxicity` must be a probability from 0 to 1; got {number}"
            ))),
        },
        Some(_) => Err(Failure::bad_body("`toxicity` must be a number from 0 to 1")),
    }
}

/// An option the stage refused, naming its valid options or range.
fn bad_option(error: Invalid) -> Failure {
    Failure::bad_body(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: Value) -> Map<String, Value> {
        match json {
            Value::Object(fields) => fields,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn every_type_names_an_entry_of_the_proxy_table() {
        for (name, _, _) in TOXIPROXY_TYPES {
            ToxicType::named(name).unwrap();
        }
        for name in hamms_types() {
            ToxicType::named(name).unwrap();
        }
        assert_eq!(
            hamms_types().collect::<Vec<_>>(),
            [
                "dummy",
                "blackout",
                "delay",
                "error",
                "hang",
                "transient",
                "abort"
            ]
        );
    }

    #[test]
    fn a_toxic_defaults_as_toxiproxy_and_lists_toxiproxy_attributes_as_numbers() {
        let toxic = NamedToxic::create(
            &body(json!({"type": "bandwidth", "attributes": {"rate": 5}})),
            &Presets::default(),
        )
        .unwrap();
        assert_eq!(
            toxic.json(),
            json!({
                "name": "bandwidth_downstream",
                "type": "bandwidth",
                "stream": "downstream",
                "toxicity": 1.0,
                "attributes": {"rate": 5},
            })
        );
        let shared = toxic
            .updated(&body(
                json!({"attributes": {"shared": true}, "toxicity": 0.5}),
            ))
            .unwrap();
        assert_eq!(
            shared.json()["attributes"],
            json!({"rate": 5, "shared": true})
        );
        assert_eq!(shared.json()["toxicity"], 0.5);
        assert_eq!(
            stack(&[toxic, shared]).unwrap().to_string(),
            "bandwidth(rate=5)+bandwidth(rate=5, shared=true, toxicity=0.5)"
        );
    }

    #[test]
    fn noop_is_dummy_and_hamms_behaviors_are_types_too() {
        let noop = NamedToxic::create(
            &body(json!({"type": "noop", "name": "n"})),
            &Presets::default(),
        )
        .unwrap();
        assert_eq!(noop.json()["attributes"], json!({}));
        let delay = NamedToxic::create(
            &body(json!({"type": "delay", "attributes": {"sleep": 0.25}})),
            &Presets::default(),
        )
        .unwrap();
        assert_eq!(
            delay.json()["attributes"],
            json!({"sleep": 0.25, "before": true})
        );
        assert_eq!(
            stack(&[noop, delay]).unwrap().to_string(),
            "dummy+delay(sleep=0.25)"
        );
    }

    #[test]
    fn bad_toxics_name_the_fix() {
        #[rustfmt::skip]
        let cases = [
            (json!({"type": "latncy"}), "invalid toxic type: `latncy` (did you mean `latency`?)"),
            (json!({}), "invalid toxic type: a `type` is required"),
            (json!({"type": "down"}), "`enabled: false`"),
            (json!({"type": "latency", "stream": "sideways"}), "stream was invalid"),
            (json!({"type": "latency", "toxicity": 2}), "from 0 to 1"),
            (json!({"type": "latency", "attributes": {"latncy": 1}}), "did you mean `latency`?"),
            (json!({"type": "latency", "attributes": {"latency": -1}}), "must be"),
            (json!({"type": "latency", "attributes": {"latency": [1]}}), "must be a number"),
            (json!({"type": "latency", "attributes": {"toxicity": 1}}), "beside `attributes`"),
            (json!({"type": "delay", "toxicity": 0.5}), "no toxicity below 1"),
        ];
        for (json, needle) in cases {
            let error = NamedToxic::create(&body(json.clone()), &Presets::default()).unwrap_err();
            assert_eq!(error.status, 400, "{json}");
            assert!(
                error.description.contains(needle),
                "{json}: {}",
                error.description
            );
        }
    }
}
