//! Which stages a connection is under: drawn from the proxy's mix, once per connection for each
//! behavior it meets.
//!
//! Design note: a mix (`20:delay,80:dummy`) and each toxic's `toxicity` are random draws from the
//! server's seeded sequence. A connection draws when it opens, and again when the behavior
//! changes while it is open (at the change, whichever of its two directions notices first); both
//! directions then act on the same draw, and a direction that keeps its stage keeps its state.

use std::sync::{Arc, Mutex};

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;
use tokio::time::Instant;

use crate::Behavior;
use crate::connection::Shared;
use crate::engine::Mix;
use crate::engine::Stage;
use crate::engine::{Model, model};
use crate::history::Meter;
use crate::sync::lock;

/// The stages drawn for one connection under one behavior generation.
#[derive(Debug, Clone)]
pub(super) struct Draw {
    pub(super) generation: u64,
    /// When that behavior was put in force.
    pub(super) since: Instant,
    pub(super) stages: Arc<[Stage]>,
}

/// A connection's current draw, shared by its two directions.
#[derive(Debug, Default)]
pub(super) struct Rolls {
    current: Mutex<Option<Draw>>,
}

impl Rolls {
    /// The draw for the behavior now in force: the one already made for its generation, or a
    /// new one.
    pub(super) fn current(&self, shared: &Shared) -> Draw {
        let mut current = lock(&self.current);
        // The generation alone says whether the draw holds: the behavior itself (a copy) is
        // read only for a new draw.
        if let Some(draw) = current
            .as_ref()
            .filter(|d| d.generation == shared.generation())
        {
            return draw.clone();
        }
        let versioned = shared.versioned();
        let stages: Arc<[Stage]> = shared
            .random(None, |rng| {
                draw(&versioned.behavior, rng, shared.history.meter())
            })
            .into();
        let draw = Draw {
            generation: versioned.generation,
            since: versioned.since,
            stages,
        };
        *current = Some(draw.clone());
        draw
    }
}

/// Draws the stack for one connection (tcp) or request (http): a choice of the mix by weight,
/// then each toxic of it by its toxicity; `meter` counts the stages applied. A behavior that is
/// not a proxy's draws nothing.
pub(super) fn draw(behavior: &Behavior, rng: &mut Xoshiro256PlusPlus, meter: &Meter) -> Vec<Stage> {
    match model(behavior) {
        Model::Proxy(mix) => draw_mix(mix, rng, meter),
        Model::Mode(_) => Vec::new(),
    }
}

/// [`draw`] from a proxy's mix.
pub(super) fn draw_mix(mix: &Mix, rng: &mut Xoshiro256PlusPlus, meter: &Meter) -> Vec<Stage> {
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
        .filter_map(|params| {
            let stage = Stage::of(params);
            let applies = stage.toxic().is_none_or(|t| rng.random_bool(t.toxicity));
            applies.then(|| {
                meter.stage_applied(params.spec());
                stage
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mixes_follow_their_weights_and_toxicity_zero_never_applies() {
        let mix = Behavior::proxy("20:delay,80:dummy").unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let meter = Meter::default();
        let delays = (0..1000)
            .filter(|_| matches!(draw(&mix, &mut rng, &meter)[0], Stage::Delay { .. }))
            .count();
        let applied = meter.read().stages_applied;
        assert!(applied.contains(&("delay", delays as u64)), "{applied:?}");
        assert!(
            applied.contains(&("dummy", 1000 - delays as u64)),
            "{applied:?}"
        );
        assert!((120..280).contains(&delays), "{delays}");
        let never = Behavior::proxy("reset_peer")
            .unwrap()
            .param("toxicity", 0)
            .unwrap();
        assert!((0..1000).all(|_| draw(&never, &mut rng, &meter).is_empty()));
    }
}
