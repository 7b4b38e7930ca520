//! The studio's options, one set for `kaibo serve` and the desktop window (`kaibo-studio`),
//! and the one launcher both use: the session, the recording folder, banned words, the media
//! folder, the audience path (simulator, bridge) and the program, opened at start. The two
//! cannot drift: they parse the same [`StudioOptions`] and start through [`launch`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use show::Show;

use crate::audience_feed::{self, AudienceOptions};
use crate::session_log::open_session;
use crate::studio::{Studio, StudioConfig};

/// What the studio runs with, besides where it listens.
#[derive(Args, Debug, Clone, Default)]
pub struct StudioOptions {
    /// Allow listening (`--listen`, `--bridge`) on an address other than loopback (anyone
    /// reaching it with the token controls the show).
    #[arg(long)]
    pub allow_remote: bool,
    /// A name the studio may be called by besides loopback and its own address (repeat),
    /// for example `studio.lan`: requests for any other name are refused (DNS rebinding).
    #[arg(long = "host", value_name = "NAME", requires = "allow_remote")]
    pub hosts: Vec<String>,
    /// The built web UI (default: KAIBO_UI_DIR, else `ui/` of the share folder).
    #[arg(long, value_name = "DIR")]
    pub ui: Option<PathBuf>,
    /// The folder recordings go to (default: ~/Videos/Kaibo).
    #[arg(long, value_name = "DIR")]
    pub record_dir: Option<PathBuf>,
    /// Do not record locally (REC is off, and Go Live does not record).
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
    /// Where sessions are kept (`sessions.db`, reports, uploaded media): default
    /// KAIBO_DATA_DIR, else ~/.local/share/kaibo.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Speak obs-websocket v5 here (default 127.0.0.1:4455), for Companion, Stream Deck
    /// tools, Streamer.bot and scripts. The password: KAIBO_OBS_PASSWORD, or generated and
    /// printed once.
    #[arg(long = "obs-websocket", value_name = "ADDR", num_args = 0..=1, default_missing_value = crate::obs::DEFAULT_ADDR)]
    pub obs_websocket: Option<SocketAddr>,
}

impl StudioOptions {
    /// The recording folder: `--record-dir`, else ~/Videos/Kaibo; none with `--no-record`.
    pub fn recording_dir(&self) -> Option<PathBuf> {
        if self.no_record {
            return None;
        }
        Some(self.record_dir.clone().unwrap_or_else(default_recording_dir))
    }

    /// The data folder: `--data`, else KAIBO_DATA_DIR, else ~/.local/share/kaibo.
    pub fn data_dir(&self) -> PathBuf {
        self.data.clone().unwrap_or_else(super::report::default_data_dir)
    }

    /// The first address (`--bridge`, or `listen`) reachable from other machines without
    /// `--allow-remote`, as an error to print.
    pub fn remote_problem(&self, listen: Option<(&str, SocketAddr)>) -> Option<String> {
        let bridge = self.bridge.map(|b| ("--bridge", b));
        let obs = self.obs_websocket.map(|o| ("--obs-websocket", o));
        listen
            .into_iter()
            .chain(bridge)
            .chain(obs)
            .find(|(_, addr)| !addr.ip().is_loopback() && !self.allow_remote)
            .map(|(flag, addr)| {
                format!("{flag} {addr} is reachable from other machines; add --allow-remote if that is what you want")
            })
    }
}

/// `kaibo-studio [SHOW] [OPTIONS]`: the desktop window takes the same options as `kaibo
/// serve` (the remote console's address and token come from KAIBO_LISTEN and KAIBO_TOKEN).
#[derive(clap::Parser, Debug, Clone)]
#[command(name = "kaibo-studio", about = "Kaibo Studio: the desktop window")]
pub struct DesktopArgs {
    /// The show file (JSON). Without one, the bundled demo show.
    pub show: Option<PathBuf>,
    #[command(flatten)]
    pub studio: StudioOptions,
}

