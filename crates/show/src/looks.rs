//! Built-in lighting looks and the lookups a show's users need (looks, products, scenes,
//! file paths).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::model::{LightingLook, Product, Scene, Show};

const BUILTIN_LOOKS_JSON: &str = include_str!("../../../assets/looks/builtin.json");

/// The looks every show can use without defining them: `natural`, `warm-studio`,
/// `cool-runway`, `spotlight` and `soft-beauty`, from `assets/looks/builtin.json`.
pub fn builtin_looks() -> Vec<LightingLook> {
    static LOOKS: OnceLock<Vec<LightingLook>> = OnceLock::new();
    LOOKS
        .get_or_init(|| {
            serde_json::from_str(BUILTIN_LOOKS_JSON).expect("assets/looks/builtin.json parses (checked by a test)")
        })
        .clone()
}

impl Show {
    /// The look with this id: the show's own first, then a built-in one.
    pub fn look(&self, id: &str) -> Option<LightingLook> {
        self.looks
            .iter()
            .find(|look| look.id == id)
            .cloned()
            .or_else(|| builtin_looks().into_iter().find(|look| look.id == id))
    }

    /// Every look this show can use: its own, then the built-in ones it does not replace.
    pub fn available_looks(&self) -> Vec<LightingLook> {
        let mut looks = self.looks.clone();
        for builtin in builtin_looks() {
            if !looks.iter().any(|look| look.id == builtin.id) {
                looks.push(builtin);
            }
        }
        looks
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|product| product.id == id)
    }

    pub fn scene(&self, id: &str) -> Option<&Scene> {
        self.scenes.iter().find(|scene| scene.id == id)
    }

    /// A path written in the show, resolved against the show's folder (`base_dir`).
    /// Absolute paths are returned as they are.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        self.base_dir.join(Path::new(rel))
    }

    /// Moves the show to another folder: every relative path (logo, safe slate, image
    /// layers, product pictures, look LUTs) is made absolute against the old folder, so each
    /// still names the same file from `folder`. Only the paths change.
    pub fn rebase(&mut self, folder: &Path) {
        if folder == self.base_dir {
            return;
        }
        let base = self.base_dir.clone();
        let absolute = |path: &mut String| {
            if Path::new(path.as_str()).is_relative() {
                *path = base.join(path.as_str()).to_string_lossy().into_owned();
            }
        };
        self.logo.iter_mut().for_each(absolute);
        if let Some(slate) = &mut self.safe_slate {
            slate.image.iter_mut().for_each(absolute);
        }
        for scene in &mut self.scenes {
            for layer in &mut scene.layers {
                if let crate::model::Layer::Image(image) = layer {
                    absolute(&mut image.path);
                }
            }
        }
        for product in &mut self.products {
            product.image.iter_mut().for_each(absolute);
        }
        for look in &mut self.looks {
            look.lut.iter_mut().for_each(absolute);
        }
        self.base_dir = folder.to_path_buf();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CameraLayer, Canvas, Layer, Scene};

    pub(crate) fn minimal_show() -> Show {
        Show {
            name: String::new(),
            logo: None,
            safe_slate: None,
            canvas: Canvas { width: 1280, height: 720, fps: 30 },
            transition: Default::default(),
            audio: Default::default(),
            scenes: vec![Scene {
                id: "main".into(),
                name: String::new(),
                layers: vec![Layer::Camera(CameraLayer {
                    id: "cam".into(),
                    visible: true,
                    locked: false,
                    device: "test".into(),
                    rect: crate::model::full_canvas(),
                })],
            }],
            products: vec![],
            run_of_show: None,
            looks: vec![],
            destinations: vec![],
            encoding: Default::default(),
            record_when_live: true,
            base_dir: PathBuf::from("/tmp"),
        }
    }

    #[test]
    fn builtin_looks_parse_and_validate() {
        let looks = builtin_looks();
        let ids: Vec<&str> = looks.iter().map(|l| l.id.as_str()).collect();
        for id in ["natural", "warm-studio", "cool-runway", "spotlight", "soft-beauty"] {
            assert!(ids.contains(&id), "built-in look {id} missing from {ids:?}");
        }
        assert_eq!(
            looks.iter().find(|l| l.id == "natural").map(|l| {
                let mut neutral = LightingLook::neutral("natural");
                neutral.name = l.name.clone();
                neutral == *l
            }),
            Some(true),
            "natural must be neutral"
        );
        for look in looks {
            assert!(!look.name.is_empty(), "{} has no name", look.id);
            let mut show = minimal_show();
            show.looks.push(look.clone());
            if let Err(error) = show.validate() {
                panic!("built-in look {} is invalid:\n{error}", look.id);
            }
        }
    }

    #[test]
    fn own_looks_replace_builtin_ones() {
        let mut show = minimal_show();
        assert_eq!(show.look("spotlight").map(|l| l.id), Some("spotlight".into()));
        let mut mine = LightingLook::neutral("spotlight");
        mine.brightness = 0.5;
        show.looks.push(mine.clone());
        assert_eq!(show.look("spotlight"), Some(mine));
        assert_eq!(show.look("nope"), None);
        let available = show.available_looks();
        assert_eq!(available.iter().filter(|l| l.id == "spotlight").count(), 1);
        assert_eq!(available.len(), builtin_looks().len());
    }

    #[test]
    fn lookups_and_paths() {
        let show = minimal_show();
        assert!(show.scene("main").is_some());
        assert!(show.scene("other").is_none());
        assert!(show.product("x").is_none());
        assert_eq!(show.resolve("logo.png"), PathBuf::from("/tmp/logo.png"));
        let mut moved = show.clone();
        moved.logo = Some("logo.png".into());
        moved.rebase(Path::new("/elsewhere"));
        assert_eq!(moved.logo.as_deref(), Some("/tmp/logo.png"));
        assert_eq!(moved.resolve(moved.logo.as_deref().unwrap_or_default()), PathBuf::from("/tmp/logo.png"));
        assert_eq!(show.resolve("/abs/logo.png"), PathBuf::from("/abs/logo.png"));
    }
}
