//! The program pipeline, built from a show. It runs from the moment the show is open; the
//! encode group and the outputs come and go behind its raw tees (see `encode.rs`).
//!
//! ```text
//! sources (cameras with the look, media, screen) ─▶ stage: compositor ─▶ kaibooverlay
//! drawn runs under video layers ─────────────────▶ (zorder:     (the drawn layers above
//!                                                   list order)  the topmost video layer)
//!      ─▶ kaibofade (a fade's incoming stage) ─▶ raw video tee ─┬─▶ preview (when asked)
//!                        └─▶ encode group ─▶ output bins (destinations, recording)   (Go Live, Record)
//! sound sources ─▶ filters, gain, meter ─▶ mixer ─▶ 48 kHz stereo ─▶ raw audio tee ─▶ encode group
//! ```
//!
//! How layers stack, and how sources are isolated and shared: see `source/mod.rs`.
//! The sound is `audio/`'s: isolated sources, the mixer, the meters. The raw video tee is where each canvas's
//! encode groups hang. Live changes (scene, layers, card product, look) only touch the
//! compositor pad, the look element's properties and the overlay: the encoder and the
//! connections carry on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use gst::prelude::*;
use show::{Layer, LightingLook, Show};

use crate::air::AirMode;
use crate::camera::CameraFault;
use crate::elements::fade::Fade;
use crate::encode::{EncodeCounters, EncodeGroup};
use crate::events::EngineEvent;
use crate::ingest::EncoderSettings;
use crate::outputs::{Output, OutputKind};
use crate::retire::{EosWaiters, Retirements};
use crate::source::{self, Change, Source};
use crate::stage::Stage;
use crate::EngineError;

mod scenes;
mod transition;

pub(crate) struct Program {
    pub pipeline: gst::Pipeline,
    pub show: Show,
    /// The outputs of the encode group (inside its bin).
    pub outputs: Vec<Output>,
    /// Frames out of the encoder, over every encode group.
    pub encoded: EncodeCounters,
    /// Frames out of the overlay into the raw tee (the program's own rate).
    pub program_frames: Arc<AtomicU64>,
    /// The running time of the last program frame, in nanoseconds.
    last_program_pts: Arc<AtomicU64>,
    /// Things the streamer should know about the start (no camera found...).
    pub notes: Vec<String>,
    /// Output bins built so far; each new bin gets the next number.
    generations: u64,
    /// Encode groups built so far.
    encode_generations: u64,
    /// What encodes the program now: attached at Go Live or Record, gone when neither runs.
    pub encode: Option<EncodeGroup>,
    /// Ends of finished outputs, reported by the bus reader.
    pub eos_waiters: EosWaiters,
    retirements: Retirements,
    scene: usize,
    look_override: Option<String>,
    /// Every input opened, each once (see `source/mod.rs`).
    sources: Vec<Source>,
    /// The scene on air, laid out (see `stage.rs`).
    stage: Stage,
    /// The scene coming in (a fade) or in studio mode's preview, when there is one.
    incoming: Option<Stage>,
    /// Stages built so far; each new one gets the next number.
    stage_generations: u64,
    /// Blends the incoming stage into the program during a fade (see `transition.rs`).
    fade: Fade,
    /// The fade under way.
    transition: Option<transition::Pending>,
    /// Studio mode's preview scene (studio mode is on when there is one).
    preview_scene: Option<usize>,
    /// Where the incoming stage's preview frames go.
    studio_preview: SyncSender<crate::preview::PreviewFrame>,
    /// The look on every camera now.
    look_now: LightingLook,
    raw_caps: gst::Caps,
    raw_video_tee: gst::Element,
    raw_audio_tee: gst::Element,
    /// The sound: sources, mixer, meters (see `audio/`).
    pub audio: crate::audio::Mix,
    /// Whether the kill switch is on (destinations added now start on the slate).
    killed: bool,
    /// JPEG frames of the raw program, when a preview was asked for (see `preview.rs`).
    pub preview: Option<Receiver<crate::preview::PreviewFrame>>,
    /// JPEG frames of studio mode's preview scene (none while studio mode is off).
    pub studio_preview_frames: Option<Receiver<crate::preview::PreviewFrame>>,
}

