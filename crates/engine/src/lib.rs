//! The media path.
