//! Latency probes for bench/resilience.sh (see bench/README.md, "Resilience and latency").
//!
//! `latency first-frame URL [TIMEOUT_S]`
//!     Plays URL (an RTMP stream that may not be published yet) and prints, as Unix epoch
//!     seconds, when the first video frame arrives at the reader; then exits. Started before
//!     the publisher, it sees the ingest's first frame (nginx-rtmp keeps idle players).
//!
//! `latency marker SHOW.json URL [TRIALS]`
//!     Runs the engine on SHOW (test camera), pushes to URL, pulls URL back in this same
//!     process (rtmp2src ! flvdemux ! h264parse ! avdec_h264, one decoder thread) and, TRIALS
//!     times, switches the camera's look to brightness -1 at a known instant and measures
//!     when the decoded frames turn dark (mean luma of a region no layer covers). A GStreamer
//!     tracer timestamps the marked frame at each stage of the engine's pipeline (out of
//!     kaibolook, out of x264, out of flvmux into rtmp2sink); every time is the monotonic
//!     system clock both pipelines run on, so the marked frame's PTS (+ the engine's base
//!     time) is the instant the camera produced it.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

fn clock_ns() -> u64 {
    gst::SystemClock::obtain().time().nseconds()
}

// --- The region whose luma is watched: inside the camera, clear of bench/shows' layers. ---
const REGION: [f64; 4] = [0.10, 0.20, 0.62, 0.60]; // x0, y0, x1, y1

/// Mean luma of REGION of an I420/NV12 frame (first plane), every 4th pixel.
fn region_luma(buffer: &gst::BufferRef, info: &gst_video::VideoInfo) -> Option<f64> {
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info).ok()?;
    let (w, h) = (info.width() as f64, info.height() as f64);
    let stride = info.stride()[0] as usize;
    let data = frame.plane_data(0).ok()?;
    let (x0, y0, x1, y1) =
        ((REGION[0] * w) as usize, (REGION[1] * h) as usize, (REGION[2] * w) as usize, (REGION[3] * h) as usize);
    let (mut sum, mut n) = (0u64, 0u64);
    for y in (y0..y1).step_by(4) {
        let row = &data[y * stride..];
        for x in (x0..x1).step_by(4) {
            sum += u64::from(row[x]);
            n += 1;
        }
    }
    (n > 0).then(|| sum as f64 / n as f64)
}

// --- What the tracer records about the marked frame. ---
#[derive(Debug, Default, Clone)]
struct Marks {
    /// Armed: the next dark frame out of kaibolook is the marked one.
    armed: bool,
    threshold: f64,
    /// Pipeline base time of the engine and the marked frame's PTS.
    base: u64,
    pts: Option<u64>,
    look_out: Option<u64>,
    /// Armed at the overlay's output (the compositor makes new buffers, with its own PTS).
    overlay_armed: bool,
    overlay_pts: Option<u64>,
    overlay_out: Option<u64>,
    /// Frames into x264 and out of it, from the start (x264 neither drops nor reorders
    /// here: zerolatency, no B-frames), and the marked frame's number: x264enc offsets its
    /// output PTS (min-pts), so the marked frame is found by its number.
    enc_in_count: u64,
    enc_out_count: u64,
    enc_index: Option<u64>,
    enc_pts: Option<u64>,
    enc_out: Option<u64>,
    mux_out: Option<u64>,
}

fn marks() -> &'static Mutex<Marks> {
    static MARKS: OnceLock<Mutex<Marks>> = OnceLock::new();
    MARKS.get_or_init(|| Mutex::new(Marks::default()))
}

fn look_info() -> &'static Mutex<Option<gst_video::VideoInfo>> {
    static INFO: OnceLock<Mutex<Option<gst_video::VideoInfo>>> = OnceLock::new();
    INFO.get_or_init(|| Mutex::new(None))
}

mod tracer {
    use super::*;

    #[derive(Default)]
    pub struct StageTracer;

    #[glib::object_subclass]
    impl ObjectSubclass for StageTracer {
        const NAME: &'static str = "KaiboBenchStageTracer";
        type Type = super::StageTracer;
        type ParentType = gst::Tracer;
    }

