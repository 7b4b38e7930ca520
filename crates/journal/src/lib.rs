//! The session journal: what the studio did during a show, written beside the audience events.
//!
//! It lives in the same SQLite file as the audience store (`audience::store::Store`) and uses
//! the same session id, so a report can line up what was on screen with what viewers did.
//! Three tables, created by [`Journal::open`] when missing:
//!
//! - `exposures`: which product was on which card layer, from when until when (`ended_at` is
//!   NULL while it is still on, or when the studio stopped without closing it);
//! - `audit`: every operator command (who: `source`; what: `action` and `detail`; `outcome`
//!   `ok` or the error message), numbered per session by `seq`;
//! - `health`: output health samples (state, bitrate, fps, dropped frames).
//!
//! Times are RFC 3339 UTC with milliseconds (`2024-05-01T12:00:00.000Z`).
//!
//! Two connections share the file (the store's and this one): both use WAL and wait up to
//! 5 s for each other's write lock (`busy_timeout`) instead of failing. Every write here is one
//! short statement or transaction.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The journal's tables. `IF NOT EXISTS`, so opening an existing file keeps what it holds.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS exposures (
    session INTEGER NOT NULL,
    id INTEGER PRIMARY KEY,
    product TEXT NOT NULL,
    layer TEXT NOT NULL,
    cued_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NULL
);
CREATE INDEX IF NOT EXISTS exposures_by_session ON exposures (session, started_at);
CREATE TABLE IF NOT EXISTS audit (
    session INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (session, seq)
);
CREATE TABLE IF NOT EXISTS health (
    session INTEGER NOT NULL,
    at TEXT NOT NULL,
    output TEXT NOT NULL,
    state TEXT NOT NULL,
    bitrate_kbps REAL,
    fps REAL,
    dropped_frames INTEGER NOT NULL,
    dropped_percent REAL
);
CREATE INDEX IF NOT EXISTS health_by_session ON health (session, at);
";

/// How long a write waits for the other connection's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What went wrong with the journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite said no (cannot open, locked for longer than the busy timeout, disk full, ...).
    #[error("session journal: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored time is not RFC 3339.
    #[error("session journal: {table} holds a time that is not RFC 3339: {value:?}")]
    BadTime {
        /// The table.
        table: &'static str,
        /// What it holds.
        value: String,
    },
    /// No exposure has this id in this session.
    #[error("session journal: no exposure {0} in this session")]
    NoSuchExposure(i64),
}

/// One operator action, as the audit log keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who: `desktop`, `remote_console`, `api`, `hotkey`, `cli` or `auto`.
    pub source: String,
    /// What: the command name (`switch_scene`, `kill_switch`, `resume`, `override`, ...).
    pub action: String,
    /// Its arguments, as text.
    pub detail: String,
    /// `ok`, or the error message.
    pub outcome: String,
}

/// A product on a card layer, from `started_at` until `ended_at` (`None`: still on, or never
/// closed because the studio stopped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// The row id ([`Journal::open_exposure`] returns it).
    pub id: i64,
    /// The product id.
    pub product: String,
    /// The product-card layer it was on.
    pub layer: String,
    /// What put it there (`cue_product`, `set_card_product`, `auto`, ...).
    pub cued_by: String,
    /// When it went on.
    pub started_at: DateTime<Utc>,
    /// When it came off.
    pub ended_at: Option<DateTime<Utc>>,
}

/// One output's health at one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthRow {
    /// The output (`recording`, a destination id).
    pub output: String,
    /// Its state (`live`, `reconnecting`, `failed`, ...).
    pub state: String,
    /// Bitrate sent, kbit/s.
    pub bitrate_kbps: f64,
    /// Frames per second sent.
    pub fps: f64,
    /// Frames dropped so far.
    pub dropped_frames: u64,
    /// Dropped frames as a percentage of all frames.
    pub dropped_percent: f64,
}

/// A [`HealthRow`] with its time, as read back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthSample {
    /// When it was measured.
    pub at: DateTime<Utc>,
    /// What was measured.
    #[serde(flatten)]
    pub row: HealthRow,
}

/// The journal of one session, on its own connection to the session database.
#[derive(Debug)]
pub struct Journal {
    conn: Connection,
    session: i64,
}

/// A time as the journal writes it: RFC 3339, UTC, milliseconds.
pub fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(table: &'static str, value: String) -> Result<DateTime<Utc>, JournalError> {
    match DateTime::parse_from_rfc3339(&value) {
        Ok(at) => Ok(at.with_timezone(&Utc)),
        Err(_) => Err(JournalError::BadTime { table, value }),
    }
}

/// SQLite keeps NaN as NULL; the journal writes non-finite numbers as NULL and reads NULL back as NaN.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

