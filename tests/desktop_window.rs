//! The real desktop window: `kaibo-studio` under Xvfb renders the studio UI from the
//! in-process studio (over Tauri IPC), and a screenshot of the screen shows it, with the
//! program in its preview before Go Live (the program runs from the moment the show is
//! open); then the show goes live through the window's remote operator console (the same
//! studio over HTTP, as an assistant's tablet would drive it), and the preview shows the
//! program live and after End.
//!
//! Without KAIBO_LISTEN the app listens on no port at all, and a weak KAIBO_TOKEN for the
//! console is refused before the window opens.
//!
//! The screenshots go to `target/ui-tests/desktop/window.png`, `off-air.png`, `live.png` and
//! `ended.png`. The first check waits (bounded) until the screen is not blank and shows the
//! studio's accent colour on the on-air scene, look and Go Live button, which only appear
//! once the UI has the studio's state; the others until the preview shows the test
//! pattern's colour bars (the placeholder the UI shows without a program has none).
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::desktop::{screenshot, wait_until_rendered, Display};

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

/// `kaibo-studio` on the demo show in `display`, with `env` set and KAIBO_LISTEN and
/// KAIBO_TOKEN only as given; its stdout goes to `<name>.log`, stderr to `<name>.err.log`.
fn launch(display: &Display, home: &Path, name: &str, env: &[(&str, &str)]) -> (App, PathBuf) {
    let log = out_dir().join(format!("{name}.log"));
    let app = App(Command::new(env!("CARGO_BIN_EXE_kaibo-studio"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/shows/demo.json"))
        .env("DISPLAY", &display.display)
        .env("XAUTHORITY", &display.xauthority)
        .env("HOME", home)
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("NO_AT_BRIDGE", "1")
        .env_remove("KAIBO_LISTEN")
        .env_remove("KAIBO_TOKEN")
        .envs(env.iter().copied())
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(out_dir().join(format!("{name}.err.log"))).unwrap()))
        .spawn()
        .expect("start kaibo-studio"));
    (app, log)
}

#[test]
fn the_desktop_window_renders_the_studio() {
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let console = format!("127.0.0.1:{}", support::free_port());
    let token = "desktop-test-token-42";
    let (app, log) =
        launch(&display, home.path(), "app", &[("KAIBO_LISTEN", console.as_str()), ("KAIBO_TOKEN", token)]);
    let shot = out_dir().join("window.png");
    wait_until_rendered(&display, &shot);

    // The program runs from the moment the show is open: the window's preview (frames over
    // IPC) shows the test pattern's bars before Go Live.
    wait_for_bars(&display, &out_dir().join("off-air.png"), "before Go Live");

    // Live, driven from the remote console; the window's preview follows.
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(printed.contains(&format!("remote console: http://{console}/")), "no remote console in:\n{printed}");
    // The probe the no-console test relies on sees this console's port.
    let port: u16 = console.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        listening_ports(app.0.id()).contains(&port),
        "the probe misses the console: {:?}",
        listening_ports(app.0.id())
    );
    let api = format!("http://{console}/api");
    let (status, reply) =
        support::http_json("POST", &format!("{api}/commands"), token, Some(&serde_json::json!({ "type": "go_live" })));
    assert_eq!(status, 200, "go live from the remote console: {reply}");
    let (status, _) = support::http_json("GET", &format!("{api}/state"), "wrong-token", None);
    assert_eq!(status, 401, "the console's API needs the token");
    wait_for_bars(&display, &out_dir().join("live.png"), "live");
    let (status, reply) =
        support::http_json("POST", &format!("{api}/commands"), token, Some(&serde_json::json!({ "type": "end_show" })));
    assert_eq!(status, 200, "end the show: {reply}");
    wait_for_bars(&display, &out_dir().join("ended.png"), "after End");
    drop(app);
}

/// Waits (bounded) until a screenshot shows the preview with the test pattern's bars.
fn wait_for_bars(display: &Display, png: &Path, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut bars = 0;
    while bars < 3000 {
        assert!(
            Instant::now() < deadline,
            "the window's preview never showed the program {when} ({bars} bar pixels); see {}",
            png.display()
        );
        std::thread::sleep(Duration::from_millis(500));
        if screenshot(display, png) {
            bars = bar_pixels(png);
        }
    }
}

/// The TCP ports process `pid` listens on (IPv4 and IPv6), from its sockets in /proc.
fn listening_ports(pid: u32) -> Vec<u16> {
    let sockets: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(target.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address, state (0A = LISTEN) and inode, as the kernel lays them out.
            let (Some(local), Some(state), Some(inode)) = (fields.get(1), fields.get(3), fields.get(9)) else {
                continue;
            };
            if *state == "0A" && sockets.iter().any(|s| s == inode) {
                let port = local.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
                ports.extend(port);
            }
        }
    }
    ports
}

/// Without KAIBO_LISTEN the desktop app opens no remote console: once the window shows the
/// studio (its setup, which used to start the console on 127.0.0.1:8417, has run), the app
/// listens on no TCP port at all, whichever port another program may hold.
#[test]
fn without_kaibo_listen_the_desktop_app_listens_on_nothing() {
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let (app, log) = launch(&display, home.path(), "no-console", &[]);
    wait_until_rendered(&display, &out_dir().join("no-console.png"));
    // The console started in the background on setup; give a late bind time to show.
    std::thread::sleep(Duration::from_secs(2));
    let ports = listening_ports(app.0.id());
    assert!(ports.is_empty(), "the desktop app listens on {ports:?} without KAIBO_LISTEN");
    // Old builds that found 8417 taken said so on stderr instead of listening: either way
    // the console was tried, and neither output may mention it.
    let printed = std::fs::read_to_string(&log).unwrap_or_default()
        + &std::fs::read_to_string(out_dir().join("no-console.err.log")).unwrap_or_default();
    assert!(!printed.contains("remote console"), "a console without KAIBO_LISTEN:\n{printed}");
    drop(app);
}

/// A remote console asked for with a token shorter than 16 characters is refused in words,
/// before any window opens (no display needed).
#[test]
fn a_weak_console_token_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_kaibo-studio"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("KAIBO_LISTEN", "127.0.0.1:8417")
        .env("KAIBO_TOKEN", "short-token")
        .output()
        .expect("run kaibo-studio");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("KAIBO_TOKEN is too short") && stderr.contains("at least 16"), "{stderr}");
    assert!(!stderr.contains("short-token"), "the token was printed: {stderr}");
}
