//! A source's gain in the mix: its volume (and mute), and the ducking under another source,
//! applied to its samples with a ramp, so no change ever clicks.
//!
//! The gain is applied in a probe on the meter's sink pad, so the meter reads the source
//! after its volume. Within a buffer the gain moves in a straight line from where the last
//! buffer left it; a volume change takes [`RAMP`], a duck takes its attack or release.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gst::prelude::*;

/// How long a change of volume or mute takes to reach its level.
pub const RAMP: Duration = Duration::from_millis(30);
const RATE: f64 = 48_000.0;

/// The gain of one source, shared by the probe and whoever changes it.
#[derive(Default)]
pub(crate) struct Gain {
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// The volume (0 when muted), linear, and whether the source is heard at all (a media
    /// layer's sound while the layer is off air is not).
    volume: f64,
    heard: bool,
    /// Where the gain goes (the volume, or 0 when not heard), and where it is.
    target: f64,
    now: f64,
    /// The duck, in dB (0 or −by_db): where it goes, where it is, and how fast (dB a second).
    duck_target_db: f64,
    duck_db: f64,
    attack_db_s: f64,
    release_db_s: f64,
}

impl Default for State {
    fn default() -> State {
        State {
            volume: 1.0,
            heard: true,
            target: 1.0,
            now: 1.0,
            duck_target_db: 0.0,
            duck_db: 0.0,
            attack_db_s: 1.0,
            release_db_s: 1.0,
        }
    }
}

/// A level in dB as a linear factor.
pub(crate) fn linear(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

impl Gain {
    /// A gain starting at `volume_db` (or muted), with nothing ducked.
    pub(crate) fn new(volume_db: f64, muted: bool) -> Arc<Gain> {
        let level = if muted { 0.0 } else { linear(volume_db) };
        let gain = Gain::default();
        {
            let mut state = gain.lock();
            state.volume = level;
            state.target = level;
            state.now = level;
        }
        Arc::new(gain)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the volume to `volume_db` (or to nothing, muted) over [`RAMP`].
    pub(crate) fn set(&self, volume_db: f64, muted: bool) {
        let mut state = self.lock();
        state.volume = if muted { 0.0 } else { linear(volume_db) };
        state.target = if state.heard { state.volume } else { 0.0 };
    }

    /// Lets the source be heard (at its volume) or not, over [`RAMP`].
    pub(crate) fn set_heard(&self, heard: bool) {
        let mut state = self.lock();
        state.heard = heard;
        state.target = if heard { state.volume } else { 0.0 };
    }

    /// How this source ducks: down by `by_db` in `attack`, back in `release`.
    pub(crate) fn set_duck_speed(&self, by_db: f64, attack: Duration, release: Duration) {
        let mut state = self.lock();
        state.attack_db_s = by_db / attack.as_secs_f64().max(0.001);
        state.release_db_s = by_db / release.as_secs_f64().max(0.001);
    }

    /// Ducks the source down to `db` (negative), or back to 0.
    pub(crate) fn duck_to(&self, db: f64) {
        self.lock().duck_target_db = db;
    }

    /// The factor at the end of `samples` samples from now, moving the state there.
    fn advance(&self, samples: usize) -> (f64, f64) {
        let mut state = self.lock();
        let seconds = samples as f64 / RATE;
        let start = state.now * linear(state.duck_db);
        let step = seconds / RAMP.as_secs_f64();
        let delta = state.target - state.now;
        state.now = if delta.abs() <= step { state.target } else { state.now + step * delta.signum() };
        let duck_delta = state.duck_target_db - state.duck_db;
        let speed = if duck_delta < 0.0 { state.attack_db_s } else { state.release_db_s };
        let duck_step = speed * seconds;
        state.duck_db = if duck_delta.abs() <= duck_step {
            state.duck_target_db
        } else {
            state.duck_db + duck_step * duck_delta.signum()
        };
        (start, state.now * linear(state.duck_db))
    }

    /// Applies the gain to every buffer through `pad` (F32 interleaved stereo).
    pub(crate) fn apply_on(self: &Arc<Gain>, pad: &gst::Pad) {
        let gain = Arc::clone(self);
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let Some(buffer) = info.buffer_mut() else { return gst::PadProbeReturn::Ok };
            let samples = buffer.size() / 8;
            let (from, to) = gain.advance(samples);
            if from == 1.0 && to == 1.0 {
                return gst::PadProbeReturn::Ok;
            }
            let Ok(mut map) = buffer.make_mut().map_writable() else { return gst::PadProbeReturn::Ok };
            let data = map.as_mut_slice();
            let frames = data.len() / 8;
            for (i, frame) in data.chunks_exact_mut(8).enumerate() {
                let factor = (from + (to - from) * (i as f64 / frames.max(1) as f64)) as f32;
                for sample in frame.chunks_exact_mut(4) {
                    let value = f32::from_le_bytes([sample[0], sample[1], sample[2], sample[3]]) * factor;
                    sample.copy_from_slice(&value.to_le_bytes());
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_ramps_and_a_duck_follows_its_attack_and_release() {
        let gain = Gain::new(0.0, false);
        gain.set(0.0, true);
        // 10 ms buffers: a third of the way down after one.
        let (from, to) = gain.advance(480);
        assert!((from - 1.0).abs() < 1e-9 && (to - 2.0 / 3.0).abs() < 1e-6, "{from} {to}");
        gain.advance(960);
        assert_eq!(gain.advance(480), (0.0, 0.0));

        let gain = Gain::new(0.0, false);
        gain.set_duck_speed(12.0, Duration::from_millis(100), Duration::from_millis(600));
        gain.duck_to(-12.0);
        for _ in 0..10 {
            gain.advance(480);
        }
        let (_, at) = gain.advance(480);
        assert!((20.0 * at.log10() + 12.0).abs() < 1e-6, "ducked by 12 dB after the attack: {at}");
        gain.duck_to(0.0);
        for _ in 0..30 {
            gain.advance(480);
        }
        let (_, half) = gain.advance(0);
        assert!((20.0 * half.log10() + 6.0).abs() < 0.01, "half way back after half the release: {half}");
    }

    #[test]
    fn a_source_not_heard_stays_silent_through_volume_changes_and_returns_at_its_volume() {
        let gain = Gain::new(0.0, false);
        gain.set_heard(false);
        gain.advance(48_000);
        gain.set(-6.0, false);
        assert_eq!(gain.advance(480), (0.0, 0.0), "not heard, whatever its volume");
        gain.set_heard(true);
        gain.advance(48_000);
        let (_, now) = gain.advance(0);
        assert!((20.0 * now.log10() + 6.0).abs() < 1e-6, "back at its volume: {now}");
    }
}
