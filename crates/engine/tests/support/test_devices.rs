//! A device provider for tests, registered in-process: cameras backed by `videotestsrc`
//! (sending MJPEG, as most webcams do at their larger sizes) and microphones backed by
//! `audiotestsrc`, plugged in and pulled out by the test, as a GStreamer device provider
//! reports real hardware (`device-added` / `device-removed` on the monitor's bus).
//!
//! Used by the engine's and the studio's tests (`#[path]`): it needs only `gst`.

#![allow(dead_code)]

use std::sync::{Mutex, Once};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

const PROVIDER: &str = "kaibotestdevices";

/// A camera to plug in. Its caps list a slow raw mode and a 30 fps MJPEG mode of the same
/// size (like a webcam over USB 2): the MJPEG one is what it really sends.
#[derive(Debug, Clone)]
pub struct TestCamera {
    /// Also its device node: `/dev/kaibo-test-0`.
    pub path: String,
    pub name: String,
    pub width: i32,
    pub height: i32,
    /// `videotestsrc`'s pattern, such as `red` or `blue`.
    pub pattern: String,
}

impl TestCamera {
    pub fn new(path: &str, name: &str, pattern: &str) -> TestCamera {
        TestCamera { path: path.into(), name: name.into(), width: 320, height: 180, pattern: pattern.into() }
    }
}

/// Registers the provider (once). Call after `gst::init`.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gst::init().expect("GStreamer");
        gst::DeviceProvider::register(None, PROVIDER, gst::Rank::PRIMARY, provider::TestProvider::static_type())
            .expect("the test device provider registers");
    });
}

/// Plugs a camera in: a running device monitor sees it at once.
pub fn plug_camera(camera: &TestCamera) {
    let caps: gst::Caps = format!(
        "video/x-raw, format=YUY2, width={w}, height={h}, framerate=5/1; \
         image/jpeg, width={w}, height={h}, framerate=30/1",
        w = camera.width,
        h = camera.height
    )
    .parse()
    .expect("caps");
    let properties = gst::Structure::builder("properties")
        .field("device.path", &camera.path)
        .field("kaibo.pattern", &camera.pattern)
        .field("kaibo.width", camera.width)
        .field("kaibo.height", camera.height)
        .build();
    plug(&camera.name, "Video/Source", caps, properties);
}

/// Plugs a microphone in.
pub fn plug_microphone(id: &str, name: &str) {
    let caps: gst::Caps = "audio/x-raw, format=S16LE, rate=48000, channels=2".parse().expect("caps");
    let properties = gst::Structure::builder("properties").field("node.name", id).build();
    plug(name, "Audio/Source", caps, properties);
}

/// Pulls a device out by its id (a camera's path, a microphone's node name).
pub fn unplug(id: &str) {
    let provider = instance();
    let mut plugged = provider.imp().plugged.lock().unwrap();
    let Some(index) = plugged.iter().position(|d| id_of(d) == id) else { return };
    let device = plugged.remove(index);
    if *provider.imp().started.lock().unwrap() {
        provider.device_remove(&device);
    }
}

/// Pulls every device out.
pub fn unplug_all() {
    let ids: Vec<String> = instance().imp().plugged.lock().unwrap().iter().map(id_of).collect();
    for id in ids {
        unplug(&id);
    }
}

fn plug(name: &str, class: &str, caps: gst::Caps, properties: gst::Structure) {
    let device: gst::Device = glib::Object::builder::<device::TestDevice>()
        .property("display-name", name)
        .property("device-class", class)
        .property("caps", caps)
        .property("properties", properties)
        .build()
        .upcast();
    let provider = instance();
    let mut plugged = provider.imp().plugged.lock().unwrap();
    plugged.push(device.clone());
    if *provider.imp().started.lock().unwrap() {
        provider.device_add(&device);
    }
}

