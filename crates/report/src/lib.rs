//! The session report: what happened in one show, from the session database.
//!
//! [`SessionData::load`] reads the audience tables (`sessions`, `events` with each event's
//! JSON, `counters`, `totals`, `user_totals`) and the journal's (`exposures`, `audit`,
//! `health`) for one session and adds them up: viewers over time, chat per minute, gift value
//! per minute and cumulative per currency, orders per product during and outside the
//! product's time on a card, the gift leaderboard, output health and the audit log.
//!
//! It exports as one self-contained HTML page ([`SessionData::to_html`]: inline CSS and SVG
//! charts, no script, no external reference), as JSON ([`SessionData::to_json`], the same
//! numbers) and as CSV, one file per table ([`SessionData::to_csv_files`]).
//!
//! An order counts as *during* an exposure when its time falls inside one of that product's
//! exposures, start included and end excluded; an exposure never closed (the studio stopped
//! without closing it) runs on to the end.

use std::path::PathBuf;

pub mod charts;
pub mod words;

pub use words::Lang;
mod csv;
pub mod data;
pub mod html;

pub use data::{
    list_sessions, GiftMinute, LeaderRow, MinuteCount, OrderRow, ProductStats, SessionData, SessionInfo, TotalRow,
    ViewerPoint,
};

/// How many leaderboard lines per currency the HTML page shows (JSON and CSV have all).
pub const LEADERBOARD_LINES: usize = 20;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The database file is not there.
    #[error("no session database at {0}")]
    NoDatabase(PathBuf),
    /// It is there but cannot be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// It opens but has no `sessions` table.
    #[error("{0} is not a Kaibo session database (it has no sessions table)")]
    NotASessionDatabase(PathBuf),
    /// No session has that id.
    #[error("no session {session} in the database")]
    NoSuchSession {
        /// The id asked for.
        session: i64,
        /// The sessions there are.
        available: Vec<SessionInfo>,
    },
    /// Reading failed.
    #[error("reading the session database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The journal tables hold something unreadable.
    #[error("{0}")]
    Journal(#[from] journal::JournalError),
    /// An output file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl SessionData {
    /// The report as one HTML page with everything inline, in English.
    pub fn to_html(&self) -> String {
        html::render(self, Lang::En)
    }

    /// The report as one HTML page, in `lang`.
    pub fn to_html_in(&self, lang: Lang) -> String {
        html::render(self, lang)
    }
}
