//! Camera modes: what a camera says it can deliver (read from its caps), and the one that
//! fits the canvas best.
//!
//! The choice, in order: a frame rate at least the canvas rate (a sharp picture at 5 fps is
//! worse on air than a smaller one at 30); then the exact canvas size, then the smallest mode
//! at least the canvas size (scaled down), then the largest of the smaller ones (scaled up);
//! then raw before MJPEG (no decode); then the rate nearest the canvas rate. A Logitech C920
//! on a 1080p30 canvas gives MJPEG 1920x1080@30 (its raw 1080p runs at 5 fps); on a 640x480
//! canvas at 30 it gives raw 640x480@30.

use std::cmp::Ordering;

/// How a camera sends its pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModeFormat {
    /// Uncompressed video (YUYV, NV12...): no decode.
    Raw,
    /// Motion JPEG, decoded with `jpegdec`.
    Mjpeg,
}

impl ModeFormat {
    /// `raw` or `mjpeg`, as the studio's state names it.
    pub fn name(self) -> &'static str {
        match self {
            ModeFormat::Raw => "raw",
            ModeFormat::Mjpeg => "mjpeg",
        }
    }
}

/// A frame rate as GStreamer gives it (30000/1001 for 29.97).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRate {
    pub numerator: i32,
    pub denominator: i32,
}

impl FrameRate {
    pub fn new(numerator: i32, denominator: i32) -> FrameRate {
        FrameRate { numerator, denominator: denominator.max(1) }
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.numerator) / f64::from(self.denominator)
    }
}

/// One size a camera delivers in one format, with the rates it offers at that size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraMode {
    pub format: ModeFormat,
    pub width: u32,
    pub height: u32,
    /// Highest first.
    pub rates: Vec<FrameRate>,
}

/// The mode a camera is opened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChosenMode {
    pub format: ModeFormat,
    pub width: u32,
    pub height: u32,
    pub rate: FrameRate,
}

impl ChosenMode {
    /// The caps to ask the camera for: `image/jpeg` or `video/x-raw` (any raw format) at this
    /// size and rate.
    pub fn caps(&self) -> gst::Caps {
        let name = match self.format {
            ModeFormat::Raw => "video/x-raw",
            ModeFormat::Mjpeg => "image/jpeg",
        };
        gst::Caps::builder(name)
            .field("width", self.width as i32)
            .field("height", self.height as i32)
            .field("framerate", gst::Fraction::new(self.rate.numerator, self.rate.denominator))
            .build()
    }
}

/// The modes in a camera's caps: one per format and size, raw formats merged (the camera's
/// source picks among them). Sizes and rates given as ranges count by their largest value.
pub fn modes_of(caps: &gst::Caps) -> Vec<CameraMode> {
    let mut modes: Vec<CameraMode> = Vec::new();
    for structure in caps.iter() {
        let format = match structure.name().as_str() {
            "video/x-raw" => ModeFormat::Raw,
            "image/jpeg" => ModeFormat::Mjpeg,
            _ => continue,
        };
        let (Some(width), Some(height)) = (largest_int(structure, "width"), largest_int(structure, "height")) else {
            continue;
        };
        let rates = rates_of(structure);
        match modes.iter_mut().find(|m| m.format == format && m.width == width && m.height == height) {
            Some(mode) => {
                for rate in rates {
                    if !mode.rates.iter().any(|r| same_rate(*r, rate)) {
                        mode.rates.push(rate);
                    }
                }
            }
            None => modes.push(CameraMode { format, width, height, rates }),
        }
    }
    for mode in &mut modes {
        mode.rates.sort_by(|a, b| b.as_f64().total_cmp(&a.as_f64()));
    }
    modes
}

fn largest_int(structure: &gst::StructureRef, field: &str) -> Option<u32> {
    let value = structure.value(field).ok()?;
    if let Ok(v) = value.get::<i32>() {
        return u32::try_from(v).ok();
    }
    if let Ok(range) = value.get::<gst::IntRange<i32>>() {
        return u32::try_from(range.max()).ok();
    }
    None
}

