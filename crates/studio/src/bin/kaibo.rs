//! `kaibo`: the studio without a window.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use studio::cli;

#[derive(Parser)]
#[command(name = "kaibo", version, about = "Kaibo Studio: go live from a show file")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a show, list cameras and microphones, and name missing GStreamer plugins.
    Check {
        /// The show file (JSON).
        show: PathBuf,
    },
    /// Go live: push the show to its destinations (and each --to) while recording locally.
    Live {
        /// The show file (JSON).
        show: PathBuf,
        /// Another ingest URL (rtmp://, rtmps:// or srt://); repeat for several.
        #[arg(long = "to", value_name = "URL")]
        to: Vec<String>,
        /// Where to record (fragmented MP4). Default: ~/Videos/Kaibo/<show>-<time>.mp4.
        #[arg(long, value_name = "PATH")]
        record: Option<PathBuf>,
        /// Do not record locally.
        #[arg(long, conflicts_with = "record")]
        no_record: bool,
        /// Stop cleanly after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// Broadcast delay for every destination, 0 to 30 seconds: platforms get the show this
        /// much later, the recording stays live (the console's `kill-switch` cuts what is held).
        #[arg(long, value_name = "SECONDS")]
        delay: Option<u32>,
    },
    /// Print audience events (chat, gifts, orders) as JSON lines: from Twitch, YouTube,
    /// Bilibili, the bridge (`kaibo listen bridge --listen 127.0.0.1:PORT`) or the simulator.
    Listen(cli::listen::ListenArgs),
    /// Run the studio with its web UI (no window): prints the URL with the access token.
    Serve(cli::serve::ServeArgs),
    /// Write one session's report: a self-contained HTML page, and optionally JSON and CSV.
    Report(cli::report::ReportArgs),
    /// Store or remove a secret (stream key, token) in the OS keyring.
    #[command(subcommand)]
    Secret(cli::secret::SecretCommand),
    /// Bring scenes over from another studio: `kaibo import obs COLLECTION.json --out SHOW.json`.
    #[command(subcommand)]
    Import(cli::import::ImportCommand),
}

fn main() -> ExitCode {
    let args = Args::parse();
    studio::vault::use_backend(studio::vault::Backend::from_environment());
    match args.command {
        Command::Check { show } => cli::check::run(&show),
        Command::Live { show, to, record, no_record, duration, delay } => {
            cli::live::run(&cli::live::LiveOptions { show, to, record, no_record, duration, delay })
        }
        Command::Listen(args) => cli::listen::run(args),
        Command::Serve(args) => cli::serve::run(args),
        Command::Report(args) => cli::report::run(args),
        Command::Secret(command) => cli::secret::run(command),
        Command::Import(command) => cli::import::run(command),
    }
}
