//! [`Behavior`]: what a server does with connections, swappable at run time.
//!
//! Design note: a behavior is validated data (a catalog mode with its parameters, typed as the
//! engine serves them, or a proxy mix); the engine looks at it through `engine::model` and
//! decides how to serve it. Being data, it compiles without the engine, so the attribute macro
//! validates its arguments with it.

use std::fmt;

use crate::catalog::ModeSpec;
use crate::engine::mode::{Configured, Disposition, Mode, Tls};
use crate::error::Invalid;
use crate::mix::Mix;
use crate::params::{Params, Written};

/// What a server does: a catalog mode with its parameters, or what a chaos proxy does to the
/// traffic it relays. Validated when built.
///
/// ```
/// use hamms_catalog::Behavior;
/// let drip = Behavior::mode("slow_drip")?.param("interval_ms", 50)?;
/// assert_eq!(drip.to_string(), "slow_drip(interval_ms=50)");
/// assert!(Behavior::mode("slow_drp").unwrap_err().to_string().contains("did you mean `slow_drip`?"));
///
/// let slow_backend = Behavior::proxy("delay")?.param("sleep", 0.5)?;
/// assert_eq!(slow_backend.to_string(), "delay(sleep=0.5)");
/// # Ok::<(), hamms_catalog::Invalid>(())
/// ```
#[derive(Debug, Clone)]
pub struct Behavior {
    kind: Kind,
}

/// The two kinds of behavior.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A catalog mode (the fixture included), typed.
    Mode(Configured),
    /// A proxy behavior.
    Proxy(Mix),
}

impl Behavior {
    /// The catalog mode `name` with its default parameters, or with those written after it as
    /// this behavior's `Display` prints them (`slow_drip(interval_ms=50)`).
    ///
    /// # Errors
    /// [`Invalid::UnknownMode`] naming the valid modes and the closest one;
    /// [`Invalid::InvalidModeSpec`] for parameters that do not parse, [`Invalid::UnknownParam`]
    /// or [`Invalid::InvalidParam`] for ones the mode does not take.
    pub fn mode(name: &str) -> Result<Behavior, Invalid> {
        let written = Written::parse(name).map_err(|reason| Invalid::InvalidModeSpec {
            spec: name.to_owned(),
            reason,
        })?;
        let params = Params::written(ModeSpec::named(written.name)?, &written)?;
        Ok(Behavior {
            kind: Kind::Mode(Configured::new(params)),
        })
    }

    /// The fixture: answers with the responses the test programs on the server handle
    /// (`FaultServer::respond_with` and friends), `200` with an empty body until then.
    pub fn fixture() -> Behavior {
        // The catalog's unit tests pin the entry.
        Behavior::mode("fixture").expect("the catalog has a `fixture` entry")
    }

    /// A chaos proxy behavior (for servers started with
    /// `FaultServer::proxy`): a name (`dummy`, `blackout`, `delay`,
    /// `error`, `hang`, `transient`, `abort`, or a toxic: `latency`, `bandwidth`, `slow_close`,
    /// `timeout`, `reset_peer`, `slicer`, `limit_data`, `down`), toxics stacked with `+`
    /// (`latency+bandwidth`), or weighted choices (`20:delay,80:dummy`), chosen per connection
    /// (tcp) or per request (http) from the server's seeded sequence. Each stage may carry its
    /// options as this behavior's `Display` prints them (`20:delay(sleep=0.5),80:dummy`).
    ///
    /// ```
    /// use hamms_catalog::Behavior;
    /// let mix = Behavior::proxy("20:delay,80:dummy")?.param("delay.sleep", 0.2)?;
    /// assert_eq!(mix.to_string(), "20:delay(sleep=0.2),80:dummy");
    /// let toxics = Behavior::proxy("latency+bandwidth")?
    ///     .param("latency", 100)?
    ///     .param("rate", 50)?
    ///     .param("direction", "upstream")?;
    /// assert_eq!(toxics.name(), "latency");
    /// # Ok::<(), hamms_catalog::Invalid>(())
    /// ```
    ///
    /// # Errors
    /// [`Invalid::UnknownProxyBehavior`] naming the valid names and the closest one;
    /// [`Invalid::InvalidProxySpec`] for a mix that does not parse.
    pub fn proxy(spec: &str) -> Result<Behavior, Invalid> {
        Ok(Behavior {
            kind: Kind::Proxy(Mix::parse(spec)?),
        })
    }

