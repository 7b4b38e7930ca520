//! Where files named in commands may come from.
//!
//! A command comes from whoever holds the token, maybe over the network (the remote
//! console), so a path in it must not reach the rest of the machine: a picture put on air can
//! be read back through the preview. A path from a command is resolved (against the show's
//! folder when relative, symbolic links followed) and must land inside the show's folder or
//! the studio's media folder, where the upload route (`POST /api/media`) and the desktop's
//! file dialog put files. Anything else gets one message, the same whether the file exists,
//! is a folder or cannot be read, so refusals tell nothing about what lies outside.

use std::path::{Component, Path, PathBuf};

use show::{Layer, Show};

use crate::protocol::StudioError;

/// The folders files may come from: the show's own (unless it is so wide it would let
/// everything through) and the media folder, each canonical.
pub struct AllowedFolders {
    folders: Vec<PathBuf>,
    /// How the refusal names them.
    named: String,
}

impl AllowedFolders {
    pub fn new(show: &Show, media_dir: Option<&Path>) -> AllowedFolders {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .and_then(|h| h.canonicalize().ok());
        let mut folders = Vec::new();
        let mut names = Vec::new();
        if let Ok(show_dir) = show.base_dir.canonicalize() {
            // The root or a home folder as "the show's folder" would allow every file there.
            let too_wide = show_dir.parent().is_none() || Some(&show_dir) == home.as_ref();
            if !too_wide {
                names.push(format!("the show's folder ({})", show_dir.display()));
                folders.push(show_dir);
            }
        }
        if let Some(media) = media_dir {
            let _ = std::fs::create_dir_all(media);
            if let Ok(media) = media.canonicalize() {
                names.push(format!("the studio's media folder ({})", media.display()));
                folders.push(media);
            }
        }
        let named = if names.is_empty() {
            "the studio's media folder".to_owned()
        } else {
            names.join(" or ")
        };
        AllowedFolders { folders, named }
    }

    /// The one refusal, whatever is (or is not) at the path.
    pub fn refusal(&self, field: &str) -> StudioError {
        StudioError::bad_request(format!(
            "{field}: files can only come from {}; upload the file first (POST /api/media) and use the path it returns",
            self.named
        ))
    }

    /// Checks `path` as a command gave it (relative paths are taken from the show's folder,
    /// `base`): resolved, links followed, it must be inside an allowed folder. A path inside
    /// whose file is missing passes (the show's validation then says it is missing: inside,
    /// that tells nothing new).
    pub fn check(&self, base: &Path, path: &str, field: &str) -> Result<(), StudioError> {
        let joined = base.join(path);
        if joined.as_os_str().is_empty() || path.contains('\0') {
            return Err(self.refusal(field));
        }
        let resolved = match joined.canonicalize() {
            Ok(resolved) => resolved,
            Err(_) => self
                .resolve_missing(&joined)
                .ok_or_else(|| self.refusal(field))?,
        };
        if self
            .folders
            .iter()
            .any(|folder| resolved.starts_with(folder))
        {
            Ok(())
        } else {
            Err(self.refusal(field))
        }
    }

    /// A path that does not resolve: its deepest existing ancestor, canonical, plus the rest
    /// (which must be plain names: a `..` after a missing folder is refused).
    fn resolve_missing(&self, path: &Path) -> Option<PathBuf> {
        let mut existing = path;
        let mut rest = Vec::new();
        loop {
            if let Ok(found) = existing.canonicalize() {
                let mut resolved = found;
                for part in rest.iter().rev() {
                    resolved.push(part);
                }
                return Some(resolved);
            }
            let name = existing.file_name()?;
            rest.push(name.to_owned());
            existing = existing.parent()?;
            // `file_name` is `None` for `..`, so a trailing `..` ends here; one in the middle
            // is caught below.
            if existing
                .components()
                .next_back()
                .is_some_and(|c| matches!(c, Component::ParentDir))
            {
                return None;
            }
        }
    }

    /// Checks every file a new layer names.
    pub fn check_layer(&self, base: &Path, layer: &Layer) -> Result<(), StudioError> {
        match layer {
            Layer::Image(image) => self.check(base, &image.path, "the picture's path"),
            _ => Ok(()),
        }
    }
}
