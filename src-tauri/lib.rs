//! The desktop shell, and thin: it hosts a [`Studio`] in-process and bridges the same
//! `Command`/`Event` types as `kaibo serve`, over Tauri IPC instead of HTTP. No media or
//! platform logic lives here.
//!
//! - `studio_state` → [`StudioState`], `studio_command` → [`CommandReply`] or [`StudioError`],
//!   `studio_preview_frame` → the latest preview JPEG (raw bytes, empty while the program
//!   is not running).
//! - It takes the same options as `kaibo serve` ([`DesktopArgs`]) and starts the studio
//!   through the same launcher.
//! - Every studio event is emitted to the window as `studio-event`.

use std::path::PathBuf;

use studio::cli::studio_options;
pub use studio::cli::studio_options::DesktopArgs;
use studio::protocol::{Command, CommandReply, CommandSource, Event, StudioError, StudioState};
use studio::Studio;
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
async fn studio_preview_frame(
    studio: tauri::State<'_, Studio>,
    scene: Option<String>,
) -> Result<tauri::ipc::Response, StudioError> {
    let frames = match scene.as_deref() {
        Some("preview") => studio.studio_preview().await,
        _ => studio.preview(),
    };
    let latest = frames.borrow().clone();
    Ok(tauri::ipc::Response::new(latest.map(|jpeg| jpeg.to_vec()).unwrap_or_default()))
}

/// The show to open: the one given, else the bundled demo show (see [`studio::share_dir`]).
fn show_path(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| studio::share_dir::share().demo_show())
}

/// Opens the studio window on the show `args` names (the demo show without one), with the
/// same options as `kaibo serve` (banned words, bridge, recording folder, data folder,
/// simulator), and runs until it closes. The program opens at once, so the preview shows it
/// before Go Live. The remote console runs beside it when `console` is given (see
/// [`RemoteConsole`]).
pub fn run(args: DesktopArgs, console: Option<RemoteConsole>) -> Result<(), String> {
    studio::vault::use_backend(studio::vault::Backend::from_environment());
    // A bridge beyond loopback needs --allow-remote, as in `kaibo serve` (the console, opt-in
    // by KAIBO_LISTEN, warns about itself).
    if let Some(problem) = args.studio.remote_problem(None) {
        return Err(problem);
    }
    // The bundled demo show is never written over: without a show of its own the
    // studio saves into the user's shows folder.
    let given = args.show.clone();
    let path = show_path(args.show.clone());
    let show = show::Show::load(&path).map_err(|e| format!("{} has problems:\n{e}", path.display()))?;
    let control = console.as_ref().map(|c| c.token.clone()).unwrap_or_default();
    let (bridge_token, generated) = studio_options::bridge_token(&control)?;
    let launched = tauri::async_runtime::block_on(studio_options::launch(
        &args.studio,
        show,
        given.as_deref(),
        bridge_token.clone(),
    ))?;
    if let Some(bridge) = launched.bridge_addr {
        println!("{}", studio_options::bridge_line(bridge, &bridge_token, generated));
    }
    // The endpoint runs as long as the window (its switch off is dropped with the app).
    let _obs = launched.obs.map(|obs| {
        println!("{}", obs.line);
        obs.stop
    });
    let studio = launched.studio;

    tauri::Builder::default()
        .manage(studio.clone())
        .invoke_handler(tauri::generate_handler![studio_state, studio_command, studio_preview_frame])
        .setup(move |app| {
            let handle = app.handle().clone();
            let events = studio.clone();
            tauri::async_runtime::spawn(async move { forward_events(events, handle).await });
            if let Some(console) = console {
                let console_studio = studio.clone();
                tauri::async_runtime::spawn(async move { console.serve(console_studio).await });
            }
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
