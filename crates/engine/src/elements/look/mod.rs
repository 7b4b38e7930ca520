//! `kaibolook`: the lighting look applied to camera video.
//!
//! Brightness, contrast, saturation, warmth, a vignette and an optional `.cube`
//! 3D LUT, all computed in YUV (I420 or NV12) with tables that are rebuilt only
//! when a property changes. A neutral look runs in passthrough and does not
//! touch the buffer. See `imp.rs` for the properties and the LUT scheme.
//!
//! ```text
//! ... ! video/x-raw,format=I420 ! kaibolook warmth=0.3 vignette-strength=0.4 ! ...
//! ```

use gst::glib;

mod imp;
mod lut;

glib::wrapper! {
    /// The `kaibolook` element: an in-place YUV video filter.
    pub struct Look(ObjectSubclass<imp::Look>)
        @extends gst_video::VideoFilter, gst_base::BaseTransform, gst::Element, gst::Object;
}
