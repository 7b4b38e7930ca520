//! What every connector shares: the event channel with duplicate dropping, counters, status,
//! cancellation and the reconnect loop.
//!
//! A connector is a tokio task. It sends [`AudienceEvent`]s on an mpsc channel, stops when its
//! [`ConnectorHandle`] is dropped or stopped (or when the receiver goes away), and reconnects
//! with [`Backoff`] whenever its server drops it.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::backoff::{Backoff, BackoffPolicy};
use crate::dedup::RecentIds;
use crate::error::AudienceError;
use crate::event::AudienceEvent;

/// How many recent event ids each connector remembers to drop duplicates.
pub const DEDUP_WINDOW: usize = 50_000;

/// Where a connector is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorStatus {
    /// Opening the connection.
    Connecting,
    /// Connected and reading.
    Live,
    /// Waiting before the next attempt.
    Retrying,
    /// Ended (stopped, or nobody listens any more).
    Stopped,
}

/// Counters a connector keeps while it runs; read them at any time.
#[derive(Debug, Default)]
pub struct ConnectorStats {
    frames: AtomicU64,
    events: AtomicU64,
    duplicates: AtomicU64,
    malformed: AtomicU64,
    unknown: AtomicU64,
    oversized: AtomicU64,
    connections: AtomicU64,
    status: AtomicU8,
    last_error: Mutex<Option<String>>,
}

/// A copy of a connector's counters at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Frames, lines or pages read off the wire.
    pub frames: u64,
    /// Events sent on (after dropping duplicates).
    pub events: u64,
    /// Events dropped because their id was seen before.
    pub duplicates: u64,
    /// Frames that could not be read, skipped.
    pub malformed: u64,
    /// Well-formed messages of a kind we do not use (unknown Bilibili commands), skipped.
    pub unknown: u64,
    /// Messages dropped whole because they were too large (a Bilibili message inflating past
    /// its budget); also counted in `malformed`.
    pub oversized: u64,
    /// Successful connections (1 + reconnects).
    pub connections: u64,
}

impl ConnectorStats {
    pub(crate) fn frame(&self) {
        self.frames.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn malformed(&self) {
        self.malformed.fetch_add(1, Ordering::Relaxed);
    }
    /// `frames` read and `malformed` of them skipped, at once (a Bilibili message).
    pub(crate) fn read_frames(&self, frames: u64, malformed: u64) {
        self.frames.fetch_add(frames, Ordering::Relaxed);
        self.malformed.fetch_add(malformed, Ordering::Relaxed);
    }
    pub(crate) fn unknown(&self) {
        self.unknown.fetch_add(1, Ordering::Relaxed);
    }
    /// A message dropped for its size: counted, and `notice` becomes the last error, so the
    /// operator sees it while the connection reads on.
    pub(crate) fn oversized(&self, notice: &str) {
        self.oversized.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(notice.to_owned());
        }
    }
    pub(crate) fn connected(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.set_status(ConnectorStatus::Live);
    }
    pub(crate) fn set_status(&self, status: ConnectorStatus) {
        self.status.store(status as u8, Ordering::Relaxed);
    }
    pub(crate) fn set_error(&self, error: &AudienceError) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(error.to_string());
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            frames: self.frames.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            unknown: self.unknown.load(Ordering::Relaxed),
            oversized: self.oversized.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
        }
    }

    /// Where the connector is now.
    pub fn status(&self) -> ConnectorStatus {
        match self.status.load(Ordering::Relaxed) {
            0 => ConnectorStatus::Connecting,
            1 => ConnectorStatus::Live,
            2 => ConnectorStatus::Retrying,
            _ => ConnectorStatus::Stopped,
        }
    }

    /// The last reason the connection failed, in plain words.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }
}

/// The receiver is gone: nobody wants events any more, so the connector ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverGone;

/// Sends events on, once each.
#[derive(Debug)]
pub struct Emitter {
    tx: mpsc::Sender<AudienceEvent>,
    recent: RecentIds,
    stats: Arc<ConnectorStats>,
    sent_since_check: bool,
}

