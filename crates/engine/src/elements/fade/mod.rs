//! `kaibofade`: the crossfade between the scene on air and the one coming in, on the
//! program's raw video, before the preview and the encoder.
//!
//! Idle, the element is in passthrough and does not touch a buffer. During a fade, each
//! frame of the program is blended with the newest frame of the incoming scene (handed in
//! with [`Fade::offer`] from a second compositor), its weight rising from 0 to 1 over the
//! fade's length, counted on the program's own timestamps. At the end the incoming picture
//! is held whole until [`Fade::release`], so the program can switch its own layout to the
//! new scene behind it without a visible step.
//!
//! ```text
//! program compositor ─▶ kaibooverlay ─▶ kaibofade ─▶ raw tee ─▶ preview, encode groups
//!                                          ▲
//! incoming scene's compositor ─▶ appsink ──┘ (newest frame only)
//! ```

use gst::glib;
use gst::subclass::prelude::*;

mod imp;

glib::wrapper! {
    /// The `kaibofade` element: an in-place I420 crossfade.
    pub struct Fade(ObjectSubclass<imp::Fade>)
        @extends gst_video::VideoFilter, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Where a fade is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FadePhase {
    /// Passthrough: the program as it is.
    Idle,
    /// Waiting for the incoming scene's first frame, or blending.
    Fading,
    /// The incoming scene is shown whole, until [`Fade::release`].
    Complete,
}

impl Fade {
    /// Starts a fade of `duration` towards the frames [`Fade::offer`] hands in. It starts
    /// counting at the first program frame that has an incoming frame to blend with.
    pub fn start(&self, duration: std::time::Duration) {
        self.imp().start(duration);
    }

    /// The incoming scene's newest frame (same caps as the program).
    pub fn offer(&self, frame: gst::Buffer) {
        self.imp().offer(frame);
    }

    pub fn phase(&self) -> FadePhase {
        self.imp().phase()
    }

    /// Back to passthrough: the program shows its own layout again.
    pub fn release(&self) {
        self.imp().release();
    }
}
