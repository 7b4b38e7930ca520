//! `kaibooverlay` run through `gstreamer_check::Harness`, without hardware.

use gst_base::prelude::*;
use gst_video::VideoFrameExt;
use gstreamer_check::Harness;
use render::Raster;

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

    /// Varied content, so that a blend against the wrong pixel shows.
    fn pattern(width: usize, height: usize) -> Self {
        let mut planes = Self::uniform(width, height, 0, 0, 0);
        for (i, p) in planes.y.iter_mut().enumerate() {
            *p = (16 + (i * 7) % 220) as u8;
        }
        for (i, p) in planes.u.iter_mut().enumerate() {
            *p = (40 + (i * 13) % 180) as u8;
        }
        for (i, p) in planes.v.iter_mut().enumerate() {
            *p = (200 - (i * 11) % 170) as u8;
        }
        planes
    }

    fn y_at(&self, x: usize, y: usize) -> u8 {
        self.y[y * self.width + x]
    }

    /// U and V of the chroma sample `(cx, cy)`.
    fn uv_at(&self, cx: usize, cy: usize) -> (u8, u8) {
        let i = cy * self.chroma_width() + cx;
        (self.u[i], self.v[i])
    }

    fn info(&self, format: gst_video::VideoFormat) -> gst_video::VideoInfo {
        gst_video::VideoInfo::builder(format, self.width as u32, self.height as u32).build().expect("video info")
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

    fn from_buffer(buffer: &gst::Buffer, format: gst_video::VideoFormat, like: &Planes) -> Self {
        let mut planes = Self::uniform(like.width, like.height, 0, 0, 0);
        let info = planes.info(format);
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer.as_ref(), &info).expect("map");
        let strides: Vec<usize> = frame.plane_stride().iter().map(|&s| s as usize).collect();
        let (w, cw) = (planes.width, planes.chroma_width());
        for row in 0..planes.height {
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

/// A layer of one colour, `rgba` straight (not premultiplied), as cairo would draw it:
/// premultiplied ARGB32 in native endian.
fn solid(x: i32, y: i32, width: u32, height: u32, [r, g, b, a]: [u8; 4]) -> Raster {
    let pm = |c: u8| ((u32::from(c) * u32::from(a) + 127) / 255) as u8;
    let pixel = u32::from_be_bytes([a, pm(r), pm(g), pm(b)]).to_ne_bytes();
    // A stride wider than the row, as cairo may use.
    let stride = width * 4 + 8;
    let mut data = vec![0u8; (stride * height) as usize];
    for row in data.chunks_exact_mut(stride as usize) {
        for p in row[..(width * 4) as usize].chunks_exact_mut(4) {
            p.copy_from_slice(&pixel);
        }
    }
    Raster { x, y, width, height, stride, data }
}

/// Straight R'G'B' in 0..1 to 8-bit limited-range Y'CbCr with matrix `(kr, kb)`.
fn rgb_to_yuv([r, g, b]: [f64; 3], (kr, kb): (f64, f64)) -> [f64; 3] {
    let l = kr * r + (1.0 - kr - kb) * g + kb * b;
    [16.0 + 219.0 * l, 128.0 + 224.0 * (b - l) / (2.0 * (1.0 - kb)), 128.0 + 224.0 * (r - l) / (2.0 * (1.0 - kr))]
}

const BT601: (f64, f64) = (0.299, 0.114);
const BT709: (f64, f64) = (0.2126, 0.0722);

fn yuv_of(rgb: [u8; 3], matrix: (f64, f64)) -> [f64; 3] {
    rgb_to_yuv(rgb.map(|c| f64::from(c) / 255.0), matrix)
}

fn exact(rgb: [u8; 3], matrix: (f64, f64)) -> [u8; 3] {
    yuv_of(rgb, matrix).map(|c| c.round() as u8)
}

fn harness_for(format: gst_video::VideoFormat, width: usize, height: usize, colorimetry: &str) -> Harness {
    engine::elements::register().expect("register kaibooverlay");
    let mut h = Harness::new("kaibooverlay");
    h.set_src_caps_str(&format!(
        "video/x-raw,format={},width={width},height={height},framerate=30/1,colorimetry={colorimetry}",
        format.to_str()
    ));
    h
}

fn harness() -> Harness {
    harness_for(gst_video::VideoFormat::I420, W, H, "bt601")
}

fn overlay(h: &Harness) -> engine::elements::overlay::Overlay {
    h.element().expect("harness element").downcast().expect("the kaibooverlay element")
}

fn is_passthrough(h: &Harness) -> bool {
    h.element()
        .expect("harness element")
        .downcast_ref::<gst_base::BaseTransform>()
        .expect("a BaseTransform")
        .is_passthrough()
}

fn run_as(h: &mut Harness, input: &Planes, format: gst_video::VideoFormat) -> Planes {
    let output = h.push_and_pull(input.to_buffer(format)).expect("output buffer");
    Planes::from_buffer(&output, format, input)
}

fn run(h: &mut Harness, input: &Planes) -> Planes {
    run_as(h, input, gst_video::VideoFormat::I420)
}

/// Every luma pixel outside `[x0, x1) x [y0, y1)` and every chroma sample whose 2x2 block
/// is outside it kept its value.
fn assert_untouched_outside(input: &Planes, output: &Planes, (x0, y0, x1, y1): (usize, usize, usize, usize)) {
    for y in 0..input.height {
        for x in 0..input.width {
            if !(x0..x1).contains(&x) || !(y0..y1).contains(&y) {
                assert_eq!(output.y_at(x, y), input.y_at(x, y), "Y at ({x}, {y})");
            }
        }
    }
    for cy in 0..input.chroma_height() {
        for cx in 0..input.chroma_width() {
            let touches = (2 * cx + 1 >= x0 && 2 * cx < x1) && (2 * cy + 1 >= y0 && 2 * cy < y1);
            if !touches {
                assert_eq!(output.uv_at(cx, cy), input.uv_at(cx, cy), "UV at ({cx}, {cy})");
            }
        }
    }
}

#[test]
fn opaque_square_is_exact_inside_and_untouched_outside() {
    let mut h = harness();
    overlay(&h).set_layers(vec![solid(10, 8, 20, 16, [255, 0, 0, 255])]);
    assert!(!is_passthrough(&h));
    let input = Planes::uniform(W, H, 126, 128, 128);
    let output = run(&mut h, &input);

    let [y, u, v] = exact([255, 0, 0], BT601);
    assert_eq!([y, u, v], [81, 90, 240]);
    for row in 8..24 {
        for x in 10..30 {
            assert_eq!(output.y_at(x, row), y, "Y at ({x}, {row})");
        }
    }
    for cy in 4..12 {
        for cx in 5..15 {
            assert_eq!(output.uv_at(cx, cy), (u, v), "UV at ({cx}, {cy})");
        }
    }
    assert_untouched_outside(&input, &output, (10, 8, 30, 24));

    // Same on varied content: the covered pixels don't depend on what was under them.
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    assert_eq!(output.y_at(10, 8), y);
    assert_eq!(output.uv_at(14, 11), (u, v));
    assert_untouched_outside(&input, &output, (10, 8, 30, 24));
}

#[test]
fn half_alpha_blends_within_two_codes() {
    let mut h = harness();
    let colour = [200, 100, 50];
    let alpha = 128u8;
    overlay(&h).set_layers(vec![solid(8, 6, 40, 30, [colour[0], colour[1], colour[2], alpha])]);
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);

    let over = yuv_of(colour, BT601);
    let a = f64::from(alpha) / 255.0;
    let mix = |layer: f64, under: u8| layer * a + f64::from(under) * (1.0 - a);
    for row in 6..36 {
        for x in 8..48 {
            let expected = mix(over[0], input.y_at(x, row));
            let got = f64::from(output.y_at(x, row));
            assert!((got - expected).abs() <= 2.0, "Y at ({x}, {row}): {got}, expected {expected:.1}");
        }
    }
    for cy in 3..18 {
        for cx in 4..24 {
            let (u0, v0) = input.uv_at(cx, cy);
            let (u, v) = output.uv_at(cx, cy);
            for (got, expected, what) in [(u, mix(over[1], u0), "U"), (v, mix(over[2], v0), "V")] {
                assert!(
                    (f64::from(got) - expected).abs() <= 2.0,
                    "{what} at ({cx}, {cy}): {got}, expected {expected:.1}"
                );
            }
        }
    }
    assert_untouched_outside(&input, &output, (8, 6, 48, 36));
}

#[test]
fn later_layers_are_on_top() {
    let mut h = harness();
    overlay(&h).set_layers(vec![solid(0, 0, 32, 32, [255, 0, 0, 255]), solid(16, 16, 32, 32, [0, 0, 255, 255])]);
    let output = run(&mut h, &Planes::uniform(W, H, 126, 128, 128));
    assert_eq!(output.y_at(4, 4), exact([255, 0, 0], BT601)[0]);
    assert_eq!(output.y_at(20, 20), exact([0, 0, 255], BT601)[0]);
    assert_eq!(output.y_at(40, 40), exact([0, 0, 255], BT601)[0]);
    assert_eq!(output.y_at(60, 4), 126);
}

#[test]
fn layers_are_clipped_at_the_canvas_edges() {
    let mut h = harness();
    let green = [0, 255, 0, 255];
    overlay(&h).set_layers(vec![
        solid(-10, -6, 20, 12, green),                    // top left corner, half outside
        solid(W as i32 - 5, H as i32 - 3, 20, 20, green), // bottom right, mostly outside
        solid(-100, 10, 50, 4, green),                    // entirely left of the canvas
        solid(1000, 1000, 10, 10, green),                 // entirely beyond the canvas
        solid(i32::MAX - 4, i32::MIN, 8, 8, green),       // absurd positions
        solid(20, -3, 8, 60, green),                      // taller than the canvas
    ]);
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    let y = exact([0, 255, 0], BT601)[0];
    assert_eq!(output.y_at(0, 0), y);
    assert_eq!(output.y_at(9, 5), y);
    assert_eq!(output.y_at(10, 6), input.y_at(10, 6));
    assert_eq!(output.y_at(W - 1, H - 1), y);
    assert_eq!(output.y_at(W - 6, H - 1), input.y_at(W - 6, H - 1));
    assert_eq!(output.y_at(20, 0), y);
    assert_eq!(output.y_at(27, H - 1), y);
    assert_eq!(output.y_at(0, 12), input.y_at(0, 12));

    // Only layers entirely outside: nothing to do, so passthrough.
    overlay(&h).set_layers(vec![solid(-100, 10, 50, 4, green), solid(1000, 1000, 10, 10, green)]);
    assert!(is_passthrough(&h));
    assert_eq!(run(&mut h, &input), input);
}

#[test]
fn odd_sizes_and_positions() {
    let (w, hgt) = (63, 47);
    for format in [gst_video::VideoFormat::I420, gst_video::VideoFormat::Nv12] {
        let mut h = harness_for(format, w, hgt, "bt601");
        // Odd position and size, and one reaching the odd right and bottom edges.
        overlay(&h)
            .set_layers(vec![solid(7, 5, 9, 11, [255, 255, 255, 255]), solid(55, 41, 8, 6, [255, 255, 255, 255])]);
        let input = Planes::uniform(w, hgt, 16, 128, 128);
        let output = run_as(&mut h, &input, format);
        for row in 0..hgt {
            for x in 0..w {
                let inside = ((7..16).contains(&x) && (5..16).contains(&row))
                    || ((55..63).contains(&x) && (41..47).contains(&row));
                let expected = if inside { 235 } else { 16 };
                assert_eq!(output.y_at(x, row), expected, "{format:?} Y at ({x}, {row})");
            }
        }
        // White on neutral grey: chroma stays neutral wherever the blend is.
        for cy in 0..output.chroma_height() {
            for cx in 0..output.chroma_width() {
                let (u, v) = output.uv_at(cx, cy);
                assert!(u.abs_diff(128) <= 1 && v.abs_diff(128) <= 1, "{format:?} UV at ({cx}, {cy})");
            }
        }

        // Chroma of a block half covered by an opaque colour is the half blend.
        overlay(&h).set_layers(vec![solid(7, 5, 9, 11, [0, 0, 255, 255])]);
        let output = run_as(&mut h, &input, format);
        let blue = yuv_of([0, 0, 255], BT601);
        // Block (3, 2) covers x 6..8, y 4..6: pixel (7, 5) alone is inside, a quarter.
        let (u, _) = output.uv_at(3, 2);
        let expected = blue[1] * 0.25 + 128.0 * 0.75;
        assert!((f64::from(u) - expected).abs() <= 2.0, "{format:?} U {u}, expected {expected:.1}");
        // Block (4, 3) is inside: exact.
        assert_eq!(output.uv_at(4, 3).0, blue[1].round() as u8, "{format:?}");
        // The last column and row of chroma samples, each a 1-pixel-wide block.
        overlay(&h).set_layers(vec![solid(62, 46, 1, 1, [0, 0, 255, 255])]);
        let output = run_as(&mut h, &input, format);
        assert_eq!(output.uv_at(31, 23).0, blue[1].round() as u8, "{format:?} corner block");
        assert_eq!(output.y_at(62, 46), blue[0].round() as u8);
    }
}

#[test]
fn nv12_matches_i420() {
    let layers = || {
        vec![
            solid(3, 3, 31, 17, [250, 20, 90, 200]),
            solid(20, 10, 30, 30, [10, 200, 90, 255]),
            solid(41, 1, 5, 45, [0, 0, 0, 64]),
        ]
    };
    let input = Planes::pattern(W, H);
    let mut outputs = Vec::new();
    for format in [gst_video::VideoFormat::I420, gst_video::VideoFormat::Nv12] {
        let mut h = harness_for(format, W, H, "bt601");
        overlay(&h).set_layers(layers());
        outputs.push(run_as(&mut h, &input, format));
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn bt709_caps_use_the_bt709_matrix() {
    let mut h = harness_for(gst_video::VideoFormat::I420, W, H, "bt709");
    overlay(&h).set_layers(vec![solid(0, 0, 16, 16, [255, 0, 0, 255])]);
    let output = run(&mut h, &Planes::uniform(W, H, 126, 128, 128));
    let [y, u, v] = exact([255, 0, 0], BT709);
    assert_eq!(output.y_at(5, 5), y);
    assert_eq!(output.uv_at(2, 2), (u, v));
}

#[test]
fn layers_set_before_the_caps_apply() {
    engine::elements::register().expect("register kaibooverlay");
    let mut h = Harness::new("kaibooverlay");
    overlay(&h).set_layers(vec![solid(0, 0, 8, 8, [255, 0, 0, 255])]);
    h.set_src_caps_str(&format!("video/x-raw,format=I420,width={W},height={H},framerate=30/1,colorimetry=bt601"));
    let output = run(&mut h, &Planes::uniform(W, H, 126, 128, 128));
    assert_eq!(output.y_at(3, 3), exact([255, 0, 0], BT601)[0]);
    assert_eq!(output.y_at(8, 8), 126);
}

#[test]
fn set_layers_between_buffers_takes_effect_on_the_next() {
    let mut h = harness();
    let element = overlay(&h);
    element.set_layers(vec![solid(0, 0, 16, 16, [255, 0, 0, 255])]);
    let input = Planes::uniform(W, H, 126, 128, 128);
    let first = run(&mut h, &input);
    element.set_layers(vec![solid(32, 16, 16, 16, [0, 0, 255, 255])]);
    let second = run(&mut h, &input);

    let red = exact([255, 0, 0], BT601)[0];
    let blue = exact([0, 0, 255], BT601)[0];
    assert_eq!(first.y_at(4, 4), red);
    assert_eq!(first.y_at(40, 20), 126);
    assert_eq!(second.y_at(4, 4), 126);
    assert_eq!(second.y_at(40, 20), blue);
}

#[test]
fn no_layers_is_passthrough() {
    let mut h = harness();
    assert!(is_passthrough(&h), "no layers at start");
    let input = Planes::pattern(W, H);
    let buffer = input.to_buffer(gst_video::VideoFormat::I420);
    let before = buffer.map_readable().expect("map").to_vec();
    let output = h.push_and_pull(buffer).expect("output");
    assert_eq!(output.map_readable().expect("map").as_slice(), before.as_slice());

    // On, then off again.
    let element = overlay(&h);
    element.set_layers(vec![solid(0, 0, 16, 16, [255, 0, 0, 255])]);
    assert!(!is_passthrough(&h));
    assert_ne!(run(&mut h, &input), input);
    element.set_layers(Vec::new());
    assert!(is_passthrough(&h));
    let buffer = input.to_buffer(gst_video::VideoFormat::I420);
    let output = h.push_and_pull(buffer).expect("output");
    assert_eq!(output.map_readable().expect("map").as_slice(), before.as_slice());
}

#[test]
fn a_transparent_layer_changes_nothing() {
    let mut h = harness();
    overlay(&h).set_layers(vec![solid(0, 0, W as u32, H as u32, [255, 0, 0, 0])]);
    assert!(is_passthrough(&h));
    let input = Planes::pattern(W, H);
    assert_eq!(run(&mut h, &input), input);
}

#[test]
fn a_short_raster_does_not_panic() {
    let mut h = harness();
    let mut raster = solid(0, 0, 16, 16, [255, 0, 0, 255]);
    raster.data.truncate(100);
    overlay(&h).set_layers(vec![raster]);
    let input = Planes::pattern(W, H);
    let output = run(&mut h, &input);
    assert_eq!(output.y_at(20, 20), input.y_at(20, 20));
}

#[test]
fn a_caps_change_converts_the_layers_again() {
    let mut h = harness();
    overlay(&h).set_layers(vec![solid(40, 30, 40, 30, [255, 0, 0, 255])]);
    let small = run(&mut h, &Planes::uniform(W, H, 126, 128, 128));
    assert_eq!(small.y_at(50, 40), exact([255, 0, 0], BT601)[0]);

    let (w, hgt) = (96, 72);
    h.set_src_caps_str(&format!("video/x-raw,format=I420,width={w},height={hgt},framerate=30/1,colorimetry=bt709"));
    let input = Planes::uniform(w, hgt, 126, 128, 128);
    let big = run(&mut h, &input);
    assert_eq!(big.y_at(79, 59), exact([255, 0, 0], BT709)[0]);
    assert_untouched_outside(&input, &big, (40, 30, 80, 60));
}

#[test]
fn layers_outside_the_canvas_set_before_the_caps_end_in_passthrough() {
    engine::elements::register().expect("register kaibooverlay");
    let mut h = Harness::new("kaibooverlay");
    overlay(&h).set_layers(vec![solid(500, 500, 8, 8, [255, 0, 0, 255])]);
    assert!(!is_passthrough(&h), "not known to be empty before the caps");
    h.set_src_caps_str(&format!("video/x-raw,format=I420,width={W},height={H},framerate=30/1"));
    let input = Planes::pattern(W, H);
    assert_eq!(run(&mut h, &input), input);
    assert!(is_passthrough(&h));
}
