//! A source's filter chain, in the show's order, as a bin of its own between the source and
//! its meter. A change of filters (`set_audio` with `filters`) builds a new bin and swaps it
//! in while the source's sound is held back for a moment; the source itself is not reopened.
//!
//! ```text
//! audioN-filters#G: convert ─▶ [webrtcdsp | audiodynamic | volume ...] ─▶ convert ─▶ F32 48 kHz stereo
//! ```
//!
//! - `noise_suppression`: `webrtcdsp` with noise suppression at "high", its echo canceller
//!   only when asked (it then needs a `webrtcechoprobe` on the monitor output), its gain
//!   control and high-pass filter off, so it only takes noise out.
//! - `gate`: `audiodynamic` as a hard-knee expander: what stays under the threshold is
//!   pushed down tenfold.
//! - `compressor`: `audiodynamic` as a soft-knee compressor above its threshold.
//! - `gain`: `volume`.

use gst::prelude::*;
use show::AudioFilter;

use crate::audio::gain::linear;
use crate::audio::sources::{capsfilter, make, mix_caps};
use crate::EngineError;

/// The filter bin of source `index`, number `generation`, with ghost pads `sink` and `src`.
pub(crate) fn build(index: usize, generation: u64, filters: &[AudioFilter]) -> Result<gst::Bin, EngineError> {
    let bin = gst::Bin::with_name(&format!("audio{index}-filters#{generation}"));
    let mut chain = vec![make("audioconvert")?];
    for filter in filters.iter().filter(|f| f.enabled()) {
        chain.push(element(filter)?);
        chain.push(make("audioconvert")?);
    }
    chain.push(capsfilter(&mix_caps())?);
    bin.add_many(&chain).map_err(|e| EngineError::build("audio filters", e))?;
    gst::Element::link_many(&chain).map_err(|e| EngineError::build("audio filter chain", e))?;
    for (element, name) in [(&chain[0], "sink"), (&chain[chain.len() - 1], "src")] {
        let target = element.static_pad(name).ok_or_else(|| EngineError::missing_pad("audio filter pad"))?;
        let ghost = gst::GhostPad::builder_with_target(&target)
            .map_err(|e| EngineError::build("audio filter pad", e))?
            .name(name)
            .build();
        bin.add_pad(&ghost).map_err(|e| EngineError::build("audio filter pad", e))?;
    }
    Ok(bin)
}

fn element(filter: &AudioFilter) -> Result<gst::Element, EngineError> {
    let built = match filter {
        AudioFilter::NoiseSuppression { echo_cancel, .. } => gst::ElementFactory::make("webrtcdsp")
            .property("echo-cancel", *echo_cancel)
            .property("gain-control", false)
            .property("high-pass-filter", false)
            .property("noise-suppression", true)
            .property_from_str("noise-suppression-level", "high")
            .build()
            .map_err(|e| EngineError::element("webrtcdsp", e))?,
        AudioFilter::Gate { threshold_db, .. } => gst::ElementFactory::make("audiodynamic")
            .property_from_str("mode", "expander")
            .property_from_str("characteristics", "hard-knee")
            .property("threshold", linear(*threshold_db) as f32)
            .property("ratio", 10.0f32)
            .build()
            .map_err(|e| EngineError::element("audiodynamic", e))?,
        AudioFilter::Compressor { threshold_db, ratio, .. } => gst::ElementFactory::make("audiodynamic")
            .property_from_str("mode", "compressor")
            .property_from_str("characteristics", "soft-knee")
            .property("threshold", linear(*threshold_db) as f32)
            .property("ratio", (1.0 / ratio.max(1.0)) as f32)
            .build()
            .map_err(|e| EngineError::element("audiodynamic", e))?,
        AudioFilter::Gain { db, .. } => gst::ElementFactory::make("volume")
            .property("volume", linear(*db))
            .build()
            .map_err(|e| EngineError::element("volume", e))?,
    };
    Ok(built)
}
