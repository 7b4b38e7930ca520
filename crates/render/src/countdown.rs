//! Countdown layers: "限时秒杀  04:59" centred on a rounded box that fills the rect, and the
//! layer's `ended_text` once the time is up. The engine redraws them once a second.

use show::CountdownLayer;

use crate::color;
use crate::text::{fit_line, new_layout};
use crate::{new_surface, rounded_rect, RenderError};

/// Text is never shrunk below this many pixels; below it, it is clipped instead.
const MIN_FONT_PX: f64 = 6.0;
/// The largest font size the show format allows.
const MAX_FONT_PX: f64 = 400.0;

/// The time left as the countdown shows it: `MM:SS`, or `HH:MM:SS` from one hour up
/// (`05:00`, `00:59`, `01:00:00`).
pub fn format_clock(remaining_s: u64) -> String {
    let (hours, minutes, seconds) = (remaining_s / 3600, remaining_s / 60 % 60, remaining_s % 60);
    if hours > 0 {
        format!("{hours:02}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes:02}:{seconds:02}")
    }
}

/// What a countdown layer shows with `remaining_s` seconds left: `label  MM:SS` (the
/// time alone when the label is empty), or its `ended_text` at zero.
pub fn countdown_text(layer: &CountdownLayer, remaining_s: u64) -> String {
    if remaining_s == 0 {
        return layer.ended_text.trim().to_owned();
    }
    let clock = format_clock(remaining_s);
    match layer.label.trim() {
        "" => clock,
        label => format!("{label}  {clock}"),
    }
}

pub(crate) fn render(
    layer: &CountdownLayer,
    remaining_s: u64,
    w: i32,
    h: i32,
) -> Result<cairo::ImageSurface, RenderError> {
    let parse = |field: &'static str, value: &str| color::field(&layer.id, field, value);
    let fill = parse("color", &layer.color)?;
    let background = parse("background", &layer.background)?;

    let surface = new_surface(w, h)?;
    let cr = cairo::Context::new(&surface)?;
    let (fw, fh) = (f64::from(w), f64::from(h));
    rounded_rect(&cr, 0.0, 0.0, fw, fh, fh * 0.22);
    background.set_source(&cr);
    cr.fill()?;

    let text = countdown_text(layer, remaining_s);
    if text.is_empty() {
        drop(cr);
        return Ok(surface);
    }
    let layout = new_layout(&cr)?;
    layout.set_text(&text);
    let attrs = pango::AttrList::new();
    // Digits of one width, so the text does not wobble from one second to the next.
    attrs.insert(pango::AttrFontFeatures::new("tnum 1"));
    layout.set_attributes(Some(&attrs));

    // The largest size up to the layer's that fits inside the box's padding.
    let (pad_x, pad_y) = ((fh * 0.3).min(fw * 0.08), fh * 0.1);
    let (room_w, room_h) = ((fw - 2.0 * pad_x).max(1.0), (fh - 2.0 * pad_y).max(1.0));
    // Validation keeps the size in 4..=400; an unchecked show must not hang the shrinking.
    let wanted =
        if layer.font_size.is_finite() { layer.font_size.clamp(MIN_FONT_PX, MAX_FONT_PX) } else { MAX_FONT_PX };
    let mut size = fit_line(&layout, wanted, true, room_w, MIN_FONT_PX);
    while f64::from(layout.pixel_size().1) > room_h && size > MIN_FONT_PX {
        size = fit_line(&layout, (size * 0.92).max(MIN_FONT_PX), true, room_w, MIN_FONT_PX);
    }
    let (_, logical) = layout.pixel_extents();
    cr.move_to(
        (fw - f64::from(logical.width())) / 2.0 - f64::from(logical.x()),
        (fh - f64::from(logical.height())) / 2.0 - f64::from(logical.y()),
    );
    fill.set_source(&cr);
    pangocairo::functions::show_layout(&cr, &layout);
    drop(cr);
    Ok(surface)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(label: &str) -> CountdownLayer {
        CountdownLayer {
            id: "flash".into(),
            visible: true,
            locked: false,
            rect: [0.7, 0.05, 0.27, 0.1],
            label: label.into(),
            seconds: Some(300),
            until: None,
            font_size: 36.0,
            color: "#FFFFFF".into(),
            background: "#E0242Bcc".into(),
            ended_text: "已结束 · Ended".into(),
        }
    }

    #[test]
    fn clock_is_minutes_and_seconds_under_an_hour() {
        assert_eq!(format_clock(300), "05:00");
        assert_eq!(format_clock(299), "04:59");
        assert_eq!(format_clock(59), "00:59");
        assert_eq!(format_clock(0), "00:00");
        assert_eq!(format_clock(3599), "59:59");
        assert_eq!(format_clock(3600), "01:00:00");
        assert_eq!(format_clock(86_400), "24:00:00");
        assert_eq!(format_clock(360_000), "100:00:00");
        assert!(!format_clock(u64::MAX).is_empty());
    }

    #[test]
    fn text_is_label_and_clock_then_the_ended_text() {
        assert_eq!(countdown_text(&layer("限时秒杀"), 300), "限时秒杀  05:00");
        assert_eq!(countdown_text(&layer(""), 61), "01:01");
        assert_eq!(countdown_text(&layer("限时秒杀"), 0), "已结束 · Ended");
    }

    #[test]
    fn unchecked_font_sizes_do_not_hang() {
        for size in [f64::INFINITY, f64::NAN, -5.0, 1e300] {
            let mut odd = layer("限时秒杀");
            odd.font_size = size;
            render(&odd, 10, 200, 50).expect("renders");
        }
    }

    #[test]
    fn a_bad_color_names_the_layer_and_field() {
        let mut bad = layer("x");
        bad.background = "red".into();
        let error = render(&bad, 10, 200, 50).expect_err("not a colour").to_string();
        assert!(error.contains("flash") && error.contains("background"), "{error}");
    }
}
