//! Outputs: one bin per destination (RTMP/RTMPS or SRT) and one for the recording.
//!
//! ```text
//! video tee ─▶ queue (leaky) ─┬ [air switch] ─▶ flvmux ─▶ rtmp2sink        (RTMP, RTMPS)
//! audio tee ─▶ queue (leaky) ─┘                 mpegtsmux ─▶ srtsink       (SRT)
//!                                               mp4mux (fragmented) ─▶ filesink   (recording)
//! ```
//!
//! Each output hangs off the program's tees behind its own leaky queues, so a slow or dead
//! ingest drops its own frames instead of blocking the encoder, the other destinations or
//! the recording. Destinations also pass through their air switch (`air.rs`): their queues
//! hold the broadcast delay, and the kill switch puts the safe slate in their place. The
//! recording has no air switch: it keeps the live program.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gst::prelude::*;
use show::Platform;

use crate::air::AirSwitch;
use crate::secret::SecretUrl;
use crate::EngineError;

/// A destination to push the program to.
#[derive(Debug, Clone)]
pub struct IngestTarget {
    pub id: String,
    pub platform: Platform,
    pub url: SecretUrl,
    /// The broadcast delay (at most [`crate::MAX_DELAY`]): the destination gets the program
    /// this much later than the recording and the preview.
    pub delay: Duration,
}

impl IngestTarget {
    /// A destination with no broadcast delay.
    pub fn new(id: impl Into<String>, platform: Platform, url: SecretUrl) -> IngestTarget {
        IngestTarget { id: id.into(), platform, url, delay: Duration::ZERO }
    }
}

/// What an output is.
#[derive(Debug, Clone)]
pub enum OutputKind {
    Destination(IngestTarget),
    Recording(PathBuf),
}

/// Counters read by the 1 Hz stats; written by pad probes on the streaming threads.
#[derive(Debug, Default)]
pub struct OutputCounters {
    /// Video frames that reached the output's queue.
    pub frames_in: AtomicU64,
    /// Video frames that left the queue for the muxer.
    pub frames_out: AtomicU64,
    /// Bytes handed to the sink (network or file).
    pub bytes_out: AtomicU64,
    /// Media buffers (not stream headers) handed to the sink. The sink takes the second
    /// only once the first is written, so two mean the ingest accepted the stream.
    pub sink_buffers: AtomicU64,
}

/// One output bin in the program pipeline.
pub(crate) struct Output {
    pub id: String,
    /// Tells this bin from an earlier one of the same output, whose late errors are stale.
    pub generation: u64,
    pub kind: OutputKind,
    pub bin: gst::Bin,
    pub counters: Arc<OutputCounters>,
    pub video_queue: gst::Element,
    /// The delay and kill switch of a destination (`None` for the recording).
    pub air: Option<AirSwitch>,
}

/// The bin name an output is given; errors on the bus are traced back to it.
fn bin_name(id: &str, generation: u64) -> String {
    format!("output-{id}#{generation}")
}

/// The output id and generation of an element, from the name of its enclosing output bin.
pub(crate) fn output_of(source: Option<&gst::Object>) -> Option<(String, u64)> {
    let mut object = source.cloned();
    while let Some(current) = object {
        if let Some((id, generation)) = current.name().strip_prefix("output-").and_then(|n| n.rsplit_once('#')) {
            return Some((id.to_owned(), generation.parse().ok()?));
        }
        object = current.parent();
    }
    None
}

/// The id of the recording output.
pub const RECORDING_ID: &str = "recording";

