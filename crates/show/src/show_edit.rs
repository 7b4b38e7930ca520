//! Edits of the whole show, as an editor makes them: scenes, layers of any scene, products,
//! destinations, encoding and the transition. Each edit is made on a copy and the whole show is validated
//! again; a refused edit leaves the show as it was and says why, naming things by their ids
//! (`scene "main", layer "title", rect: ...`) rather than by index.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::edit::LayerEdit;
use crate::error::{Problem, ShowError};
use crate::model::{Layer, Product, Scene, Show};
use crate::transition::Transition;

/// One change to a show.
#[derive(Debug, Clone, PartialEq)]
pub enum ShowEdit {
    /// A new, empty scene at the end of the list.
    AddScene {
        id: String,
        name: String,
    },
    RenameScene {
        scene: String,
        name: String,
    },
    /// A copy of `scene` (its layers and their ids) called `id`, right after it.
    DuplicateScene {
        scene: String,
        id: String,
        name: Option<String>,
    },
    /// Refused for the last scene; the studio refuses the one on air.
    RemoveScene {
        scene: String,
    },
    /// Puts a scene at another place in the list (0 is the first).
    MoveScene {
        scene: String,
        to: usize,
    },
    /// A layer edit (move, resize, reorder, add, remove) in any scene.
    Layers {
        scene: String,
        edit: LayerEdit,
    },
    /// Changes some fields of a layer, written as in the show file (`{"text": "..."}`); a
    /// field set to `null` goes back to its default. `id` and `kind` stay.
    UpdateLayer {
        scene: String,
        layer: String,
        fields: Map<String, Value>,
    },
    SetLayerLocked {
        scene: String,
        layer: String,
        locked: bool,
    },
    SetLayerVisible {
        scene: String,
        layer: String,
        visible: bool,
    },
    AddProduct(Product),
    /// Changes some fields of a product, as in the show file; `null` goes back to the default.
    UpdateProduct {
        product: String,
        fields: Map<String, Value>,
    },
    /// Refused while a card or the run of show uses the product.
    RemoveProduct {
        product: String,
    },
    /// Products replace those with the same id; the others are added at the end.
    ImportProducts(Vec<Product>),
    SetDestination {
        id: String,
        enabled: Option<bool>,
        delay_seconds: Option<u32>,
    },
    /// Changes some encoding settings, as in the show file's `encoding`.
    SetEncoding {
        fields: Map<String, Value>,
    },
    /// The show's transition: how a scene switch or a take goes when it does not say.
    SetTransition(Transition),
}

/// Fields a locked layer still lets change.
const UNLOCKED_FIELDS: [&str; 2] = ["visible", "locked"];

impl Show {
    /// Applies `edit` if the show stays valid; otherwise leaves it as it was and says what is
    /// wrong. Problems the show had before the edit do not count against it.
    pub fn apply_edit(&mut self, edit: ShowEdit) -> Result<(), ShowError> {
        let mut edited = self.clone();
        edited.change(edit).map_err(|e| self.in_words(e))?;
        edited.check_against(self)?;
        *self = edited;
        Ok(())
    }

    /// The problems of `self` that `before` did not have, in words.
    pub(crate) fn check_against(&self, before: &Show) -> Result<(), ShowError> {
        let Err(mut error) = self.validate() else { return Ok(()) };
        let old = before.validate().err().map(|e| e.problems).unwrap_or_default();
        error.problems.retain(|p| !old.contains(p));
        if error.problems.is_empty() {
            return Ok(());
        }
        Err(self.in_words(error))
    }

