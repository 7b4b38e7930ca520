//! The broadcast delay and the kill switch, measured with marker frames on a real ingest.
//!
//! A hidden full-canvas red layer is the marker: `show marker` on the console puts it on air
//! at a known instant. Each ingest is watched live (ffmpeg decoding as frames arrive), the
//! recording is read afterwards. The safe slate is dark; the test pattern and the marker
//! are bright.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::*;

fn red(rgb: &[f64; 3]) -> bool {
    rgb[0] > 170.0 && rgb[1] < 90.0 && rgb[2] < 90.0
}

/// The safe slate: a dark grey picture (the test pattern and the marker are far brighter;
/// the compositor's black before the camera's first frame is darker).
fn slate(rgb: &[f64; 3]) -> bool {
    rgb.iter().all(|c| *c < 70.0) && rgb.iter().any(|c| *c > 8.0)
}

/// The program without the marker: the test pattern's bars, bright and not red.
fn program(rgb: &[f64; 3]) -> bool {
    !red(rgb) && rgb.iter().sum::<f64>() / 3.0 > 90.0
}

/// A show with the test pattern, a hidden red marker over all of it, and the destinations
/// given as `(id, url, delay_seconds)`.
fn write_show(dir: &Path, destinations: &[(&str, &str, u32)]) -> String {
    solid_png(&dir.join("red.png"), 64, 36, [230, 20, 20]);
    let destinations: Vec<serde_json::Value> = destinations
        .iter()
        .map(|(id, url, delay)| serde_json::json!({ "id": id, "platform": "custom", "url": url, "delay_seconds": delay }))
        .collect();
    let show = serde_json::json!({
        "name": "delay test",
        "canvas": { "width": 1280, "height": 720, "fps": 30 },
        // Silence, as on a machine without a microphone: its tiny AAC frames make audio leave
        // the delay before video, which once kept video out of the FLV stream.
        "audio": { "source": "silence" },
        "safe_slate": { "text": "稍后回来 · Be right back" },
        "scenes": [{ "id": "main", "layers": [
            { "kind": "camera", "id": "camera", "device": "test" },
            { "kind": "image", "id": "marker", "path": "red.png", "rect": [0, 0, 1, 1], "visible": false }
        ]}],
        "destinations": destinations,
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

/// Waits until a watch has shown the program steadily for a second.
fn wait_steady(watch: &Watch, name: &str) {
    let since = Instant::now();
    let first =
        watch.first_after(since, Duration::from_secs(30), program).unwrap_or_else(|| panic!("{name}: no picture"));
    std::thread::sleep(Duration::from_secs(1));
    assert!(watch.frames().iter().filter(|f| f.at > first.at).count() >= 20, "{name}: frames stopped");
}

#[test]
fn delayed_destinations_get_the_marker_delay_seconds_later_while_the_recording_has_it_at_once() {
    const DELAY: f64 = 4.0;
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let (now_url, later_url) = (nginx.url("live", "now"), nginx.url("backup", "later"));
    let show = write_show(dir.path(), &[("now", &now_url, 0), ("later", &later_url, DELAY as u32)]);
    let recording = dir.path().join("recording.mp4");
    let mut kaibo =
        Kaibo::spawn_interactive(&["live", &show, "--record", recording.to_str().unwrap(), "--duration", "40"]);
    assert!(kaibo.wait_for("now: live", Duration::from_secs(20)).is_some(), "never went live:\n{}", kaibo.output());
    assert!(
        kaibo.wait_for("later: live", Duration::from_secs(20)).is_some(),
        "the delayed destination never went live:\n{}",
        kaibo.output()
    );
    let (now, later) = (Watch::start(&now_url), Watch::start(&later_url));
    wait_steady(&now, "now");
    wait_steady(&later, "later");

    let shown = kaibo.type_line("show marker");
    let on_now =
        now.first_after(shown, Duration::from_secs(5), red).expect("the marker never reached the undelayed ingest");
    // The recording has it long before the delayed destination does.
    // The delayed ingest is looked at first: reading the recording takes a while (seconds on a
    // loaded machine), and by then the marker may rightly have reached it.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(later.frames().iter().all(|f| !red(&f.rgb)), "the delayed destination showed the marker within 2.5 s");
    let so_far = small_frames(&recording, 30.0);
    assert!(so_far.iter().any(|f| red(&f.rgb)), "the recording did not have the marker 2.5 s after it was shown");
    let on_later =
        later.first_after(shown, Duration::from_secs(15), red).expect("the marker never reached the delayed ingest");
    let held = on_later.at.duration_since(on_now.at).as_secs_f64();
    println!(
        "marker: undelayed ingest {:.3} s after the command, delayed ingest {held:.3} s after that",
        on_now.at.duration_since(shown).as_secs_f64()
    );
    assert!(
        (held - DELAY).abs() <= 0.5,
        "the delayed destination got the marker {held:.3} s after the undelayed one, not {DELAY} s"
    );

    let (code, output) = kaibo.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{output}");
}

#[test]
fn the_kill_switch_keeps_what_the_delay_holds_off_the_platform_but_not_out_of_the_recording() {
    const DELAY: u64 = 6;
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let url = nginx.url("live", "show");
    let show = write_show(dir.path(), &[("main", &url, DELAY as u32)]);
    let recording = dir.path().join("recording.mp4");
    let mut kaibo =
        Kaibo::spawn_interactive(&["live", &show, "--record", recording.to_str().unwrap(), "--duration", "50"]);
    assert!(kaibo.wait_for("main: live", Duration::from_secs(25)).is_some(), "never went live:\n{}", kaibo.output());
    let watch = Watch::start(&url);
    wait_steady(&watch, "main");

    // The marker is on air (live, in the recording) for 4 s before the switch: all of it is
    // still inside the 6 s delay.
    kaibo.type_line("show marker");
    std::thread::sleep(Duration::from_secs(4));
    let killed = kaibo.type_line("kill-switch");
    let cut = watch.first_after(killed, Duration::from_secs(5), slate).unwrap_or_else(|| {
        let seen: Vec<String> =
            watch.frames().iter().filter(|f| f.at >= killed).map(|f| format!("{:.0?}", f.rgb)).collect();
        panic!("the slate never reached the ingest; frames after the switch: {seen:?}\n{}", kaibo.output())
    });
    let after = cut.at.duration_since(killed).as_secs_f64();
    println!("slate at the ingest {after:.3} s after the kill switch");
    assert!(after <= 1.0, "the slate reached the ingest {after:.3} s after the kill switch (limit 1 s)");

    // Longer than the delay: everything the delay held would have aired by now.
    std::thread::sleep(Duration::from_secs(DELAY + 2));
    kaibo.type_line("hide marker");
    std::thread::sleep(Duration::from_millis(500));
    let resumed = kaibo.type_line("resume");
    let back = watch
        .first_after(resumed, Duration::from_secs(DELAY + 5), program)
        .expect("the program never came back after resume");
    let refill = back.at.duration_since(resumed).as_secs_f64();
    println!("program back at the ingest {refill:.3} s after resume");
    assert!(
        refill >= DELAY as f64 - 0.5,
        "the program came back {refill:.3} s after resume, before the delay refilled"
    );
    std::thread::sleep(Duration::from_secs(2));

    let frames = watch.frames();
    assert!(!frames.iter().any(|f| red(&f.rgb)), "a marker frame reached the ingest");
    assert!(
        frames.iter().filter(|f| f.at > back.at).all(|f| program(&f.rgb)),
        "the program did not stay on air after resume"
    );
    let (code, output) = kaibo.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{output}");
    let recorded = small_frames(&recording, 30.0);
    let marked = recorded.iter().filter(|f| red(&f.rgb)).count();
    assert!(
        marked >= 90,
        "the recording has {marked} marker frames of {}: it lost the marker\n{output}",
        recorded.len()
    );
    let dark: Vec<String> =
        recorded.iter().filter(|f| slate(&f.rgb)).map(|f| format!("{:.2}s {:.0?}", f.seconds, f.rgb)).collect();
    assert!(
        dark.is_empty(),
        "the recording shows the slate at {dark:?} of {} frames: it must keep the program\n{output}",
        recorded.len()
    );
}