    /// One stack of proxy behaviors, in order, each with options of its own: what a list of
    /// Toxiproxy's named toxics makes (two of the same type may differ). An empty list is
    /// `dummy` (pass-through).
    ///
    /// ```
    /// use hamms_catalog::Behavior;
    /// let fast = Behavior::proxy("latency")?.param("latency", 100)?;
    /// let slow = Behavior::proxy("latency")?.param("latency", 300)?.param("direction", "upstream")?;
    /// let both = Behavior::stacked([fast, slow])?;
    /// assert_eq!(both.to_string(), "latency(latency=100)+latency(latency=300, direction=\"upstream\")");
    /// assert_eq!(Behavior::stacked([])?.to_string(), "dummy");
    /// # Ok::<(), hamms_catalog::Invalid>(())
    /// ```
    ///
    /// # Errors
    /// [`Invalid::InvalidProxySpec`] for a part that is a catalog mode or a weighted mix, or for
    /// `down` with anything else (it stands alone).
    pub fn stacked(parts: impl IntoIterator<Item = Behavior>) -> Result<Behavior, Invalid> {
        let mixes = parts
            .into_iter()
            .map(|part| match part.kind {
                Kind::Proxy(mix) => Ok(mix),
                Kind::Mode(configured) => Err(Invalid::InvalidProxySpec {
                    spec: configured.to_string(),
                    reason: "a catalog mode is not a proxy behavior, so it cannot be stacked"
                        .to_owned(),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Behavior {
            kind: Kind::Proxy(Mix::stacked(mixes)?),
        })
    }

    /// Sets one parameter, given as a user would write it (`50`, `0.5`, `"key"`). For a proxy
    /// behavior it is an option of every stage that takes it, or, written `stage.option`
    /// (`delay.sleep`), of that stage only.
    ///
    /// # Errors
    /// [`Invalid::UnknownParam`] or [`Invalid::InvalidParam`], naming the valid names or range.
    pub fn param(mut self, name: &str, value: impl fmt::Display) -> Result<Behavior, Invalid> {
        let value = value.to_string();
        match &mut self.kind {
            Kind::Mode(configured) => configured.set(name, &value)?,
            Kind::Proxy(mix) => mix.set(name, &value)?,
        }
        Ok(self)
    }

    /// The mode's name, e.g. `slow_drip`; for a proxy behavior, its first stage's (`delay` for
    /// `delay`, `20:delay,80:dummy` and `delay+latency`). The whole behavior is its `Display`.
    pub fn name(&self) -> &'static str {
        match &self.kind {
            Kind::Mode(configured) => configured.spec().name(),
            Kind::Proxy(mix) => mix.first_stage().spec().name(),
        }
    }

    /// Whether this is a chaos proxy behavior.
    pub fn is_proxy(&self) -> bool {
        matches!(self.kind, Kind::Proxy(_))
    }

    /// Whether this is the fixture, which answers what the test programs.
    pub fn is_fixture(&self) -> bool {
        matches!(&self.kind, Kind::Mode(configured) if *configured.mode() == Mode::Fixture)
    }

    /// Whether clients must speak TLS to this behavior (a server's URL is then `https://`).
    pub fn serves_tls(&self) -> bool {
        matches!(&self.kind, Kind::Mode(configured) if configured.tls() != Tls::None)
    }

    /// Whether new connections get through at all (not `refused`, `connect_timeout`, `down`).
    pub fn accepts_connections(&self) -> bool {
        let disposition = match &self.kind {
            Kind::Mode(configured) => configured.disposition(),
            Kind::Proxy(mix) => mix.disposition(),
        };
        disposition == Disposition::Accept
    }

    /// What the behavior is, for [`engine::model`](crate::engine::model).
    pub(crate) fn kind(&self) -> &Kind {
        &self.kind
    }
}

impl fmt::Display for Behavior {
    /// `name(param=value, ...)`, listing the parameters that differ from their defaults; for a
    /// proxy mix, `20:delay(sleep=0.5),80:dummy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Mode(configured) => configured.fmt(f),
            Kind::Proxy(mix) => mix.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_behavior_reads_back_what_it_prints() {
        let drip = Behavior::mode("slow_drip")
            .unwrap()
            .param("interval_ms", 50)
            .unwrap();
        assert_eq!(drip.to_string(), "slow_drip(interval_ms=50)");
        assert_eq!(
            Behavior::mode(&drip.to_string()).unwrap().to_string(),
            drip.to_string()
        );

        let counter = Behavior::mode("retry_counter")
            .unwrap()
            .param("key", "a, \"b\" (c)")
            .unwrap();
        let written = counter.to_string();
        assert_eq!(written, r#"retry_counter(key="a, \"b\" (c)")"#);
        assert_eq!(Behavior::mode(&written).unwrap().to_string(), written);

        let mix = Behavior::proxy("20:delay,80:latency+bandwidth")
            .unwrap()
            .param("delay.sleep", 0.5)
            .unwrap()
            .param("before", false)
            .unwrap()
            .param("direction", "upstream")
            .unwrap();
        let written = mix.to_string();
        assert_eq!(
            written,
            r#"20:delay(sleep=0.5, before=false),80:latency(direction="upstream")+bandwidth(direction="upstream")"#
        );
        assert_eq!(Behavior::proxy(&written).unwrap().to_string(), written);
    }

    #[test]
    fn malformed_parameters_after_a_name_are_errors_naming_the_fix() {
        let error = Behavior::mode("slow_drip(interval_ms)")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "invalid mode `slow_drip(interval_ms)`: `interval_ms` is not key=value;"
            ),
            "{error}"
        );
        let error = Behavior::mode("slow_drip(interval=5)")
            .unwrap_err()
            .to_string();
        assert!(error.contains("did you mean `interval_ms`?"), "{error}");
        let error = Behavior::proxy("delay(sleep=1").unwrap_err().to_string();
        assert!(error.contains("must end the text with `)`"), "{error}");
        let error = Behavior::proxy("delay(sleep=-1)").unwrap_err().to_string();
        assert!(error.contains("seconds from 0 to 3600"), "{error}");
    }
}

/// Properties of parsing behaviors, over generated text (see `check.rs` for seeds and counts).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::catalog::modes as catalog;
    use crate::check::check;
    use crate::params::ParamKind;
    use crate::stages;

