//! `kaibo serve [SHOW] [--listen ADDR]`: the studio without a window, with its web UI.
//!
//! Prints one line with the URL and the access token (the only place the token is ever
//! printed). Loopback only unless `--allow-remote`: anyone with the token can go live.
//!
//! Two tokens, two trust levels: `KAIBO_TOKEN` opens the control API (`/api`), and the
//! audience bridge (`--bridge`) takes only its own, `KAIBO_BRIDGE_TOKEN` (or one generated
//! and printed once on the `audience bridge:` line). Each is refused where the other
//! belongs, and each must be at least 16 characters.

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
    /// Allow listening (`--listen`, `--bridge`) on an address other than loopback (anyone
    /// reaching it with the token controls the show).
    #[arg(long)]
    pub allow_remote: bool,
    /// A name the studio may be called by besides loopback and its own address (repeat),
    /// for example `studio.lan`: requests for any other name are refused (DNS rebinding).
    #[arg(long = "host", value_name = "NAME", requires = "allow_remote")]
    pub hosts: Vec<String>,
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
    /// Accept audience events from outside tools here (the bridge; its own token,
    /// KAIBO_BRIDGE_TOKEN or generated and printed).
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
const EMPTY_SHOW: &str = r#"{ "name": "Kaibo Studio", "canvas": { "width": 1280, "height": 720, "fps": 30 },
  "scenes": [{ "id": "main", "name": "Main",
  "layers": [{ "id": "camera", "kind": "camera" }] }] }"#;

/// The two tokens: the control token, and the bridge's with whether it was generated.
struct Tokens {
    control: String,
    bridge: String,
    bridge_generated: bool,
}

fn tokens() -> Result<Tokens, String> {
    let control = crate::server::auth::token_from_env("KAIBO_TOKEN")?;
    let (bridge, bridge_generated) = match crate::server::auth::configured_token("KAIBO_BRIDGE_TOKEN")? {
        Some(token) => (token, false),
        None => (audience::bridge::generate_token(), true),
    };
    if bridge == control {
        return Err(
            "KAIBO_BRIDGE_TOKEN must differ from KAIBO_TOKEN: the bridge must not open the studio's controls".into()
        );
    }
    Ok(Tokens { control, bridge, bridge_generated })
}

pub fn run(args: ServeArgs) -> ExitCode {
    let remote = std::iter::once(("--listen", args.listen)).chain(args.bridge.map(|b| ("--bridge", b)));
    for (flag, addr) in remote {
        if !addr.ip().is_loopback() && !args.allow_remote {
            eprintln!(
                "error: {flag} {addr} is reachable from other machines; add --allow-remote if that is what you want"
            );
            return ExitCode::from(2);
        }
    }
    let tokens = match tokens() {
        Ok(tokens) => tokens,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
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
    runtime.block_on(serve(args, show, tokens))
}

async fn serve(args: ServeArgs, show: Show, tokens: Tokens) -> ExitCode {
    let token = tokens.control.clone();
    let recording_dir =
        if args.no_record { None } else { Some(args.record_dir.clone().unwrap_or_else(default_recording_dir)) };
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
    // Cameras and microphones come and go in the state; without a provider the list is empty.
    if let Err(error) = studio.watch_devices().await {
        eprintln!("warning: {error}");
    }
    let ui_dir = args.ui.clone().unwrap_or_else(static_files::default_ui_dir);
    if !ui_dir.join("index.html").exists() {
        eprintln!(
            "warning: no built UI in {}: run `npm --prefix ui ci && npm --prefix ui run build`",
            ui_dir.display()
        );
    }

    let options = AudienceOptions {
        simulate: args.simulate,
        bridge: args.bridge,
        bridge_token: tokens.bridge.clone(),
        bridge_hosts: args.hosts.clone(),
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
    let (addr, server) = match server::start_with_hosts(studio.clone(), config, args.listen, &args.hosts, async move {
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
    let printable = |addr: SocketAddr| {
        if addr.ip().is_unspecified() {
            SocketAddr::new([127, 0, 0, 1].into(), addr.port())
        } else {
            addr
        }
    };
    if let Some(bridge) = bridge_addr {
        if !bridge.ip().is_loopback() {
            eprintln!("warning: the audience bridge listens on {bridge}: anyone who can reach it and has its token can send events");
        }
        // The bridge token, printed once, only when it was generated here.
        let token = if tokens.bridge_generated {
            format!("token={}", tokens.bridge)
        } else {
            "(token: KAIBO_BRIDGE_TOKEN)".to_owned()
        };
        println!("audience bridge: http://{}/events {token}", printable(bridge));
    }
    let host = printable(addr);
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