impl Journal {
    /// Opens the session database at `path` (creating the file and the journal's tables when
    /// missing) for session `session`.
    pub fn open(path: &Path, session: i64) -> Result<Journal, JournalError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Journal { conn, session })
    }

    /// The session this journal writes for.
    pub fn session(&self) -> i64 {
        self.session
    }

    /// Appends one entry to the audit log (numbered after the session's last one).
    pub fn audit(&self, entry: &AuditEntry) -> Result<(), JournalError> {
        // One statement: the number and the row are taken under the same write lock.
        self.conn.execute(
            "INSERT INTO audit (session, seq, at, source, action, detail, outcome)
             SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6 FROM audit WHERE session = ?1",
            params![self.session, format_time(entry.at), entry.source, entry.action, entry.detail, entry.outcome],
        )?;
        Ok(())
    }

    /// Records that `product` went on card layer `layer` at `at`; returns the exposure's id for
    /// [`Journal::close_exposure`].
    pub fn open_exposure(
        &self,
        product: &str,
        layer: &str,
        cued_by: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, JournalError> {
        self.conn.execute(
            "INSERT INTO exposures (session, product, layer, cued_by, started_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            params![self.session, product, layer, cued_by, format_time(at)],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records that exposure `id` ended at `at`. Closing it again moves its end.
    pub fn close_exposure(&self, id: i64, at: DateTime<Utc>) -> Result<(), JournalError> {
        let changed = self.conn.execute(
            "UPDATE exposures SET ended_at = ?1 WHERE id = ?2 AND session = ?3",
            params![format_time(at), id, self.session],
        )?;
        if changed == 0 {
            return Err(JournalError::NoSuchExposure(id));
        }
        Ok(())
    }

    /// Writes one health sample per output, all at `at`, in one transaction.
    pub fn health(&self, at: DateTime<Utc>, rows: &[HealthRow]) -> Result<(), JournalError> {
        if rows.is_empty() {
            return Ok(());
        }
        let at = format_time(at);
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO health (session, at, output, state, bitrate_kbps, fps, dropped_frames, dropped_percent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for row in rows {
                insert.execute(params![
                    self.session,
                    at,
                    row.output,
                    row.state,
                    finite(row.bitrate_kbps),
                    finite(row.fps),
                    i64::try_from(row.dropped_frames).unwrap_or(i64::MAX),
                    finite(row.dropped_percent),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// This session's exposures, in the order they started.
    pub fn exposures(&self) -> Result<Vec<Exposure>, JournalError> {
        read_exposures(&self.conn, self.session)
    }

    /// This session's audit log, in order.
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>, JournalError> {
        read_audit(&self.conn, self.session)
    }

    /// This session's health samples, in time order.
    pub fn health_samples(&self) -> Result<Vec<HealthSample>, JournalError> {
        read_health(&self.conn, self.session)
    }
}

/// Whether `conn`'s database has the journal's tables (a session recorded by `kaibo listen`
/// alone has none).
pub fn has_tables(conn: &Connection) -> Result<bool, JournalError> {
    let found: Option<i64> = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exposures'", [], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

/// Reads `session`'s exposures from any connection (a report opens the file read-only).
pub fn read_exposures(conn: &Connection, session: i64) -> Result<Vec<Exposure>, JournalError> {
    let mut query = conn.prepare(
        "SELECT id, product, layer, cued_by, started_at, ended_at FROM exposures WHERE session = ?1 ORDER BY started_at, id",
    )?;
    let rows = query.query_map([session], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, product, layer, cued_by, started, ended) = row?;
        out.push(Exposure {
            id,
            product,
            layer,
            cued_by,
            started_at: parse_time("exposures", started)?,
            ended_at: ended.map(|t| parse_time("exposures", t)).transpose()?,
        });
    }
    Ok(out)
}

/// Reads `session`'s audit log from any connection.
pub fn read_audit(conn: &Connection, session: i64) -> Result<Vec<AuditEntry>, JournalError> {
    let mut query =
        conn.prepare("SELECT at, source, action, detail, outcome FROM audit WHERE session = ?1 ORDER BY seq")?;
    let rows =
        query.query_map([session], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (at, source, action, detail, outcome) = row?;
        out.push(AuditEntry { at: parse_time("audit", at)?, source, action, detail, outcome });
    }
    Ok(out)
}

/// Reads `session`'s health samples from any connection, in time order.
pub fn read_health(conn: &Connection, session: i64) -> Result<Vec<HealthSample>, JournalError> {
    let mut query = conn.prepare(
        "SELECT at, output, state, bitrate_kbps, fps, dropped_frames, dropped_percent FROM health
         WHERE session = ?1 ORDER BY at, rowid",
    )?;
    let rows = query.query_map([session], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<f64>>(3)?,
            r.get::<_, Option<f64>>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<f64>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, output, state, bitrate, fps, dropped, percent) = row?;
        out.push(HealthSample {
            at: parse_time("health", at)?,
            row: HealthRow {
                output,
                state,
                bitrate_kbps: bitrate.unwrap_or(f64::NAN),
                fps: fps.unwrap_or(f64::NAN),
                dropped_frames: u64::try_from(dropped).unwrap_or(0),
                dropped_percent: percent.unwrap_or(f64::NAN),
            },
        });
    }
    Ok(out)
}