impl Program {
    /// Builds the program for `show` in the NULL state: sources, look, compositor, overlay,
    /// the raw tees and (with `preview`) the preview. Nothing encodes until
    /// [`Program::attach_encode`].
    pub(crate) fn build(show: Show, preview: bool) -> Result<Program, EngineError> {
        let mut notes = Vec::new();
        let pipeline = gst::Pipeline::with_name("program");
        let canvas = show.canvas;

        // Video: sources, compositor, overlay, raw tee.
        let raw_caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .width(canvas.width as i32)
            .height(canvas.height as i32)
            .framerate(gst::Fraction::new(canvas.fps as i32, 1))
            .build();
        let stage = Stage::new(&pipeline, "onair", &raw_caps)?;
        let fade_element = make("kaibofade", "fade")?;
        let fade = fade_element
            .clone()
            .downcast::<Fade>()
            .map_err(|_| EngineError::build("fade", "kaibofade is not the Kaibo fade element"))?;
        let raw_video_tee = tee("raw-tee")?;
        pipeline.add_many([&fade_element, &raw_video_tee]).map_err(|e| EngineError::build("video elements", e))?;
        stage
            .expose()?
            .link(&fade_element.static_pad("sink").ok_or_else(|| EngineError::missing_pad("fade sink"))?)
            .map_err(|e| EngineError::build("stage to fade", e))?;
        fade_element.link(&raw_video_tee).map_err(|e| EngineError::build("fade to raw tee", e))?;
        let preview = if preview { Some(crate::preview::attach(&pipeline, &raw_video_tee)?) } else { None };

        // Audio: every source isolated, into the mixer, into the raw audio tee (audio/).
        let (audio, audio_notes) = crate::audio::Mix::build(&pipeline, &show)?;
        notes.extend(audio_notes);
        let raw_audio_tee = audio.tee.clone();

        let program_frames = Arc::new(AtomicU64::new(0));
        let last_program_pts = Arc::new(AtomicU64::new(0));
        if let Some(pad) = raw_video_tee.static_pad("sink") {
            let (frames, last_pts) = (Arc::clone(&program_frames), Arc::clone(&last_program_pts));
            pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
                frames.fetch_add(1, Ordering::Relaxed);
                if let Some(running) = crate::running_time::of_buffer(pad, info) {
                    last_pts.store(running.nseconds(), Ordering::Relaxed);
                }
                gst::PadProbeReturn::Ok
            });
        }

        let (studio_preview, studio_preview_frames) = crate::preview::channel();
        let mut program = Program {
            pipeline,
            show,
            outputs: Vec::new(),
            encoded: EncodeCounters::default(),
            program_frames,
            last_program_pts,
            notes,
            generations: 0,
            encode_generations: 0,
            encode: None,
            eos_waiters: EosWaiters::default(),
            retirements: Retirements::default(),
            scene: 0,
            look_override: None,
            sources: Vec::new(),
            stage,
            incoming: None,
            stage_generations: 0,
            fade,
            transition: None,
            preview_scene: None,
            studio_preview,
            look_now: LightingLook::neutral("natural"),
            raw_caps,
            raw_video_tee,
            raw_audio_tee,
            audio,
            killed: false,
            preview,
            studio_preview_frames: Some(studio_preview_frames),
        };
        // Every device, file and feed of the show is opened now, once, so switching scenes
        // never waits on one.
        let layers: Vec<Layer> = program.show.scenes.iter().flat_map(|s| s.layers.iter().cloned()).collect();
        for layer in &layers {
            if let Some(key) = source::key_of(layer) {
                program.source_for(&key, layer)?;
            }
        }
        program.apply_scene()?;
        Ok(program)
    }

    /// Attaches an encode group with `settings` to the raw tees (before the start or while
    /// the program runs). Fails when one is attached already.
    pub(crate) fn attach_encode(&mut self, settings: EncoderSettings) -> Result<(), EngineError> {
        if self.encode.is_some() {
            return Err(EngineError::Unknown("the program is encoding already".to_owned()));
        }
        self.encode_generations += 1;
        let group = EncodeGroup::attach(
            &self.pipeline,
            &self.show,
            settings,
            [&self.raw_video_tee, &self.raw_audio_tee],
            &self.raw_caps,
            &self.encoded,
            self.encode_generations,
        )?;
        self.encode = Some(group);
        Ok(())
    }

    /// Takes the encode group out once no output uses it; the program goes on.
    pub(crate) fn detach_encode(&mut self) {
        if !self.outputs.is_empty() {
            return;
        }
        if let Some(group) = self.encode.take() {
            group.detach(&self.pipeline, &mut self.retirements);
        }
    }

    /// The encoder settings in use, or those the show asks for when nothing encodes.
    pub(crate) fn encoder_settings(&self) -> EncoderSettings {
        match &self.encode {
            Some(group) => group.settings.clone(),
            None => EncoderSettings::for_destinations(&self.show.encoding, &[]),
        }
    }

    /// The video bitrate the encoder runs at, after the platforms' rules.
    pub(crate) fn video_kbps(&self) -> u32 {
        self.encode.as_ref().map_or(self.show.encoding.video_bitrate_kbps, |g| g.settings.video_kbps)
    }

    /// Adds an output bin behind the encode group's tees. Works before start and while live:
    /// a bin added live starts on a keyframe, which the encoder is asked for at once.
    pub(crate) fn add_output(&mut self, kind: OutputKind) -> Result<u64, EngineError> {
        let group = self.encode.as_ref().ok_or_else(|| {
            EngineError::Unknown("nothing is encoding: go live or start a recording first".to_owned())
        })?;
        self.generations += 1;
        let output = Output::build(kind, self.generations)?;
        group.bin.add(&output.bin).map_err(|e| EngineError::build("output", e))?;
        // Up first, linked second: a tee pushing into a pad that is still flushing gets
        // FLUSHING back and hands it up to the encoder, which would stop the whole program.
        output.bin.sync_state_with_parent().map_err(|e| EngineError::build("output start", e))?;
        if let Some(air) = &output.air {
            let safe = Arc::clone(&group.safe);
            air.arm(Arc::new(move || safe.release()));
            if self.killed {
                group.safe.acquire();
                air.kill();
            }
        }
        let mut video_tee_pad = None;
        for (tee, name) in tees(group) {
            let Some(bin_pad) = output.bin.static_pad(name) else { continue };
            let tee_pad = tee.request_pad_simple("src_%u").ok_or_else(|| EngineError::missing_pad("tee src"))?;
            if name == "video" {
                start_on_keyframe(&bin_pad);
                video_tee_pad = Some(tee_pad.clone());
            }
            tee_pad.link(&bin_pad).map_err(|e| EngineError::build("tee to output", e))?;
        }
        if let Some(pad) = video_tee_pad {
            // Travels up through the tee to the encoder; ignored before the pipeline runs.
            pad.send_event(gst_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build());
        }
        self.outputs.push(output);
        Ok(self.generations)
    }

    /// The kill switch: every destination shows the safe slate now, and what its delay holds
    /// is thrown away. Returns how many destinations were cut.
    pub(crate) fn kill_switch(&mut self) -> usize {
        self.killed = true;
        let Some(group) = &self.encode else { return 0 };
        let mut cut = 0;
        for air in self.outputs.iter().filter_map(|o| o.air.as_ref()) {
            if air.mode() == AirMode::Program {
                group.safe.acquire();
            }
            air.kill();
            cut += 1;
        }
        cut
    }

    /// Back to the live program: each destination returns once its delay has refilled with
    /// program from after now. The encoder is asked for a keyframe to return on.
    pub(crate) fn resume(&mut self) -> usize {
        self.killed = false;
        let resumed = self.outputs.iter().filter_map(|o| o.air.as_ref()).filter(|air| air.resume()).count();
        if resumed > 0 {
            if let Some(group) = &self.encode {
                group.request_keyframe();
            }
        }
        resumed
    }

    /// A new live session starts on the program, whatever the kill switch did in the last.
    pub(crate) fn clear_kill(&mut self) {
        self.killed = false;
    }

    /// Readies the air switches for the end of the show: the program's EOS must reach every
    /// muxer, also through a switch on the slate (whose live picture never ends).
    pub(crate) fn end_on_program(&self) {
        for air in self.outputs.iter().filter_map(|o| o.air.as_ref()) {
            air.end_on_program();
        }
    }

    /// The broadcast delay of each destination.
    pub(crate) fn air_delays(&self) -> Vec<std::time::Duration> {
        self.outputs.iter().filter_map(|o| o.air.as_ref().map(|air| air.delay)).collect()
    }

    /// Where each destination's picture comes from now.
    pub(crate) fn air_modes(&self) -> Vec<(String, AirMode)> {
        self.outputs.iter().filter_map(|o| o.air.as_ref().map(|air| (o.id.clone(), air.mode()))).collect()
    }

    /// Whether `generation` is the current bin of output `id` (errors from older bins are stale).
    pub(crate) fn is_current(&self, id: &str, generation: u64) -> bool {
        self.outputs.iter().any(|o| o.id == id && o.generation == generation)
    }

    /// Takes an output out of the running program without disturbing the others: its tee
    /// pads are unlinked when idle, and only then is the bin shut down (a tee pushing into a
    /// flushing pad would hand FLUSHING up to the encoder and stop the whole program).
    pub(crate) fn remove_output(&mut self, id: &str) -> Option<Output> {
        let (output, unlinks, pads) = self.unlink_output(id, false)?;
        self.retirements.retire_when_unlinked(&self.pipeline, output.bin.clone(), unlinks, pads);
        Some(output)
    }

    /// Ends an output on its own, the others and the program carrying on: each of its pads
    /// gets EOS as it is unlinked, so its muxer writes its end (the recording is finalized,
    /// the destination's delay drains), and the bin goes once its sink has taken the EOS or
    /// after `timeout`. The handle tells whether it ended in time; `None` when there is no
    /// such output.
    pub(crate) fn finish_output(&mut self, id: &str, timeout: Duration) -> Option<std::thread::JoinHandle<bool>> {
        let ended = self.outputs.iter().find(|o| o.id == id).map(|o| self.eos_waiters.expect(&o.bin.name()))?;
        let (output, unlinks, pads) = self.unlink_output(id, true)?;
        Some(crate::retire::Retirements::finish_when_ended(&self.pipeline, output.bin, unlinks, pads, ended, timeout))
    }

    /// Unlinks an output's pads from the encode group's tees when each is idle, and (with
    /// `eos`) sends EOS into the output at that moment.
    fn unlink_output(&mut self, id: &str, eos: bool) -> Option<(Output, std::sync::mpsc::Receiver<()>, usize)> {
        let index = self.outputs.iter().position(|o| o.id == id)?;
        let output = self.outputs.remove(index);
        let (unlinked, unlinks) = std::sync::mpsc::channel();
        if let Some(air) = &output.air {
            if air.mode() != AirMode::Program {
                if let Some(group) = &self.encode {
                    group.safe.release();
                }
            }
            if eos {
                // The EOS must reach the muxer through a switch on the slate too.
                air.end_on_program();
            }
        }
        let mut pads = 0;
        for (tee, name) in self.encode.as_ref().map(tees).into_iter().flatten() {
            let Some(bin_pad) = output.bin.static_pad(name) else { continue };
            let Some(tee_pad) = bin_pad.peer() else { continue };
            let (tee, unlinked) = (tee.clone(), unlinked.clone());
            pads += 1;
            tee_pad.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
                if let Some(peer) = pad.peer() {
                    let _ = pad.unlink(&peer);
                }
                tee.release_request_pad(pad);
                if eos {
                    bin_pad.send_event(gst::event::Eos::new());
                }
                let _ = unlinked.send(());
                gst::PadProbeReturn::Remove
            });
        }
        Some((output, unlinks, pads))
    }

    /// Bins still being shut down, for the teardown to wait on.
    pub(crate) fn take_retirements(&mut self) -> Vec<std::thread::JoinHandle<()>> {
        let mut handles = self.retirements.take();
        for source in &mut self.sources {
            handles.extend(source.take_retirements().take());
        }
        handles.extend(self.audio.take_retirements());
        handles
    }

    /// Whether every camera is delivering (a placeholder stands in for one that is not).
    pub(crate) fn camera_ok(&self) -> bool {
        self.sources.iter().filter(|s| s.input.spec().is_camera()).all(|s| s.input.ok)
    }

    /// A still picture chain (a placeholder, a stage's anchor or drawn run) failed: it starts
    /// again with its picture (with `restart`). `false` when `element` is not one, or it
    /// failed too often.
    pub(crate) fn still_failed(&mut self, element: Option<&gst::Object>, restart: bool) -> bool {
        let Some(element) = element else { return false };
        let frozen = match self.sources.iter_mut().map(|s| &mut s.placeholder).find(|f| f.owns(element)) {
            Some(frozen) => Some(frozen),
            None => match self.stage.frozen_of(element) {
                Some(frozen) => Some(frozen),
                None => self.incoming.as_mut().and_then(|stage| stage.frozen_of(element)),
            },
        };
        frozen.is_some_and(|frozen| !restart || frozen.restart())
    }

    /// Whether an element belongs to a source (`Some(false)`: an old, replaced bin).
    pub(crate) fn camera_owns(&self, source: Option<&gst::Object>) -> Option<bool> {
        self.sources.iter().find_map(|s| s.input.owns(source))
    }

    /// A source's element failed: its placeholder goes on air and it is rebuilt.
    pub(crate) fn camera_failed(&mut self, element: Option<&gst::Object>, reason: &str, events: &mut Vec<EngineEvent>) {
        let Some(index) = self.sources.iter().position(|s| s.input.owns(element) == Some(true)) else { return };
        let change = self.sources[index].input.failed(reason);
        self.apply_source_change(index, change, events);
    }

    /// Watches every source ten times a second.
    pub(crate) fn watch_camera(&mut self, now: std::time::Instant, events: &mut Vec<EngineEvent>) {
        for index in 0..self.sources.len() {
            let change = self.sources[index].input.watch(now);
            self.apply_source_change(index, change, events);
        }
    }

    /// Redraws the countdowns on air whose displayed second changed (ten times a second,
    /// from the watch thread).
    pub(crate) fn tick(&mut self, now: std::time::Instant) -> Result<(), EngineError> {
        self.watch_transition(now)?;
        if let Some(incoming) = self.incoming.as_mut() {
            incoming.tick(&self.show, now)?;
        }
        self.stage.tick(&self.show, now)
    }

    /// Countdown rasters drawn so far.
    #[cfg(test)]
    pub(crate) fn countdown_renders(&self) -> u64 {
        self.stage.countdown_renders()
    }

    /// Rehearses a camera failure, on every camera.
    pub(crate) fn inject_camera_fault(&self, fault: CameraFault) {
        for source in self.sources.iter().filter(|s| s.input.spec().is_camera()) {
            match fault {
                CameraFault::Freeze(duration) => source.input.freeze(duration),
                CameraFault::Error => source.input.fail_source(),
            }
        }
    }

    fn apply_source_change(&mut self, index: usize, change: Option<Change>, events: &mut Vec<EngineEvent>) {
        let Some(change) = change else { return };
        let source = &self.sources[index];
        let ok = change == Change::Back;
        source.show_live(ok);
        let reason = match change {
            Change::Lost(reason) => Some(reason),
            Change::Back => None,
        };
        if source.input.spec().is_camera() {
            events.push(EngineEvent::Camera { ok, reason });
        } else {
            let what = source.input.spec().what();
            let message = match reason {
                Some(reason) => format!("{reason}; its placeholder is on air until it is back"),
                None => format!("{what} is back"),
            };
            events.push(EngineEvent::Notice { message });
        }
    }

    /// How far the last encoded frame (the last program frame, when nothing encodes) is
    /// behind the pipeline clock, in milliseconds.
    pub(crate) fn render_lag_ms(&self) -> f64 {
        let (Some(clock), Some(base)) = (self.pipeline.clock(), self.pipeline.base_time()) else { return 0.0 };
        let now = clock.time().saturating_sub(base).nseconds();
        let last = if self.encode.is_some() { &self.encoded.last_pts } else { &self.last_program_pts };
        let last = last.load(Ordering::Relaxed);
        if last == 0 {
            return 0.0;
        }
        now.saturating_sub(last) as f64 / 1e6
    }
}

