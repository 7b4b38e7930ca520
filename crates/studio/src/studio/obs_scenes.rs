//! `import_obs`: the scenes of an OBS scene collection added to the open show, from the UI (a
//! file picked in the browser or the desktop window) or any client. The collection is read as
//! `kaibo import obs` reads it (`obs_import`); its pictures and clips are copied into the
//! studio's media folder (checked by their first bytes, never written over); each scene is
//! added after the show's own, under an id of its own. All of it is one edit of the show,
//! checked as a whole: it goes in together or not at all. What did not come over is said in
//! the reply's note.
//!
//! Files are read off this machine's disk only for the desktop window (the operator at this
//! machine): a command from anywhere else (the API, the remote console, obs-websocket) names
//! only files in the allowed folders, and an import must not be a way around that. From there
//! the collection's pictures and clips are left out, and the note says to upload them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use show::{Layer, LayerEdit, ShowEdit};

use super::{blocking, Inner};
use crate::media_files;
use crate::protocol::{CommandReply, ErrorKind, StudioError};
use crate::said;

/// The most reasons a note lists (the rest are counted).
const MAX_REASONS: usize = 12;

impl Inner {
    /// `local_files`: the command comes from the desktop window, which may have the
    /// collection's files read off this machine's disk.
    pub(super) async fn import_obs(
        &mut self,
        collection: Value,
        local_files: bool,
    ) -> Result<CommandReply, StudioError> {
        let import = obs_import::import(&collection, None, None)
            .map_err(|e| StudioError::bad_request(format!("nothing was imported: {e}")))?;
        let mut skipped = import.skipped;
        let copied = if import.copies.is_empty() {
            HashMap::new()
        } else if !local_files {
            let names: Vec<String> = import.copies.iter().map(|(from, _)| from.display().to_string()).collect();
            skipped.push(format!(
                "the pictures and clips ({}): only the desktop window reads files off this machine; upload them and add their layers",
                names.join(", ")
            ));
            HashMap::new()
        } else {
            let Some(folder) = self.config.media_dir.clone() else {
                return Err(StudioError::said(ErrorKind::WrongPhase, said::NO_MEDIA_FOLDER.say(&[])));
            };
            let copies = import.copies;
            let (copied, failed) = blocking(move || copy_into(&folder, &copies)).await?;
            skipped.extend(failed);
            copied
        };

        let mut show = self.show.clone();
        let mut added: Vec<String> = Vec::new();
        for scene in import.show["scenes"].as_array().into_iter().flatten() {
            let name = scene["name"].as_str().unwrap_or_default();
            let id = free_id(scene["id"].as_str().unwrap_or("obs"), |id| show.scene(id).is_some());
            show.apply_edit(ShowEdit::AddScene { id: id.clone(), name: name.to_owned() })
                .map_err(|e| StudioError::bad_request(e.to_string()))?;
            for layer in scene["layers"].as_array().into_iter().flatten() {
                let label = layer["id"].as_str().unwrap_or_default().to_owned();
                let mut layer = layer.clone();
                if let Some(path) = layer["path"].as_str() {
                    match copied.get(path) {
                        Some(stored) => layer["path"] = Value::String(stored.display().to_string()),
                        None => continue, // not copied, and said so
                    }
                }
                let edit = serde_json::from_value::<Layer>(layer).map_err(|e| e.to_string()).and_then(|layer| {
                    let edit = ShowEdit::Layers { scene: id.clone(), edit: LayerEdit::Add(layer) };
                    show.apply_edit(edit).map_err(|e| e.to_string())
                });
                if let Err(why) = edit {
                    skipped.push(format!("scene {name:?}, item {label:?}: {why}"));
                }
            }
            added.push(if name.is_empty() { id } else { name.to_owned() });
        }
        if let Some(mix) = import.show["audio"]["sources"].as_array() {
            let names: Vec<&str> = mix.iter().filter_map(|s| s["id"].as_str()).collect();
            skipped.push(format!(
                "the sound ({}): an import into an open show leaves its mix as it is (kaibo import obs makes a show with it)",
                names.join(", ")
            ));
        }
        self.check_new_files(&show)?;
        self.commit(show).await?;

        let scenes = added.join(", ");
        let note = if skipped.is_empty() {
            said::OBS_IMPORTED.say(&[("count", &added.len()), ("scenes", &scenes)])
        } else {
            let mut reasons = skipped.iter().take(MAX_REASONS).cloned().collect::<Vec<_>>().join("; ");
            if skipped.len() > MAX_REASONS {
                reasons.push_str(&format!("; and {} more", skipped.len() - MAX_REASONS));
            }
            said::OBS_IMPORTED_SOME.say(&[("count", &added.len()), ("scenes", &scenes), ("skipped", &reasons)])
        };
        Ok(CommandReply::said(note))
    }
}

/// `base`, or `base-2`, `base-3`... where `taken` says it is.
fn free_id(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let base: String =
        base.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    let base = if base.trim_matches('-').is_empty() { "obs".to_owned() } else { base };
    (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|id| !taken(id)).unwrap_or(base)
}

/// Copies each `(from, "media/NAME")` into `folder`: the stored paths by their show names,
/// and a reason for each file that could not come.
fn copy_into(folder: &Path, copies: &[(PathBuf, String)]) -> (HashMap<String, PathBuf>, Vec<String>) {
    let mut copied = HashMap::new();
    let mut failed = Vec::new();
    for (from, to) in copies {
        let name = Path::new(to).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stored = media_files::clean_name(&name)
            .and_then(|name| {
                let body = std::fs::read(from).map_err(|e| format!("cannot be read ({e})"))?;
                media_files::check_type(&name, &body)?;
                media_files::store(folder, &name, &body).map_err(|e| format!("cannot be stored ({e})"))
            })
            .map_err(|why| format!("{}: {why}", from.display()));
        match stored {
            Ok(path) => {
                copied.insert(to.clone(), path);
            }
            Err(why) => failed.push(why),
        }
    }
    (copied, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scene_ids_are_fresh_and_plain() {
        let taken = ["main", "main-2"];
        assert_eq!(free_id("main", |id| taken.contains(&id)), "main-3");
        assert_eq!(free_id("Slides", |_| false), "Slides");
        assert_eq!(free_id("Scene 2/3", |_| false), "Scene-2-3");
        assert_eq!(free_id("///", |_| false), "obs");
    }
}
