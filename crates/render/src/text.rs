//! Text layers: Pango lays the text out inside the rect, any script, CJK and emoji included.

use show::{Align, TextLayer};

use crate::color;
use crate::{new_surface, rounded_rect, RenderError};

/// Latin and CJK; emoji come from fontconfig's fallback, which picks Noto Color Emoji.
/// Naming the emoji font here would be worse: Pango 1.50 then takes digits, `#` and
/// spaces from it too (it has glyphs for keycap bases), grey and monospaced.
pub(crate) const DEFAULT_FONTS: &str = "Noto Sans CJK SC, Noto Sans, sans-serif";

/// Text is never shrunk below this many pixels; below it, it is clipped instead.
const MIN_FONT_PX: f64 = 6.0;

pub(crate) fn render(layer: &TextLayer, w: i32, h: i32) -> Result<cairo::ImageSurface, RenderError> {
    let parse = |field: &'static str, value: &str| color::field(&layer.id, field, value);
    let fill = parse("color", &layer.color)?;
    let background = layer.background.as_deref().map(|b| parse("background", b)).transpose()?;
    let outline = match &layer.outline {
        Some(o) if o.width > 0.0 => Some((parse("outline.color", &o.color)?, o.width.min(20.0))),
        _ => None,
    };

    let surface = new_surface(w, h)?;
    let cr = cairo::Context::new(&surface)?;
    if layer.text.trim().is_empty() {
        return Ok(surface);
    }
    let layout = new_layout(&cr)?;
    layout.set_text(&layer.text);
    layout.set_wrap(pango::WrapMode::WordChar);
    layout.set_alignment(match layer.align {
        Align::Left => pango::Alignment::Left,
        Align::Center => pango::Alignment::Center,
        Align::Right => pango::Alignment::Right,
    });
    let families = match layer.font.as_deref().map(str::trim) {
        Some(font) if !font.is_empty() => format!("{font}, {DEFAULT_FONTS}"),
        _ => DEFAULT_FONTS.to_owned(),
    };

    // Everything around the glyphs grows and shrinks with the font.
    let font_size = layer.font_size.max(MIN_FONT_PX);
    let frame = |size: f64| {
        let scale = size / font_size;
        let stroke = outline.map_or(0.0, |(_, width)| width * scale);
        let (pad_x, pad_y) = if background.is_some() { (size * 0.45, size * 0.22) } else { (0.0, 0.0) };
        (pad_x + stroke, pad_y + stroke, stroke)
    };
    let lay_out = |size: f64| -> (bool, f64, f64) {
        let (frame_x, frame_y, stroke) = frame(size);
        layout.set_font_description(Some(&font(&families, size, layer.bold)));
        let width = (f64::from(w) - 2.0 * frame_x).max(1.0);
        layout.set_width((width * f64::from(pango::SCALE)) as i32);
        let (_, logical) = layout.pixel_extents();
        let fits =
            f64::from(logical.height()) + 2.0 * frame_y <= f64::from(h) && f64::from(logical.width()) <= width + 0.5;
        (fits, frame_x, stroke)
    };

    // The largest size up to the requested one at which the whole text fits the rect.
    let mut size = font_size;
    if !lay_out(size).0 {
        let (mut low, mut high) = (MIN_FONT_PX, font_size);
        for _ in 0..12 {
            let mid = (low + high) / 2.0;
            if lay_out(mid).0 {
                low = mid;
            } else {
                high = mid;
            }
        }
        size = low;
    }
    let (_, frame_x, stroke) = lay_out(size);
    let (_, logical) = layout.pixel_extents();
    let (_, frame_y, _) = frame(size);

    // The block sits in the middle of the rect's height; the box hugs the text.
    let left = frame_x;
    let top = ((f64::from(h) - f64::from(logical.height())) / 2.0).max(frame_y) - f64::from(logical.y());
    if let Some(background) = background {
        let box_w = f64::from(logical.width()) + 2.0 * frame_x;
        let box_h = f64::from(logical.height()) + 2.0 * frame_y;
        let box_x = left + f64::from(logical.x()) - frame_x;
        let box_y = top + f64::from(logical.y()) - frame_y;
        rounded_rect(&cr, box_x, box_y, box_w, box_h, (size * 0.3).min(box_h / 2.0));
        background.set_source(&cr);
        cr.fill()?;
    }
    if let Some((color, _)) = outline {
        cr.move_to(left, top);
        pangocairo::functions::layout_path(&cr, &layout);
        // Half the stroke hides under the fill, so stroke twice the width.
        cr.set_line_width(2.0 * stroke);
        cr.set_line_join(cairo::LineJoin::Round);
        color.set_source(&cr);
        cr.stroke()?;
    }
    cr.move_to(left, top);
    fill.set_source(&cr);
    pangocairo::functions::show_layout(&cr, &layout);
    drop(cr);
    Ok(surface)
}

