//! Draws static layers.
