//! `kaibo listen`: audience events from a platform, the bridge or the simulator, one
//! `AudienceEvent` JSON per line on stdout. Status and problems go to stderr, so stdout can be
//! piped into another tool. API keys and tokens are never printed, except the bridge token
//! this command generated itself (the sender needs it).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use audience::bridge::{self, BridgeConfig};
use audience::moderation::{ModerationRules, Moderator};
use audience::session::{spawn_writer, ModeratedEvent, Session};
use audience::simulator::SimulatorConfig;
use audience::store::{Durability, Store};
use audience::{AudienceEvent, ConnectorHandle};
use clap::Args;

use crate::audience_feed::{room_word, spawn_connector, ConnectorSpec};
use tokio::sync::mpsc;

/// `kaibo listen` options.
#[derive(Args, Debug, Clone)]
pub struct ListenArgs {
    /// twitch, youtube, bilibili, bridge or simulator.
    #[arg(value_name = "PLATFORM")]
    pub platform: String,
    /// The channel (Twitch), live chat id (YouTube) or room id (Bilibili).
    #[arg(value_name = "ROOM")]
    pub room: Option<String>,
    /// Connect here instead of the platform (a local server, for tests).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// YouTube API key (or KAIBO_YOUTUBE_API_KEY); Bilibili danmaku token.
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Bridge: where to listen (loopback unless you mean otherwise).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Simulator: events per second (0: as fast as possible).
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Simulator: the seed (same seed, same events).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after printing this many events.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Record the session to this SQLite file (events and tallies).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// With --db: write the session report to PATH.json and PATH.csv at the end.
    #[arg(long, value_name = "PATH", requires = "db")]
    pub report: Option<PathBuf>,
    /// A banned word (repeat); matching chat is masked.
    #[arg(long = "ban", value_name = "WORD")]
    pub banned_words: Vec<String>,
    /// A blocked user id or name (repeat); their events are not printed.
    #[arg(long = "block", value_name = "USER")]
    pub blocked_users: Vec<String>,
}

/// Runs `kaibo listen`.
pub fn run(args: ListenArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(listen(args))
}

fn room(args: &ListenArgs, what: &str) -> Result<String, String> {
    args.room.clone().filter(|r| !r.trim().is_empty()).ok_or_else(|| format!("kaibo listen {} needs {what}", args.platform))
}

async fn start(args: &ListenArgs, tx: mpsc::Sender<AudienceEvent>) -> Result<ConnectorHandle, String> {
    Ok(match args.platform.as_str() {
        "twitch" | "bilibili" | "youtube" => {
            let key = args.api_key.clone().or_else(|| match args.platform.as_str() {
                "youtube" => std::env::var("KAIBO_YOUTUBE_API_KEY").ok(),
                _ => None,
            });
            let spec = ConnectorSpec {
                platform: args.platform.clone(),
                room: room(args, room_word(&args.platform))?,
                key,
                endpoint: args.endpoint.clone(),
            };
            spawn_connector(&spec, tx).map_err(|e| {
                if args.platform == "youtube" && spec.key.is_none() {
                    "kaibo listen youtube needs --api-key KEY (or KAIBO_YOUTUBE_API_KEY)".to_owned()
                } else {
                    e
                }
            })?
        }
        "bridge" => {
            // KAIBO_BRIDGE_TOKEN, as for `kaibo serve --bridge`; KAIBO_TOKEN still works here,
            // where there is no control API for it to open.
            let from_env = match crate::server::auth::configured_token("KAIBO_BRIDGE_TOKEN")? {
                Some(token) => Some(("KAIBO_BRIDGE_TOKEN", token)),
                None => crate::server::auth::configured_token("KAIBO_TOKEN")?.map(|token| ("KAIBO_TOKEN", token)),
            };
            let token = match from_env {
                Some((var, token)) => {
                    eprintln!("bridge token: from {var}");
                    token
                }
                None => {
                    let token = bridge::generate_token();
                    eprintln!("bridge token: {token}");
                    token
                }
            };
            if !args.listen.ip().is_loopback() {
                eprintln!("warning: the bridge listens on {}: anyone who can reach it and has the token can send events", args.listen);
            }
            let config = BridgeConfig { listen: args.listen, token, hosts: Vec::new() };
            let bridge = bridge::start(config, tx).await.map_err(|e| e.to_string())?;
            eprintln!("bridge listening on http://{} (POST /events, WebSocket /ws)", bridge.addr);
            bridge.handle
        }
        "simulator" => {
            let config = SimulatorConfig {
                seed: args.seed,
                rate: args.rate.max(0.0),
                count: args.count,
                room: args.room.clone().unwrap_or_else(|| "rehearsal".into()),
                ..SimulatorConfig::default()
            };
            audience::simulator::spawn(config, tx).0
        }
        other => return Err(format!("unknown platform `{other}`: use twitch, youtube, bilibili, bridge or simulator")),
    })
}

