//! The desktop shell, and thin: it hosts a [`Studio`] in-process and bridges the same
//! `Command`/`Event` types as `kaibo serve`, over Tauri IPC instead of HTTP. No media or
//! platform logic lives here.
//!
//! - `studio_state` → [`StudioState`], `studio_command` → [`CommandReply`] or [`StudioError`],
//!   `studio_preview_frame` → the latest preview JPEG (raw bytes, empty when not live).
//! - Every studio event is emitted to the window as `studio-event`.

use std::path::PathBuf;

use studio::audience_feed::{self, AudienceOptions};
use studio::protocol::{Command, CommandReply, CommandSource, Event, StudioError, StudioState};
use studio::{Studio, StudioConfig};
use tauri::{Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

#[tauri::command]
async fn studio_state(studio: tauri::State<'_, Studio>) -> Result<StudioState, StudioError> {
    Ok(studio.state().await)
}

/// A command from the window; `hotkey` when a keyboard shortcut sent it (the audit log
/// tells the desktop's clicks from its shortcuts).
#[tauri::command]
async fn studio_command(
    studio: tauri::State<'_, Studio>,
    command: Command,
    hotkey: Option<bool>,
) -> Result<CommandReply, StudioError> {
    let source = if hotkey == Some(true) { CommandSource::Hotkey } else { CommandSource::Desktop };
    studio.apply_from(command, source).await
}

#[tauri::command]
async fn studio_preview_frame(studio: tauri::State<'_, Studio>) -> Result<tauri::ipc::Response, StudioError> {
    let latest = studio.preview().borrow().clone();
    Ok(tauri::ipc::Response::new(latest.map(|jpeg| jpeg.to_vec()).unwrap_or_default()))
}

/// The show to open: the one given, else the demo show of this source tree.
fn show_path(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/shows/demo.json"))
}

/// Opens the studio window on `show` (the demo show when `None`) and runs until it closes.
/// The remote console runs beside it when `console` is given (see [`RemoteConsole`]).
pub fn run(show: Option<PathBuf>, console: Option<RemoteConsole>) -> Result<(), String> {
    studio::vault::use_backend(studio::vault::Backend::from_environment());
    // The demo show of the source tree is never written over: without a show of its own the
    // studio saves into the user's shows folder.
    let given = studio::show_file::save_target(show.as_deref());
    let path = show_path(show);
    let show = show::Show::load(&path).map_err(|e| format!("{} has problems:\n{e}", path.display()))?;
    let recording_dir = std::env::var_os("HOME").map(|home| PathBuf::from(home).join("Videos").join("Kaibo"));
    let (store, session) = studio::session_log::open_session(&studio::cli::report::default_data_dir(), &show.name)?;
    let products = show.products.iter().map(|p| (p.id.clone(), format!("{}", p.price), p.currency.clone())).collect();
    let media_dir = Some(studio::cli::report::default_data_dir().join("media"));
    let config =
        StudioConfig { recording_dir, session: Some(session), banned_words: Vec::new(), show_file: given, media_dir };
    let studio = Studio::new(show, config);
    let simulate = std::env::var("KAIBO_SIMULATE").ok().and_then(|rate| rate.parse::<f64>().ok());

    tauri::Builder::default()
        .manage(studio.clone())
        .invoke_handler(tauri::generate_handler![studio_state, studio_command, studio_preview_frame])
        .setup(move |app| {
            let handle = app.handle().clone();
            let events = studio.clone();
            tauri::async_runtime::spawn(async move { forward_events(events, handle).await });
            // Cameras and microphones come and go in the state (see docs/devices.md).
            let devices = studio.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(error) = devices.watch_devices().await {
                    eprintln!("warning: {error}");
                }
            });
            if let Some(console) = console {
                let console_studio = studio.clone();
                tauri::async_runtime::spawn(async move { console.serve(console_studio).await });
            }
            // The audience path runs for the window's life: the simulator when asked for, and
            // the platform chats the operator connects from the side panel.
            let feed_studio = studio.clone();
            tauri::async_runtime::spawn(async move {
                let options = AudienceOptions { simulate, products, ..AudienceOptions::default() };
                match audience_feed::start(feed_studio.clone(), options, store).await {
                    Ok(feed) => feed_studio.attach_feed(feed).await,
                    Err(error) => eprintln!("warning: {error}"),
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event {
                // A live show ends cleanly (EOS, recording finalized) when the window goes.
                let handle = window.app_handle();
                let studio = handle.state::<Studio>().inner().clone();
                tauri::async_runtime::block_on(async move { studio.shutdown().await });
            }
        })
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not run: {e}"))
}

/// The shortest `KAIBO_TOKEN` the remote console takes, as `kaibo serve` asks.
pub const MIN_TOKEN_CHARS: usize = audience::http_guard::MIN_TOKEN_CHARS;

/// The remote operator console: the same studio, over HTTP, for an assistant's browser (a
/// tablet beside the desk), exactly as `kaibo serve` offers it. It is off unless
/// `KAIBO_LISTEN` names the address to listen on (`127.0.0.1:8417`); the token is
/// `KAIBO_TOKEN` (at least 16 characters) or a new one, printed once with the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConsole {
    pub listen: std::net::SocketAddr,
    token: String,
}

impl RemoteConsole {
    /// The console `KAIBO_LISTEN` and `KAIBO_TOKEN` ask for: `None` when `KAIBO_LISTEN` is
    /// unset or empty; an error a streamer can act on when either is wrong.
    pub fn from_environment() -> Result<Option<RemoteConsole>, String> {
        RemoteConsole::from_values(std::env::var("KAIBO_LISTEN").ok(), std::env::var("KAIBO_TOKEN").ok())
    }

    fn from_values(listen: Option<String>, token: Option<String>) -> Result<Option<RemoteConsole>, String> {
        let Some(listen) = listen.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()) else {
            return Ok(None);
        };
        let listen = listen
            .parse()
            .map_err(|_| format!("KAIBO_LISTEN is not an address to listen on, such as 127.0.0.1:8417: {listen:?}"))?;
        let token = match token.filter(|t| !t.trim().is_empty()) {
            Some(token) => check_token(token)?,
            None => audience::bridge::generate_token(),
        };
        Ok(Some(RemoteConsole { listen, token }))
    }

    async fn serve(self, studio: Studio) {
        let RemoteConsole { listen, token } = self;
        let config = studio::server::ServerConfig {
            token: token.clone(),
            ui_dir: studio::server::static_files::default_ui_dir(),
        };
        match studio::server::start(studio, config, listen, std::future::pending()).await {
            Ok((addr, _server)) => {
                if !addr.ip().is_loopback() {
                    eprintln!("warning: the remote console listens on {addr}: anyone who can reach it and has the token controls the show");
                }
                println!("remote console: http://{addr}/?token={token}");
            }
            Err(error) => eprintln!(
                "warning: no remote console: cannot listen on {listen} ({error}); set KAIBO_LISTEN to another address"
            ),
        }
    }
}

