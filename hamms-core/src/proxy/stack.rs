//! The stack of stages drawn for one connection (tcp) or request (http), and what the relays ask
//! of it.

use std::time::Duration;

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;

use super::state::ProxyState;
use crate::mix::Mix;
use crate::params::Params;
use crate::stages::is_toxic;

/// Sleeps for `after`, or forever.
pub(super) async fn sleep_if(after: Option<Duration>) {
    match after {
        Some(after) => tokio::time::sleep(after).await,
        None => std::future::pending().await,
    }
}

/// Draws the stack for one connection (tcp) or request (http), and rolls each toxic's
/// toxicity: the stages that apply.
pub(super) fn pick(mix: &Mix, rng: &mut Xoshiro256PlusPlus) -> Vec<Params> {
    let choices = mix.choices();
    let total: u64 = choices.iter().map(|c| u64::from(c.weight)).sum();
    let mut ticket = rng.random_range(0..total);
    let choice = choices
        .iter()
        .find(|c| {
            let hit = ticket < u64::from(c.weight);
            ticket = ticket.saturating_sub(u64::from(c.weight));
            hit
        })
        .unwrap_or(&choices[0]);
    choice
        .stages
        .iter()
        .filter(|stage| !is_toxic(stage.mode()) || rng.random_bool(stage.float("toxicity")))
        .cloned()
        .collect()
}

/// The stage `name` among the drawn stages, if any.
pub(super) fn stage<'a>(stack: &'a [Params], name: &str) -> Option<&'a Params> {
    stack.iter().find(|s| s.mode().name() == name)
}

pub(super) fn has(stack: &[Params], name: &str) -> bool {
    stage(stack, name).is_some()
}

/// What Vaurien's per-call behaviors make of one call (a client's read for tcp, a request for
/// http).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// Relay it.
    Pass,
    /// Answer an error instead (`error` past its warmup, `transient` while agitated).
    Fail,
}

impl Call {
    /// Counts one call of the proxy and decides it.
    pub(super) fn decide(state: &ProxyState, stack: &[Params]) -> Call {
        let seen = state.count_call();
        let agitated = stage(stack, "transient").is_some_and(|s| seen < s.int("agitate"));
        let erring =
            stage(stack, "error").is_some_and(|s| !s.flag("inject") && seen >= s.int("warmup"));
        if agitated || erring {
            Call::Fail
        } else {
            Call::Pass
        }
    }
}

/// The shortest `timeout` of the `name` stages drawn, if any: when a connection-level toxic acts.
pub(super) fn timer(stack: &[Params], name: &str) -> Option<Duration> {
    stack
        .iter()
        .filter(|s| s.mode().name() == name)
        .map(|s| s.duration("timeout"))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mixes_follow_their_weights_and_toxicity_zero_never_applies() {
        let mix = Mix::parse("20:delay,80:dummy").unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let delays = (0..1000)
            .filter(|_| pick(&mix, &mut rng)[0].mode().name() == "delay")
            .count();
        assert!((120..280).contains(&delays), "{delays}");
        let mut never = Mix::parse("reset_peer").unwrap();
        never.set("toxicity", "0").unwrap();
        assert!((0..1000).all(|_| pick(&never, &mut rng).is_empty()));
    }
}
