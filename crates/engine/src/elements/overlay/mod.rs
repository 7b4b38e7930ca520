//! `kaibooverlay`: the static layers (text, images, product cards, the slate)
//! blended over the program video.
//!
//! The layers are flattened and converted to YUV once, when they change
//! ([`Overlay::set_layers`]); each frame then only copies the opaque runs and
//! blends the translucent ones, row by row, with integer math. With no layers
//! the element is in passthrough and does not touch the buffer. See `imp.rs`
//! for the scheme.
//!
//! ```text
//! ... ! video/x-raw,format=I420 ! kaibooverlay ! ...
//! ```

use gst::glib;
use gst::subclass::prelude::*;

mod imp;

glib::wrapper! {
    /// The `kaibooverlay` element: an in-place YUV video filter.
    pub struct Overlay(ObjectSubclass<imp::Overlay>)
        @extends gst_video::VideoFilter, gst_base::BaseTransform, gst::Element, gst::Object;
}

impl Overlay {
    /// Puts `layers` on the video from the next frame, in order (later ones on
    /// top), each at its `x`/`y` on the canvas and clipped to it. The rasters
    /// are premultiplied ARGB32 (cairo's format). The conversion runs here, on
    /// the caller's thread; an empty list turns the element to passthrough.
    pub fn set_layers(&self, layers: Vec<render::Raster>) {
        self.imp().set_layers(layers);
    }
}
