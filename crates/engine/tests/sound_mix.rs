//! The sound of the show, checked on the stream pulled back from a real nginx-rtmp: the mix
//! of a tone and a file at their levels, live changes (mute, unmute, volume) with one
//! unbroken connection, the meters against the stream, the sync offset, ducking, noise
//! suppression and a microphone that fails mid-show.
//!
//! Each change is made at the instant a marker frame (a white colour layer) goes on air, so
//! the stream itself says when it happened.

// A test stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod sound;
#[path = "../../../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::{AudioLevels, Engine, EngineEvent, IngestTarget, OutputState, Outputs, SecretUrl};
use show::AudioChange;
use sound::*;
use support::{num, probe, pull, Nginx};

const FPS: f64 = 25.0;

fn show(dir: &Path, sources: serde_json::Value) -> show::Show {
    let json = serde_json::json!({
        "canvas": { "width": 320, "height": 180, "fps": FPS as u32 },
        "audio": { "sources": sources },
        // A live camera (the test pattern) paces the picture, as in a real show.
        "scenes": [{ "id": "main", "layers": [
            { "id": "cam", "kind": "camera", "device": "test" },
            { "id": "flash", "kind": "color", "color": "#FFFFFF", "visible": false }
        ]}]
    });
    show::Show::parse(&json.to_string(), dir).unwrap()
}

/// What the engine said, as it said it.
#[derive(Clone, Default)]
struct Heard {
    levels: Arc<Mutex<Vec<(Instant, AudioLevels)>>>,
    notices: Arc<Mutex<Vec<String>>>,
    reconnects: Arc<Mutex<Vec<String>>>,
}

impl Heard {
    /// Waits for `id` to go live, then keeps listening on its own thread.
    fn listen(events: Receiver<EngineEvent>, id: &str) -> Heard {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "{id} never went live");
            match events.recv_timeout(Duration::from_millis(200)) {
                Ok(EngineEvent::Output { id: got, state }) => {
                    assert!(!matches!(state, OutputState::Failed { .. }), "{got} failed: {state:?}");
                    if got == id && state == OutputState::Live {
                        break;
                    }
                }
                Ok(EngineEvent::Notice { message }) => eprintln!("notice: {message}"),
                Ok(EngineEvent::State(state)) => eprintln!("state: {state:?}"),
                _ => {}
            }
        }
        let heard = Heard::default();
        let sink = heard.clone();
        std::thread::spawn(move || {
            for event in events {
                match event {
                    EngineEvent::AudioLevels(levels) => sink.levels.lock().unwrap().push((Instant::now(), levels)),
                    EngineEvent::Notice { message } => {
                        eprintln!("notice: {message}");
                        sink.notices.lock().unwrap().push(message)
                    }
                    EngineEvent::Output {
                        id,
                        state: state @ (OutputState::Reconnecting { .. } | OutputState::Failed { .. }),
                    } => sink.reconnects.lock().unwrap().push(format!("{id}: {state:?}")),
                    EngineEvent::State(engine::EngineState::Failed { reason }) => {
                        sink.reconnects.lock().unwrap().push(format!("program failed: {reason}"))
                    }
                    _ => {}
                }
            }
        });
        heard
    }

    /// The mean peak of source `id` (`master`) over the meter reports between two instants.
    fn mean_peak(&self, id: &str, from: Instant, to: Instant) -> f64 {
        let levels = self.levels.lock().unwrap();
        let peaks: Vec<f64> =
            levels
                .iter()
                .filter(|(at, _)| *at >= from && *at <= to)
                .map(|(_, l)| {
                    if id == "master" {
                        l.master.peak_db
                    } else {
                        l.sources.iter().find(|s| s.id == id).unwrap().peak_db
                    }
                })
                .collect();
        assert!(!peaks.is_empty(), "no meter report between the two instants");
        peaks.iter().sum::<f64>() / peaks.len() as f64
    }
}

