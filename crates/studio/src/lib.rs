//! The Kaibo studio: the application around the media path, its control protocol, and its
//! headless CLI.

pub mod audience_feed;
mod audio_protocol;
pub mod bindings;
pub mod cli;
pub mod destinations;
pub mod media_files;
pub mod obs;
pub mod pre_air;
pub mod protocol;
pub mod said;
pub mod sales;
pub mod server;
pub mod session_log;
pub mod share_dir;
pub mod show_file;
pub mod studio;
pub mod user_dirs;
pub mod vault;
mod views;

pub use protocol::{Command, CommandReply, Event, StudioError, StudioState};
pub use studio::{Studio, StudioConfig};
