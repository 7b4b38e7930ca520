//! The colour model shared by Kaibo's video elements: how a frame's 8-bit Y'CbCr codes map
//! to and from R'G'B', from the caps' colorimetry (matrix coefficients and code range).

/// Matrix coefficients and code range of a frame (BT.601 limited range when unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct YuvModel {
    pub(crate) kr: f32,
    pub(crate) kb: f32,
    pub(crate) y_black: f32,
    pub(crate) y_span: f32,
    pub(crate) c_span: f32,
}

impl Default for YuvModel {
    fn default() -> Self {
        Self { kr: 0.299, kb: 0.114, y_black: 16.0, y_span: 219.0, c_span: 224.0 }
    }
}

impl YuvModel {
    pub(crate) fn from_info(info: &gst_video::VideoInfo) -> Self {
        let colorimetry = info.colorimetry();
        let (kr, kb) = match colorimetry.matrix() {
            gst_video::VideoColorMatrix::Bt709 => (0.2126, 0.0722),
            gst_video::VideoColorMatrix::Bt2020 => (0.2627, 0.0593),
            gst_video::VideoColorMatrix::Smpte240m => (0.212, 0.087),
            gst_video::VideoColorMatrix::Fcc => (0.30, 0.11),
            _ => (0.299, 0.114),
        };
        let full = colorimetry.range() == gst_video::VideoColorRange::Range0_255;
        Self {
            kr,
            kb,
            y_black: if full { 0.0 } else { 16.0 },
            y_span: if full { 255.0 } else { 219.0 },
            c_span: if full { 255.0 } else { 224.0 },
        }
    }

    /// 8-bit YUV to normalised R'G'B' (not clamped: out-of-gamut codes give values outside 0..1).
    pub(crate) fn to_rgb(self, y: f32, u: f32, v: f32) -> [f32; 3] {
        let kg = 1.0 - self.kr - self.kb;
        let luma = (y - self.y_black) / self.y_span;
        let pb = (u - 128.0) / self.c_span;
        let pr = (v - 128.0) / self.c_span;
        let r = luma + 2.0 * (1.0 - self.kr) * pr;
        let b = luma + 2.0 * (1.0 - self.kb) * pb;
        let g = (luma - self.kr * r - self.kb * b) / kg;
        [r, g, b]
    }

    /// R'G'B' (in any scale) as Y', Pb, Pr in the same scale.
    fn ypbpr(&self, [r, g, b]: [f32; 3]) -> [f32; 3] {
        let luma = self.kr * r + (1.0 - self.kr - self.kb) * g + self.kb * b;
        let pb = (b - luma) / (2.0 * (1.0 - self.kb));
        let pr = (r - luma) / (2.0 * (1.0 - self.kr));
        [luma, pb, pr]
    }

    /// A change of normalised R'G'B' as a change of 8-bit Y, U, V.
    pub(crate) fn rgb_delta_to_yuv(&self, rgb: [f32; 3]) -> [f32; 3] {
        let [luma, pb, pr] = self.ypbpr(rgb);
        [luma * self.y_span, pb * self.c_span, pr * self.c_span]
    }

    /// Premultiplied Y, U, V (in 8-bit codes, already scaled by alpha) of a premultiplied
    /// colour with components and alpha in 0..=255.
    pub(crate) fn premultiplied(&self, [r, g, b, a]: [f32; 4]) -> [f32; 3] {
        let [luma, pb, pr] = self.ypbpr([r, g, b]);
        [
            (self.y_black * a + self.y_span * luma) / 255.0,
            (128.0 * a + self.c_span * pb) / 255.0,
            (128.0 * a + self.c_span * pr) / 255.0,
        ]
    }
}