impl Emitter {
    /// An emitter on `tx` that counts into `stats`.
    pub fn new(tx: mpsc::Sender<AudienceEvent>, stats: Arc<ConnectorStats>) -> Emitter {
        Emitter { tx, recent: RecentIds::new(DEDUP_WINDOW), stats, sent_since_check: false }
    }

    /// Sends `event` unless its id was seen before. Waits when the receiver is behind, so
    /// nothing is lost; the platform's socket buffers meanwhile. Every connector's events pass
    /// here, so this is where texts are cut to their limits ([`AudienceEvent::clamp`]).
    pub async fn emit(&mut self, mut event: AudienceEvent) -> Result<(), ReceiverGone> {
        event.clamp();
        if !self.recent.first_time(&event.id) {
            self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.tx.send(event).await.map_err(|_| ReceiverGone)?;
        self.stats.events.fetch_add(1, Ordering::Relaxed);
        self.sent_since_check = true;
        Ok(())
    }

    /// The shared counters.
    pub fn stats(&self) -> &ConnectorStats {
        &self.stats
    }

    /// True if an event went out since the last call (a session that delivered resets backoff).
    fn take_progress(&mut self) -> bool {
        std::mem::take(&mut self.sent_since_check)
    }
}

/// How a connection ended, when it ended without an error.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The server closed it or asked us to reconnect.
    Closed,
    /// Nobody reads events any more.
    ReceiverGone,
}

impl From<ReceiverGone> for SessionEnd {
    fn from(_: ReceiverGone) -> SessionEnd {
        SessionEnd::ReceiverGone
    }
}

/// A running connector. Dropping it stops the connector.
#[derive(Debug)]
pub struct ConnectorHandle {
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
    stats: Arc<ConnectorStats>,
}

impl ConnectorHandle {
    pub(crate) fn from_task(cancel: CancellationToken, task: JoinHandle<()>, stats: Arc<ConnectorStats>) -> ConnectorHandle {
        ConnectorHandle { cancel, task: Some(task), stats }
    }

    /// Its counters.
    pub fn stats(&self) -> &Arc<ConnectorStats> {
        &self.stats
    }

    /// Stops the connector and waits until its task has ended.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the connector ends by itself (the receiver went away, or it was cancelled).
    pub async fn join(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ConnectorHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Runs `session` again and again with backoff until cancelled or nobody listens.
///
/// `session` gets the emitter back each time because the dedup window must survive reconnects:
/// that is what drops the replayed tail after a reconnect.
pub(crate) fn spawn_reconnecting<S, F>(
    tx: mpsc::Sender<AudienceEvent>,
    policy: BackoffPolicy,
    mut session: S,
) -> ConnectorHandle
where
    S: FnMut(Emitter) -> F + Send + 'static,
    F: Future<Output = (Emitter, Result<SessionEnd, AudienceError>)> + Send + 'static,
{
    let cancel = CancellationToken::new();
    let stats = Arc::new(ConnectorStats::default());
    let mut emitter = Emitter::new(tx, Arc::clone(&stats));
    let token = cancel.clone();
    let task_stats = Arc::clone(&stats);
    let task = tokio::spawn(async move {
        let mut backoff = Backoff::new(policy);
        loop {
            task_stats.set_status(ConnectorStatus::Connecting);
            let run = session(emitter);
            let (returned, outcome) = tokio::select! {
                _ = token.cancelled() => break,
                done = run => done,
            };
            emitter = returned;
            match outcome {
                Ok(SessionEnd::ReceiverGone) => break,
                Ok(SessionEnd::Closed) => {}
                Err(error) => task_stats.set_error(&error),
            }
            if emitter.take_progress() {
                backoff.reset();
            }
            task_stats.set_status(ConnectorStatus::Retrying);
            if !sleep_unless_cancelled(backoff.next_delay(), &token).await {
                break;
            }
        }
        task_stats.set_status(ConnectorStatus::Stopped);
    });
    ConnectorHandle::from_task(cancel, task, stats)
}

/// Sleeps for `wait`; false if cancelled meanwhile.
pub(crate) async fn sleep_unless_cancelled(wait: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}
