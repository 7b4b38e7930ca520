//! The safe slate the kill switch puts on every destination: the show's safe-slate picture
//! and silence, encoded with the program's own settings (so both streams carry the same
//! codec headers), by encoders that run only while some destination shows it.
//!
//! ```text
//! appsrc (one picture) ─▶ videoconvert ─▶ imagefreeze (live) ─▶ valve ─▶ x264 ─▶ safe video tee
//! audiotestsrc (silence, live) ─▶ convert ─▶ 48 kHz stereo ─▶ AAC ─▶ valve ─▶ safe audio tee
//! ```
//!
//! The picture is converted once; imagefreeze repeats that one buffer at the canvas rate.
//! With the video valve closed, x264 does nothing. The AAC encoder runs all the time (0.3%
//! of a core): started mid-stream it trips over its own first frames, and every AAC frame
//! stands alone, so its output can be cut anywhere.

use gst::prelude::*;
use show::Show;

use crate::ingest::EncoderSettings;
use crate::program::{aac_encoder, audio_caps, capsfilter, make, tee, video_encoder};
use crate::EngineError;

pub(crate) struct SafeSlate {
    valves: [gst::Element; 2],
    encoder_sink: gst::Pad,
    pub video_tee: gst::Element,
    pub audio_tee: gst::Element,
    /// Destinations showing it now; the encoders run while this is above zero. Released
    /// from streaming threads, so it has its own lock.
    users: std::sync::Mutex<usize>,
}

impl SafeSlate {
    /// Adds the slate branch to `bin` (its encode group), valves closed.
    pub(crate) fn build(
        bin: &gst::Bin,
        show: &Show,
        raw_caps: &gst::Caps,
        encoder: &EncoderSettings,
    ) -> Result<SafeSlate, EngineError> {
        let picture = slate_picture(show)?;
        let bgra = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::Bgra)
            .width(picture.width as i32)
            .height(picture.height as i32)
            .framerate(gst::Fraction::new(0, 1))
            .build();
        let source = gst::ElementFactory::make("appsrc")
            .name("safe-source")
            .property("caps", &bgra)
            .property_from_str("format", "time")
            .build()
            .map_err(|e| EngineError::element("appsrc", e))?;
        let mut buffer = gst::Buffer::from_mut_slice(picture.data);
        if let Some(buffer) = buffer.get_mut() {
            buffer.set_pts(gst::ClockTime::ZERO);
        }
        // Queued inside appsrc until the pipeline starts.
        let _ = source.emit_by_name::<gst::FlowReturn>("push-buffer", &[&buffer]);
        let _ = source.emit_by_name::<gst::FlowReturn>("end-of-stream", &[]);

        let freeze = gst::ElementFactory::make("imagefreeze")
            .name("safe-freeze")
            .property("is-live", true)
            .build()
            .map_err(|e| EngineError::element("imagefreeze", e))?;
        let video_valve = valve("safe-video-valve")?;
        let [x264, profile, parse] = video_encoder("safe", encoder, show.canvas.fps)?;
        let video_tee = tee("safe-video-tee")?;
        let video = [
            source,
            make("videoconvert", "safe-convert")?,
            freeze,
            capsfilter("safe-caps", raw_caps)?,
            video_valve.clone(),
            x264.clone(),
            profile,
            parse,
            video_tee.clone(),
        ];
        bin.add_many(&video).map_err(|e| EngineError::build("safe slate video", e))?;
        gst::Element::link_many(&video).map_err(|e| EngineError::build("safe slate video", e))?;

        let silence = gst::ElementFactory::make("audiotestsrc")
            .name("safe-silence")
            .property_from_str("wave", "silence")
            .property("is-live", true)
            .build()
            .map_err(|e| EngineError::element("audiotestsrc", e))?;
        let audio_valve = valve("safe-audio-valve")?;
        let audio_tee = tee("safe-audio-tee")?;
        let audio = [
            silence,
            make("audioconvert", "safe-audio-convert")?,
            capsfilter("safe-audio-caps", &audio_caps())?,
            aac_encoder("safe-audio-encoder", encoder.audio_kbps)?,
            make("aacparse", "safe-audio-parse")?,
            audio_valve.clone(),
            audio_tee.clone(),
        ];
        bin.add_many(&audio).map_err(|e| EngineError::build("safe slate audio", e))?;
        gst::Element::link_many(&audio).map_err(|e| EngineError::build("safe slate audio", e))?;

        let encoder_sink = x264.static_pad("sink").ok_or_else(|| EngineError::missing_pad("safe encoder sink"))?;
        Ok(SafeSlate {
            valves: [video_valve, audio_valve],
            encoder_sink,
            video_tee,
            audio_tee,
            users: std::sync::Mutex::new(0),
        })
    }

    /// One more destination shows the slate: the encoders run, starting on a keyframe.
    pub(crate) fn acquire(&self) {
        let mut users = self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *users += 1;
        if *users == 1 {
            for valve in &self.valves {
                valve.set_property("drop", false);
            }
        }
        // A destination that joins while it runs needs a keyframe too.
        self.encoder_sink.send_event(gst_video::DownstreamForceKeyUnitEvent::builder().all_headers(true).build());
    }

    /// One destination went back to the program; the last one stops the encoders.
    pub(crate) fn release(&self) {
        let mut users = self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *users = users.saturating_sub(1);
        if *users == 0 {
            for valve in &self.valves {
                valve.set_property("drop", true);
            }
        }
    }
}

/// The show's own slate text and picture (each falling back to "Be right back" and the logo).
fn slate_picture(show: &Show) -> Result<render::Raster, EngineError> {
    render::render_safe_slate(show).map_err(|e| EngineError::build("safe slate", e))
}

fn valve(name: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make("valve")
        .name(name)
        .property("drop", true)
        .build()
        .map_err(|e| EngineError::element("valve", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(slate: Option<&str>) -> Show {
        let mut json = serde_json::json!({
            "canvas": { "width": 320, "height": 180, "fps": 30 },
            "scenes": [{ "id": "main", "layers": [] }]
        });
        if let Some(text) = slate {
            json["safe_slate"] = serde_json::json!({ "text": text });
        }
        Show::parse(&json.to_string(), std::path::Path::new("/")).expect("a valid show")
    }

    #[test]
    fn the_kill_switch_shows_the_shows_own_slate_text() {
        let own = slate_picture(&show(Some("本场休息 · Intermission"))).expect("drawn");
        let default = slate_picture(&show(None)).expect("drawn");
        assert!(own.data != default.data, "the show's slate text is not on the slate");
        let expected = render::render_slate(&show(None), "本场休息 · Intermission").expect("drawn");
        assert!(own.data == expected.data, "the slate should show exactly the show's text");
    }
}
