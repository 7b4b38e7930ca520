//! What the studio writes into the session journal beside the audience events: the audit
//! log of operator actions, product-card exposures, and output health once a second.
//!
//! Exposures follow what is on air, not what was asked: after every change the studio
//! tells [`SessionLog::track_cards`] which product cards are visible in the scene on air,
//! and each card/product pair that appeared opens an interval, each that went away closes
//! one. Cue, pin, hide, scene switch and end of show all come down to that.
//!
//! The journal must never stop a show, nor slow it: every write goes, in order, to one
//! writer thread that owns the SQLite connection, so no write happens on the async workers
//! or under the studio's lock. A write that fails (the database locked by the audience
//! store for longer than the busy timeout, a full disk) is retried with a growing pause,
//! keeping the order; it is reported once on stderr and the show goes on. What waits is
//! bounded ([`MAX_PENDING`]); beyond it the oldest health samples are let go first.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use journal::{AuditEntry, HealthRow, Journal};

use crate::protocol::{CommandSource, StatsView};

/// The most audit detail kept per entry; longer details are cut on a character boundary.
pub const MAX_AUDIT_DETAIL: usize = 4096;
/// What is appended to a detail that was cut.
pub const CUT_MARKER: &str = "… [cut]";
/// Writes that may wait for the database before health samples are let go.
pub const MAX_PENDING: usize = 10_000;

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
    /// The writer thread's queue (`None`: nothing is kept).
    writes: Option<mpsc::Sender<Write>>,
    files: Option<SessionFiles>,
    /// The exposures open now: (card layer, product) → this log's handle for it (the writer
    /// maps handles to journal ids, so opening one never waits for the database).
    open: BTreeMap<(String, String), u64>,
    next_handle: u64,
}

/// One write for the writer thread.
enum Write {
    Audit(AuditEntry),
    OpenExposure { handle: u64, product: String, layer: String, cued_by: String, at: DateTime<Utc> },
    CloseExposure { handle: u64, at: DateTime<Utc> },
    Health { at: DateTime<Utc>, rows: Vec<HealthRow> },
    /// Answered once every write before it is in the database (or given up).
    Flush(mpsc::Sender<()>),
}

/// A way to wait until what was logged so far is written (a report reads it next).
#[derive(Clone)]
pub struct Flusher(Option<mpsc::Sender<Write>>);

impl Flusher {
    /// Blocks until the writes sent before this call are done; call off the async threads.
    pub fn flush(&self) {
        let Some(writes) = &self.0 else { return };
        let (done, wait) = mpsc::channel();
        if writes.send(Write::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(Duration::from_secs(30));
        }
    }
}

impl SessionLog {
    /// A log into `files`, or one that keeps nothing.
    pub fn open(files: Option<SessionFiles>) -> SessionLog {
        let writes = files.as_ref().and_then(|f| match Journal::open(&f.database, f.session) {
            Ok(journal) => {
                let (tx, rx) = mpsc::channel();
                let spawned = std::thread::Builder::new().name("kaibo-journal".into()).spawn(move || write_loop(journal, rx));
                match spawned {
                    Ok(_) => Some(tx),
                    Err(error) => {
                        eprintln!("warning: the session journal cannot start its writer ({error}); nothing is logged");
                        None
                    }
                }
            }
            Err(error) => {
                eprintln!("warning: the session journal cannot open ({}): {error}; nothing is logged", f.database.display());
                None
            }
        });
        SessionLog { writes, files, open: BTreeMap::new(), next_handle: 0 }
    }

    pub fn files(&self) -> Option<&SessionFiles> {
        self.files.as_ref()
    }

    /// What waits for the writes logged so far.
    pub fn flusher(&self) -> Flusher {
        Flusher(self.writes.clone())
    }

    fn send(&self, write: Write) {
        if let Some(writes) = &self.writes {
            // The writer ends only with the process; a closed queue keeps nothing, as before.
            let _ = writes.send(write);
        }
    }

    /// Records one operator action and how it ended. The detail is cut to
    /// [`MAX_AUDIT_DETAIL`] bytes, URLs in it and in the outcome redacted.
    pub fn audit(&mut self, source: CommandSource, action: &str, detail: String, outcome: &Result<String, String>) {
        let entry = AuditEntry {
            at: Utc::now(),
            source: source.name().to_owned(),
            action: action.to_owned(),
            detail: cut(&show::redact_urls_in_text(&detail), MAX_AUDIT_DETAIL),
            outcome: cut(
                &show::redact_urls_in_text(&match outcome {
                    Ok(note) if note.is_empty() => "ok".to_owned(),
                    Ok(note) => format!("ok: {note}"),
                    Err(error) => error.clone(),
                }),
                MAX_AUDIT_DETAIL,
            ),
        };
        self.send(Write::Audit(entry));
    }

    /// Opens and closes exposures so the journal matches `on_air` (card layer, product)
    /// pairs; `source` is who caused the change.
    pub fn track_cards(&mut self, on_air: &[(String, String)], source: CommandSource, at: DateTime<Utc>) {
        let gone: Vec<(String, String)> = self.open.keys().filter(|key| !on_air.contains(key)).cloned().collect();
        for key in gone {
            if let Some(handle) = self.open.remove(&key) {
                self.send(Write::CloseExposure { handle, at });
            }
        }
        if self.writes.is_none() {
            return;
        }
        for key in on_air {
            if self.open.contains_key(key) {
                continue;
            }
            self.next_handle += 1;
            let handle = self.next_handle;
            self.open.insert(key.clone(), handle);
            self.send(Write::OpenExposure {
                handle,
                product: key.1.clone(),
                layer: key.0.clone(),
                cued_by: source.name().to_owned(),
                at,
            });
        }
    }

