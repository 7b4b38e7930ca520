//! The Debian package, run from where it unpacks and from nowhere else. cargo-deb packs the
//! debug binaries this build already has (fast; `make package` packs the release build the
//! same way), `dpkg -x` unpacks it into a temporary root, and each program runs from there
//! with the source tree out of reach: in a mount namespace of its own where a tmpfs covers the
//! repository (so a build's compiled-in paths find nothing), from another working directory,
//! with `HOME` a temporary folder and no `KAIBO_*` or `XDG_*` variables.
//!
//! - the package holds both binaries, the share folder, the menu entry and its icons, and
//!   declares the runtime packages the Makefile's `APT_RUNTIME` lists;
//! - `kaibo check` passes on the packaged demo show;
//! - `kaibo serve` on the packaged demo serves its UI (`/` and an asset), goes live to
//!   nginx-rtmp (ffprobe finds H.264 and AAC), and keeps the session and the recording in
//!   the XDG folders under `HOME` (it runs in a keyutils session keyring of its own, for the
//!   destination's key);
//! - `kaibo-studio` with no show opens the packaged demo and draws the studio under Xvfb
//!   (screenshot in `target/ui-tests/package/window.png`).
//!
//! Needs cargo-deb in `target/tools` (`make test` installs it; `CARGO_DEB` names another).
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::desktop::{wait_until_rendered, Display};
use support::{kaibo_bin, probe, repo, stream, Kaibo, Nginx, Served};

/// Everything a test needs from one unpacked package.
struct Unpacked {
    _dir: tempfile::TempDir,
    deb: PathBuf,
    root: PathBuf,
    home: PathBuf,
    work: PathBuf,
}

impl Unpacked {
    fn bin(&self, name: &str) -> PathBuf {
        self.root.join("usr/bin").join(name)
    }

    fn demo(&self) -> PathBuf {
        self.root.join("usr/share/kaibo/shows/demo.json")
    }

    /// `program` in a mount namespace where the repository is an empty tmpfs, started in
    /// the work folder with `HOME` the temporary home and no Kaibo or XDG variables.
    fn hidden(&self, program: &Path) -> Command {
        self.hidden_behind(&[], program)
    }

    /// [`Unpacked::hidden`] with a keyring of its own for the stream keys: a new keyutils
    /// session (`keyctl session -`), as a headless box without a Secret Service has.
    fn hidden_with_a_keyring(&self, program: &Path) -> Command {
        let mut command = self.hidden_behind(&["keyctl", "session", "-"], program);
        command.env("KAIBO_KEYRING", "keyutils").env_remove("DBUS_SESSION_BUS_ADDRESS");
        command
    }

