//! The static layers above the camera (text, images, product cards, countdowns), drawn once
//! per change and handed to `kaibooverlay`, which converts them once and blends only what
//! they cover. Countdowns are redrawn alone, on the watch thread, when their second changes.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use render::Raster;
use show::{Layer, Scene, Show};

use crate::countdown_clock::CountdownClocks;
use crate::elements::overlay::Overlay as OverlayElement;
use crate::EngineError;

/// One raster the element shows, and the countdown layer it draws, if it is one.
struct Slot {
    countdown: Option<String>,
    raster: Raster,
}

/// The layers of the scene on air, and the element that puts them on the video.
pub(crate) struct Overlay {
    element: OverlayElement,
    /// The slate standing in for a lost camera, under the scene's layers while `slate_on`.
    slate: Option<Raster>,
    pub slate_on: bool,
    /// Drawn layers by content, so switching back to a scene costs nothing (not countdowns,
    /// whose pixels change with time).
    cache: HashMap<String, Raster>,
    /// What the element shows now, bottom first.
    on_air: Vec<Slot>,
    /// The countdowns of the scene on air.
    clocks: CountdownClocks,
}

impl Overlay {
    pub(crate) fn new(element: OverlayElement) -> Overlay {
        Overlay {
            element,
            slate: None,
            slate_on: false,
            cache: HashMap::new(),
            on_air: Vec::new(),
            clocks: CountdownClocks::default(),
        }
    }

    /// Draws the visible layers of `scene` (those that are not the camera or a look) and
    /// puts them on air from the next frame. Countdowns newly visible start counting at `now`.
    pub(crate) fn show_scene(
        &mut self,
        show: &Show,
        scene: &Scene,
        now: Instant,
        wall: SystemTime,
    ) -> Result<(), EngineError> {
        self.clocks.enter(scene, now);
        let mut on_air: Vec<Slot> = self
            .slate
            .iter()
            .filter(|_| self.slate_on)
            .map(|raster| Slot { countdown: None, raster: raster.clone() })
            .collect();
        let mut used = HashMap::new();
        for layer in layers_above_camera(scene) {
            if let Layer::Countdown(countdown) = layer {
                if let Some(raster) = self.clocks.raster(show, countdown, now, wall)? {
                    on_air.push(Slot { countdown: Some(countdown.id.clone()), raster });
                }
                continue;
            }
            let key = content_key(show, layer);
            let raster = match self.cache.remove(&key) {
                Some(raster) => Some(raster),
                None => draw(show, layer)?,
            };
            if let Some(raster) = raster {
                on_air.push(Slot { countdown: None, raster: raster.clone() });
                used.insert(key, raster);
            }
        }
        // Keep what this scene used plus a bounded number of others for quick switching back.
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        self.cache.extend(used);
        self.on_air = on_air;
        self.publish();
        Ok(())
    }

    /// Redraws the countdowns on air whose second changed since they were drawn, and only
    /// them; the element gets the new set of rasters. Called ten times a second from the
    /// watch thread, never from a streaming thread.
    pub(crate) fn tick(&mut self, show: &Show, now: Instant, wall: SystemTime) -> Result<(), EngineError> {
        let mut changed = false;
        let mut failure = None;
        for slot in &mut self.on_air {
            let Some(id) = &slot.countdown else { continue };
            match self.clocks.tick(show, id, now, wall) {
                Ok(Some(raster)) => {
                    slot.raster = raster;
                    changed = true;
                }
                Ok(None) => {}
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        if changed {
            self.publish();
        }
        failure.map_or(Ok(()), Err)
    }

    /// Countdown rasters drawn so far.
    #[cfg(test)]
    pub(crate) fn countdown_renders(&self) -> u64 {
        self.clocks.renders()
    }

    fn publish(&self) {
        self.element.set_layers(self.on_air.iter().map(|slot| slot.raster.clone()).collect());
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
    scene.layers.iter().filter(|layer| {
        layer.visible()
            && matches!(layer, Layer::Image(_) | Layer::Text(_) | Layer::ProductCard(_) | Layer::Countdown(_))
    })
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
