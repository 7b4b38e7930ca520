//! `kaibo report SESSION_ID --out report.html [--data DIR] [--json FILE] [--csv FILE]`: one
//! session of the session database as a self-contained HTML page, and optionally as JSON and
//! CSV (one file per table, named after `--csv`: `show.csv` gives `show-orders.csv`, ...).
//!
//! Exit status: 0 when everything was written, 2 when the input is wrong (no database, not a
//! session database, no such session), 1 when reading the database or writing a file failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use report::{ReportError, SessionData};

/// The session database's file name inside the data directory.
pub const DATABASE_FILE: &str = "sessions.db";

/// `kaibo report` options.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// The session's id (a bad id lists the sessions there are).
    #[arg(value_name = "SESSION_ID")]
    pub session: i64,
    /// Where to write the HTML report.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The data directory holding sessions.db. Default: $KAIBO_DATA_DIR, else
    /// $XDG_DATA_HOME/kaibo, else ~/.local/share/kaibo.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Also write the report as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write CSV, one file per table, named after FILE (show.csv: show-orders.csv, ...).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

fn non_empty_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Where Kaibo keeps its data (the session database): `$KAIBO_DATA_DIR`, else
/// `$XDG_DATA_HOME/kaibo` (when absolute, as the XDG spec asks), else `~/.local/share/kaibo`
/// (relative to the current directory when there is no home).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = non_empty_env("KAIBO_DATA_DIR") {
        return dir;
    }
    if let Some(xdg) = non_empty_env("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return xdg.join("kaibo");
    }
    non_empty_env("HOME").unwrap_or_default().join(".local").join("share").join("kaibo")
}

/// The session database in `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}

fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Write { path: path.to_path_buf(), source })
}

fn explain(error: &ReportError) -> ExitCode {
    match error {
        ReportError::NoSuchSession { session, available } => {
            eprintln!("error: there is no session {session}.");
            if available.is_empty() {
                eprintln!("The database holds no sessions yet.");
            } else {
                eprintln!("Sessions in the database:");
                for s in available {
                    eprintln!("  {:>5}  {}  {}", s.id, s.started_at, s.title.replace(['\n', '\r'], " "));
                }
            }
            ExitCode::from(2)
        }
        ReportError::NoDatabase(path) => {
            eprintln!("error: no session database at {} (use --data DIR, or KAIBO_DATA_DIR)", path.display());
            ExitCode::from(2)
        }
        ReportError::NotASessionDatabase(_) | ReportError::Open { .. } => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
        _ => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `kaibo report`.
pub fn run(args: ReportArgs) -> ExitCode {
    let data_dir = args.data.clone().unwrap_or_else(default_data_dir);
    let db = database_path(&data_dir);
    let data = match SessionData::load(&db, args.session) {
        Ok(data) => data,
        Err(error) => return explain(&error),
    };
    if let Err(error) = write(&args.out, &data.to_html()) {
        return explain(&error);
    }
    println!("report: {}", args.out.display());
    if let Some(json) = &args.json {
        if let Err(error) = write(json, &data.to_json()) {
            return explain(&error);
        }
        println!("json: {}", json.display());
    }
    if let Some(csv) = &args.csv {
        match data.to_csv_files(csv) {
            Ok(files) => {
                for file in files {
                    println!("csv: {}", file.display());
                }
            }
            Err(error) => return explain(&error),
        }
    }
    ExitCode::SUCCESS
}
