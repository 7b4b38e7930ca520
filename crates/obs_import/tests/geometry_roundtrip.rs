//! The geometry maths round-trips: a box placed by `of_box` comes back from `pixel_box`, for
//! any alignment written the other way round, and any scale.
#![allow(clippy::unwrap_used)]

use obs_import::geometry::{rect, Placement, ALIGN_BOTTOM, ALIGN_LEFT, ALIGN_RIGHT, ALIGN_TOP};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn boxes_round_trip(x in -500.0f64..2500.0, y in -500.0f64..1500.0, w in 1.0f64..3000.0, h in 1.0f64..2000.0,
                        sw in 16.0f64..4000.0, sh in 16.0f64..4000.0, align in prop::sample::select(vec![0u32, 1, 2, 4, 5, 6, 8, 9, 10])) {
        let b = [x, y, w, h];
        let top_left = Placement::of_box(b, (sw, sh));
        let back = top_left.pixel_box((sw, sh));
        for (a, e) in back.iter().zip(b) {
            prop_assert!((a - e).abs() < 1e-6, "{:?} vs {:?}", back, b);
        }
        // The same box with its point at another alignment.
        let px = if align & ALIGN_RIGHT != 0 { x + w } else if align & ALIGN_LEFT != 0 { x } else { x + w / 2.0 };
        let py = if align & ALIGN_BOTTOM != 0 { y + h } else if align & ALIGN_TOP != 0 { y } else { y + h / 2.0 };
        let moved = Placement { pos: (px, py), align, ..top_left };
        let again = moved.pixel_box((sw, sh));
        for (a, e) in again.iter().zip(b) {
            prop_assert!((a - e).abs() < 1e-6, "align {}: {:?} vs {:?}", align, again, b);
        }
        // Whatever survives clipping is a valid rect on the canvas.
        if let Some((r, _)) = rect(b, (1920.0, 1080.0)) {
            prop_assert!(r[0] >= 0.0 && r[1] >= 0.0 && r[2] > 0.0 && r[3] > 0.0);
            prop_assert!(r[0] + r[2] <= 1.0 + 1e-9 && r[1] + r[3] <= 1.0 + 1e-9);
        }
    }
}
