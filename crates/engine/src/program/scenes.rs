//! The program's scenes: switching, editing the layers of the scene on air, products on
//! cards, the look, and the sources the scenes show.

use gst::prelude::*;
use show::{Layer, LightingLook, Show};

use super::Program;
use crate::source::{self, Source, Spec};
use crate::sources::{self, CameraChoice};
use crate::EngineError;

impl Program {
    /// Points the camera layers called `layer` (in every scene) at another device. The scene
    /// on air is stacked again: a device not open yet is opened as its own source, and the
    /// layer's pad moves to it.
    pub(crate) fn set_camera_device(&mut self, layer: &str, device: &str) -> Result<(), EngineError> {
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
        self.apply_scene()
    }

    /// The source showing `layer` (`key` from [`source::key_of`]), opened on first use.
    pub(super) fn source_for(&mut self, key: &str, layer: &Layer) -> Result<usize, EngineError> {
        if let Some(index) = self.sources.iter().position(|s| s.key == key) {
            return Ok(index);
        }
        let spec = match layer {
            Layer::Camera(camera) => {
                let choice = sources::choose_camera(&camera.device);
                if let CameraChoice::TestPattern { reason: Some(reason) } = &choice {
                    self.notes.push(reason.clone());
                }
                Spec::Camera(choice)
            }
            Layer::Media(media) => {
                let mut spec = source::spec::media_spec(&self.show, media);
                if let Spec::Media { sound, .. } = &mut spec {
                    *sound = self.audio.media_entry(&media.id);
                }
                spec
            }
            _ => Spec::Screen,
        };
        let placeholder = render::render_slate(&self.show, source::placeholder_text(layer))
            .map_err(|e| EngineError::build("placeholder", e))?;
        let index = self.sources.len();
        let (source, note) = Source::new(&self.pipeline, index, key.to_owned(), spec, &self.raw_caps, &placeholder)?;
        if let Some(look) = &source.look {
            apply_look(look, &self.show, &self.look_now);
        }
        if let Some(note) = note {
            self.notes.push(format!("layer {}: {note}", layer.id()));
        }
        self.sources.push(source);
        Ok(index)
    }

    pub(crate) fn scene_id(&self) -> &str {
        &self.show.scenes[self.scene].id
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

    /// Applies a look to the cameras until the next scene switch.
    pub(crate) fn set_look(&mut self, look: &str) -> Result<(), EngineError> {
        let found = self.show.look(look).ok_or_else(|| EngineError::Unknown(format!("there is no look \"{look}\"")))?;
        self.look_override = Some(look.to_owned());
        self.put_look(found);
        Ok(())
    }

    fn put_look(&mut self, look: LightingLook) {
        for element in self.sources.iter().filter_map(|s| s.look.as_ref()) {
            apply_look(element, &self.show, &look);
        }
        self.look_now = look;
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

    /// Opens every source the visible layers of scene `scene` show that is not open yet.
    pub(super) fn open_sources(&mut self, scene: usize) -> Result<(), EngineError> {
        let layers: Vec<Layer> = self.show.scenes[scene].layers.iter().filter(|l| l.visible()).cloned().collect();
        for layer in &layers {
            if let Some(key) = source::key_of(layer) {
                self.source_for(&key, layer)?;
            }
        }
        Ok(())
    }

    /// Stacks the scene on air on the program's stage (see `stage.rs`), and the scene coming
    /// in on the second stage when there is one; the cameras get the scene's look.
    pub(super) fn apply_scene(&mut self) -> Result<(), EngineError> {
        self.open_sources(self.scene)?;
        self.stage.lay_out(&self.show, self.scene, &mut self.sources)?;
        let coming = self.transition.as_ref().map(|t| t.to).or(self.preview_scene);
        if let Some(scene) = coming.filter(|s| *s < self.show.scenes.len() && self.incoming.is_some()) {
            self.open_sources(scene)?;
            if let Some(incoming) = self.incoming.as_mut() {
                incoming.lay_out(&self.show, scene, &mut self.sources)?;
            }
        }
        let scene = self.transition.as_ref().map_or(self.scene, |t| t.to);
        self.put_scene_look(scene);
        self.hear_media(scene);
        Ok(())
    }

    /// Lets each media layer's sound be heard as its `sound` says: always, or while a layer
    /// showing its source is visible in `scene` (the scene on air, or coming on air).
    fn hear_media(&self, scene: usize) {
        let on_air: Vec<String> =
            self.show.scenes[scene].layers.iter().filter(|l| l.visible()).filter_map(source::key_of).collect();
        for id in self.audio.media_ids() {
            let Some(layer) = self.show.media_layer(id) else { continue };
            let heard = match layer.sound {
                show::MediaSound::Always => true,
                show::MediaSound::Off => false,
                show::MediaSound::WithLayer => {
                    source::key_of(&Layer::Media(layer.clone())).is_some_and(|key| on_air.contains(&key))
                }
            };
            self.audio.set_heard(id, heard);
        }
    }

    /// The look of scene `scene` (or the one picked live) on every camera.
    pub(super) fn put_scene_look(&mut self, scene: usize) {
        let look = self
            .look_override
            .as_deref()
            .or_else(|| {
                self.show.scenes[scene].layers.iter().find_map(|l| match l {
                    Layer::Look(look) if look.visible => Some(look.look.as_str()),
                    _ => None,
                })
            })
            .and_then(|id| self.show.look(id))
            .unwrap_or_else(|| LightingLook::neutral("natural"));
        self.put_look(look);
    }
}

pub(super) fn apply_look(element: &gst::Element, show: &Show, look: &LightingLook) {
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
    // The element loads a LUT when its path is written: only a new path is.
    if element.property::<Option<String>>("lut-location").unwrap_or_default() != lut {
        element.set_property("lut-location", lut);
    }
    element.set_property("lut-strength", look.lut_strength);
}