    impl ObjectImpl for StageTracer {
        fn constructed(&self) {
            self.parent_constructed();
            self.register_hook(TracerHook::PadPushPre);
        }
    }
    impl GstObjectImpl for StageTracer {}

    impl TracerImpl for StageTracer {
        fn pad_push_pre(&self, _ts: u64, pad: &gst::Pad, buffer: &gst::Buffer) {
            let now = clock_ns();
            let Some(element) = pad.parent_element() else { return };
            let name = element.name();
            match name.as_str() {
                "look" => {
                    let mut m = marks().lock().unwrap();
                    if !m.armed {
                        return;
                    }
                    let mut info = look_info().lock().unwrap();
                    if info.is_none() {
                        *info = pad.current_caps().and_then(|c| gst_video::VideoInfo::from_caps(&c).ok());
                    }
                    let Some(info) = info.as_ref() else { return };
                    if region_luma(buffer, info).is_some_and(|l| l < m.threshold) {
                        m.armed = false;
                        m.pts = buffer.pts().map(|t| t.nseconds());
                        m.base = element.base_time().map_or(0, |t| t.nseconds());
                        m.look_out = Some(now);
                        m.overlay_armed = true;
                    }
                }
                "overlay" => {
                    let mut m = marks().lock().unwrap();
                    if !m.overlay_armed {
                        return;
                    }
                    let Some(info) = pad.current_caps().and_then(|c| gst_video::VideoInfo::from_caps(&c).ok()) else {
                        return;
                    };
                    if region_luma(buffer, &info).is_some_and(|l| l < m.threshold) {
                        m.overlay_armed = false;
                        m.overlay_pts = buffer.pts().map(|t| t.nseconds());
                        m.overlay_out = Some(now);
                    }
                }
                "encoder-queue" => {
                    let mut m = marks().lock().unwrap();
                    m.enc_in_count += 1;
                    if m.enc_index.is_none()
                        && m.overlay_pts.is_some()
                        && buffer.pts().map(|t| t.nseconds()) == m.overlay_pts
                    {
                        m.enc_index = Some(m.enc_in_count);
                    }
                }
                "video-encoder" => {
                    let mut m = marks().lock().unwrap();
                    m.enc_out_count += 1;
                    if m.enc_out.is_none() && m.enc_index == Some(m.enc_out_count) {
                        m.enc_out = Some(now);
                        m.enc_pts = buffer.pts().map(|t| t.nseconds());
                    }
                }
                "mux" => {
                    // Out of flvmux into rtmp2sink: the video tag of the marked frame. flvmux
                    // stamps a tag with the running time of the frame's DTS-or-PTS, which is
                    // x264enc's PTS less its min-pts offset of 1000 hours.
                    let mut m = marks().lock().unwrap();
                    let (Some(enc), Some(pts)) = (m.enc_pts, buffer.pts().map(|t| t.nseconds())) else { return };
                    if m.mux_out.is_none() && (pts == enc || pts + X264_MIN_PTS == enc) {
                        m.mux_out = Some(now);
                    }
                }
                _ => {}
            }
        }
    }
}

const X264_MIN_PTS: u64 = 1000 * 3600 * 1_000_000_000;

glib::wrapper! {
    pub struct StageTracer(ObjectSubclass<tracer::StageTracer>) @extends gst::Tracer, gst::Object;
}

// --- The reader. ---

/// Frames the reader decoded: (reader PTS, arrival at h264parse, decoded, luma).
struct Reader {
    pipeline: gst::Pipeline,
    arrivals: Arc<Mutex<HashMap<u64, u64>>>,
    /// The latest decoded frame: (pts, decoded at, luma), and a counter.
    frames: Arc<Mutex<Vec<(u64, u64, f64)>>>,
}

