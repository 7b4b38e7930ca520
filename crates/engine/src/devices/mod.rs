//! Cameras and microphones: what is plugged in, kept current by a GStreamer device monitor,
//! and the mode a camera opens in.
//!
//! ```text
//! DeviceMonitor (Video/Source, Audio/Source) ─▶ its bus ─▶ watch thread ─▶ on_change()
//!                                              └─▶ devices() ─▶ Devices { cameras, microphones }
//! ```
//!
//! A device's id is its device node (`/dev/video0`) where it has one, which is also what a
//! camera layer's `device` names in the show; otherwise the name its system gives it.

mod mode;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gst::prelude::*;

pub use mode::{best_mode, modes_of, CameraMode, ChosenMode, FrameRate, ModeFormat};

use crate::EngineError;

/// A capture device as the system names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// What a camera layer's `device` names: the device node where there is one.
    pub id: String,
    pub name: String,
    /// The device node, such as `/dev/video0`, where there is one.
    pub path: Option<String>,
    /// What a camera can deliver; empty for microphones.
    pub modes: Vec<CameraMode>,
}

/// The cameras and microphones present right now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    pub cameras: Vec<DeviceInfo>,
    pub microphones: Vec<DeviceInfo>,
}

const CAMERAS: &str = "Video/Source";
const MICROPHONES: &str = "Audio/Source";

/// Lists cameras and microphones once (for `kaibo check`); [`DeviceWatch`] keeps a list current.
pub fn list_devices() -> Devices {
    match DeviceWatch::start(|| {}) {
        Ok(watch) => watch.devices(),
        Err(_) => Devices::default(),
    }
}

/// The camera whose id is `id`, if it is plugged in now.
pub fn find_camera(id: &str) -> Option<gst::Device> {
    let monitor = monitor();
    monitor.start().ok()?;
    let found = monitor.devices().into_iter().find(|d| is_camera(d) && device_id(d) == id);
    monitor.stop();
    found
}

/// The mode a camera should open in for a canvas of `width`x`height` at `fps` (see
/// [`best_mode`]); `None` when its caps list no raw or MJPEG mode (then let it negotiate).
pub fn best_camera_mode(device: &gst::Device, width: u32, height: u32, fps: u32) -> Option<ChosenMode> {
    let caps = device.caps()?;
    best_mode(&modes_of(&caps), width, height, fps)
}

/// The elements that take a camera's output in `mode` to raw video: a capsfilter asking for
/// the mode, and `jpegdec` for MJPEG. They go between the camera source and its converter.
pub fn mode_elements(mode: &ChosenMode) -> Result<Vec<gst::Element>, EngineError> {
    let filter = gst::ElementFactory::make("capsfilter")
        .name("camera-mode")
        .property("caps", mode.caps())
        .build()
        .map_err(|e| EngineError::element("capsfilter", e))?;
    let mut elements = vec![filter];
    if mode.format == ModeFormat::Mjpeg {
        elements.push(
            gst::ElementFactory::make("jpegdec")
                .name("camera-jpegdec")
                .build()
                .map_err(|e| EngineError::element("jpegdec", e))?,
        );
    }
    Ok(elements)
}

/// The mode elements for `device` on the canvas that `canvas_caps` (the camera bin's output
/// caps) describe; none when the canvas or the camera's modes cannot be read.
pub(crate) fn mode_chain(device: &gst::Device, canvas_caps: &gst::Caps) -> Result<Vec<gst::Element>, EngineError> {
    let Some(canvas) = canvas_caps.structure(0) else {
        return Ok(Vec::new());
    };
    let (Ok(width), Ok(height), Ok(fps)) =
        (canvas.get::<i32>("width"), canvas.get::<i32>("height"), canvas.get::<gst::Fraction>("framerate"))
    else {
        return Ok(Vec::new());
    };
    let fps = (f64::from(fps.numer()) / f64::from(fps.denom().max(1))).round() as u32;
    match best_camera_mode(device, width.max(0) as u32, height.max(0) as u32, fps) {
        Some(mode) => mode_elements(&mode),
        None => Ok(Vec::new()),
    }
}

