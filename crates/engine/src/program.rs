//! The program pipeline, built from a show. It runs from the moment the show is open; the
//! encode group and the outputs come and go behind its raw tees (see `encode.rs`).
//!
//! ```text
//! camera ─▶ [convert, scale, rate] ─▶ I420 canvas ─▶ kaibolook ─▶ compositor ─▶ kaibooverlay
//!   (test pattern when there is none)       (the scene's look)  (camera rect)   (text, images, cards)
//!      ─▶ raw video tee ─┬─▶ preview (when asked)
//!                        └─▶ encode group ─▶ output bins (destinations, recording)   (Go Live, Record)
//! sound ─▶ convert, resample ─▶ 48 kHz stereo ─▶ raw audio tee ─▶ encode group
//! ```
//!
//! The raw audio tee is where a mixer goes; the raw video tee is where each canvas's
//! encode groups hang. Live changes (scene, layers, card product, look) only touch the
//! compositor pad, the look element's properties and the overlay: the encoder and the
//! connections carry on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gst::prelude::*;
use show::{Layer, LightingLook, Scene, Show};

use crate::air::AirMode;
use crate::camera::{CameraChange, CameraFault, CameraInput};
use crate::encode::{EncodeCounters, EncodeGroup};
use crate::events::EngineEvent;
use crate::ingest::EncoderSettings;
use crate::outputs::{Output, OutputKind};
use crate::overlay::Overlay;
use crate::retire::{EosWaiters, Retirements};
use crate::sources::{self, CameraChoice};
use crate::EngineError;

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
    camera: CameraInput,
    camera_pad: gst::Pad,
    look: gst::Element,
    overlay: Overlay,
    raw_caps: gst::Caps,
    raw_video_tee: gst::Element,
    raw_audio_tee: gst::Element,
    /// Whether the kill switch is on (destinations added now start on the slate).
    killed: bool,
    /// JPEG frames of the raw program, when a preview was asked for (see `preview.rs`).
    pub preview: Option<std::sync::mpsc::Receiver<crate::preview::PreviewFrame>>,
}

impl Program {
    /// Builds the program for `show` in the NULL state: sources, look, compositor, overlay,
    /// the raw tees and (with `preview`) the preview. Nothing encodes until
    /// [`Program::attach_encode`].
    pub(crate) fn build(show: Show, preview: bool) -> Result<Program, EngineError> {
        let mut notes = Vec::new();
        let pipeline = gst::Pipeline::with_name("program");
        let canvas = show.canvas;

        // Video: camera, look, compositor, overlay, raw tee.
        let choice = sources::choose_camera(&camera_device(&show));
        if let CameraChoice::TestPattern { reason: Some(reason) } = &choice {
            notes.push(reason.clone());
        }
        let raw_caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .width(canvas.width as i32)
            .height(canvas.height as i32)
            .framerate(gst::Fraction::new(canvas.fps as i32, 1))
            .build();
        let look = make("kaibolook", "look")?;
        let compositor = gst::ElementFactory::make("compositor")
            .name("compositor")
            .property_from_str("background", "black")
            .build()
            .map_err(|e| EngineError::element("compositor", e))?;
        let overlay_element = make("kaibooverlay", "overlay")?;
        let overlay_layers = overlay_element
            .clone()
            .downcast::<crate::elements::overlay::Overlay>()
            .map_err(|_| EngineError::build("overlay", "kaibooverlay is not the Kaibo overlay element"))?;
        let raw_video_tee = tee("raw-tee")?;

        pipeline
            .add_many([&look, &compositor, &overlay_element, &raw_video_tee])
            .map_err(|e| EngineError::build("video elements", e))?;
        let camera = CameraInput::new(&pipeline, choice, raw_caps.clone(), &look)?;
        let camera_pad =
            compositor.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("compositor sink"))?;
        look.static_pad("src")
            .ok_or_else(|| EngineError::missing_pad("look src"))?
            .link(&camera_pad)
            .map_err(|e| EngineError::build("look to compositor", e))?;
        compositor
            .link_filtered(&overlay_element, &raw_caps)
            .map_err(|e| EngineError::build("compositor to overlay", e))?;
        overlay_element.link(&raw_video_tee).map_err(|e| EngineError::build("overlay to raw tee", e))?;
        let preview = if preview { Some(crate::preview::attach(&pipeline, &raw_video_tee)?) } else { None };

