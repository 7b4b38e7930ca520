//! The operator's edits of the show: scenes, looks, layers, product cards, products and
//! destinations. Each is checked, put on air when live, then kept.

use show::{Destination, Layer, LayerEdit, SecretRef};

use super::{blocking, destination_secret, Inner};
use crate::destinations::{ingest_target, split_key};
use crate::protocol::{CommandReply, ErrorKind, HealthView, OutputPhase, StudioError, TransitionSpec};
use crate::said;

impl Inner {
    pub(super) async fn switch_scene(
        &mut self,
        scene: String,
        transition: Option<TransitionSpec>,
    ) -> Result<CommandReply, StudioError> {
        if self.show.scene(&scene).is_none() {
            return Err(StudioError::not_found("scene", &scene));
        }
        let transition = checked_transition(transition.map_or(self.show.transition, Into::into))?;
        let id = scene.clone();
        self.on_engine_if_live(move |e| e.switch_scene_with(&id, transition)).await?;
        self.scene = scene;
        self.look_override = None;
        Ok(CommandReply::done())
    }

    /// Studio mode on, with `scene` in its preview.
    pub(super) async fn set_preview_scene(&mut self, scene: String) -> Result<CommandReply, StudioError> {
        if self.show.scene(&scene).is_none() {
            return Err(StudioError::not_found("scene", &scene));
        }
        let id = scene.clone();
        self.on_engine_if_live(move |e| e.set_preview_scene(&id)).await?;
        self.preview_scene = Some(scene);
        Ok(CommandReply::done())
    }

    /// Studio mode's take: the preview scene on air, the scene that was on air in the preview.
    pub(super) async fn take(&mut self, transition: Option<TransitionSpec>) -> Result<CommandReply, StudioError> {
        let Some(preview) = self.preview_scene.clone() else {
            return Err(StudioError::wrong_phase("studio mode is off: pick a preview scene first"));
        };
        let transition = checked_transition(transition.map_or(self.show.transition, Into::into))?;
        self.on_engine_if_live(move |e| e.take(Some(transition))).await?;
        self.preview_scene = Some(std::mem::replace(&mut self.scene, preview));
        self.look_override = None;
        Ok(CommandReply::done())
    }

    pub(super) async fn set_studio_mode(&mut self, enabled: bool) -> Result<CommandReply, StudioError> {
        match (enabled, self.preview_scene.is_some()) {
            (true, false) => self.set_preview_scene(self.scene.clone()).await,
            (false, true) => {
                self.on_engine_if_live(|e| {
                    e.leave_studio_mode();
                    Ok(())
                })
                .await?;
                self.preview_scene = None;
                Ok(CommandReply::done())
            }
            _ => Ok(CommandReply::done()),
        }
    }

    pub(super) async fn set_look(&mut self, look: String) -> Result<CommandReply, StudioError> {
        if self.show.look(&look).is_none() {
            return Err(StudioError::not_found("look", &look));
        }
        let id = look.clone();
        self.on_engine_if_live(move |e| e.set_look(&id)).await?;
        self.look_override = Some(look);
        Ok(CommandReply::done())
    }

    pub(super) fn scene_layer_mut(&mut self, layer: &str) -> Result<&mut Layer, StudioError> {
        let scene_id = self.scene.clone();
        let scene = self
            .show
            .scenes
            .iter_mut()
            .find(|s| s.id == scene_id)
            .ok_or_else(|| StudioError::not_found("scene", &scene_id))?;
        scene.layers.iter_mut().find(|l| l.id() == layer).ok_or_else(|| {
            StudioError::said(
                ErrorKind::NotFound,
                said::NOT_FOUND_SCENE_LAYER.say(&[("scene", &scene_id), ("id", &layer)]),
            )
        })
    }

    pub(super) async fn set_layer_visible(
        &mut self,
        layer: String,
        visible: bool,
    ) -> Result<CommandReply, StudioError> {
        self.scene_layer_mut(&layer)?;
        let id = layer.clone();
        self.on_engine_if_live(move |e| e.set_layer_visible(&id, visible)).await?;
        self.scene_layer_mut(&layer)?.set_visible(visible);
        Ok(CommandReply::done())
    }

    /// Edits the layers of the scene on air: checked on a copy of the show first (the same
    /// rules as `kaibo check`), then applied on air when live, then kept.
    pub(super) async fn edit_layers(&mut self, edit: LayerEdit) -> Result<CommandReply, StudioError> {
        let mut edited = self.show.clone();
        edited.edit_layers(&self.scene, edit.clone()).map_err(|e| StudioError::bad_request(e.to_string()))?;
        self.on_engine_if_live(move |e| match edit {
            LayerEdit::SetRect { layer, rect } => e.set_layer_rect(&layer, rect),
            LayerEdit::Move { layer, to } => e.move_layer(&layer, to),
            LayerEdit::Remove { layer } => e.remove_layer(&layer),
            LayerEdit::Add(layer) => e.add_layer(layer),
        })
        .await?;
        self.show = edited;
        Ok(CommandReply::done())
    }

