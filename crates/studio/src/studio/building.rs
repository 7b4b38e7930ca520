//! Building the show from the studio: scenes, layers of any scene, products and the CSV
//! catalogue, destination settings, banned words and encoding.
//!
//! Every edit is planned on a copy of the show and checked by the show's own rules (the whole
//! show, see `Show::apply_edit`); files it names must come from the allowed folders. The
//! edited show then goes to the engine whole (`Engine::replace_show`), so the scene on air
//! shows the change at once and a later scene switch finds the edited scenes: the live show
//! has one owner, the studio, and the engine draws from the copy it is handed.

use show::{Layer, LayerEdit, Product, Show, ShowEdit};

use super::paths::AllowedFolders;
use super::Inner;
use crate::pre_air::PreAirCheck;
use crate::protocol::{Command, CommandReply, ErrorKind, LivePhase, StudioError};
use crate::said;

/// The show an edit would leave, and what to tell the operator about it.
pub(super) struct Planned {
    pub show: Show,
    pub note: Option<said::Said>,
}

impl Inner {
    /// Applies one show-building command (see the block in `Command`).
    pub(super) async fn build_show(&mut self, command: Command) -> Result<CommandReply, StudioError> {
        match command {
            Command::AddBannedWord { word } => self.add_banned_word(&word),
            Command::RemoveBannedWord { word } => self.remove_banned_word(&word),
            command => {
                let planned = self.plan(&command)?;
                self.commit(planned.show).await?;
                Ok(planned.note.map_or_else(CommandReply::done, CommandReply::said))
            }
        }
    }

    /// The show as `command` would leave it. Refusals are in the operator's words.
    pub(super) fn plan(&self, command: &Command) -> Result<Planned, StudioError> {
        // Before the show's validation reads them: its messages tell missing, unreadable and
        // wrong files apart, which must not be told about files outside the allowed folders.
        self.check_named_files(command)?;
        let scene_or_on_air = |scene: &Option<String>| scene.clone().unwrap_or_else(|| self.scene.clone());
        let mut note = None;
        let edit = match command {
            Command::AddScene { id, name } => {
                ShowEdit::AddScene { id: id.clone(), name: name.clone().unwrap_or_default() }
            }
            Command::RenameScene { scene, name } => ShowEdit::RenameScene { scene: scene.clone(), name: name.clone() },
            Command::DuplicateScene { scene, id, name } => {
                ShowEdit::DuplicateScene { scene: scene.clone(), id: id.clone(), name: name.clone() }
            }
            Command::RemoveScene { scene } => {
                if *scene == self.scene {
                    return Err(StudioError::said(ErrorKind::WrongPhase, said::SCENE_ON_AIR.say(&[("scene", scene)])));
                }
                ShowEdit::RemoveScene { scene: scene.clone() }
            }
            Command::MoveScene { scene, to_index } => {
                ShowEdit::MoveScene { scene: scene.clone(), to: *to_index as usize }
            }
            Command::AddSceneLayer { scene, layer } => {
                let layer: Layer = serde_json::from_value(layer.clone()).map_err(|e| {
                    StudioError::bad_request(format!("the new layer is not a layer of the show format: {e}"))
                })?;
                ShowEdit::Layers { scene: scene_or_on_air(scene), edit: LayerEdit::Add(layer) }
            }
            Command::UpdateLayer { scene, layer, fields } => ShowEdit::UpdateLayer {
                scene: scene_or_on_air(scene),
                layer: layer.clone(),
                fields: object(fields, "the layer's fields")?,
            },
            Command::SetSceneLayerVisible { scene, layer, visible } => {
                ShowEdit::SetLayerVisible { scene: scene_or_on_air(scene), layer: layer.clone(), visible: *visible }
            }
            Command::SetLayerLocked { scene, layer, locked } => {
                ShowEdit::SetLayerLocked { scene: scene_or_on_air(scene), layer: layer.clone(), locked: *locked }
            }
            Command::MoveSceneLayer { scene, layer, to_index } => ShowEdit::Layers {
                scene: scene_or_on_air(scene),
                edit: LayerEdit::Move { layer: layer.clone(), to: *to_index as usize },
            },
            Command::RemoveSceneLayer { scene, layer } => {
                ShowEdit::Layers { scene: scene_or_on_air(scene), edit: LayerEdit::Remove { layer: layer.clone() } }
            }
            Command::AddProduct { product } => {
                let product: Product = serde_json::from_value(product.clone()).map_err(|e| {
                    StudioError::bad_request(format!("the new product is not a product of the show format: {e}"))
                })?;
                ShowEdit::AddProduct(product)
            }
            Command::UpdateProduct { product, fields } => {
                ShowEdit::UpdateProduct { product: product.clone(), fields: object(fields, "the product's fields")? }
            }
            Command::RemoveProduct { product } => ShowEdit::RemoveProduct { product: product.clone() },
            Command::ImportProducts { csv } => {
                let mut show = self.show.clone();
                let import = show
                    .import_catalogue(csv)
                    .map_err(|e| StudioError::bad_request(format!("nothing was imported:\n{e}")))?;
                self.check_new_files(&show)?;
                let note = said::IMPORTED.say(&[("added", &import.added), ("updated", &import.updated)]);
                return Ok(Planned { show, note: Some(note) });
            }
            Command::SetDestination { id, enabled, delay_seconds } => {
                if self.live.is_some() {
                    note = Some(said::NEXT_GO_LIVE.say(&[]));
                }
                ShowEdit::SetDestination { id: id.clone(), enabled: *enabled, delay_seconds: *delay_seconds }
            }
            Command::SetEncoding { encoding } => {
                let live = !matches!(self.phase, LivePhase::Idle | LivePhase::Failed { .. });
                if live || self.recording.is_some() {
                    return Err(StudioError::said(ErrorKind::WrongPhase, said::ENCODING_LOCKED.say(&[])));
                }
                ShowEdit::SetEncoding { fields: object(encoding, "the encoding")? }
            }
            Command::SetTransition { transition } => ShowEdit::SetTransition((*transition).into()),
            other => {
                return Err(StudioError::bad_request(format!("\"{}\" does not edit the show", other.name())));
            }
        };
        let mut show = self.show.clone();
        show.apply_edit(edit).map_err(|e| StudioError::bad_request(e.to_string()))?;
        self.check_new_files(&show)?;
        Ok(Planned { show, note })
    }