    /// A valid value of a parameter of `kind`, as a user writes it.
    pub(crate) fn valid_value(kind: ParamKind) -> BoxedStrategy<String> {
        match kind {
            ParamKind::Millis { max } => (0..=max).prop_map(|v| v.to_string()).boxed(),
            ParamKind::Integer { min, max } => (min..=max).prop_map(|v| v.to_string()).boxed(),
            ParamKind::Seconds { max } => (0.0..=max).prop_map(|v| v.to_string()).boxed(),
            ParamKind::Probability => (0.0..=1.0f64).prop_map(|v| v.to_string()).boxed(),
            ParamKind::Text { max_len } => text()
                .prop_filter("fits", move |t| t.trim().len() <= max_len)
                .boxed(),
            ParamKind::Choice { choices } => select(choices).prop_map(str::to_owned).boxed(),
            ParamKind::Flag => any::<bool>().prop_map(|v| v.to_string()).boxed(),
        }
    }

    /// Text of any characters, rich in those that writing a value must escape or that separate
    /// parts of a behavior: quotes, backslashes, separators, controls, combining marks.
    fn text() -> impl Strategy<Value = String> {
        const TRICKY: &[char] = &[
            '"', '\\', '\n', '\r', '\t', '\0', '\'', ',', '(', ')', '+', ':', '=', '.', ' ',
            '\u{7f}', '\u{301}', '\u{200b}', 'é', '{', '}',
        ];
        let character = prop_oneof![select(TRICKY), any::<char>()];
        proptest::collection::vec(character, 0..16).prop_map(String::from_iter)
    }

    /// Values for some of `spec`'s parameters, each named as `prefix` + its name.
    fn some_params(
        spec: &'static ModeSpec,
        prefix: String,
    ) -> BoxedStrategy<Vec<(String, String)>> {
        let each: Vec<_> = spec
            .params()
            .iter()
            .map(|p| {
                let name = format!("{prefix}{}", p.name());
                proptest::option::of(valid_value(p.kind()).prop_map(move |v| (name.clone(), v)))
            })
            .collect();
        each.prop_map(|set| set.into_iter().flatten().collect())
            .boxed()
    }

    /// `behavior` with these parameters set (valid by construction).
    fn with(behavior: Behavior, params: Vec<(String, String)>) -> Behavior {
        params.into_iter().fold(behavior, |b, (name, value)| {
            b.param(&name, &value)
                .unwrap_or_else(|e| panic!("generated {name}={value:?}: {e}"))
        })
    }

    /// Any catalog mode, with some of its parameters set.
    fn a_mode() -> impl Strategy<Value = Behavior> {
        select(catalog().iter().collect::<Vec<_>>()).prop_flat_map(|mode| {
            some_params(mode, String::new()).prop_map(move |params| {
                with(Behavior::mode(mode.name()).expect("a catalog name"), params)
            })
        })
    }