    pub(super) async fn set_card_product(
        &mut self,
        layer: String,
        product: String,
    ) -> Result<CommandReply, StudioError> {
        if self.show.product(&product).is_none() {
            return Err(StudioError::not_found("product", &product));
        }
        if !matches!(self.scene_layer_mut(&layer)?, Layer::ProductCard(_)) {
            return Err(StudioError::said(ErrorKind::BadRequest, said::NOT_A_CARD.say(&[("layer", &layer)])));
        }
        let (id, pid) = (layer.clone(), product.clone());
        self.on_engine_if_live(move |e| e.set_card_product(&id, &pid)).await?;
        if let Layer::ProductCard(card) = self.scene_layer_mut(&layer)? {
            card.product = product;
        }
        Ok(CommandReply::done())
    }

    pub(super) async fn set_product_sold_out(
        &mut self,
        product: &str,
        sold_out: bool,
    ) -> Result<CommandReply, StudioError> {
        let mut updated =
            self.show.product(product).cloned().ok_or_else(|| StudioError::not_found("product", product))?;
        updated.sold_out = sold_out;
        let on_air = updated.clone();
        // The card on air is redrawn at once; the catalogue changes only if that worked.
        self.on_engine_if_live(move |e| e.update_product(on_air)).await?;
        if let Some(entry) = self.show.products.iter_mut().find(|p| p.id == product) {
            *entry = updated;
        }
        Ok(CommandReply::done())
    }

    pub(super) async fn add_destination(
        &mut self,
        id: String,
        platform: show::Platform,
        url: String,
        key: Option<String>,
    ) -> Result<CommandReply, StudioError> {
        let id = id.trim().to_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(StudioError::said(ErrorKind::BadRequest, said::DESTINATION_NAME.say(&[])));
        }
        if self.show.destinations.iter().any(|d| d.id == id) {
            return Err(StudioError::said(ErrorKind::BadRequest, said::DESTINATION_TAKEN.say(&[("id", &id)])));
        }
        let mut url = url.trim().to_owned();
        let mut key = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty());
        // A key typed inside the URL goes into the keyring like one given apart.
        if key.is_none() {
            if let Some((base, inline)) = split_key(&url) {
                url = base;
                key = Some(inline);
            }
        }
        let secret = key.as_ref().map(|_| destination_secret(&id));
        let destination = Destination {
            id: id.clone(),
            platform,
            url,
            key: secret.clone().map(|secret| SecretRef { secret }),
            enabled: true,
            delay_seconds: 0,
        };
        let mut candidate = self.show.clone();
        candidate.destinations.push(destination.clone());
        if let Err(error) = candidate.validate() {
            // Validation names fields by index; the operator knows this one by its form.
            let index = format!("destinations[{}]", candidate.destinations.len() - 1);
            let message = error.to_string().replace(&index, "the new destination");
            return Err(StudioError::bad_request(message));
        }
        if let (Some(secret), Some(key)) = (secret, key) {
            let vault = self.vault.clone();
            blocking(move || vault.set(&secret, &key))
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Vault, format!("the stream key could not be stored: {e}")))?;
        }
        if self.live.is_some() {
            let vault = self.vault.clone();
            let target = blocking(move || ingest_target(&destination, &vault))
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Vault, e.to_string()))?;
            self.on_engine(move |e| e.add_destination(target)).await?;
            self.outputs.insert(id.clone(), (OutputPhase::Connecting, HealthView::Unknown));
        }
        self.show = candidate;
        Ok(CommandReply::done())
    }

    pub(super) async fn remove_destination(&mut self, id: &str) -> Result<CommandReply, StudioError> {
        let Some(index) = self.show.destinations.iter().position(|d| d.id == id) else {
            return Err(StudioError::not_found("destination", id));
        };
        let sending = self.outputs.get(id).is_some_and(|(state, _)| {
            !matches!(state, OutputPhase::Idle | OutputPhase::Stopped | OutputPhase::Failed { .. })
        });
        if sending {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::DESTINATION_SENDING.say(&[("id", &id)])));
        }
        let removed = self.show.destinations.remove(index);
        self.outputs.remove(id);
        // Keys the studio filed itself go with their destination.
        if let Some(secret) = removed.key.map(|k| k.secret).filter(|s| s == &destination_secret(id)) {
            let vault = self.vault.clone();
            let _ = blocking(move || vault.delete(&secret)).await;
        }
        Ok(CommandReply::done())
    }
}

/// A transition a command may ask for: at most [`show::MAX_TRANSITION_MS`] long.
fn checked_transition(transition: show::Transition) -> Result<show::Transition, StudioError> {
    if transition.ms > show::MAX_TRANSITION_MS {
        return Err(StudioError::bad_request(format!(
            "a transition lasts at most {} ms, not {}",
            show::MAX_TRANSITION_MS,
            transition.ms
        )));
    }
    Ok(transition)
}
