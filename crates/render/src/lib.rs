//! Draws a show's static layers (text, images, product cards with their QR codes,
//! countdowns) into premultiplied ARGB images, one per layer, sized to the layer's rect on
//! the canvas, and the full-canvas slates.
//!
//! The engine blends these over the live video with GStreamer's overlay composition, so a
//! layer is drawn once and redrawn only when it changes (a card swap, a text edit, a
//! product selling out, a countdown's second ticking by), never per frame.
//!
//! ```no_run
//! # fn demo(show: &show::Show) -> Result<(), render::RenderError> {
//! for layer in &show.scenes[0].layers {
//!     if let Some(raster) = render::render_layer(show, layer)? {
//!         // raster.data is cairo's ARGB32 (BGRA bytes on little endian), premultiplied,
//!         // to be placed at (raster.x, raster.y) on the canvas.
//!         let _ = (raster.x, raster.y, raster.width, raster.height);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod color;
mod countdown;
mod image;
mod product_card;
mod qr;
mod sales;
mod slate;
mod text;

pub use countdown::{countdown_text, format_clock};
pub use slate::{render_safe_slate, render_slate, SAFE_SLATE_TEXT};
pub use text::has_cjk;

use std::path::{Path, PathBuf};

use show::{CountdownLayer, Layer, Show};

/// One layer drawn into pixels, and where it goes on the canvas.
#[derive(Clone, PartialEq, Eq)]
pub struct Raster {
    /// The left edge on the canvas, in pixels.
    pub x: i32,
    /// The top edge on the canvas, in pixels.
    pub y: i32,
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next (at least `width * 4`).
    pub stride: u32,
    /// Premultiplied ARGB32 in native endian: cairo's `FORMAT_ARGB32`, which is the byte
    /// order B, G, R, A on little-endian machines (GStreamer's `BGRA`).
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Raster {
    // The pixels would drown everything else.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Raster")
            .field("x", &self.x)
            .field("y", &self.y)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("stride", &self.stride)
            .finish_non_exhaustive()
    }
}

impl Raster {
    /// The pixel at `(x, y)` of the raster as straight (not premultiplied) `[r, g, b, a]`.
    /// `None` outside the raster.
    pub fn rgba_at(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = y as usize * self.stride as usize + x as usize * 4;
        let px = u32::from_ne_bytes(self.data.get(at..at + 4)?.try_into().ok()?);
        let [a, r, g, b] = px.to_be_bytes();
        let unpremultiply = |c: u8| {
            if a == 0 {
                0
            } else {
                ((u32::from(c) * 255 + u32::from(a) / 2) / u32::from(a)).min(255) as u8
            }
        };
        Some([unpremultiply(r), unpremultiply(g), unpremultiply(b), a])
    }

    /// Writes the raster as a PNG file, for previews, thumbnails and debugging.
    pub fn write_png(&self, path: &Path) -> Result<(), RenderError> {
        let surface = cairo::ImageSurface::create_for_data(
            self.data.clone(),
            cairo::Format::ARgb32,
            self.width as i32,
            self.height as i32,
            self.stride as i32,
        )?;
        let mut file =
            std::fs::File::create(path).map_err(|source| RenderError::WritePng { path: path.to_owned(), source })?;
        surface.write_to_png(&mut file).map_err(|e| RenderError::WritePng {
            path: path.to_owned(),
            source: match e {
                cairo::IoError::Io(io) => io,
                cairo::IoError::Cairo(c) => std::io::Error::other(c),
            },
        })
    }
}

/// The largest layer side in pixels (cairo's own limit is 32767).
pub const MAX_SIDE: u32 = 16_384;

