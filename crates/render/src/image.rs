//! Pictures (PNG, JPEG): decoded with the `image` crate, drawn with cairo.

use std::path::Path;

use crate::{new_surface, rounded_rect, RenderError};

/// An image layer: the picture scaled to fit the rect (aspect ratio kept), centred.
pub(crate) fn render(path: &Path, opacity: f64, w: i32, h: i32) -> Result<cairo::ImageSurface, RenderError> {
    let picture = load(path, w.max(h))?;
    let surface = new_surface(w, h)?;
    let cr = cairo::Context::new(&surface)?;
    paint(&cr, &picture, Fit::Contain, (0.0, 0.0, f64::from(w), f64::from(h)), 0.0, opacity.clamp(0.0, 1.0))?;
    drop(cr);
    Ok(surface)
}

/// How a picture fills a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// All of the picture shows, centred; the box may have empty bands.
    Contain,
    /// The picture covers the whole box, centred; its edges may be cut off.
    Cover,
}

/// Paints `picture` into the box `(x, y, w, h)` with rounded corners of `radius`.
pub(crate) fn paint(
    cr: &cairo::Context,
    picture: &cairo::ImageSurface,
    fit: Fit,
    (x, y, w, h): (f64, f64, f64, f64),
    radius: f64,
    alpha: f64,
) -> Result<(), RenderError> {
    let (pw, ph) = (f64::from(picture.width()), f64::from(picture.height()));
    if pw < 1.0 || ph < 1.0 || w <= 0.0 || h <= 0.0 {
        return Ok(());
    }
    let scale = match fit {
        Fit::Contain => (w / pw).min(h / ph),
        Fit::Cover => (w / pw).max(h / ph),
    };
    let (dw, dh) = (pw * scale, ph * scale);
    let (dx, dy) = (x + (w - dw) / 2.0, y + (h - dh) / 2.0);
    cr.save()?;
    if radius > 0.0 {
        rounded_rect(cr, x, y, w, h, radius);
    } else {
        cr.rectangle(x, y, w, h);
    }
    cr.clip();
    // Padding keeps the filtered edges sharp; the clip keeps the padding out of the box.
    cr.rectangle(dx, dy, dw, dh);
    cr.clip();
    cr.translate(dx, dy);
    cr.scale(scale, scale);
    cr.set_source_surface(picture, 0.0, 0.0)?;
    // GOOD filters downscaled pictures over the whole footprint (no aliasing) and is fast.
    cr.source().set_filter(cairo::Filter::Good);
    cr.source().set_extend(cairo::Extend::Pad);
    cr.paint_with_alpha(alpha)?;
    cr.restore()?;
    Ok(())
}

/// Decodes a PNG or JPEG (turned upright by its EXIF orientation) into a cairo surface,
/// shrunk to at most `max_side` pixels on its longer side when it is bigger: it is never
/// drawn larger than that, and a phone photo would otherwise cost tens of milliseconds
/// in the conversion and the filtered scaling.
pub(crate) fn load(path: &Path, max_side: i32) -> Result<cairo::ImageSurface, RenderError> {
    let error = |source: image::ImageError| RenderError::Image { path: path.to_owned(), source };
    let decoder = image::ImageReader::open(path)
        .map_err(|e| error(image::ImageError::IoError(e)))?
        .with_guessed_format()
        .map_err(|e| error(image::ImageError::IoError(e)))?
        .into_decoder()
        .map_err(error)?;
    let mut decoder = decoder;
    let orientation = image::ImageDecoder::orientation(&mut decoder).ok();
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(error)?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    let max_side = max_side.max(1) as u32;
    if picture.width().max(picture.height()) > max_side {
        // `thumbnail` averages areas: quick, and without the aliasing of a plain resample.
        // (The `DynamicImage` method, not the generic `imageops` one: that one would be
        // compiled into this crate, unoptimized in debug builds, and is 20 times slower.)
        picture = picture.thumbnail(max_side, max_side);
    }
    let rgba = picture.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut surface = new_surface(width as i32, height as i32)?;
    let stride = surface.stride() as usize;
    {
        let mut data = surface.data().map_err(|_| RenderError::Cairo(cairo::Error::SurfaceFinished))?;
        // Plain slices and indices: this loop runs per pixel, and in debug builds the
        // image crate's generic iterators would be compiled here without optimization.
        let src: &[u8] = rgba.as_raw();
        let row_bytes = width as usize * 4;
        for row in 0..height as usize {
            let from = &src[row * row_bytes..(row + 1) * row_bytes];
            let to = &mut data[row * stride..row * stride + row_bytes];
            let mut i = 0;
            while i < row_bytes {
                let a = u32::from(from[i + 3]);
                let (mut r, mut g, mut b) = (u32::from(from[i]), u32::from(from[i + 1]), u32::from(from[i + 2]));
                if a != 255 {
                    r = (r * a + 127) / 255;
                    g = (g * a + 127) / 255;
                    b = (b * a + 127) / 255;
                }
                let argb = (a << 24) | (r << 16) | (g << 8) | b;
                to[i..i + 4].copy_from_slice(&argb.to_ne_bytes());
                i += 4;
            }
        }
    }
    surface.mark_dirty();
    Ok(surface)
}
