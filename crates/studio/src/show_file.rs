//! Saving the show the studio holds (with every change made live: layers, cards, looks,
//! destinations) back to its file, or into the user's shows folder when it has none.
//!
//! What is written is the show format itself, so `kaibo check` and `kaibo live` read it.
//! Stream keys are never in it: destinations refer to the keyring by name. Units sold are
//! per session and are left out; stock left is kept. The file is replaced atomically (a
//! temporary file beside it with an unpredictable name, synced, renamed, then the folder
//! synced), so a crash never leaves half a show. A show file that is a symbolic link is not
//! saved: writing through it would change whatever file it points to, and replacing it would
//! silently break the link, so the operator is told to save the file itself.

use std::io::Write;
use std::path::{Path, PathBuf};

use show::Show;

/// `$XDG_CONFIG_HOME/kaibo/shows`, else `~/.config/kaibo/shows` (see [`crate::user_dirs`]).
pub fn default_shows_dir() -> PathBuf {
    crate::user_dirs::shows_dir()
}

/// Where `save_show` writes a show opened from `opened`: back to that file, except for the
/// bundled shows (the share folder's `shows/`: the demo is a template, never written over),
/// which are saved into the user's shows folder like a show with no file.
pub fn save_target(opened: Option<&Path>) -> Option<PathBuf> {
    let opened = opened?;
    let bundled = crate::share_dir::share().shows;
    match (std::fs::canonicalize(opened), std::fs::canonicalize(bundled)) {
        (Ok(file), Ok(bundled)) if file.starts_with(&bundled) => None,
        _ => Some(opened.to_path_buf()),
    }
}

/// A show's name made into a file name: letters, digits and `-` kept, anything else `-`.
/// Shows, recordings and reports are named with it.
pub fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '-' }).collect()
}

/// Where a show without a file of its own is saved: its name made into a file name.
pub fn default_path(show: &Show) -> PathBuf {
    let stem = file_stem(&show.name);
    let stem = stem.trim_matches('-');
    default_shows_dir().join(format!("{}.json", if stem.is_empty() { "show" } else { stem }))
}

/// The show as its file holds it.
pub fn to_json(show: &Show) -> String {
    let mut saved = show.clone();
    for product in &mut saved.products {
        product.sold = 0;
    }
    let mut json = serde_json::to_string_pretty(&saved).unwrap_or_default();
    json.push('\n');
    json
}

/// Writes `show` to `path`, replacing it atomically. Saved into another folder than its own,
/// its relative paths are made absolute so they still name the same files.
pub fn save(show: &Show, path: &Path) -> Result<(), String> {
    show.validate().map_err(|e| format!("the show has problems and was not saved:\n{e}"))?;
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut show = show.clone();
    show.rebase(&std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf()));
    let show = &show;
    std::fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{} is a symbolic link: the show is not saved through it (open the file it points to, or remove the link)",
            path.display()
        ));
    }
    let write = || -> std::io::Result<()> {
        let mut file = tempfile::Builder::new().prefix(".kaibo-show-").suffix(".saving").tempfile_in(folder)?;
        file.write_all(to_json(show).as_bytes())?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        sync_folder(folder)
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Makes a rename in `folder` durable (the new directory entry reaches the disk).
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::File::open(folder)?.sync_all()
}

/// Reserves a new recording file in `folder`: `<stem>-<date>-<time>.mp4`, with `-2`, `-3`...
/// when that name is taken (two Go Lives in the same second). The file is created empty
/// with `create_new`, so an existing recording is never written over.
pub fn reserve_recording(folder: &Path, stem: &str) -> std::io::Result<PathBuf> {
    let stem = if stem.trim_matches('-').is_empty() { "show" } else { stem };
    let base = format!("{stem}-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"));
    for n in 1..=1000u32 {
        let name = if n == 1 { format!("{base}.mp4") } else { format!("{base}-{n}.mp4") };
        let candidate = folder.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&candidate) {
            Ok(_) => return Ok(candidate),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("too many recordings named {base} in {}", folder.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_show_reads_back_the_same_without_its_session_counts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let json = r#"{ "name": "茶 Tea night", "canvas": { "width": 640, "height": 360, "fps": 30 },
            "scenes": [{ "id": "main", "layers": [{ "kind": "camera", "id": "cam" }] }],
            "products": [{ "id": "tea", "name": "Tea", "price": 88, "url": "https://shop.example/tea", "stock": 7, "sold": 3 }],
            "destinations": [{ "id": "bili", "platform": "bilibili", "url": "rtmp://live-push.bilivideo.com/live-bvc/",
                               "key": { "secret": "destination-bili" } }] }"#;
        let show = Show::parse(json, dir.path()).expect("valid show");
        let path = dir.path().join("saved.json");
        save(&show, &path).expect("saved");
        let again = Show::load(&path).expect("reads back");
        assert_eq!(again.products[0].stock, Some(7));
        assert_eq!(again.products[0].sold, 0, "units sold are per session");
        assert_eq!(again.destinations, show.destinations);
        assert_eq!(again.scenes, show.scenes);
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("saved.json")], "no temporary file left behind");
        assert_eq!(default_path(&show).file_name().and_then(|n| n.to_str()), Some("茶-Tea-night.json"));
    }

    fn tiny_show(dir: &Path) -> Show {
        Show::parse(
            r#"{ "canvas": { "width": 640, "height": 360, "fps": 30 }, "scenes": [{ "id": "main", "layers": [] }] }"#,
            dir,
        )
        .expect("valid show")
    }

    #[test]
    fn a_symlinked_show_file_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").expect("write");
        let link = dir.path().join("show.json");
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        let error = save(&tiny_show(dir.path()), &link).expect_err("refused");
        assert!(error.contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
        assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    }

    #[test]
    fn the_old_predictable_temporary_name_is_not_followed() {
        // Today's main wrote `.NAME.saving` with File::create, following a link planted there.
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").expect("write");
        std::os::unix::fs::symlink(&victim, dir.path().join(".show.json.saving")).expect("symlink");
        save(&tiny_show(dir.path()), &dir.path().join("show.json")).expect("saved");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
        assert!(Show::load(&dir.path().join("show.json")).is_ok());
    }

    #[test]
    fn recordings_in_the_same_second_get_their_own_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = reserve_recording(dir.path(), "tea").expect("first");
        std::fs::write(&first, "recorded").expect("write");
        let second = reserve_recording(dir.path(), "tea").expect("second");
        assert_ne!(first, second);
        assert_eq!(std::fs::read_to_string(&first).expect("read"), "recorded", "never truncated");
        assert!(second.to_string_lossy().ends_with(".mp4"));
    }

    #[test]
    fn the_bundled_demo_is_never_written_over() {
        let demo = crate::share_dir::share().demo_show();
        assert!(demo.is_file(), "{} is missing", demo.display());
        assert_eq!(save_target(Some(&demo)), None);
        let dir = tempfile::tempdir().expect("temp dir");
        let own = dir.path().join("mine.json");
        assert_eq!(save_target(Some(&own)), Some(own.clone()));
        assert_eq!(save_target(None), None);
    }

    #[test]
    fn a_show_that_does_not_validate_is_not_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut show = Show::parse(
            r#"{ "canvas": { "width": 640, "height": 360, "fps": 30 }, "scenes": [{ "id": "main", "layers": [] }] }"#,
            dir.path(),
        )
        .expect("valid show");
        show.canvas.fps = 0;
        let path = dir.path().join("bad.json");
        assert!(save(&show, &path).expect_err("refused").contains("fps"));
        assert!(!path.exists());
    }
}