/// The show on air at a fresh nginx, pulled for `seconds`: the engine, what it says, the
/// puller and the pulled file.
struct OnAir {
    engine: Engine,
    heard: Heard,
    puller: std::process::Child,
    pulled: std::path::PathBuf,
    _nginx: Nginx,
}

fn on_air(dir: &Path, show: show::Show, seconds: u32) -> OnAir {
    let nginx = Nginx::start();
    let url = nginx.url("live", "sound");
    let target = IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()));
    let (engine, events) =
        Engine::start(show, Outputs { destinations: vec![target], recording: None, preview: false }).unwrap();
    let heard = Heard::listen(events, "main");
    let pulled = dir.join("pulled.flv");
    let puller = pull(&url, seconds, &pulled);
    OnAir { engine, heard, puller, pulled, _nginx: nginx }
}

impl OnAir {
    /// Puts the marker on (or off) air and makes a change at the same instant.
    fn at_marker(&self, on: bool, change: impl FnOnce(&Engine)) -> Instant {
        self.engine.set_layer_visible("flash", on).unwrap();
        change(&self.engine);
        Instant::now()
    }

    /// Waits for the pull, stops the show, and checks that the connection never broke.
    fn finish(mut self, seconds: u32) -> (std::path::PathBuf, Heard) {
        assert!(self.puller.wait().unwrap().success(), "pulling the stream failed");
        self.engine.stop(Duration::from_secs(5));
        let duration = num(&probe(&self.pulled)["format"]["duration"]);
        assert!(duration > f64::from(seconds) - 1.0, "the stream broke off after {duration} s");
        let broken = self.heard.reconnects.lock().unwrap().clone();
        assert!(broken.is_empty(), "the connection did not hold: {broken:?}");
        (self.pulled, self.heard)
    }
}

fn set(engine: &Engine, id: &str, change: AudioChange) {
    engine.set_audio(id, &change).unwrap();
}

