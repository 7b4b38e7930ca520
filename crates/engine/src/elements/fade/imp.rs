//! `kaibofade` implementation: per plane and row, `dst = (dst * (256 - w) + src * w + 128) >> 8`
//! with `w` the fade's weight in 1/256ths, on the program's frame in place. No allocation
//! per frame; idle means passthrough without even mapping the buffer.

use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use gst_video::VideoFrameExt;

use super::FadePhase;

static CAT: LazyLock<gst::DebugCategory> =
    LazyLock::new(|| gst::DebugCategory::new("kaibofade", gst::DebugColorFlags::empty(), Some("Kaibo crossfade")));

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct State {
    phase: FadePhase,
    duration: Duration,
    /// The program timestamp of the fade's first blended frame.
    started_at: Option<gst::ClockTime>,
    incoming: Option<gst::Buffer>,
    info: Option<gst_video::VideoInfo>,
}

impl Default for State {
    fn default() -> State {
        State { phase: FadePhase::Idle, duration: Duration::ZERO, started_at: None, incoming: None, info: None }
    }
}

#[derive(Default)]
pub struct Fade {
    state: Mutex<State>,
}

#[glib::object_subclass]
impl ObjectSubclass for Fade {
    const NAME: &'static str = "KaiboFade";
    type Type = super::Fade;
    type ParentType = gst_video::VideoFilter;
}

impl Fade {
    pub(super) fn start(&self, duration: Duration) {
        {
            let mut state = lock(&self.state);
            state.phase = FadePhase::Fading;
            state.duration = duration;
            state.started_at = None;
        }
        self.obj().set_passthrough(false);
    }

    pub(super) fn offer(&self, frame: gst::Buffer) {
        let mut state = lock(&self.state);
        if state.phase != FadePhase::Idle {
            state.incoming = Some(frame);
        }
    }

    pub(super) fn phase(&self) -> FadePhase {
        lock(&self.state).phase
    }

    pub(super) fn release(&self) {
        {
            let mut state = lock(&self.state);
            state.phase = FadePhase::Idle;
            state.incoming = None;
            state.started_at = None;
        }
        self.obj().set_passthrough(true);
    }
}

impl ObjectImpl for Fade {
    fn constructed(&self) {
        self.parent_constructed();
        self.obj().set_passthrough(true);
    }
}

impl GstObjectImpl for Fade {}

impl ElementImpl for Fade {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Kaibo crossfade",
                "Filter/Effect/Video",
                "Crossfades the video towards frames handed in by the application",
                "Kaibo Studio",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static PAD_TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_video::VideoCapsBuilder::new().format(gst_video::VideoFormat::I420).build();
            [("src", gst::PadDirection::Src), ("sink", gst::PadDirection::Sink)]
                .into_iter()
                .map(|(name, direction)| {
                    gst::PadTemplate::new(name, direction, gst::PadPresence::Always, &caps)
                        .expect("static pad template")
                })
                .collect()
        });
        PAD_TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Fade {
    const MODE: gst_base::subclass::BaseTransformMode = gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        let mut state = lock(&self.state);
        state.incoming = None;
        state.info = None;
        Ok(())
    }
}

impl VideoFilterImpl for Fade {
    fn set_info(
        &self,
        _incaps: &gst::Caps,
        in_info: &gst_video::VideoInfo,
        _outcaps: &gst::Caps,
        _out_info: &gst_video::VideoInfo,
    ) -> Result<(), gst::LoggableError> {
        lock(&self.state).info = Some(in_info.clone());
        Ok(())
    }