/// The tees an output bin's pads are fed from, by pad name.
fn tees(group: &EncodeGroup) -> [(&gst::Element, &'static str); 4] {
    [
        (&group.video_tee, "video"),
        (&group.audio_tee, "audio"),
        (&group.safe.video_tee, "safe_video"),
        (&group.safe.audio_tee, "safe_audio"),
    ]
}

/// Drops video until the first keyframe, so a late-joining output starts with a picture.
fn start_on_keyframe(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::BUFFER, |_, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else { return gst::PadProbeReturn::Ok };
        if buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) {
            gst::PadProbeReturn::Drop
        } else {
            gst::PadProbeReturn::Remove
        }
    });
}

pub(crate) fn make(factory: &str, name: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make(factory).name(name).build().map_err(|e| EngineError::element(factory, e))
}

pub(crate) fn capsfilter(name: &str, caps: &gst::Caps) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make("capsfilter")
        .name(name)
        .property("caps", caps)
        .build()
        .map_err(|e| EngineError::element("capsfilter", e))
}

pub(crate) fn tee(name: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make("tee")
        .name(name)
        .property("allow-not-linked", true)
        .build()
        .map_err(|e| EngineError::element("tee", e))
}

/// The H.264 encoder as the platforms want it: x264, the profile, and a parser that repeats
/// the headers on every keyframe. The safe slate's encoder is built here too, so both give
/// the same stream headers (`{prefix}-encoder`, `{prefix}-profile`, `{prefix}-parse`).
pub(crate) fn video_encoder(
    prefix: &str,
    encoder: &EncoderSettings,
    fps: u32,
) -> Result<[gst::Element; 3], EngineError> {
    let x264 = gst::ElementFactory::make("x264enc")
        .name(format!("{prefix}-encoder"))
        .property("bitrate", encoder.video_kbps)
        .property_from_str("speed-preset", &encoder.x264_preset)
        .property_from_str("tune", "zerolatency")
        .property("key-int-max", encoder.keyframe_distance(fps))
        .property("option-string", "scenecut=0:nal-hrd=cbr:force-cfr=1")
        .build()
        .map_err(|e| EngineError::element("x264enc", e))?;
    let profile = capsfilter(
        &format!("{prefix}-profile"),
        &gst::Caps::builder("video/x-h264").field("profile", encoder.profile).build(),
    )?;
    let parse = gst::ElementFactory::make("h264parse")
        .name(format!("{prefix}-parse"))
        .property("config-interval", -1i32)
        .build()
        .map_err(|e| EngineError::element("h264parse", e))?;
    Ok([x264, profile, parse])
}

/// The program's audio format before the encoder: 48 kHz stereo.
pub(crate) fn audio_caps() -> gst::Caps {
    gst::Caps::builder("audio/x-raw").field("rate", 48_000i32).field("channels", 2i32).build()
}

/// FFmpeg's AAC encoder, or the VisualOn one where libav is missing.
pub(crate) fn aac_encoder(name: &str, kbps: u32) -> Result<gst::Element, EngineError> {
    let bitrate = (kbps * 1000) as i32;
    gst::ElementFactory::make("avenc_aac")
        .name(name)
        .property("bitrate", bitrate)
        .build()
        .or_else(|_| gst::ElementFactory::make("voaacenc").name(name).property("bitrate", bitrate).build())
        .map_err(|e| EngineError::element("avenc_aac or voaacenc", e))
}