fn max_between(band: &[(f64, f64)], from: f64, to: f64) -> f64 {
    band.iter().filter(|(t, _)| *t >= from && *t <= to).map(|(_, l)| *l).fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn the_mix_holds_both_sources_at_their_levels_and_changes_live_on_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    wav(&dir.path().join("khz.wav"), "sin(2*PI*1000*t)", 10);
    let show = show(
        dir.path(),
        serde_json::json!([
            { "id": "tone", "kind": "tone", "frequency": 440, "volume_db": -12 },
            { "id": "music", "kind": "file", "path": "khz.wav", "volume_db": -12 }
        ]),
    );
    let air = on_air(dir.path(), show, 16);
    std::thread::sleep(Duration::from_secs(4));
    let before_mute = Instant::now();
    air.at_marker(true, |e| set(e, "tone", AudioChange { muted: Some(true), ..Default::default() }));
    std::thread::sleep(Duration::from_millis(2500));
    air.at_marker(false, |e| set(e, "tone", AudioChange { muted: Some(false), ..Default::default() }));
    std::thread::sleep(Duration::from_millis(2500));
    air.at_marker(true, |e| set(e, "music", AudioChange { volume_db: Some(-18.0), ..Default::default() }));
    let (pulled, heard) = air.finish(16);

    let sound = decode(&pulled);
    let (a4, khz) = (sound.band(440.0), sound.band(1000.0));
    let muted_at = marker(&pulled, FPS, 0.0, true).expect("the first marker");
    let unmuted_at = marker(&pulled, FPS, muted_at, false).expect("the end of the first marker");
    let turned_at = marker(&pulled, FPS, unmuted_at, true).expect("the second marker");
    let end = sound.start + sound.samples.len() as f64 / RATE;
    eprintln!("markers {muted_at} {unmuted_at} {turned_at}, sound from {} to {end}", sound.start);

    // The mix: both at −12 dBFS (±1.5 dB).
    let (tone, music) =
        (level_between(&a4, muted_at - 2.5, muted_at - 0.3), level_between(&khz, muted_at - 2.5, muted_at - 0.3));
    eprintln!("mix: 440 Hz {tone:.2} dBFS, 1 kHz {music:.2} dBFS");
    assert!((tone + 12.0).abs() <= 1.5, "the tone is at {tone:.2} dBFS, not −12");
    assert!((music + 12.0).abs() <= 1.5, "the file is at {music:.2} dBFS, not −12");

    // Mute: ≥ 40 dB down within 0.5 s, the 1 kHz band unmoved.
    let half_second = level_at(&a4, muted_at + 0.5);
    let muted = max_between(&a4, muted_at + 0.5, unmuted_at - 0.2);
    eprintln!("mute: 440 Hz {half_second:.1} dBFS 0.5 s after, at most {muted:.1} while muted");
    assert!(muted <= tone - 40.0 && half_second <= tone - 40.0, "the mute took the tone only to {muted:.1} dBFS");
    let music_muted = level_between(&khz, muted_at + 0.3, unmuted_at - 0.2);
    assert!((music_muted - music).abs() <= 0.5, "the 1 kHz band moved with the mute: {music_muted:.2}");

    // Unmute brings it back.
    let back = level_between(&a4, unmuted_at + 0.5, turned_at - 0.2);
    assert!((back - tone).abs() <= 1.0, "the tone came back at {back:.2} dBFS, not {tone:.2}");

    // Volume −6 on the file: its band 6 ± 1 dB down.
    let lower = level_between(&khz, turned_at + 0.5, end - 0.3);
    let drop = music - lower;
    eprintln!("volume: 1 kHz down {drop:.2} dB");
    assert!((drop - 6.0).abs() <= 1.0, "the file went down {drop:.2} dB, not 6");

    // The meters agree with the stream (within 2 dB).
    let meter_from = before_mute - Duration::from_millis(2500);
    let (meter_tone, meter_music) =
        (heard.mean_peak("tone", meter_from, before_mute), heard.mean_peak("music", meter_from, before_mute));
    eprintln!("meters: tone {meter_tone:.2}, music {meter_music:.2}");
    assert!((meter_tone - tone).abs() <= 2.0, "the tone's meter reads {meter_tone:.2}, the stream {tone:.2}");
    assert!((meter_music - music).abs() <= 2.0, "the file's meter reads {meter_music:.2}, the stream {music:.2}");
    let master = heard.mean_peak("master", meter_from, before_mute);
    assert!(master > tone && master < -3.0, "the master peaks at {master:.2} dBFS");
}

/// The moment a band first rises above −30 dBFS after `from`, measured on 10 ms blocks.
fn onset(sound: &Sound, frequency: f64, from: f64) -> f64 {
    let band = sound.band_with(frequency, 480);
    crossing(&band, from, -30.0, true).unwrap_or_else(|| panic!("{frequency} Hz never sounded after {from:.2} s"))
}

#[test]
fn a_sync_offset_of_200_ms_plays_the_source_200_ms_later_against_the_marker() {
    let dir = tempfile::tempdir().unwrap();
    let show = show(
        dir.path(),
        serde_json::json!([
            { "id": "late", "kind": "tone", "frequency": 440, "volume_db": -12, "muted": true, "sync_offset_ms": 200 },
            { "id": "on-time", "kind": "tone", "frequency": 1000, "volume_db": -12, "muted": true }
        ]),
    );
    let air = on_air(dir.path(), show, 9);
    std::thread::sleep(Duration::from_secs(4));
    air.at_marker(true, |e| {
        set(e, "late", AudioChange { muted: Some(false), ..Default::default() });
        set(e, "on-time", AudioChange { muted: Some(false), ..Default::default() });
    });
    let (pulled, _) = air.finish(9);
    let sound = decode(&pulled);
    let flash = marker(&pulled, FPS, 0.0, true).expect("the marker");
    let (late, on_time) = (onset(&sound, 440.0, flash - 1.0), onset(&sound, 1000.0, flash - 1.0));
    let (late_ms, on_time_ms) = ((late - flash) * 1000.0, (on_time - flash) * 1000.0);
    eprintln!("against the marker: on time {on_time_ms:.0} ms, with the offset {late_ms:.0} ms");
    let moved = late_ms - on_time_ms;
    assert!((moved - 200.0).abs() <= 40.0, "the offset moved the source {moved:.0} ms, not 200 ± 40");
    assert!(on_time_ms.abs() <= 80.0, "a source with no offset is {on_time_ms:.0} ms off the picture");
}

