//! What each kind of input is made of. Every one ends in the standard face: raw I420 video at
//! the canvas size and rate, timed on the program's clock.

use gst::prelude::*;

use crate::sources::{self, CameraChoice};
use crate::EngineError;

pub(crate) enum Spec {
    Camera(CameraChoice),
    /// A file (`file://` URI) or a feed, decoded by uridecodebin.
    Media {
        uri: String,
        file: bool,
        looping: bool,
    },
    Screen,
}

impl Spec {
    /// Words for a streamer: "the camera", "media clip.mp4"...
    pub(crate) fn what(&self) -> String {
        match self {
            Spec::Camera(_) => "the camera".to_owned(),
            Spec::Media { uri, file: true, .. } => {
                format!("the video file {}", uri.rsplit('/').next().unwrap_or(uri))
            }
            Spec::Media { uri, .. } => format!("the feed {}", show::redact_url(uri)),
            Spec::Screen => "the screen capture".to_owned(),
        }
    }

    pub(crate) fn loops(&self) -> bool {
        matches!(self, Spec::Media { file: true, looping: true, .. })
    }

    /// Files and feeds we call or pull are opened again when they stay silent; a listener
    /// just goes on waiting for its sender (opening it again would turn a sender away).
    pub(crate) fn rebuild_when_silent(&self) -> bool {
        matches!(self, Spec::Media { uri, .. } if !uri.contains("mode=listener"))
    }

    pub(crate) fn is_camera(&self) -> bool {
        matches!(self, Spec::Camera(_))
    }

    /// Adds the input's elements to `bin`; returns the pad that carries its picture.
    pub(crate) fn build(&self, bin: &gst::Bin, caps: &gst::Caps) -> Result<gst::Pad, EngineError> {
        let mut chain = Vec::new();
        match self {
            Spec::Camera(choice) => {
                chain.push(sources::camera_element(choice)?);
                // A device camera opens in the mode that best fits the canvas (MJPEG decoded).
                if let CameraChoice::Device(device) = choice {
                    chain.extend(crate::devices::mode_chain(device, caps)?);
                }
                if !matches!(choice, CameraChoice::TestPattern { .. }) {
                    chain.extend([make("videoconvert")?, make("videoscale")?, make("videorate")?]);
                }
            }
            Spec::Screen => {
                if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
                    return Err(EngineError::Unknown(
                        "the screen cannot be captured: there is no display ($DISPLAY is not set)".to_owned(),
                    ));
                }
                let capture = gst::ElementFactory::make("ximagesrc")
                    .property("use-damage", false)
                    .build()
                    .map_err(|e| EngineError::element("ximagesrc", e))?;
                chain.extend([capture, make("videoconvert")?, make("videoscale")?, make("videorate")?]);
            }
            Spec::Media { .. } => chain.extend([make("videoconvert")?, make("videoscale")?, make("videorate")?]),
        }
        chain.push(
            gst::ElementFactory::make("capsfilter")
                .property("caps", caps)
                .build()
                .map_err(|e| EngineError::element("capsfilter", e))?,
        );
        if let Spec::Media { .. } = self {
            // A file is not live: its frames are let through at the program's pace.
            chain.push(make("clocksync")?);
        }
        bin.add_many(&chain).map_err(|e| EngineError::build("source", e))?;
        gst::Element::link_many(&chain).map_err(|e| EngineError::build("source chain", e))?;
        if let Spec::Media { uri, .. } = self {
            let decode = gst::ElementFactory::make("uridecodebin")
                .property("uri", uri)
                .build()
                .map_err(|e| EngineError::element("uridecodebin", e))?;
            bin.add(&decode).map_err(|e| EngineError::build("source", e))?;
            let video_sink = chain[0].static_pad("sink").ok_or_else(|| EngineError::missing_pad("convert sink"))?;
            start_at_now(&video_sink);
            let bin_weak = bin.downgrade();
            decode.connect_pad_added(move |_, pad| {
                let is_video = pad
                    .current_caps()
                    .or_else(|| Some(pad.query_caps(None)))
                    .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/")))
                    .unwrap_or(false);
                if is_video && !video_sink.is_linked() {
                    let _ = pad.link(&video_sink);
                } else if let Some(bin) = bin_weak.upgrade() {
                    // Sound goes to the mix later (issue 12); for now it is played into nothing.
                    if let Ok(sink) =
                        gst::ElementFactory::make("fakesink").property("sync", true).property("async", false).build()
                    {
                        if bin.add(&sink).is_ok() {
                            let _ = sink.sync_state_with_parent();
                            if let Some(sink_pad) = sink.static_pad("sink") {
                                let _ = pad.link(&sink_pad);
                            }
                        }
                    }
                }
            });
        }
        chain.last().and_then(|e| e.static_pad("src")).ok_or_else(|| EngineError::missing_pad("source src"))
    }
}

/// Shifts a stream that starts at 0 (a file, a pulled feed) to the program's running time
/// when its first frame arrives, so it plays from now instead of racing to catch up.
fn start_at_now(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::BUFFER, |pad, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else { return gst::PadProbeReturn::Ok };
        let now = crate::running_time::program_now(pad).nseconds() as i64;
        let pts = buffer.pts().map_or(0, |t| t.nseconds() as i64);
        pad.set_offset(now - pts);
        gst::PadProbeReturn::Remove
    });
}

/// The input for a media layer: a file of the show (a `file://` URI) or a feed address.
pub(crate) fn media_spec(show: &show::Show, layer: &show::MediaLayer) -> Spec {
    match (&layer.path, &layer.url) {
        (Some(path), _) => {
            let file = show.resolve(path);
            let file = std::path::absolute(&file).unwrap_or(file);
            let uri = gst::glib::filename_to_uri(&file, None).map(|u| u.to_string()).unwrap_or_default();
            Spec::Media { uri, file: true, looping: layer.looping }
        }
        (None, Some(url)) => Spec::Media { uri: url.clone(), file: false, looping: false },
        (None, None) => Spec::Media { uri: String::new(), file: false, looping: false },
    }
}

fn make(factory: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make(factory).build().map_err(|e| EngineError::element(factory, e))
}
