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
use super::studio_options::{self, StudioOptions};
use crate::server::{self, static_files, ServerConfig};

/// `kaibo serve` options.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// The show file (JSON). Without one, an empty show with a camera.
    pub show: Option<PathBuf>,
    /// Where to listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8417")]
    pub listen: SocketAddr,
    /// The options the desktop window takes too.
    #[command(flatten)]
    pub studio: StudioOptions,
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
    let (bridge, bridge_generated) = studio_options::bridge_token(&control)?;
    Ok(Tokens { control, bridge, bridge_generated })
}

pub fn run(args: ServeArgs) -> ExitCode {
    if let Some(problem) = args.studio.remote_problem(Some(("--listen", args.listen))) {
        eprintln!("error: {problem}");
        return ExitCode::from(2);
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
    let launched = match studio_options::launch(&args.studio, show, args.show.as_deref(), tokens.bridge.clone()).await {
        Ok(launched) => launched,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "session {}: {} (report: kaibo report {} --out report.html)",
        launched.session,
        launched.database.display(),
        launched.session
    );
    let (studio, bridge_addr) = (launched.studio, launched.bridge_addr);
    let obs_stop = launched.obs.map(|obs| {
        println!("{}", obs.line);
        obs.stop
    });
    let ui_dir = args.studio.ui.clone().unwrap_or_else(static_files::default_ui_dir);
    if !ui_dir.join("index.html").exists() {
        eprintln!(
            "warning: no built UI in {}: set KAIBO_SHARE_DIR to Kaibo's share folder (or --ui DIR), or build it with `npm --prefix ui ci && npm --prefix ui run build`",
            ui_dir.display()
        );
    }

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig { token: token.clone(), ui_dir };
    let (addr, server) =
        match server::start_with_hosts(studio.clone(), config, args.listen, &args.studio.hosts, async move {
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
        if !bridge.ip().is_loopback() {
            eprintln!("warning: the audience bridge listens on {bridge}: anyone who can reach it and has its token can send events");
        }
        // The bridge token, printed once, only when it was generated here.
        println!("{}", studio_options::bridge_line(bridge, &tokens.bridge, tokens.bridge_generated));
    }
    let host = studio_options::printable(addr);
    println!("Kaibo Studio: http://{host}/?token={token}");

    wait_for_signal().await;
    println!("stopping");
    // obs-websocket clients hear ExitStarted first, as from OBS.
    if let Some(stop) = obs_stop {
        let _ = stop.send(());
    }
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
