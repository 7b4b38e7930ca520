//! What each kind of sound source is made of. Every one ends in the standard face of the
//! mix: raw F32 audio, 48 kHz, stereo.

use gst::prelude::*;
use show::{AudioInput, AudioKind, Show};

use crate::EngineError;

/// The level of the stand-in microphone (`device: "test"`): a 330 Hz tone at −20 dBFS.
pub const TEST_MICROPHONE: (f64, f64) = (330.0, 0.1);

/// A source of the mix, resolved against the show (a file's full path).
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// `auto`, or a microphone's id or name.
    Microphone(String),
    /// The stand-in microphone of rehearsals and tests.
    TestMicrophone,
    File {
        path: std::path::PathBuf,
        looping: bool,
    },
    Tone(f64),
    Silence,
    /// The sound of media layer `id`: fed by that layer's own bin (see `source/spec.rs`),
    /// so the strip has no bin of its own.
    Media(String),
}

impl Kind {
    pub(crate) fn of(show: &Show, input: &AudioInput) -> Kind {
        match input.kind {
            AudioKind::Microphone if input.device() == "test" => Kind::TestMicrophone,
            AudioKind::Microphone => Kind::Microphone(input.device().to_owned()),
            AudioKind::File => {
                let path = show.resolve(input.path.as_deref().unwrap_or_default());
                Kind::File { path: std::path::absolute(&path).unwrap_or(path), looping: input.looping }
            }
            AudioKind::Tone => Kind::Tone(input.frequency()),
            AudioKind::Silence => Kind::Silence,
            AudioKind::Media => Kind::Media(input.id.clone()),
        }
    }

    /// Words for a streamer: "the microphone", "the sound file bed.mp3"...
    pub(crate) fn what(&self) -> String {
        match self {
            Kind::Microphone(device) if device == "auto" => "the microphone".to_owned(),
            Kind::Microphone(device) => format!("the microphone {device}"),
            Kind::TestMicrophone => "the test microphone".to_owned(),
            Kind::File { path, .. } => {
                format!("the sound file {}", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())
            }
            Kind::Tone(frequency) => format!("the {frequency} Hz tone"),
            Kind::Silence => "silence".to_owned(),
            Kind::Media(id) => format!("the sound of layer {id}"),
        }
    }

    pub(crate) fn loops(&self) -> bool {
        matches!(self, Kind::File { looping: true, .. })
    }

    /// Sources that deliver by the clock (a file is read as fast as the mix takes it, into
    /// a short queue: see `mod.rs`).
    pub(crate) fn is_live(&self) -> bool {
        !matches!(self, Kind::File { .. } | Kind::Media(_))
    }

    /// Adds the source's elements to `bin`; returns the pad that carries its sound.
    pub(crate) fn build(&self, bin: &gst::Bin) -> Result<gst::Pad, EngineError> {
        let mut chain = Vec::new();
        match self {
            Kind::Microphone(device) => {
                let device = find_microphone(device).ok_or_else(|| {
                    EngineError::Unknown(if device == "auto" {
                        "no microphone found".to_owned()
                    } else {
                        format!("the microphone {device} is not plugged in")
                    })
                })?;
                chain.push(device.create_element(None).map_err(|e| EngineError::element("microphone", e))?);
            }
            Kind::TestMicrophone => chain.push(test_source("sine", TEST_MICROPHONE.0, TEST_MICROPHONE.1)?),
            Kind::Tone(frequency) => chain.push(test_source("sine", *frequency, 1.0)?),
            Kind::Silence => chain.push(test_source("silence", 440.0, 0.0)?),
            Kind::Media(_) => return Err(EngineError::Unknown(format!("{} comes with its layer", self.what()))),
            Kind::File { path, .. } => {
                if !path.is_file() {
                    return Err(EngineError::Unknown(format!("{} is missing", self.what())));
                }
            }
        }
        chain.extend([make("audioconvert")?, make("audioresample")?, capsfilter(&mix_caps())?]);
        bin.add_many(&chain).map_err(|e| EngineError::build("sound source", e))?;
        gst::Element::link_many(&chain).map_err(|e| EngineError::build("sound source chain", e))?;
        if let Kind::File { path, .. } = self {
            let uri = gst::glib::filename_to_uri(path, None).map_err(|e| EngineError::build("sound file", e))?;
            let decode = gst::ElementFactory::make("uridecodebin")
                .property("uri", uri.as_str())
                .build()
                .map_err(|e| EngineError::element("uridecodebin", e))?;
            bin.add(&decode).map_err(|e| EngineError::build("sound source", e))?;
            let sink = chain[0].static_pad("sink").ok_or_else(|| EngineError::missing_pad("audioconvert sink"))?;
            let bin_weak = bin.downgrade();
            decode.connect_pad_added(move |_, pad| {
                let is_audio = pad
                    .current_caps()
                    .or_else(|| Some(pad.query_caps(None)))
                    .and_then(|c| c.structure(0).map(|s| s.name().starts_with("audio/")))
                    .unwrap_or(false);
                if is_audio && !sink.is_linked() {
                    let _ = pad.link(&sink);
                } else if let Some(bin) = bin_weak.upgrade() {
                    // A video file's picture is not part of the sound: it goes nowhere.
                    if let Ok(fake) = gst::ElementFactory::make("fakesink").property("async", false).build() {
                        if bin.add(&fake).is_ok() {
                            let _ = fake.sync_state_with_parent();
                            if let Some(fake_pad) = fake.static_pad("sink") {
                                let _ = pad.link(&fake_pad);
                            }
                        }
                    }
                }
            });
        }
        chain.last().and_then(|e| e.static_pad("src")).ok_or_else(|| EngineError::missing_pad("sound source src"))
    }
}

/// The caps every strip of the mix carries: F32 interleaved, 48 kHz, stereo.
pub(crate) fn mix_caps() -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "F32LE")
        .field("layout", "interleaved")
        .field("rate", 48_000i32)
        .field("channels", 2i32)
        .build()
}

/// The first microphone (`"auto"`) or the one with this id or name, if it is plugged in.
pub(crate) fn find_microphone(device: &str) -> Option<gst::Device> {
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Audio/Source"), None);
    monitor.start().ok()?;
    let found = monitor
        .devices()
        .into_iter()
        .find(|d| device == "auto" || crate::devices::device_id(d) == device || d.display_name().as_str() == device);
    monitor.stop();
    found
}

/// A live `audiotestsrc` (in 10 ms buffers, as a sound card delivers).
pub(crate) fn test_source(wave: &str, frequency: f64, volume: f64) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make("audiotestsrc")
        .property("is-live", true)
        .property_from_str("wave", wave)
        .property("freq", frequency)
        .property("volume", volume)
        .property("samplesperbuffer", 480i32)
        .build()
        .map_err(|e| EngineError::element("audiotestsrc", e))
}

pub(crate) fn make(factory: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make(factory).build().map_err(|e| EngineError::element(factory, e))
}

pub(crate) fn capsfilter(caps: &gst::Caps) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make("capsfilter")
        .property("caps", caps)
        .build()
        .map_err(|e| EngineError::element("capsfilter", e))
}
