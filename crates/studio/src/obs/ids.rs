//! The names OBS clients keep: positive integer scene item ids, stable for the session, and
//! UUIDs derived from Kaibo's ids (the same id always gives the same UUID).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// `sceneItemId`s by (scene id, layer id), handed out in first-seen order from 1.
#[derive(Debug, Default)]
pub struct ItemIds {
    ids: HashMap<(String, String), i64>,
    layers: HashMap<i64, (String, String)>,
}

impl ItemIds {
    pub fn id(&mut self, scene: &str, layer: &str) -> i64 {
        let key = (scene.to_owned(), layer.to_owned());
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.ids.len() as i64 + 1;
        self.ids.insert(key.clone(), id);
        self.layers.insert(id, key);
        id
    }

    /// The layer of `sceneItemId` in `scene`, if it was handed out for that scene.
    pub fn layer(&self, scene: &str, id: i64) -> Option<&str> {
        self.layers.get(&id).filter(|(s, _)| s == scene).map(|(_, layer)| layer.as_str())
    }
}

/// A UUID (version 5 layout, from SHA-256 rather than SHA-1) for `kind` + `id`.
pub fn uuid(kind: &str, id: &str) -> String {
    let hash = Sha256::new().chain_update(b"kaibo:").chain_update(kind).chain_update(b":").chain_update(id).finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_are_stable_positive_and_per_scene() {
        let mut ids = ItemIds::default();
        let a = ids.id("main", "cam");
        let b = ids.id("main", "logo");
        let c = ids.id("other", "cam");
        assert_eq!((a, b, c), (1, 2, 3));
        assert_eq!(ids.id("main", "cam"), 1);
        assert_eq!(ids.layer("main", 2), Some("logo"));
        assert_eq!(ids.layer("other", 2), None);
    }

    #[test]
    fn uuids_are_derived_and_well_formed() {
        let u = uuid("scene", "main");
        assert_eq!(u, uuid("scene", "main"));
        assert_ne!(u, uuid("scene", "other"));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "5");
    }
}
