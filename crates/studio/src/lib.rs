//! The Kaibo studio: the application around the media path, its control protocol, and its
//! headless CLI.

pub mod audience_feed;
pub mod bindings;
pub mod cli;
pub mod destinations;
pub mod obs;
pub mod pre_air;
pub mod protocol;
pub mod sales;
pub mod server;
pub mod session_log;
pub mod show_file;
pub mod studio;
pub mod vault;
mod views;

pub use protocol::{Command, CommandReply, Event, StudioError, StudioState};
pub use studio::{Studio, StudioConfig};