        // Audio: source, 48 kHz stereo, raw tee (a mixer goes here).
        let (audio_source, audio_note) = sources::audio_element(show.audio.source)?;
        notes.extend(audio_note);
        let raw_audio_tee = tee("raw-audio-tee")?;
        let audio_chain = [
            audio_source,
            make("audioconvert", "audio-convert")?,
            make("audioresample", "audio-resample")?,
            capsfilter("audio-caps", &audio_caps())?,
            raw_audio_tee.clone(),
        ];
        pipeline.add_many(&audio_chain).map_err(|e| EngineError::build("audio elements", e))?;
        gst::Element::link_many(&audio_chain).map_err(|e| EngineError::build("audio chain", e))?;

        let program_frames = Arc::new(AtomicU64::new(0));
        let last_program_pts = Arc::new(AtomicU64::new(0));
        if let Some(pad) = raw_video_tee.static_pad("sink") {
            let (frames, last_pts) = (Arc::clone(&program_frames), Arc::clone(&last_program_pts));
            pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
                frames.fetch_add(1, Ordering::Relaxed);
                if let Some(running) = crate::encode::running_time(pad, info) {
                    last_pts.store(running.nseconds(), Ordering::Relaxed);
                }
                gst::PadProbeReturn::Ok
            });
        }

        let overlay = Overlay::new(overlay_layers);
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
            camera,
            camera_pad,
            look,
            overlay,
            raw_caps,
            raw_video_tee,
            raw_audio_tee,
            killed: false,
            preview,
        };
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
        handles.extend(self.camera.retirements.take());
        handles
    }

    /// Whether the camera is delivering (the slate stands in while it is not).
    pub(crate) fn camera_ok(&self) -> bool {
        self.camera.ok
    }

    /// Whether an element belongs to the camera (`Some(false)`: an old, replaced camera bin).
    pub(crate) fn camera_owns(&self, source: Option<&gst::Object>) -> Option<bool> {
        self.camera.owns(source)
    }

    /// The camera's source failed: the slate goes on air and the camera is rebuilt.
    pub(crate) fn camera_failed(&mut self, reason: &str, events: &mut Vec<EngineEvent>) {
        let change = self.camera.failed(reason);
        self.apply_camera_change(change, events);
    }

    /// Watches the camera ten times a second.
    pub(crate) fn watch_camera(&mut self, now: std::time::Instant, events: &mut Vec<EngineEvent>) {
        let change = self.camera.watch(now);
        self.apply_camera_change(change, events);
    }

    /// Redraws the countdowns on air whose displayed second changed (ten times a second,
    /// from the watch thread).
    pub(crate) fn tick(&mut self, now: std::time::Instant) -> Result<(), EngineError> {
        self.overlay.tick(&self.show, now, std::time::SystemTime::now())
    }

    /// Countdown rasters drawn so far.
    #[cfg(test)]
    pub(crate) fn countdown_renders(&self) -> u64 {
        self.overlay.countdown_renders()
    }

    /// Rehearses a camera failure.
    pub(crate) fn inject_camera_fault(&self, fault: CameraFault) {
        self.camera.inject(fault);
    }

    /// Points the camera layers called `layer` (in every scene) at another device; when that
    /// changes the camera the program has open, the new one is opened in its place.
    pub(crate) fn set_camera_device(&mut self, layer: &str, device: &str) -> Result<(), EngineError> {
        let before = camera_device(&self.show);
        let mut found = false;
        for l in self.show.scenes.iter_mut().flat_map(|s| s.layers.iter_mut()) {
            if let Layer::Camera(camera) = l {
                if camera.id == layer {
                    camera.device = device.to_owned();
                    found = true;
                }
            }
        }
        if !found {
            return Err(EngineError::Unknown(format!("there is no camera layer \"{layer}\" in this show")));
        }
        let after = camera_device(&self.show);
        if after != before {
            self.camera.reopen(sources::choose_camera(&after))?;
        }
        Ok(())
    }

    fn apply_camera_change(&mut self, change: Option<CameraChange>, events: &mut Vec<EngineEvent>) {
        let Some(change) = change else { return };
        let ok = change == CameraChange::Back;
        if !ok {
            self.overlay.set_slate(&self.show);
        }
        self.overlay.slate_on = !ok;
        if let Err(error) = self.apply_scene() {
            events.push(EngineEvent::Notice { message: error.to_string() });
        }
        let reason = match change {
            CameraChange::Lost(reason) => Some(reason),
            CameraChange::Back => None,
        };
        events.push(EngineEvent::Camera { ok, reason });
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

    pub(crate) fn scene_id(&self) -> &str {
        &self.show.scenes[self.scene].id
    }

    /// Puts another scene on air; its own look replaces any look picked live.
    pub(crate) fn switch_scene(&mut self, id: &str) -> Result<(), EngineError> {
        let index = self
            .show
            .scenes
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| EngineError::Unknown(format!("there is no scene \"{id}\"")))?;
        self.scene = index;
        self.look_override = None;
        self.apply_scene()
    }

    /// Shows or hides a layer of the scene on air.
    pub(crate) fn set_layer_visible(&mut self, layer: &str, visible: bool) -> Result<(), EngineError> {
        self.current_layer_mut(layer)?.set_visible(visible);
        self.apply_scene()
    }

    /// Moves or resizes a layer of the scene on air (`[x, y, w, h]` in 0..1 of the canvas).
    pub(crate) fn set_layer_rect(&mut self, layer: &str, rect: show::Rect) -> Result<(), EngineError> {
        self.edit_layers(show::LayerEdit::SetRect { layer: layer.to_owned(), rect })
    }

    /// Puts a layer of the scene on air at another place in its stack (0 is the bottom).
    pub(crate) fn move_layer(&mut self, layer: &str, to: usize) -> Result<(), EngineError> {
        self.edit_layers(show::LayerEdit::Move { layer: layer.to_owned(), to })
    }

    /// Takes a layer out of the scene on air.
    pub(crate) fn remove_layer(&mut self, layer: &str) -> Result<(), EngineError> {
        self.edit_layers(show::LayerEdit::Remove { layer: layer.to_owned() })
    }

    /// Adds a layer on top of the scene on air, checked like a layer of the show file.
    pub(crate) fn add_layer(&mut self, layer: Layer) -> Result<(), EngineError> {
        self.edit_layers(show::LayerEdit::Add(layer))
    }

    fn edit_layers(&mut self, edit: show::LayerEdit) -> Result<(), EngineError> {
        let scene = self.show.scenes[self.scene].id.clone();
        self.show.edit_layers(&scene, edit).map_err(|e| EngineError::Unknown(e.to_string()))?;
        self.apply_scene()
    }

    /// Puts another product on a product card of the scene on air.
    pub(crate) fn set_card_product(&mut self, layer: &str, product: &str) -> Result<(), EngineError> {
        if self.show.product(product).is_none() {
            return Err(EngineError::Unknown(format!("there is no product \"{product}\"")));
        }
        match self.current_layer_mut(layer)? {
            Layer::ProductCard(card) => card.product = product.to_owned(),
            _ => return Err(EngineError::Unknown(format!("layer \"{layer}\" is not a product card"))),
        }
        self.apply_scene()
    }

    /// Replaces a product of the catalogue (price, sold out, image...); cards showing it are
    /// redrawn at once.
    pub(crate) fn update_product(&mut self, product: show::Product) -> Result<(), EngineError> {
        let slot = self
            .show
            .products
            .iter_mut()
            .find(|p| p.id == product.id)
            .ok_or_else(|| EngineError::Unknown(format!("there is no product \"{}\"", product.id)))?;
        *slot = product;
        self.apply_scene()
    }

    /// Applies a look to the camera until the next scene switch.
    pub(crate) fn set_look(&mut self, look: &str) -> Result<(), EngineError> {
        let found = self.show.look(look).ok_or_else(|| EngineError::Unknown(format!("there is no look \"{look}\"")))?;
        self.look_override = Some(look.to_owned());
        apply_look(&self.look, &self.show, &found);
        Ok(())
    }

    fn current_layer_mut(&mut self, id: &str) -> Result<&mut Layer, EngineError> {
        let scene = &mut self.show.scenes[self.scene];
        let scene_id = scene.id.clone();
        scene
            .layers
            .iter_mut()
            .find(|l| l.id() == id)
            .ok_or_else(|| EngineError::Unknown(format!("scene \"{scene_id}\" has no layer \"{id}\"")))
    }

    fn apply_scene(&mut self) -> Result<(), EngineError> {
        let scene: &Scene = &self.show.scenes[self.scene];
        let canvas = self.show.canvas;
        let camera = scene.layers.iter().find_map(|l| match l {
            Layer::Camera(c) if c.visible && self.camera.ok => Some(c.rect),
            _ => None,
        });
        match camera {
            Some([x, y, w, h]) => {
                let px = |v: f64, size: u32| (v * f64::from(size)).round() as i32;
                self.camera_pad.set_property("xpos", px(x, canvas.width));
                self.camera_pad.set_property("ypos", px(y, canvas.height));
                self.camera_pad.set_property("width", px(w, canvas.width));
                self.camera_pad.set_property("height", px(h, canvas.height));
                self.camera_pad.set_property("alpha", 1.0f64);
            }
            None => self.camera_pad.set_property("alpha", 0.0f64),
        }
        let look = self
            .look_override
            .as_deref()
            .or_else(|| {
                scene.layers.iter().find_map(|l| match l {
                    Layer::Look(look) if look.visible => Some(look.look.as_str()),
                    _ => None,
                })
            })
            .and_then(|id| self.show.look(id))
            .unwrap_or_else(|| LightingLook::neutral("natural"));
        apply_look(&self.look, &self.show, &look);
        self.overlay.show_scene(&self.show, scene, std::time::Instant::now(), std::time::SystemTime::now())
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

fn apply_look(element: &gst::Element, show: &Show, look: &LightingLook) {
    element.set_property("brightness", look.brightness);
    element.set_property("contrast", look.contrast);
    element.set_property("saturation", look.saturation);
    element.set_property("warmth", look.warmth);
    let vignette =
        look.vignette.unwrap_or(show::Vignette { strength: 0.0, radius: 0.75, softness: 0.5, center: [0.5, 0.5] });
    element.set_property("vignette-strength", vignette.strength);
    element.set_property("vignette-radius", vignette.radius);
    element.set_property("vignette-softness", vignette.softness);
    element.set_property("vignette-x", vignette.center[0]);
    element.set_property("vignette-y", vignette.center[1]);
    let lut = look.lut.as_deref().map(|p| show.resolve(p).to_string_lossy().into_owned()).unwrap_or_default();
    element.set_property("lut-location", lut);
    element.set_property("lut-strength", look.lut_strength);
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

/// The device the program's camera opens: the first camera layer's, or the test pattern.
fn camera_device(show: &Show) -> String {
    show.scenes
        .iter()
        .flat_map(|s| s.layers.iter())
        .find_map(|l| match l {
            Layer::Camera(c) => Some(c.device.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "test".to_owned())
}
