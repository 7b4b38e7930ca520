//! The static layers above the camera (text, images, product cards), drawn once per change
//! and blended by `overlaycomposition` only inside each layer's rectangle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use gst::prelude::*;
use gst_video::{VideoOverlayComposition, VideoOverlayFormatFlags, VideoOverlayRectangle};
use show::{Layer, Scene, Show};

use crate::EngineError;

/// The overlay of the scene on air, shared with the streaming thread.
pub(crate) struct Overlay {
    current: Arc<Mutex<Option<VideoOverlayComposition>>>,
    /// The slate standing in for a lost camera, under the scene's layers while `slate_on`.
    slate: Option<VideoOverlayRectangle>,
    pub slate_on: bool,
    /// Drawn layers by content, so switching back to a scene costs nothing.
    cache: HashMap<String, VideoOverlayRectangle>,
}

impl Overlay {
    pub(crate) fn new() -> Overlay {
        Overlay { current: Arc::new(Mutex::new(None)), slate: None, slate_on: false, cache: HashMap::new() }
    }

    /// Hands the current composition to `overlaycomposition` for every frame.
    pub(crate) fn attach(&self, element: &gst::Element) {
        let current = Arc::clone(&self.current);
        element.connect("draw", false, move |_| {
            let composition = current.lock().unwrap_or_else(PoisonError::into_inner).clone();
            Some(composition.to_value())
        });
    }

    /// Draws the visible layers of `scene` (those that are not the camera or a look) and
    /// puts them on air from the next frame.
    pub(crate) fn show_scene(&mut self, show: &Show, scene: &Scene) -> Result<(), EngineError> {
        let mut rectangles: Vec<VideoOverlayRectangle> =
            self.slate.iter().filter(|_| self.slate_on).cloned().collect();
        let mut used = HashMap::new();
        for layer in layers_above_camera(scene) {
            let key = content_key(show, layer);
            let rectangle = match self.cache.remove(&key) {
                Some(rectangle) => Some(rectangle),
                None => draw(show, layer)?,
            };
            if let Some(rectangle) = rectangle {
                rectangles.push(rectangle.clone());
                used.insert(key, rectangle);
            }
        }
        // Keep what this scene used plus a bounded number of others for quick switching back.
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        self.cache.extend(used);
        let composition = if rectangles.is_empty() {
            None
        } else {
            Some(VideoOverlayComposition::new(rectangles.iter()).map_err(|e| EngineError::build("overlay", e))?)
        };
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = composition;
        Ok(())
    }
}

impl Overlay {
    /// Draws the slate once, the first time the camera is lost.
    pub(crate) fn set_slate(&mut self, show: &Show) {
        if self.slate.is_none() {
            self.slate = render::render_slate(show, "摄像头重连中… Camera reconnecting")
                .ok()
                .and_then(|raster| rectangle(raster).ok());
        }
    }
}

/// The scene's visible, drawable layers in stacking order. Layers listed before the camera
/// are drawn over it too: the camera is always at the back.
fn layers_above_camera(scene: &Scene) -> impl Iterator<Item = &Layer> {
    scene
        .layers
        .iter()
        .filter(|layer| layer.visible() && matches!(layer, Layer::Image(_) | Layer::Text(_) | Layer::ProductCard(_)))
}

/// Everything a layer's pixels depend on.
fn content_key(show: &Show, layer: &Layer) -> String {
    let product = match layer {
        Layer::ProductCard(card) => show.product(&card.product).map(|p| serde_json::to_string(p).unwrap_or_default()),
        _ => None,
    };
    format!(
        "{}|{}|{}x{}",
        serde_json::to_string(layer).unwrap_or_default(),
        product.unwrap_or_default(),
        show.canvas.width,
        show.canvas.height
    )
}

fn draw(show: &Show, layer: &Layer) -> Result<Option<VideoOverlayRectangle>, EngineError> {
    let raster = render::render_layer(show, layer)
        .map_err(|e| EngineError::Render { layer: layer.id().to_owned(), reason: e.to_string() })?;
    match raster {
        Some(raster) if raster.width > 0 && raster.height > 0 => rectangle(raster).map(Some),
        _ => Ok(None),
    }
}

/// An overlay rectangle of a drawn raster, placed where the raster says.
fn rectangle(raster: render::Raster) -> Result<VideoOverlayRectangle, EngineError> {
    let (x, y, width, height, stride) = (raster.x, raster.y, raster.width, raster.height, raster.stride);
    let mut buffer = gst::Buffer::from_mut_slice(raster.data);
    {
        let buffer = buffer.get_mut().ok_or_else(|| EngineError::build("overlay", "buffer not writable"))?;
        gst_video::VideoMeta::add_full(
            buffer,
            gst_video::VideoFrameFlags::empty(),
            overlay_format(),
            width,
            height,
            &[0],
            &[stride as i32],
        )
        .map_err(|e| EngineError::build("overlay", e))?;
    }
    Ok(VideoOverlayRectangle::new_raw(&buffer, x, y, width, height, VideoOverlayFormatFlags::PREMULTIPLIED_ALPHA))
}

/// Cairo's ARGB32 in memory order, which is what overlay rectangles take.
fn overlay_format() -> gst_video::VideoFormat {
    if cfg!(target_endian = "little") {
        gst_video::VideoFormat::Bgra
    } else {
        gst_video::VideoFormat::Argb
    }
}
