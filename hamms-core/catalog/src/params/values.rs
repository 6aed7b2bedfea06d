//! [`Params`]: the validated values of one mode's (or proxy behavior's) parameters, and a
//! request's overrides of them.

use std::fmt;
use std::time::Duration;

use super::spec::{ParamSpec, Value};
use crate::catalog::ModeSpec;
use crate::error::{Error, closest};

/// The query-string key that makes one request's random choices a function of its value alone.
const SEED_KEY: &str = "seed";

/// The validated parameters of one mode: every declared parameter has a value.
#[derive(Debug, Clone)]
pub struct Params {
    mode: &'static ModeSpec,
    values: Vec<Value>,
    /// Set by `?seed=N`: this request's random choices come from N alone.
    request_seed: Option<u64>,
}

impl Params {
    /// The defaults of `mode`.
    pub fn defaults(mode: &'static ModeSpec) -> Self {
        let values = mode
            .params()
            .iter()
            .map(|p| {
                // Unit tests parse every default of both tables, so this cannot fail at run time.
                p.kind()
                    .parse(p.default_value())
                    .expect("table defaults are valid (checked by unit tests)")
            })
            .collect();
        Params {
            mode,
            values,
            request_seed: None,
        }
    }

    pub fn mode(&self) -> &'static ModeSpec {
        self.mode
    }

    /// Sets one parameter; unknown names and invalid values are errors naming the valid choices.
    pub fn set(&mut self, name: &str, raw: &str) -> Result<(), Error> {
        let specs = self.mode.params();
        let Some(index) = specs.iter().position(|p| p.name() == name) else {
            return Err(Error::UnknownParam {
                owner: self.mode.owner(),
                param: name.to_owned(),
                suggestion: closest(name, specs.iter().map(ParamSpec::name)),
                valid: specs.iter().map(ParamSpec::name).collect(),
            });
        };
        let spec = &specs[index];
        self.values[index] = spec
            .kind()
            .parse(raw)
            .map_err(|expected| Error::InvalidParam {
                owner: self.mode.owner(),
                param: spec.name(),
                value: raw.to_owned(),
                expected,
            })?;
        Ok(())
    }

    /// These parameters overridden by key/value pairs from a request (query string first, then form
    /// body). Keys the mode does not know are ignored, as a web server ignores unknown query keys;
    /// the first occurrence of a key wins. `seed` sets the request's own random seed.
    pub fn overridden_by<'a>(
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
                        owner: self.mode.owner(),
                        param: SEED_KEY,
                        value: raw.to_owned(),
                        expected: "an unsigned 64-bit integer".to_owned(),
                    })?;
                    params.request_seed = Some(seed);
                }
            } else if let Some(index) = self.mode.params().iter().position(|p| p.name() == key) {
                let spec = &self.mode.params()[index];
                if !spec.per_request() {
                    return Err(Error::InvalidParam {
                        owner: self.mode.owner(),
                        param: spec.name(),
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

    pub fn request_seed(&self) -> Option<u64> {
        self.request_seed
    }

    fn value(&self, name: &str) -> Option<&Value> {
        let index = self.mode.params().iter().position(|p| p.name() == name);
        debug_assert!(
            index.is_some(),
            "mode `{}` reads undeclared parameter `{name}`",
            self.mode.name()
        );
        index.map(|i| &self.values[i])
    }

    /// A `Millis` or `Seconds` parameter as a duration (zero if undeclared, which tests rule out).
    pub fn duration(&self, name: &str) -> Duration {
        match self.value(name) {
            Some(Value::Int(ms)) => Duration::from_millis(*ms),
            Some(Value::Float(secs)) => Duration::from_secs_f64(*secs),
            _ => Duration::ZERO,
        }
    }

    /// An `Integer` parameter.
    pub fn int(&self, name: &str) -> u64 {
        match self.value(name) {
            Some(Value::Int(v)) => *v,
            _ => 0,
        }
    }

    /// A `Probability` parameter.
    pub fn float(&self, name: &str) -> f64 {
        match self.value(name) {
            Some(Value::Float(v)) => *v,
            _ => 0.0,
        }
    }

    /// A `Flag` parameter; `false` for a mode that does not declare it (engine-wide flags such
    /// as `tls` are asked of every mode).
    pub fn flag(&self, name: &str) -> bool {
        let index = self.mode.params().iter().position(|p| p.name() == name);
        matches!(index.map(|i| &self.values[i]), Some(Value::Bool(true)))
    }

    /// A `Text` or `Choice` parameter.
    pub fn text(&self, name: &str) -> &str {
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
            .filter(|(spec, value)| spec.kind().parse(spec.default_value()).as_ref() != Ok(*value));
        let mut open = false;
        for (spec, value) in changed {
            f.write_str(if open { ", " } else { "(" })?;
            open = true;
            match value {
                Value::Int(v) => write!(f, "{}={v}", spec.name())?,
                Value::Float(v) => write!(f, "{}={v}", spec.name())?,
                Value::Text(v) => write!(f, "{}={v:?}", spec.name())?,
                Value::Bool(v) => write!(f, "{}={v}", spec.name())?,
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
    fn every_catalog_default_is_valid() {
        for mode in catalog::catalog() {
            for p in mode.params() {
                assert!(
                    p.kind().parse(p.default_value()).is_ok(),
                    "{}.{} default {:?} is not {}",
                    mode.name(),
                    p.name(),
                    p.default_value(),
                    p.kind().expected()
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
