//! `kaibolook` run through `gstreamer_check::Harness`, without hardware.

use std::path::Path;
use std::time::Instant;

use gst_video::prelude::*;
use gst_video::VideoFrameExt;
use gstreamer_check::Harness;

const W: usize = 64;
const H: usize = 48;

/// One 4:2:0 frame as three tightly packed planes.
#[derive(Clone, Debug, PartialEq)]
struct Planes {
    width: usize,
    height: usize,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

impl Planes {
    fn chroma_width(&self) -> usize {
        self.width.div_ceil(2)
    }

    fn chroma_height(&self) -> usize {
        self.height.div_ceil(2)
    }

    fn uniform(width: usize, height: usize, y: u8, u: u8, v: u8) -> Self {
        let chroma = width.div_ceil(2) * height.div_ceil(2);
        Self { width, height, y: vec![y; width * height], u: vec![u; chroma], v: vec![v; chroma] }
    }

    /// Varied content: a luma ramp and chroma that varies across the frame.
    fn pattern(width: usize, height: usize) -> Self {
        let mut planes = Self::uniform(width, height, 0, 0, 0);
        for y in 0..height {
            for x in 0..width {
                planes.y[y * width + x] = (16 + (x * 219) / width.max(1) + y % 7) as u8;
            }
        }
        let cw = planes.chroma_width();
        for y in 0..planes.chroma_height() {
            for x in 0..cw {
                planes.u[y * cw + x] = (64 + (x * 128) / cw) as u8;
                planes.v[y * cw + x] = (192 - (y * 128) / planes.chroma_height()) as u8;
            }
        }
        planes
    }

    fn y_at(&self, x: usize, y: usize) -> u8 {
        self.y[y * self.width + x]
    }

    fn uv_at(&self, x: usize, y: usize) -> (u8, u8) {
        let i = (y / 2) * self.chroma_width() + x / 2;
        (self.u[i], self.v[i])
    }

    fn info(&self, format: gst_video::VideoFormat) -> gst_video::VideoInfo {
        gst_video::VideoInfo::builder(format, self.width as u32, self.height as u32)
            .colorimetry(&"bt601".parse().expect("colorimetry"))
            .build()
            .expect("video info")
    }

    fn to_buffer(&self, format: gst_video::VideoFormat) -> gst::Buffer {
        let info = self.info(format);
        let buffer = gst::Buffer::with_size(info.size()).expect("buffer");
        let mut frame = gst_video::VideoFrame::from_buffer_writable(buffer, &info).expect("map");
        let strides: Vec<usize> = frame.plane_stride().iter().map(|&s| s as usize).collect();
        let (w, cw) = (self.width, self.chroma_width());
        for row in 0..self.height {
            let plane = frame.plane_data_mut(0).expect("y plane");
            plane[row * strides[0]..][..w].copy_from_slice(&self.y[row * w..][..w]);
        }
        for row in 0..self.chroma_height() {
            match format {
                gst_video::VideoFormat::I420 => {
                    let plane = frame.plane_data_mut(1).expect("u plane");
                    plane[row * strides[1]..][..cw].copy_from_slice(&self.u[row * cw..][..cw]);
                    let plane = frame.plane_data_mut(2).expect("v plane");
                    plane[row * strides[2]..][..cw].copy_from_slice(&self.v[row * cw..][..cw]);
                }
                gst_video::VideoFormat::Nv12 => {
                    let plane = frame.plane_data_mut(1).expect("uv plane");
                    let dst = &mut plane[row * strides[1]..][..2 * cw];
                    for x in 0..cw {
                        dst[2 * x] = self.u[row * cw + x];
                        dst[2 * x + 1] = self.v[row * cw + x];
                    }
                }
                other => panic!("format {other:?}"),
            }
        }
        frame.into_buffer()
    }

