//! Colours as the show writes them (`#RRGGBB` or `#RRGGBBAA`) and the card's palette.

/// A straight (not premultiplied) colour, each channel 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgba {
    pub r: f64,
    pub g: f64,
    pub b: f64,
    pub a: f64,
}

impl Rgba {
    pub const fn hex(rgb: u32) -> Rgba {
        Rgba {
            r: ((rgb >> 16) & 0xff) as f64 / 255.0,
            g: ((rgb >> 8) & 0xff) as f64 / 255.0,
            b: (rgb & 0xff) as f64 / 255.0,
            a: 1.0,
        }
    }

    pub fn set_source(self, cr: &cairo::Context) {
        cr.set_source_rgba(self.r, self.g, self.b, self.a);
    }
}

/// Parses `#RRGGBB` or `#RRGGBBAA` as the show writes them.
pub(crate) fn parse(text: &str) -> Option<Rgba> {
    let [r, g, b, a] = show::parse_color(text)?;
    let unit = |v: u8| f64::from(v) / 255.0;
    Some(Rgba { r: unit(r), g: unit(g), b: unit(b), a: unit(a) })
}

/// A colour field of layer `layer`, or the error that names it.
pub(crate) fn field(layer: &str, field: &'static str, value: &str) -> Result<Rgba, crate::RenderError> {
    parse(value).ok_or_else(|| crate::RenderError::BadColor { layer: layer.to_owned(), field, value: value.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_show_colours() {
        assert_eq!(parse("#FF8000"), Some(Rgba::hex(0xff8000)));
        assert_eq!(parse("red"), None);
        assert_eq!(parse("#FF000080").map(|c| (c.r, (c.a * 255.0).round())), Some((1.0, 128.0)));
    }
}
