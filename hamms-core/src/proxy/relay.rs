//! [`Relay`]: what a proxy does, as a value: weighted choices of stacked stages.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;

use super::stages::{self, is_toxic};
use crate::error::Error;
use crate::params::Params;

/// A proxy behavior: one or more weighted choices (`20:delay,80:dummy`), each a stack of stages
/// (`latency+bandwidth`). A mix chooses per connection (tcp) or per request (http).
#[derive(Debug, Clone)]
pub(crate) struct Relay {
    choices: Vec<Choice>,
    /// Calls seen since this behavior was set: `transient` and `error`'s `warmup` count them, and
    /// a new behavior starts from zero.
    calls: Arc<AtomicU64>,
}

#[derive(Debug, Clone)]
struct Choice {
    weight: u32,
    stages: Vec<Params>,
}

impl Relay {
    /// Parses `delay`, `latency+bandwidth` or `20:delay,80:dummy`.
    pub(crate) fn parse(spec: &str) -> Result<Relay, Error> {
        let invalid = |reason: &str| Error::InvalidProxySpec {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
        let weighted = parts.len() > 1 || parts[0].contains(':');
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
            let stages = stack
                .split('+')
                .map(|name| stages::stage(name.trim()).map(Params::defaults))
                .collect::<Result<Vec<_>, _>>()?;
            choices.push(Choice { weight, stages });
        }
        if choices.iter().all(|c| c.weight == 0) {
            return Err(invalid("at least one weight must be above 0"));
        }
        let stages = choices.iter().map(|c| c.stages.len()).sum::<usize>();
        let down = choices
            .iter()
            .flat_map(|c| &c.stages)
            .any(|s| s.mode().name() == "down");
        if down && stages > 1 {
            return Err(invalid(
                "`down` closes the proxy's listener, so it stands alone: it cannot be stacked or mixed",
            ));
        }
        Ok(Relay {
            choices,
            calls: Arc::default(),
        })
    }

    /// Sets an option: `sleep` on every stage that takes it, or `delay.sleep` on the `delay`
    /// stages only.
    pub(crate) fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let (stage, option) = match name.split_once('.') {
            Some((stage, option)) => (Some(stages::stage(stage)?.name()), option),
            None => (None, name),
        };
        let mut targets: Vec<&mut Params> = self
            .choices
            .iter_mut()
            .flat_map(|c| c.stages.iter_mut())
            .filter(|s| stage.is_none_or(|name| s.mode().name() == name))
            .collect();
        let Some(first) = targets.first() else {
            return Err(Error::InvalidProxySpec {
                spec: self.to_string(),
                reason: format!(
                    "it has no `{}` stage to set `{option}` on",
                    stage.unwrap_or("")
                ),
            });
        };
        let takes = |p: &Params| p.mode().params().iter().any(|s| s.name() == option);
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
    pub(crate) fn first_stage(&self) -> &Params {
        &self.choices[0].stages[0]
    }

    /// Whether the proxy closes its listener: the behavior is `down` and nothing else.
    pub(crate) fn is_down(&self) -> bool {
        self.choices.len() == 1
            && self.choices[0].stages.len() == 1
            && self.first_stage().mode().name() == "down"
    }

    /// Draws the stack for one connection (tcp) or request (http), and rolls each toxic's
    /// toxicity: the stages that apply.
    pub(crate) fn pick(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<Params> {
        let total: u64 = self.choices.iter().map(|c| u64::from(c.weight)).sum();
        let mut ticket = rng.random_range(0..total);
        let choice = self
            .choices
            .iter()
            .find(|c| {
                let hit = ticket < u64::from(c.weight);
                ticket = ticket.saturating_sub(u64::from(c.weight));
                hit
            })
            .unwrap_or(&self.choices[0]);
        choice
            .stages
            .iter()
            .filter(|stage| !is_toxic(stage.mode()) || rng.random_bool(stage.float("toxicity")))
            .cloned()
            .collect()
    }

    /// The same relay with a call counter of its own, at zero.
    pub(crate) fn counting_afresh(self) -> Relay {
        Relay {
            calls: Arc::default(),
            ..self
        }
    }

    /// How many calls were counted since this behavior was set.
    pub(crate) fn calls_seen(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Counts one call and returns how many came before it.
    pub(crate) fn count_call(&self) -> u64 {
        self.calls.fetch_add(1, Ordering::Relaxed)
    }
}

impl fmt::Display for Relay {
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
    use rand::SeedableRng;

    #[test]
    fn specs_parse_and_print_back() {
        for spec in ["dummy", "latency+bandwidth", "20:delay,80:dummy"] {
            assert_eq!(Relay::parse(spec).unwrap().to_string(), spec);
        }
        let mut relay = Relay::parse("20:delay,80:dummy").unwrap();
        relay.set("delay.sleep", "0.5").unwrap();
        assert_eq!(relay.to_string(), "20:delay(sleep=0.5),80:dummy");
        let mut relay = Relay::parse("latency").unwrap();
        relay.set("latency", "100").unwrap();
        assert_eq!(relay.to_string(), "latency(latency=100)");
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
            let error = Relay::parse(spec).unwrap_err().to_string();
            assert!(error.contains(needle), "{spec}: {error}");
        }
        let mut relay = Relay::parse("delay").unwrap();
        let error = relay.set("slep", "1").unwrap_err().to_string();
        assert!(error.contains("did you mean `sleep`?"), "{error}");
        let error = relay.set("sleep", "abc").unwrap_err().to_string();
        assert!(error.contains("sleep"), "{error}");
    }

    #[test]
    fn mixes_follow_their_weights_and_toxicity_zero_never_applies() {
        let relay = Relay::parse("20:delay,80:dummy").unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let delays = (0..1000)
            .filter(|_| relay.pick(&mut rng)[0].mode().name() == "delay")
            .count();
        assert!((120..280).contains(&delays), "{delays}");
        let mut never = Relay::parse("reset_peer").unwrap();
        never.set("toxicity", "0").unwrap();
        assert!((0..1000).all(|_| never.pick(&mut rng).is_empty()));
    }
}