    fn from_buffer(buffer: &gst::Buffer, format: gst_video::VideoFormat, width: usize, height: usize) -> Self {
        let mut planes = Self::uniform(width, height, 0, 0, 0);
        let info = planes.info(format);
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer.as_ref(), &info).expect("map");
        let strides: Vec<usize> = frame.plane_stride().iter().map(|&s| s as usize).collect();
        let (w, cw) = (width, planes.chroma_width());
        for row in 0..height {
            let plane = frame.plane_data(0).expect("y plane");
            planes.y[row * w..][..w].copy_from_slice(&plane[row * strides[0]..][..w]);
        }
        for row in 0..planes.chroma_height() {
            match format {
                gst_video::VideoFormat::I420 => {
                    let plane = frame.plane_data(1).expect("u plane");
                    planes.u[row * cw..][..cw].copy_from_slice(&plane[row * strides[1]..][..cw]);
                    let plane = frame.plane_data(2).expect("v plane");
                    planes.v[row * cw..][..cw].copy_from_slice(&plane[row * strides[2]..][..cw]);
                }
                gst_video::VideoFormat::Nv12 => {
                    let plane = frame.plane_data(1).expect("uv plane");
                    let src = &plane[row * strides[1]..][..2 * cw];
                    for x in 0..cw {
                        planes.u[row * cw + x] = src[2 * x];
                        planes.v[row * cw + x] = src[2 * x + 1];
                    }
                }
                other => panic!("format {other:?}"),
            }
        }
        planes
    }
}

fn mean(values: &[u8]) -> f64 {
    values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64
}

fn harness_for(format: gst_video::VideoFormat, width: usize, height: usize) -> Harness {
    engine::elements::register().expect("register kaibolook");
    let mut h = Harness::new("kaibolook");
    h.set_src_caps_str(&format!(
        "video/x-raw,format={},width={width},height={height},framerate=30/1,colorimetry=bt601",
        format.to_str()
    ));
    h
}

fn harness() -> Harness {
    harness_for(gst_video::VideoFormat::I420, W, H)
}

fn element(h: &Harness) -> gst::Element {
    h.element().expect("harness element")
}

/// Pushes one I420 frame and returns what came out.
fn run(h: &mut Harness, input: &Planes) -> Planes {
    run_as(h, input, gst_video::VideoFormat::I420)
}

fn run_as(h: &mut Harness, input: &Planes, format: gst_video::VideoFormat) -> Planes {
    let output = h.push_and_pull(input.to_buffer(format)).expect("output buffer");
    Planes::from_buffer(&output, format, input.width, input.height)
}

fn write_cube(dir: &Path, name: &str, size: usize, f: impl Fn([f64; 3]) -> [f64; 3]) -> String {
    let mut text = format!("# test LUT\nTITLE \"{name}\"\nLUT_3D_SIZE {size}\n\n");
    let s = (size - 1) as f64;
    for b in 0..size {
        for g in 0..size {
            for r in 0..size {
                let [or, og, ob] = f([r as f64 / s, g as f64 / s, b as f64 / s]);
                text += &format!("{or:.6} {og:.6} {ob:.6}\n");
            }
        }
    }
    let path = dir.join(format!("{name}.cube"));
    std::fs::write(&path, text).expect("write cube");
    path.to_str().expect("utf-8 path").to_owned()
}

/// BT.601 limited range, as the element is told by the caps.
fn yuv_to_rgb([y, u, v]: [f64; 3]) -> [f64; 3] {
    let l = (y - 16.0) / 219.0;
    let pb = (u - 128.0) / 224.0;
    let pr = (v - 128.0) / 224.0;
    let r = l + 1.402 * pr;
    let b = l + 1.772 * pb;
    let g = (l - 0.299 * r - 0.114 * b) / 0.587;
    [r, g, b]
}

fn rgb_to_yuv([r, g, b]: [f64; 3]) -> [f64; 3] {
    let l = 0.299 * r + 0.587 * g + 0.114 * b;
    [16.0 + 219.0 * l, 128.0 + 224.0 * (b - l) / 1.772, 128.0 + 224.0 * (r - l) / 1.402]
}

fn assert_close(actual: u8, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual as f64 - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected:.1} ± {tolerance}"
    );
}