impl Output {
    pub(crate) fn build(kind: OutputKind, generation: u64) -> Result<Output, EngineError> {
        let id = match &kind {
            OutputKind::Destination(target) => target.id.clone(),
            OutputKind::Recording(_) => RECORDING_ID.to_owned(),
        };
        let bin = gst::Bin::with_name(&bin_name(&id, generation));
        let counters = Arc::new(OutputCounters::default());

        let video_queue = leaky_queue("video-queue")?;
        let audio_queue = leaky_queue("audio-queue")?;
        let (mux, sink) = match &kind {
            OutputKind::Destination(target) => ingest_elements(target)?,
            OutputKind::Recording(path) => recording_elements(path)?,
        };
        bin.add_many([&video_queue, &audio_queue, &mux, &sink]).map_err(|e| EngineError::build("output bin", e))?;
        let air = match &kind {
            OutputKind::Destination(target) => {
                let (air, [(video_src, safe_video), (audio_src, safe_audio)]) =
                    AirSwitch::build(&bin, [&video_queue, &audio_queue], target.delay)?;
                link_to_mux(&video_src, &mux, "video")?;
                link_to_mux(&audio_src, &mux, "audio")?;
                ghost(&bin, &safe_video, "safe_video")?;
                ghost(&bin, &safe_audio, "safe_audio")?;
                Some(air)
            }
            OutputKind::Recording(_) => {
                let video_src = video_queue.static_pad("src").ok_or_else(|| EngineError::missing_pad("queue src"))?;
                let audio_src = audio_queue.static_pad("src").ok_or_else(|| EngineError::missing_pad("queue src"))?;
                link_to_mux(&video_src, &mux, "video")?;
                link_to_mux(&audio_src, &mux, "audio")?;
                timestamp_untimed_buffers(&video_src);
                timestamp_untimed_buffers(&audio_src);
                audio_waits_for_video(&video_src, audio_src);
                None
            }
        };
        mux.link(&sink).map_err(|e| EngineError::build("muxer to sink", e))?;

        for (name, queue) in [("video", &video_queue), ("audio", &audio_queue)] {
            ghost(&bin, &queue.static_pad("sink").ok_or_else(|| EngineError::missing_pad("queue sink"))?, name)?;
        }
        count_buffers(&video_queue, "sink", &counters, |c, _| {
            c.frames_in.fetch_add(1, Ordering::Relaxed);
        })?;
        count_buffers(&video_queue, "src", &counters, |c, _| {
            c.frames_out.fetch_add(1, Ordering::Relaxed);
        })?;
        count_buffers(&sink, "sink", &counters, |c, buffer| {
            c.bytes_out.fetch_add(buffer.size() as u64, Ordering::Relaxed);
            if !buffer.flags().contains(gst::BufferFlags::HEADER) {
                c.sink_buffers.fetch_add(1, Ordering::Relaxed);
            }
        })?;
        Ok(Output { id, generation, kind, bin, counters, video_queue, air })
    }

    /// Frames the leaky queue threw away because the output could not keep up.
    pub(crate) fn dropped_frames(&self) -> u64 {
        let frames_in = self.counters.frames_in.load(Ordering::Relaxed);
        let frames_out = self.counters.frames_out.load(Ordering::Relaxed);
        let queued = u64::from(self.video_queue.property::<u32>("current-level-buffers"));
        frames_in.saturating_sub(frames_out).saturating_sub(queued)
    }

    /// How far the output's video queue is behind, in milliseconds, beyond its broadcast delay.
    pub(crate) fn queued_ms(&self) -> u64 {
        let delay = self.air.as_ref().map_or(0, |air| air.delay.as_millis() as u64);
        (self.video_queue.property::<u64>("current-level-time") / 1_000_000).saturating_sub(delay)
    }

    /// The name people know the output by: the destination id, or "recording".
    pub fn label(&self) -> String {
        match &self.kind {
            OutputKind::Destination(target) => format!("{} ({})", target.id, target.url.redacted()),
            OutputKind::Recording(path) => format!("recording ({})", path.display()),
        }
    }
}

/// A queue that holds up to 2 s and then drops the oldest data, so a stalled output never
/// pushes back on the program.
fn leaky_queue(name: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make("queue")
        .name(name)
        .property_from_str("leaky", "downstream")
        .property("max-size-time", 2 * gst::ClockTime::SECOND.nseconds())
        .property("max-size-buffers", 0u32)
        .property("max-size-bytes", 0u32)
        .build()
        .map_err(|e| EngineError::element("queue", e))
}

fn ingest_elements(target: &IngestTarget) -> Result<(gst::Element, gst::Element), EngineError> {
    let url = target.url.expose();
    if url.starts_with("srt://") {
        let mux = gst::ElementFactory::make("mpegtsmux")
            .name("mux")
            .property("alignment", 7i32)
            .build()
            .map_err(|e| EngineError::element("mpegtsmux", e))?;
        let sink = gst::ElementFactory::make("srtsink")
            .name("sink")
            .property("uri", url)
            .property("wait-for-connection", false)
            .property("async", false)
            .build()
            .map_err(|e| EngineError::element("srtsink", e))?;
        Ok((mux, sink))
    } else {
        let mux = gst::ElementFactory::make("flvmux")
            .name("mux")
            .property("streamable", true)
            .build()
            .map_err(|e| EngineError::element("flvmux", e))?;
        let sink = gst::ElementFactory::make("rtmp2sink")
            .name("sink")
            .property("location", url)
            .property("async", false)
            .property("async-connect", true)
            .build()
            .map_err(|e| EngineError::element("rtmp2sink", e))?;
        Ok((mux, sink))
    }
}

