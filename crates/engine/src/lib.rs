//! The media path: builds and runs the GStreamer program pipeline from a show, applies live
//! changes without restarting the encoder, and reports state and 1 Hz stats.

mod air;
mod audio;
mod backoff;
mod camera;
mod countdown_clock;
mod devices;
mod encode;
mod engine;
mod error;
mod events;
mod gst_log;
mod ingest;
mod ingest_error;
mod outputs;
mod overlay;
mod plugins;
mod preview;
mod program;
mod retire;
mod running_time;
mod safe_slate;
mod secret;
pub mod secrets;
mod source;
mod sources;
mod stage;
mod stats;
mod supervisor;
mod tcp_watch;

pub mod elements;

pub use air::{AirMode, MAX_DELAY};
pub use audio::{AudioLevels, Level, SourceLevel, MONITOR_SINK_ENV, SILENCE_DB, TEST_MICROPHONE};
pub use camera::{CameraFault, CAMERA_SILENCE};
pub use devices::{
    best_camera_mode, best_mode, find_camera, list_devices, modes_of, CameraMode, ChosenMode, DeviceInfo, DeviceWatch,
    Devices, FrameRate, ModeFormat,
};
pub use engine::{Engine, OpenOptions, Outputs};
pub use error::EngineError;
pub use events::{EngineEvent, EngineState, Health, OutputState, OutputStats, ProgramStats};
pub use ingest::{platform_name, EncoderSettings, IngestRules};
pub use ingest_error::{explain_ingest_error, IngestFailure};
pub use outputs::{IngestTarget, RECORDING_ID};
pub use preview::{PreviewFrame, PREVIEW_FPS, PREVIEW_HEIGHT, PREVIEW_WIDTH};
pub use secret::SecretUrl;
pub use supervisor::ReconnectPolicy;

/// Initializes GStreamer, registers Kaibo's own elements and checks that every element the
/// program needs is present. Safe to call more than once.
pub fn init() -> Result<(), EngineError> {
    init_gstreamer()?;
    // One registration at a time: two at once would each make a factory, and the one the
    // registry drops would be left behind as the elements' factory.
    static REGISTERING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    {
        let _one = REGISTERING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        elements::register().map_err(|e| EngineError::Init(e.to_string()))?;
    }
    let missing = plugins::missing_elements();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(EngineError::MissingElements(missing))
    }
}

/// The elements this system lacks, each as `element (package)`; empty when all is well.
pub fn missing_plugins() -> Result<Vec<String>, EngineError> {
    init_gstreamer()?;
    Ok(plugins::missing_elements())
}

/// `gst::init`, then GStreamer's debug log through the scrubbing log function (see
/// `gst_log.rs`), before any element that could log a secret exists.
fn init_gstreamer() -> Result<(), EngineError> {
    gst::init().map_err(|e| EngineError::Init(e.to_string()))?;
    gst_log::install();
    Ok(())
}
