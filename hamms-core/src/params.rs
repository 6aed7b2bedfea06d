//! Mode parameters: their declaration in the catalog, validation, and per-request overrides.
//!
//! Design note: every value, whether it comes from the Rust builder, a query string, a form body or
//! the command line, arrives as text and goes through [`ParamKind::parse`]. One parse path means one
//! set of bounds and one wording of "what is valid", wherever the value came from.

use std::fmt;
use std::time::Duration;

use crate::catalog::ModeSpec;
use crate::error::{Error, closest};

/// The query-string key that makes one request's random choices a function of its value alone.
pub(crate) const SEED_KEY: &str = "seed";

/// What values a parameter accepts. Drives parsing, validation and the text naming the valid range.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ParamKind {
    /// Whole milliseconds from 0 to `max`.
    Millis {
        /// Largest accepted value.
        max: u64,
    },
    /// Seconds as a decimal number from 0 to `max`.
    Seconds {
        /// Largest accepted value.
        max: f64,
    },
    /// An integer from `min` to `max`.
    Integer {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A probability from 0 to 1.
    Probability,
    /// Text of at most `max_len` bytes.
    Text {
        /// Longest accepted value, in bytes.
        max_len: usize,
    },
    /// One of a fixed set of words.
    Choice {
        /// The accepted words.
        choices: &'static [&'static str],
    },
    /// `true` or `false`.
    Flag,
}

/// A parsed parameter value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(u64),
    Float(f64),
    Text(String),
    Bool(bool),
}

impl ParamKind {
    /// Parses `raw`, or says what would have been valid.
    pub(crate) fn parse(&self, raw: &str) -> Result<Value, String> {
        let raw = raw.trim();
        let value = match *self {
            ParamKind::Millis { max } => raw
                .parse::<u64>()
                .ok()
                .filter(|v| *v <= max)
                .map(Value::Int),
            ParamKind::Integer { min, max } => raw
                .parse::<u64>()
                .ok()
                .filter(|v| (min..=max).contains(v))
                .map(Value::Int),
            ParamKind::Seconds { max } => parse_float(raw, max).map(Value::Float),
            ParamKind::Probability => parse_float(raw, 1.0).map(Value::Float),
            ParamKind::Text { max_len } => {
                (raw.len() <= max_len).then(|| Value::Text(raw.to_owned()))
            }
            ParamKind::Choice { choices } => {
                choices.contains(&raw).then(|| Value::Text(raw.to_owned()))
            }
            ParamKind::Flag => match raw {
                "true" | "1" | "yes" | "on" => Some(Value::Bool(true)),
                "false" | "0" | "no" | "off" => Some(Value::Bool(false)),
                _ => None,
            },
        };
        value.ok_or_else(|| self.expected())
    }

    /// The valid range in words, e.g. "an integer from 100 to 599".
    pub fn expected(&self) -> String {
        match *self {
            ParamKind::Millis { max } => format!("whole milliseconds from 0 to {max}"),
            ParamKind::Seconds { max } => format!("seconds from 0 to {max} (decimals allowed)"),
            ParamKind::Integer { min, max } => format!("an integer from {min} to {max}"),
            ParamKind::Probability => "a probability from 0 to 1 (decimals allowed)".to_owned(),
            ParamKind::Text { max_len } => format!("text of at most {max_len} bytes"),
            ParamKind::Choice { choices } => format!("one of: {}", choices.join(", ")),
            ParamKind::Flag => "true or false".to_owned(),
        }
    }
}

fn parse_float(raw: &str, max: f64) -> Option<f64> {
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (0.0..=max).contains(v))
}

/// One parameter of a catalog mode: its name (also its query-string key), kind, default and meaning.
#[derive(Debug)]
pub struct ParamSpec {
    name: &'static str,
    kind: ParamKind,
    default: &'static str,
    doc: &'static str,
    per_request: bool,
}

impl ParamSpec {
    pub(crate) const fn new(
        name: &'static str,
        kind: ParamKind,
        default: &'static str,
        doc: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            kind,
            default,
            doc,
            per_request: true,
        }
    }

    /// Marks a parameter that shapes the connection before any request is read (`tls`, the
    /// TLS profile, `act_on`): it is set when the server starts, and a request asking for it
    /// gets a 400 rather than being silently ignored.
    pub(crate) const fn at_start(mut self) -> Self {
        self.per_request = false;
        self
    }

    /// The name, as used in the builder, the query string and the CLI.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the parameter accepts.
    pub fn kind(&self) -> ParamKind {
        self.kind
    }

    /// The default, written as a user would write it.
    pub fn default_value(&self) -> &'static str {
        self.default
    }

    /// One line on what the parameter does.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// Whether a request can set it (query string, form body), or only the server's start.
    pub fn per_request(&self) -> bool {
        self.per_request
    }
}

