//! One show's audience bookkeeping: moderation, then the tally and the database, in batches.
//!
//! SQLite writes block, so the writer runs on its own thread ([`spawn_writer`]) fed by the
//! connectors' channel; connectors never wait on the disk except through channel backpressure.

use std::path::Path;

use tokio::sync::mpsc;

use crate::error::AudienceError;
use crate::event::AudienceEvent;
use crate::moderation::{ModerationRules, Moderator, Verdict};
use crate::report::SessionReport;
use crate::store::{Recorded, Store};
use crate::tally::Tally;

/// The most events written in one transaction.
pub const MAX_BATCH: usize = 1000;

/// How many times in a row a batch may fail to commit before its events are given up (about
/// ten seconds of a full disk or a locked database). Until then it is kept and tried again
/// with the next batch; what is held stays bounded (at most this many batches).
pub const STORE_TRIES: u32 = 10;

/// How long a writer with a held batch waits for more events before trying it again alone.
pub const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// An event after moderation, for the screen.
#[derive(Clone, Debug)]
pub struct ModeratedEvent {
    /// The event, its text masked if moderation masked it.
    pub event: AudienceEvent,
    /// What moderation decided.
    pub verdict: Verdict,
}

/// Moderation, tally and store for one session.
#[derive(Debug)]
pub struct Session {
    store: Store,
    tally: Tally,
    moderator: Moderator,
    /// Events (already moderated) whose batch failed to commit, to try again.
    held: Vec<ModeratedEvent>,
    /// Failed commits in a row.
    failures: u32,
}

impl Session {
    /// A session writing to `store`, filtering with `rules`.
    pub fn new(store: Store, rules: &ModerationRules) -> Session {
        Session { store, tally: Tally::default(), moderator: Moderator::new(rules), held: Vec::new(), failures: 0 }
    }

    /// Moderates, stores and counts a batch in one transaction. Returns the events that were
    /// new (duplicates already stored are dropped), once they are committed.
    ///
    /// A batch that fails to commit is not lost: it is held and written first with the next
    /// call (an empty `events` retries it alone), up to [`STORE_TRIES`] failures in a row;
    /// then its events are given up with [`AudienceError::StoreGaveUp`].
    pub fn record(&mut self, events: Vec<AudienceEvent>) -> Result<Vec<ModeratedEvent>, AudienceError> {
        let mut moderated = std::mem::take(&mut self.held);
        moderated.extend(events.into_iter().map(|mut event| {
            let verdict = self.moderator.moderate(&mut event);
            ModeratedEvent { event, verdict }
        }));
        if moderated.is_empty() {
            return Ok(moderated);
        }
        let batch: Vec<Recorded<'_>> =
            moderated.iter().map(|m| Recorded { event: &m.event, hidden: m.verdict.hidden() }).collect();
        match self.store.write_batch(&batch, &mut self.tally) {
            Ok(fresh) => {
                self.failures = 0;
                let mut fresh = fresh.into_iter();
                moderated.retain(|_| fresh.next().unwrap_or(false));
                Ok(moderated)
            }
            Err(error) => {
                // The transaction rolled back; count again from what is committed.
                if let Ok(tally) = self.store.rebuild_tally() {
                    self.tally = tally;
                }
                self.failures = self.failures.saturating_add(1);
                if self.failures >= STORE_TRIES {
                    self.failures = 0;
                    return Err(AudienceError::StoreGaveUp {
                        events: moderated.len(),
                        tries: STORE_TRIES,
                        reason: error.to_string(),
                    });
                }
                self.held = moderated;
                Err(error)
            }
        }
    }

    /// Events held after a failed commit, waiting to be tried again.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The counts so far (committed events only).
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The moderator, for checking on-air text.
    pub fn moderator(&self) -> &Moderator {
        &self.moderator
    }

    /// Replaces the banned words: the next batch is moderated with these.
    pub fn set_banned_words(&mut self, banned: &[String]) {
        self.moderator.set_banned_words(banned);
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The session report.
    pub fn report(&self) -> Result<SessionReport, AudienceError> {
        let (title, started) = self.store.session_info()?;
        Ok(SessionReport::new(self.store.session(), &title, &started, &self.tally, self.moderator.counts().clone()))
    }

    /// Writes the report as JSON to `json` and CSV to `csv`.
    pub fn export(&self, json: &Path, csv: &Path) -> Result<(), AudienceError> {
        let report = self.report()?;
        for (path, text) in [(json, report.to_json()), (csv, report.to_csv())] {
            std::fs::write(path, text)
                .map_err(|source| AudienceError::Io { path: path.display().to_string(), source })?;
        }
        Ok(())
    }
}

/// Runs `session` on its own thread: takes events from `rx` in batches of up to
/// [`MAX_BATCH`], records them, and forwards the new ones to `out` (if any). Ends when every
/// sender is gone, returning the session for its report.
pub fn spawn_writer(
    mut session: Session,
    mut rx: mpsc::Receiver<AudienceEvent>,
    out: Option<mpsc::Sender<ModeratedEvent>>,
) -> std::thread::JoinHandle<Result<Session, AudienceError>> {
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while next_batch(&session, &mut rx, &mut batch) {
            let fresh = match session.record(std::mem::take(&mut batch)) {
                Ok(fresh) => fresh,
                // Held and tried again shortly (next_batch waits at most RETRY_AFTER).
                Err(AudienceError::Store(_)) => continue,
                Err(error) => {
                    eprintln!("warning: {error}");
                    continue;
                }
            };
            if let Some(out) = &out {
                for event in fresh {
                    // The screen going away does not stop the recording.
                    let _ = out.blocking_send(event);
                }
            }
        }
        Ok(session)
    })
}

/// Fills `batch` with up to [`MAX_BATCH`] events for the next [`Session::record`]: waits for
/// the first one, or, while the session holds a failed batch, at most [`RETRY_AFTER`] (an
/// empty batch then retries the held one alone). False when there is nothing left to do:
/// every sender is gone and nothing is held.
pub fn next_batch(session: &Session, rx: &mut mpsc::Receiver<AudienceEvent>, batch: &mut Vec<AudienceEvent>) -> bool {
    if session.held() == 0 {
        match rx.blocking_recv() {
            Some(first) => batch.push(first),
            None => return false,
        }
    } else {
        std::thread::sleep(RETRY_AFTER);
    }
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(event) => batch.push(event),
            Err(_) => break,
        }
    }
    true
}