fn warnings(bus: &gst::Bus) -> Vec<String> {
    let mut texts = Vec::new();
    while let Some(message) = bus.pop_filtered(&[gst::MessageType::Warning, gst::MessageType::Error]) {
        match message.view() {
            gst::MessageView::Warning(w) => texts.push(format!("{} ({:?})", w.error(), w.debug())),
            gst::MessageView::Error(e) => texts.push(format!("ERROR {} ({:?})", e.error(), e.debug())),
            _ => {}
        }
    }
    texts
}

#[test]
fn register_twice_is_fine() {
    engine::elements::register().expect("first");
    engine::elements::register().expect("second");
    assert!(gst::ElementFactory::find("kaibolook").is_some());
}

#[test]
fn neutral_look_is_passthrough() {
    let mut h = harness();
    let el = element(&h);
    let transform = el.downcast_ref::<gst_base::BaseTransform>().expect("a BaseTransform");
    assert!(transform.is_passthrough());

    let input = Planes::pattern(W, H);
    let buffer = input.to_buffer(gst_video::VideoFormat::I420);
    let before = buffer.map_readable().expect("map").to_vec();
    let output = h.push_and_pull(buffer.clone()).expect("output");
    // Same buffer, untouched: not even copied for writing.
    assert_eq!(output.as_ptr(), buffer.as_ptr());
    assert_eq!(output.map_readable().expect("map").as_slice(), before.as_slice());

    // A look that is set and then reset to neutral goes back to passthrough.
    el.set_property("saturation", 0.5);
    assert!(!transform.is_passthrough());
    el.set_property("saturation", 1.0);
    assert!(transform.is_passthrough());
}

#[test]
fn brightness_raises_mean_luma() {
    let mut h = harness();
    element(&h).set_property("brightness", 0.5);
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    assert!(mean(&output.y) > mean(&input.y) + 50.0, "{} -> {}", mean(&input.y), mean(&output.y));
    // Chroma untouched by brightness.
    assert_eq!(output.u, input.u);
    assert_eq!(output.v, input.v);
}

#[test]
fn contrast_spreads_luma_around_mid_grey() {
    let mut h = harness();
    element(&h).set_property("contrast", 2.0);
    let mut input = Planes::uniform(W, H, 100, 128, 128);
    input.y[..W * H / 2].fill(150);
    let output = run(&mut h, &input);
    // Mid grey is 125.5; 100 goes down to ~75, 150 up to ~175.
    assert_close(output.y_at(0, 0), 174.5, 1.0, "bright half");
    assert_close(output.y_at(0, H - 1), 74.5, 1.0, "dark half");
}

#[test]
fn zero_saturation_gives_neutral_chroma() {
    let mut h = harness();
    element(&h).set_property("saturation", 0.0);
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    assert!(output.u.iter().all(|&u| u == 128), "U: {:?}", &output.u[..8]);
    assert!(output.v.iter().all(|&v| v == 128), "V: {:?}", &output.v[..8]);
    assert_eq!(output.y, input.y);
}

#[test]
fn warmth_shifts_grey_toward_amber() {
    let mut h = harness();
    element(&h).set_property("warmth", 0.5);
    let input = Planes::uniform(W, H, 128, 128, 128);
    let output = run(&mut h, &input);
    assert!(mean(&output.v) > 128.0 + 5.0, "Cr {}", mean(&output.v));
    assert!(mean(&output.u) < 128.0 - 5.0, "Cb {}", mean(&output.u));

    element(&h).set_property("warmth", -0.5);
    let output = run(&mut h, &input);
    assert!(mean(&output.v) < 128.0 - 5.0, "cool Cr {}", mean(&output.v));
    assert!(mean(&output.u) > 128.0 + 5.0, "cool Cb {}", mean(&output.u));
}

