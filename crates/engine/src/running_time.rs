//! The program's running time: where a buffer stands on it, and where the program is now.

use gst::prelude::*;

/// The running time of the buffer a probe sees.
pub(crate) fn of_buffer(pad: &gst::Pad, info: &gst::PadProbeInfo) -> Option<gst::ClockTime> {
    let segment = pad.sticky_event::<gst::event::Segment>(0)?;
    let segment = segment.segment().downcast_ref::<gst::ClockTime>()?.clone();
    segment.to_running_time(info.buffer()?.pts()?)
}

/// The program's running time now, as seen from `pad`, read off the pipeline that holds it.
///
/// Not off the pad's own element: while the pipeline goes to PLAYING, its clock reaches every
/// element before its base time does, and a buffer in that window would read the clock's
/// whole age as "now" (a file shifted days ahead is silence for the whole show). The
/// pipeline's own base time is set once it plays; until then the program is at its start, 0.
/// Not off the pipeline's state either: a bin added while it plays (a file that loops, a
/// source rebuilt) takes it back to PAUSED until that bin has prerolled, while its clock and
/// base time run on.
pub(crate) fn program_now(pad: &gst::Pad) -> gst::ClockTime {
    let mut top: Option<gst::Object> = pad.parent();
    while let Some(parent) = top.as_ref().and_then(|o| o.parent()) {
        top = Some(parent);
    }
    let Some(pipeline) = top.and_then(|o| o.downcast::<gst::Element>().ok()) else { return gst::ClockTime::ZERO };
    match (pipeline.clock(), pipeline.base_time()) {
        (Some(clock), Some(base)) if base > gst::ClockTime::ZERO => clock.time().saturating_sub(base),
        _ => gst::ClockTime::ZERO,
    }
}