fn start_reader(url: &str, decode: bool) -> Reader {
    let tail = if decode {
        "! avdec_h264 name=dec max-threads=1 ! fakesink sync=false async=false"
    } else {
        "! fakesink sync=false async=false"
    };
    let description = format!(
        "rtmp2src name=src location={url} idle-timeout=0 ! flvdemux name=d d.video ! h264parse name=p {tail} \
         d.audio ! fakesink sync=false async=false"
    );
    let pipeline = gst::parse::launch(&description).expect("reader pipeline").downcast::<gst::Pipeline>().unwrap();
    let arrivals: Arc<Mutex<HashMap<u64, u64>>> = Arc::default();
    let frames: Arc<Mutex<Vec<(u64, u64, f64)>>> = Arc::default();
    let parse = pipeline.by_name("p").unwrap();
    let a = Arc::clone(&arrivals);
    parse.static_pad("sink").unwrap().add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if let Some(gst::PadProbeData::Buffer(b)) = &info.data {
            if let Some(pts) = b.pts() {
                a.lock().unwrap().insert(pts.nseconds(), clock_ns());
            }
        }
        gst::PadProbeReturn::Ok
    });
    if decode {
        let dec = pipeline.by_name("dec").unwrap();
        let f = Arc::clone(&frames);
        let info: Mutex<Option<gst_video::VideoInfo>> = Mutex::new(None);
        dec.static_pad("src").unwrap().add_probe(gst::PadProbeType::BUFFER, move |pad, probe| {
            let now = clock_ns();
            if let Some(gst::PadProbeData::Buffer(b)) = &probe.data {
                let mut info = info.lock().unwrap();
                if info.is_none() {
                    *info = pad.current_caps().and_then(|c| gst_video::VideoInfo::from_caps(&c).ok());
                }
                if let (Some(info), Some(pts)) = (info.as_ref(), b.pts()) {
                    if let Some(l) = region_luma(b, info) {
                        f.lock().unwrap().push((pts.nseconds(), now, l));
                    }
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
    pipeline.set_state(gst::State::Playing).expect("reader to PLAYING");
    Reader { pipeline, arrivals, frames }
}

fn reader_error(reader: &Reader) -> Option<String> {
    let bus = reader.pipeline.bus()?;
    while let Some(msg) = bus.pop() {
        if let gst::MessageView::Error(e) = msg.view() {
            return Some(e.error().to_string());
        }
        if let gst::MessageView::Eos(_) = msg.view() {
            return Some("end of stream".to_owned());
        }
    }
    None
}

// --- first-frame ---

fn first_frame(url: &str, timeout: f64) -> i32 {
    gst::init().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs_f64(timeout);
    loop {
        let reader = start_reader(url, false);
        loop {
            if let Some(&first) = reader.arrivals.lock().unwrap().values().min() {
                // Turn the monotonic arrival into wall-clock time.
                let (mono, wall) = (clock_ns(), SystemTime::now().duration_since(UNIX_EPOCH).unwrap());
                let at = wall.as_secs_f64() - (mono - first) as f64 / 1e9;
                println!("{at:.6}");
                let _ = reader.pipeline.set_state(gst::State::Null);
                return 0;
            }
            if std::time::Instant::now() > deadline {
                eprintln!("latency: no video frame at the reader within {timeout} s");
                return 1;
            }
            if let Some(e) = reader_error(&reader) {
                // Not published yet and the server closed the play: connect again.
                eprintln!("latency: reader: {e}; reconnecting");
                let _ = reader.pipeline.set_state(gst::State::Null);
                std::thread::sleep(Duration::from_millis(5));
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

// --- marker ---

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn marker(show_path: &str, url: &str, trials: usize) -> i32 {
    engine::init().expect("engine init");
    // The tracer lives as long as the process.
    let tracer: StageTracer = glib::Object::new();
    std::mem::forget(tracer);

    let mut show = show::Show::load(std::path::Path::new(show_path)).expect("show");
    let mut dark = show::LightingLook::neutral("bench-marker-dark");
    dark.brightness = -1.0;
    show.looks.push(dark);
    show.looks.push(show::LightingLook::neutral("bench-marker-neutral"));
    let target = engine::IngestTarget::new("bench", show::Platform::Custom, engine::SecretUrl::new(url));
    let outputs = engine::Outputs { destinations: vec![target], recording: None, preview: false };
    let (engine, events) = engine::Engine::start(show, outputs).expect("engine start");
    let stop_events = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || while events.recv().is_ok() {});

    // Pull the stream back; wait for steady decoded frames (the reader starts on a keyframe).
    std::thread::sleep(Duration::from_millis(1500));
    let reader = start_reader(url, true);
    let wait_frames = |n: usize, secs: f64| -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs_f64(secs);
        while reader.frames.lock().unwrap().len() < n {
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    };
    if !wait_frames(45, 15.0) {
        eprintln!("latency: the reader decoded no steady stream ({:?})", reader_error(&reader));
        engine.stop(Duration::from_secs(5));
        return 1;
    }
    let baseline = {
        let f = reader.frames.lock().unwrap();
        f.iter().rev().take(30).map(|x| x.2).sum::<f64>() / 30.0
    };
    let threshold = baseline / 2.0;
    eprintln!("latency: reader live; region luma {baseline:.1}, marker threshold {threshold:.1}");

    let mut rows: Vec<[f64; 8]> = Vec::new();
    println!(
        "trial  call->ingest  capture->ingest  capture->look  look->overlay  overlay->x264  x264->mux-out  mux-out->ingest  ingest->decoded   (ms)"
    );
    for trial in 1..=trials {
        // Not aligned with the frame clock: 0.7 s to 1.0 s after the last change back.
        std::thread::sleep(Duration::from_millis(700 + (trial as u64 * 37) % 300));
        let seen = reader.frames.lock().unwrap().len();
        {
            let mut m = marks().lock().unwrap();
            *m = Marks { armed: true, threshold: threshold.max(8.0), ..Marks::default() };
        }
        let call = clock_ns();
        engine.set_look("bench-marker-dark").expect("set_look");
        // The first decoded dark frame.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let found = loop {
            let f = reader.frames.lock().unwrap();
            if let Some(&(pts, decoded, _)) = f[seen..].iter().find(|x| x.2 < threshold) {
                break Some((pts, decoded));
            }
            drop(f);
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        // Let the tracer finish (mux-out can come a moment after).
        std::thread::sleep(Duration::from_millis(200));
        let Some((rpts, decoded)) = found else {
            eprintln!("latency: trial {trial}: no dark frame at the reader within 5 s");
            engine.stop(Duration::from_secs(5));
            return 1;
        };
        let arrived = reader.arrivals.lock().unwrap().get(&rpts).copied().unwrap_or(decoded);
        let m = marks().lock().unwrap().clone();
        let capture = m.pts.map(|p| m.base + p);
        let ms = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => (b as f64 - a as f64) / 1e6,
            _ => f64::NAN,
        };
        let row = [
            ms(Some(call), Some(arrived)),
            ms(capture, Some(arrived)),
            ms(capture, m.look_out),
            ms(m.look_out, m.overlay_out),
            ms(m.overlay_out, m.enc_out),
            ms(m.enc_out, m.mux_out),
            ms(m.mux_out, Some(arrived)),
            ms(Some(arrived), Some(decoded)),
        ];
        println!(
            "{trial:5}  {:12.1}  {:15.1}  {:13.1}  {:13.1}  {:13.1}  {:13.1}  {:15.1}  {:15.1}",
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]
        );
        rows.push(row);
        engine.set_look("bench-marker-neutral").expect("set_look");
        // Back to normal before the next trial.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while reader.frames.lock().unwrap().last().is_none_or(|x| x.2 < threshold) {
            if std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let names = [
        "call->ingest",
        "capture->ingest",
        "capture->look",
        "look->overlay",
        "overlay->x264",
        "x264->mux-out",
        "mux-out->ingest",
        "ingest->decoded",
    ];
    println!("summary (ms)        min   median      p90");
    for (i, name) in names.iter().enumerate() {
        let mut v: Vec<f64> = rows.iter().map(|r| r[i]).filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            println!("{name:<16} {:>7} {:>8} {:>8}", "-", "-", "-");
            continue;
        }
        let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
        println!("{name:<16} {min:7.1} {:8.1} {:8.1}", median(&mut v), percentile(&mut v, 0.9));
    }
    stop_events.store(true, Ordering::SeqCst);
    let _ = reader.pipeline.set_state(gst::State::Null);
    engine.stop(Duration::from_secs(5));
    0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["first-frame", url] => first_frame(url, 20.0),
        ["first-frame", url, timeout] => first_frame(url, timeout.parse().expect("timeout in seconds")),
        ["marker", show, url] => marker(show, url, 10),
        ["marker", show, url, trials] => marker(show, url, trials.parse().expect("trials")),
        _ => {
            eprintln!("usage: latency first-frame URL [TIMEOUT_S] | latency marker SHOW.json URL [TRIALS]");
            2
        }
    };
    std::process::exit(code);
}
