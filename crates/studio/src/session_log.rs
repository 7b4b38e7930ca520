//! What the studio writes into the session journal beside the audience events: the audit
//! log of operator actions, product-card exposures, and output health once a second.
//!
//! Exposures follow what is on air, not what was asked: after every change the studio
//! tells [`SessionLog::track_cards`] which product cards are visible in the scene on air,
//! and each card/product pair that appeared opens an interval, each that went away closes
//! one. Cue, pin, hide, scene switch and end of show all come down to that.
//!
//! The journal must never stop a show: a write that fails is reported once on stderr and
//! the show goes on.

use std::collections::BTreeMap;
use std::path::PathBuf;

use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use journal::{AuditEntry, HealthRow, Journal};

use crate::protocol::{CommandSource, StatsView};

/// The session database and this session's id in it.
#[derive(Debug, Clone)]
pub struct SessionFiles {
    pub database: PathBuf,
    pub session: i64,
}

/// Opens the session database in `data_dir` (creating it) and starts a new session called
/// `title` for this sitting of the studio: the audience store writing into it, and where
/// the journal and the report find it.
pub fn open_session(data_dir: &std::path::Path, title: &str) -> Result<(audience::store::Store, SessionFiles), String> {
    std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create the data folder {}: {e}", data_dir.display()))?;
    let database = crate::cli::report::database_path(data_dir);
    let store = audience::store::Store::open(&database, title, audience::store::Durability::ProcessCrash)
        .map_err(|e| format!("cannot open the session database {}: {e}", database.display()))?;
    let session = store.session();
    Ok((store, SessionFiles { database, session }))
}

pub struct SessionLog {
    /// Behind a lock only so the studio's state can be shared across threads (a SQLite
    /// connection is not `Sync`); the studio's own lock already serializes every use.
    journal: Option<Mutex<Journal>>,
    files: Option<SessionFiles>,
    /// The exposures open now: (card layer, product) → journal id.
    open: BTreeMap<(String, String), i64>,
    warned: bool,
}

impl SessionLog {
    /// A log into `files`, or one that keeps nothing.
    pub fn open(files: Option<SessionFiles>) -> SessionLog {
        let journal = files.as_ref().and_then(|f| match Journal::open(&f.database, f.session) {
            Ok(journal) => Some(Mutex::new(journal)),
            Err(error) => {
                eprintln!("warning: the session journal cannot open ({}): {error}; nothing is logged", f.database.display());
                None
            }
        });
        SessionLog { journal, files, open: BTreeMap::new(), warned: false }
    }

    pub fn files(&self) -> Option<&SessionFiles> {
        self.files.as_ref()
    }

    /// Records one operator action and how it ended.
    pub fn audit(&mut self, source: CommandSource, action: &str, detail: String, outcome: &Result<String, String>) {
        let entry = AuditEntry {
            at: Utc::now(),
            source: source.name().to_owned(),
            action: action.to_owned(),
            detail,
            outcome: match outcome {
                Ok(note) if note.is_empty() => "ok".to_owned(),
                Ok(note) => format!("ok: {note}"),
                Err(error) => error.clone(),
            },
        };
        let written = self.journal().map(|journal| journal.audit(&entry));
        if let Some(written) = written {
            self.warn_on(written);
        }
    }

    /// Opens and closes exposures so the journal matches `on_air` (card layer, product)
    /// pairs; `source` is who caused the change.
    pub fn track_cards(&mut self, on_air: &[(String, String)], source: CommandSource, at: DateTime<Utc>) {
        let gone: Vec<(String, String)> = self.open.keys().filter(|key| !on_air.contains(key)).cloned().collect();
        for key in gone {
            if let Some(id) = self.open.remove(&key) {
                let closed = self.journal().map(|journal| journal.close_exposure(id, at));
                if let Some(closed) = closed {
                    self.warn_on(closed);
                }
            }
        }
        for key in on_air {
            if self.open.contains_key(key) {
                continue;
            }
            let Some(journal) = self.journal() else { continue };
            let opened = journal.open_exposure(&key.1, &key.0, source.name(), at);
            drop(journal);
            match opened {
                Ok(id) => {
                    self.open.insert(key.clone(), id);
                }
                Err(error) => self.warn_on::<()>(Err(error)),
            }
        }
    }

    /// One second of output health.
    pub fn health(&mut self, stats: &StatsView) {
        let Some(journal) = self.journal() else { return };
        let rows: Vec<HealthRow> = stats
            .outputs
            .iter()
            .map(|o| HealthRow {
                output: o.id.clone(),
                state: crate::views::phase_name(&o.state).to_owned(),
                bitrate_kbps: o.bitrate_kbps,
                fps: o.fps,
                dropped_frames: o.dropped_frames,
                dropped_percent: o.dropped_percent,
            })
            .collect();
        let written = journal.health(Utc::now(), &rows);
        drop(journal);
        self.warn_on(written);
    }

    fn journal(&self) -> Option<MutexGuard<'_, Journal>> {
        self.journal.as_ref().map(|j| j.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn warn_on<T>(&mut self, result: Result<T, journal::JournalError>) {
        if let Err(error) = result {
            if !self.warned {
                eprintln!("warning: the session journal could not be written: {error} (the show goes on)");
                self.warned = true;
            }
        }
    }
}