impl DesktopArgs {
    /// The window's command line; on a mistake clap prints the usage and exits (code 2).
    pub fn from_command_line() -> DesktopArgs {
        <DesktopArgs as clap::Parser>::parse()
    }
}

/// A studio started by [`launch`].
pub struct Launched {
    pub studio: Studio,
    /// This session's id in the data folder.
    pub session: i64,
    /// Where the session is kept.
    pub database: PathBuf,
    /// Where the audience bridge listens, when `--bridge` asked for one.
    pub bridge_addr: Option<SocketAddr>,
    /// The obs-websocket endpoint, when `--obs-websocket` asked for one.
    pub obs: Option<ObsEndpoint>,
}

/// A running obs-websocket endpoint: the line to print, and its switch off (its clients hear
/// `ExitStarted`).
pub struct ObsEndpoint {
    pub addr: SocketAddr,
    /// `obs-websocket: ws://ADDR password=…` (the password only when it was generated).
    pub line: String,
    pub stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts the studio on `show`: the session, the audience path and the program (whose
/// preview then runs before Go Live). `show_path` is the file it came from (`save_show`
/// writes there, never over the bundled demo); `bridge_token` is the bridge's own token.
pub async fn launch(
    options: &StudioOptions,
    show: Show,
    show_path: Option<&Path>,
    bridge_token: String,
) -> Result<Launched, String> {
    let data_dir = options.data_dir();
    let (store, session) = open_session(&data_dir, &show.name)?;
    let (session_id, database) = (session.session, session.database.clone());
    let products = show.products.iter().map(|p| (p.id.clone(), format!("{}", p.price), p.currency.clone())).collect();
    let config = StudioConfig {
        recording_dir: options.recording_dir(),
        session: Some(session),
        banned_words: options.banned_words.clone(),
        show_file: crate::show_file::save_target(show_path),
        media_dir: Some(data_dir.join("media")),
    };
    let studio = Studio::new(show, config);
    // Cameras and microphones come and go in the state; without a provider the list is empty.
    if let Err(error) = studio.watch_devices().await {
        eprintln!("warning: {error}");
    }
    let audience = AudienceOptions {
        simulate: options.simulate,
        bridge: options.bridge,
        bridge_token,
        bridge_hosts: options.hosts.clone(),
        banned_words: options.banned_words.clone(),
        products,
    };
    let feed = audience_feed::start(studio.clone(), audience, store).await?;
    let bridge_addr = feed.bridge_addr;
    studio.attach_feed(feed).await;
    // A program that cannot open now is reopened by itself (the state says why): the
    // studio still starts, so the operator can see and fix the show.
    if let Err(error) = studio.open_program().await {
        eprintln!("warning: {}", error.message);
    }
    let obs = match options.obs_websocket {
        Some(listen) => Some(start_obs(&studio, listen, &options.hosts).await?),
        None => None,
    };
    Ok(Launched { studio, session: session_id, database, bridge_addr, obs })
}

async fn start_obs(studio: &Studio, listen: SocketAddr, hosts: &[String]) -> Result<ObsEndpoint, String> {
    let (password, generated) = match crate::server::auth::configured_token("KAIBO_OBS_PASSWORD")? {
        Some(password) => (password, false),
        None => (obs_websocket::auth::generate_password(), true),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped = async move {
        let _ = stopped.await;
    };
    let (addr, _) = crate::obs::start(studio.clone(), listen, password.clone(), hosts, stopped)
        .await
        .map_err(|e| format!("cannot listen for obs-websocket on {listen}: {e}"))?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: obs-websocket listens on {addr}: anyone who can reach it and has its password controls the show"
        );
    }
    let shown = if generated { format!("password={password}") } else { "(password: KAIBO_OBS_PASSWORD)".to_owned() };
    Ok(ObsEndpoint { addr, line: format!("obs-websocket: ws://{} {shown}", printable(addr)), stop })
}

/// The bridge's token: KAIBO_BRIDGE_TOKEN, or a new one (and whether it was generated, so
/// it is printed once). It must differ from the control token.
pub fn bridge_token(control: &str) -> Result<(String, bool), String> {
    let (bridge, generated) = match crate::server::auth::configured_token("KAIBO_BRIDGE_TOKEN")? {
        Some(token) => (token, false),
        None => (audience::bridge::generate_token(), true),
    };
    if bridge == control {
        return Err(
            "KAIBO_BRIDGE_TOKEN must differ from KAIBO_TOKEN: the bridge must not open the studio's controls".into()
        );
    }
    Ok((bridge, generated))
}

/// The line that tells where the bridge listens, with its token when it was generated here
/// (the only place it is printed).
pub fn bridge_line(bridge: SocketAddr, token: &str, generated: bool) -> String {
    let shown = if generated { format!("token={token}") } else { "(token: KAIBO_BRIDGE_TOKEN)".to_owned() };
    format!("audience bridge: http://{}/events {shown}", printable(bridge))
}

/// An address to print: 0.0.0.0 as 127.0.0.1 (what a browser on this machine opens).
pub fn printable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new([127, 0, 0, 1].into(), addr.port())
    } else {
        addr
    }
}