#[test]
fn vignette_darkens_corners_not_centre() {
    let mut h = harness();
    let el = element(&h);
    el.set_property("vignette-strength", 1.0);
    el.set_property("vignette-radius", 0.4);
    el.set_property("vignette-softness", 0.3);
    let input = Planes::uniform(W, H, 200, 90, 170);
    let output = run(&mut h, &input);

    for (x, y) in [(0, 0), (W - 1, 0), (0, H - 1), (W - 1, H - 1)] {
        assert!(output.y_at(x, y) < 60, "corner ({x},{y}) Y {}", output.y_at(x, y));
        let (u, v) = output.uv_at(x, y);
        assert!((u as i32 - 128).abs() < 15 && (v as i32 - 128).abs() < 15, "corner chroma {u},{v}");
    }
    assert_eq!(output.y_at(W / 2, H / 2), 200);
    assert_eq!(output.uv_at(W / 2, H / 2), (90, 170));
    // Darkening grows toward the edge.
    assert!(output.y_at(W / 2, 0) < 200);
    assert!(output.y_at(W / 2, 0) > output.y_at(0, 0));

    // Half strength: the corner keeps about half its level above black.
    el.set_property("vignette-strength", 0.5);
    let output = run(&mut h, &input);
    assert_close(output.y_at(0, 0), 16.0 + 184.0 * 0.5, 3.0, "half-strength corner");
    assert_eq!(output.y_at(W / 2, H / 2), 200);
}

#[test]
fn vignette_centre_moves() {
    let mut h = harness();
    let el = element(&h);
    el.set_property("vignette-strength", 1.0);
    el.set_property("vignette-radius", 0.3);
    el.set_property("vignette-x", 0.0);
    el.set_property("vignette-y", 0.0);
    let output = run(&mut h, &Planes::uniform(W, H, 200, 128, 128));
    assert_eq!(output.y_at(0, 0), 200);
    assert!(output.y_at(W - 1, H - 1) < 100);
}

#[test]
fn identity_cube_leaves_frame_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_cube(dir.path(), "identity", 33, |rgb| rgb);
    let mut h = harness();
    element(&h).set_property("lut-location", &path);
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    for (name, a, b) in [("Y", &input.y, &output.y), ("U", &input.u, &output.u), ("V", &input.v, &output.v)] {
        let worst = a.iter().zip(b.iter()).map(|(&p, &q)| (p as i32 - q as i32).abs()).max();
        assert!(worst.unwrap_or(0) <= 2, "{name} differs by {worst:?}");
    }
}

#[test]
fn invert_cube_inverts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_cube(dir.path(), "invert", 17, |[r, g, b]| [1.0 - r, 1.0 - g, 1.0 - b]);
    let mut h = harness();
    element(&h).set_property("lut-location", &path);

    // Left half grey, right half a colour; all inside the gamut.
    let mut input = Planes::uniform(W, H, 100, 128, 128);
    let cw = input.chroma_width();
    for y in 0..H {
        for x in W / 2..W {
            input.y[y * W + x] = 120;
        }
    }
    for y in 0..input.chroma_height() {
        for x in cw / 2..cw {
            input.u[y * cw + x] = 160;
            input.v[y * cw + x] = 96;
        }
    }
    let output = run(&mut h, &input);
    // Limited range: Y' = 235 - (Y - 16), C' = 256 - C.
    assert_close(output.y_at(4, 4), 151.0, 2.0, "grey Y");
    assert_close(output.uv_at(4, 4).0, 128.0, 2.0, "grey U");
    assert_close(output.uv_at(4, 4).1, 128.0, 2.0, "grey V");
    assert_close(output.y_at(W - 4, 4), 131.0, 2.0, "colour Y");
    assert_close(output.uv_at(W - 4, 4).0, 96.0, 2.0, "colour U");
    assert_close(output.uv_at(W - 4, 4).1, 160.0, 2.0, "colour V");

    // Half strength is half way.
    element(&h).set_property("lut-strength", 0.5);
    let output = run(&mut h, &input);
    assert_close(output.y_at(4, 4), 125.5, 2.0, "half-strength grey Y");
    assert_close(output.uv_at(W - 4, 4).0, 128.0, 2.0, "half-strength colour U");
}

