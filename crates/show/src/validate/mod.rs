//! The rules a show must follow beyond its JSON shape. Every problem is collected, so a
//! producer fixes them all in one pass.

mod audio;
mod commerce;
mod layers;
mod looks;
mod outputs;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::Read as _;

use crate::error::{plain_io_reason, Problem, ShowError};
use crate::model::Show;

pub use audio::{
    COMPRESSOR_RATIO, COMPRESSOR_THRESHOLD_DB, FILTER_GAIN_DB, GATE_THRESHOLD_DB, SYNC_OFFSET_MS, VOLUME_DB,
};

/// The x264 presets a show may ask for, fastest first. Slower ones cannot keep up live on
/// the machines we target.
pub const X264_PRESETS: &[&str] = &["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"];

/// How far past the canvas edge a rect may reach, for rounding in editors.
const EDGE_TOLERANCE: f64 = 1e-6;

/// The longest countdown and run-of-show target: a day.
const MAX_SECONDS: u32 = 86_400;

/// The longest talking point, in characters.
const MAX_TALKING_POINT_CHARS: usize = 500;

/// The longest stream delay a destination may ask for.
const MAX_DELAY_SECONDS: u32 = 30;

impl Show {
    /// Checks every rule of the show format and reports all problems found. Files named by
    /// the show (images, LUTs) are looked for relative to `base_dir`.
    pub fn validate(&self) -> Result<(), ShowError> {
        let mut check = Checker { show: self, problems: Vec::new() };
        check.canvas();
        if self.transition.ms > crate::MAX_TRANSITION_MS {
            check.problem(
                "transition.ms",
                format!("a transition lasts at most {} ms, not {}", crate::MAX_TRANSITION_MS, self.transition.ms),
            );
        }
        check.audio();
        if let Some(logo) = &self.logo {
            check.picture("logo", logo);
        }
        if let Some(slate) = &self.safe_slate {
            check.safe_slate(slate);
        }
        check.scenes();
        check.products();
        if let Some(run) = &self.run_of_show {
            check.run_of_show(run);
        }
        check.looks();
        check.destinations();
        check.encoding(&self.encoding);
        if check.problems.is_empty() {
            Ok(())
        } else {
            Err(ShowError { problems: check.problems })
        }
    }
}

/// A number as a producer would write it: `0.5`, `1`, `1.2` (not `1.2000000000000002`).
fn num(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

struct Checker<'a> {
    show: &'a Show,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn finite(&mut self, path: &str, value: f64) -> bool {
        if value.is_finite() {
            true
        } else {
            self.problem(path, format!("must be a finite number, got {value}"));
            false
        }
    }

    /// `lo <= value <= hi`, finite.
    fn range(&mut self, path: &str, value: f64, lo: f64, hi: f64) {
        if self.finite(path, value) && !(lo..=hi).contains(&value) {
            self.problem(path, format!("must be between {} and {}, got {}", num(lo), num(hi), num(value)));
        }
    }

    fn whole_range(&mut self, path: &str, value: u32, lo: u32, hi: u32) {
        if !(lo..=hi).contains(&value) {
            self.problem(path, format!("must be between {lo} and {hi}, got {value}"));
        }
    }

    fn not_empty(&mut self, path: &str, value: &str) -> bool {
        if value.trim().is_empty() {
            self.problem(path, "must not be empty");
            false
        } else {
            true
        }
    }

    /// Non-empty ids, each used once; `what` names the thing in messages ("scene id").
    fn unique_ids<'i>(&mut self, what: &str, ids: impl Iterator<Item = (String, &'i str)>) {
        let mut seen: HashMap<&str, String> = HashMap::new();
        for (path, id) in ids {
            if !self.not_empty(&path, id) {
                continue;
            }
            if let Some(first) = seen.get(id) {
                self.problem(&path, format!("duplicate {what} \"{id}\" (already used by {first})"));
            } else {
                seen.insert(id, path.trim_end_matches(".id").to_owned());
            }
        }
    }

    /// A PNG or JPEG that exists, told apart by its first bytes, not its name.
    fn picture(&mut self, path: &str, rel: &str) {
        if !self.not_empty(path, rel) {
            return;
        }
        let file = self.show.resolve(rel);
        if file.is_dir() {
            self.problem(path, format!("\"{rel}\" is a folder, not a PNG or JPEG file"));
            return;
        }
        let mut magic = Vec::with_capacity(8);
        let read = std::fs::File::open(&file).and_then(|f| f.take(8).read_to_end(&mut magic));
        match read {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                self.problem(path, format!("\"{rel}\" does not exist (looked for {})", file.display()))
            }
            Err(error) => self.problem(path, format!("cannot read \"{rel}\": {}", plain_io_reason(&error))),
            Ok(_) if is_png(&magic) || is_jpeg(&magic) => {}
            Ok(_) => self.problem(path, format!("\"{rel}\" is not a PNG or JPEG image")),
        }
    }
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}
