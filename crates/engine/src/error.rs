//! Engine errors, worded for the streamer.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("GStreamer could not start: {0}")]
    Init(String),
    #[error("missing GStreamer plugins: {}. Install them (see README: make deps)", .0.join(", "))]
    MissingElements(Vec<String>),
    #[error("cannot create the {element} element: {reason}")]
    Element { element: String, reason: String },
    #[error("cannot build the pipeline ({step}): {reason}")]
    Build { step: String, reason: String },
    #[error("{0}")]
    Unknown(String),
    #[error("the pipeline did not start: {0}")]
    Start(String),
    #[error("cannot draw layer {layer}: {reason}")]
    Render { layer: String, reason: String },
    #[error("the program has stopped")]
    Stopped,
}

impl EngineError {
    pub(crate) fn element(element: &str, reason: impl std::fmt::Display) -> EngineError {
        EngineError::Element { element: element.to_owned(), reason: reason.to_string() }
    }

    pub(crate) fn build(step: &str, reason: impl std::fmt::Display) -> EngineError {
        EngineError::Build { step: step.to_owned(), reason: reason.to_string() }
    }

    pub(crate) fn missing_pad(pad: &str) -> EngineError {
        EngineError::Build { step: "linking".to_owned(), reason: format!("no {pad} pad") }
    }
}