fn id_of(device: &gst::Device) -> String {
    let properties = device.properties().expect("properties");
    properties.get::<String>("device.path").or_else(|_| properties.get::<String>("node.name")).unwrap_or_default()
}

fn instance() -> provider::TestProvider {
    register();
    gst::DeviceProviderFactory::by_name(PROVIDER)
        .expect("the test device provider")
        .downcast::<provider::TestProvider>()
        .expect("our provider")
}

mod provider {
    use super::*;

    glib::wrapper! {
        pub struct TestProvider(ObjectSubclass<Imp>) @extends gst::DeviceProvider, gst::Object;
    }

    #[derive(Default)]
    pub struct Imp {
        pub plugged: Mutex<Vec<gst::Device>>,
        pub started: Mutex<bool>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Imp {
        const NAME: &'static str = "KaiboTestDeviceProvider";
        type Type = TestProvider;
        type ParentType = gst::DeviceProvider;
    }

    impl ObjectImpl for Imp {}
    impl GstObjectImpl for Imp {}

    impl DeviceProviderImpl for Imp {
        fn metadata() -> Option<&'static gst::subclass::DeviceProviderMetadata> {
            static META: std::sync::OnceLock<gst::subclass::DeviceProviderMetadata> = std::sync::OnceLock::new();
            Some(META.get_or_init(|| {
                gst::subclass::DeviceProviderMetadata::new(
                    "Kaibo test devices",
                    "Source/Video/Audio",
                    "Test cameras and microphones for Kaibo's tests",
                    "Kaibo",
                )
            }))
        }

        fn probe(&self) -> Vec<gst::Device> {
            self.plugged.lock().unwrap().clone()
        }

        fn start(&self) -> Result<(), gst::LoggableError> {
            // The provider forgets its devices when stopped; it is told them again here.
            let plugged = self.plugged.lock().unwrap();
            for device in plugged.iter() {
                self.obj().device_add(device);
            }
            *self.started.lock().unwrap() = true;
            Ok(())
        }

        fn stop(&self) {
            *self.started.lock().unwrap() = false;
        }
    }
}

mod device {
    use super::*;

    glib::wrapper! {
        pub struct TestDevice(ObjectSubclass<Imp>) @extends gst::Device, gst::Object;
    }

    #[derive(Default)]
    pub struct Imp;

    #[glib::object_subclass]
    impl ObjectSubclass for Imp {
        const NAME: &'static str = "KaiboTestDevice";
        type Type = TestDevice;
        type ParentType = gst::Device;
    }

    impl ObjectImpl for Imp {}
    impl GstObjectImpl for Imp {}

    impl DeviceImpl for Imp {
        fn create_element(&self, name: Option<&str>) -> Result<gst::Element, gst::LoggableError> {
            let device = self.obj();
            let properties = device.properties().expect("properties");
            let fail = |e: glib::BoolError| gst::loggable_error!(gst::CAT_RUST, "{e}");
            if device.has_classes("Audio/Source") {
                let mut builder = gst::ElementFactory::make("audiotestsrc").property("is-live", true);
                if let Some(name) = name {
                    builder = builder.name(name);
                }
                return builder.build().map_err(fail);
            }
            let pattern = properties.get::<String>("kaibo.pattern").unwrap_or_else(|_| "smpte".into());
            let (w, h) = (
                properties.get::<i32>("kaibo.width").unwrap_or(320),
                properties.get::<i32>("kaibo.height").unwrap_or(180),
            );
            // What a USB webcam sends: MJPEG at its size, 30 fps, live.
            let description = format!(
                "videotestsrc is-live=true pattern={pattern} ! video/x-raw,width={w},height={h},framerate=30/1 ! jpegenc"
            );
            let bin = gst::parse::bin_from_description(&description, true)
                .map_err(|e| gst::loggable_error!(gst::CAT_RUST, "{e}"))?;
            if let Some(name) = name {
                bin.set_property("name", name);
            }
            Ok(bin.upcast())
        }
    }
}
