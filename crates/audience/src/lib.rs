//! The audience path.