/// Fragmented MP4, one fragment a second: a crash loses at most the last second, and the
/// file still plays and reports its duration. An existing recording is never written over:
/// the file is created new, or must be the empty one the caller reserved for it.
fn recording_elements(path: &Path) -> Result<(gst::Element, gst::Element), EngineError> {
    claim_recording_file(path)?;
    let mux = gst::ElementFactory::make("mp4mux")
        .name("mux")
        .property("fragment-duration", 1000u32)
        .build()
        .map_err(|e| EngineError::element("mp4mux", e))?;
    let sink = gst::ElementFactory::make("filesink")
        .name("sink")
        .property("location", path.to_string_lossy().as_ref())
        .property("async", false)
        .build()
        .map_err(|e| EngineError::element("filesink", e))?;
    Ok((mux, sink))
}

/// Makes sure `path` is a new (or reserved, still empty) file; never truncates a recording.
pub(crate) fn claim_recording_file(path: &Path) -> Result<(), EngineError> {
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = std::fs::symlink_metadata(path).map_err(|e| EngineError::build("recording", e))?;
            if meta.file_type().is_file() && meta.len() == 0 {
                Ok(())
            } else {
                Err(EngineError::build(
                    "recording",
                    format!("{} already exists and is not written over: choose another file name", path.display()),
                ))
            }
        }
        Err(error) => Err(EngineError::build("recording", format!("cannot create {}: {error}", path.display()))),
    }
}

/// Holds an output's audio until its first video buffer has left `video_src`. Audio is
/// usually first out of its queue (at the start, and after a broadcast delay); a muxer that
/// times out waiting for video writes its header (FLV) or its track list (MP4) without it and
/// leaves the video out. A blocking probe: nothing is lost, the audio queue just fills.
pub(crate) fn audio_waits_for_video(video_src: &gst::Pad, audio_src: gst::Pad) {
    let Some(hold) = audio_src
        .add_probe(gst::PadProbeType::BLOCK_DOWNSTREAM | gst::PadProbeType::BUFFER, |_, _| gst::PadProbeReturn::Ok)
    else {
        return;
    };
    let hold = std::sync::Mutex::new(Some(hold));
    video_src.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
        if let Some(hold) = hold.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            audio_src.remove_probe(hold);
        }
        gst::PadProbeReturn::Remove
    });
}

static RECORDING_CAT: std::sync::LazyLock<gst::DebugCategory> = std::sync::LazyLock::new(|| {
    gst::DebugCategory::new("kaiborecording", gst::DebugColorFlags::empty(), Some("Kaibo's recording output"))
});

/// Gives a buffer with no presentation time its decode time before it reaches the
/// recording's muxer. Now and then (about one start in ten, in the first second) the frame
/// after the first keyframe comes out of the encoder and `h264parse` carrying the stream
/// headers (`HEADER | DELTA_UNIT`) with a DTS and no PTS. `flvmux` goes by DTS and never
/// minds; `mp4mux` fails the whole recording on it ("Could not multiplex stream: Buffer has
/// no PTS"), leaving a file with no media. The program's H.264 has no frame reordering
/// (x264 `tune=zerolatency`, no B-frames) and AAC none either, so PTS = DTS is exact.
/// Dropping the frame instead would break every frame after it until the next keyframe.
/// A buffer with neither is dropped. Each one is logged (category `kaiborecording`).
fn timestamp_untimed_buffers(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::BUFFER, |pad, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data else { return gst::PadProbeReturn::Ok };
        if buffer.pts().is_some() {
            return gst::PadProbeReturn::Ok;
        }
        let Some(dts) = buffer.dts() else {
            gst::warning!(RECORDING_CAT, obj = pad, "dropping a buffer with no timestamps ({} bytes)", buffer.size());
            return gst::PadProbeReturn::Drop;
        };
        gst::info!(RECORDING_CAT, obj = pad, "a buffer with no PTS (flags {:?}): PTS = DTS {dts}", buffer.flags());
        buffer.make_mut().set_pts(dts);
        gst::PadProbeReturn::Ok
    });
}

