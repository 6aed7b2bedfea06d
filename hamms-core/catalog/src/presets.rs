//! [`Presets`]: options given for a proxy's behaviors before they are set, used whenever the
//! proxy is later switched to one of them, as Vaurien's `--behavior-delay-sleep 1` is.

use crate::behavior::{Behavior, Kind};
use crate::error::Invalid;
use crate::stages;

/// Options for a proxy's behaviors, checked against the proxy's table: a control API applies
/// them to each behavior it sets by name (`PUT /behavior {"name": "delay"}`, a toxic), before
/// the request's own options, which win.
///
/// ```
/// use hamms_catalog::{Behavior, Presets};
/// let starting = Behavior::proxy("dummy")?;
/// let presets = Presets::new(&starting, [("delay.sleep", "0.2")])?;
/// let later = presets.apply(Behavior::proxy("delay")?);
/// assert_eq!(later.to_string(), "delay(sleep=0.2)");
/// // A request's own option is set after, and wins.
/// assert_eq!(later.param("sleep", 1.5)?.to_string(), "delay(sleep=1.5)");
/// # Ok::<(), hamms_catalog::Invalid>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Presets {
    /// `(behavior, option, value)`, as given.
    options: Vec<(&'static str, String, String)>,
}

impl Presets {
    /// Presets from `behavior.option` keys (`delay.sleep`) and their values; a key without a
    /// behavior (`sleep`) is for the stages of `starting` (a proxy's first behavior) that take
    /// it, as `hamms proxy --behavior delay --opt sleep=1` means.
    ///
    /// # Errors
    /// [`Invalid::InvalidProxySpec`] if `starting` is a catalog mode;
    /// [`Invalid::UnknownProxyBehavior`], [`Invalid::UnknownParam`] or
    /// [`Invalid::InvalidParam`] naming the valid choices.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(
        starting: &Behavior,
        options: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Presets, Invalid> {
        let Kind::Proxy(mix) = starting.kind() else {
            return Err(Invalid::InvalidProxySpec {
                spec: starting.to_string(),
                reason: "presets are options of a proxy's behaviors, and this is a catalog mode; give them to a chaos proxy (FaultServer::proxy)".to_owned(),
            });
        };
        let mut presets = Vec::new();
        for (key, value) in options {
            let (key, value) = (key.as_ref(), value.as_ref());
            match key.split_once('.') {
                Some((stage, option)) => {
                    let stage = stages::stage(stage)?.name();
                    // Checks the option and its value now, so that a later switch cannot fail.
                    Behavior::proxy(stage)?.param(option, value)?;
                    presets.push((stage, option.to_owned(), value.to_owned()));
                }
                None => {
                    // The starting behavior's own error names its options when none takes it.
                    starting.clone().param(key, value)?;
                    let takers = mix
                        .choices()
                        .iter()
                        .flat_map(|choice| &choice.stages)
                        .map(|params| params.spec())
                        .filter(|mode| mode.params().iter().any(|p| p.name() == key));
                    for mode in takers {
                        if !presets
                            .iter()
                            .any(|(s, o, _)| *s == mode.name() && o == key)
                        {
                            presets.push((mode.name(), key.to_owned(), value.to_owned()));
                        }
                    }
                }
            }
        }
        Ok(Presets { options: presets })
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    /// `behavior` with the presets of its stages set (of a stack or mix: of each stage it has).
    /// Other behaviors, and catalog modes, are returned as they are.
    pub fn apply(&self, mut behavior: Behavior) -> Behavior {
        for (stage, option, value) in &self.options {
            let has_stage = match behavior.kind() {
                Kind::Proxy(mix) => mix
                    .choices()
                    .iter()
                    .flat_map(|choice| &choice.stages)
                    .any(|params| params.spec().name() == *stage),
                Kind::Mode(_) => false,
            };
            if has_stage {
                let qualified = format!("{stage}.{option}");
                // Checked by `new`; should it fail all the same, the option stays unset.
                behavior = match behavior.clone().param(&qualified, value) {
                    Ok(preset) => preset,
                    Err(_) => behavior,
                };
            }
        }
        behavior
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dummy() -> Behavior {
        Behavior::proxy("dummy").unwrap()
    }

    #[test]
    fn presets_apply_to_the_stages_they_name_only() {
        let presets = Presets::new(
            &dummy(),
            [("delay.sleep", "0.2"), ("latency.latency", "50")],
        )
        .unwrap();
        let delay = presets.apply(Behavior::proxy("delay").unwrap());
        assert_eq!(delay.to_string(), "delay(sleep=0.2)");
        let mix = presets.apply(Behavior::proxy("20:delay,80:latency+bandwidth").unwrap());
        assert_eq!(
            mix.to_string(),
            "20:delay(sleep=0.2),80:latency(latency=50)+bandwidth"
        );
        assert_eq!(presets.apply(dummy()).to_string(), "dummy");
    }

    #[test]
    fn an_option_without_a_behavior_is_for_the_starting_behaviors_stages() {
        let starting = Behavior::proxy("latency+timeout").unwrap();
        let presets = Presets::new(&starting, [("direction", "upstream")]).unwrap();
        let later = presets.apply(Behavior::proxy("timeout").unwrap());
        assert_eq!(later.to_string(), "timeout(direction=\"upstream\")");
    }

    #[test]
    fn bad_presets_name_the_fix() {
        for (key, value, needle) in [
            ("sleep", "1", "`dummy` takes no options"),
            ("dealy.sleep", "1", "did you mean `delay`?"),
            ("delay.slep", "1", "did you mean `sleep`?"),
            ("delay.sleep", "soon", "seconds"),
        ] {
            let error = Presets::new(&dummy(), [(key, value)])
                .unwrap_err()
                .to_string();
            assert!(error.contains(needle), "{key}={value}: {error}");
        }
        let mode = Behavior::mode("status").unwrap();
        assert!(Presets::new(&mode, [("status.status", "503")]).is_err());
    }
}
