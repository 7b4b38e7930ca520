//! The static layers above the camera (text, images, product cards), drawn once per change
//! and handed to `kaibooverlay`, which converts them once and blends only what they cover.

use std::collections::HashMap;

use render::Raster;
use show::{Layer, Scene, Show};

use crate::elements::overlay::Overlay as OverlayElement;
use crate::EngineError;

/// The layers of the scene on air, and the element that puts them on the video.
pub(crate) struct Overlay {
    element: OverlayElement,
    /// The slate standing in for a lost camera, under the scene's layers while `slate_on`.
    slate: Option<Raster>,
    pub slate_on: bool,
    /// Drawn layers by content, so switching back to a scene costs nothing.
    cache: HashMap<String, Raster>,
}

impl Overlay {
    pub(crate) fn new(element: OverlayElement) -> Overlay {
        Overlay { element, slate: None, slate_on: false, cache: HashMap::new() }
    }

    /// Draws the visible layers of `scene` (those that are not the camera or a look) and
    /// puts them on air from the next frame.
    pub(crate) fn show_scene(&mut self, show: &Show, scene: &Scene) -> Result<(), EngineError> {
        let mut rasters: Vec<Raster> = self.slate.iter().filter(|_| self.slate_on).cloned().collect();
        let mut used = HashMap::new();
        for layer in layers_above_camera(scene) {
            let key = content_key(show, layer);
            let raster = match self.cache.remove(&key) {
                Some(raster) => Some(raster),
                None => draw(show, layer)?,
            };
            if let Some(raster) = raster {
                rasters.push(raster.clone());
                used.insert(key, raster);
            }
        }
        // Keep what this scene used plus a bounded number of others for quick switching back.
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        self.cache.extend(used);
        self.element.set_layers(rasters);
        Ok(())
    }
}

impl Overlay {
    /// Draws the slate once, the first time the camera is lost.
    pub(crate) fn set_slate(&mut self, show: &Show) {
        if self.slate.is_none() {
            self.slate = render::render_slate(show, "摄像头重连中… Camera reconnecting").ok();
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

fn draw(show: &Show, layer: &Layer) -> Result<Option<Raster>, EngineError> {
    let raster = render::render_layer(show, layer)
        .map_err(|e| EngineError::Render { layer: layer.id().to_owned(), reason: e.to_string() })?;
    Ok(raster.filter(|raster| raster.width > 0 && raster.height > 0))
}
