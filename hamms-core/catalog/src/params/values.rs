//! [`Params`]: the validated values of one mode's (or proxy behavior's) parameters, and a
//! request's overrides of them.

use std::fmt;
use std::time::Duration;

use super::spec::{ParamSpec, Value};
use super::written::{Written, write_pair};
use crate::catalog::ModeSpec;
use crate::error::{Invalid, closest, misspelling_of};

/// The query-string key that makes one request's random choices a function of its value alone.
const SEED_KEY: &str = "seed";

/// The validated parameters of one mode: every declared parameter has a value.
#[derive(Debug, Clone)]
pub struct Params {
    spec: &'static ModeSpec,
    values: Vec<Value>,
    /// Set by `?seed=N`: this request's random choices come from N alone.
    request_seed: Option<u64>,
}

impl Params {
    /// The defaults of `mode`.
    pub fn defaults(spec: &'static ModeSpec) -> Self {
        let values = spec
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
            spec,
            values,
            request_seed: None,
        }
    }

    /// The defaults of `mode` with the parameters `written` after its name set.
    ///
    /// # Errors
    /// [`Invalid::UnknownParam`] or [`Invalid::InvalidParam`], naming the valid names or range.
    pub(crate) fn written(spec: &'static ModeSpec, written: &Written<'_>) -> Result<Self, Invalid> {
        let mut params = Params::defaults(spec);
        for (key, value) in &written.pairs {
            params.set(key, value)?;
        }
        Ok(params)
    }

    /// Sets one parameter; unknown names and invalid values are errors naming the valid choices.
    pub(crate) fn set(&mut self, name: &str, raw: &str) -> Result<(), Invalid> {
        let specs = self.spec.params();
        let Some(index) = specs.iter().position(|p| p.name() == name) else {
            return Err(Invalid::UnknownParam {
                owner: self.spec.owner(),
                param: name.to_owned(),
                suggestion: closest(name, specs.iter().map(ParamSpec::name)),
                valid: specs.iter().map(ParamSpec::name).collect(),
            });
        };
        let spec = &specs[index];
        self.values[index] = spec
            .kind()
            .parse(raw)
            .map_err(|expected| Invalid::InvalidParam {
                owner: self.spec.owner(),
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
    /// [`Invalid::UnknownParam`] for a misspelt key, [`Invalid::InvalidParam`] for a value out of
    /// range or a parameter set at start.
    pub(crate) fn overridden_by<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, Invalid> {
        let mut params = self.clone();
        let specs = self.spec.params();
        let reads_requests = !self.spec.is_fixture();
        // Which declared parameters a pair already set; the seed is tracked by `request_seed`.
        // Undeclared keys cost little, however many a client sends (see `misspelling_of`).
        let mut set = vec![false; specs.len()];
        for (key, raw) in pairs {
            let index = specs.iter().position(|p| p.name() == key);
            if let Some(spec) = index.map(|i| &specs[i])
                && !spec.per_request()
            {
                return Err(Invalid::InvalidParam {
                    owner: self.spec.owner(),
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
                    let seed = raw.trim().parse().map_err(|_| Invalid::InvalidParam {
                        owner: self.spec.owner(),
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
                return Err(Invalid::UnknownParam {
                    owner: self.spec.owner(),
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
        self.spec
            .params()
            .iter()
            .filter(|p| p.per_request())
            .map(ParamSpec::name)
            .chain([SEED_KEY])
    }

    pub(crate) fn request_seed(&self) -> Option<u64> {
        self.request_seed
    }

    /// The value of the declared parameter `name`.
    ///
    /// # Panics
    /// If the entry declares no such parameter: a typed view (`engine/`) reading one its table
    /// entry lacks, which the typed view's unit tests rule out for every entry of both tables.
    fn get(&self, name: &str) -> &Value {
        match self.spec.params().iter().position(|p| p.name() == name) {
            Some(index) => &self.values[index],
            None => panic!(
                "hamms: the typed view of `{}` reads `{name}`, which its table entry does not declare",
                self.spec.name()
            ),
        }
    }

    /// Whether the entry declares `name` (the engine-wide `tls`, which most modes take).
    pub(crate) fn declares(&self, name: &str) -> bool {
        self.spec.params().iter().any(|p| p.name() == name)
    }

    /// A `Millis` parameter.
    pub(crate) fn millis(&self, name: &str) -> Duration {
        Duration::from_millis(self.integer(name))
    }

    /// A `Seconds` parameter.
    pub(crate) fn seconds(&self, name: &str) -> Duration {
        Duration::from_secs_f64(self.decimal(name))
    }

    /// An `Integer` (or `Millis`) parameter.
    pub(crate) fn integer(&self, name: &str) -> u64 {
        match self.get(name) {
            Value::Int(v) => *v,
            other => self.mistyped(name, other),
        }
    }

    /// An `Integer` parameter whose range (at most 2^30, the tables' largest size) fits any
    /// `usize` and `u32`.
    pub(crate) fn size(&self, name: &str) -> usize {
        let value = self.integer(name);
        usize::try_from(value).unwrap_or_else(|_| self.mistyped(name, &Value::Int(value)))
    }

    /// A `Seconds` or `Probability` parameter.
    pub(crate) fn decimal(&self, name: &str) -> f64 {
        match self.get(name) {
            Value::Float(v) => *v,
            other => self.mistyped(name, other),
        }
    }

    /// A `Flag` parameter; `false` for an entry that does not declare it (the engine-wide
    /// `tls` is asked of every mode).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.declares(name) && matches!(self.get(name), Value::Bool(true))
    }

    /// A `Text` parameter.
    pub(crate) fn text(&self, name: &str) -> &str {
        match self.get(name) {
            Value::Text(v) => v,
            other => self.mistyped(name, other),
        }
    }

    /// A `Choice` parameter, as the enum `parse` reads its words into.
    pub(crate) fn choice<T>(&self, name: &str, parse: fn(&str) -> Option<T>) -> T {
        let word = self.text(name);
        parse(word).unwrap_or_else(|| self.mistyped(name, &Value::Text(word.to_owned())))
    }

    /// A typed view reading a parameter as another kind than its table's: an engine bug the
    /// typed view's unit tests rule out.
    fn mistyped(&self, name: &str, value: &Value) -> ! {
        panic!(
            "hamms: the typed view of `{}` misreads `{name}` ({value:?}) against its table entry",
            self.spec.name()
        )
    }

    /// The entry these parameters belong to.
    pub fn spec(&self) -> &'static ModeSpec {
        self.spec
    }

    /// Each declared parameter with its value, in the table's order.
    pub fn values(&self) -> impl Iterator<Item = (&'static ParamSpec, &Value)> {
        self.spec.params().iter().zip(&self.values)
    }
}

impl fmt::Display for Params {
    /// `name`, or `name(key=value, ...)` listing the parameters that differ from their defaults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec.name())?;
        let changed = self
            .spec
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
        for mode in catalog::modes() {
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
        assert_eq!(params.integer("status"), 503);
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
        assert_eq!(params.integer("status"), 503);
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
    use crate::catalog::modes as catalog;
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
            let reads_requests = !mode.is_fixture();
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
                                prop_assert_eq!(Some(params.get(spec.name())), value.as_ref().ok());
                            }
                        }
                    }
                }
                Err(Invalid::InvalidParam { param, .. }) => prop_assert!(given(param)),
                Err(Invalid::UnknownParam {
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
