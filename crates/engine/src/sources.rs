//! Capture sources: the camera (or the test pattern standing in for it) and the sound.

use gst::prelude::*;
use show::AudioSource;

use crate::EngineError;

fn probe(class: &str) -> Vec<gst::Device> {
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some(class), None);
    if monitor.start().is_err() {
        return Vec::new();
    }
    let devices = monitor.devices().into_iter().collect();
    monitor.stop();
    devices
}

/// Which camera the show will get, and why.
pub(crate) enum CameraChoice {
    Device(gst::Device),
    Path(String),
    TestPattern { reason: Option<String> },
}

pub(crate) fn choose_camera(device: &str) -> CameraChoice {
    match device {
        "test" => CameraChoice::TestPattern { reason: None },
        "auto" => match probe("Video/Source").into_iter().next() {
            Some(device) => CameraChoice::Device(device),
            None => CameraChoice::TestPattern { reason: Some("no camera found: showing the test pattern".to_owned()) },
        },
        // A camera the device monitor lists (its id is its node), else any device node.
        id => match crate::devices::find_camera(id) {
            Some(device) => CameraChoice::Device(device),
            None if std::path::Path::new(id).exists() => CameraChoice::Path(id.to_owned()),
            None => {
                CameraChoice::TestPattern { reason: Some(format!("camera {id} not found: showing the test pattern")) }
            }
        },
    }
}

/// The camera's source element.
pub(crate) fn camera_element(choice: &CameraChoice) -> Result<gst::Element, EngineError> {
    match choice {
        CameraChoice::Device(device) => {
            device.create_element(Some("camera")).map_err(|e| EngineError::element("camera", e))
        }
        CameraChoice::Path(path) => gst::ElementFactory::make("v4l2src")
            .name("camera")
            .property("device", path)
            .build()
            .map_err(|e| EngineError::element("v4l2src", e)),
        CameraChoice::TestPattern { .. } => gst::ElementFactory::make("videotestsrc")
            .name("camera")
            .property("is-live", true)
            .property_from_str("pattern", "smpte")
            .build()
            .map_err(|e| EngineError::element("videotestsrc", e)),
    }
}

/// The sound source element, and a note when it is not what the show asked for.
pub(crate) fn audio_element(source: AudioSource) -> Result<(gst::Element, Option<String>), EngineError> {
    let test_source = |wave: &str| {
        gst::ElementFactory::make("audiotestsrc")
            .name("audio-source")
            .property("is-live", true)
            .property_from_str("wave", wave)
            .property("volume", 0.2f64)
            .build()
            .map_err(|e| EngineError::element("audiotestsrc", e))
    };
    let microphone = || probe("Audio/Source").into_iter().next();
    match source {
        AudioSource::Silence => Ok((test_source("silence")?, None)),
        AudioSource::Tone => Ok((test_source("sine")?, None)),
        AudioSource::Auto => match microphone() {
            Some(mic) => {
                Ok((mic.create_element(Some("audio-source")).map_err(|e| EngineError::element("microphone", e))?, None))
            }
            None => Ok((test_source("silence")?, Some("no microphone found: sending silence".to_owned()))),
        },
        AudioSource::Microphone => match microphone() {
            Some(mic) => {
                Ok((mic.create_element(Some("audio-source")).map_err(|e| EngineError::element("microphone", e))?, None))
            }
            None => Err(EngineError::Unknown(
                "the show asks for a microphone (audio.source = \"microphone\") and none was found".to_owned(),
            )),
        },
    }
}
