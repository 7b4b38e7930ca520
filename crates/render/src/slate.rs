//! The slate that stands in for the camera while it is lost: the show's logo and a message
//! on a calm dark background, the size of the whole canvas.

use show::{Align, Show, TextLayer};

use crate::image::{paint, Fit};
use crate::{into_raster, new_surface, Raster, RenderError};

/// Draws the slate for `show` with `message` under the logo.
pub fn render_slate(show: &Show, message: &str) -> Result<Raster, RenderError> {
    let (w, h) = (show.canvas.width as i32, show.canvas.height as i32);
    let (fw, fh) = (f64::from(w), f64::from(h));
    let surface = new_surface(w, h)?;
    let cr = cairo::Context::new(&surface)?;
    let background = cairo::LinearGradient::new(0.0, 0.0, 0.0, fh);
    background.add_color_stop_rgb(0.0, 0.09, 0.10, 0.13);
    background.add_color_stop_rgb(1.0, 0.16, 0.17, 0.21);
    cr.set_source(&background)?;
    cr.paint()?;
    if let Some(logo) = &show.logo {
        // A logo that cannot be read leaves the slate without it rather than without a slate.
        if let Ok(picture) = crate::image::load(&show.resolve(logo), w.max(h)) {
            paint(&cr, &picture, Fit::Contain, (fw * 0.3, fh * 0.18, fw * 0.4, fh * 0.3), 0.0, 1.0)?;
        }
    }
    let text = TextLayer {
        id: "slate".to_owned(),
        visible: true,
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
