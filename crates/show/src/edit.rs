//! Layer edits on a scene (move, resize, reorder, add, remove), checked by the same rules as
//! a show file, so an editor can never put a show into a state `kaibo check` would refuse.

use crate::error::ShowError;
use crate::model::{Layer, Rect, Show};

/// One change to the layers of a scene.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerEdit {
    /// Moves or resizes a layer: `[x, y, w, h]` in 0..1 of the canvas.
    SetRect {
        layer: String,
        rect: Rect,
    },
    /// Puts a layer at another place in the stack (0 is the bottom).
    Move {
        layer: String,
        to: usize,
    },
    Remove {
        layer: String,
    },
    /// Adds a layer on top of the stack.
    Add(Layer),
}

impl Show {
    /// Applies `edit` to scene `scene` if the show stays valid; otherwise leaves the show as
    /// it was and says what is wrong, in plain words (`scenes[0].layers[2].rect: ...`).
    pub fn edit_layers(&mut self, scene: &str, edit: LayerEdit) -> Result<(), ShowError> {
        let index = self
            .scenes
            .iter()
            .position(|s| s.id == scene)
            .ok_or_else(|| ShowError::single("scenes", format!("there is no scene \"{scene}\"")))?;
        let path = format!("scenes[{index}]");
        let mut edited = self.clone();
        let layers = &mut edited.scenes[index].layers;
        let position = |layers: &[Layer], id: &str| {
            layers.iter().position(|l| l.id() == id).ok_or_else(|| {
                ShowError::single(format!("{path}.layers"), format!("scene \"{scene}\" has no layer \"{id}\""))
            })
        };
        let locked = |layers: &[Layer], at: usize| {
            if layers[at].locked() {
                let id = layers[at].id();
                return Err(ShowError::single(
                    format!("{path}.layers[{at}]"),
                    format!("layer \"{id}\" is locked: unlock it first"),
                ));
            }
            Ok(())
        };
        match edit {
            LayerEdit::SetRect { layer, rect } => {
                let at = position(layers, &layer)?;
                locked(layers, at)?;
                match &mut layers[at] {
                    Layer::Camera(l) => l.rect = rect,
                    Layer::Image(l) => l.rect = rect,
                    Layer::Text(l) => l.rect = rect,
                    Layer::ProductCard(l) => l.rect = rect,
                    Layer::Countdown(l) => l.rect = rect,
                    Layer::Color(l) => l.rect = rect,
                    Layer::Media(l) => l.rect = rect,
                    Layer::Screen(l) => l.rect = rect,
                    Layer::Look(_) => {
                        return Err(ShowError::single(
                            format!("{path}.layers[{at}]"),
                            format!("layer \"{layer}\" is a look: it has no place on the canvas"),
                        ))
                    }
                }
            }
            LayerEdit::Move { layer, to } => {
                let at = position(layers, &layer)?;
                locked(layers, at)?;
                let moved = layers.remove(at);
                layers.insert(to.min(layers.len()), moved);
            }
            LayerEdit::Remove { layer } => {
                let at = position(layers, &layer)?;
                locked(layers, at)?;
                layers.remove(at);
            }
            LayerEdit::Add(layer) => layers.push(layer),
        }
        // Only the edited scene's problems count: the rest of the show was not touched.
        if let Err(mut error) = edited.validate() {
            error.problems.retain(|p| p.path == path || p.path.starts_with(&format!("{path}.")));
            if !error.problems.is_empty() {
                return Err(error);
            }
        }
        *self = edited;
        Ok(())
    }
}

impl Layer {
    /// Whether the layer is locked against moves and edits.
    pub fn locked(&self) -> bool {
        match self {
            Layer::Camera(l) => l.locked,
            Layer::Image(l) => l.locked,
            Layer::Text(l) => l.locked,
            Layer::ProductCard(l) => l.locked,
            Layer::Look(l) => l.locked,
            Layer::Countdown(l) => l.locked,
            Layer::Color(l) => l.locked,
            Layer::Media(l) => l.locked,
            Layer::Screen(l) => l.locked,
        }
    }

    pub fn set_locked(&mut self, locked: bool) {
        match self {
            Layer::Camera(l) => l.locked = locked,
            Layer::Image(l) => l.locked = locked,
            Layer::Text(l) => l.locked = locked,
            Layer::ProductCard(l) => l.locked = locked,
            Layer::Look(l) => l.locked = locked,
            Layer::Countdown(l) => l.locked = locked,
            Layer::Color(l) => l.locked = locked,
            Layer::Media(l) => l.locked = locked,
            Layer::Screen(l) => l.locked = locked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show() -> Show {
        Show::parse(
            r#"{"canvas":{"width":1280,"height":720,"fps":30},"scenes":[{"id":"main","layers":[
                {"id":"cam","kind":"camera"},
                {"id":"title","kind":"text","text":"hi","rect":[0.1,0.1,0.5,0.2]}]}]}"#,
            std::path::Path::new("."),
        )
        .expect("valid show")
    }

    #[test]
    fn edits_apply_when_valid_and_are_refused_in_words_otherwise() {
        let mut s = show();
        s.edit_layers("main", LayerEdit::SetRect { layer: "title".into(), rect: [0.2, 0.3, 0.5, 0.2] }).expect("move");
        assert_eq!(s.scenes[0].layers[1].rect(), Some([0.2, 0.3, 0.5, 0.2]));
        let error = s
            .edit_layers("main", LayerEdit::SetRect { layer: "title".into(), rect: [0.8, 0.3, 0.5, 0.2] })
            .expect_err("off the canvas");
        assert!(error.to_string().starts_with("scenes[0].layers[1].rect"), "{error}");
        assert_eq!(s.scenes[0].layers[1].rect(), Some([0.2, 0.3, 0.5, 0.2]), "unchanged");
        s.edit_layers("main", LayerEdit::Move { layer: "title".into(), to: 0 }).expect("reorder");
        assert_eq!(s.scenes[0].layers[0].id(), "title");
        let copy = s.scenes[0].layers[0].clone();
        let error = s.edit_layers("main", LayerEdit::Add(copy)).expect_err("duplicate id");
        assert!(error.to_string().contains("duplicate"), "{error}");
        s.scenes[0].layers[0].set_locked(true);
        let error = s.edit_layers("main", LayerEdit::Move { layer: "title".into(), to: 1 }).expect_err("locked");
        assert!(error.to_string().contains("is locked: unlock it first"), "{error}");
        let error = s.edit_layers("main", LayerEdit::Remove { layer: "title".into() }).expect_err("locked");
        assert!(error.to_string().contains("is locked"), "{error}");
        s.scenes[0].layers[0].set_locked(false);
        s.edit_layers("main", LayerEdit::Remove { layer: "title".into() }).expect("remove");
        assert_eq!(s.scenes[0].layers.len(), 1);
        let error = s.edit_layers("main", LayerEdit::Remove { layer: "title".into() }).expect_err("gone");
        assert!(error.to_string().contains("has no layer \"title\""), "{error}");
    }
}