    /// `program` run through `wrapper` (its words before the program) in the hidden tree.
    fn hidden_behind(&self, wrapper: &[&str], program: &Path) -> Command {
        let mut command = Command::new("unshare");
        if !is_root() {
            command.arg("--map-root-user");
        }
        // $0: the repository to cover; $1: where to start; then the program and its arguments.
        let script = r#"mount -t tmpfs -o size=1m,mode=0755 kaibo-source-hidden "$0" || exit 97
            [ ! -e "$0/Cargo.toml" ] || { echo "the source tree is still reachable" >&2; exit 98; }
            cd "$1" && shift && exec "$@""#;
        command
            .args(["--mount", "--propagation", "private", "sh", "-c", script])
            .arg(repo())
            .arg(&self.work)
            .args(wrapper)
            .arg(program)
            .current_dir(&self.work)
            .env("HOME", &self.home);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("KAIBO_") || name.starts_with("XDG_") {
                command.env_remove(name.as_ref());
            }
        }
        command
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn cargo_deb() -> PathBuf {
    let tool =
        std::env::var_os("CARGO_DEB").map(PathBuf::from).unwrap_or_else(|| repo().join("target/tools/bin/cargo-deb"));
    assert!(tool.exists(), "{} is missing: `make test` installs cargo-deb into target/tools", tool.display());
    tool
}

/// Packs the debug build (both binaries must be built: `make test` builds them) and unpacks it.
fn unpacked() -> Unpacked {
    assert!(
        repo().join("ui/dist/index.html").exists(),
        "ui/dist is not built: run `npm --prefix ui ci && npm --prefix ui run build` (make test does)"
    );
    let kaibo = kaibo_bin();
    let studio = PathBuf::from(env!("CARGO_BIN_EXE_kaibo-studio"));
    assert_eq!(kaibo.parent(), studio.parent(), "kaibo and kaibo-studio from different builds");
    let dir = tempfile::tempdir().unwrap();
    let deb = dir.path().join("kaibo.deb");
    let out = Command::new(cargo_deb())
        .args(["-p", "kaibo-studio", "--no-build", "--profile", "dev", "--fast", "--output"])
        .arg(&deb)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo deb failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let root = dir.path().join("root");
    let status = Command::new("dpkg").arg("-x").arg(&deb).arg(&root).status().expect("dpkg is missing");
    assert!(status.success(), "dpkg -x {}", deb.display());
    let (home, work) = (dir.path().join("home"), dir.path().join("work"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    Unpacked { deb, root, home, work, _dir: dir }
}

/// The packages of the Makefile's `APT_RUNTIME` (its continuation lines included).
fn apt_runtime() -> Vec<String> {
    let makefile = std::fs::read_to_string(repo().join("Makefile")).unwrap();
    let start = makefile.find("APT_RUNTIME :=").expect("the Makefile sets APT_RUNTIME");
    let mut packages = Vec::new();
    for line in makefile[start + "APT_RUNTIME :=".len()..].lines() {
        let continued = line.trim_end().ends_with('\\');
        packages.extend(line.trim_end().trim_end_matches('\\').split_whitespace().map(str::to_owned));
        if !continued {
            break;
        }
    }
    packages
}

fn package_field(deb: &Path, field: &str) -> String {
    let out = Command::new("dpkg-deb").arg("-f").arg(deb).arg(field).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn check_contents(package: &Unpacked) {
    assert_eq!(package_field(&package.deb, "Package"), "kaibo");
    let depends: Vec<String> = package_field(&package.deb, "Depends")
        .split(',')
        .map(|d| d.split_whitespace().next().unwrap_or_default().to_owned())
        .collect();
    let runtime = apt_runtime();
    assert!(runtime.len() >= 5, "APT_RUNTIME read as {runtime:?}");
    for needed in runtime.iter().map(String::as_str).chain(["libwebkit2gtk-4.1-0", "libgstreamer1.0-0"]) {
        assert!(depends.iter().any(|d| d == needed), "the package does not depend on {needed}: {depends:?}");
    }
    for file in [
        "usr/bin/kaibo",
        "usr/bin/kaibo-studio",
        "usr/share/kaibo/ui/index.html",
        "usr/share/kaibo/shows/demo.json",
        "usr/share/kaibo/shows/logo.png",
        "usr/share/kaibo/looks/builtin.json",
        "usr/share/kaibo/show.schema.json",
        "usr/share/applications/kaibo-studio.desktop",
        "usr/share/icons/hicolor/512x512/apps/kaibo-studio.png",
        "usr/share/icons/hicolor/128x128/apps/kaibo-studio.png",
    ] {
        assert!(package.root.join(file).is_file(), "the package has no /{file}");
    }
    let assets = std::fs::read_dir(package.root.join("usr/share/kaibo/ui/assets")).unwrap().count();
    assert!(assets > 0, "the packaged UI has no assets");
    let desktop = std::fs::read_to_string(package.root.join("usr/share/applications/kaibo-studio.desktop")).unwrap();
    assert!(desktop.contains("\nExec=kaibo-studio") && desktop.contains("\nIcon=kaibo-studio"), "{desktop}");
}

fn check_runs_the_demo(package: &Unpacked) {
    let mut command = package.hidden(&package.bin("kaibo"));
    command.arg("check").arg(package.demo());
    let (code, output) = Kaibo::run(command, false).finish(Duration::from_secs(120));
    assert_eq!(code, Some(0), "kaibo check on the packaged demo:\n{output}");
    assert!(output.contains("plugins: all present"), "{output}");
}

/// `GET path` on `base`: the status, the Content-Type and the body.
fn get(base: &str, path: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let host = base.strip_prefix("http://").unwrap();
    let mut tcp = std::net::TcpStream::connect(host).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(tcp, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = Vec::new();
    tcp.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

fn check_serves_and_goes_live(package: &Unpacked) {
    let nginx = Nginx::start();
    let ingest = nginx.url("live", "packaged");
    let demo = package.demo();
    let served =
        Served::start_command(package.hidden_with_a_keyring(&package.bin("kaibo")), &[demo.to_str().unwrap()], &[]);

    let (status, content_type, index) = get(&served.base, "/");
    assert_eq!(status, 200, "GET / from the packaged UI: {index}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let script = index
        .split("src=\"/assets/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no script under /assets/ in the packaged index.html:\n{index}"));
    let (status, content_type, _) = get(&served.base, &format!("/assets/{script}"));
    assert_eq!(status, 200, "GET /assets/{script}");
    assert!(content_type.starts_with("text/javascript"), "{content_type}");

    let (status, reply) =
        served.command(json!({ "type": "add_destination", "id": "nginx", "platform": "custom", "url": ingest }));
    assert_eq!(status, 200, "add the destination: {reply}");
    let (status, reply) = served.command(json!({ "type": "go_live" }));
    assert_eq!(status, 200, "go live: {reply}");
    served.wait_state("the destination going live", Duration::from_secs(60), |s| {
        s["destinations"][0]["state"]["state"] == "live"
    });
    let live = probe(Path::new(&ingest));
    assert_eq!(stream(&live, "video")["codec_name"], "h264", "{live}");
    assert_eq!(stream(&live, "audio")["codec_name"], "aac", "{live}");
    let (status, reply) = served.command(json!({ "type": "end_show" }));
    assert_eq!(status, 200, "end the show: {reply}");
    served.wait_state("the show ending", Duration::from_secs(60), |s| s["destinations"][0]["state"]["state"] != "live");
    served.kaibo.signal("INT");
    let (_, output) = served.kaibo.finish(Duration::from_secs(60));

    // The user's files went where XDG says, under the temporary HOME.
    let sessions = package.home.join(".local/share/kaibo/sessions.db");
    assert!(sessions.is_file(), "no session database at {}:\n{output}", sessions.display());
    let recordings: Vec<_> = std::fs::read_dir(package.home.join("Videos/Kaibo"))
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        recordings.iter().any(|r| r.extension().is_some_and(|e| e == "mp4")),
        "no recording in ~/Videos/Kaibo: {recordings:?}\n{output}"
    );
}

fn check_the_window_draws_the_demo(package: &Unpacked) {
    let display = Display::start();
    let shots = repo().join("target/ui-tests/package");
    std::fs::create_dir_all(&shots).unwrap();
    let log = std::fs::File::create(shots.join("kaibo-studio.log")).unwrap();
    let mut command = package.hidden(&package.bin("kaibo-studio"));
    command
        .env("DISPLAY", &display.display)
        .env("XAUTHORITY", &display.xauthority)
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("NO_AT_BRIDGE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log));
    let mut app = command.spawn().unwrap();
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let app = Kill(&mut app);
    wait_until_rendered(&display, &shots.join("window.png"));
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "kaibo-studio exited; see {}",
        shots.join("kaibo-studio.log").display()
    );
}

#[test]
fn the_package_runs_from_its_own_root_with_the_source_tree_out_of_reach() {
    let package = unpacked();
    check_contents(&package);
    check_runs_the_demo(&package);
    check_serves_and_goes_live(&package);
    check_the_window_draws_the_demo(&package);
}
