//! Ducking: a source that says `"duck": {"under": "mic", ...}` goes down by `by_db` while
//! the source it names is above its threshold (its meter, after its volume), and comes back
//! once that source is quiet. The meters' messages drive it (20 a second); the gain stage
//! makes the move smooth, over the attack going down and the release coming back.

use std::sync::Arc;
use std::time::Duration;

use crate::audio::gain::Gain;

/// One source ducked under another, by index into the mix.
pub(crate) struct Duck {
    pub under: usize,
    threshold_db: f64,
    by_db: f64,
    gain: Arc<Gain>,
}

impl Duck {
    /// The rules of the mix `inputs`, each with the gain it moves.
    pub(crate) fn rules(inputs: &[show::AudioInput], gains: &[Arc<Gain>]) -> Vec<Duck> {
        let mut rules = Vec::new();
        for (ducked, input) in inputs.iter().enumerate() {
            let Some(duck) = &input.duck else { continue };
            let Some(under) = inputs.iter().position(|other| other.id == duck.under) else { continue };
            let gain = Arc::clone(&gains[ducked]);
            gain.set_duck_speed(
                duck.by_db,
                Duration::from_millis(u64::from(duck.attack_ms)),
                Duration::from_millis(u64::from(duck.release_ms)),
            );
            rules.push(Duck { under, threshold_db: duck.threshold_db, by_db: duck.by_db, gain });
        }
        rules
    }

    /// The source this rule listens to measured `rms_db`: duck or come back.
    pub(crate) fn heard(&self, rms_db: f64) {
        self.gain.duck_to(if rms_db > self.threshold_db { -self.by_db } else { 0.0 });
    }

    /// The source this rule listens to went silent (lost, or no meter reading).
    pub(crate) fn quiet(&self) {
        self.gain.duck_to(0.0);
    }
}
