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
}

impl Session {
    /// A session writing to `store`, filtering with `rules`.
    pub fn new(store: Store, rules: &ModerationRules) -> Session {
        Session { store, tally: Tally::default(), moderator: Moderator::new(rules) }
    }

    /// Moderates, stores and counts a batch in one transaction. Returns the events that were
    /// new (duplicates already stored are dropped), once they are committed.
    pub fn record(&mut self, events: Vec<AudienceEvent>) -> Result<Vec<ModeratedEvent>, AudienceError> {
        let mut moderated: Vec<ModeratedEvent> = events
            .into_iter()
            .map(|mut event| {
                let verdict = self.moderator.moderate(&mut event);
                ModeratedEvent { event, verdict }
            })
            .collect();
        let batch: Vec<Recorded<'_>> =
            moderated.iter().map(|m| Recorded { event: &m.event, hidden: m.verdict.hidden() }).collect();
        match self.store.write_batch(&batch, &mut self.tally) {
            Ok(fresh) => {
                let mut fresh = fresh.into_iter();
                moderated.retain(|_| fresh.next().unwrap_or(false));
                Ok(moderated)
            }
            Err(error) => {
                // The transaction rolled back; count again from what is committed.
                if let Ok(tally) = self.store.rebuild_tally() {
                    self.tally = tally;
                }
                Err(error)
            }
        }
    }

    /// The counts so far (committed events only).
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The moderator, for checking on-air text.
    pub fn moderator(&self) -> &Moderator {
        &self.moderator
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
            std::fs::write(path, text).map_err(|source| AudienceError::Io { path: path.display().to_string(), source })?;
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
        while let Some(first) = rx.blocking_recv() {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(event) => batch.push(event),
                    Err(_) => break,
                }
            }
            let fresh = session.record(std::mem::take(&mut batch))?;
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
