//! Cameras and microphones in the studio's state, kept current by the engine's device
//! watch, and `set_layer_device`.
//!
//! A change (a camera plugged in or pulled out) becomes one state broadcast, at most one per
//! [`SETTLE`]: a hub that brings four devices at once is one update, not four. A camera pulled
//! out stays in `devices.cameras` with `gone: true` while a camera layer of the show names
//! it (so the picker can say what is missing); once no layer names it, it leaves the list. A
//! layer naming a device that was never seen is listed the same way.
//!
//! `set_layer_device` accepts only `"auto"`, `"test"` or a camera that is plugged in now: a
//! device that is not there is refused, with the cameras that are.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use engine::{DeviceInfo, DeviceWatch, Devices};
use show::Layer;
use tokio::sync::{broadcast, watch, Mutex};

use super::{blocking, Inner, PreviewJpeg, Studio};
use crate::protocol::{
    CameraModeView, CameraView, CommandReply, DevicesView, ErrorKind, Event, MicrophoneView, StudioError,
};

/// How long the studio waits after a device change for more before it tells the clients.
pub const SETTLE: Duration = Duration::from_millis(250);

/// What the studio knows of the devices.
#[derive(Default)]
pub(super) struct DeviceRoster {
    present: Devices,
    /// Every camera seen since the start, by id, for those pulled out.
    seen: BTreeMap<String, DeviceInfo>,
    /// Whether a watch runs (without one, the list is what the first look found).
    watching: bool,
}

impl DeviceRoster {
    fn update(&mut self, devices: Devices) {
        for camera in &devices.cameras {
            self.seen.insert(camera.id.clone(), camera.clone());
        }
        self.present = devices;
    }
}

impl Studio {
    /// Starts keeping `devices` current: a GStreamer device monitor runs until the studio
    /// goes, and every change is a state broadcast (see [`SETTLE`]). Does nothing when it
    /// already runs; an error when no device provider could start (the list stays empty).
    pub async fn watch_devices(&self) -> Result<(), StudioError> {
        if self.inner.lock().await.devices.watching {
            return Ok(());
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let watch = blocking(move || {
            DeviceWatch::start(move || {
                let _ = tx.send(());
            })
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Engine, e.to_string()))?;
        let watch = Arc::new(watch);
        self.refresh_devices(&watch).await?;
        self.inner.lock().await.devices.watching = true;

        let studio = WeakStudio {
            inner: Arc::downgrade(&self.inner),
            events: self.events.downgrade(),
            preview: self.preview.clone(),
        };
        tokio::spawn(async move {
            // Wakes now and then to notice a studio that has gone.
            loop {
                match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                    Ok(Some(())) => {}
                    Ok(None) => break,
                    Err(_) if studio.upgrade().is_none() => break,
                    Err(_) => continue,
                }
                tokio::time::sleep(SETTLE).await;
                while rx.try_recv().is_ok() {}
                let Some(studio) = studio.upgrade() else { break };
                if studio.refresh_devices(&watch).await.is_err() {
                    break;
                }
            }
            // Stopping the monitor joins its thread: off the async workers.
            let _ = tokio::task::spawn_blocking(move || drop(watch)).await;
        });
        Ok(())
    }

    /// Reads the devices from the watch; tells the clients when the list changed.
    async fn refresh_devices(&self, watch: &Arc<DeviceWatch>) -> Result<(), StudioError> {
        let reader = Arc::clone(watch);
        let devices = blocking(move || reader.devices()).await?;
        let mut inner = self.inner.lock().await;
        let before = inner.devices_view();
        inner.devices.update(devices);
        if inner.devices_view() != before {
            let state = inner.snapshot();
            drop(inner);
            self.announce(Event::State { state: Box::new(state) });
        }
        Ok(())
    }
}

/// The studio as the watch task holds it: it does not keep the studio alive, so the task
/// (and the device monitor with it) ends when the studio goes.
struct WeakStudio {
    inner: Weak<Mutex<Inner>>,
    events: broadcast::WeakSender<Event>,
    preview: watch::Receiver<Option<PreviewJpeg>>,
}

