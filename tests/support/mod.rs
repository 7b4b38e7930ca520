//! What the end-to-end tests share: a real nginx-rtmp ingest on loopback, the `kaibo`
//! binary, and ffprobe/ffmpeg/zbarimg to look at what arrived.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod desktop;

/// The `kaibo` binary of this build (`make test` builds it before the tests run).
pub fn kaibo_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("KAIBO_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join("kaibo");
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace --bins` first (make test does)", bin.display());
    bin
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A free TCP port on loopback.
/// A free loopback port below the kernel's ephemeral range. A port from that range (what
/// binding port 0 gives) can be taken by any outgoing connection while its server is down,
/// a connection to it can even connect to itself, and a restarted nginx then finds its port
/// taken: the ingest-crash tests flaked on exactly that.
pub fn free_port() -> u16 {
    let lowest_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (low, high) = (10_000u16, lowest_ephemeral.max(10_100));
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let mut next = std::process::id().wrapping_mul(7919).wrapping_add(seed);
    for _ in 0..1000 {
        next = next.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let port = low + ((next >> 8) % u32::from(high - low)) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between {low} and {high}")
}

/// nginx with the RTMP module, on a free loopback port, from a temporary config. The
/// applications `live` and `backup` accept any stream; `guarded` rejects every publish.
pub struct Nginx {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Nginx {
    pub fn start() -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut nginx = Nginx { port, dir, child: None };
        nginx.spawn();
        nginx
    }

    fn spawn(&mut self) {
        let root = self.dir.path();
        std::fs::create_dir_all(root.join("logs")).unwrap();
        let module = ["/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("the nginx RTMP module is missing: apt-get install libnginx-mod-rtmp");
        let config = format!(
            "load_module {module};\n\
             daemon off;\nmaster_process off;\npid {root}/nginx.pid;\nerror_log {root}/logs/error.log info;\n\
             events {{ worker_connections 256; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
               application live {{ live on; record off; }}\n\
               application backup {{ live on; record off; }}\n\
               application guarded {{ live on; record off; deny publish all; }}\n\
             }} }}\n",
            root = root.display(),
            port = self.port,
        );
        let conf = root.join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let child = Command::new("nginx")
            .args(["-p", &root.to_string_lossy(), "-e", &root.join("logs/error.log").to_string_lossy(), "-c"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start nginx: apt-get install nginx libnginx-mod-rtmp");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills nginx outright (SIGKILL), as a crashed ingest.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts nginx again on the same port with the same config.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Sends a signal (such as "STOP" or "CONT") to the nginx process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args(["-s", signal, &pid]).status().unwrap();
        assert!(status.success(), "kill -s {signal} {pid}");
    }

    pub fn url(&self, app: &str, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/{app}/{key}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A stopped process still dies of SIGKILL; CONT first keeps its sockets tidy.
            let _ = Command::new("kill").args(["-s", "CONT", &child.id().to_string()]).status();
        }
        self.kill();
    }
}

/// A running `kaibo` with its output collected line by line, with arrival times.
pub struct Kaibo {
    pub child: Child,
    /// Where operator commands are typed, for a `kaibo live` started interactive.
    stdin: Option<std::process::ChildStdin>,
    pub lines: Arc<Mutex<Vec<(Instant, String)>>>,
    pub started: Instant,
}

impl Kaibo {
    pub fn spawn(args: &[&str]) -> Kaibo {
        Kaibo::start(args, false, &[])
    }

    /// Starts `kaibo` with a pipe to type operator commands into (see [`Kaibo::type_line`]).
    pub fn spawn_interactive(args: &[&str]) -> Kaibo {
        Kaibo::start(args, true, &[])
    }

    /// `kaibo ARGS...` with extra environment variables.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Kaibo {
        Kaibo::start(args, false, env)
    }

    fn start(args: &[&str], interactive: bool, env: &[(&str, &str)]) -> Kaibo {
        let mut command = Command::new(kaibo_bin());
        command.args(args).envs(env.iter().copied());
        Kaibo::run(command, interactive)
    }

    /// `command` (a kaibo started some other way: another binary, a wrapper) with its
    /// output collected.
    pub fn run(mut command: Command, interactive: bool) -> Kaibo {
        let mut child = command
            .stdin(if interactive { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push((Instant::now(), line));
                }
            });
        }
        let stdin = child.stdin.take();
        Kaibo { child, stdin, lines, started: Instant::now() }
    }

    /// Sends a signal (`TERM`, `INT`) to kaibo, as a terminal or a service manager would.
    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status();
    }

    /// Types one operator command; returns when it was sent.
    pub fn type_line(&mut self, line: &str) -> Instant {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("started with spawn_interactive");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        Instant::now()
    }

    /// Waits for a line containing `needle`; returns when it arrived.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> Option<Instant> {
        self.wait_for_after(needle, self.started, timeout)
    }

    /// Waits for a line containing `needle` printed at or after `since`.
    pub fn wait_for_after(&self, needle: &str, since: Instant, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let lines = self.lines.lock().unwrap();
            if let Some((at, _)) = lines.iter().find(|(at, l)| *at >= since && l.contains(needle)) {
                return Some(*at);
            }
            drop(lines);
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Everything printed so far.
    pub fn output(&self) -> String {
        self.lines.lock().unwrap().iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n")
    }

    /// Waits for the process to end (killing it after `timeout`); returns its exit code and
    /// everything it printed.
    pub fn finish(mut self, timeout: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_millis(100));
        let output = self.lines.lock().unwrap().iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n");
        (status, output)
    }
}

impl Drop for Kaibo {
    /// A test that fails half-way must not leave a studio streaming into the next test.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `kaibo` to the end; returns the exit code and everything it printed.
pub fn run_kaibo(args: &[&str]) -> (Option<i32>, String) {
    Kaibo::spawn(args).finish(Duration::from_secs(120))
}

/// Pulls `seconds` of a live stream into a file with ffmpeg (no re-encode).
pub fn pull(url: &str, seconds: u32, out: &Path) -> Child {
    Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-rw_timeout", "15000000", "-i", url, "-t", &seconds.to_string(), "-c", "copy"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ffmpeg is missing: apt-get install ffmpeg")
}

/// ffprobe's JSON for the streams and format of a file or URL.
pub fn probe(input: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-of", "json"])
        .arg(input)
        .output()
        .expect("ffprobe is missing: apt-get install ffmpeg");
    assert!(out.status.success(), "ffprobe {}: {}", input.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The stream of one type ("video" or "audio") in ffprobe's output.
pub fn stream<'a>(probe: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stream in {probe}"))
}

/// Presentation times of the video keyframes, in seconds.
pub fn keyframe_times(input: &Path) -> Vec<f64> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(input)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().trim_end_matches(',').parse().ok()).collect()
}

/// Decodes the frame at `seconds` into an RGB image, also written to `png`.
pub fn frame_at(input: &Path, seconds: f64, png: &Path) -> image::RgbImage {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-ss", &format!("{seconds:.3}"), "-i"])
        .arg(input)
        .args(["-frames:v", "1"])
        .arg(png)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffmpeg frame at {seconds}: {}", String::from_utf8_lossy(&out.stderr));
    image::open(png).unwrap().to_rgb8()
}

/// The average colour of a rectangle given in 0..1 of the frame.
pub fn mean_rgb(frame: &image::RgbImage, rect: [f64; 4]) -> [f64; 3] {
    let (w, h) = (f64::from(frame.width()), f64::from(frame.height()));
    let (x0, y0) = ((rect[0] * w) as u32, (rect[1] * h) as u32);
    let (x1, y1) = (((rect[0] + rect[2]) * w) as u32, ((rect[1] + rect[3]) * h) as u32);
    let mut sum = [0f64; 3];
    let mut n = 0f64;
    for y in y0..y1.min(frame.height()) {
        for x in x0..x1.min(frame.width()) {
            let p = frame.get_pixel(x, y);
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n.max(1.0))
}

/// What `zbarimg` reads off a picture: the QR codes' texts.
pub fn read_qr(png: &Path) -> Vec<String> {
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(png)
        .output()
        .expect("zbarimg is missing: apt-get install zbar-tools");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

/// Writes a solid-colour PNG.
pub fn solid_png(path: &Path, width: u32, height: u32, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(width, height, image::Rgb(rgb)).save(path).unwrap();
}

/// Presentation times of every video packet, in seconds, in file order.
pub fn video_packet_times(input: &Path) -> Vec<f64> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time", "-of", "csv=p=0"])
        .arg(input)
        .output()
        .unwrap();
    let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    assert!(
        out.status.success(),
        "ffprobe cannot read {} ({size} bytes): {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().trim_end_matches(',').parse().ok()).collect()
}

/// Checks that video runs in real time: timestamps rise, no gap over `max_gap` seconds, and
/// as many frames as the span times `fps` (within 1%). Returns the span in seconds.
pub fn assert_real_time(what: &str, times: &[f64], fps: f64, max_gap: f64) -> f64 {
    assert!(times.len() > 10, "{what}: only {} frames", times.len());
    let mut gaps = times.windows(2).map(|w| w[1] - w[0]);
    if let Some(bad) = gaps.clone().find(|g| *g <= 0.0) {
        panic!("{what}: timestamps do not rise (step {bad})");
    }
    let widest = gaps.by_ref().fold(0.0f64, f64::max);
    assert!(widest <= max_gap, "{what}: a gap of {widest:.3} s");
    let span = times[times.len() - 1] - times[0] + 1.0 / fps;
    let expected = span * fps;
    let frames = times.len() as f64;
    assert!(
        (frames - expected).abs() <= expected * 0.01,
        "{what}: {frames} frames over {span:.2} s, expected {expected:.0}"
    );
    span
}

/// Parses ffprobe's "30/1" frame rates.
pub fn rate(value: &serde_json::Value) -> f64 {
    let text = value.as_str().unwrap_or("0/1");
    let (n, d) = text.split_once('/').unwrap_or((text, "1"));
    n.parse::<f64>().unwrap_or(0.0) / d.parse::<f64>().unwrap_or(1.0).max(1e-9)
}

/// A number that ffprobe gives as a string.
pub fn num(value: &serde_json::Value) -> f64 {
    value.as_str().and_then(|s| s.parse().ok()).or_else(|| value.as_f64()).unwrap_or(f64::NAN)
}

/// The side of the small frames [`Watch`] and [`small_frames`] decode to.
pub const SMALL: (usize, usize) = (32, 18);

/// One decoded frame, shrunk to [`SMALL`]: its mean colour, and when it was seen (live
/// watch) or its time in the file.
#[derive(Debug, Clone, Copy)]
pub struct SmallFrame {
    pub at: Instant,
    pub seconds: f64,
    pub rgb: [f64; 3],
}

/// Watches a live stream as it arrives: ffmpeg decodes it with as little buffering as it
/// can, and each frame is noted with the instant it came out.
pub struct Watch {
    child: Child,
    frames: Arc<Mutex<Vec<SmallFrame>>>,
}

impl Watch {
    pub fn start(url: &str) -> Watch {
        let mut child = Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-fflags",
                "nobuffer",
                "-flags",
                "low_delay",
                "-probesize",
                "32768",
                "-analyzeduration",
                "0",
            ])
            .args(["-rw_timeout", "20000000", "-i", url, "-an", "-vf"])
            .arg(format!("scale={}:{}", SMALL.0, SMALL.1))
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg is missing: apt-get install ffmpeg");
        let mut stdout = child.stdout.take().unwrap();
        let frames = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&frames);
        std::thread::spawn(move || {
            use std::io::Read;
            let started = Instant::now();
            let mut buffer = vec![0u8; SMALL.0 * SMALL.1 * 3];
            while stdout.read_exact(&mut buffer).is_ok() {
                let at = Instant::now();
                let rgb = mean_of(&buffer);
                sink.lock().unwrap().push(SmallFrame { at, seconds: at.duration_since(started).as_secs_f64(), rgb });
            }
        });
        Watch { child, frames }
    }

    /// Every frame seen so far.
    pub fn frames(&self) -> Vec<SmallFrame> {
        self.frames.lock().unwrap().clone()
    }

    /// The first frame after `since` that `test` accepts, waiting up to `timeout`.
    pub fn first_after(
        &self,
        since: Instant,
        timeout: Duration,
        test: impl Fn(&[f64; 3]) -> bool,
    ) -> Option<SmallFrame> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(frame) = self.frames().into_iter().find(|f| f.at >= since && test(&f.rgb)) {
                return Some(frame);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every frame of a file, shrunk to [`SMALL`], with its time from the first frame.
pub fn small_frames(input: &Path, fps: f64) -> Vec<SmallFrame> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(["-an", "-vf"])
        .arg(format!("scale={}:{}", SMALL.0, SMALL.1))
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg is missing: apt-get install ffmpeg");
    let now = Instant::now();
    out.stdout
        .chunks_exact(SMALL.0 * SMALL.1 * 3)
        .enumerate()
        .map(|(i, frame)| SmallFrame { at: now, seconds: i as f64 / fps, rgb: mean_of(frame) })
        .collect()
}

fn mean_of(rgb24: &[u8]) -> [f64; 3] {
    let mut sum = [0f64; 3];
    for pixel in rgb24.chunks_exact(3) {
        for c in 0..3 {
            sum[c] += f64::from(pixel[c]);
        }
    }
    let n = (rgb24.len() / 3).max(1) as f64;
    sum.map(|s| s / n)
}

/// A `kaibo serve` started by a test: its base URL and token, for the HTTP API, and the
/// audience bridge's own token (for `--bridge`).
pub struct Served {
    pub kaibo: Kaibo,
    pub base: String,
    pub token: String,
    pub bridge_token: String,
}

impl Served {
    /// `kaibo serve ARGS... --listen 127.0.0.1:0` with a known token; waits for its URL.
    pub fn start(args: &[&str]) -> Served {
        Served::start_with_env(args, &[])
    }

    /// [`Served::start`] with more environment variables.
    pub fn start_with_env(args: &[&str], extra: &[(&str, &str)]) -> Served {
        Served::start_command(Command::new(kaibo_bin()), args, extra)
    }

    /// [`Served::start_with_env`] through `command`: a kaibo other than this build's, or a
    /// wrapper that runs one (`serve` and the arguments are added to it).
    pub fn start_command(mut command: Command, args: &[&str], extra: &[(&str, &str)]) -> Served {
        let token = "test-token-0123456789".to_owned();
        let bridge_token = "test-bridge-token-9876543210".to_owned();
        let mut all: Vec<&str> = vec!["serve"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--listen", "127.0.0.1:0"]);
        let mut env = vec![("KAIBO_TOKEN", token.as_str()), ("KAIBO_BRIDGE_TOKEN", bridge_token.as_str())];
        env.extend_from_slice(extra);
        command.args(&all).envs(env.iter().copied());
        let kaibo = Kaibo::run(command, false);
        kaibo
            .wait_for("Kaibo Studio: http://", Duration::from_secs(30))
            .unwrap_or_else(|| panic!("kaibo serve did not start:\n{}", kaibo.output()));
        let output = kaibo.output();
        let url = output.lines().find_map(|l| l.split("Kaibo Studio: ").nth(1)).unwrap().trim().to_owned();
        let base = url.split("/?").next().unwrap().to_owned();
        Served { kaibo, base, token, bridge_token }
    }

    /// `POST /api/commands`: the status code and the JSON reply.
    pub fn command(&self, command: serde_json::Value) -> (u16, serde_json::Value) {
        http_json("POST", &format!("{}/api/commands", self.base), &self.token, Some(&command))
    }

    /// `GET /api/state`.
    pub fn state(&self) -> serde_json::Value {
        http_json("GET", &format!("{}/api/state", self.base), &self.token, None).1
    }

    /// Polls `/api/state` until `test` holds, for at most `patience`; fails naming `what`.
    pub fn wait_state(
        &self,
        what: &str,
        patience: Duration,
        test: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + patience;
        loop {
            let state = self.state();
            if test(&state) {
                return state;
            }
            assert!(Instant::now() < deadline, "{what} never happened; state: {state}\n{}", self.kaibo.output());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// One HTTP/1.1 request with a bearer token and an optional JSON body; the status and the
/// reply as JSON (`null` when it is not JSON).
pub fn http_json(method: &str, url: &str, token: &str, body: Option<&serde_json::Value>) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".to_owned()));
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut stream = TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply);
    let (head, payload) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // Chunked replies: keep the JSON between the first `{`/`[` and the last `}`/`]`.
    let start = payload.find(['{', '[']).unwrap_or(payload.len());
    let end = payload.rfind(['}', ']']).map_or(start, |e| e + 1);
    (status, serde_json::from_str(&payload[start..end.max(start)]).unwrap_or(serde_json::Value::Null))
}

/// Grabs one frame of a live stream as an RGB image (ffmpeg connects, decodes one frame).
pub fn grab_frame(url: &str, png: &Path) -> image::RgbImage {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-rw_timeout", "15000000", "-i", url, "-frames:v", "1"])
        .arg(png)
        .output()
        .expect("ffmpeg is missing: apt-get install ffmpeg");
    assert!(out.status.success(), "ffmpeg could not grab a frame of {url}: {}", String::from_utf8_lossy(&out.stderr));
    image::open(png).unwrap().to_rgb8()
}

/// How many pixels of a rectangle (0..1 of the frame) differ by more than `by` in any channel.
pub fn changed_pixels(a: &image::RgbImage, b: &image::RgbImage, rect: [f64; 4], by: u8) -> usize {
    let (w, h) = (f64::from(a.width()), f64::from(a.height()));
    let (x0, y0) = ((rect[0] * w) as u32, (rect[1] * h) as u32);
    let (x1, y1) = (((rect[0] + rect[2]) * w) as u32, ((rect[1] + rect[3]) * h) as u32);
    let mut changed = 0;
    for y in y0..y1.min(a.height()).min(b.height()) {
        for x in x0..x1.min(a.width()).min(b.width()) {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            if (0..3).any(|c| p[c].abs_diff(q[c]) > by) {
                changed += 1;
            }
        }
    }
    changed
}
