//! Where Kaibo finds the files it ships: the web UI, the bundled shows (the demo and its
//! pictures), the looks and the show schema. One place decides, for `kaibo` and
//! `kaibo-studio` alike, so nothing depends on the tree the binaries were built from.
//!
//! The share folder, in this order:
//! 1. `KAIBO_SHARE_DIR`, when set (development, or a relocated install);
//! 2. `../share/kaibo` beside the executable's folder: `/usr/bin/kaibo` finds
//!    `/usr/share/kaibo`, and `target/release/kaibo` finds `target/share/kaibo` (which
//!    `make share` lays out as links into the sources);
//! 3. in debug builds only, the source tree itself (`ui/dist`, `assets/`, the committed
//!    schema), so `cargo run` and the tests need nothing laid out.
//!
//! Inside a share folder: `ui/` (the built web UI), `shows/` (the bundled shows),
//! `looks/` and `show.schema.json`. A release build that finds none of these still answers
//! with the place beside its executable, so an error names where it looked.

use std::path::{Path, PathBuf};

/// The variable that points Kaibo at a share folder of its own.
pub const SHARE_DIR_VAR: &str = "KAIBO_SHARE_DIR";

/// The shipped files, wherever they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The built web UI (`index.html` and `assets/`).
    pub ui: PathBuf,
    /// The bundled shows: `demo.json` and the pictures it uses.
    pub shows: PathBuf,
    /// The looks (`builtin.json`).
    pub looks: PathBuf,
    /// The JSON Schema of a show file, for editors.
    pub schema: PathBuf,
}

impl Share {
    /// The layout of an installed share folder (and of `KAIBO_SHARE_DIR`).
    pub fn installed(root: &Path) -> Share {
        Share {
            ui: root.join("ui"),
            shows: root.join("shows"),
            looks: root.join("looks"),
            schema: root.join("show.schema.json"),
        }
    }

    /// The same files in a source tree whose root is `repo`.
    pub fn source_tree(repo: &Path) -> Share {
        Share {
            ui: repo.join("ui/dist"),
            shows: repo.join("assets/shows"),
            looks: repo.join("assets/looks"),
            schema: repo.join("crates/show/show.schema.json"),
        }
    }

    /// The demo show.
    pub fn demo_show(&self) -> PathBuf {
        self.shows.join("demo.json")
    }

    /// Whether anything shipped is there.
    fn found(&self) -> bool {
        self.ui.is_dir() || self.shows.is_dir()
    }
}

/// The share folder this process uses (see the module's documentation for the order).
pub fn share() -> Share {
    resolve(non_empty_env(SHARE_DIR_VAR), std::env::current_exe().ok(), source_tree())
}

/// The web UI folder: `KAIBO_UI_DIR` when set (kept from before the share folder), else the
/// share folder's.
pub fn ui_dir() -> PathBuf {
    non_empty_env("KAIBO_UI_DIR").unwrap_or_else(|| share().ui)
}

/// `override_dir`, else the folder beside `exe`'s when it holds anything, else `source` (a
/// debug build's tree), else the folder beside `exe` all the same.
fn resolve(override_dir: Option<PathBuf>, exe: Option<PathBuf>, source: Option<PathBuf>) -> Share {
    if let Some(root) = override_dir {
        return Share::installed(&root);
    }
    let beside = exe.as_deref().and_then(beside_executable).map(|root| Share::installed(&root));
    if let Some(share) = beside.as_ref().filter(|s| s.found()) {
        return share.clone();
    }
    if let Some(repo) = source {
        return Share::source_tree(&repo);
    }
    beside.unwrap_or_else(|| Share::installed(Path::new("/usr/share/kaibo")))
}

/// `<prefix>/share/kaibo` for an executable in `<prefix>/bin` (links followed, so a link in
/// `~/.local/bin` to an unpacked install still finds its files).
fn beside_executable(exe: &Path) -> Option<PathBuf> {
    let exe = std::fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    Some(exe.parent()?.parent()?.join("share").join("kaibo"))
}

/// The source tree this binary was built from: only in debug builds, never in a release.
#[cfg(debug_assertions)]
fn source_tree() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Some(std::fs::canonicalize(&repo).unwrap_or(repo))
}

#[cfg(not(debug_assertions))]
fn source_tree() -> Option<PathBuf> {
    None
}

fn non_empty_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn installed_tree() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("bin")).unwrap();
        std::fs::write(root.path().join("bin/kaibo"), "").unwrap();
        std::fs::create_dir_all(root.path().join("share/kaibo/shows")).unwrap();
        root
    }

    #[test]
    fn the_override_wins_over_everything() {
        let tree = installed_tree();
        let share = resolve(
            Some(PathBuf::from("/opt/kaibo-share")),
            Some(tree.path().join("bin/kaibo")),
            Some(PathBuf::from("/src")),
        );
        assert_eq!(share, Share::installed(Path::new("/opt/kaibo-share")));
        assert_eq!(share.demo_show(), PathBuf::from("/opt/kaibo-share/shows/demo.json"));
    }

    #[test]
    fn an_installed_binary_finds_share_kaibo_beside_bin() {
        let tree = installed_tree();
        let root = std::fs::canonicalize(tree.path()).unwrap();
        let share = resolve(None, Some(tree.path().join("bin/kaibo")), Some(PathBuf::from("/src")));
        assert_eq!(share.shows, root.join("share/kaibo/shows"));
        assert_eq!(share.ui, root.join("share/kaibo/ui"));
        assert_eq!(share.schema, root.join("share/kaibo/show.schema.json"));
    }

    #[test]
    fn a_link_to_the_binary_still_finds_its_install() {
        let tree = installed_tree();
        let root = std::fs::canonicalize(tree.path()).unwrap();
        let links = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(links.path().join("bin")).unwrap();
        std::os::unix::fs::symlink(tree.path().join("bin/kaibo"), links.path().join("bin/kaibo")).unwrap();
        let share = resolve(None, Some(links.path().join("bin/kaibo")), None);
        assert_eq!(share.shows, root.join("share/kaibo/shows"));
    }

    #[test]
    fn without_an_install_a_debug_build_uses_its_sources_and_a_release_names_where_it_looked() {
        let empty = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(empty.path().join("bin")).unwrap();
        let exe = empty.path().join("bin/kaibo");
        assert_eq!(
            resolve(None, Some(exe.clone()), Some(PathBuf::from("/src"))),
            Share::source_tree(Path::new("/src"))
        );
        let root = std::fs::canonicalize(empty.path()).unwrap();
        assert_eq!(resolve(None, Some(exe), None).shows, root.join("share/kaibo/shows"));
    }

    #[test]
    fn this_debug_build_finds_the_demo_of_its_tree() {
        let sources = source_tree().expect("tests are debug builds");
        assert!(Share::source_tree(&sources).demo_show().is_file());
        assert!(Share::source_tree(&sources).schema.is_file());
    }
}
