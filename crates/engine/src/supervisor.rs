//! Keeps each destination on air on its own: reconnects with OBS-style backoff, comes back
//! within a moment of an ingest's return, and drops an ingest that stopped reading.
//!
//! ```text
//! Connecting ──first data written──▶ Live ──error / stall──▶ Reconnecting{attempt, next_in}
//!     ▲                                                          │ backoff elapsed, or the
//!     └──────────────────────────── new output bin ◀─────────────┘ ingest's port answers again
//! Reconnecting ──attempts exhausted──▶ Failed      any ──operator──▶ Stopped
//! ```

use std::collections::HashSet;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::events::{EngineEvent, OutputState};
use crate::ingest_error::IngestFailure;
use crate::outputs::{IngestTarget, OutputKind};
use crate::program::Program;
use crate::EngineError;

/// A connection live this long has recovered: the next loss starts a fresh count of retries.
const STABLE_AFTER: Duration = Duration::from_secs(10);
/// How often the kernel's TCP table is read for frozen peers.
const TCP_READ_INTERVAL: Duration = Duration::from_millis(400);
/// Even when the ingest's port answers again, connections are at least this far apart.
const MIN_RETRY_GAP: Duration = Duration::from_secs(1);

/// How a lost destination is retried.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// The wait before the first retry.
    pub first_delay: Duration,
    /// Each wait is this much longer than the last.
    pub factor: f64,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// Retries before giving up.
    pub max_attempts: u32,
    /// ± this fraction of randomness on each wait, so many studios do not retry in step.
    pub jitter: f64,
    /// A live destination that takes no data for this long is dropped and reconnected.
    pub stall_after: Duration,
    /// A peer advertising a zero window (it stopped reading) for this long is stalled.
    pub zero_window_after: Duration,
    /// A connection that is not live after this long counts as failed.
    pub connect_timeout: Duration,
}

impl Default for ReconnectPolicy {
    /// OBS's behaviour: 2 s, ×1.5 with jitter, 25 tries; capped at a minute, since the
    /// ingest's return is noticed at once anyway (see [`Supervisor::tick`]).
    fn default() -> Self {
        ReconnectPolicy {
            first_delay: Duration::from_secs(2),
            factor: 1.5,
            max_delay: Duration::from_secs(60),
            max_attempts: 25,
            jitter: 0.2,
            stall_after: Duration::from_secs(2),
            zero_window_after: Duration::from_millis(1000),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

impl ReconnectPolicy {
    /// The wait before retry number `attempt` (1-based), with `unit` in 0..1 choosing the jitter.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let base = self.first_delay.as_secs_f64() * self.factor.powi(attempt.saturating_sub(1).min(64) as i32);
        let jittered = base * (1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0));
        Duration::from_secs_f64(jittered.clamp(0.0, self.max_delay.as_secs_f64()))
    }
}

/// One destination and what the supervisor knows of it.
pub(crate) struct Slot {
    pub target: IngestTarget,
    pub state: OutputState,
    /// Retries in the current outage.
    attempt: u32,
    ever_live: bool,
    live_since: Option<Instant>,
    retry_at: Option<Instant>,
    attached_at: Instant,
    last_bytes: u64,
    last_progress: Instant,
    zero_window_since: Option<Instant>,
    /// The ingest's addresses, resolved off the supervisor's thread.
    addresses: Arc<Mutex<Vec<SocketAddr>>>,
    /// Set by a background probe when the ingest's port accepts connections again.
    reachable: Arc<AtomicBool>,
    probing: Arc<AtomicBool>,
    last_probe: Instant,
}

/// Every destination's lifecycle.
pub(crate) struct Supervisor {
    pub policy: ReconnectPolicy,
    pub slots: Vec<Slot>,
    jitter_seed: AtomicU64,
    /// Peers seen advertising a zero window at the last read of the kernel's table.
    frozen_peers: HashSet<SocketAddr>,
    last_tcp_read: Instant,
}

impl Supervisor {
    pub(crate) fn new(policy: ReconnectPolicy) -> Supervisor {
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        Supervisor {
            policy,
            slots: Vec::new(),
            jitter_seed: AtomicU64::new(seed | 1),
            frozen_peers: HashSet::new(),
            last_tcp_read: Instant::now(),
        }
    }

