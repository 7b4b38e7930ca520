//! `kaibo report SESSION_ID --out report.html [--data DIR] [--json FILE] [--csv FILE] [--lang zh-CN|en]`: one
//! session of the session database as a self-contained HTML page, and optionally as JSON and
//! CSV (one file per table, named after `--csv`: `show.csv` gives `show-orders.csv`, ...).
//!
//! Exit status: 0 when everything was written, 2 when the input is wrong (no database, not a
//! session database, no such session), 1 when reading the database or writing a file failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use report::{Lang, ReportError, SessionData};

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
    /// The report's language: zh-CN or en. Default: from LC_ALL, LC_MESSAGES or LANG
    /// (English when they name neither).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| format!("the report is written in zh-CN or en, not \"{text}\""))
}

/// Where Kaibo keeps its data (the session database): `$KAIBO_DATA_DIR`, else
/// `$XDG_DATA_HOME/kaibo`, else `~/.local/share/kaibo` (see [`crate::user_dirs`]).
pub fn default_data_dir() -> PathBuf {
    crate::user_dirs::data_dir()
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
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    if let Err(error) = write(&args.out, &data.to_html_in(lang)) {
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