    /// One second of output health.
    pub fn health(&mut self, stats: &StatsView) {
        if self.writes.is_none() {
            return;
        }
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
        self.send(Write::Health { at: Utc::now(), rows });
    }
}

/// `text` cut to at most `max` bytes on a character boundary, with [`CUT_MARKER`] when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(CUT_MARKER.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT_MARKER}", &text[..end])
}

/// The writer thread: applies writes in order, retrying one that fails before the next.
fn write_loop(journal: Journal, writes: mpsc::Receiver<Write>) {
    let mut pending: VecDeque<Write> = VecDeque::new();
    let mut ids: BTreeMap<u64, i64> = BTreeMap::new();
    let mut warned = false;
    let mut pause = Duration::from_millis(50);
    loop {
        if pending.is_empty() {
            match writes.recv() {
                Ok(write) => pending.push_back(write),
                Err(_) => return,
            }
        }
        while let Ok(write) = writes.try_recv() {
            pending.push_back(write);
        }
        shed(&mut pending);
        while let Some(write) = pending.front() {
            match apply(&journal, write, &mut ids) {
                Ok(()) => {
                    pending.pop_front();
                    pause = Duration::from_millis(50);
                }
                Err(error) => {
                    if !warned {
                        eprintln!("warning: the session journal could not be written: {error} (retrying; the show goes on)");
                        warned = true;
                    }
                    // Only the database saying no now (locked, full) may pass; a write that
                    // can never succeed goes, so it does not hold back the rest.
                    if !matches!(error, journal::JournalError::Sqlite(_)) {
                        pending.pop_front();
                        continue;
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(2));
                    break;
                }
            }
        }
    }
}

/// Keeps the queue bounded: health samples go first (one a second; the report draws them
/// as a line), then the oldest writes.
fn shed(pending: &mut VecDeque<Write>) {
    if pending.len() <= MAX_PENDING {
        return;
    }
    let mut over = pending.len() - MAX_PENDING;
    pending.retain(|write| {
        if over > 0 && matches!(write, Write::Health { .. }) {
            over -= 1;
            false
        } else {
            true
        }
    });
    while pending.len() > MAX_PENDING {
        if let Some(Write::Flush(done)) = pending.pop_front() {
            let _ = done.send(());
        }
    }
}

fn apply(journal: &Journal, write: &Write, ids: &mut BTreeMap<u64, i64>) -> Result<(), journal::JournalError> {
    match write {
        Write::Audit(entry) => journal.audit(entry),
        Write::OpenExposure { handle, product, layer, cued_by, at } => {
            let id = journal.open_exposure(product, layer, cued_by, *at)?;
            ids.insert(*handle, id);
            Ok(())
        }
        Write::CloseExposure { handle, at } => match ids.remove(handle) {
            Some(id) => journal.close_exposure(id, *at).inspect_err(|_| {
                ids.insert(*handle, id);
            }),
            // Its opening was let go: nothing to close.
            None => Ok(()),
        },
        Write::Health { at, rows } => journal.health(*at, rows),
        Write::Flush(done) => {
            let _ = done.send(());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_details_are_cut_on_a_character_boundary() {
        let detail = "键".repeat(5000);
        let out = cut(&detail, MAX_AUDIT_DETAIL);
        assert!(out.len() <= MAX_AUDIT_DETAIL, "{}", out.len());
        assert!(out.ends_with(CUT_MARKER));
        assert_eq!(cut("short", MAX_AUDIT_DETAIL), "short");
    }

    fn files(dir: &std::path::Path) -> SessionFiles {
        SessionFiles { database: dir.join("sessions.db"), session: 1 }
    }

    #[test]
    fn audit_rows_are_redacted_and_bounded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut log = SessionLog::open(Some(files(dir.path())));
        let detail = format!(r#"{{"url":"rtmp://h/live/SECRETKEY123","x":"{}"}}"#, "y".repeat(10_000));
        log.audit(CommandSource::Api, "add_destination", detail, &Ok(String::new()));
        log.flusher().flush();
        let journal = Journal::open(&dir.path().join("sessions.db"), 1).expect("open");
        let entries = journal.audit_entries().expect("read");
        assert_eq!(entries.len(), 1);
        assert!(!entries[0].detail.contains("SECRETKEY123"), "{}", entries[0].detail);
        assert!(entries[0].detail.len() <= MAX_AUDIT_DETAIL);
    }

    #[test]
    fn a_write_the_database_refuses_is_retried_not_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("sessions.db");
        let mut log = SessionLog::open(Some(files(dir.path())));
        // Another connection holds the write lock past the busy timeout (5 s) of the first try.
        let blocker = rusqlite::Connection::open(&database).expect("open");
        blocker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
        log.audit(CommandSource::Api, "switch_scene", r#"{"scene":"a"}"#.into(), &Ok(String::new()));
        log.audit(CommandSource::Api, "switch_scene", r#"{"scene":"b"}"#.into(), &Ok(String::new()));
        std::thread::sleep(Duration::from_millis(5500));
        blocker.execute_batch("COMMIT").expect("unlock");
        log.flusher().flush();
        let entries = Journal::open(&database, 1).expect("open").audit_entries().expect("read");
        let scenes: Vec<&str> = entries.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(scenes, vec![r#"{"scene":"a"}"#, r#"{"scene":"b"}"#], "both kept, in order");
    }
}