#[test]
fn a_bed_ducks_under_a_voice_while_it_sounds_and_comes_back_after_the_release() {
    let dir = tempfile::tempdir().unwrap();
    wav(&dir.path().join("bed.wav"), "sin(2*PI*1000*t)", 10);
    let show = show(
        dir.path(),
        serde_json::json!([
            { "id": "voice", "kind": "tone", "frequency": 440, "volume_db": -12, "muted": true },
            { "id": "bed", "kind": "file", "path": "bed.wav", "volume_db": -12,
              "duck": { "under": "voice", "by_db": 12, "attack_ms": 100, "release_ms": 600 } }
        ]),
    );
    let air = on_air(dir.path(), show, 12);
    std::thread::sleep(Duration::from_secs(4));
    air.at_marker(true, |e| set(e, "voice", AudioChange { muted: Some(false), ..Default::default() }));
    std::thread::sleep(Duration::from_secs(3));
    air.at_marker(false, |e| set(e, "voice", AudioChange { muted: Some(true), ..Default::default() }));
    let (pulled, _) = air.finish(12);
    let sound = decode(&pulled);
    let bed = sound.band(1000.0);
    let on = marker(&pulled, FPS, 0.0, true).expect("the marker");
    let off = marker(&pulled, FPS, on, false).expect("the end of the marker");
    let before = level_between(&bed, on - 2.5, on - 0.3);
    let ducked = level_between(&bed, on + 0.4, off - 0.1);
    let after = level_between(&bed, off + 1.0, off + 2.5);
    eprintln!("bed: {before:.2} dBFS, {ducked:.2} under the voice, {after:.2} after the release");
    assert!(((before - ducked) - 12.0).abs() <= 2.0, "the bed ducked {:.2} dB, not 12 ± 2", before - ducked);
    assert!((after - before).abs() <= 1.5, "the bed came back at {after:.2} dBFS, not {before:.2}");
}