/// The validated parameters of one mode: every declared parameter has a value.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    mode: &'static ModeSpec,
    values: Vec<Value>,
    /// Set by `?seed=N`: this request's random choices come from N alone.
    request_seed: Option<u64>,
}

impl Params {
    /// The defaults of `mode`.
    pub(crate) fn defaults(mode: &'static ModeSpec) -> Self {
        let values = mode
            .params()
            .iter()
            .map(|p| {
                // A unit test parses every default of the catalog, so this cannot fail at run time.
                p.kind
                    .parse(p.default)
                    .expect("catalog defaults are valid (checked by a unit test)")
            })
            .collect();
        Params {
            mode,
            values,
            request_seed: None,
        }
    }

    pub(crate) fn mode(&self) -> &'static ModeSpec {
        self.mode
    }

    /// Sets one parameter; unknown names and invalid values are errors naming the valid choices.
    pub(crate) fn set(&mut self, name: &str, raw: &str) -> Result<(), Error> {
        let specs = self.mode.params();
        let Some(index) = specs.iter().position(|p| p.name == name) else {
            return Err(Error::UnknownParam {
                mode: self.mode.name(),
                param: name.to_owned(),
                suggestion: closest(name, specs.iter().map(|p| p.name)),
            });
        };
        let spec = &specs[index];
        self.values[index] = spec
            .kind
            .parse(raw)
            .map_err(|expected| Error::InvalidParam {
                mode: self.mode.name(),
                param: spec.name,
                value: raw.to_owned(),
                expected,
            })?;
        Ok(())
    }

    /// These parameters overridden by key/value pairs from a request (query string first, then form
    /// body). Keys the mode does not know are ignored, as a web server ignores unknown query keys;
    /// the first occurrence of a key wins. `seed` sets the request's own random seed.
    pub(crate) fn overridden_by<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, Error> {
        let mut params = self.clone();
        // Which declared parameters a pair already set; the seed is tracked by `request_seed`.
        // Undeclared keys cost nothing, however many a client sends.
        let mut set = vec![false; self.mode.params().len()];
        for (key, raw) in pairs {
            if key == SEED_KEY {
                if params.request_seed.is_none() {
                    let seed = raw.trim().parse().map_err(|_| Error::InvalidParam {
                        mode: self.mode.name(),
                        param: SEED_KEY,
                        value: raw.to_owned(),
                        expected: "an unsigned 64-bit integer".to_owned(),
                    })?;
                    params.request_seed = Some(seed);
                }
            } else if let Some(index) = self.mode.params().iter().position(|p| p.name == key) {
                let spec = &self.mode.params()[index];
                if !spec.per_request {
                    return Err(Error::InvalidParam {
                        mode: self.mode.name(),
                        param: spec.name,
                        value: raw.to_owned(),
                        expected:
                            "set when the server starts (builder or command line), not per request"
                                .to_owned(),
                    });
                }
                if !set[index] {
                    set[index] = true;
                    params.set(key, raw)?;
                }
            }
        }
        Ok(params)
    }

    pub(crate) fn request_seed(&self) -> Option<u64> {
        self.request_seed
    }

    fn value(&self, name: &str) -> Option<&Value> {
        let index = self.mode.params().iter().position(|p| p.name == name);
        debug_assert!(
            index.is_some(),
            "mode `{}` reads undeclared parameter `{name}`",
            self.mode.name()
        );
        index.map(|i| &self.values[i])
    }

    /// A `Millis` or `Seconds` parameter as a duration (zero if undeclared, which tests rule out).
    pub(crate) fn duration(&self, name: &str) -> Duration {
        match self.value(name) {
            Some(Value::Int(ms)) => Duration::from_millis(*ms),
            Some(Value::Float(secs)) => Duration::from_secs_f64(*secs),
            _ => Duration::ZERO,
        }
    }

    /// An `Integer` parameter.
    pub(crate) fn int(&self, name: &str) -> u64 {
        match self.value(name) {
            Some(Value::Int(v)) => *v,
            _ => 0,
        }
    }

    /// A `Probability` parameter.
    pub(crate) fn float(&self, name: &str) -> f64 {
        match self.value(name) {
            Some(Value::Float(v)) => *v,
            _ => 0.0,
        }
    }

    /// A `Flag` parameter; `false` for a mode that does not declare it (engine-wide flags such
    /// as `tls` are asked of every mode).
    pub(crate) fn flag(&self, name: &str) -> bool {
        let index = self.mode.params().iter().position(|p| p.name == name);
        matches!(index.map(|i| &self.values[i]), Some(Value::Bool(true)))
    }

    /// A `Text` or `Choice` parameter.
    pub(crate) fn text(&self, name: &str) -> &str {
        match self.value(name) {
            Some(Value::Text(v)) => v,
            _ => "",
        }
    }
}