#[test]
fn swap_cube_turns_red_into_blue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_cube(dir.path(), "swap", 33, |[r, g, b]| [b, g, r]);
    let mut h = harness();
    element(&h).set_property("lut-location", &path);

    let reddish = [100.0, 112.0, 168.0];
    let input = Planes::uniform(W, H, reddish[0] as u8, reddish[1] as u8, reddish[2] as u8);
    let output = run(&mut h, &input);
    let [r, g, b] = yuv_to_rgb(reddish);
    let expected = rgb_to_yuv([b, g, r]);
    let (u, v) = output.uv_at(W / 2, H / 2);
    assert_close(output.y_at(W / 2, H / 2), expected[0], 2.0, "Y");
    assert_close(u, expected[1], 2.0, "U");
    assert_close(v, expected[2], 2.0, "V");
    assert!(u > 128 && v < 128, "red became blue: {u},{v}");

    // Off-node colours, with a gradient: still close.
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    let mut worst = [0f64; 3];
    for y in (0..H).step_by(2) {
        for x in (0..W).step_by(2) {
            let (iu, iv) = input.uv_at(x, y);
            let block: Vec<f64> = [(x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)]
                .iter()
                .map(|&(bx, by)| input.y_at(bx, by) as f64)
                .collect();
            let mean_y = block.iter().sum::<f64>() / 4.0;
            let [r, g, b] = yuv_to_rgb([mean_y, iu as f64, iv as f64]);
            // Skip colours the cube clamps (outside the RGB gamut). Luma uses
            // the nearest chroma node, so a strong swap is off by up to ~2.5.
            if [r, g, b].iter().any(|c| !(0.0..=1.0).contains(c)) {
                continue;
            }
            let e = rgb_to_yuv([b, g, r]);
            let (ou, ov) = output.uv_at(x, y);
            worst[1] = worst[1].max((ou as f64 - e[1]).abs());
            worst[2] = worst[2].max((ov as f64 - e[2]).abs());
            let [r, g, b] = yuv_to_rgb([input.y_at(x, y) as f64, iu as f64, iv as f64]);
            let e = rgb_to_yuv([b, g, r]);
            worst[0] = worst[0].max((output.y_at(x, y) as f64 - e[0]).abs());
        }
    }
    assert!(worst.iter().all(|&w| w <= 3.0), "worst error Y/U/V {worst:?}");
}

#[test]
fn malformed_cube_is_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken-grade.cube");
    std::fs::write(&path, "TITLE \"broken\"\nLUT_3D_SIZE 2\n0 0 0\n1 0 zero\n").expect("write");
    let path = path.to_str().expect("utf-8").to_owned();

    let mut h = harness();
    let el = element(&h);
    let bus = gst::Bus::new();
    el.set_bus(Some(&bus));
    el.set_property("lut-location", &path);

    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    assert_eq!(output, input, "a LUT that failed to load changes nothing");

    let texts = warnings(&bus);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains(&path), "{texts:?}");
    assert!(texts[0].contains("line 4"), "{texts:?}");
    assert!(!texts[0].starts_with("ERROR"), "{texts:?}");

    // Reported once, not every frame.
    run(&mut h, &input);
    assert!(warnings(&bus).is_empty());

    // Other settings still apply.
    el.set_property("brightness", 0.2);
    let output = run(&mut h, &input);
    assert!(mean(&output.y) > mean(&input.y));
}

#[test]
fn one_dimensional_and_missing_cubes_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one_d = dir.path().join("curve.cube");
    std::fs::write(&one_d, "LUT_1D_SIZE 2\n0 0 0\n1 1 1\n").expect("write");
    let one_d = one_d.to_str().expect("utf-8").to_owned();
    let missing = dir.path().join("nowhere.cube").to_str().expect("utf-8").to_owned();

    let mut h = harness();
    let el = element(&h);
    let bus = gst::Bus::new();
    el.set_bus(Some(&bus));
    let input = Planes::pattern(W, H);

    el.set_property("lut-location", &one_d);
    assert_eq!(run(&mut h, &input), input);
    let texts = warnings(&bus);
    assert!(texts.len() == 1 && texts[0].contains(&one_d) && texts[0].contains("1D"), "{texts:?}");

    el.set_property("lut-location", &missing);
    assert_eq!(run(&mut h, &input), input);
    let texts = warnings(&bus);
    assert!(texts.len() == 1 && texts[0].contains(&missing), "{texts:?}");
}

