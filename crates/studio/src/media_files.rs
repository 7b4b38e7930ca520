//! The studio's media folder: the files (pictures, video, sound, `.cube` LUTs) uploads put
//! there and imports copy there, each with a plain name, contents that are what the name says,
//! and never written over (a name already taken gets `-2`, `-3`... before its extension).

use std::io::Write;
use std::path::{Path, PathBuf};

/// The longest file name kept, in bytes.
const MAX_NAME: usize = 128;

/// A plain file name: no folder parts, no `..`, not hidden, no control characters, an
/// extension the studio knows.
pub fn clean_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("name the file: POST /api/media?name=picture.png".into());
    }
    if name.contains(['/', '\\']) || name.contains("..") || name.chars().any(char::is_control) {
        return Err("the file name must be a plain name such as picture.png (no folders, no ..)".into());
    }
    if name.starts_with('.') {
        return Err("the file name must not start with a dot (hidden files are not taken)".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!("the file name is longer than {MAX_NAME} bytes"));
    }
    if kind_of(name).is_none() {
        return Err(format!(
            "the studio takes {} files only",
            KNOWN.iter().map(|(ext, _)| *ext).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(name.to_owned())
}

/// What a file's first bytes must look like, by type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Png,
    Jpeg,
    Webp,
    Gif,
    Mp4,
    Matroska,
    Mp3,
    Wav,
    Ogg,
    Cube,
}

const KNOWN: &[(&str, Kind)] = &[
    ("png", Kind::Png),
    ("jpg", Kind::Jpeg),
    ("jpeg", Kind::Jpeg),
    ("webp", Kind::Webp),
    ("gif", Kind::Gif),
    ("mp4", Kind::Mp4),
    ("mov", Kind::Mp4),
    ("m4a", Kind::Mp4),
    ("webm", Kind::Matroska),
    ("mkv", Kind::Matroska),
    ("mp3", Kind::Mp3),
    ("wav", Kind::Wav),
    ("ogg", Kind::Ogg),
    ("cube", Kind::Cube),
];

fn kind_of(name: &str) -> Option<Kind> {
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    KNOWN.iter().find(|(known, _)| *known == ext).map(|(_, kind)| *kind)
}

/// The body must be what its name says.
pub fn check_type(name: &str, body: &[u8]) -> Result<(), String> {
    let kind = kind_of(name).ok_or("unknown file type")?;
    let ok = match kind {
        Kind::Png => body.starts_with(b"\x89PNG\r\n\x1a\n"),
        Kind::Jpeg => body.starts_with(b"\xff\xd8\xff"),
        Kind::Webp => body.len() >= 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WEBP",
        Kind::Gif => body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a"),
        // ISO BMFF: a box size, then `ftyp` (QuickTime files may start with another box).
        Kind::Mp4 => body.len() >= 12 && matches!(&body[4..8], b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free"),
        Kind::Matroska => body.starts_with(b"\x1a\x45\xdf\xa3"),
        Kind::Mp3 => body.starts_with(b"ID3") || (body.len() >= 2 && body[0] == 0xff && body[1] & 0xe0 == 0xe0),
        Kind::Wav => body.len() >= 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WAVE",
        Kind::Ogg => body.starts_with(b"OggS"),
        Kind::Cube => {
            std::str::from_utf8(body).is_ok_and(|text| text.contains("LUT_3D_SIZE") || text.contains("LUT_1D_SIZE"))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the file's contents are not {} data, as its name \"{name}\" says",
            format!("{kind:?}").to_lowercase()
        ))
    }
}

/// Writes `body` into `folder` as `name`, or `stem-N.ext` when taken. Never overwrites.
pub fn store(folder: &Path, name: &str, body: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let folder = folder.canonicalize()?;
    let mut file = tempfile::Builder::new().prefix(".upload-").tempfile_in(&folder)?;
    file.write_all(body)?;
    file.as_file().sync_all()?;
    let path = Path::new(name);
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    for n in 1..=1000u32 {
        let candidate = if n == 1 { folder.join(name) } else { folder.join(format!("{stem}-{n}.{ext}")) };
        match file.persist_noclobber(&candidate) {
            Ok(_) => return Ok(candidate),
            Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => file = error.file,
            Err(error) => return Err(error.error),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, format!("too many files named {name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain() {
        assert_eq!(clean_name(" logo.png ").as_deref(), Ok("logo.png"));
        for bad in ["", "../x.png", "a/b.png", "a\\b.png", ".hidden.png", "x.exe", "x", "a\nb.png", "..png"] {
            assert!(clean_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn types_are_checked_by_their_bytes() {
        assert!(check_type("a.png", b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(check_type("a.png", b"<html>not a picture</html>").is_err());
        assert!(check_type("a.jpg", b"\xff\xd8\xff\xe0").is_ok());
        assert!(check_type("a.webm", b"\x1a\x45\xdf\xa3....").is_ok());
        assert!(check_type("a.mp4", b"\0\0\0\x18ftypisom....").is_ok());
        assert!(check_type("a.cube", b"TITLE \"x\"\nLUT_3D_SIZE 2\n0 0 0\n").is_ok());
        assert!(check_type("a.cube", b"\x89PNG").is_err());
    }

    #[test]
    fn nothing_is_written_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = store(dir.path(), "a.png", b"one").expect("first");
        let second = store(dir.path(), "a.png", b"two").expect("second");
        assert_ne!(first, second);
        assert!(second.ends_with("a-2.png"), "{}", second.display());
        assert_eq!(std::fs::read(&first).expect("read"), b"one");
    }
}
