//! The show: the document a producer edits, saves and goes live with.
//!
//! Pure data: serde, validation and a JSON Schema. No GStreamer and no I/O beyond reading
//! the show file and checking that the files it names exist.
//!
//! ```no_run
//! let show = show::Show::load(std::path::Path::new("assets/shows/demo.json"))?;
//! println!("{} scenes", show.scenes.len());
//! # Ok::<(), show::ShowError>(())
//! ```

mod audio;
mod catalogue;
mod color;
mod countdown;
mod edit;
mod error;
mod looks;
mod model;
mod parse;
mod redact;
mod schema;
mod show_edit;
mod transition;
mod validate;

pub use audio::{AudioChange, AudioFilter, AudioInput, AudioKind, Duck, LEGACY_ID};
pub use catalogue::{catalogue_products, CatalogueImport};
pub use color::parse_color;
pub use countdown::parse_rfc3339;
pub use edit::LayerEdit;
pub use error::{plain_io_reason, Problem, ShowError, ROOT_PATH};
pub use looks::builtin_looks;
pub use model::*;
pub use redact::{mask_key, redact_url, redact_url_with_key, redact_urls_in_text, INVALID_URL, MASK};
pub use schema::json_schema;
pub use show_edit::ShowEdit;
pub use transition::{Transition, TransitionKind, MAX_TRANSITION_MS};
pub use validate::{
    COMPRESSOR_RATIO, COMPRESSOR_THRESHOLD_DB, FILTER_GAIN_DB, GATE_THRESHOLD_DB, SYNC_OFFSET_MS, VOLUME_DB,
    X264_PRESETS,
};