async fn listen(args: ListenArgs) -> ExitCode {
    let rules = ModerationRules { banned_words: args.banned_words.clone(), blocked_users: args.blocked_users.clone(), ..Default::default() };
    let (tx, rx) = mpsc::channel::<AudienceEvent>(4096);
    let (out_tx, mut out_rx) = mpsc::channel::<ModeratedEvent>(4096);

    // With --db, the session writer moderates, stores and counts; otherwise moderate here.
    let writer = match &args.db {
        Some(path) => match Store::open(path, &format!("kaibo listen {}", args.platform), Durability::ProcessCrash) {
            Ok(store) => Some(spawn_writer(Session::new(store, &rules), rx, Some(out_tx))),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => {
            let mut moderator = Moderator::new(&rules);
            let mut rx = rx;
            tokio::spawn(async move {
                while let Some(mut event) = rx.recv().await {
                    let verdict = moderator.moderate(&mut event);
                    if out_tx.send(ModeratedEvent { event, verdict }).await.is_err() {
                        break;
                    }
                }
            });
            None
        }
    };

    let handle = match start(&args, tx).await {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    let stdout = std::io::stdout();
    let mut printed: u64 = 0;
    let mut last_error: Option<String> = None;
    let mut status_tick = tokio::time::interval(Duration::from_millis(500));
    let limit = args.count.unwrap_or(u64::MAX);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    while printed < limit {
        tokio::select! {
            _ = &mut ctrl_c => break,
            _ = status_tick.tick() => {
                let error = handle.stats().last_error();
                if error.is_some() && error != last_error {
                    eprintln!("{}: {} (retrying)", args.platform, error.clone().unwrap_or_default());
                    last_error = error;
                }
            }
            next = out_rx.recv() => {
                let Some(moderated) = next else { break };
                if moderated.verdict.hidden() {
                    continue;
                }
                let mut lock = stdout.lock();
                if writeln!(lock, "{}", moderated.event.to_json_line()).is_err() {
                    break; // stdout closed (a pipe ended): nothing more to do
                }
                printed += 1;
                if out_rx.is_empty() {
                    let _ = lock.flush();
                }
            }
        }
    }
    let _ = std::io::stdout().flush();
    let stats = handle.stats().snapshot();
    handle.stop().await;
    drop(out_rx);
    eprintln!(
        "{}: {printed} events printed; {} received, {} duplicates dropped, {} malformed and {} unknown frames skipped",
        args.platform, stats.events, stats.duplicates, stats.malformed, stats.unknown
    );
    if let Some(writer) = writer {
        match tokio::task::spawn_blocking(move || writer.join()).await {
            Ok(Ok(Ok(session))) => {
                if let Some(report) = &args.report {
                    let (json, csv) = (report.with_extension("json"), report.with_extension("csv"));
                    if let Err(error) = session.export(&json, &csv) {
                        eprintln!("error: {error}");
                        return ExitCode::FAILURE;
                    }
                    eprintln!("report: {} and {}", json.display(), csv.display());
                }
            }
            Ok(Ok(Err(error))) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
            _ => {
                eprintln!("error: the session writer stopped unexpectedly");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