/// A running device monitor: [`DeviceWatch::devices`] is what is plugged in now, and
/// `on_change` is called (on the watch's own thread) whenever a device comes, goes or changes.
/// Stops when dropped.
pub struct DeviceWatch {
    monitor: gst::DeviceMonitor,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DeviceWatch {
    pub fn start(on_change: impl Fn() + Send + 'static) -> Result<DeviceWatch, EngineError> {
        gst::init().map_err(|e| EngineError::Init(e.to_string()))?;
        let monitor = monitor();
        monitor.start().map_err(|_| {
            EngineError::Unknown("cannot watch cameras and microphones: no device provider started".to_owned())
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (stopping, watched) = (Arc::clone(&stop), monitor.clone());
        let thread = std::thread::Builder::new()
            .name("kaibo-devices".into())
            .spawn(move || {
                use gst::MessageType::{DeviceAdded, DeviceChanged, DeviceRemoved};
                let bus = watched.bus();
                let mut seen = ids(&watched);
                let mut last_look = Instant::now();
                while !stopping.load(Ordering::Relaxed) {
                    let timeout = gst::ClockTime::from_mseconds(100);
                    let told = bus.timed_pop_filtered(timeout, &[DeviceAdded, DeviceRemoved, DeviceChanged]).is_some();
                    // A provider's message can be missed (another monitor starting or
                    // stopping it): the list is also compared twice a second.
                    if told || last_look.elapsed() >= RELOOK {
                        last_look = Instant::now();
                        let now = ids(&watched);
                        if told || now != seen {
                            seen = now;
                            on_change();
                        }
                    }
                }
            })
            .map_err(|e| EngineError::Unknown(format!("cannot watch cameras and microphones: {e}")))?;
        Ok(DeviceWatch { monitor, stop, thread: Some(thread) })
    }

    /// The cameras and microphones plugged in now.
    pub fn devices(&self) -> Devices {
        let mut devices = Devices::default();
        for device in self.monitor.devices() {
            if is_camera(&device) {
                devices.cameras.push(describe(&device, true));
            } else if device.has_classes(MICROPHONES) {
                devices.microphones.push(describe(&device, false));
            }
        }
        devices
    }
}

impl Drop for DeviceWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.monitor.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How often the watch compares the device list, besides the providers' messages.
const RELOOK: Duration = Duration::from_millis(500);

fn ids(monitor: &gst::DeviceMonitor) -> Vec<String> {
    monitor.devices().iter().map(device_id).collect()
}

fn monitor() -> gst::DeviceMonitor {
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some(CAMERAS), None);
    monitor.add_filter(Some(MICROPHONES), None);
    monitor
}

fn is_camera(device: &gst::Device) -> bool {
    device.has_classes(CAMERAS)
}

/// The device node, from the properties the v4l2 and PipeWire providers set.
fn device_path(device: &gst::Device) -> Option<String> {
    let properties = device.properties()?;
    ["device.path", "api.v4l2.path"].iter().find_map(|key| properties.get::<String>(*key).ok())
}

/// A stable name for a device: its node, or the provider's own name for it, or its display name.
pub(crate) fn device_id(device: &gst::Device) -> String {
    if let Some(path) = device_path(device) {
        return path;
    }
    let named = device
        .properties()
        .and_then(|p| ["node.name", "device.string", "object.path"].iter().find_map(|key| p.get::<String>(*key).ok()));
    named.unwrap_or_else(|| device.display_name().to_string())
}

fn describe(device: &gst::Device, camera: bool) -> DeviceInfo {
    let modes = if camera { device.caps().map(|c| modes_of(&c)).unwrap_or_default() } else { Vec::new() };
    DeviceInfo { id: device_id(device), name: device.display_name().to_string(), path: device_path(device), modes }
}
