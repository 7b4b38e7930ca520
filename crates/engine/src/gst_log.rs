//! GStreamer's debug log, written by Kaibo so that it never shows a secret.
//!
//! `rtmp2` logs the stream name (the key) when it sets its location and when it publishes,
//! so with `GST_DEBUG=4` or `rtmp*:5` GStreamer's default log function would print the key
//! to stderr. [`install`] puts this one in its place: the same fields as the default
//! (time since start, pid, thread, level, category, `file:line:function:<object>`, message),
//! with every secret [`crate::secrets`] knows replaced by `****` before the line is written,
//! to stderr or to `GST_DEBUG_FILE` when that is set. GStreamer only calls a log function
//! for the levels `GST_DEBUG` enables, so this costs nothing when logging is off.
//!
//! A memory dump (`GST_DEBUG=...:9`) is printed as hex with a few bytes a line, where a key
//! would be split across lines beyond any matching; its contents are left out while a
//! secret is registered.

use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, Once, PoisonError};
use std::time::Instant;

static INSTALL: Once = Once::new();

/// Where the log lines go.
enum LogSink {
    Stderr,
    Stdout,
    File(Mutex<File>),
}

impl LogSink {
    /// `GST_DEBUG_FILE` as GStreamer reads it (`-` is stdout; `%p` is the pid, `%r` a
    /// random number), else stderr. GStreamer has opened (and emptied) that file already;
    /// it is appended to here, since GStreamer no longer writes to it.
    fn from_environment() -> LogSink {
        let Some(path) = std::env::var_os("GST_DEBUG_FILE").filter(|p| !p.is_empty()) else {
            return LogSink::Stderr;
        };
        let path = path.to_string_lossy().into_owned();
        if path == "-" {
            return LogSink::Stdout;
        }
        let pid = std::process::id().to_string();
        let random = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.subsec_nanos())
            .to_string();
        let path = path.replace("%p", &pid).replace("%r", &random);
        match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
            Ok(file) => LogSink::File(Mutex::new(file)),
            Err(error) => {
                eprintln!("warning: GStreamer's log goes to stderr: cannot open GST_DEBUG_FILE {path}: {error}");
                LogSink::Stderr
            }
        }
    }

    fn write(&self, line: &str) {
        // A log line that cannot be written is lost; the show goes on.
        let _ = match self {
            LogSink::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
            LogSink::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
            LogSink::File(file) => file.lock().unwrap_or_else(PoisonError::into_inner).write_all(line.as_bytes()),
        };
    }
}

/// Replaces GStreamer's default log function with the scrubbing one, once per process.
/// Call it right after `gst::init`, before any element that could log a secret is made.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        let sink = LogSink::from_environment();
        let started = Instant::now();
        let pid = std::process::id();
        gst::log::remove_default_log_function();
        let _ = gst::log::add_log_function(move |category, level, file, function, line, object, message| {
            let Some(text) = message.get() else { return };
            let object = match object {
                Some(object) => format!("<{object}>"),
                None => message.id().map(|id| format!("<{id}>")).unwrap_or_default(),
            };
            let text = if level == gst::DebugLevel::Memdump && crate::secrets::any() {
                "(memory dump left out: it may hold a stream key)"
            } else {
                text.as_str()
            };
            let formatted = format_line(
                started.elapsed(),
                pid,
                level.name().as_str(),
                category.name(),
                &format!("{file}:{line}:{function}:{object}"),
                text,
            );
            sink.write(&crate::secrets::scrub(&formatted));
        });
    });
}

/// One line in the default log's layout:
/// `0:00:01.234567890 12345 ThreadId(7) INFO    rtmp2sink file.c:12:function:<sink> message`.
fn format_line(elapsed: std::time::Duration, pid: u32, level: &str, category: &str, place: &str, text: &str) -> String {
    let secs = elapsed.as_secs();
    format!(
        "{}:{:02}:{:02}.{:09} {pid:5} {:>12} {level:<7} {category:>20} {place} {text}\n",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        elapsed.subsec_nanos(),
        format!("{:?}", std::thread::current().id()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_the_default_fields() {
        let line = format_line(
            std::time::Duration::from_millis(3_723_004),
            42,
            "INFO",
            "rtmp2sink",
            "gstrtmp2sink.c:12:start:<sink>",
            "connecting",
        );
        assert!(line.starts_with("1:02:03.004000000    42 "), "{line}");
        assert!(line.ends_with(" INFO               rtmp2sink gstrtmp2sink.c:12:start:<sink> connecting\n"), "{line}");
    }
}
