//! The operator's monitor: only the sources marked `monitor` reach the operator's output,
//! switched live, while the program goes on. The output here is a WAV file
//! (`KAIBO_MONITOR_SINK`), measured band by band.

// A test stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod sound;

use std::time::Duration;

use engine::{Engine, OpenOptions};
use show::AudioChange;
use sound::*;

#[test]
fn only_monitored_sources_reach_the_operator_and_a_switch_is_heard_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let heard = dir.path().join("monitor.wav");
    // One process, one test: the variable is read when the monitor is built.
    std::env::set_var(engine::MONITOR_SINK_ENV, format!("wavenc ! filesink location={}", heard.display()));
    let json = serde_json::json!({
        "canvas": { "width": 320, "height": 180, "fps": 25 },
        "audio": { "sources": [
            { "id": "bed", "kind": "tone", "frequency": 440, "volume_db": -12, "monitor": true },
            { "id": "voice", "kind": "tone", "frequency": 1000, "volume_db": -12 }
        ]},
        "scenes": [{ "id": "main", "layers": [{ "id": "cam", "kind": "camera", "device": "test" }] }]
    });
    let show = show::Show::parse(&json.to_string(), dir.path()).unwrap();
    let (engine, _events) = Engine::open(show, OpenOptions::default()).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let switch = |id: &str, on: bool| {
        let change = AudioChange { monitor: Some(on), ..Default::default() };
        engine.set_audio(id, &change).unwrap();
    };
    switch("voice", true);
    switch("bed", false);
    std::thread::sleep(Duration::from_secs(3));
    engine.stop(Duration::from_secs(5));

    let sound = decode(&heard);
    let end = sound.samples.len() as f64 / 48_000.0;
    assert!(end > 4.5, "the monitor played {end:.1} s of a 6 s show");
    let (bed, voice) = (sound.band(440.0), sound.band(1000.0));
    let first = (level_between(&bed, 0.5, 2.0), level_between(&voice, 0.5, 2.0));
    let last = (level_between(&bed, end - 2.0, end - 0.3), level_between(&voice, end - 2.0, end - 0.3));
    eprintln!("monitor: bed {:.1} / voice {:.1} dBFS, then bed {:.1} / voice {:.1}", first.0, first.1, last.0, last.1);
    assert!((first.0 + 12.0).abs() < 2.0, "the monitored bed is at {:.1} dBFS, not −12", first.0);
    assert!(first.1 < -60.0, "a source that is not monitored is heard at {:.1} dBFS", first.1);
    assert!((last.1 + 12.0).abs() < 2.0, "the voice monitored live is at {:.1} dBFS", last.1);
    assert!(last.0 < -60.0, "the bed taken off the monitor is still heard at {:.1} dBFS", last.0);

    // An output that cannot play: a notice in words, and the program opens and runs anyway.
    std::env::set_var(engine::MONITOR_SINK_ENV, "filesink location=/nonexistent-folder/monitor.wav");
    let show = show::Show::parse(&json.to_string(), dir.path()).unwrap();
    let (engine, events) = Engine::open(show, OpenOptions::default()).unwrap();
    let mut notices = Vec::new();
    let mut metered = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline && !metered {
        match events.recv_timeout(Duration::from_millis(200)) {
            Ok(engine::EngineEvent::Notice { message }) => notices.push(message),
            Ok(engine::EngineEvent::AudioLevels(levels)) => {
                metered = levels.sources.iter().any(|s| s.id == "bed" && s.peak_db > -20.0);
            }
            _ => {}
        }
    }
    engine.stop(Duration::from_secs(5));
    assert!(metered, "the program's meters did not move with the monitor's output broken");
    assert!(
        notices.iter().any(|n| n.contains("the operator's speakers cannot play")),
        "no notice about the monitor: {notices:?}"
    );
}