    fn change(&mut self, edit: ShowEdit) -> Result<(), ShowError> {
        match edit {
            ShowEdit::AddScene { id, name } => {
                let id = new_id("scene", &id)?;
                if self.scene(&id).is_some() {
                    return Err(refused("scenes", format!("there is already a scene called \"{id}\"")));
                }
                self.scenes.push(Scene { id, name: name.trim().to_owned(), layers: Vec::new() });
            }
            ShowEdit::RenameScene { scene, name } => self.scene_mut(&scene)?.name = name.trim().to_owned(),
            ShowEdit::DuplicateScene { scene, id, name } => {
                let at = self.scene_index(&scene)?;
                let id = new_id("scene", &id)?;
                if self.scene(&id).is_some() {
                    return Err(refused("scenes", format!("there is already a scene called \"{id}\"")));
                }
                let mut copy = self.scenes[at].clone();
                let base = if copy.name.is_empty() { copy.id.clone() } else { copy.name.clone() };
                copy.name = name.map(|n| n.trim().to_owned()).unwrap_or_else(|| format!("{base} (copy)"));
                copy.id = id;
                self.scenes.insert(at + 1, copy);
            }
            ShowEdit::RemoveScene { scene } => {
                let at = self.scene_index(&scene)?;
                if self.scenes.len() == 1 {
                    return Err(refused(
                        "scenes",
                        format!("\"{scene}\" is the only scene: a show needs one, so add another before removing it"),
                    ));
                }
                self.scenes.remove(at);
            }
            ShowEdit::MoveScene { scene, to } => {
                let at = self.scene_index(&scene)?;
                let moved = self.scenes.remove(at);
                let to = to.min(self.scenes.len());
                self.scenes.insert(to, moved);
            }
            ShowEdit::Layers { scene, edit } => self.edit_layers(&scene, edit)?,
            ShowEdit::UpdateLayer { scene, layer, fields } => {
                if fields.keys().any(|k| k == "id" || k == "kind") {
                    let id_or_kind = |key: &str, now: &str| fields.get(key).is_some_and(|v| v.as_str() != Some(now));
                    let current = self.layer_mut(&scene, &layer)?;
                    if id_or_kind("id", current.id()) || id_or_kind("kind", current.kind()) {
                        return Err(refused(
                            "layers",
                            format!("layer \"{layer}\" keeps its id and kind: remove it and add a new one instead"),
                        ));
                    }
                }
                let current = self.layer_mut(&scene, &layer)?;
                if current.locked() && fields.keys().any(|k| !UNLOCKED_FIELDS.contains(&k.as_str())) {
                    return Err(refused("layers", format!("layer \"{layer}\" is locked: unlock it first")));
                }
                *current =
                    merged(current, &fields).map_err(|e| refused("layers", format!("layer \"{layer}\": {e}")))?;
            }
            ShowEdit::SetLayerLocked { scene, layer, locked } => self.layer_mut(&scene, &layer)?.set_locked(locked),
            ShowEdit::SetLayerVisible { scene, layer, visible } => self.layer_mut(&scene, &layer)?.set_visible(visible),
            ShowEdit::AddProduct(product) => {
                new_id("product", &product.id)?;
                if self.product(&product.id).is_some() {
                    return Err(refused("products", format!("there is already a product \"{}\"", product.id)));
                }
                self.products.push(product);
            }
            ShowEdit::UpdateProduct { product, fields } => {
                let entry = self
                    .products
                    .iter_mut()
                    .find(|p| p.id == product)
                    .ok_or_else(|| refused("products", format!("there is no product \"{product}\"")))?;
                if fields.get("id").is_some_and(|v| v.as_str() != Some(product.as_str())) {
                    return Err(refused(
                        "products",
                        format!("product \"{product}\" keeps its id: add a new product instead"),
                    ));
                }
                *entry =
                    merged(entry, &fields).map_err(|e| refused("products", format!("product \"{product}\": {e}")))?;
            }
            ShowEdit::RemoveProduct { product } => {
                let at = self
                    .products
                    .iter()
                    .position(|p| p.id == product)
                    .ok_or_else(|| refused("products", format!("there is no product \"{product}\"")))?;
                let users = self.product_users(&product);
                if !users.is_empty() {
                    return Err(refused(
                        "products",
                        format!(
                            "product \"{product}\" is still used by {}: change or remove that first",
                            users.join(" and ")
                        ),
                    ));
                }
                self.products.remove(at);
            }
            ShowEdit::ImportProducts(products) => {
                for product in products {
                    match self.products.iter_mut().find(|p| p.id == product.id) {
                        Some(entry) => *entry = product,
                        None => self.products.push(product),
                    }
                }
            }
            ShowEdit::SetDestination { id, enabled, delay_seconds } => {
                let destination = self
                    .destinations
                    .iter_mut()
                    .find(|d| d.id == id)
                    .ok_or_else(|| refused("destinations", format!("there is no destination \"{id}\"")))?;
                if let Some(enabled) = enabled {
                    destination.enabled = enabled;
                }
                if let Some(delay) = delay_seconds {
                    destination.delay_seconds = delay;
                }
            }
            ShowEdit::SetEncoding { fields } => {
                self.encoding = merged(&self.encoding, &fields).map_err(|e| refused("encoding", e))?;
            }
            ShowEdit::SetTransition(transition) => self.transition = transition,
        }
        Ok(())
    }

