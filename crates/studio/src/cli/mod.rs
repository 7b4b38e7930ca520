//! The headless command line, `kaibo`.

pub mod check;
pub mod console;
pub mod import;
pub mod listen;
pub mod live;
pub mod report;
pub mod secret;
pub mod serve;
pub mod studio_options;

use show::{Show, ShowError};

/// Prints a show's problems, one per line, the way a streamer can fix them.
pub(crate) fn print_show_error(path: &std::path::Path, error: &ShowError) {
    eprintln!("error: {} has problems:", path.display());
    for line in error.to_string().lines() {
        eprintln!("  {line}");
    }
}

/// Loads a show or prints why it cannot be used.
pub(crate) fn load_show(path: &std::path::Path) -> Option<Show> {
    match Show::load(path) {
        Ok(show) => Some(show),
        Err(error) => {
            print_show_error(path, &error);
            None
        }
    }
}
