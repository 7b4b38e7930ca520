//! The desktop window's tests share this: an Xvfb display, screenshots of it with
//! ImageMagick's `import`, and the check that the studio UI is drawn in it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb display from `xvfb-run -a`, alive until dropped.
pub struct Display {
    runner: Child,
    pub display: String,
    pub xauthority: String,
}

impl Display {
    pub fn start() -> Display {
        let mut runner = Command::new("xvfb-run")
            .args([
                "-a",
                "-s",
                "-screen 0 1440x900x24 -nolisten tcp",
                "sh",
                "-c",
                "echo \"$DISPLAY $XAUTHORITY\"; exec cat",
            ])
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

/// A screenshot of the whole screen into `png`; false when `import` could not take one.
pub fn screenshot(display: &Display, png: &Path) -> bool {
    Command::new("import")
        .args(["-window", "root", &png.to_string_lossy()])
        .env("DISPLAY", &display.display)
        .env("XAUTHORITY", &display.xauthority)
        .status()
        .expect("import is missing: apt-get install imagemagick (make test does)")
        .success()
}

/// Whether the screenshot shows the rendered studio: not blank, with accent-coloured controls.
pub fn looks_rendered(png: &Path) -> Option<(f64, usize)> {
    let image = image::open(png).ok()?.to_rgb8();
    let pixels = image.pixels().count() as f64;
    let mean = image.pixels().map(|p| p.0.iter().map(|&c| c as f64).sum::<f64>() / 3.0).sum::<f64>() / pixels;
    let variance =
        image.pixels().map(|p| (p.0.iter().map(|&c| c as f64).sum::<f64>() / 3.0 - mean).powi(2)).sum::<f64>() / pixels;
    // #e0245e, the accent, give or take antialiasing.
    let accent = image.pixels().filter(|p| p.0[0] > 200 && p.0[1] < 70 && (70..130).contains(&p.0[2])).count();
    Some((variance.sqrt(), accent))
}

/// Waits (bounded) until a screenshot shows the rendered studio, which needs the UI to have
/// loaded under the CSP and to have the studio's state over IPC.
pub fn wait_until_rendered(display: &Display, shot: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = None;
    loop {
        if screenshot(display, shot) {
            last = looks_rendered(shot);
            if let Some((spread, accent)) = last {
                if spread > 20.0 && accent > 5000 {
                    return;
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
}
