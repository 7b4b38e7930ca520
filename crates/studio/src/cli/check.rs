//! `kaibo check SHOW.json`: validates a show and the system it will run on.

use std::path::Path;
use std::process::ExitCode;

use show::Layer;

use super::load_show;

/// Validates the show, lists cameras and microphones, and names missing GStreamer plugins.
/// Exits non-zero on any problem.
pub fn run(path: &Path) -> ExitCode {
    let mut problems = 0;
    let show = load_show(path);
    if show.is_none() {
        problems += 1;
    }

    let devices = match engine::missing_plugins() {
        Ok(missing) if missing.is_empty() => {
            println!("plugins: all present");
            engine::list_devices()
        }
        Ok(missing) => {
            eprintln!("error: missing GStreamer plugins: {}", missing.join(", "));
            problems += 1;
            engine::list_devices()
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    print_devices("cameras", &devices.cameras);
    print_devices("microphones", &devices.microphones);

    if let Some(show) = &show {
        for layer in show.scenes.iter().flat_map(|s| s.layers.iter()) {
            if let Layer::Camera(camera) = layer {
                let device = camera.device.as_str();
                if device != "auto" && device != "test" && !Path::new(device).exists() {
                    eprintln!("error: camera {device} (layer {}) is not connected", camera.id);
                    problems += 1;
                }
            }
        }
        let platforms: Vec<_> = show.destinations.iter().filter(|d| d.enabled).map(|d| d.platform).collect();
        let encoder = engine::EncoderSettings::for_destinations(&show.encoding, &platforms);
        println!(
            "show: {} scene(s), {} product(s), {} destination(s); {}x{} at {} fps, video {} kbps, keyframe every {} s, audio {} kbps",
            show.scenes.len(),
            show.products.len(),
            show.destinations.len(),
            show.canvas.width,
            show.canvas.height,
            show.canvas.fps,
            encoder.video_kbps,
            encoder.keyframe_interval_s,
            encoder.audio_kbps
        );
        for adjustment in &encoder.adjustments {
            println!("note: {adjustment}");
        }
        for destination in &show.destinations {
            println!(
                "destination {}: {} {}",
                destination.id,
                engine::platform_name(destination.platform),
                destination.redacted_url()
            );
        }
    }

    if problems == 0 {
        println!("ok: {} is ready to go live", path.display());
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn print_devices(what: &str, devices: &[engine::DeviceInfo]) {
    if devices.is_empty() {
        println!("{what}: none found");
    }
    for device in devices {
        match &device.path {
            Some(path) => println!("{what}: {} ({path})", device.name),
            None => println!("{what}: {}", device.name),
        }
    }
}
