//! The meters: a `level` element on every source (after its volume) and on the master. Their
//! bus messages (20 a second each) are gathered here, drive the ducking, and become one
//! [`AudioLevels`] report ten times a second (the watch thread's tick): the loudest peak and
//! the mean RMS since the last report, in dBFS. A source whose meter says nothing (no bin,
//! no sound reaching it) reads as silence.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use gst::prelude::*;
use serde::Serialize;

use crate::audio::ducking::Duck;

/// What a meter reads for digital silence (and anything softer).
pub const SILENCE_DB: f64 = -100.0;
/// How often each meter posts.
pub(crate) const INTERVAL: Duration = Duration::from_millis(50);
/// A meter that has said nothing for this long reads silence.
const STALE: Duration = Duration::from_millis(250);
/// The master meter's element name.
pub(crate) const MASTER: &str = "audio-master-level";

/// One meter's reading, in dBFS (the louder channel).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Level {
    pub peak_db: f64,
    pub rms_db: f64,
}

/// One source's reading, by the id the show gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceLevel {
    pub id: String,
    pub peak_db: f64,
    pub rms_db: f64,
}

/// Every meter of the mix, once: sources in the show's order, then the master.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioLevels {
    pub sources: Vec<SourceLevel>,
    pub master: Level,
}

#[derive(Clone, Copy)]
struct Slot {
    peak_db: f64,
    /// Sum of linear RMS powers, and how many readings.
    power: f64,
    readings: u32,
    last: Option<Instant>,
    /// The last report's values, kept while a meter's next reading is on its way.
    shown: Level,
}

impl Default for Slot {
    fn default() -> Slot {
        Slot {
            peak_db: SILENCE_DB,
            power: 0.0,
            readings: 0,
            last: None,
            shown: Level { peak_db: SILENCE_DB, rms_db: SILENCE_DB },
        }
    }
}

/// The meters of one mix, shared by the bus reader (readings) and the watch thread (reports).
pub(crate) struct Meters {
    ids: Vec<String>,
    /// One per source, then the master.
    slots: Mutex<Vec<Slot>>,
    ducks: Vec<Duck>,
}

impl Meters {
    pub(crate) fn new(ids: Vec<String>, ducks: Vec<Duck>) -> Meters {
        let slots = Mutex::new(vec![Slot::default(); ids.len() + 1]);
        Meters { ids, slots, ducks }
    }

    /// The `level` element of source `index` (`None`: the master).
    pub(crate) fn element(index: Option<usize>) -> Result<gst::Element, crate::EngineError> {
        let name = index.map_or_else(|| MASTER.to_owned(), |i| format!("audio{i}-level"));
        gst::ElementFactory::make("level")
            .name(name)
            .property("interval", INTERVAL.as_nanos() as u64)
            .property("post-messages", true)
            .build()
            .map_err(|e| crate::EngineError::element("level", e))
    }

    /// Takes a `level` message of this mix; `false` when it is not one.
    pub(crate) fn on_message(&self, source: Option<&gst::Object>, structure: &gst::StructureRef) -> bool {
        if structure.name() != "level" {
            return false;
        }
        let Some(name) = source.map(|s| s.name()) else { return false };
        let index = if name == MASTER {
            self.ids.len()
        } else {
            match name.strip_prefix("audio").and_then(|rest| rest.strip_suffix("-level")).and_then(|i| i.parse().ok()) {
                Some(index) if index < self.ids.len() => index,
                _ => return false,
            }
        };
        let (Some(peak), Some(rms)) = (loudest(structure, "peak"), loudest(structure, "rms")) else { return true };
        {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = &mut slots[index];
            slot.peak_db = slot.peak_db.max(peak);
            slot.power += power(rms);
            slot.readings += 1;
            slot.last = Some(Instant::now());
        }
        for duck in self.ducks.iter().filter(|d| d.under == index) {
            duck.heard(rms);
        }
        true
    }

    /// The report since the last one.
    pub(crate) fn report(&self, now: Instant) -> AudioLevels {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let mut levels = Vec::with_capacity(slots.len());
        for (index, slot) in slots.iter_mut().enumerate() {
            let stale = slot.last.is_none_or(|last| now.duration_since(last) > STALE);
            if stale {
                slot.shown = Level { peak_db: SILENCE_DB, rms_db: SILENCE_DB };
                for duck in self.ducks.iter().filter(|d| d.under == index) {
                    duck.quiet();
                }
            } else if slot.readings > 0 {
                slot.shown = Level { peak_db: slot.peak_db, rms_db: db(slot.power / f64::from(slot.readings)) };
            }
            *slot = Slot { shown: slot.shown, last: slot.last, ..Slot::default() };
            levels.push(slot.shown);
        }
        let master = levels.pop().unwrap_or(Level { peak_db: SILENCE_DB, rms_db: SILENCE_DB });
        let sources = self
            .ids
            .iter()
            .zip(levels)
            .map(|(id, level)| SourceLevel { id: id.clone(), peak_db: level.peak_db, rms_db: level.rms_db })
            .collect();
        AudioLevels { sources, master }
    }
}

/// The louder channel of a `level` field ("peak", "rms"), in dBFS, floored at silence.
fn loudest(structure: &gst::StructureRef, field: &str) -> Option<f64> {
    let values = structure.get::<gst::glib::ValueArray>(field).ok()?;
    let loudest = values.iter().filter_map(|v| v.get::<f64>().ok()).fold(f64::NEG_INFINITY, f64::max);
    Some(if loudest.is_finite() { loudest.max(SILENCE_DB) } else { SILENCE_DB })
}

fn power(db: f64) -> f64 {
    if db <= SILENCE_DB {
        0.0
    } else {
        10f64.powf(db / 10.0)
    }
}

fn db(power: f64) -> f64 {
    if power <= 0.0 {
        SILENCE_DB
    } else {
        (10.0 * power.log10()).max(SILENCE_DB)
    }
}
