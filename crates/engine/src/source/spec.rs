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
        /// Where its sound goes: the entry of its strip in the mix (none when its sound is
        /// off, or another layer's sound already takes it).
        sound: Option<gst::Pad>,
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
        if let Spec::Media { uri, sound, .. } = self {
            let decode = gst::ElementFactory::make("uridecodebin")
                .property("uri", uri)
                .build()
                .map_err(|e| EngineError::element("uridecodebin", e))?;
            bin.add(&decode).map_err(|e| EngineError::build("source", e))?;
            let video_sink = chain[0].static_pad("sink").ok_or_else(|| EngineError::missing_pad("convert sink"))?;
            let start = Start::default();
            start.apply_on(&chain[0].static_pad("src").ok_or_else(|| EngineError::missing_pad("convert src"))?);
            let (bin_weak, sound) = (bin.downgrade(), sound.clone());
            decode.connect_pad_added(move |_, pad| {
                let media = pad
                    .current_caps()
                    .or_else(|| Some(pad.query_caps(None)))
                    .and_then(|c| c.structure(0).map(|s| s.name().to_owned()))
                    .unwrap_or_default();
                let Some(bin) = bin_weak.upgrade() else { return };
                if media.starts_with("video/") && !video_sink.is_linked() {
                    let _ = pad.link(&video_sink);
                } else if let Some(entry) = sound.as_ref().filter(|_| media.starts_with("audio/")) {
                    if let Err(error) = sound_to_mix(&bin, pad, entry, &start) {
                        eprintln!("note: the sound of {} stays out of the mix: {error}", bin.name());
                        play_into_nothing(&bin, pad);
                    }
                } else {
                    // A second picture or sound, or a sound that is off, goes nowhere.
                    play_into_nothing(&bin, pad);
                }
            });
        }
        chain.last().and_then(|e| e.static_pad("src")).ok_or_else(|| EngineError::missing_pad("source src"))
    }
}

/// Where a stream that starts at 0 (a file, a pulled feed) starts on the program's running
/// time: now, when the first buffer of its picture or its sound arrives, so it plays from
/// now instead of racing to catch up. Picture and sound take the same shift, so they stay
/// together as the file has them.
#[derive(Clone, Default)]
struct Start(std::sync::Arc<std::sync::Mutex<Option<i64>>>);

impl Start {
    /// Shifts `pad` by the stream's start, at its first buffer. A source pad: it sends its
    /// segment again with the shift before its next buffer (a sink pad would keep the
    /// segment it already had, and the shift would never reach the stream).
    fn apply_on(&self, pad: &gst::Pad) {
        let start = self.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else { return gst::PadProbeReturn::Ok };
            let pts = buffer.pts().map_or(0, |t| t.nseconds() as i64);
            let mut shift = start.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // Never below 0: a running time before the program's start is no time at all (the
            // compositor refuses it), and the other stream may start a little earlier.
            let offset =
                *shift.get_or_insert_with(|| (crate::running_time::program_now(pad).nseconds() as i64 - pts).max(0));
            pad.set_offset(offset);
            gst::PadProbeReturn::Remove
        });
    }
}

/// Sends a decoded sound pad into the mix: converted to the mix's format inside the layer's
/// bin, out of its `sound` ghost pad, into the strip's `entry` (taken from the layer's
/// previous bin, if that still holds it). The end of the sound stays in the bin: the mix
/// must never see an EOS (a looping clip's next round comes from a new bin).
fn sound_to_mix(bin: &gst::Bin, pad: &gst::Pad, entry: &gst::Pad, start: &Start) -> Result<(), EngineError> {
    let caps = gst::ElementFactory::make("capsfilter")
        .property("caps", crate::audio::mix_caps())
        .build()
        .map_err(|e| EngineError::element("capsfilter", e))?;
    let chain = [make("audioconvert")?, make("audioresample")?, caps];
    bin.add_many(&chain).map_err(|e| EngineError::build("media sound", e))?;
    gst::Element::link_many(&chain).map_err(|e| EngineError::build("media sound chain", e))?;
    let (first, last) = (&chain[0], &chain[chain.len() - 1]);
    let out = last.static_pad("src").ok_or_else(|| EngineError::missing_pad("media sound src"))?;
    let ghost = gst::GhostPad::builder_with_target(&out)
        .map_err(|e| EngineError::build("media sound ghost pad", e))?
        .name("sound")
        .build();
    ghost.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, |_, info| match info.event().map(|e| e.type_()) {
        Some(gst::EventType::Eos) => gst::PadProbeReturn::Drop,
        _ => gst::PadProbeReturn::Ok,
    });
    bin.add_pad(&ghost).map_err(|e| EngineError::build("media sound ghost pad", e))?;
    if let Some(previous) = entry.peer() {
        let _ = previous.unlink(entry);
    }
    ghost.link(entry).map_err(|e| EngineError::build("media sound to the mix", e))?;
    for element in chain.iter().rev() {
        element.sync_state_with_parent().map_err(|e| EngineError::build("media sound start", e))?;
    }
    start.apply_on(&first.static_pad("src").ok_or_else(|| EngineError::missing_pad("media sound convert"))?);
    let sink = first.static_pad("sink").ok_or_else(|| EngineError::missing_pad("media sound sink"))?;
    pad.link(&sink).map_err(|e| EngineError::build("media sound decode", e))?;
    Ok(())
}

/// A decoded stream the program does not use, played into nothing (paced by the clock, so
/// the decoder does not race through it).
fn play_into_nothing(bin: &gst::Bin, pad: &gst::Pad) {
    let Ok(sink) = gst::ElementFactory::make("fakesink").property("sync", true).property("async", false).build() else {
        return;
    };
    if bin.add(&sink).is_ok() {
        let _ = sink.sync_state_with_parent();
        if let Some(sink_pad) = sink.static_pad("sink") {
            let _ = pad.link(&sink_pad);
        }
    }
}

/// The input for a media layer: a file of the show (a `file://` URI) or a feed address.
pub(crate) fn media_spec(show: &show::Show, layer: &show::MediaLayer) -> Spec {
    match (&layer.path, &layer.url) {
        (Some(path), _) => {
            let file = show.resolve(path);
            let file = std::path::absolute(&file).unwrap_or(file);
            let uri = gst::glib::filename_to_uri(&file, None).map(|u| u.to_string()).unwrap_or_default();
            Spec::Media { uri, file: true, looping: layer.looping, sound: None }
        }
        (None, Some(url)) => Spec::Media { uri: url.clone(), file: false, looping: false, sound: None },
        (None, None) => Spec::Media { uri: String::new(), file: false, looping: false, sound: None },
    }
}

fn make(factory: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make(factory).build().map_err(|e| EngineError::element(factory, e))
}
