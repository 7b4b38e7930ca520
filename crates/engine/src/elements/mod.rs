//! Custom GStreamer elements of the Kaibo media path, registered statically
//! (no plugin file): call [`register`] once GStreamer is initialised.

use gst::glib;
use gst::prelude::*;

pub mod fade;
pub mod look;
pub mod overlay;
mod yuv;

/// Registers every Kaibo element with the GStreamer registry.
///
/// Initialises GStreamer if the caller has not yet done so. Safe to call more
/// than once: registering the same type again under the same name only updates
/// the existing factory.
pub fn register() -> Result<(), glib::BoolError> {
    gst::init().map_err(|err| glib::bool_error!("Could not initialise GStreamer: {err}"))?;
    gst::Element::register(None, "kaibolook", gst::Rank::NONE, look::Look::static_type())?;
    gst::Element::register(None, "kaibofade", gst::Rank::NONE, fade::Fade::static_type())?;
    gst::Element::register(None, "kaibooverlay", gst::Rank::NONE, overlay::Overlay::static_type())
}
