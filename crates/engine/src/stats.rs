//! 1 Hz stats and health: fps, drops, bitrate, queue level per output; encoder fps and render
//! lag overall. Thresholds follow PRISM: a warning over 1% dropped, an error over 5%.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::events::{Health, OutputState, OutputStats, ProgramStats};
use crate::outputs::OutputKind;
use crate::program::Program;

/// Seconds of history that drop percentages are computed over.
const WINDOW: usize = 5;
const WARN_PERCENT: f64 = 1.0;
const ERROR_PERCENT: f64 = 5.0;

/// One output's counters at one tick.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    frames_in: u64,
    frames_out: u64,
    dropped: u64,
    bytes: u64,
}

/// Turns counters into per-second figures.
pub(crate) struct StatsMeter {
    history: HashMap<(String, u64), VecDeque<Sample>>,
    last_encoded: u64,
    last_program: u64,
    last_tick: Instant,
}

impl StatsMeter {
    pub(crate) fn new() -> StatsMeter {
        StatsMeter { history: HashMap::new(), last_encoded: 0, last_program: 0, last_tick: Instant::now() }
    }

    /// Measures everything since the last call. `state_of` gives each output's state.
    pub(crate) fn measure(
        &mut self,
        program: &Program,
        uptime_s: f64,
        on_air: bool,
        state_of: impl Fn(&str) -> OutputState,
    ) -> ProgramStats {
        let elapsed = self.last_tick.elapsed().as_secs_f64().max(1e-3);
        self.last_tick = Instant::now();
        let encoded = program.encoded.frames.load(Ordering::Relaxed);
        let encoder_fps = encoded.saturating_sub(self.last_encoded) as f64 / elapsed;
        self.last_encoded = encoded;
        let frames = program.program_frames.load(Ordering::Relaxed);
        let program_fps = frames.saturating_sub(self.last_program) as f64 / elapsed;
        self.last_program = frames;
        let target_kbps = program.video_kbps();
        let mut outputs = Vec::new();
        let mut seen = Vec::new();
        for output in &program.outputs {
            let key = (output.id.clone(), output.generation);
            seen.push(key.clone());
            let history = self.history.entry(key).or_default();
            let sample = Sample {
                frames_in: output.counters.frames_in.load(Ordering::Relaxed),
                frames_out: output.counters.frames_out.load(Ordering::Relaxed),
                dropped: output.dropped_frames(),
                bytes: output.counters.bytes_out.load(Ordering::Relaxed),
            };
            let previous = history.back().copied().unwrap_or_default();
            let oldest = history.front().copied().unwrap_or_default();
            history.push_back(sample);
            if history.len() > WINDOW {
                history.pop_front();
            }
            let offered = sample.frames_in.saturating_sub(oldest.frames_in);
            let dropped_recently = sample.dropped.saturating_sub(oldest.dropped);
            let dropped_percent = if offered == 0 { 0.0 } else { 100.0 * dropped_recently as f64 / offered as f64 };
            let window_s = (history.len() as f64).max(1.0);
            let sent_kbps = sample.bytes.saturating_sub(oldest.bytes) as f64 * 8.0 / 1000.0 / window_s;
            let state = state_of(&output.id);
            outputs.push(OutputStats {
                id: output.id.clone(),
                label: output.label(),
                health: health(&output.kind, &state, dropped_percent, sent_kbps, target_kbps),
                state,
                fps: sample.frames_out.saturating_sub(previous.frames_out) as f64 / elapsed,
                dropped_frames: sample.dropped,
                dropped_percent,
                bitrate_kbps: sample.bytes.saturating_sub(previous.bytes) as f64 * 8.0 / 1000.0 / elapsed,
                bytes_sent: sample.bytes,
                queued_ms: output.queued_ms(),
            });
        }
        self.history.retain(|key, _| seen.contains(key));
        ProgramStats {
            uptime_s,
            encoder_fps,
            program_fps,
            on_air,
            render_lag_ms: program.render_lag_ms(),
            scene: program.scene_id().to_owned(),
            camera_ok: program.camera_ok(),
            outputs,
        }
    }
}

/// The stats of a destination that has no connection right now.
pub(crate) fn idle_output(target: &crate::IngestTarget, state: OutputState) -> OutputStats {
    OutputStats {
        id: target.id.clone(),
        label: format!("{} ({})", target.id, target.url.redacted()),
        state,
        fps: 0.0,
        dropped_frames: 0,
        dropped_percent: 0.0,
        bitrate_kbps: 0.0,
        bytes_sent: 0,
        queued_ms: 0,
        health: Health::Good,
    }
}

/// Good, a warning or an error, with advice in plain words.
fn health(kind: &OutputKind, state: &OutputState, dropped_percent: f64, sent_kbps: f64, target_kbps: u32) -> Health {
    if *state != OutputState::Live || dropped_percent <= WARN_PERCENT {
        return Health::Good;
    }
    let advice = match kind {
        OutputKind::Destination(_) => {
            let suggestion = ((sent_kbps * 0.8 / 100.0).floor() * 100.0).max(300.0);
            format!(
                "upload too slow for {target_kbps} kbps: {dropped_percent:.1}% of frames dropped; lower the bitrate to {suggestion:.0} kbps or free up the network"
            )
        }
        OutputKind::Recording(_) => {
            format!("the disk cannot keep up: {dropped_percent:.1}% of frames dropped; record to a faster drive")
        }
    };
    if dropped_percent > ERROR_PERCENT {
        Health::Error { advice }
    } else {
        Health::Warning { advice }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> OutputKind {
        OutputKind::Destination(crate::IngestTarget::new(
            "main",
            show::Platform::Custom,
            crate::SecretUrl::new("rtmp://127.0.0.1/live/key"),
        ))
    }

    #[test]
    fn thresholds_follow_prism_with_advice() {
        let live = OutputState::Live;
        assert_eq!(health(&destination(), &live, 0.5, 5900.0, 6000), Health::Good);
        let Health::Warning { advice } = health(&destination(), &live, 2.0, 5000.0, 6000) else {
            panic!("expected a warning")
        };
        assert!(advice.starts_with("upload too slow for 6000 kbps"), "{advice}");
        assert!(advice.contains("lower the bitrate to 4000 kbps"), "{advice}");
        let Health::Error { advice } = health(&destination(), &live, 12.0, 2600.0, 6000) else {
            panic!("expected an error")
        };
        assert!(advice.contains("lower the bitrate to 2000 kbps"), "{advice}");
        let recording = OutputKind::Recording("/tmp/x.mp4".into());
        let Health::Error { advice } = health(&recording, &live, 9.0, 0.0, 6000) else { panic!("expected an error") };
        assert!(advice.contains("disk"), "{advice}");
        // Only a live output has a health to speak of.
        assert_eq!(health(&destination(), &OutputState::Connecting, 50.0, 0.0, 6000), Health::Good);
    }
}
