//! The session database: SQLite (bundled), WAL mode.
//!
//! Events are written in batches, one transaction per batch, with the tally rows they changed
//! in the same transaction. An event is *acknowledged* when its batch has committed: from then
//! on it survives the process crashing (WAL with `synchronous=NORMAL`); with
//! [`Durability::PowerLoss`] (`synchronous=FULL`) it also survives the machine losing power.
//! The `UNIQUE(session, platform, event_id)` constraint is the last line of duplicate dropping:
//! an event counts in the tally only if its row was inserted.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::amount::Amount;
use crate::error::AudienceError;
use crate::event::AudienceEvent;
use crate::tally::{Tally, Touched};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    started_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    user_name TEXT,
    hidden INTEGER NOT NULL DEFAULT 0,
    json TEXT NOT NULL,
    UNIQUE (session, platform, event_id)
);
CREATE TABLE IF NOT EXISTS counters (
    session INTEGER NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (session, name)
);
CREATE TABLE IF NOT EXISTS totals (
    session INTEGER NOT NULL,
    category TEXT NOT NULL,
    currency TEXT NOT NULL,
    total TEXT NOT NULL,
    PRIMARY KEY (session, category, currency)
);
CREATE TABLE IF NOT EXISTS user_totals (
    session INTEGER NOT NULL,
    user_key TEXT NOT NULL,
    currency TEXT NOT NULL,
    name TEXT NOT NULL,
    total TEXT NOT NULL,
    PRIMARY KEY (session, user_key, currency)
);
";

/// How much a commit survives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// A process crash (WAL, `synchronous=NORMAL`): fast, the default.
    #[default]
    ProcessCrash,
    /// Power loss too (`synchronous=FULL`): one fsync per batch.
    PowerLoss,
}

/// One session's database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    session: i64,
    seq: i64,
}

/// An event and whether moderation hid it, ready to write.
#[derive(Clone, Debug)]
pub struct Recorded<'a> {
    /// The event (text already masked if it was).
    pub event: &'a AudienceEvent,
    /// Kept off screen.
    pub hidden: bool,
}

impl Store {
    /// Opens (or creates) the database at `path` and starts a new session called `title`.
    pub fn open(path: &Path, title: &str, durability: Durability) -> Result<Store, AudienceError> {
        let conn = Connection::open(path)?;
        Store::start(conn, title, durability)
    }

    /// An in-memory database, for tests and rehearsals that keep nothing.
    pub fn in_memory(title: &str) -> Result<Store, AudienceError> {
        Store::start(Connection::open_in_memory()?, title, Durability::ProcessCrash)
    }

    fn start(conn: Connection, title: &str, durability: Durability) -> Result<Store, AudienceError> {
        // The journal (crates/journal) writes to the same file on its own connection: wait for
        // its short transactions instead of failing with "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.execute_batch(SCHEMA)?;
        let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        conn.execute("INSERT INTO sessions (title, started_at) VALUES (?1, ?2)", params![title, started])?;
        let session = conn.last_insert_rowid();
        Ok(Store { conn, session, seq: 0 })
    }

    /// This session's id.
    pub fn session(&self) -> i64 {
        self.session
    }

