//! The camera (or the test pattern standing in for it). The sound's sources are `audio/`'s.

use gst::prelude::*;

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