/// A token anyone could guess in an afternoon controls the show: refuse it.
fn check_token(token: String) -> Result<String, String> {
    match audience::http_guard::token_problem("KAIBO_TOKEN", &token) {
        Some(problem) => Err(problem),
        None => Ok(token),
    }
}

/// Every studio event to the window, in order; a window that fell behind gets the state.
async fn forward_events(studio: Studio, handle: tauri::AppHandle) {
    let mut events = studio.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(_)) => Event::State { state: Box::new(studio.state().await) },
            Err(RecvError::Closed) => return,
        };
        if handle.emit("studio-event", &event).is_err() {
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_remote_console_is_off_without_kaibo_listen() {
        assert_eq!(RemoteConsole::from_values(None, Some("a-token-long-enough".into())), Ok(None));
        assert_eq!(RemoteConsole::from_values(Some("  ".into()), None), Ok(None));
    }

    #[test]
    fn a_short_token_or_a_bad_address_is_refused_in_words() {
        let error = RemoteConsole::from_values(Some("127.0.0.1:8417".into()), Some("short".into())).unwrap_err();
        assert!(error.contains("KAIBO_TOKEN is too short") && error.contains("at least 16"), "{error}");
        let error = RemoteConsole::from_values(Some("localhost".into()), None).unwrap_err();
        assert!(error.contains("KAIBO_LISTEN"), "{error}");
        let console = RemoteConsole::from_values(Some("127.0.0.1:8417".into()), Some("sixteen-chars-ok".into()));
        assert!(matches!(console, Ok(Some(RemoteConsole { .. }))), "{console:?}");
        let generated = RemoteConsole::from_values(Some("127.0.0.1:8417".into()), None).unwrap().unwrap();
        assert!(generated.token.chars().count() >= MIN_TOKEN_CHARS);
    }
}
