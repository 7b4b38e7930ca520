//! Full-canvas slates: the one that stands in for the camera while it is lost, and the
//! "be right back" safe slate the operator cuts to. Both are a picture and a message on a
//! calm dark background, the size of the whole canvas.

use show::{Align, Show, TextLayer};

use crate::image::{paint, Fit};
use crate::{into_raster, new_surface, Raster, RenderError};

/// The safe slate's message when the show gives none.
pub const SAFE_SLATE_TEXT: &str = "稍后回来 · Be right back";

/// Draws the slate for `show` with `message` under the logo.
pub fn render_slate(show: &Show, message: &str) -> Result<Raster, RenderError> {
    draw(show, show.logo.as_deref(), message)
}

/// Draws the show's safe slate: its `safe_slate` text and image, each falling back to
/// "稍后回来 · Be right back" and the show's logo.
pub fn render_safe_slate(show: &Show) -> Result<Raster, RenderError> {
    let slate = show.safe_slate.as_ref();
    let text =
        slate.and_then(|s| s.text.as_deref()).map(str::trim).filter(|t| !t.is_empty()).unwrap_or(SAFE_SLATE_TEXT);
    let picture = slate.and_then(|s| s.image.as_deref()).or(show.logo.as_deref());
    draw(show, picture, text)
}

/// `picture` (relative to the show) above `message`, on the canvas.
fn draw(show: &Show, picture: Option<&str>, message: &str) -> Result<Raster, RenderError> {
    let (w, h) = (show.canvas.width as i32, show.canvas.height as i32);
    let (fw, fh) = (f64::from(w), f64::from(h));
    let surface = new_surface(w, h)?;
    let cr = cairo::Context::new(&surface)?;
    let background = cairo::LinearGradient::new(0.0, 0.0, 0.0, fh);
    background.add_color_stop_rgb(0.0, 0.09, 0.10, 0.13);
    background.add_color_stop_rgb(1.0, 0.16, 0.17, 0.21);
    cr.set_source(&background)?;
    cr.paint()?;
    if let Some(picture) = picture {
        // A picture that cannot be read leaves the slate without it rather than without a slate.
        if let Ok(picture) = crate::image::load(&show.resolve(picture), w.max(h)) {
            paint(&cr, &picture, Fit::Contain, (fw * 0.3, fh * 0.18, fw * 0.4, fh * 0.3), 0.0, 1.0)?;
        }
    }
    let text = TextLayer {
        id: "slate".to_owned(),
        visible: true,
        locked: false,
        text: message.to_owned(),
        rect: [0.1, 0.56, 0.8, 0.2],
        font_size: fh / 16.0,
        font: None,
        bold: true,
        color: "#F2F2F2".to_owned(),
        background: None,
        outline: None,
        align: Align::Center,
    };
    let (tw, th) = ((fw * 0.8).round() as i32, (fh * 0.2).round() as i32);
    let caption = crate::text::render(&text, tw, th)?;
    cr.set_source_surface(&caption, fw * 0.1, fh * 0.56)?;
    cr.paint()?;
    drop(cr);
    into_raster(surface, 0, 0)
}