/// `~/Videos/Kaibo` (the XDG videos folder's `Kaibo`), else `recordings` here.
fn default_recording_dir() -> PathBuf {
    crate::user_dirs::recordings_dir().unwrap_or_else(|| PathBuf::from("recordings"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Both {
        #[command(flatten)]
        options: StudioOptions,
    }

    #[test]
    fn the_options_read_as_kaibo_serve_documents_them() {
        let parsed = Both::try_parse_from([
            "kaibo-studio",
            "--ban",
            "cheap",
            "--ban",
            "fake",
            "--bridge",
            "127.0.0.1:9000",
            "--record-dir",
            "/tmp/rec",
            "--data",
            "/tmp/data",
        ])
        .map(|b| b.options);
        let options = parsed.unwrap_or_default();
        assert_eq!(options.banned_words, ["cheap", "fake"]);
        assert_eq!(options.bridge, "127.0.0.1:9000".parse().ok());
        assert_eq!(options.recording_dir(), Some(PathBuf::from("/tmp/rec")));
        assert_eq!(options.data_dir(), PathBuf::from("/tmp/data"));
        let none = Both::try_parse_from(["kaibo-studio", "--no-record"]).map(|b| b.options).unwrap_or_default();
        assert_eq!(none.recording_dir(), None);
        assert!(Both::try_parse_from(["kaibo-studio", "--no-record", "--record-dir", "x"]).is_err());
    }

    #[test]
    fn a_bridge_beyond_loopback_needs_allow_remote() {
        let options = StudioOptions { bridge: "0.0.0.0:9000".parse().ok(), ..StudioOptions::default() };
        let problem = options.remote_problem(None).unwrap_or_default();
        assert!(problem.contains("--bridge 0.0.0.0:9000") && problem.contains("--allow-remote"), "{problem}");
        let allowed = StudioOptions { allow_remote: true, ..options };
        assert_eq!(allowed.remote_problem(None), None);
    }

    #[test]
    fn the_window_reads_the_show_and_the_same_options() {
        let args = DesktopArgs::try_parse_from(["kaibo-studio", "show.json", "--ban", "cheap", "--simulate", "2"]);
        let args = args.ok();
        assert_eq!(args.as_ref().and_then(|a| a.show.clone()), Some(PathBuf::from("show.json")));
        assert_eq!(args.as_ref().map(|a| a.studio.banned_words.clone()), Some(vec!["cheap".to_owned()]));
        assert_eq!(args.and_then(|a| a.studio.simulate), Some(2.0));
    }
}
