//! OBS's item geometry as a Kaibo rect.
//!
//! An item places its source by the pixel position of its alignment point (`pos`), a scale
//! (negative flips), optional bounds, and a crop. The box is `bounds` when bounded, else the
//! cropped source size times `|scale|`; its top-left corner is `pos` moved by the alignment
//! (bits: left 1, right 2, top 4, bottom 8; 0 is the centre). The rect is the box in canvas
//! fractions, clipped to the canvas.

/// One item's placement, as OBS writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub pos: (f64, f64),
    pub scale: (f64, f64),
    pub align: u32,
    /// `bounds_type` 0 is none; any other bounds the box to `bounds`.
    pub bounds_type: u32,
    pub bounds: (f64, f64),
    /// left, top, right, bottom, in source pixels.
    pub crop: (f64, f64, f64, f64),
}

pub const ALIGN_LEFT: u32 = 1;
pub const ALIGN_RIGHT: u32 = 2;
pub const ALIGN_TOP: u32 = 4;
pub const ALIGN_BOTTOM: u32 = 8;

/// A box in canvas pixels: x, y, width, height.
pub type PixelBox = [f64; 4];

impl Placement {
    /// The item's box in canvas pixels for a source of `source` pixels.
    pub fn pixel_box(&self, source: (f64, f64)) -> PixelBox {
        let (w, h) = if self.bounds_type != 0 {
            self.bounds
        } else {
            let cropped_w = (source.0 - self.crop.0 - self.crop.2).max(0.0);
            let cropped_h = (source.1 - self.crop.1 - self.crop.3).max(0.0);
            (cropped_w * self.scale.0.abs(), cropped_h * self.scale.1.abs())
        };
        let x = self.pos.0 - offset(self.align, ALIGN_RIGHT, ALIGN_LEFT, w);
        let y = self.pos.1 - offset(self.align, ALIGN_BOTTOM, ALIGN_TOP, h);
        [x, y, w, h]
    }

    /// The placement that puts a source of `source` pixels at `b`, aligned top-left, unbounded.
    pub fn of_box(b: PixelBox, source: (f64, f64)) -> Placement {
        Placement {
            pos: (b[0], b[1]),
            scale: (b[2] / source.0, b[3] / source.1),
            align: ALIGN_LEFT | ALIGN_TOP,
            bounds_type: 0,
            bounds: (0.0, 0.0),
            crop: (0.0, 0.0, 0.0, 0.0),
        }
    }
}

fn offset(align: u32, far: u32, near: u32, size: f64) -> f64 {
    if align & far != 0 {
        size
    } else if align & near != 0 {
        0.0
    } else {
        size / 2.0
    }
}

/// A box inside a group or nested scene, placed on the canvas by the group's own item: the
/// group's box is where the inner canvas (`inner` pixels) lands.
pub fn compose(outer: PixelBox, inner: (f64, f64), b: PixelBox) -> PixelBox {
    let (sx, sy) = (outer[2] / inner.0, outer[3] / inner.1);
    [outer[0] + b[0] * sx, outer[1] + b[1] * sy, b[2] * sx, b[3] * sy]
}

/// The box as a Kaibo rect on a canvas of `canvas` pixels, clipped to it; `None` when nothing
/// of it is on the canvas. The flag says whether it was clipped.
pub fn rect(b: PixelBox, canvas: (f64, f64)) -> Option<([f64; 4], bool)> {
    let (x0, y0) = (b[0].max(0.0), b[1].max(0.0));
    let (x1, y1) = ((b[0] + b[2]).min(canvas.0), (b[1] + b[3]).min(canvas.1));
    if !(x1 - x0 > 0.5 && y1 - y0 > 0.5) {
        return None;
    }
    let clipped = x0 != b[0] || y0 != b[1] || x1 != b[0] + b[2] || y1 != b[1] + b[3];
    Some(([x0 / canvas.0, y0 / canvas.1, (x1 - x0) / canvas.0, (y1 - y0) / canvas.1], clipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(pos: (f64, f64), scale: (f64, f64), align: u32) -> Placement {
        Placement { pos, scale, align, bounds_type: 0, bounds: (0.0, 0.0), crop: (0.0, 0.0, 0.0, 0.0) }
    }

    #[test]
    fn alignment_moves_the_box_around_its_point() {
        let src = (200.0, 100.0);
        assert_eq!(placement((10.0, 20.0), (1.0, 1.0), 5).pixel_box(src), [10.0, 20.0, 200.0, 100.0]);
        assert_eq!(placement((300.0, 200.0), (1.0, 1.0), 0).pixel_box(src), [200.0, 150.0, 200.0, 100.0]);
        assert_eq!(placement((300.0, 200.0), (0.5, 2.0), 10).pixel_box(src), [200.0, 0.0, 100.0, 200.0]);
        assert_eq!(placement((0.0, 0.0), (-1.0, 1.0), 5).pixel_box(src), [0.0, 0.0, 200.0, 100.0]);
    }

    #[test]
    fn bounds_win_and_crops_shrink() {
        let mut p = placement((0.0, 0.0), (3.0, 3.0), 5);
        p.bounds_type = 1;
        p.bounds = (1920.0, 1080.0);
        assert_eq!(p.pixel_box((640.0, 480.0)), [0.0, 0.0, 1920.0, 1080.0]);
        let mut p = placement((0.0, 0.0), (2.0, 2.0), 5);
        p.crop = (10.0, 0.0, 30.0, 20.0);
        assert_eq!(p.pixel_box((100.0, 100.0)), [0.0, 0.0, 120.0, 160.0]);
    }

    #[test]
    fn rects_are_clipped_to_the_canvas() {
        let canvas = (1920.0, 1080.0);
        assert_eq!(rect([0.0, 0.0, 1920.0, 1080.0], canvas), Some(([0.0, 0.0, 1.0, 1.0], false)));
        let (r, clipped) = rect([960.0, 540.0, 1920.0, 1080.0], canvas).unwrap();
        assert!(clipped);
        assert_eq!(r, [0.5, 0.5, 0.5, 0.5]);
        assert_eq!(rect([2000.0, 0.0, 100.0, 100.0], canvas), None);
    }

    #[test]
    fn a_group_places_its_items_in_its_box() {
        let outer = [100.0, 100.0, 960.0, 540.0];
        assert_eq!(compose(outer, (1920.0, 1080.0), [0.0, 0.0, 1920.0, 1080.0]), outer);
        assert_eq!(compose(outer, (1920.0, 1080.0), [960.0, 540.0, 960.0, 540.0]), [580.0, 370.0, 480.0, 270.0]);
    }
}
