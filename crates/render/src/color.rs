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

    /// An HSL colour (hue in degrees), for placeholders tinted by product.
    pub fn hsl(hue: f64, saturation: f64, lightness: f64) -> Rgba {
        let c = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
        let h = hue.rem_euclid(360.0) / 60.0;
        let x = c * (1.0 - (h % 2.0 - 1.0).abs());
        let (r, g, b) = match h as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        let m = lightness - c / 2.0;
        Rgba {
            r: r + m,
            g: g + m,
            b: b + m,
            a: 1.0,
        }
    }
}

/// Parses `#RRGGBB` or `#RRGGBBAA` as the show writes them.
pub(crate) fn parse(text: &str) -> Option<Rgba> {
    let [r, g, b, a] = show::parse_color(text)?;
    let unit = |v: u8| f64::from(v) / 255.0;
    Some(Rgba {
        r: unit(r),
        g: unit(g),
        b: unit(b),
        a: unit(a),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsl_matches_known_colours() {
        let red = Rgba::hsl(0.0, 1.0, 0.5);
        assert_eq!((red.r, red.g, red.b), (1.0, 0.0, 0.0));
        let teal = Rgba::hsl(180.0, 1.0, 0.25);
        assert_eq!((teal.r, teal.g, teal.b), (0.0, 0.5, 0.5));
        assert_eq!(parse("#FF000080").map(|c| (c.r, (c.a * 255.0).round())), Some((1.0, 128.0)));
    }
}