    fn scene_index(&self, scene: &str) -> Result<usize, ShowError> {
        self.scenes
            .iter()
            .position(|s| s.id == scene)
            .ok_or_else(|| refused("scenes", format!("there is no scene \"{scene}\"")))
    }

    fn scene_mut(&mut self, scene: &str) -> Result<&mut Scene, ShowError> {
        let at = self.scene_index(scene)?;
        Ok(&mut self.scenes[at])
    }

    fn layer_mut(&mut self, scene: &str, layer: &str) -> Result<&mut Layer, ShowError> {
        self.scene_mut(scene)?
            .layers
            .iter_mut()
            .find(|l| l.id() == layer)
            .ok_or_else(|| refused("layers", format!("scene \"{scene}\" has no layer \"{layer}\"")))
    }

    /// What uses product `id`: its cards (`card "c" of scene "s"`) and the run of show.
    pub fn product_users(&self, id: &str) -> Vec<String> {
        let mut users: Vec<String> = self
            .scenes
            .iter()
            .flat_map(|s| {
                s.layers.iter().filter_map(move |l| match l {
                    Layer::ProductCard(card) if card.product == id => {
                        Some(format!("card \"{}\" of scene \"{}\"", card.id, s.id))
                    }
                    _ => None,
                })
            })
            .collect();
        if self.run_of_show.as_ref().is_some_and(|r| r.items.iter().any(|i| i.product == id)) {
            users.push("the run of show".to_owned());
        }
        users
    }

    /// `error` with index paths (`scenes[1].layers[0].rect`) turned into names
    /// (`scene "promo", layer "title", rect`).
    pub fn in_words(&self, mut error: ShowError) -> ShowError {
        for problem in &mut error.problems {
            problem.path = self.path_in_words(&problem.path);
        }
        error
    }

    fn path_in_words(&self, path: &str) -> String {
        let mut words = Vec::new();
        let mut rest = path;
        let mut scene: Option<&Scene> = None;
        while !rest.is_empty() {
            let (part, tail) = rest.split_once('.').unwrap_or((rest, ""));
            let named = indexed(part).and_then(|(field, i)| match (field, scene) {
                ("scenes", None) => self.scenes.get(i).map(|s| {
                    scene = Some(s);
                    format!("scene \"{}\"", s.id)
                }),
                ("layers", Some(s)) => s.layers.get(i).map(|l| format!("layer \"{}\"", l.id())),
                ("products", None) => self.products.get(i).map(|p| format!("product \"{}\"", p.id)),
                ("destinations", None) => self.destinations.get(i).map(|d| format!("destination \"{}\"", d.id)),
                _ => None,
            });
            match named {
                Some(named) => words.push(named),
                None => {
                    words.push(rest.to_owned());
                    break;
                }
            }
            rest = tail;
        }
        words.join(", ")
    }
}

/// `("scenes", 2)` for `scenes[2]`.
fn indexed(part: &str) -> Option<(&str, usize)> {
    let (field, index) = part.strip_suffix(']')?.split_once('[')?;
    Some((field, index.parse().ok()?))
}

fn refused(path: &str, message: impl Into<String>) -> ShowError {
    ShowError { problems: vec![Problem::new(path, message)] }
}

/// A new id, trimmed: letters, digits, `-` and `_`, so it reads well in commands and files.
fn new_id(what: &str, id: &str) -> Result<String, ShowError> {
    let id = id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(refused(
            &format!("{what}s"),
            format!("a {what} id uses letters, digits, - and _ only (got \"{id}\")"),
        ));
    }
    Ok(id.to_owned())
}