    /// When this session started and its title.
    pub fn session_info(&self) -> Result<(String, String), AudienceError> {
        Ok(self.conn.query_row("SELECT title, started_at FROM sessions WHERE id = ?1", [self.session], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    /// Writes a batch in one transaction, counting each newly inserted event into `tally`.
    /// Returns the events that were new (the others were duplicates). When this returns `Ok`,
    /// the batch is acknowledged. On error nothing of the batch is written, and `tally` must be
    /// rebuilt with [`Store::rebuild_tally`].
    pub fn write_batch(&mut self, batch: &[Recorded<'_>], tally: &mut Tally) -> Result<Vec<bool>, AudienceError> {
        // IMMEDIATE takes the write lock up front, so another connection's writes make this wait
        // (busy_timeout) rather than fail half-way through.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut fresh = Vec::with_capacity(batch.len());
        let mut touched: Vec<Touched> = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (session, seq, platform, room, event_id, at, kind, user_id, user_name, hidden, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for item in batch {
                let e = item.event;
                let json = serde_json::to_string(e).unwrap_or_default();
                let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                let inserted = insert.execute(params![
                    self.session,
                    self.seq + 1,
                    e.platform,
                    e.room,
                    e.id,
                    at,
                    e.body.kind(),
                    e.user.as_ref().map(|u| u.id.as_str()),
                    e.user.as_ref().map(|u| u.name.as_str()),
                    item.hidden,
                    json
                ])? == 1;
                if inserted {
                    self.seq += 1;
                    touched.push(tally.add(e));
                }
                fresh.push(inserted);
            }
        }
        write_tally(&tx, self.session, tally, &touched)?;
        tx.commit()?;
        Ok(fresh)
    }

    /// Counts every stored event of this session again (after a failed batch).
    pub fn rebuild_tally(&self) -> Result<Tally, AudienceError> {
        let mut tally = Tally::default();
        let mut query = self.conn.prepare("SELECT json FROM events WHERE session = ?1 ORDER BY seq")?;
        let rows = query.query_map([self.session], |r| r.get::<_, String>(0))?;
        for json in rows {
            if let Ok(event) = serde_json::from_str::<AudienceEvent>(&json?) {
                tally.add(&event);
            }
        }
        Ok(tally)
    }

    /// How many events this session stored.
    pub fn event_count(&self) -> Result<u64, AudienceError> {
        let n: i64 = self.conn.query_row("SELECT COUNT(*) FROM events WHERE session = ?1", [self.session], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// A stored total (`gift`, `super_chat` or `order`) in `currency`, as written.
    pub fn stored_total(&self, category: &str, currency: &str) -> Result<Option<String>, AudienceError> {
        Ok(self
            .conn
            .query_row(
                "SELECT total FROM totals WHERE session = ?1 AND category = ?2 AND currency = ?3",
                params![self.session, category, currency],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// A stored counter (`chat`, `like`, `peak_viewers`, ...).
    pub fn stored_counter(&self, name: &str) -> Result<Option<u64>, AudienceError> {
        let value: Option<i64> = self
            .conn
            .query_row("SELECT value FROM counters WHERE session = ?1 AND name = ?2", params![self.session, name], |r| r.get(0))
            .optional()?;
        Ok(value.map(|v| u64::try_from(v).unwrap_or(0)))
    }
}

fn write_tally(tx: &rusqlite::Transaction<'_>, session: i64, tally: &Tally, touched: &[Touched]) -> Result<(), AudienceError> {
    let mut counter = tx.prepare_cached(
        "INSERT INTO counters (session, name, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (session, name) DO UPDATE SET value = excluded.value",
    )?;
    for (name, value) in tally.named_counts().into_iter().chain([("peak_viewers", tally.peak_viewers)]) {
        // SQLite integers are i64: a saturated u64 count is stored as i64::MAX, not as -1.
        counter.execute(params![session, name, i64::try_from(value).unwrap_or(i64::MAX)])?;
    }
    let mut total = tx.prepare_cached(
        "INSERT INTO totals (session, category, currency, total) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (session, category, currency) DO UPDATE SET total = excluded.total",
    )?;
    let mut user = tx.prepare_cached(
        "INSERT INTO user_totals (session, user_key, currency, name, total) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (session, user_key, currency) DO UPDATE SET total = excluded.total, name = excluded.name",
    )?;
    let mut totals_done: HashSet<&(&str, String)> = HashSet::new();
    let mut users_done: HashSet<&String> = HashSet::new();
    for t in touched {
        if let Some(key @ (category, currency)) = &t.total {
            if totals_done.insert(key) {
                let map = match *category {
                    "gift" => &tally.gift_totals,
                    "super_chat" => &tally.super_chat_totals,
                    _ => &tally.order_totals,
                };
                let value = map.get(currency).copied().unwrap_or(0);
                total.execute(params![session, category, currency, Amount::format_micros(value)])?;
            }
        }
        if let Some(key) = &t.user {
            if users_done.insert(key) {
                if let Some(entry) = tally.by_user.get(key) {
                    for (currency, value) in &entry.totals {
                        user.execute(params![session, key, currency, entry.name, Amount::format_micros(*value)])?;
                    }
                }
            }
        }
    }
    Ok(())
}
