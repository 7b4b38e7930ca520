//! `kaibo serve [SHOW] [--listen ADDR]`: the studio without a window, with its web UI.
//!
//! Prints one line with the URL and the access token (the only place the token is ever
//! printed). Loopback only unless `--allow-remote`: anyone with the token can go live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use show::Show;

use super::load_show;
use crate::audience_feed::{self, AudienceOptions};
use crate::server::{self, static_files, ServerConfig};
use crate::session_log::open_session;
use crate::studio::{Studio, StudioConfig};

/// `kaibo serve` options.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// The show file (JSON). Without one, an empty show with a camera.
    pub show: Option<PathBuf>,
    /// Where to listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8417")]
    pub listen: SocketAddr,
    /// Allow listening on an address other than loopback (anyone reaching it with the token
    /// controls the show).
    #[arg(long)]
    pub allow_remote: bool,
    /// The built web UI (default: KAIBO_UI_DIR, else ui/dist of the source tree).
    #[arg(long, value_name = "DIR")]
    pub ui: Option<PathBuf>,
    /// Record each show into this folder (default: ~/Videos/Kaibo).
    #[arg(long, value_name = "DIR")]
    pub record_dir: Option<PathBuf>,
    /// Do not record locally.
    #[arg(long, conflicts_with = "record_dir")]
    pub no_record: bool,
    /// Feed the chat panel from the rehearsal simulator, this many events a second.
    #[arg(long, value_name = "RATE")]
    pub simulate: Option<f64>,
    /// Accept audience events from outside tools here (the bridge; same token).
    #[arg(long, value_name = "ADDR")]
    pub bridge: Option<SocketAddr>,
    /// A word to mask in chat and keep off air (repeat). Pre-air checks refuse text layers,
    /// card names and talking points that hold one, unless the operator overrides.
    #[arg(long = "ban", value_name = "WORD")]
    pub banned_words: Vec<String>,
    /// Where sessions are kept (`sessions.db`, reports): default KAIBO_DATA_DIR, else
    /// ~/.local/share/kaibo.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Used when `kaibo serve` is given no show.
const EMPTY_SHOW: &str = r#"{ "name": "Kaibo Studio", "scenes": [{ "id": "main", "name": "Main",
  "layers": [{ "id": "camera", "kind": "camera" }] }] }"#;

pub fn run(args: ServeArgs) -> ExitCode {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        eprintln!(
            "error: {} is reachable from other machines; add --allow-remote if that is what you want",
            args.listen
        );
        return ExitCode::from(2);
    }
    let show = match &args.show {
        Some(path) => match load_show(path) {
            Some(show) => show,
            None => return ExitCode::from(2),
        },
        None => match Show::parse(EMPTY_SHOW, &std::env::current_dir().unwrap_or_default()) {
            Ok(show) => show,
            Err(error) => {
                eprintln!("error: the built-in show is broken: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args, show))
}

async fn serve(args: ServeArgs, show: Show) -> ExitCode {
    let token = std::env::var("KAIBO_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(audience::bridge::generate_token);
    let recording_dir = if args.no_record { None } else { Some(args.record_dir.clone().unwrap_or_else(default_recording_dir)) };
    let data_dir = args.data.clone().unwrap_or_else(super::report::default_data_dir);
    let (store, session) = match open_session(&data_dir, &show.name) {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "session {}: {} (report: kaibo report {} --out report.html)",
        session.session,
        session.database.display(),
        session.session
    );
    let products = show.products.iter().map(|p| (p.id.clone(), format!("{}", p.price), p.currency.clone())).collect();
    let config = StudioConfig {
        recording_dir,
        session: Some(session),
        banned_words: args.banned_words.clone(),
        show_file: crate::show_file::save_target(args.show.as_deref()),
        media_dir: Some(data_dir.join("media")),
    };
    let studio = Studio::new(show, config);
    let ui_dir = args.ui.clone().unwrap_or_else(static_files::default_ui_dir);
    if !ui_dir.join("index.html").exists() {
        eprintln!("warning: no built UI in {}: run `npm --prefix ui ci && npm --prefix ui run build`", ui_dir.display());
    }

    let options = AudienceOptions {
        simulate: args.simulate,
        bridge: args.bridge,
        bridge_token: token.clone(),
        banned_words: args.banned_words.clone(),
        products,
    };
    let feed = match audience_feed::start(studio.clone(), options, store).await {
        Ok(feed) => feed,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let bridge_addr = feed.bridge_addr;
    studio.attach_feed(feed).await;

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig { token: token.clone(), ui_dir };
    let (addr, server) = match server::start(studio.clone(), config, args.listen, async move {
        let _ = stop_rx.await;
    })
    .await
    {
        Ok(started) => started,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    if !addr.ip().is_loopback() {
        eprintln!("warning: listening on {addr}: anyone who can reach it and has the token controls the show");
    }
    if let Some(bridge) = bridge_addr {
        println!("audience bridge: http://{bridge}/events (same token)");
    }
    let host = if addr.ip().is_unspecified() { SocketAddr::new([127, 0, 0, 1].into(), addr.port()) } else { addr };
    println!("Kaibo Studio: http://{host}/?token={token}");

    wait_for_signal().await;
    println!("stopping");
    studio.shutdown().await;
    let _ = stop_tx.send(());
    match server.await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("error: the server stopped: {error}");
            ExitCode::FAILURE
        }
        Err(_) => ExitCode::FAILURE,
    }
}

/// Ctrl-C or SIGTERM.
async fn wait_for_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(term) => { term.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

fn default_recording_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join("Videos").join("Kaibo"))
        .unwrap_or_else(|| PathBuf::from("recordings"))
}
