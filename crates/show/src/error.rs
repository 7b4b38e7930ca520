//! What went wrong with a show, said so a producer can fix it.

use std::fmt;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The path of the whole document, for problems that belong to no single field.
pub const ROOT_PATH: &str = "(show)";

/// One thing wrong with a show: where (`scenes[0].layers[3].rect`) and what, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Problem {
    /// A field path such as `scenes[0].layers[3].rect`, `(show)` for the whole document,
    /// or a file path when the show file itself cannot be read.
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { path: path.into(), message: message.into() }
    }
}

/// Everything wrong with a show, never empty when returned as an error. Displays one
/// problem per line as `PATH: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", Lines(.problems))]
pub struct ShowError {
    pub problems: Vec<Problem>,
}

struct Lines<'a>(&'a [Problem]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl ShowError {
    /// An error with a single problem.
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        ShowError { problems: vec![Problem::new(path, message)] }
    }

    /// The show file could not be read: names the file and the system's reason in plain
    /// words, such as `/home/a/show.json: cannot read the file: it does not exist`.
    pub fn unreadable(file: &Path, error: &io::Error) -> Self {
        ShowError::single(file.display().to_string(), format!("cannot read the file: {}", plain_io_reason(error)))
    }

    /// Whether some problem is at exactly `path`.
    pub fn has_path(&self, path: &str) -> bool {
        self.problems.iter().any(|p| p.path == path)
    }
}

/// An I/O error in words a producer understands, without the `(os error 2)` noise.
pub fn plain_io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "it does not exist".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "it is a folder, not a file".to_owned(),
        io::ErrorKind::InvalidData => "it is not UTF-8 text".to_owned(),
        _ => {
            let text = error.to_string();
            // "No such device (os error 19)" -> "no such device"
            let text = match text.find(" (os error") {
                Some(at) => &text[..at],
                None => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => "unknown error".to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_one_problem_per_line() {
        let error = ShowError {
            problems: vec![
                Problem::new("scenes[0].layers[3].rect", "width must be > 0"),
                Problem::new("canvas.fps", "must be between 1 and 60, got 0"),
            ],
        };
        assert_eq!(
            error.to_string(),
            "scenes[0].layers[3].rect: width must be > 0\ncanvas.fps: must be between 1 and 60, got 0"
        );
    }

    #[test]
    fn unreadable_file_says_why_in_plain_words() {
        let error = ShowError::unreadable(Path::new("/nowhere/show.json"), &io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(error.to_string(), "/nowhere/show.json: cannot read the file: it does not exist");
        let other = io::Error::from_raw_os_error(19);
        let error = ShowError::unreadable(Path::new("/dev/x"), &other);
        assert!(!error.to_string().contains("os error"), "{error}");
    }
}
