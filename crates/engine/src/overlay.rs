//! The drawn layers above the topmost video layer (text, images, colours, product cards,
//! countdowns), drawn once per change and handed to `kaibooverlay`, which converts them once
//! and blends only what they cover. Countdowns are redrawn alone, on the watch thread, when
//! their second changes. Drawn layers under a video layer are drawn here too (the same
//! cache) and go to the compositor as stills (see `source/mod.rs`).

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
        Overlay { element, cache: HashMap::new(), on_air: Vec::new(), clocks: CountdownClocks::default() }
    }

    /// Draws `layers` (drawn layers of `scene`, bottom first) and puts them on air from the
    /// next frame. Countdowns newly visible start counting at `now`.
    pub(crate) fn show_scene(
        &mut self,
        show: &Show,
        scene: &Scene,
        layers: &[&Layer],
        now: Instant,
        wall: SystemTime,
    ) -> Result<(), EngineError> {
        self.clocks.enter(scene, now);
        let mut on_air: Vec<Slot> = Vec::new();
        let mut used = HashMap::new();
        for layer in layers {
            if let Layer::Countdown(countdown) = layer {
                if let Some(raster) = self.clocks.raster(show, countdown, now, wall)? {
                    on_air.push(Slot { countdown: Some(countdown.id.clone()), raster });
                }
                continue;
            }
            if let Some(raster) = self.cached(show, layer, &mut used)? {
                on_air.push(Slot { countdown: None, raster });
            }
        }
        self.keep(used);
        self.on_air = on_air;
        self.publish();
        Ok(())
    }

    /// The pictures of `layers` (a run under a video layer), from the cache when drawn before.
    pub(crate) fn rasters(&mut self, show: &Show, layers: &[&Layer]) -> Result<Vec<Raster>, EngineError> {
        let mut used = HashMap::new();
        let mut rasters = Vec::new();
        for layer in layers {
            rasters.extend(self.cached(show, layer, &mut used)?);
        }
        self.cache.extend(used);
        Ok(rasters)
    }

    fn cached(
        &mut self,
        show: &Show,
        layer: &Layer,
        used: &mut HashMap<String, Raster>,
    ) -> Result<Option<Raster>, EngineError> {
        let key = content_key(show, layer);
        if let Some(raster) = used.get(&key) {
            return Ok(Some(raster.clone()));
        }
        let raster = match self.cache.remove(&key) {
            Some(raster) => Some(raster),
            None => draw(show, layer)?,
        };
        if let Some(raster) = &raster {
            used.insert(key, raster.clone());
        }
        Ok(raster)
    }

    /// Keeps what this scene used plus a bounded number of others for quick switching back.
    fn keep(&mut self, used: HashMap<String, Raster>) {
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        self.cache.extend(used);
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
