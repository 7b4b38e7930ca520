//! The show: the document a producer edits, saves and goes live with.
//!
//! Pure data: serde, validation and a JSON Schema. No GStreamer and no I/O beyond reading
//! the show file and checking that the files it names exist.

mod model;

pub use model::*;