    /// A mode that takes text, with its text set: what needs quoting, escapes and all.
    fn a_mode_with_text() -> impl Strategy<Value = Behavior> {
        let takes_text = |mode: &&ModeSpec| {
            mode.params()
                .iter()
                .any(|p| matches!(p.kind(), ParamKind::Text { .. }))
        };
        let modes: Vec<&ModeSpec> = catalog().iter().filter(takes_text).collect();
        select(modes).prop_flat_map(|mode| {
            let texts: Vec<_> = mode
                .params()
                .iter()
                .filter(|p| matches!(p.kind(), ParamKind::Text { .. }))
                .map(|p| valid_value(p.kind()).prop_map(move |v| (p.name().to_owned(), v)))
                .collect();
            texts.prop_map(move |params| {
                with(Behavior::mode(mode.name()).expect("a catalog name"), params)
            })
        })
    }

    /// A proxy mix: up to three weighted choices of up to three stacked stages, with some
    /// options of its stages set (`stage.option`); or `down`, which stands alone.
    fn a_proxy_behavior() -> impl Strategy<Value = Behavior> {
        let names: Vec<&str> = stages::names()
            .into_iter()
            .filter(|n| *n != "down")
            .collect();
        let stack = proptest::collection::vec(select(names), 1..=3);
        let choices = proptest::collection::vec((0u32..=100, stack), 1..=3)
            .prop_filter("a weight above 0", |c| c.iter().any(|(w, _)| *w > 0));
        let mix = choices.prop_flat_map(|choices| {
            let written: Vec<String> = choices
                .iter()
                .map(|(weight, stack)| {
                    let stack = stack.join("+");
                    if choices.len() > 1 {
                        format!("{weight}:{stack}")
                    } else {
                        stack
                    }
                })
                .collect();
            let spec = written.join(",");
            let mut used: Vec<&str> = choices.iter().flat_map(|(_, s)| s.clone()).collect();
            used.sort_unstable();
            used.dedup();
            let options: Vec<_> = used
                .into_iter()
                .map(|name| {
                    let stage = stages::stage(name).expect("a stage name");
                    some_params(stage, format!("{name}."))
                })
                .collect();
            (Just(spec), options)
        });
        prop_oneof![
            9 => mix.prop_map(|(spec, options)| {
                with(Behavior::proxy(&spec).expect("a valid mix"), options.concat())
            }),
            1 => Just(Behavior::proxy("down").expect("`down` is a behavior")),
        ]
    }

    /// The same kind of behavior parsed from `text`.
    fn parse_like(behavior: &Behavior, text: &str) -> Result<Behavior, Invalid> {
        if behavior.is_proxy() {
            Behavior::proxy(text)
        } else {
            Behavior::mode(text)
        }
    }

    #[test]
    fn every_behavior_reads_back_what_it_prints() {
        let behaviors = prop_oneof![a_mode(), a_mode_with_text(), a_proxy_behavior()];
        check(1000, behaviors, |behavior| {
            let written = behavior.to_string();
            let read = parse_like(&behavior, &written)
                .map_err(|e| TestCaseError::fail(format!("`{written}` does not parse: {e}")))?;
            prop_assert_eq!(read.to_string(), written);
            Ok(())
        });
    }

    /// Text made of the pieces behaviors are written with, and any characters besides.
    fn behavior_text() -> impl Strategy<Value = String> {
        const PIECES: &[&str] = &[
            "delay",
            "latency",
            "bandwidth",
            "down",
            "dummy",
            "slow_drip",
            "status",
            "retry_counter",
            "fixture",
            "sleep",
            "key",
            "rate",
            "direction",
            "upstream",
            "20",
            "0",
            "4294967296",
            "-1",
            "0.5",
            "1e400",
            ":",
            ",",
            "+",
            "(",
            ")",
            "=",
            "\"",
            "\\",
            "\\u{301}",
            ".",
            " ",
            "\u{301}",
            "é",
            "\n",
        ];
        let piece = prop_oneof![
            4 => select(PIECES).prop_map(str::to_owned),
            1 => proptest::string::string_regex("(?s).{0,8}").expect("a valid regex"),
        ];
        proptest::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
    }

    #[test]
    fn parsing_any_text_as_a_mode_or_a_proxy_behavior_never_panics_and_what_parses_reads_back() {
        check(
            1000,
            (behavior_text(), behavior_text(), behavior_text()),
            |(text, key, value)| {
                for parsed in [Behavior::mode(&text), Behavior::proxy(&text)] {
                    let Ok(behavior) = parsed else { continue };
                    let written = behavior.to_string();
                    let read = parse_like(&behavior, &written).map_err(|e| {
                        TestCaseError::fail(format!("`{written}` does not parse: {e}"))
                    })?;
                    prop_assert_eq!(read.to_string(), written);
                    // Setting any option by any name is an answer, never a panic.
                    let _ = behavior.param(&key, &value);
                }
                Ok(())
            },
        );
    }
}
