//! Colours as written in a show: `#RRGGBB` or `#RRGGBBAA`.

/// Parses `#RRGGBB` (opaque) or `#RRGGBBAA` into `[r, g, b, a]`. Hex digits may be upper or
/// lower case. Anything else, named colours included, is `None`.
pub fn parse_color(text: &str) -> Option<[u8; 4]> {
    let hex = text.strip_prefix('#')?.as_bytes();
    if hex.len() != 6 && hex.len() != 8 {
        return None;
    }
    let mut rgba = [0, 0, 0, 255];
    for (slot, pair) in rgba.iter_mut().zip(hex.chunks_exact(2)) {
        *slot = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some(rgba)
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_color;

    #[test]
    fn parses_rgb_and_rgba() {
        assert_eq!(parse_color("#FFFFFF"), Some([255, 255, 255, 255]));
        assert_eq!(parse_color("#ff8800"), Some([255, 136, 0, 255]));
        assert_eq!(parse_color("#00000080"), Some([0, 0, 0, 128]));
        assert_eq!(parse_color("#12aBcD7f"), Some([0x12, 0xab, 0xcd, 0x7f]));
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "#",
            "red",
            "FFFFFF",
            "#FFF",
            "#FFFFF",
            "#FFFFFFF",
            "#FFFFFFFFF",
            "#GGGGGG",
            "# FFFFF",
            "#+1+1+1",
            "#ffffff ",
            " #ffffff",
            "#红色红色",
            "#ÿÿÿ",
            "#-1-1-1",
        ] {
            assert_eq!(parse_color(bad), None, "{bad:?}");
        }
    }
}
