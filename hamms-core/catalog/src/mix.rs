//! [`Mix`]: what a proxy does, as a value: weighted choices of stacked stages.

use std::fmt;

use crate::catalog::{Action, StageKind};
use crate::engine::mode::Disposition;
use crate::error::Invalid;
use crate::params::{Params, Written, split_outside};
use crate::stages;

/// Whether these parameters are those of `down`.
fn is_down(stage: &Params) -> bool {
    stage.spec().action() == Action::Relay(StageKind::Down)
}

/// A proxy behavior: one or more weighted choices (`20:delay,80:dummy`), each a stack of stages
/// (`latency+bandwidth`). A mix chooses per connection (tcp: as it opens, and again at each
/// change while it is open) or per request (http).
#[derive(Debug, Clone)]
pub struct Mix {
    choices: Vec<Choice>,
}

/// One choice of a mix: its weight and its stack of stages.
#[derive(Debug, Clone)]
pub struct Choice {
    /// How often it is drawn, against the other choices' weights.
    pub weight: u32,
    /// Its stages, in order, each with its options (typed as `Stage::of` draws them).
    pub stages: Vec<Params>,
}

impl Mix {
    /// Parses `delay`, `latency+bandwidth` or `20:delay,80:dummy`.
    pub(crate) fn parse(spec: &str) -> Result<Mix, Invalid> {
        let invalid = |reason: &str| Invalid::InvalidProxySpec {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = split_outside(spec, ',')
            .into_iter()
            .map(str::trim)
            .collect();
        let weighted = parts.len() > 1 || split_outside(parts[0], ':').len() > 1;
        let mut choices = Vec::with_capacity(parts.len());
        for part in parts {
            let (weight, stack) = if weighted {
                let (weight, stack) = part.split_once(':').ok_or_else(|| {
                    invalid("each choice of a mix needs a weight, as in `20:delay`")
                })?;
                let weight = weight
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| invalid("weights are whole numbers from 0 to 4294967295"))?;
                (weight, stack)
            } else {
                (1, part)
            };
            let stages = split_outside(stack, '+')
                .into_iter()
                .map(|stage| {
                    let written = Written::parse(stage).map_err(|reason| invalid(&reason))?;
                    Params::written(stages::stage(written.name)?, &written)
                })
                .collect::<Result<Vec<_>, _>>()?;
            choices.push(Choice { weight, stages });
        }
        if choices.iter().all(|c| c.weight == 0) {
            return Err(invalid("at least one weight must be above 0"));
        }
        let stages = choices.iter().map(|c| c.stages.len()).sum::<usize>();
        let down = choices.iter().flat_map(|c| &c.stages).any(is_down);
        if down && stages > 1 {
            return Err(invalid(
                "`down` closes the proxy's listener, so it stands alone: it cannot be stacked or mixed",
            ));
        }
        Ok(Mix { choices })
    }

    /// One stack of the stages of `parts`, in order: what Toxiproxy's named toxics make, each
    /// with options of its own (two of the same type may differ). Each part is one choice; no
    /// part means pass-through (`dummy`).
    pub(crate) fn stacked(parts: Vec<Mix>) -> Result<Mix, Invalid> {
        let mut stages = Vec::new();
        for part in parts {
            let spec = part.to_string();
            let [choice] = <[Choice; 1]>::try_from(part.choices).map_err(|_| {
                Invalid::InvalidProxySpec {
                    spec,
                    reason: "a weighted mix chooses per connection, so it cannot be one layer of a stack".to_owned(),
                }
            })?;
            stages.extend(choice.stages);
        }
        if stages.is_empty() {
            return Mix::parse("dummy");
        }
        if stages.len() > 1 && stages.iter().any(is_down) {
            return Err(Invalid::InvalidProxySpec {
                spec: stages
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("+"),
                reason: "`down` closes the proxy's listener, so it stands alone: it cannot be stacked or mixed".to_owned(),
            });
        }
        Ok(Mix {
            choices: vec![Choice { weight: 1, stages }],
        })
    }