fn rates_of(structure: &gst::StructureRef) -> Vec<FrameRate> {
    let Ok(value) = structure.value("framerate") else {
        return Vec::new();
    };
    let rate = |f: gst::Fraction| FrameRate::new(f.numer(), f.denom());
    if let Ok(f) = value.get::<gst::Fraction>() {
        return vec![rate(f)];
    }
    if let Ok(list) = value.get::<gst::List>() {
        return list.iter().filter_map(|v| v.get::<gst::Fraction>().ok()).map(rate).collect();
    }
    if let Ok(range) = value.get::<gst::FractionRange>() {
        return vec![rate(range.max()), rate(range.min())];
    }
    Vec::new()
}

fn same_rate(a: FrameRate, b: FrameRate) -> bool {
    i64::from(a.numerator) * i64::from(b.denominator) == i64::from(b.numerator) * i64::from(a.denominator)
}

/// The mode that fits a `width`x`height` canvas at `fps` best (see the module docs), or
/// `None` when the camera lists no mode.
pub fn best_mode(modes: &[CameraMode], width: u32, height: u32, fps: u32) -> Option<ChosenMode> {
    let target = f64::from(fps);
    modes
        .iter()
        .filter_map(|mode| {
            // The slowest rate that suffices, or the fastest there is.
            let sufficient = mode
                .rates
                .iter()
                .filter(|r| r.as_f64() + 0.01 >= target)
                .min_by(|a, b| a.as_f64().total_cmp(&b.as_f64()));
            let rate = sufficient.or_else(|| mode.rates.iter().max_by(|a, b| a.as_f64().total_cmp(&b.as_f64())))?;
            Some(ChosenMode { format: mode.format, width: mode.width, height: mode.height, rate: *rate })
        })
        .min_by(|a, b| rank(a, b, width, height, target))
}

