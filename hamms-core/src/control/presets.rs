//! [`Presets`]: options given for a proxy's behaviors when its control API starts, used whenever
//! the API later switches the proxy to one of those behaviors, as Vaurien's
//! `--behavior-delay-sleep 1` is. A request's own options win over them.

use crate::behavior::{Behavior, Kind};
use crate::error::Error;
use crate::stages;

/// Options per proxy behavior, checked against the proxy's table.
#[derive(Debug, Clone, Default)]
pub(super) struct Presets {
    /// `(behavior, option, value)`, as given.
    options: Vec<(&'static str, String, String)>,
}

impl Presets {
    /// Presets from `behavior.option` keys (`delay.sleep`) and their values.
    ///
    /// # Errors
    /// [`Error::InvalidProxySpec`] for a key that does not name its behavior;
    /// [`Error::UnknownProxyBehavior`], [`Error::UnknownParam`] or [`Error::InvalidParam`] naming
    /// the valid choices.
    pub(super) fn parse(pairs: &[(String, String)]) -> Result<Presets, Error> {
        let mut options = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let (stage, option) = key.split_once('.').ok_or_else(|| Error::InvalidProxySpec {
                spec: key.clone(),
                reason: "a preset names the behavior it is for, as in `delay.sleep`".to_owned(),
            })?;
            let stage = stages::stage(stage)?.name();
            // Checks the option and its value now, so that a later switch cannot fail on them.
            Behavior::proxy(stage)?.param(option, value)?;
            options.push((stage, option.to_owned(), value.clone()));
        }
        Ok(Presets { options })
    }

    /// `behavior` with the presets of its stages set (a stack or mix: of each stage it has).
    pub(super) fn apply(&self, mut behavior: Behavior) -> Behavior {
        for (stage, option, value) in &self.options {
            let has_stage = match behavior.kind() {
                Kind::Proxy(mix) => mix
                    .choices()
                    .iter()
                    .flat_map(|choice| &choice.stages)
                    .any(|params| params.mode().name() == *stage),
                Kind::Mode(_) => false,
            };
            if has_stage {
                let qualified = format!("{stage}.{option}");
                // Checked by `parse`; should it fail all the same, the option stays unset.
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

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn presets_apply_to_the_stages_they_name_only() {
        let presets =
            Presets::parse(&pairs(&[("delay.sleep", "0.2"), ("latency.latency", "50")])).unwrap();
        let delay = presets.apply(Behavior::proxy("delay").unwrap());
        assert_eq!(delay.to_string(), "delay(sleep=0.2)");
        let mix = presets.apply(Behavior::proxy("20:delay,80:latency+bandwidth").unwrap());
        assert_eq!(
            mix.to_string(),
            "20:delay(sleep=0.2),80:latency(latency=50)+bandwidth"
        );
        assert_eq!(
            presets.apply(Behavior::proxy("dummy").unwrap()).to_string(),
            "dummy"
        );
    }

    #[test]
    fn bad_presets_name_the_fix() {
        for (key, value, needle) in [
            ("sleep", "1", "names the behavior it is for"),
            ("dealy.sleep", "1", "did you mean `delay`?"),
            ("delay.slep", "1", "did you mean `sleep`?"),
            ("delay.sleep", "soon", "seconds"),
        ] {
            let error = Presets::parse(&pairs(&[(key, value)]))
                .unwrap_err()
                .to_string();
            assert!(error.contains(needle), "{key}={value}: {error}");
        }
    }
}