impl WeakStudio {
    fn upgrade(&self) -> Option<Studio> {
        let inner = self.inner.upgrade()?;
        Some(Studio { inner, events: self.events.upgrade()?, preview: self.preview.clone() })
    }
}

impl Inner {
    /// The devices as the clients see them.
    pub(super) fn devices_view(&self) -> DevicesView {
        let roster = &self.devices;
        let mut cameras: Vec<CameraView> = roster.present.cameras.iter().map(|c| camera_view(c, false)).collect();
        for named in self.camera_devices() {
            if cameras.iter().any(|c| c.id == named) {
                continue;
            }
            match roster.seen.get(&named) {
                Some(camera) => cameras.push(camera_view(camera, true)),
                None => {
                    cameras.push(CameraView { id: named.clone(), name: named.clone(), modes: Vec::new(), gone: true })
                }
            }
        }
        let microphones = roster
            .present
            .microphones
            .iter()
            .map(|m| MicrophoneView { id: m.id.clone(), name: m.name.clone() })
            .collect();
        DevicesView { cameras, microphones }
    }

    /// The devices the show's camera layers name (not `auto` or `test`), each once.
    fn camera_devices(&self) -> Vec<String> {
        let mut named: Vec<String> = Vec::new();
        for layer in self.show.scenes.iter().flat_map(|s| s.layers.iter()) {
            if let Layer::Camera(camera) = layer {
                if camera.device != "auto" && camera.device != "test" && !named.contains(&camera.device) {
                    named.push(camera.device.clone());
                }
            }
        }
        named
    }

    pub(super) async fn set_layer_device(
        &mut self,
        layer: String,
        device: String,
    ) -> Result<CommandReply, StudioError> {
        let device = device.trim().to_owned();
        let mut kind = None;
        for l in self.show.scenes.iter().flat_map(|s| s.layers.iter()).filter(|l| l.id() == layer) {
            kind = Some(l.kind());
            if matches!(l, Layer::Camera(_)) {
                break;
            }
        }
        match kind {
            None => return Err(StudioError::not_found("layer", &layer)),
            Some("camera") => {}
            Some(other) => {
                return Err(StudioError::bad_request(format!(
                    "layer \"{layer}\" is a {other} layer: only a camera layer has a device"
                )))
            }
        }
        if !self.devices.watching {
            // No watch runs (a studio that never started one): look once.
            let devices = blocking(engine::list_devices).await?;
            self.devices.update(devices);
        }
        if device != "auto" && device != "test" && !self.devices.present.cameras.iter().any(|c| c.id == device) {
            return Err(StudioError::new(ErrorKind::NotFound, self.no_such_camera(&device)));
        }
        let mut edited = self.show.clone();
        for l in edited.scenes.iter_mut().flat_map(|s| s.layers.iter_mut()) {
            if let Layer::Camera(camera) = l {
                if camera.id == layer {
                    camera.device = device.clone();
                }
            }
        }
        edited.validate().map_err(|e| StudioError::bad_request(e.to_string()))?;
        let (id, to) = (layer.clone(), device.clone());
        self.on_engine_if_live(move |e| e.set_camera_device(&id, &to)).await?;
        self.show = edited;
        Ok(CommandReply::done())
    }

    fn no_such_camera(&self, device: &str) -> String {
        let cameras: Vec<String> =
            self.devices.present.cameras.iter().map(|c| format!("\"{}\" ({})", c.id, c.name)).collect();
        let choices = if cameras.is_empty() {
            "no camera is plugged in; \"test\" shows the test pattern".to_owned()
        } else {
            format!("the cameras plugged in are {}, or \"auto\" or \"test\"", cameras.join(", "))
        };
        format!("there is no camera \"{device}\" plugged in: {choices}")
    }
}

fn camera_view(camera: &DeviceInfo, gone: bool) -> CameraView {
    CameraView {
        id: camera.id.clone(),
        name: camera.name.clone(),
        modes: camera
            .modes
            .iter()
            .map(|m| CameraModeView {
                format: m.format.name().to_owned(),
                width: m.width,
                height: m.height,
                fps: m.rates.iter().map(|r| (r.as_f64() * 100.0).round() / 100.0).collect(),
            })
            .collect(),
        gone,
    }
}
