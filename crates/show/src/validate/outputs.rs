//! Destinations and encoder settings.

use url::Url;

use super::{Checker, MAX_DELAY_SECONDS, X264_PRESETS};
use crate::model::{Destination, Encoding};
use crate::redact::redact_url;

impl Checker<'_> {
    pub(super) fn destinations(&mut self) {
        let destinations = &self.show.destinations;
        self.unique_ids(
            "destination id",
            destinations.iter().enumerate().map(|(i, d)| (format!("destinations[{i}].id"), d.id.as_str())),
        );
        for (i, destination) in destinations.iter().enumerate() {
            self.destination(&format!("destinations[{i}]"), destination);
        }
    }

    /// Messages show the URL only redacted: it may hold the stream key.
    pub(super) fn destination(&mut self, path: &str, destination: &Destination) {
        let url_path = format!("{path}.url");
        let shown = redact_url(&destination.url);
        match Url::parse(&destination.url) {
            Err(error) => self.problem(
                &url_path,
                format!("is not a valid URL ({error}); expected an ingest address such as rtmp://live.example.com/app"),
            ),
            Ok(url) => {
                let scheme = url.scheme();
                if !matches!(scheme, "rtmp" | "rtmps" | "srt") {
                    self.problem(
                        &url_path,
                        format!("scheme \"{scheme}\" is not accepted; use rtmp://, rtmps:// or srt:// (got {shown})"),
                    );
                } else if url.host_str().is_none_or(str::is_empty) {
                    self.problem(&url_path, format!("has no host; expected {scheme}://HOST/... (got {shown})"));
                } else if scheme == "srt" && url.port().is_none() {
                    self.problem(
                        &url_path,
                        format!("an srt:// URL needs a port, such as srt://ingest.example.com:9000 (got {shown})"),
                    );
                }
            }
        }
        if let Some(key) = &destination.key {
            self.not_empty(&format!("{path}.key.secret"), &key.secret);
        }
        self.whole_range(&format!("{path}.delay_seconds"), destination.delay_seconds, 0, MAX_DELAY_SECONDS);
    }

    pub(super) fn encoding(&mut self, encoding: &Encoding) {
        self.whole_range("encoding.video_bitrate_kbps", encoding.video_bitrate_kbps, 200, 51000);
        self.range("encoding.keyframe_interval_s", encoding.keyframe_interval_s, 0.5, 10.0);
        if !X264_PRESETS.contains(&encoding.x264_preset.as_str()) {
            self.problem(
                "encoding.x264_preset",
                format!("unknown preset \"{}\"; expected one of {}", encoding.x264_preset, X264_PRESETS.join(", ")),
            );
        }
        self.whole_range("encoding.audio_bitrate_kbps", encoding.audio_bitrate_kbps, 64, 320);
    }
}
