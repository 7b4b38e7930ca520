//! `kaibo live SHOW.json [--to URL]... [--record PATH] [--duration SECONDS]`: goes live.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use engine::{Engine, EngineEvent, EngineState, Health, OutputState, Outputs, ProgramStats};

use super::{load_show, print_show_error};
use crate::destinations::{destination_from_url, ingest_targets};
use crate::vault::Vault;

/// What `kaibo live` was asked to do.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub show: PathBuf,
    pub to: Vec<String>,
    pub record: Option<PathBuf>,
    pub no_record: bool,
    pub duration: Option<f64>,
    /// `--delay`: the broadcast delay of every destination, in seconds.
    pub delay: Option<u32>,
}

pub fn run(options: &LiveOptions) -> ExitCode {
    let Some(mut show) = load_show(&options.show) else { return ExitCode::from(2) };

    // `--to` URLs are destinations like the show's own, and validated the same way.
    let show_destinations = show.destinations.len();
    let extra: Vec<_> = options.to.iter().enumerate().map(|(i, url)| destination_from_url(i + 1, url)).collect();
    show.destinations.extend(extra);
    if let Some(delay) = options.delay {
        if delay > engine::MAX_DELAY.as_secs() as u32 {
            eprintln!("error: --delay takes 0 to {} seconds, not {delay}", engine::MAX_DELAY.as_secs());
            return ExitCode::from(2);
        }
        for destination in &mut show.destinations {
            destination.delay_seconds = delay;
        }
    }
    if let Err(mut error) = show.validate() {
        for problem in &mut error.problems {
            problem.path = rename_to_flag(&problem.path, show_destinations);
        }
        print_show_error(&options.show, &error);
        return ExitCode::from(2);
    }

    let targets = match ingest_targets(&show, &[], &Vault) {
        Ok(targets) => targets,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let recording = if options.no_record {
        None
    } else {
        Some(options.record.clone().unwrap_or_else(|| default_recording_path(&show.name, &options.show)))
    };
    if targets.is_empty() && recording.is_none() {
        eprintln!("error: nowhere to send the show: add a destination, --to URL, or drop --no-record");
        return ExitCode::from(2);
    }
    if let Some(path) = &recording {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Err(error) = std::fs::create_dir_all(folder) {
                eprintln!("error: cannot create the recording folder {}: {error}", folder.display());
                return ExitCode::from(1);
            }
        }
        if targets.is_empty() {
            println!("no destination set up: recording locally to {}", path.display());
        } else {
            println!("recording to {}", path.display());
        }
    }
    for target in &targets {
        println!("destination {}: {}", target.id, target.url.redacted());
    }

    let stop = match stop_signal() {
        Ok(stop) => stop,
        Err(error) => {
            eprintln!("error: cannot listen for Ctrl-C: {error}");
            return ExitCode::from(1);
        }
    };
    let (engine, events) =
        match Engine::start(show, Outputs { destinations: targets, recording: recording.clone(), preview: false }) {
            Ok(started) => started,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(1);
            }
        };

    let commands = super::console::read_stdin();
    let started = Instant::now();
    let deadline = options.duration.map(|s| started + Duration::from_secs_f64(s.max(0.0)));
    let mut failed = false;
    loop {
        if stop.try_recv().is_ok() {
            println!("stopping (signal)");
            break;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            println!("stopping (duration reached)");
            break;
        }
        for line in commands.try_iter() {
            match super::console::apply(&engine, &line) {
                Ok(reply) if reply.is_empty() => {}
                Ok(reply) => println!("{reply}"),
                Err(error) => eprintln!("error: {error}"),
            }
        }
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => {
                if let EngineEvent::State(EngineState::Failed { .. }) = event {
                    failed = true;
                }
                print_event(&event);
                if failed {
                    break;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    // The recording is crash-safe, so a pipeline that will not close must not hold the
    // streamer's terminal hostage.
    let drain = engine.drain_timeout();
    std::thread::spawn(move || {
        std::thread::sleep(drain + Duration::from_secs(10));
        eprintln!("error: the pipeline did not close; exiting anyway (the recording is safe up to its last second)");
        std::process::exit(1);
    });
    engine.stop(drain);
    for event in events.try_iter() {
        if !matches!(event, EngineEvent::Stats(_)) {
            print_event(&event);
        }
    }
    if let Some(path) = &recording {
        match std::fs::metadata(path) {
            Ok(meta) => println!("recording saved: {} ({:.1} MB)", path.display(), meta.len() as f64 / 1e6),
            Err(_) => eprintln!("warning: no recording was written to {}", path.display()),
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Ctrl-C and SIGTERM, as a channel.
fn stop_signal() -> Result<std::sync::mpsc::Receiver<()>, ctrlc::Error> {
    let (sender, receiver) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = sender.send(());
    })?;
    Ok(receiver)
}

fn print_event(event: &EngineEvent) {
    match event {
        EngineEvent::State(EngineState::Starting) => println!("starting"),
        EngineEvent::State(EngineState::Live) => println!("live"),
        EngineEvent::State(EngineState::Stopped) => println!("stopped"),
        EngineEvent::State(EngineState::Failed { reason }) => eprintln!("error: the program failed: {reason}"),
        EngineEvent::Output { id, state: OutputState::Failed { reason } } => eprintln!("error: {id}: {reason}"),
        EngineEvent::Output { id, state: OutputState::Reconnecting { attempt, next_in_s, reason } } => {
            eprintln!("warning: {id}: {reason}; reconnecting (try {attempt}) in {next_in_s:.1} s or as soon as the ingest answers")
        }
        EngineEvent::Output { id, state } => println!("{id}: {}", state.word()),
        EngineEvent::Camera { ok: false, reason } => {
            eprintln!("warning: camera lost ({}): the slate is on air", reason.as_deref().unwrap_or("no frames"))
        }
        EngineEvent::Camera { ok: true, .. } => println!("camera back"),
        EngineEvent::Notice { message } => eprintln!("note: {message}"),
        EngineEvent::Stats(stats) => println!("{}", stats_line(stats)),
        // The meters are for the studio's mixer; the console prints its stats line.
        EngineEvent::AudioLevels(_) => {}
    }
}

/// `[00:05] scene main | encoder 30.0 fps | to-1 live 30.0 fps 3012 kbps 0 dropped 1.9 MB | ...`
fn stats_line(stats: &ProgramStats) -> String {
    let seconds = stats.uptime_s as u64;
    let mut line = format!(
        "[{:02}:{:02}:{:02}] scene {} | encoder {:.1} fps, lag {:.0} ms",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        stats.scene,
        stats.encoder_fps,
        stats.render_lag_ms
    );
    for output in &stats.outputs {
        line.push_str(&format!(
            " | {} {} {:.1} fps {:.0} kbps {} dropped ({:.1}%) {:.1} MB, queue {} ms",
            output.id,
            output.state.word(),
            output.fps,
            output.bitrate_kbps,
            output.dropped_frames,
            output.dropped_percent,
            output.bytes_sent as f64 / 1e6,
            output.queued_ms
        ));
        match &output.health {
            Health::Good => {}
            Health::Warning { advice } => line.push_str(&format!(" [warning: {advice}]")),
            Health::Error { advice } => line.push_str(&format!(" [error: {advice}]")),
        }
    }
    line
}

/// `destinations[3].url` for the first `--to` becomes `--to #1 (URL)`.
fn rename_to_flag(path: &str, show_destinations: usize) -> String {
    let Some(rest) = path.strip_prefix("destinations[") else { return path.to_owned() };
    let Some((index, tail)) = rest.split_once(']') else { return path.to_owned() };
    match index.parse::<usize>() {
        Ok(i) if i >= show_destinations => {
            format!("--to #{}{}", i - show_destinations + 1, tail.replacen(".url", " URL", 1))
        }
        _ => path.to_owned(),
    }
}

/// `~/Videos/Kaibo/<show>-<date>-<time>.mp4`, or beside the show file when there is no home.
fn default_recording_path(name: &str, show_path: &Path) -> PathBuf {
    let folder = crate::user_dirs::recordings_dir()
        .unwrap_or_else(|| show_path.parent().map(Path::to_path_buf).unwrap_or_default());
    let stem: String = if name.trim().is_empty() {
        show_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "show".to_owned())
    } else {
        crate::show_file::file_stem(name)
    };
    folder.join(format!("{stem}-{}.mp4", chrono::Local::now().format("%Y%m%d-%H%M%S")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_flag_for_command_line_destinations() {
        assert_eq!(rename_to_flag("destinations[2].url", 1), "--to #2 URL");
        assert_eq!(rename_to_flag("destinations[0].url", 1), "destinations[0].url");
        assert_eq!(rename_to_flag("scenes[0].rect", 1), "scenes[0].rect");
    }
}