    /// Sets an option: `sleep` on every stage that takes it, or `delay.sleep` on the `delay`
    /// stages only.
    pub(crate) fn set(&mut self, name: &str, value: &str) -> Result<(), Invalid> {
        let (stage, option) = match name.split_once('.') {
            Some((stage, option)) => (Some(stages::stage(stage)?.name()), option),
            None => (None, name),
        };
        let mut targets: Vec<&mut Params> = self
            .choices
            .iter_mut()
            .flat_map(|c| c.stages.iter_mut())
            .filter(|s| stage.is_none_or(|name| s.spec().name() == name))
            .collect();
        let Some(first) = targets.first() else {
            return Err(Invalid::InvalidProxySpec {
                spec: self.to_string(),
                reason: format!(
                    "it has no `{}` stage to set `{option}` on",
                    stage.unwrap_or("")
                ),
            });
        };
        let takes = |p: &Params| p.spec().params().iter().any(|s| s.name() == option);
        if !targets.iter().any(|p| takes(p)) {
            // Nobody takes it: the first stage's error names its options and the closest one.
            return Params::clone(first).set(option, value);
        }
        for params in targets.iter_mut().filter(|p| takes(p)) {
            params.set(option, value)?;
        }
        Ok(())
    }

    /// The first stage of the first choice: what a single-stage behavior is (`delay`), and
    /// what names a stack or mix.
    pub fn first_stage(&self) -> &Params {
        &self.choices[0].stages[0]
    }

    /// Whether the proxy closes its listener: the behavior is `down` and nothing else.
    pub fn is_down(&self) -> bool {
        self.choices.len() == 1 && self.choices[0].stages.len() == 1 && is_down(self.first_stage())
    }

    /// The weighted choices, in the order written.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// What the behavior wants of the listening socket: `down` refuses, anything else accepts.
    pub fn disposition(&self) -> Disposition {
        if self.is_down() {
            Disposition::Refuse
        } else {
            Disposition::Accept
        }
    }
}

impl fmt::Display for Mix {
    /// As parsed: `delay(sleep=2)`, `latency(latency=100)+bandwidth`, `20:delay,80:dummy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let weighted = self.choices.len() > 1;
        for (i, choice) in self.choices.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if weighted {
                write!(f, "{}:", choice.weight)?;
            }
            for (j, stage) in choice.stages.iter().enumerate() {
                if j > 0 {
                    f.write_str("+")?;
                }
                stage.fmt(f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for spec in ["dummy", "latency+bandwidth", "20:delay,80:dummy"] {
            assert_eq!(Mix::parse(spec).unwrap().to_string(), spec);
        }
        let mut relay = Mix::parse("20:delay,80:dummy").unwrap();
        relay.set("delay.sleep", "0.5").unwrap();
        assert_eq!(relay.to_string(), "20:delay(sleep=0.5),80:dummy");
        let mut relay = Mix::parse("latency").unwrap();
        relay.set("latency", "100").unwrap();
        assert_eq!(relay.to_string(), "latency(latency=100)");
    }

    #[test]
    fn stacked_parts_keep_their_own_options_and_nothing_is_dummy() {
        let mut slow = Mix::parse("latency").unwrap();
        slow.set("latency", "100").unwrap();
        let mut slower = Mix::parse("latency").unwrap();
        slower.set("latency", "200").unwrap();
        let stack = Mix::stacked(vec![slow, slower, Mix::parse("delay").unwrap()]).unwrap();
        assert_eq!(
            stack.to_string(),
            "latency(latency=100)+latency(latency=200)+delay"
        );
        assert_eq!(Mix::stacked(Vec::new()).unwrap().to_string(), "dummy");
        for bad in ["20:delay,80:dummy", "down"] {
            let parts = vec![Mix::parse("latency").unwrap(), Mix::parse(bad).unwrap()];
            assert!(Mix::stacked(parts).is_err(), "{bad}");
        }
        assert!(
            Mix::stacked(vec![Mix::parse("down").unwrap()])
                .unwrap()
                .is_down()
        );
    }

    #[test]
    fn bad_specs_and_options_name_the_fix() {
        for (spec, needle) in [
            ("20:delay,80", "needs a weight"),
            ("x:delay", "whole numbers"),
            ("0:delay", "above 0"),
            ("dumy", "did you mean `dummy`?"),
            ("down+latency", "stands alone"),
            ("50:down,50:dummy", "stands alone"),
        ] {
            let error = Mix::parse(spec).unwrap_err().to_string();
            assert!(error.contains(needle), "{spec}: {error}");
        }
        let mut relay = Mix::parse("delay").unwrap();
        let error = relay.set("slep", "1").unwrap_err().to_string();
        assert!(error.contains("did you mean `sleep`?"), "{error}");
        let error = relay.set("sleep", "abc").unwrap_err().to_string();
        assert!(error.contains("sleep"), "{error}");
    }
}
