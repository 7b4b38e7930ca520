//! The preview branch: small JPEG frames of the program for the studio's screen.
//!
//! ```text
//! overlay ─▶ raw tee ─┬─▶ encoder queue ─▶ x264 ...               (the program, untouched)
//!                     └─▶ queue (leaky, 2 frames) ─▶ videorate (drop only) ─▶ videoscale
//!                           ─▶ 640x360 @ 15 fps ─▶ jpegenc ─▶ appsink ─▶ Receiver<PreviewFrame>
//! ```
//!
//! It taps the raw program before the encoder, so what the operator sees is what goes out,
//! without decoding anything. The queue leaks and the channel is bounded: a slow or absent
//! reader drops preview frames and never holds up the program.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};

use gst::prelude::*;

use crate::EngineError;

/// One JPEG picture of the program.
pub type PreviewFrame = Vec<u8>;

/// The preview's size and rate: enough to judge framing, cheap to encode.
pub const PREVIEW_WIDTH: i32 = 640;
pub const PREVIEW_HEIGHT: i32 = 360;
pub const PREVIEW_FPS: i32 = 15;

/// Frames waiting for the reader before new ones are dropped.
const CHANNEL_DEPTH: usize = 2;

/// Builds the preview branch in `pipeline`, fed from a new pad of `raw_tee`, and returns the
/// receiving end of its frames.
pub(crate) fn attach(pipeline: &gst::Pipeline, raw_tee: &gst::Element) -> Result<Receiver<PreviewFrame>, EngineError> {
    let (sender, receiver) = channel();
    attach_to(pipeline.upcast_ref(), raw_tee, "preview", sender)?;
    Ok(receiver)
}

/// A channel for preview frames: a slow reader drops frames, never holds up the program.
pub(crate) fn channel() -> (SyncSender<PreviewFrame>, Receiver<PreviewFrame>) {
    mpsc::sync_channel(CHANNEL_DEPTH)
}

/// Builds a preview branch in `bin` (its elements named `{name}-...`), fed from a new pad of
/// `raw_tee` in the same bin, sending its frames to `sender`.
pub(crate) fn attach_to(
    bin: &gst::Bin,
    raw_tee: &gst::Element,
    name: &str,
    sender: SyncSender<PreviewFrame>,
) -> Result<(), EngineError> {
    let queue = gst::ElementFactory::make("queue")
        .name(format!("{name}-queue"))
        .property_from_str("leaky", "downstream")
        .property("max-size-buffers", 2u32)
        .property("max-size-time", 0u64)
        .property("max-size-bytes", 0u32)
        .build()
        .map_err(|e| EngineError::element("queue", e))?;
    let rate = gst::ElementFactory::make("videorate")
        .name(format!("{name}-rate"))
        .property("drop-only", true)
        .build()
        .map_err(|e| EngineError::element("videorate", e))?;
    let scale = make("videoscale", &format!("{name}-scale"))?;
    let caps = gst_video::VideoCapsBuilder::new()
        .width(PREVIEW_WIDTH)
        .height(PREVIEW_HEIGHT)
        .framerate(gst::Fraction::new(PREVIEW_FPS, 1))
        .build();
    let filter = gst::ElementFactory::make("capsfilter")
        .name(format!("{name}-caps"))
        .property("caps", &caps)
        .build()
        .map_err(|e| EngineError::element("capsfilter", e))?;
    let jpeg = gst::ElementFactory::make("jpegenc")
        .name(format!("{name}-jpeg"))
        .property("quality", 70i32)
        .build()
        .map_err(|e| EngineError::element("jpegenc", e))?;
    // No clock sync: frames go out as soon as they are encoded, so the preview lags the
    // program by one JPEG encode, not by the sink's latency.
    let sink = gst::ElementFactory::make("appsink")
        .name(format!("{name}-sink"))
        .property("sync", false)
        .property("async", false)
        .property("max-buffers", 2u32)
        .property("drop", true)
        .property("emit-signals", true)
        .build()
        .map_err(|e| EngineError::element("appsink", e))?;
    connect_frames(&sink, sender);

    let chain = [&queue, &rate, &scale, &filter, &jpeg, &sink];
    bin.add_many(chain).map_err(|e| EngineError::build("preview elements", e))?;
    gst::Element::link_many(chain).map_err(|e| EngineError::build("preview chain", e))?;
    let tee_pad = raw_tee.request_pad_simple("src_%u").ok_or_else(|| EngineError::missing_pad("raw tee src"))?;
    let queue_pad = queue.static_pad("sink").ok_or_else(|| EngineError::missing_pad("preview queue sink"))?;
    tee_pad.link(&queue_pad).map_err(|e| EngineError::build("raw tee to preview", e))?;
    Ok(())
}

/// Hands each encoded JPEG to `sender`, dropping it when the reader is behind.
fn connect_frames(sink: &gst::Element, sender: SyncSender<PreviewFrame>) {
    sink.connect("new-sample", false, move |values| {
        let ok = Some(gst::FlowReturn::Ok.to_value());
        let Some(sink) = values.first().and_then(|v| v.get::<gst::Element>().ok()) else { return ok };
        let Some(sample) = sink.emit_by_name::<Option<gst::Sample>>("pull-sample", &[]) else { return ok };
        let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok()) else { return ok };
        match sender.try_send(map.as_slice().to_vec()) {
            // A full channel means the reader is behind: this frame is simply skipped.
            Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => ok,
        }
    });
}

fn make(factory: &str, name: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make(factory).name(name).build().map_err(|e| EngineError::element(factory, e))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_branch_delivers_jpeg_frames() {
        gst::init().expect("GStreamer initializes");
        let pipeline = gst::Pipeline::new();
        let source =
            gst::ElementFactory::make("videotestsrc").property("num-buffers", 60i32).build().expect("videotestsrc");
        let caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .width(1280)
            .height(720)
            .framerate(gst::Fraction::new(30, 1))
            .build();
        let filter = gst::ElementFactory::make("capsfilter").property("caps", &caps).build().expect("capsfilter");
        let raw_tee = gst::ElementFactory::make("tee").build().expect("tee");
        pipeline.add_many([&source, &filter, &raw_tee]).expect("add");
        gst::Element::link_many([&source, &filter, &raw_tee]).expect("link");
        let frames = attach(&pipeline, &raw_tee).expect("preview branch");
        pipeline.set_state(gst::State::Playing).expect("play");
        let frame = frames.recv_timeout(Duration::from_secs(20)).expect("a preview frame within 20 s");
        let _ = pipeline.set_state(gst::State::Null);
        assert_eq!(&frame[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
        // The frame header (SOF0) carries the size: height then width.
        let sof = frame.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline JPEG");
        let size = |at: usize| u16::from_be_bytes([frame[at], frame[at + 1]]) as i32;
        assert_eq!((size(sof + 7), size(sof + 5)), (PREVIEW_WIDTH, PREVIEW_HEIGHT));
    }
}