impl fmt::Display for Params {
    /// `name`, or `name(key=value, ...)` listing the parameters that differ from their defaults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mode.name())?;
        let changed = self
            .mode
            .params()
            .iter()
            .zip(&self.values)
            .filter(|(spec, value)| spec.kind.parse(spec.default).as_ref() != Ok(*value));
        let mut open = false;
        for (spec, value) in changed {
            f.write_str(if open { ", " } else { "(" })?;
            open = true;
            match value {
                Value::Int(v) => write!(f, "{}={v}", spec.name)?,
                Value::Float(v) => write!(f, "{}={v}", spec.name)?,
                Value::Text(v) => write!(f, "{}={v:?}", spec.name)?,
                Value::Bool(v) => write!(f, "{}={v}", spec.name)?,
            }
        }
        if open {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn kinds_reject_out_of_range_and_malformed_values_naming_the_range() {
        let status = ParamKind::Integer { min: 100, max: 599 };
        assert_eq!(status.parse("503"), Ok(Value::Int(503)));
        assert_eq!(status.parse("99"), Err("an integer from 100 to 599".into()));
        assert!(status.parse("abc").is_err());
        assert!(status.parse("-1").is_err());

        let sleep = ParamKind::Seconds { max: 3600.0 };
        assert_eq!(sleep.parse("0.25"), Ok(Value::Float(0.25)));
        for bad in ["-1", "1e9", "NaN", "inf", ""] {
            assert!(sleep.parse(bad).is_err(), "{bad} accepted");
        }
        assert!(ParamKind::Probability.parse("2").is_err());
        assert!(ParamKind::Millis { max: 10 }.parse("11").is_err());
        assert!(ParamKind::Text { max_len: 3 }.parse("abcd").is_err());
        let when = ParamKind::Choice {
            choices: &["connect", "request"],
        };
        assert_eq!(when.parse("request"), Ok(Value::Text("request".into())));
        assert_eq!(when.parse("later"), Err("one of: connect, request".into()));
        assert_eq!(ParamKind::Flag.parse("true"), Ok(Value::Bool(true)));
        assert_eq!(ParamKind::Flag.parse("0"), Ok(Value::Bool(false)));
        assert_eq!(ParamKind::Flag.parse("maybe"), Err("true or false".into()));
    }

    #[test]
    fn every_catalog_default_is_valid() {
        for mode in catalog::catalog() {
            for p in mode.params() {
                assert!(
                    p.kind.parse(p.default).is_ok(),
                    "{}.{} default {:?} is not {}",
                    mode.name(),
                    p.name,
                    p.default,
                    p.kind.expected()
                );
            }
        }
    }

    #[test]
    fn overrides_ignore_unknown_keys_take_the_first_occurrence_and_read_the_seed() {
        let mode = catalog::find("status").unwrap();
        let params = Params::defaults(mode)
            .overridden_by([
                ("utm", "x"),
                ("status", "503"),
                ("status", "200"),
                ("seed", "9"),
            ])
            .unwrap();
        assert_eq!(params.int("status"), 503);
        assert_eq!(params.request_seed(), Some(9));

        let err = Params::defaults(mode)
            .overridden_by([("status", "abc")])
            .unwrap_err();
        assert!(err.to_string().contains("from 100 to 599"), "{err}");
        assert!(
            Params::defaults(mode)
                .overridden_by([("seed", "-3")])
                .is_err()
        );
    }

    #[test]
    fn display_lists_only_what_differs_from_the_defaults() {
        let mode = catalog::find("retry_counter").unwrap();
        assert_eq!(Params::defaults(mode).to_string(), "retry_counter");
        let mut params = Params::defaults(mode);
        params.set("tries", "5").unwrap();
        params.set("key", "payments").unwrap();
        assert_eq!(
            params.to_string(),
            "retry_counter(key=\"payments\", tries=5)"
        );
    }

    #[test]
    fn unknown_parameter_names_the_valid_ones() {
        let mode = catalog::find("slow_drip").unwrap();
        let err = Params::defaults(mode).set("interval", "5").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("did you mean `interval_ms`?"), "{message}");
        assert!(
            message.contains("valid parameters: interval_ms"),
            "{message}"
        );
    }
}