/// Exposes `target` on the bin as a pad called `name`. An output fails alone: what its
/// elements return upstream (a refused publish, a dead ingest) stops at this pad and never
/// flows back through the tees into the encoder and the program's sources. Its elements'
/// errors still reach the bus, where the supervisor handles them. Flushing passes, so the
/// output still stops with the pipeline.
fn ghost(bin: &gst::Bin, target: &gst::Pad, name: &str) -> Result<(), EngineError> {
    fn contained(result: Result<gst::FlowSuccess, gst::FlowError>) -> Result<gst::FlowSuccess, gst::FlowError> {
        match result {
            Err(gst::FlowError::Flushing) => Err(gst::FlowError::Flushing),
            _ => Ok(gst::FlowSuccess::Ok),
        }
    }
    let ghost = gst::GhostPad::builder_with_target(target)
        .map_err(|e| EngineError::build("ghost pad", e))?
        .name(name)
        .chain_function(|pad, parent, buffer| contained(gst::ProxyPad::chain_default(pad, parent, buffer)))
        .chain_list_function(|pad, parent, list| contained(gst::ProxyPad::chain_list_default(pad, parent, list)))
        .build();
    bin.add_pad(&ghost).map_err(|e| EngineError::build("ghost pad", e))
}

fn link_to_mux(src: &gst::Pad, mux: &gst::Element, kind: &str) -> Result<(), EngineError> {
    // flvmux names its pads `video`/`audio`, mp4mux `video_%u`/`audio_%u`, mpegtsmux `sink_%d`.
    let sink = [kind.to_owned(), format!("{kind}_%u"), "sink_%d".to_owned()]
        .iter()
        .find(|template| mux.pad_template(template).is_some())
        .and_then(|template| mux.request_pad_simple(template))
        .ok_or_else(|| EngineError::missing_pad(&format!("{kind} pad of the muxer")))?;
    src.link(&sink).map_err(|e| EngineError::build("queue to muxer", e))?;
    Ok(())
}

/// Counts buffers through a pad.
fn count_buffers(
    element: &gst::Element,
    pad: &str,
    counters: &Arc<OutputCounters>,
    record: fn(&OutputCounters, &gst::BufferRef),
) -> Result<(), EngineError> {
    let pad = element.static_pad(pad).ok_or_else(|| EngineError::missing_pad(pad))?;
    let counters = Arc::clone(counters);
    pad.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST, move |_, info| {
        match &info.data {
            Some(gst::PadProbeData::Buffer(buffer)) => record(&counters, buffer),
            Some(gst::PadProbeData::BufferList(list)) => {
                for buffer in list.iter() {
                    record(&counters, buffer);
                }
            }
            _ => {}
        }
        gst::PadProbeReturn::Ok
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reaches a sink pad behind `timestamp_untimed_buffers`: (pts, dts) of each buffer.
    fn through_the_guard(buffers: Vec<gst::Buffer>) -> Vec<(Option<gst::ClockTime>, Option<gst::ClockTime>)> {
        crate::init().expect("GStreamer");
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = {
            let seen = Arc::clone(&seen);
            gst::Pad::builder(gst::PadDirection::Sink)
                .chain_function(move |_, _, buffer| {
                    seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((buffer.pts(), buffer.dts()));
                    Ok(gst::FlowSuccess::Ok)
                })
                .build()
        };
        let src = gst::Pad::builder(gst::PadDirection::Src).build();
        src.link(&sink).expect("link");
        src.set_active(true).expect("src active");
        sink.set_active(true).expect("sink active");
        src.push_event(gst::event::StreamStart::new("guard"));
        src.push_event(gst::event::Caps::new(&gst::Caps::builder("video/x-h264").build()));
        src.push_event(gst::event::Segment::new(&gst::FormattedSegment::<gst::ClockTime>::new()));
        timestamp_untimed_buffers(&src);
        for buffer in buffers {
            let _ = src.push(buffer);
        }
        let seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        seen
    }

    fn buffer(pts: Option<u64>, dts: Option<u64>) -> gst::Buffer {
        let mut buffer = gst::Buffer::with_size(16).expect("buffer");
        let b = buffer.make_mut();
        b.set_pts(pts.map(gst::ClockTime::from_mseconds));
        b.set_dts(dts.map(gst::ClockTime::from_mseconds));
        buffer
    }

    #[test]
    fn a_buffer_with_no_pts_reaches_the_muxer_with_its_dts_and_one_with_neither_is_dropped() {
        crate::init().expect("GStreamer");
        let ms = |v| Some(gst::ClockTime::from_mseconds(v));
        let seen = through_the_guard(vec![
            buffer(Some(0), Some(0)),
            buffer(None, Some(33)),
            buffer(None, None),
            buffer(Some(66), Some(66)),
        ]);
        assert_eq!(seen, vec![(ms(0), ms(0)), (ms(33), ms(33)), (ms(66), ms(66))]);
    }
}