/// A layout whose measurements do not depend on hinting, so sizes scale smoothly and
/// what is measured is what is drawn.
pub(crate) fn new_layout(cr: &cairo::Context) -> Result<pango::Layout, RenderError> {
    let layout = pangocairo::functions::create_layout(cr);
    let mut options = cairo::FontOptions::new()?;
    options.set_hint_metrics(cairo::HintMetrics::Off);
    options.set_hint_style(cairo::HintStyle::Slight);
    // Overlays are scaled and blended by the compositor: grey antialiasing, never subpixel.
    options.set_antialias(cairo::Antialias::Gray);
    pangocairo::functions::context_set_font_options(&layout.context(), Some(&options));
    layout.context_changed();
    Ok(layout)
}

/// A font of `size` canvas pixels from a comma-separated family list.
pub(crate) fn font(families: &str, size: f64, bold: bool) -> pango::FontDescription {
    let mut desc = pango::FontDescription::new();
    desc.set_family(families);
    desc.set_weight(if bold { pango::Weight::Bold } else { pango::Weight::Normal });
    desc.set_absolute_size(size * f64::from(pango::SCALE));
    desc
}

/// Sets the layout's font to the largest size up to `size` at which its single line fits
/// `width`, and returns that size.
pub(crate) fn fit_line(layout: &pango::Layout, size: f64, bold: bool, width: f64, min: f64) -> f64 {
    let mut size = size.max(min);
    loop {
        layout.set_font_description(Some(&font(DEFAULT_FONTS, size, bold)));
        if f64::from(layout.pixel_size().0) <= width || size <= min {
            return size;
        }
        size = (size * 0.92).max(min);
    }
}

/// Whether `text` has a Chinese, Japanese or Korean character (a Han ideograph, kana or
/// hangul); punctuation and symbols shared with other scripts do not count.
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            u32::from(c),
            0x1100..=0x11FF      // Hangul Jamo
            | 0x3040..=0x309F    // Hiragana
            | 0x30A0..=0x30FF    // Katakana
            | 0x3130..=0x318F    // Hangul compatibility Jamo
            | 0x31F0..=0x31FF    // Katakana phonetic extensions
            | 0x3400..=0x4DBF    // CJK Unified Ideographs Extension A
            | 0x4E00..=0x9FFF    // CJK Unified Ideographs
            | 0xAC00..=0xD7AF    // Hangul syllables
            | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
            | 0xFF66..=0xFF9D    // Halfwidth katakana
            | 0x20000..=0x3134F // CJK Unified Ideographs Extensions B to G
        )
    })
}

#[cfg(test)]
mod tests {
    use super::has_cjk;

    #[test]
    fn cjk_is_told_by_script() {
        for text in ["宇治抹茶", "Uji 抹茶 set", "ほうじ茶", "カタカナ", "김치", "𠀀"] {
            assert!(has_cjk(text), "{text}");
        }
        for text in ["", "Silk Scarf", "Café ☕ 🎉", "·—「」【】", "Ümlaut ß", "١٢٣ عربي"] {
            assert!(!has_cjk(text), "{text}");
        }
    }
}
