//! [`Params`]: the validated values of one mode's (or proxy behavior's) parameters, and a
//! request's overrides of them.

use std::fmt;
use std::time::Duration;

use super::spec::{ParamSpec, Value};
use super::written::{Written, write_pair};
use crate::catalog::{Action, ModeSpec};
use crate::error::{Error, closest, misspelling_of};

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

    /// The defaults of `mode` with the parameters `written` after its name set.
    ///
    /// # Errors
    /// [`Error::UnknownParam`] or [`Error::InvalidParam`], naming the valid names or range.
    pub fn written(mode: &'static ModeSpec, written: &Written<'_>) -> Result<Self, Error> {
        let mut params = Params::defaults(mode);
        for (key, value) in &written.pairs {
            params.set(key, value)?;
        }
        Ok(params)
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
    /// body); the first occurrence of a key wins, and `seed` sets the request's own random seed.
    ///
    /// Keys the mode does not know are ignored: the client under test sends its own (cache
    /// busters, tracing ids, its API's parameters), and a fault server must not fail it for
    /// those. A key that is almost a parameter (`?statuss=500`, `?Status=500`: see
    /// [`misspelling_of`]) is an error with a did-you-mean, so that a typo does not silently
    /// leave the default in force. A parameter that is set when the server starts (`tls`) is an
    /// error too.
    ///
    /// The fixture reads no parameter from requests, whose keys are the application's: it only
    /// refuses those set at start.
    ///
    /// # Errors
    /// [`Error::UnknownParam`] for a misspelt key, [`Error::InvalidParam`] for a value out of
    /// range or a parameter set at start.
    pub fn overridden_by<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, Error> {
        let mut params = self.clone();
        let specs = self.mode.params();
        let reads_requests = self.mode.action() != Action::Fixture;
        // Which declared parameters a pair already set; the seed is tracked by `request_seed`.
        // Undeclared keys cost little, however many a client sends (see `misspelling_of`).
        let mut set = vec![false; specs.len()];
        for (key, raw) in pairs {
            let index = specs.iter().position(|p| p.name() == key);
            if let Some(spec) = index.map(|i| &specs[i])
                && !spec.per_request()
            {
                return Err(Error::InvalidParam {
                    owner: self.mode.owner(),
                    param: spec.name(),
                    value: raw.to_owned(),
                    expected:
                        "set when the server starts (builder or command line), not per request"
                            .to_owned(),
                });
            }
            if !reads_requests {
                continue;
            }
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
            } else if let Some(index) = index {
                if !set[index] {
                    set[index] = true;
                    params.set(key, raw)?;
                }
            } else if let Some(meant) = misspelling_of(key, self.request_keys()) {
                return Err(Error::UnknownParam {
                    owner: self.mode.owner(),
                    param: key.to_owned(),
                    suggestion: Some(meant),
                    valid: self.request_keys().collect(),
                });
            }
        }
        Ok(params)
    }

    /// The keys a request may give this mode: its parameters set per request, and `seed`.
    fn request_keys(&self) -> impl Iterator<Item = &'static str> {
        self.mode
            .params()
            .iter()
            .filter(|p| p.per_request())
            .map(ParamSpec::name)
            .chain([SEED_KEY])
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
            write_pair(f, spec, value)?;
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
    fn a_key_that_is_almost_a_parameter_is_an_error_naming_the_parameter_meant() {
        let status = Params::defaults(catalog::find("status").unwrap());
        for key in ["statuss", "Status", "STATUS", "sttaus"] {
            let message = status
                .overridden_by([(key, "500")])
                .unwrap_err()
                .to_string();
            assert_eq!(
                message,
                format!(
                    "mode `status` has no parameter `{key}` (did you mean `status`?); valid parameters: status, seed"
                )
            );
        }
        // A client's own keys pass, however many: cache busters, tracing, its API's parameters.
        let params = status
            .overridden_by([
                ("_", "1700000000"),
                ("t", "1"),
                ("ts", "2"),
                ("traceparent", "00-ab-cd-01"),
                ("statuses", "open"),
                ("status", "503"),
            ])
            .unwrap();
        assert_eq!(params.int("status"), 503);
    }

    #[test]
    fn a_parameter_set_at_start_is_refused_in_a_request_by_every_mode_and_the_fixture() {
        for mode in ["status", "no_content_type", "fixture"] {
            let params = Params::defaults(catalog::find(mode).unwrap());
            let message = params
                .overridden_by([("tls", "zz")])
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("set when the server starts"),
                "{mode}: {message}"
            );
        }
    }

    #[test]
    fn the_fixture_reads_no_parameter_from_requests_whose_keys_are_the_applications() {
        let fixture = Params::defaults(catalog::find("fixture").unwrap());
        let params = fixture
            .overridden_by([("seed", "not a number"), ("TLS", "1"), ("status", "x")])
            .unwrap();
        assert_eq!(params.request_seed(), None);
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

/// Properties of reading a request's overrides (see `check.rs` for seeds and counts).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::catalog::catalog;
    use crate::check::check;

    /// Keys a request might send `mode`: its parameters' names, `seed`, near misses of them
    /// (other case, a letter more or swapped), and anything else.
    fn a_key(mode: &'static ModeSpec) -> BoxedStrategy<String> {
        let mut names: Vec<String> = mode.params().iter().map(|p| p.name().to_owned()).collect();
        names.push(SEED_KEY.to_owned());
        let near: Vec<String> = names
            .iter()
            .flat_map(|n| {
                [
                    format!("{n}s"),
                    n.to_ascii_uppercase(),
                    n.chars().rev().collect(),
                ]
            })
            .collect();
        prop_oneof![
            3 => select(names),
            2 => select(near),
            2 => "[a-z_]{0,8}",
            1 => any::<String>(),
        ]
        .boxed()
    }

    fn a_value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,8}",
            "-?[0-9]{0,3}\\.[0-9]{0,4}",
            "true|false|connect|request|keep_open|close|any|tls12",
            "(?s).{0,8}",
        ]
    }

    /// A mode, and the key/value pairs of a request to it.
    fn a_request() -> impl Strategy<Value = (&'static ModeSpec, Vec<(String, String)>)> {
        select(catalog().iter().collect::<Vec<_>>()).prop_flat_map(|mode| {
            let pairs = proptest::collection::vec((a_key(mode), a_value()), 0..8);
            (Just(mode), pairs)
        })
    }

    #[test]
    fn request_overrides_never_panic_and_refuse_exactly_what_the_policy_says() {
        check(1000, a_request(), |(mode, pairs)| {
            let result = Params::defaults(mode)
                .overridden_by(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let given = |key: &str| pairs.iter().any(|(k, _)| k == key);
            let at_start = |key: &str| {
                mode.params()
                    .iter()
                    .any(|p| p.name() == key && !p.per_request())
            };
            let reads_requests = mode.action() != Action::Fixture;
            match result {
                Ok(params) => {
                    prop_assert!(!pairs.iter().any(|(k, _)| at_start(k)));
                    if reads_requests {
                        let keys: Vec<&str> = params.request_keys().collect();
                        for (key, _) in &pairs {
                            prop_assert_eq!(misspelling_of(key, keys.iter().copied()), None);
                        }
                        // The first value of each parameter is the one in force.
                        for spec in mode.params().iter().filter(|p| p.per_request()) {
                            if let Some((_, raw)) = pairs.iter().find(|(k, _)| k == spec.name()) {
                                let value = spec.kind().parse(raw);
                                prop_assert_eq!(params.value(spec.name()), value.as_ref().ok());
                            }
                        }
                    }
                }
                Err(Error::InvalidParam { param, .. }) => prop_assert!(given(param)),
                Err(Error::UnknownParam {
                    param,
                    suggestion: Some(meant),
                    ..
                }) => {
                    prop_assert!(reads_requests && given(&param));
                    prop_assert_eq!(misspelling_of(&param, [meant]), Some(meant));
                }
                Err(other) => prop_assert!(false, "unexpected error: {other}"),
            }
            Ok(())
        });
    }
}