#[test]
fn a_microphone_that_fails_mid_show_reads_silence_and_comes_back_while_the_rest_plays_on() {
    let dir = tempfile::tempdir().unwrap();
    let show = show(
        dir.path(),
        serde_json::json!([
            { "id": "mic", "kind": "microphone", "device": "test" },
            { "id": "tone", "kind": "tone", "frequency": 440, "volume_db": -12 }
        ]),
    );
    let air = on_air(dir.path(), show, 14);
    std::thread::sleep(Duration::from_secs(4));
    let fault = air.at_marker(true, |e| e.inject_audio_fault("mic").unwrap());
    // The meters say it: the microphone silent, the tone at its level, then the microphone back.
    let deadline = fault + Duration::from_secs(12);
    let (mut silent, mut back) = (None, None);
    while Instant::now() < deadline && back.is_none() {
        std::thread::sleep(Duration::from_millis(100));
        let levels = air.heard.levels.lock().unwrap();
        for (at, report) in levels.iter().filter(|(at, _)| *at > fault) {
            let mic = report.sources.iter().find(|s| s.id == "mic").unwrap();
            let tone = report.sources.iter().find(|s| s.id == "tone").unwrap();
            if silent.is_none() && mic.peak_db <= -90.0 {
                assert!((tone.peak_db + 12.0).abs() <= 1.0, "the tone moved while the microphone was out: {tone:?}");
                silent = Some(*at);
            }
            if silent.is_some_and(|s| *at > s) && mic.peak_db > -22.0 {
                back = Some(*at);
            }
        }
    }
    let silent = silent.expect("the failed microphone never read silence");
    let back = back.expect("the microphone never came back");
    eprintln!(
        "microphone silent {:.0} ms after the fault, back {:.0} ms after",
        (silent - fault).as_secs_f64() * 1000.0,
        (back - fault).as_secs_f64() * 1000.0
    );
    let notices = air.heard.notices.lock().unwrap().clone();
    assert!(notices.iter().any(|n| n.contains("sound mic") && n.contains("failed")), "no notice: {notices:?}");
    assert!(notices.iter().any(|n| n.contains("sound mic") && n.contains("is back")), "no notice: {notices:?}");
    let (pulled, _) = air.finish(14);

    let sound = decode(&pulled);
    let (mic, tone) = (sound.band(engine::TEST_MICROPHONE.0), sound.band(440.0));
    let at = marker(&pulled, FPS, 0.0, true).expect("the marker");
    let end = sound.start + sound.samples.len() as f64 / RATE;
    let steady = level_between(&tone, at - 2.5, at - 0.3);
    let lowest = tone.iter().filter(|(t, _)| *t > at - 1.0 && *t < end - 0.3).map(|(_, l)| *l).fold(0.0, f64::min);
    // Within the ±1.5 dB the issue allows a level: a loaded machine has shown a 1.3 dB dip
    // here as the failed bin leaves the mixer (a known glitch, see docs/mixer.md).
    assert!(steady - lowest <= 1.5, "the tone dipped to {lowest:.2} dBFS (from {steady:.2}) during the fault");
    let mic_before = level_between(&mic, at - 2.5, at - 0.3);
    let mic_gone = tone_low_point(&mic, at, at + 3.0);
    let mic_after = level_between(&mic, end - 2.0, end - 0.3);
    eprintln!("microphone on the stream: {mic_before:.1}, {mic_gone:.1} when out, {mic_after:.1} after");
    assert!(mic_gone <= mic_before - 40.0, "the microphone's band only fell to {mic_gone:.1} dBFS");
    assert!((mic_after - mic_before).abs() <= 1.5, "the microphone came back at {mic_after:.1} dBFS");
}

/// The level the loudest fifth of the blocks between two times reach (a tone in syllables).
fn loudest(band: &[(f64, f64)], from: f64, to: f64) -> f64 {
    let mut levels: Vec<f64> = band.iter().filter(|(t, _)| *t >= from && *t <= to).map(|(_, l)| *l).collect();
    levels.sort_by(f64::total_cmp);
    levels[levels.len() * 4 / 5]
}

/// The longest stretch of `band` under `db` between two instants, in seconds.
fn longest_below(band: &[(f64, f64)], from: f64, to: f64, db: f64) -> f64 {
    let (mut longest, mut since) = (0.0f64, None);
    for (t, level) in band.iter().filter(|(t, _)| *t >= from && *t <= to) {
        match (level < &db, since) {
            (true, None) => since = Some(*t),
            (false, Some(start)) => {
                longest = longest.max(t - start);
                since = None;
            }
            _ => {}
        }
    }
    since.map_or(longest, |start| longest.max(to - start))
}

fn tone_low_point(band: &[(f64, f64)], from: f64, to: f64) -> f64 {
    band.iter().filter(|(t, _)| *t >= from && *t <= to).map(|(_, l)| *l).fold(f64::INFINITY, f64::min)
}

