//! What scrubbing costs a GStreamer log line: `engine::secrets::scrub` over typical lines,
//! with 0, 4 and 64 registered secrets (each in its several encodings).
//!
//! `cargo run --release -p engine --example log_scrub_cost`
use std::time::Instant;

fn main() {
    let clean = "0:00:01.234567890 12345  ThreadId(6) DEBUG              rtmp2sink ../gst/rtmp2/gstrtmp2sink.c:969:gst_rtmp2_sink_task_func:<sink> gst_rtmp2_sink_task starting";
    let dirty = "0:00:00.224912026 14074  ThreadId(1) DEBUG   rtmp2locationhandler ../gst/rtmp2/gstrtmp2locationhandler.c:158:uri_handler_set_uri:<sink> setting URI from rtmp://127.0.0.1:1/live/sk-0003-live-key";
    let rounds = 1_000_000;
    let mut registered = 0;
    for target in [0, 4, 64] {
        while registered < target {
            engine::secrets::register(&format!("sk-{registered:04}-live-key"));
            registered += 1;
        }
        for (what, line) in [("clean line", clean), ("line with a key", dirty)] {
            let started = Instant::now();
            let mut bytes = 0;
            for _ in 0..rounds {
                bytes += std::hint::black_box(engine::secrets::scrub(std::hint::black_box(line))).len();
            }
            let ns = started.elapsed().as_nanos() as f64 / f64::from(rounds);
            println!("{target:>3} secrets, {what:<16}: {ns:7.1} ns a line ({bytes} bytes out)");
        }
    }
}