    fn transform_frame_ip(
        &self,
        frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut state = lock(&self.state);
        let Some(incoming) = state.incoming.clone() else { return Ok(gst::FlowSuccess::Ok) };
        let Some(info) = state.info.clone() else { return Ok(gst::FlowSuccess::Ok) };
        let weight = match state.phase {
            FadePhase::Idle => return Ok(gst::FlowSuccess::Ok),
            FadePhase::Complete => 256,
            FadePhase::Fading => {
                let now = frame.buffer().pts().unwrap_or(gst::ClockTime::ZERO);
                let started = *state.started_at.get_or_insert(now);
                let elapsed = Duration::from_nanos(now.saturating_sub(started).nseconds());
                let weight = weight_at(elapsed, state.duration);
                if weight >= 256 {
                    state.phase = FadePhase::Complete;
                    gst::debug!(CAT, imp = self, "Fade complete");
                }
                weight
            }
        };
        drop(state);
        let Ok(source) = gst_video::VideoFrameRef::from_buffer_ref_readable(incoming.as_ref(), &info) else {
            gst::debug!(CAT, imp = self, "The incoming frame does not fit the caps");
            return Ok(gst::FlowSuccess::Ok);
        };
        if (source.width(), source.height()) != (frame.width(), frame.height()) {
            return Ok(gst::FlowSuccess::Ok);
        }
        for plane in 0..frame.n_planes() {
            blend_plane(frame, &source, plane, weight).map_err(|err| {
                gst::error!(CAT, imp = self, "Cannot blend: {err}");
                gst::FlowError::NotSupported
            })?;
        }
        Ok(gst::FlowSuccess::Ok)
    }
}

/// The incoming picture's weight after `elapsed` of a fade lasting `duration`, in 1/256ths.
pub(super) fn weight_at(elapsed: Duration, duration: Duration) -> u32 {
    if duration.is_zero() || elapsed >= duration {
        return 256;
    }
    ((elapsed.as_secs_f64() / duration.as_secs_f64()) * 256.0).round().clamp(0.0, 256.0) as u32
}

fn blend_plane(
    frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    source: &gst_video::VideoFrameRef<&gst::BufferRef>,
    plane: u32,
    weight: u32,
) -> Result<(), glib::BoolError> {
    let format = frame.format_info();
    let rows = format.scale_height(plane as u8, frame.height()) as usize;
    let width = format.scale_width(plane as u8, frame.width()) as usize;
    let (dst_stride, src_stride) =
        (frame.plane_stride()[plane as usize] as usize, source.plane_stride()[plane as usize] as usize);
    let src = source.plane_data(plane)?;
    let dst = frame.plane_data_mut(plane)?;
    for row in 0..rows {
        let d = &mut dst[row * dst_stride..row * dst_stride + width];
        let s = &src[row * src_stride..row * src_stride + width];
        blend_row(d, s, weight);
    }
    Ok(())
}

/// `dst = (dst * (256 - w) + src * w + 128) >> 8`; a weight of 256 copies.
pub(super) fn blend_row(dst: &mut [u8], src: &[u8], weight: u32) {
    if weight >= 256 {
        dst.copy_from_slice(src);
        return;
    }
    let keep = 256 - weight;
    for (d, s) in dst.iter_mut().zip(src) {
        *d = ((u32::from(*d) * keep + u32::from(*s) * weight + 128) >> 8) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_rises_over_the_fade_and_ends_whole() {
        let second = Duration::from_secs(1);
        assert_eq!(weight_at(Duration::ZERO, second), 0);
        assert_eq!(weight_at(Duration::from_millis(500), second), 128);
        assert_eq!(weight_at(second, second), 256);
        assert_eq!(weight_at(Duration::from_millis(10), Duration::ZERO), 256, "a zero fade is a cut");
    }

    #[test]
    fn a_row_blends_by_weight() {
        let mut dst = [200u8, 0, 100];
        blend_row(&mut dst, &[0, 200, 100], 128);
        assert_eq!(dst, [100, 100, 100]);
        let mut dst = [10u8, 20];
        blend_row(&mut dst, &[30, 40], 256);
        assert_eq!(dst, [30, 40]);
        let mut dst = [10u8, 20];
        blend_row(&mut dst, &[30, 40], 0);
        assert_eq!(dst, [10, 20]);
    }
}