#[test]
fn noise_suppression_lowers_the_noise_floor_by_10_db_and_keeps_the_tone() {
    let dir = tempfile::tempdir().unwrap();
    // A voice-like tone (440 Hz in syllables, three a second) in white noise.
    wav(&dir.path().join("noisy.wav"), "0.25*sin(2*PI*440*t)*gt(sin(2*PI*3*t),0)+0.1*(2*random(0)-1)", 10);
    let show = show(dir.path(), serde_json::json!([{ "id": "noisy", "kind": "file", "path": "noisy.wav" }]));
    let air = on_air(dir.path(), show, 12);
    std::thread::sleep(Duration::from_secs(4));
    air.at_marker(true, |e| {
        let filters = vec![show::AudioFilter::NoiseSuppression { enabled: true, echo_cancel: false }];
        set(e, "noisy", AudioChange { filters: Some(filters), ..Default::default() })
    });
    let (pulled, _) = air.finish(12);
    let sound = decode(&pulled);
    let at = marker(&pulled, FPS, 0.0, true).expect("the marker");
    let end = sound.start + sound.samples.len() as f64 / RATE;
    let floor = |from: f64, to: f64| {
        let levels: Vec<f64> =
            [2500.0, 3500.0, 5000.0, 7000.0].iter().map(|f| level_between(&sound.band(*f), from, to)).collect();
        levels.iter().sum::<f64>() / levels.len() as f64
    };
    let (noise_before, noise_after) = (floor(at - 3.0, at - 0.3), floor(at + 2.0, end - 0.3));
    let tone = sound.band(440.0);
    let (tone_before, tone_after) = (loudest(&tone, at - 3.0, at - 0.3), loudest(&tone, at + 2.0, end - 0.3));
    eprintln!("noise floor {noise_before:.1} → {noise_after:.1} dB; tone {tone_before:.1} → {tone_after:.1} dBFS");
    assert!(noise_before - noise_after >= 10.0, "the noise floor fell {:.1} dB only", noise_before - noise_after);
    assert!(tone_after >= tone_before - 3.0, "the tone did not survive: {tone_before:.1} → {tone_after:.1} dBFS");
}

