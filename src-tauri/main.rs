//! `kaibo-studio`: the desktop window. Without a display it says so and points at
//! `kaibo serve` (GTK would panic otherwise).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = kaibo_desktop::DesktopArgs::from_command_line();
    // A remote console asked for with a weak token is refused before anything opens.
    let console = match kaibo_desktop::RemoteConsole::from_environment() {
        Ok(console) => console,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !has_display {
        eprintln!("error: no display to open the window on: run `kaibo serve` and open the URL it prints in a browser");
        return ExitCode::from(2);
    }
    match kaibo_desktop::run(args, console) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