    pub(crate) fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.target.id == id)
    }

    fn slot_mut(&mut self, id: &str) -> Result<&mut Slot, EngineError> {
        self.slots
            .iter_mut()
            .find(|s| s.target.id == id)
            .ok_or_else(|| EngineError::Unknown(format!("there is no destination \"{id}\"")))
    }

    /// Adds a destination and starts it.
    pub(crate) fn add(
        &mut self,
        program: &mut Program,
        target: IngestTarget,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        if self.slot(&target.id).is_some() || target.id == crate::RECORDING_ID {
            return Err(EngineError::Unknown(format!("a destination \"{}\" already exists", target.id)));
        }
        let now = Instant::now();
        self.slots.push(Slot {
            target,
            state: OutputState::Stopped,
            attempt: 0,
            ever_live: false,
            live_since: None,
            retry_at: None,
            attached_at: now,
            last_bytes: 0,
            last_progress: now,
            zero_window_since: None,
            addresses: Arc::new(Mutex::new(Vec::new())),
            reachable: Arc::new(AtomicBool::new(false)),
            probing: Arc::new(AtomicBool::new(false)),
            last_probe: now,
        });
        let id = self.slots[self.slots.len() - 1].target.id.clone();
        self.attach(program, &id, events)
    }

    /// Starts a stopped or failed destination (a fresh count of retries).
    pub(crate) fn start(
        &mut self,
        program: &mut Program,
        id: &str,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        let slot = self.slot_mut(id)?;
        if matches!(slot.state, OutputState::Connecting | OutputState::Live) {
            return Ok(());
        }
        slot.attempt = 0;
        slot.live_since = None;
        self.attach(program, id, events)
    }

    /// Stops a destination; the others and the recording carry on.
    pub(crate) fn stop(
        &mut self,
        program: &mut Program,
        id: &str,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        let slot = self.slot_mut(id)?;
        slot.retry_at = None;
        set_state(slot, OutputState::Stopped, events);
        program.remove_output(id);
        Ok(())
    }

    /// A fresh output bin for the destination.
    fn attach(&mut self, program: &mut Program, id: &str, events: &mut Vec<EngineEvent>) -> Result<(), EngineError> {
        let slot = self.slot_mut(id)?;
        let now = Instant::now();
        slot.retry_at = None;
        slot.attached_at = now;
        slot.last_progress = now;
        slot.last_bytes = 0;
        slot.zero_window_since = None;
        slot.reachable.store(false, Ordering::SeqCst);
        resolve_in_background(&slot.target, &slot.addresses);
        let target = slot.target.clone();
        set_state(slot, OutputState::Connecting, events);
        if let Err(error) = program.add_output(OutputKind::Destination(target)).map(drop) {
            let reason = error.to_string();
            set_state(self.slot_mut(id)?, OutputState::Failed { reason }, events);
            return Err(error);
        }
        Ok(())
    }

    /// A destination failed: drop its bin, then retry with backoff or give up.
    pub(crate) fn failed(
        &mut self,
        program: &mut Program,
        id: &str,
        failure: IngestFailure,
        events: &mut Vec<EngineEvent>,
    ) {
        program.remove_output(id);
        let unit = self.next_unit();
        let policy = self.policy.clone();
        let Ok(slot) = self.slot_mut(id) else { return };
        if matches!(slot.state, OutputState::Stopped | OutputState::Failed { .. } | OutputState::Reconnecting { .. }) {
            return;
        }
        // A connection that held for a while ends the outage; one that drops at once does not,
        // so a flapping ingest still backs off.
        if slot.live_since.take().is_some_and(|since| since.elapsed() >= STABLE_AFTER) {
            slot.attempt = 0;
        }
        if failure.permanent || slot.attempt >= policy.max_attempts {
            let reason = if failure.permanent {
                failure.reason
            } else {
                format!("gave up after {} tries: {}", policy.max_attempts, failure.reason)
            };
            set_state(slot, OutputState::Failed { reason }, events);
            return;
        }
        slot.attempt += 1;
        let wait = policy.delay(slot.attempt, unit);
        slot.retry_at = Some(Instant::now() + wait);
        let state =
            OutputState::Reconnecting { attempt: slot.attempt, next_in_s: wait.as_secs_f64(), reason: failure.reason };
        set_state(slot, state, events);
    }

    /// Called ten times a second: promotes connected outputs to live, finds stalls, and
    /// reconnects when the backoff has elapsed or the ingest answers again.
    pub(crate) fn tick(&mut self, program: &mut Program, now: Instant, events: &mut Vec<EngineEvent>) {
        // The kernel walks its whole connection table for each read, so it is read a few
        // times a second, and only for the address families the live ingests use.
        let live_addresses: Vec<SocketAddr> = self
            .slots
            .iter()
            .filter(|s| s.state == OutputState::Live)
            .flat_map(|s| s.addresses.lock().unwrap_or_else(PoisonError::into_inner).clone())
            .collect();
        if now.duration_since(self.last_tcp_read) >= TCP_READ_INTERVAL && !live_addresses.is_empty() {
            self.last_tcp_read = now;
            self.frozen_peers = crate::tcp_watch::zero_window_peers(
                live_addresses.iter().any(SocketAddr::is_ipv4),
                live_addresses.iter().any(SocketAddr::is_ipv6),
            );
        }
        let frozen_peers = &self.frozen_peers;
        let mut failures = Vec::new();
        let mut retries = Vec::new();
        for slot in &mut self.slots {
            let id = slot.target.id.clone();
            let counters = program.outputs.iter().find(|o| o.id == id).map(|o| Arc::clone(&o.counters));
            match (&slot.state, counters) {
                (OutputState::Connecting, Some(counters)) => {
                    if counters.sink_buffers.load(Ordering::Relaxed) >= 2 {
                        slot.ever_live = true;
                        slot.live_since = Some(now);
                        slot.last_progress = now;
                        set_state(slot, OutputState::Live, events);
                    } else if now.duration_since(slot.attached_at) > self.policy.connect_timeout {
                        failures.push((id, "the ingest did not accept the stream in time".to_owned()));
                    }
                }
                (OutputState::Live, Some(counters)) => {
                    let bytes = counters.bytes_out.load(Ordering::Relaxed);
                    if bytes != slot.last_bytes {
                        slot.last_bytes = bytes;
                        slot.last_progress = now;
                    }
                    let addresses = slot.addresses.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    if addresses.iter().any(|a| frozen_peers.contains(a)) {
                        let since = *slot.zero_window_since.get_or_insert(now);
                        if now.duration_since(since) >= self.policy.zero_window_after {
                            failures
                                .push((id, "the ingest stopped reading the stream (frozen or overloaded)".to_owned()));
                            continue;
                        }
                    } else {
                        slot.zero_window_since = None;
                    }
                    if now.duration_since(slot.last_progress) >= self.policy.stall_after {
                        failures.push((id, "the ingest stopped taking data".to_owned()));
                    }
                }
                (OutputState::Reconnecting { .. }, _) => {
                    let due = slot.retry_at.is_some_and(|at| now >= at);
                    let answered = slot.reachable.swap(false, Ordering::SeqCst)
                        && now.duration_since(slot.attached_at) >= MIN_RETRY_GAP;
                    if due || answered {
                        retries.push(id);
                    } else if now.duration_since(slot.last_probe) >= Duration::from_millis(500) {
                        slot.last_probe = now;
                        probe_in_background(slot);
                    }
                }
                _ => {}
            }
        }
        for (id, reason) in failures {
            self.failed(program, &id, IngestFailure { reason, permanent: false }, events);
        }
        for id in retries {
            let _ = self.attach(program, &id, events);
        }
    }

    pub(crate) fn was_live(&self, id: &str) -> (bool, bool) {
        self.slot(id).map_or((false, false), |s| (s.state == OutputState::Live, s.ever_live))
    }

    /// A number in 0..1 for jitter (xorshift; quality is not a concern here).
    fn next_unit(&self) -> f64 {
        let mut x = self.jitter_seed.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter_seed.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn set_state(slot: &mut Slot, state: OutputState, events: &mut Vec<EngineEvent>) {
    if slot.state != state {
        slot.state = state.clone();
        events.push(EngineEvent::Output { id: slot.target.id.clone(), state });
    }
}

/// The ingest's host and port from its URL, with each scheme's default port.
fn host_and_port(target: &IngestTarget) -> Option<(String, u16)> {
    let url = url::Url::parse(target.url.expose()).ok()?;
    let default = match url.scheme() {
        "rtmps" => 443,
        _ => 1935,
    };
    Some((url.host_str()?.to_owned(), url.port().unwrap_or(default)))
}

/// Name resolution can take seconds; it never runs on the supervisor's thread.
fn resolve_in_background(target: &IngestTarget, into: &Arc<Mutex<Vec<SocketAddr>>>) {
    let Some((host, port)) = host_and_port(target) else { return };
    if target.url.expose().starts_with("srt://") {
        return;
    }
    let into = Arc::clone(into);
    std::thread::spawn(move || {
        if let Ok(found) = (host.as_str(), port).to_socket_addrs() {
            *into.lock().unwrap_or_else(PoisonError::into_inner) = found.collect();
        }
    });
}

/// Tries the ingest's TCP port once, off the supervisor's thread.
fn probe_in_background(slot: &Slot) {
    let addresses = slot.addresses.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if addresses.is_empty() {
        resolve_in_background(&slot.target, &slot.addresses);
        return;
    }
    if slot.probing.swap(true, Ordering::SeqCst) {
        return;
    }
    let (reachable, probing) = (Arc::clone(&slot.reachable), Arc::clone(&slot.probing));
    std::thread::spawn(move || {
        if addresses.iter().any(|a| TcpStream::connect_timeout(a, Duration::from_millis(300)).is_ok()) {
            reachable.store(true, Ordering::SeqCst);
        }
        probing.store(false, Ordering::SeqCst);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_by_half_with_bounded_jitter_and_a_cap() {
        let policy = ReconnectPolicy::default();
        assert_eq!(policy.delay(1, 0.5), Duration::from_secs(2));
        assert_eq!(policy.delay(2, 0.5), Duration::from_secs(3));
        assert_eq!(policy.delay(3, 0.5), Duration::from_millis(4500));
        assert_eq!(policy.delay(1, 0.0), Duration::from_millis(1600));
        assert_eq!(policy.delay(1, 1.0), Duration::from_millis(2400));
        assert_eq!(policy.delay(25, 1.0), Duration::from_secs(60));
    }
}