    /// Files `command` names (a layer's `path`, a product's `image`), each checked to come
    /// from an allowed folder.
    fn check_named_files(&self, command: &Command) -> Result<(), StudioError> {
        let allowed = AllowedFolders::new(&self.show, self.config.media_dir.as_deref());
        let base = &self.show.base_dir;
        let field = |value: &serde_json::Value, name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        match command {
            Command::AddSceneLayer { layer, .. } => match serde_json::from_value::<Layer>(layer.clone()) {
                Ok(layer) => allowed.check_layer(base, &layer),
                // Any file field of a kind this build does not know yet.
                Err(_) => field(layer, "path").map_or(Ok(()), |p| allowed.check(base, &p, "the layer's path")),
            },
            Command::UpdateLayer { fields, .. } => {
                field(fields, "path").map_or(Ok(()), |p| allowed.check(base, &p, "the layer's path"))
            }
            Command::AddProduct { product } => {
                field(product, "image").map_or(Ok(()), |p| allowed.check(base, &p, "the product's image"))
            }
            Command::UpdateProduct { fields, .. } => {
                field(fields, "image").map_or(Ok(()), |p| allowed.check(base, &p, "the product's image"))
            }
            Command::ImportProducts { csv } => show::catalogue_products(csv)
                .iter()
                .filter_map(|p| p.image.as_ref().map(|image| (p, image)))
                .try_for_each(|(p, image)| allowed.check(base, image, &format!("the image of product \"{}\"", p.id))),
            _ => Ok(()),
        }
    }

    /// Files the edited show names that the show did not: each must come from an allowed
    /// folder (the show's, or the media folder uploads go to).
    pub(super) fn check_new_files(&self, edited: &Show) -> Result<(), StudioError> {
        let allowed = AllowedFolders::new(&self.show, self.config.media_dir.as_deref());
        let before: Vec<&Layer> = self.show.scenes.iter().flat_map(|s| s.layers.iter()).collect();
        for layer in edited.scenes.iter().flat_map(|s| s.layers.iter()) {
            if !before.contains(&layer) {
                allowed.check_layer(&edited.base_dir, layer)?;
            }
        }
        for product in &edited.products {
            let Some(image) = &product.image else { continue };
            if self.show.product(&product.id).and_then(|p| p.image.as_ref()) != Some(image) {
                allowed.check(&edited.base_dir, image, &format!("the image of product \"{}\"", product.id))?;
            }
        }
        Ok(())
    }

    /// Makes `edited` the show, on air too when there is a program.
    pub(super) async fn commit(&mut self, edited: Show) -> Result<(), StudioError> {
        let (show, scene, look) = (edited.clone(), self.scene.clone(), self.look_override.clone());
        self.on_engine_if_live(move |e| {
            e.replace_show(show, &scene)?;
            // A look picked live stays picked through an edit.
            match look {
                Some(look) => e.set_look(&look),
                None => Ok(()),
            }
        })
        .await?;
        self.show = edited;
        Ok(())
    }

    fn add_banned_word(&mut self, word: &str) -> Result<CommandReply, StudioError> {
        let word = word.trim();
        if word.is_empty() {
            return Err(StudioError::said(ErrorKind::BadRequest, said::BANNED_EMPTY.say(&[])));
        }
        if self.config.banned_words.iter().any(|w| w.to_lowercase() == word.to_lowercase()) {
            return Err(StudioError::said(ErrorKind::BadRequest, said::BANNED_ALREADY.say(&[("word", &word)])));
        }
        self.config.banned_words.push(word.to_owned());
        self.banned_words_changed();
        Ok(CommandReply::done())
    }

    fn remove_banned_word(&mut self, word: &str) -> Result<CommandReply, StudioError> {
        let before = self.config.banned_words.len();
        self.config.banned_words.retain(|w| w.to_lowercase() != word.trim().to_lowercase());
        if self.config.banned_words.len() == before {
            return Err(StudioError::not_found("banned word", word.trim()));
        }
        self.banned_words_changed();
        Ok(CommandReply::done())
    }

    /// What goes on air and the chat on screen are both checked with the new words.
    fn banned_words_changed(&mut self) {
        self.pre_air = PreAirCheck::new(&self.config.banned_words);
        if let Some(feed) = &self.feed {
            feed.set_banned_words(self.config.banned_words.clone());
        }
    }
}

fn object(value: &serde_json::Value, what: &str) -> Result<serde_json::Map<String, serde_json::Value>, StudioError> {
    value.as_object().cloned().ok_or_else(|| {
        StudioError::bad_request(format!(
            "{what} must be written as an object of fields, such as {{\"name\": \"...\"}}"
        ))
    })
}