fn rank(a: &ChosenMode, b: &ChosenMode, width: u32, height: u32, target: f64) -> Ordering {
    let fast = |m: &ChosenMode| m.rate.as_f64() + 0.01 >= target;
    // Exact size first, then bigger ones smallest first, then smaller ones largest first.
    let size = |m: &ChosenMode| {
        let area = u64::from(m.width) * u64::from(m.height);
        if m.width == width && m.height == height {
            (0, 0)
        } else if m.width >= width && m.height >= height {
            (1, area as i64)
        } else {
            (2, -(area as i64))
        }
    };
    fast(b)
        .cmp(&fast(a))
        .then_with(|| size(a).cmp(&size(b)))
        .then_with(|| a.format.cmp(&b.format))
        .then_with(|| (a.rate.as_f64() - target).abs().total_cmp(&(b.rate.as_f64() - target).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(text: &str) -> gst::Caps {
        gst::init().expect("GStreamer");
        text.parse().expect("caps")
    }

    /// A Logitech C920, as `v4l2-ctl --list-formats-ext` and v4l2src list it (trimmed to the
    /// sizes that matter).
    fn c920() -> Vec<CameraMode> {
        modes_of(&caps(
            "video/x-raw, format=YUY2, width=1920, height=1080, framerate={ (fraction)5/1 }; \
             video/x-raw, format=YUY2, width=1280, height=720, framerate={ (fraction)10/1, (fraction)5/1 }; \
             video/x-raw, format=YUY2, width=640, height=480, framerate={ (fraction)30/1, (fraction)24/1, (fraction)15/1 }; \
             video/x-raw, format=YUY2, width=320, height=240, framerate={ (fraction)30/1, (fraction)15/1 }; \
             image/jpeg, width=1920, height=1080, framerate={ (fraction)30/1, (fraction)24/1, (fraction)15/1 }; \
             image/jpeg, width=1280, height=720, framerate={ (fraction)30/1, (fraction)24/1 }; \
             image/jpeg, width=640, height=480, framerate={ (fraction)30/1, (fraction)15/1 }",
        ))
    }

    fn chosen(format: ModeFormat, width: u32, height: u32, fps: i32) -> Option<ChosenMode> {
        Some(ChosenMode { format, width, height, rate: FrameRate::new(fps, 1) })
    }

    #[test]
    fn reads_a_c920() {
        let modes = c920();
        assert_eq!(modes.len(), 7);
        assert_eq!(
            modes[0],
            CameraMode { format: ModeFormat::Raw, width: 1920, height: 1080, rates: vec![FrameRate::new(5, 1)] }
        );
        assert_eq!(modes[2].rates, vec![FrameRate::new(30, 1), FrameRate::new(24, 1), FrameRate::new(15, 1)]);
    }

    #[test]
    fn c920_at_1080p30_takes_mjpeg() {
        assert_eq!(best_mode(&c920(), 1920, 1080, 30), chosen(ModeFormat::Mjpeg, 1920, 1080, 30));
    }

    #[test]
    fn c920_at_720p30_takes_mjpeg_720() {
        assert_eq!(best_mode(&c920(), 1280, 720, 30), chosen(ModeFormat::Mjpeg, 1280, 720, 30));
    }

    #[test]
    fn raw_wins_when_its_rate_suffices() {
        assert_eq!(best_mode(&c920(), 640, 480, 30), chosen(ModeFormat::Raw, 640, 480, 30));
        // 720p at 5 fps: raw 1280x720 offers 10, enough, and is the exact size.
        assert_eq!(best_mode(&c920(), 1280, 720, 5), chosen(ModeFormat::Raw, 1280, 720, 5));
    }

    #[test]
    fn smallest_bigger_mode_when_no_exact_size() {
        // 960x540: 1280x720 MJPEG is the smallest at least that big with 30 fps.
        assert_eq!(best_mode(&c920(), 960, 540, 30), chosen(ModeFormat::Mjpeg, 1280, 720, 30));
    }

    #[test]
    fn largest_mode_when_the_canvas_is_bigger_than_the_camera() {
        let modes = modes_of(&caps(
            "video/x-raw, format=YUY2, width=640, height=480, framerate=30/1; \
             video/x-raw, format=YUY2, width=320, height=240, framerate=30/1",
        ));
        assert_eq!(best_mode(&modes, 1920, 1080, 30), chosen(ModeFormat::Raw, 640, 480, 30));
    }

    #[test]
    fn a_fast_enough_rate_beats_a_sharper_picture() {
        let modes = modes_of(&caps(
            "video/x-raw, format=YUY2, width=1920, height=1080, framerate=5/1; \
             video/x-raw, format=YUY2, width=640, height=480, framerate=30/1",
        ));
        assert_eq!(best_mode(&modes, 1920, 1080, 30), chosen(ModeFormat::Raw, 640, 480, 30));
        // When nothing is fast enough, the size decides and the fastest rate is taken.
        let slow = modes_of(&caps("video/x-raw, width=1920, height=1080, framerate={ 10/1, 5/1 }"));
        assert_eq!(best_mode(&slow, 1920, 1080, 30), chosen(ModeFormat::Raw, 1920, 1080, 10));
    }

    #[test]
    fn the_rate_nearest_the_canvas_is_taken() {
        let modes = modes_of(&caps("image/jpeg, width=1280, height=720, framerate={ 60/1, 30/1, 25/1 }"));
        assert_eq!(best_mode(&modes, 1280, 720, 25), chosen(ModeFormat::Mjpeg, 1280, 720, 25));
        assert_eq!(best_mode(&modes, 1280, 720, 50), chosen(ModeFormat::Mjpeg, 1280, 720, 60));
        // 29.97 counts as 30.
        let ntsc = modes_of(&caps("video/x-raw, width=1280, height=720, framerate=30000/1001"));
        assert_eq!(best_mode(&ntsc, 1280, 720, 30).map(|m| m.rate), Some(FrameRate::new(30000, 1001)));
    }

    #[test]
    fn ranges_and_other_formats() {
        let modes = modes_of(&caps(
            "video/x-raw, format=NV12, width=[ 16, 1920 ], height=[ 16, 1080 ], framerate=[ 1/1, 60/1 ]; \
             video/x-h264, width=1920, height=1080, framerate=30/1",
        ));
        assert_eq!(modes.len(), 1, "H.264 is not a mode Kaibo opens: {modes:?}");
        assert_eq!(best_mode(&modes, 1920, 1080, 30), chosen(ModeFormat::Raw, 1920, 1080, 60));
        assert_eq!(best_mode(&[], 1920, 1080, 30), None);
    }

    #[test]
    fn caps_ask_for_the_mode() {
        let mode = ChosenMode { format: ModeFormat::Mjpeg, width: 1280, height: 720, rate: FrameRate::new(30, 1) };
        gst::init().expect("GStreamer");
        assert_eq!(mode.caps().to_string(), "image/jpeg, width=(int)1280, height=(int)720, framerate=(fraction)30/1");
    }
}