/// A video clip with a 1 kHz tone for its sound: `seconds` long, H.264 and AAC in MP4.
fn clip(path: &Path, seconds: u32) {
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-f", "lavfi"])
        .arg("-i")
        .arg("sine=frequency=1000:sample_rate=48000")
        .args(["-t", &seconds.to_string(), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg could not make the clip");
}

#[test]
fn a_clips_sound_is_in_the_mix_through_its_loops_and_goes_with_its_layer() {
    let dir = tempfile::tempdir().unwrap();
    clip(&dir.path().join("clip.mp4"), 3);
    let json = serde_json::json!({
        "canvas": { "width": 320, "height": 180, "fps": FPS as u32 },
        "audio": { "sources": [{ "id": "bed", "kind": "tone", "frequency": 440, "volume_db": -20 }] },
        "scenes": [{ "id": "main", "layers": [
            { "id": "cam", "kind": "camera", "device": "test" },
            { "id": "clip", "kind": "media", "path": "clip.mp4", "rect": [0.5, 0.5, 0.5, 0.5] },
            { "id": "flash", "kind": "color", "color": "#FFFFFF", "visible": false }
        ]}]
    });
    let show = show::Show::parse(&json.to_string(), dir.path()).unwrap();
    let air = on_air(dir.path(), show, 11);
    // Past the clip's first loop, then the clip goes off air.
    std::thread::sleep(Duration::from_secs(7));
    let off = air.at_marker(true, |e| e.set_layer_visible("clip", false).unwrap());
    std::thread::sleep(Duration::from_secs(2));
    let (pulled, heard) = air.finish(11);
    let sound = decode(&pulled);
    let at = marker(&pulled, FPS, 0.0, true).expect("the marker");
    let (clip_tone, bed) = (sound.band(1000.0), sound.band(440.0));
    let (on, gone) = (loudest(&clip_tone, at - 5.0, at - 0.3), max_between(&clip_tone, at + 0.3, at + 1.5));
    let gap = longest_below(&clip_tone, at - 5.0, at - 0.3, -40.0);
    eprintln!("the clip's 1 kHz: {on:.1} dBFS on air (longest gap {gap:.2} s), at most {gone:.1} off air");
    assert!(on > -25.0, "the clip's sound is missing while it is on air: {on:.1} dBFS");
    assert!(gap < 0.5, "the clip's sound stops for {gap:.2} s (at a loop?)");
    assert!(gone < on - 30.0, "the clip's sound stayed after its layer went off air: {gone:.1} dBFS");
    assert!(loudest(&bed, at + 0.3, at + 1.5) > -30.0, "the bed went with the clip");
    let metered = heard.mean_peak("clip", off - Duration::from_secs(3), off);
    assert!(metered > -25.0, "the clip's meter read {metered:.1} dBFS while it played");
}

/// The meter of `id` in the latest report, waiting up to `patience` for `test` to hold.
fn meter_until(heard: &Heard, id: &str, patience: Duration, test: impl Fn(f64) -> bool) -> Option<f64> {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        let peak = heard
            .levels
            .lock()
            .unwrap()
            .last()
            .and_then(|(_, l)| l.sources.iter().find(|s| s.id == id).map(|s| s.peak_db));
        if let Some(peak) = peak.filter(|p| test(*p)) {
            return Some(peak);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn a_missing_file_and_a_missing_microphone_are_silence_with_a_notice_until_they_are_there() {
    engine::init().unwrap();
    let no_microphone = engine::list_devices().microphones.is_empty();
    let dir = tempfile::tempdir().unwrap();
    let show = show(
        dir.path(),
        serde_json::json!([
            { "id": "mic", "kind": "microphone", "device": "auto" },
            { "id": "bed", "kind": "file", "path": "later.wav", "volume_db": -6 },
            { "id": "tone", "kind": "tone", "volume_db": -12 }
        ]),
    );
    let (engine, events) = Engine::open(show, engine::OpenOptions::default()).unwrap();
    let heard = Heard::default();
    let sink = heard.clone();
    std::thread::spawn(move || {
        for event in events {
            match event {
                EngineEvent::AudioLevels(levels) => sink.levels.lock().unwrap().push((Instant::now(), levels)),
                EngineEvent::Notice { message } => sink.notices.lock().unwrap().push(message),
                _ => {}
            }
        }
    });
    let tone = meter_until(&heard, "tone", Duration::from_secs(5), |p| (p + 12.0).abs() <= 1.0);
    assert!(tone.is_some(), "the tone plays beside the missing sources");
    assert!(meter_until(&heard, "bed", Duration::from_secs(1), |p| p <= -99.0).is_some(), "a missing file is silence");
    let notices = heard.notices.lock().unwrap().clone();
    assert!(notices.iter().any(|n| n.contains("sound bed: the sound file later.wav is missing")), "{notices:?}");
    if no_microphone {
        assert!(notices.iter().any(|n| n.contains("sound mic: no microphone found")), "{notices:?}");
        // Another device, picked live: the stand-in microphone is heard at once.
        engine.set_audio("mic", &AudioChange { device: Some("test".into()), ..Default::default() }).unwrap();
        let mic = meter_until(&heard, "mic", Duration::from_secs(3), |p| (p + 20.0).abs() <= 1.0);
        assert!(mic.is_some(), "the test microphone was not picked up");
    }
    // The file appears: it is found on a later try (1 s, then 2 s, then 4 s after the first).
    wav(&dir.path().join("later.wav"), "sin(2*PI*1000*t)", 5);
    let bed = meter_until(&heard, "bed", Duration::from_secs(10), |p| (p + 6.0).abs() <= 1.0);
    assert!(bed.is_some(), "the file was not picked up once it was there");
    assert!(heard.notices.lock().unwrap().iter().any(|n| n.contains("sound bed: the sound file later.wav is back")));
    engine.stop(Duration::from_secs(2));
}
