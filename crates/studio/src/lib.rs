//! The Kaibo studio: the application around the media path, and its headless CLI.

pub mod cli;
pub mod destinations;
pub mod vault;
