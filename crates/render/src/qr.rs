//! QR codes of buy links, drawn so a phone can read them off a compressed live stream:
//! whole pixels per module, pure black on white, with a white quiet zone.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::RenderError;

/// The smallest module that survives H.264 at live bitrates and a phone camera.
pub(crate) const MIN_MODULE_PX: i32 = 3;
const MIN_QUIET_MODULES: i32 = 2;
const MAX_QUIET_MODULES: i32 = 4;

/// A QR code's modules, row by row, `true` for dark.
pub(crate) struct QrMatrix {
    /// Modules per side, without the quiet zone.
    pub modules: i32,
    dark: Vec<bool>,
}

/// Encodes `url` in byte mode with error correction M, in the smallest version that holds
/// it. Byte mode keeps every byte as it is: the automatic mode choice would be free to
/// use alphanumeric segments, and some readers then hand back the link in a different case.
pub(crate) fn encode(url: &str) -> Result<QrMatrix, RenderError> {
    let error = |reason: String| RenderError::Qr { url: url.to_owned(), reason };
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        if bits.push_byte_data(url.as_bytes()).is_err() || bits.push_terminator(EcLevel::M).is_err() {
            continue;
        }
        let code = QrCode::with_bits(bits, EcLevel::M).map_err(|e| error(e.to_string()))?;
        let modules = code.width();
        let dark = code.into_colors().into_iter().map(|c| c == Color::Dark).collect();
        return Ok(QrMatrix { modules: modules as i32, dark });
    }
    Err(error(format!("the link is {} bytes, more than a QR code holds", url.len())))
}

/// How big to draw a QR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QrFit {
    /// Pixels per module.
    pub module_px: i32,
    /// White modules around the code on each side.
    pub quiet: i32,
}

impl QrFit {
    /// The whole white square, quiet zone included, in pixels.
    pub fn side(self, modules: i32) -> i32 {
        (modules + 2 * self.quiet) * self.module_px
    }
}

/// The largest whole-pixel module (then the widest quiet zone) that fits a square of
/// `side` pixels. `None` when even `MIN_MODULE_PX` with the narrowest quiet zone does not.
pub(crate) fn fit(modules: i32, side: i32) -> Option<QrFit> {
    let module_px = side / (modules + 2 * MIN_QUIET_MODULES);
    if module_px < MIN_MODULE_PX {
        return None;
    }
    let quiet = ((side / module_px - modules) / 2).clamp(MIN_QUIET_MODULES, MAX_QUIET_MODULES);
    Some(QrFit { module_px, quiet })
}

/// Draws the code with its quiet zone, its top-left corner at whole pixel `(x, y)`.
pub(crate) fn draw(cr: &cairo::Context, qr: &QrMatrix, fit: QrFit, x: i32, y: i32) -> Result<(), RenderError> {
    cr.save()?;
    // Hard edges: antialiasing would leave grey seams between modules.
    cr.set_antialias(cairo::Antialias::None);
    let side = fit.side(qr.modules);
    cr.set_source_rgb(1.0, 1.0, 1.0);
    cr.rectangle(f64::from(x), f64::from(y), f64::from(side), f64::from(side));
    cr.fill()?;
    cr.set_source_rgb(0.0, 0.0, 0.0);
    let origin_x = x + fit.quiet * fit.module_px;
    let origin_y = y + fit.quiet * fit.module_px;
    let n = qr.modules as usize;
    for (row, modules) in qr.dark.chunks(n).enumerate() {
        // One rectangle per run of dark modules keeps the path short.
        let mut col = 0;
        while col < n {
            if !modules[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && modules[col] {
                col += 1;
            }
            cr.rectangle(
                f64::from(origin_x + start as i32 * fit.module_px),
                f64::from(origin_y + row as i32 * fit.module_px),
                f64::from((col - start) as i32 * fit.module_px),
                f64::from(fit.module_px),
            );
        }
    }
    cr.fill()?;
    cr.restore()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_smallest_version_in_byte_mode() {
        let qr = encode("https://shop.example.com/p/AbC123?ref=Live").expect("encodes");
        // 42 bytes: version 3 at level M holds exactly 42 in byte mode (29 modules).
        assert_eq!(qr.modules, 29);
        assert_eq!(qr.dark.len(), 29 * 29);
        let longer = encode("https://shop.example.com/p/AbC123?ref=Live2").expect("encodes");
        assert_eq!(longer.modules, 33);
    }

    #[test]
    fn refuses_links_too_long_for_any_version() {
        let url = format!("https://example.com/{}", "x".repeat(3000));
        let err = encode(&url).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("more than a QR code holds"), "{err}");
    }

    #[test]
    fn fits_whole_pixel_modules() {
        assert_eq!(fit(33, 100), None);
        assert_eq!(fit(33, 111), Some(QrFit { module_px: 3, quiet: 2 }));
        assert_eq!(fit(33, 123), Some(QrFit { module_px: 3, quiet: 4 }));
        assert_eq!(fit(33, 160), Some(QrFit { module_px: 4, quiet: 3 }));
        let f = fit(25, 400).expect("fits");
        assert_eq!(f, QrFit { module_px: 13, quiet: 2 });
        assert!(f.side(25) <= 400);
    }
}