#[test]
fn bus_handler_may_set_properties_when_a_lut_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.cube");
    std::fs::write(&path, "").expect("write");

    let mut h = harness();
    let el = element(&h);
    let bus = gst::Bus::new();
    let weak = el.downgrade();
    // A sync handler runs on the streaming thread, inside the element's
    // frame processing: setting a property there must not deadlock.
    bus.set_sync_handler(move |_, message| {
        if let (gst::MessageView::Warning(_), Some(el)) = (message.view(), weak.upgrade()) {
            el.set_property("saturation", 0.0);
        }
        gst::BusSyncReply::Drop
    });
    el.set_bus(Some(&bus));
    // The LUT is loaded (and fails) when its path is set, not on the streaming thread.
    el.set_property("lut-location", path.to_str().expect("utf-8"));

    let input = Planes::pattern(W, H);
    assert_eq!(el.property::<f64>("saturation"), 0.0);
    let output = run(&mut h, &input);
    assert!(output.u.iter().all(|&u| u == 128));
}

#[test]
fn properties_can_change_while_frames_flow() {
    let mut h = harness();
    let el = element(&h);
    let setter = std::thread::spawn({
        let el = el.clone();
        move || {
            for i in 0..2000 {
                let x = (i % 11) as f64 / 10.0;
                el.set_property("saturation", 2.0 * x);
                el.set_property("vignette-strength", x);
                el.set_property("vignette-x", x);
                el.set_property("brightness", x - 0.5);
            }
        }
    });
    let input = Planes::pattern(W, H);
    for _ in 0..200 {
        run(&mut h, &input);
    }
    setter.join().expect("setter thread");
    el.set_property("saturation", 0.0);
    let output = run(&mut h, &input);
    assert!(output.u.iter().all(|&u| u == 128));
}

#[test]
fn property_change_applies_to_next_buffer() {
    let mut h = harness();
    let input = Planes::pattern(W, H);
    let first = run(&mut h, &input);
    assert_eq!(first, input);

    element(&h).set_property("brightness", 0.3);
    let second = run(&mut h, &input);
    assert!(mean(&second.y) > mean(&input.y) + 30.0);

    element(&h).set_property("brightness", 0.0);
    let third = run(&mut h, &input);
    assert_eq!(third, input);
}

#[test]
fn nv12_is_supported() {
    let mut h = harness_for(gst_video::VideoFormat::Nv12, W, H);
    let el = element(&h);
    el.set_property("brightness", 0.3);
    el.set_property("saturation", 0.0);
    let input = Planes::pattern(W, H);
    let output = run_as(&mut h, &input, gst_video::VideoFormat::Nv12);
    assert!(mean(&output.y) > mean(&input.y) + 30.0);
    assert!(output.u.iter().chain(&output.v).all(|&c| c == 128));

    el.set_property("saturation", 1.0);
    el.set_property("brightness", 0.0);
    el.set_property("vignette-strength", 1.0);
    el.set_property("vignette-radius", 0.4);
    let uniform = Planes::uniform(W, H, 200, 90, 170);
    let output = run_as(&mut h, &uniform, gst_video::VideoFormat::Nv12);
    assert!(output.y_at(0, 0) < 100);
    assert_eq!(output.y_at(W / 2, H / 2), 200);
    assert_eq!(output.uv_at(W / 2, H / 2), (90, 170));
    let (u, v) = output.uv_at(0, 0);
    assert!(u > 90 && v < 170, "corner chroma pulled toward grey: {u},{v}");
}

#[test]
fn odd_sizes_and_everything_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_cube(dir.path(), "invert", 9, |[r, g, b]| [1.0 - r, 1.0 - g, 1.0 - b]);
    for format in [gst_video::VideoFormat::I420, gst_video::VideoFormat::Nv12] {
        let (w, h_) = (63, 47);
        let mut h = harness_for(format, w, h_);
        let el = element(&h);
        el.set_property("lut-location", &path);
        el.set_property("contrast", 1.2);
        el.set_property("warmth", 0.2);
        el.set_property("vignette-strength", 0.5);
        el.set_property("vignette-softness", 0.0);
        let input = Planes::uniform(w, h_, 100, 128, 128);
        let output = run_as(&mut h, &input, format);
        // Inverted grey (151) with a little contrast, in the lit centre.
        let centre = output.y_at(w / 2, h_ / 2);
        assert!((152..=160).contains(&centre), "{format:?} centre {centre}");
        // The last odd column and row were processed too.
        assert!(output.y_at(w - 1, h_ - 1) < centre);
    }
}