/// `value` with `fields` written over it, read back by the show's own rules.
fn merged<T: Serialize + DeserializeOwned>(value: &T, fields: &Map<String, Value>) -> Result<T, String> {
    let mut json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    let object = json.as_object_mut().ok_or("not an object")?;
    for (key, field) in fields {
        if field.is_null() {
            object.remove(key);
        } else {
            object.insert(key.clone(), field.clone());
        }
    }
    serde_json::from_value(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn show() -> Show {
        Show::parse(
            r#"{"canvas":{"width":1280,"height":720,"fps":30},
                "products":[{"id":"tea","name":"Tea","price":88,"url":"https://shop.example/tea"}],
                "scenes":[{"id":"main","layers":[
                {"id":"title","kind":"text","text":"hi","rect":[0.1,0.1,0.5,0.2]},
                {"id":"card","kind":"product_card","product":"tea","rect":[0.6,0.5,0.3,0.4]}]}]}"#,
            std::path::Path::new("."),
        )
        .expect("valid show")
    }

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn scenes_are_added_duplicated_moved_and_the_last_one_stays() {
        let mut s = show();
        s.apply_edit(ShowEdit::AddScene { id: "promo".into(), name: "Promo".into() }).expect("add");
        let error = s.apply_edit(ShowEdit::AddScene { id: "promo".into(), name: String::new() }).expect_err("dup");
        assert!(error.to_string().contains("already a scene called \"promo\""), "{error}");
        s.apply_edit(ShowEdit::DuplicateScene { scene: "main".into(), id: "main2".into(), name: None }).expect("dup");
        assert_eq!(s.scenes[1].id, "main2");
        assert_eq!(s.scenes[1].name, "main (copy)");
        s.apply_edit(ShowEdit::MoveScene { scene: "promo".into(), to: 0 }).expect("move");
        assert_eq!(s.scenes[0].id, "promo");
        s.apply_edit(ShowEdit::RemoveScene { scene: "promo".into() }).expect("remove");
        s.apply_edit(ShowEdit::RemoveScene { scene: "main2".into() }).expect("remove");
        let error = s.apply_edit(ShowEdit::RemoveScene { scene: "main".into() }).expect_err("last");
        assert!(error.to_string().contains("only scene"), "{error}");
    }

    #[test]
    fn layers_of_any_scene_are_edited_in_place_and_checked() {
        let mut s = show();
        let edit = |fields| ShowEdit::UpdateLayer { scene: "main".into(), layer: "title".into(), fields };
        s.apply_edit(edit(super::tests::fields(json!({"text": "Sale", "font_size": 48, "color": "#FF0000"}))))
            .expect("edit");
        let Layer::Text(text) = &s.scenes[0].layers[0] else { panic!("a text layer") };
        assert_eq!((text.text.as_str(), text.font_size, text.color.as_str()), ("Sale", 48.0, "#FF0000"));
        let error = s.apply_edit(edit(fields(json!({"color": "red"})))).expect_err("bad colour");
        assert!(error.to_string().starts_with("scene \"main\", layer \"title\", color"), "{error}");
        let error = s.apply_edit(edit(fields(json!({"kind": "image"})))).expect_err("kind");
        assert!(error.to_string().contains("keeps its id and kind"), "{error}");
        s.apply_edit(ShowEdit::SetLayerLocked { scene: "main".into(), layer: "title".into(), locked: true })
            .expect("lock");
        let error = s.apply_edit(edit(fields(json!({"text": "x"})))).expect_err("locked");
        assert!(error.to_string().contains("locked"), "{error}");
        s.apply_edit(edit(fields(json!({"visible": false})))).expect("hiding a locked layer is fine");
    }

    #[test]
    fn products_in_use_stay_and_bad_fields_are_refused() {
        let mut s = show();
        let error = s.apply_edit(ShowEdit::RemoveProduct { product: "tea".into() }).expect_err("used");
        assert!(error.to_string().contains("card \"card\" of scene \"main\""), "{error}");
        let error = s
            .apply_edit(ShowEdit::UpdateProduct { product: "tea".into(), fields: fields(json!({"price": -1})) })
            .expect_err("negative price");
        assert!(error.to_string().starts_with("product \"tea\", price"), "{error}");
        let error = s
            .apply_edit(ShowEdit::UpdateProduct { product: "tea".into(), fields: fields(json!({"price": "cheap"})) })
            .expect_err("not a number");
        assert!(error.to_string().contains("product \"tea\""), "{error}");
        assert_eq!(s.products[0].price, 88.0, "unchanged");
    }

    #[test]
    fn the_transition_changes_within_its_limit() {
        let mut s = show();
        let fade = |ms| ShowEdit::SetTransition(Transition { kind: crate::TransitionKind::Fade, ms });
        s.apply_edit(fade(800)).expect("a fade");
        assert_eq!((s.transition.kind, s.transition.ms), (crate::TransitionKind::Fade, 800));
        let error = s.apply_edit(fade(crate::MAX_TRANSITION_MS + 1)).expect_err("too long");
        assert!(error.to_string().contains("at most"), "{error}");
        assert_eq!(s.transition.ms, 800, "unchanged");
    }
}