/// Why a layer could not be drawn. Each message names the layer or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read image {}: {source}", path.display())]
    Image {
        path: PathBuf,
        #[source]
        source: ::image::ImageError,
    },
    #[error("product card {layer} shows product {product}, which is not in the show's products")]
    UnknownProduct { layer: String, product: String },
    #[error("layer {layer}: {field} {value:?} is not a colour (write #RRGGBB or #RRGGBBAA)")]
    BadColor { layer: String, field: &'static str, value: String },
    #[error("layer {layer} is {width}x{height} pixels on the {canvas_width}x{canvas_height} canvas; each side must be 1 to {MAX_SIDE} pixels")]
    BadRect { layer: String, width: i64, height: i64, canvas_width: u32, canvas_height: u32 },
    #[error("cannot make a QR code of {url}: {reason}")]
    Qr { url: String, reason: String },
    #[error("cannot write {}: {source}", path.display())]
    WritePng {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("drawing failed: {0}")]
    Cairo(#[from] cairo::Error),
}

/// Draws one layer of `show` at its size on the canvas.
///
/// `Some` for text, image, product-card and countdown layers; `None` for camera and look
/// layers, which the engine handles itself. Hidden layers are drawn too (showing them live
/// must not wait for a render). The pixel rect is the layer's rect times the canvas size,
/// each edge rounded to a whole pixel, so layers that touch in the show touch on screen.
///
/// A countdown is drawn with its whole `seconds`, or the time left until its `until` from
/// now; [`render_countdown`] draws it at any time left.
pub fn render_layer(show: &Show, layer: &Layer) -> Result<Option<Raster>, RenderError> {
    let rect = match layer {
        Layer::Text(l) => l.rect,
        Layer::Image(l) => l.rect,
        Layer::ProductCard(l) => l.rect,
        Layer::Countdown(l) => l.rect,
        Layer::Color(l) => l.rect,
        Layer::Camera(_) | Layer::Look(_) | Layer::Media(_) | Layer::Screen(_) => return Ok(None),
    };
    let area = layer_area(show, layer.id(), rect)?;
    let (w, h) = (area.width as i32, area.height as i32);
    let surface = match layer {
        Layer::Text(l) => text::render(l, w, h)?,
        Layer::Image(l) => image::render(&show.resolve(&l.path), l.opacity, w, h)?,
        Layer::ProductCard(l) => {
            let product = show
                .product(&l.product)
                .ok_or_else(|| RenderError::UnknownProduct { layer: l.id.clone(), product: l.product.clone() })?;
            let image = product.image.as_deref().map(|p| show.resolve(p));
            product_card::render(product, image.as_deref(), l.qr, l.sales, w, h)?
        }
        Layer::Countdown(l) => countdown::render(l, l.initial_remaining_s(), w, h)?,
        Layer::Color(l) => solid(&l.id, &l.color, w, h)?,
        Layer::Camera(_) | Layer::Look(_) | Layer::Media(_) | Layer::Screen(_) => return Ok(None),
    };
    Ok(Some(into_raster(surface, area.x as i32, area.y as i32)?))
}

/// A rect filled with one colour (`#RRGGBB` or `#RRGGBBAA`).
fn solid(id: &str, color: &str, w: i32, h: i32) -> Result<cairo::ImageSurface, RenderError> {
    let [r, g, b, a] = show::parse_color(color).ok_or_else(|| RenderError::BadColor {
        layer: id.to_owned(),
        field: "color",
        value: color.to_owned(),
    })?;
    let surface = cairo::ImageSurface::create(cairo::Format::ARgb32, w, h)?;
    {
        let cr = cairo::Context::new(&surface)?;
        cr.set_source_rgba(f64::from(r) / 255.0, f64::from(g) / 255.0, f64::from(b) / 255.0, f64::from(a) / 255.0);
        cr.paint()?;
    }
    Ok(surface)
}

/// Draws a countdown layer of `show` with `remaining_s` seconds left (its `ended_text` at
/// 0), at its place on the canvas. The engine calls it once a second while the layer is
/// on air.
pub fn render_countdown(show: &Show, layer: &CountdownLayer, remaining_s: u64) -> Result<Raster, RenderError> {
    let area = layer_area(show, &layer.id, layer.rect)?;
    let surface = countdown::render(layer, remaining_s, area.width as i32, area.height as i32)?;
    into_raster(surface, area.x as i32, area.y as i32)
}

/// The layer's rect in canvas pixels, checked to be drawable.
fn layer_area(show: &Show, id: &str, rect: show::Rect) -> Result<PixelRect, RenderError> {
    let area = PixelRect::from_normalized(rect, show.canvas.width, show.canvas.height);
    let side = 1..=i64::from(MAX_SIDE);
    if !side.contains(&area.width) || !side.contains(&area.height) {
        return Err(RenderError::BadRect {
            layer: id.to_owned(),
            width: area.width,
            height: area.height,
            canvas_width: show.canvas.width,
            canvas_height: show.canvas.height,
        });
    }
    Ok(area)
}

/// A layer's rect in whole canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PixelRect {
    x: i64,
    y: i64,
    width: i64,
    height: i64,
}

impl PixelRect {
    fn from_normalized(rect: show::Rect, canvas_width: u32, canvas_height: u32) -> Self {
        let [x, y, w, h] = rect;
        let (cw, ch) = (f64::from(canvas_width), f64::from(canvas_height));
        // Rounding both edges (not the size) keeps neighbouring layers seamless.
        let left = (x * cw).round() as i64;
        let top = (y * ch).round() as i64;
        let right = ((x + w) * cw).round() as i64;
        let bottom = ((y + h) * ch).round() as i64;
        PixelRect { x: left, y: top, width: right - left, height: bottom - top }
    }
}

/// A fresh, fully transparent ARGB32 surface.
fn new_surface(width: i32, height: i32) -> Result<cairo::ImageSurface, RenderError> {
    Ok(cairo::ImageSurface::create(cairo::Format::ARgb32, width, height)?)
}

/// A rectangle with rounded corners as the current path.
fn rounded_rect(cr: &cairo::Context, x: f64, y: f64, w: f64, h: f64, radius: f64) {
    let r = radius.min(w / 2.0).min(h / 2.0).max(0.0);
    use std::f64::consts::{FRAC_PI_2, PI};
    cr.new_sub_path();
    cr.arc(x + w - r, y + r, r, -FRAC_PI_2, 0.0);
    cr.arc(x + w - r, y + h - r, r, 0.0, FRAC_PI_2);
    cr.arc(x + r, y + h - r, r, FRAC_PI_2, PI);
    cr.arc(x + r, y + r, r, PI, 3.0 * FRAC_PI_2);
    cr.close_path();
}

fn into_raster(surface: cairo::ImageSurface, x: i32, y: i32) -> Result<Raster, RenderError> {
    surface.flush();
    let (width, height, stride) = (surface.width(), surface.height(), surface.stride());
    // Every Context on the surface is gone by now, so the data is ours to take.
    let data = surface.take_data().map_err(|_| RenderError::Cairo(cairo::Error::SurfaceFinished))?;
    Ok(Raster { x, y, width: width as u32, height: height as u32, stride: stride as u32, data: data.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rects_round_edges_to_whole_pixels() {
        let r = PixelRect::from_normalized([0.1, 0.25, 0.333, 0.5], 1280, 720);
        assert_eq!(r, PixelRect { x: 128, y: 180, width: 426, height: 360 });
        // Two halves of the canvas meet without a gap or overlap.
        let a = PixelRect::from_normalized([0.0, 0.0, 1.0 / 3.0, 1.0], 1281, 720);
        let b = PixelRect::from_normalized([1.0 / 3.0, 0.0, 2.0 / 3.0, 1.0], 1281, 720);
        assert_eq!(a.x + a.width, b.x);
        assert_eq!(b.x + b.width, 1281);
    }
}
