//! The real desktop window: `kaibo-studio` under Xvfb renders the studio UI from the
//! in-process studio (over Tauri IPC), and a screenshot of the screen shows it; then the
//! show goes live through the window's remote operator console (the same studio over HTTP,
//! as an assistant's tablet would drive it) and the window's preview shows the program.
//!
//! The screenshots go to `target/ui-tests/desktop/window.png` and `live.png`. The first
//! check waits (bounded) until the screen is not blank and shows the studio's accent colour
//! on the on-air scene, look and Go Live button, which only appear once the UI has the
//! studio's state; the second until the preview shows the test pattern's colour bars.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb display from `xvfb-run -a`, alive until dropped.
struct Display {
    runner: Child,
    display: String,
    xauthority: String,
}

impl Display {
    fn start() -> Display {
        let mut runner = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1440x900x24 -nolisten tcp", "sh", "-c", "echo \"$DISPLAY $XAUTHORITY\"; exec cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("xvfb-run is missing: apt-get install xvfb xauth (make test does)");
        let mut line = String::new();
        BufReader::new(runner.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let (display, xauthority) = line.trim().split_once(' ').expect("xvfb-run printed the display");
        Display { display: display.to_owned(), xauthority: xauthority.to_owned(), runner }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // Closing stdin ends `cat`, and xvfb-run takes the server down with it.
        drop(self.runner.stdin.take());
        let _ = self.runner.wait();
    }
}

struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ui-tests/desktop");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Pixels of the test pattern's cyan and green bars (the studio's own dark theme has none).
fn bar_pixels(png: &Path) -> usize {
    let Ok(image) = image::open(png) else { return 0 };
    image.to_rgb8().pixels().filter(|p| p.0[0] < 90 && p.0[1] > 140 && (p.0[2] > 140 || p.0[2] < 90)).count()
}

fn screenshot(display: &Display, png: &Path) -> bool {
    Command::new("import")
        .args(["-window", "root", &png.to_string_lossy()])
        .env("DISPLAY", &display.display)
        .env("XAUTHORITY", &display.xauthority)
        .status()
        .expect("import is missing: apt-get install imagemagick (make test does)")
        .success()
}

/// Whether the screenshot shows the rendered studio: not blank, with accent-coloured controls.
fn looks_rendered(png: &Path) -> Option<(f64, usize)> {
    let image = image::open(png).ok()?.to_rgb8();
    let pixels = image.pixels().count() as f64;
    let mean = image.pixels().map(|p| p.0.iter().map(|&c| c as f64).sum::<f64>() / 3.0).sum::<f64>() / pixels;
    let variance = image
        .pixels()
        .map(|p| (p.0.iter().map(|&c| c as f64).sum::<f64>() / 3.0 - mean).powi(2))
        .sum::<f64>()
        / pixels;
    // #e0245e, the accent, give or take antialiasing.
    let accent = image.pixels().filter(|p| p.0[0] > 200 && p.0[1] < 70 && (70..130).contains(&p.0[2])).count();
    Some((variance.sqrt(), accent))
}

#[test]
fn the_desktop_window_renders_the_studio() {
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let log = out_dir().join("app.log");
    let console = format!("127.0.0.1:{}", support::free_port());
    let token = "desktop-test-token-42";
    let app = App(
        Command::new(env!("CARGO_BIN_EXE_kaibo-studio"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/shows/demo.json"))
            .env("DISPLAY", &display.display)
            .env("XAUTHORITY", &display.xauthority)
            .env("HOME", home.path())
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("NO_AT_BRIDGE", "1")
            .env("KAIBO_LISTEN", &console)
            .env("KAIBO_TOKEN", token)
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(out_dir().join("app.err.log")).unwrap()))
            .spawn()
            .expect("start kaibo-studio"),
    );
    let shot = out_dir().join("window.png");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = None;
    loop {
        if screenshot(&display, &shot) {
            last = looks_rendered(&shot);
            if let Some((spread, accent)) = last {
                if spread > 20.0 && accent > 5000 {
                    break;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "the window never showed the studio (last screenshot: spread, accent pixels = {last:?}); see {}",
            shot.display()
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // Live, driven from the remote console; the window's preview follows.
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(printed.contains(&format!("remote console: http://{console}/")), "no remote console in:\n{printed}");
    let api = format!("http://{console}/api");
    let (status, reply) = support::http_json("POST", &format!("{api}/commands"), token, Some(&serde_json::json!({ "type": "go_live" })));
    assert_eq!(status, 200, "go live from the remote console: {reply}");
    let (status, _) = support::http_json("GET", &format!("{api}/state"), "wrong-token", None);
    assert_eq!(status, 401, "the console's API needs the token");
    let live = out_dir().join("live.png");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut bars = 0;
    while bars < 3000 {
        assert!(
            Instant::now() < deadline,
            "the window's preview never showed the program ({bars} bar pixels); see {}",
            live.display()
        );
        std::thread::sleep(Duration::from_millis(500));
        if screenshot(&display, &live) {
            bars = bar_pixels(&live);
        }
    }
    let (status, reply) = support::http_json("POST", &format!("{api}/commands"), token, Some(&serde_json::json!({ "type": "end_show" })));
    assert_eq!(status, 200, "end the show: {reply}");
    assert!(bar_pixels(&shot) < 3000, "the off-air screenshot already had the bars: the check proves nothing");
    drop(app);
}