/// Not a pass/fail test: prints the cost per frame at 720p and 1080p (I420).
/// Run with `cargo test -p engine --test look -- --ignored --nocapture`
/// (the engine crate is built with opt-level 2 in dev too).
#[test]
#[ignore]
fn cost_per_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lut = write_cube(dir.path(), "warm", 33, |[r, g, b]| [r.powf(0.9), g, b.powf(1.1)]);
    // (name, properties, with the LUT)
    type Case<'a> = (&'a str, &'a [(&'a str, f64)], bool);
    let tone: &[(&str, f64)] = &[("brightness", 0.1), ("contrast", 1.1), ("saturation", 1.2), ("warmth", 0.3)];
    let everything: &[(&str, f64)] =
        &[("brightness", 0.1), ("contrast", 1.1), ("saturation", 1.2), ("warmth", 0.3), ("vignette-strength", 0.5)];
    let cases: [Case; 4] = [
        ("tone", tone, false),
        ("vignette", &[("vignette-strength", 0.5)], false),
        ("tone+vignette", everything, false),
        ("lut+tone+vignette", everything, true),
    ];
    for (w, hgt) in [(1280, 720), (1920, 1080)] {
        let input = Planes::pattern(w, hgt);
        for (name, props, with_lut) in cases {
            let mut h = harness_for(gst_video::VideoFormat::I420, w, hgt);
            let el = element(&h);
            for (prop, value) in props {
                el.set_property(prop, *value);
            }
            if with_lut {
                el.set_property("lut-location", &lut);
            }
            let mut buffer = h.push_and_pull(input.to_buffer(gst_video::VideoFormat::I420)).expect("warm up");
            let frames = 200;
            let start = Instant::now();
            for _ in 0..frames {
                buffer = h.push_and_pull(buffer).expect("frame");
            }
            let per_frame = start.elapsed() / frames;
            println!(
                "{w}x{hgt} {name}: {per_frame:?} per frame, {:.1}% of a core at 30 fps",
                per_frame.as_secs_f64() * 30.0 * 100.0
            );
        }
    }
}

#[test]
fn runs_in_a_pipeline_and_leaves_passthrough_while_playing() {
    engine::elements::register().expect("register kaibolook");
    let pipeline = gst::parse::launch(
        "videotestsrc num-buffers=40 ! video/x-raw,format=NV12,width=320,height=180 \
         ! kaibolook name=look ! fakesink name=sink",
    )
    .expect("pipeline")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let look = pipeline.by_name("look").expect("look");
    let sink_pad = pipeline.by_name("sink").and_then(|sink| sink.static_pad("sink")).expect("sink pad");
    let counted = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    sink_pad.add_probe(gst::PadProbeType::BUFFER, {
        let counted = counted.clone();
        let look = look.downgrade();
        move |_, _| {
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Some(look) = look.upgrade() {
                // Flip between neutral and a look every few frames.
                let on = (n / 5) % 2 == 1;
                look.set_property("warmth", if on { 0.4 } else { 0.0 });
                look.set_property("vignette-strength", if on { 0.6 } else { 0.0 });
            }
            gst::PadProbeReturn::Ok
        }
    });

    pipeline.set_state(gst::State::Playing).expect("playing");
    let bus = pipeline.bus().expect("bus");
    let message = bus
        .timed_pop_filtered(gst::ClockTime::from_seconds(10), &[gst::MessageType::Eos, gst::MessageType::Error])
        .expect("EOS within 10 s");
    pipeline.set_state(gst::State::Null).expect("null");
    assert!(matches!(message.view(), gst::MessageView::Eos(_)), "{message:?}");
    assert_eq!(counted.load(std::sync::atomic::Ordering::SeqCst), 40);
}
