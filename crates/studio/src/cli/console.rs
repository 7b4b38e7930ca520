//! Operator commands typed into a running `kaibo live`, one per line: the same live changes
//! the studio's UI makes, for a terminal or a script. `camera-freeze` and `camera-fail`
//! rehearse a lost camera, so a crew can see the slate before the show. `kill-switch` cuts
//! every destination to the safe slate (what their delay holds never airs); `resume` goes
//! back to the program once the delay has refilled.

use std::time::Duration;

use engine::{CameraFault, Engine, EngineError};

/// The commands, as typed.
pub const HELP: &str = "commands: scene ID | look ID | show LAYER | hide LAYER | card LAYER PRODUCT | start DEST | stop DEST | restart DEST | camera-freeze SECONDS | camera-fail | kill-switch | resume | help";

/// Applies one line to the engine; returns what to print.
pub fn apply(engine: &Engine, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let result: Result<(), EngineError> = match words.as_slice() {
        [] => return Ok(String::new()),
        ["help"] => return Ok(HELP.to_owned()),
        ["scene", id] => engine.switch_scene(id),
        ["look", id] => engine.set_look(id),
        ["show", layer] => engine.set_layer_visible(layer, true),
        ["hide", layer] => engine.set_layer_visible(layer, false),
        ["card", layer, product] => engine.set_card_product(layer, product),
        ["start", id] => engine.start_destination(id),
        ["stop", id] => engine.stop_destination(id),
        ["restart", id] => engine.restart_destination(id),
        ["camera-freeze", seconds] => match seconds.parse::<f64>() {
            Ok(s) if s.is_finite() && (0.0..=600.0).contains(&s) => {
                engine.inject_camera_fault(CameraFault::Freeze(Duration::from_secs_f64(s)));
                Ok(())
            }
            _ => return Err(format!("camera-freeze takes seconds (0 to 600), not \"{seconds}\"")),
        },
        ["kill-switch"] => {
            let cut = engine.kill_switch();
            return Ok(format!("kill switch: {cut} destination(s) on the safe slate"));
        }
        ["resume"] => {
            let resumed = engine.resume();
            return Ok(format!("resume: {resumed} destination(s) back on the program once their delay refills"));
        }
        ["camera-fail"] => {
            engine.inject_camera_fault(CameraFault::Error);
            Ok(())
        }
        _ => return Err(format!("unknown command \"{}\"; {HELP}", line.trim())),
    };
    result.map(|()| format!("ok: {}", line.trim())).map_err(|e| e.to_string())
}

/// Reads stdin on its own thread; lines arrive on the returned channel. Ends quietly when
/// stdin is closed.
pub fn read_stdin() -> std::sync::mpsc::Receiver<String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}
