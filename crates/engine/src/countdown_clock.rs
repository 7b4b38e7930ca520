//! Countdown layers of the scene on air: when each went on air, the second it shows and its
//! raster, so the watch thread redraws one only when the second it shows changes.
//!
//! A `seconds` countdown counts from the moment its layer went on air: hiding it, removing
//! it or switching to another scene forgets that moment, and showing it again starts over.
//! An `until` countdown follows the system clock. At zero a countdown shows its ended text
//! and is not drawn again.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use render::Raster;
use show::{CountdownLayer, Layer, Scene, Show};

use crate::EngineError;

/// One countdown layer on air.
struct Clock {
    /// When the layer went on air.
    since: Instant,
    /// The layer as last drawn: its pixels depend on all of it.
    layer: CountdownLayer,
    /// The whole seconds left that `raster` shows; `None` before the first drawing.
    shown: Option<u64>,
    raster: Option<Raster>,
    /// The last drawing failed: not tried again until the layer changes.
    broken: bool,
}

impl Clock {
    fn remaining(&self, now: Instant, wall: SystemTime) -> u64 {
        self.layer.remaining_s(now.saturating_duration_since(self.since), wall)
    }
}

/// The clocks of the visible countdown layers of the scene on air, by layer id.
#[derive(Default)]
pub(crate) struct CountdownClocks {
    /// The scene the clocks belong to.
    scene: Option<String>,
    clocks: HashMap<String, Clock>,
    /// Countdown rasters drawn so far.
    renders: u64,
}

impl CountdownClocks {
    /// Follows the scene on air: starts a clock for each visible countdown layer that has
    /// none, keeps the running ones, and forgets those no longer on air.
    pub(crate) fn enter(&mut self, scene: &Scene, now: Instant) {
        if self.scene.as_deref() != Some(scene.id.as_str()) {
            self.clocks.clear();
            self.scene = Some(scene.id.clone());
        }
        let on_air: Vec<&CountdownLayer> = scene
            .layers
            .iter()
            .filter_map(|layer| match layer {
                Layer::Countdown(countdown) if countdown.visible => Some(countdown),
                _ => None,
            })
            .collect();
        self.clocks.retain(|id, _| on_air.iter().any(|countdown| &countdown.id == id));
        for countdown in on_air {
            self.clocks.entry(countdown.id.clone()).or_insert_with(|| Clock {
                since: now,
                layer: countdown.clone(),
                shown: None,
                raster: None,
                broken: false,
            });
        }
    }

    /// The raster of a countdown layer on air as it should look now: the one already drawn
    /// when neither the layer nor its second changed, else a new drawing. `None` for a layer
    /// [`CountdownClocks::enter`] did not see, or one that draws to nothing.
    pub(crate) fn raster(
        &mut self,
        show: &Show,
        layer: &CountdownLayer,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Option<Raster>, EngineError> {
        let Some(clock) = self.clocks.get_mut(&layer.id) else { return Ok(None) };
        if clock.layer != *layer {
            clock.layer = layer.clone();
            clock.shown = None;
            clock.broken = false;
        }
        let remaining = clock.remaining(now, wall);
        if clock.shown == Some(remaining) {
            return Ok(clock.raster.clone());
        }
        self.renders += 1;
        let raster = draw(show, layer, remaining)?;
        clock.shown = Some(remaining);
        clock.raster = raster.clone();
        Ok(raster)
    }

    /// A new raster for countdown `id` when the second it shows has changed since it was
    /// last drawn; `None` when it has not, or it has ended, or is not on air. A failed
    /// drawing is reported once, and the layer keeps its last picture.
    pub(crate) fn tick(
        &mut self,
        show: &Show,
        id: &str,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Option<Raster>, EngineError> {
        let Some(clock) = self.clocks.get_mut(id) else { return Ok(None) };
        let remaining = clock.remaining(now, wall);
        if clock.broken || clock.shown == Some(0) || clock.shown == Some(remaining) {
            return Ok(None);
        }
        self.renders += 1;
        match draw(show, &clock.layer, remaining) {
            Ok(raster) => {
                clock.shown = Some(remaining);
                clock.raster = raster.clone();
                Ok(raster)
            }
            Err(error) => {
                clock.broken = true;
                Err(error)
            }
        }
    }

    /// Countdown rasters drawn so far.
    #[cfg(test)]
    pub(crate) fn renders(&self) -> u64 {
        self.renders
    }
}

fn draw(show: &Show, layer: &CountdownLayer, remaining_s: u64) -> Result<Option<Raster>, EngineError> {
    let raster = render::render_countdown(show, layer, remaining_s)
        .map_err(|e| EngineError::Render { layer: layer.id.clone(), reason: e.to_string() })?;
    Ok(Some(raster).filter(|raster| raster.width > 0 && raster.height > 0))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn show(countdown_visible: bool) -> Show {
        let json = serde_json::json!({
            "canvas": { "width": 320, "height": 180, "fps": 10 },
            "scenes": [
                { "id": "a", "layers": [
                    { "id": "title", "kind": "text", "text": "Hello", "rect": [0.05, 0.6, 0.4, 0.3] },
                    { "id": "flash", "kind": "countdown", "label": "限时", "seconds": 3,
                      "rect": [0.5, 0.1, 0.45, 0.3], "visible": countdown_visible }
                ]},
                { "id": "b", "layers": [
                    { "id": "title", "kind": "text", "text": "Bye", "rect": [0.05, 0.6, 0.4, 0.3] }
                ]}
            ]
        });
        Show::parse(&json.to_string(), std::path::Path::new(".")).expect("a valid show")
    }

    fn countdown(show: &Show) -> CountdownLayer {
        match show.scenes[0].layers.iter().find(|l| l.id() == "flash") {
            Some(Layer::Countdown(countdown)) => countdown.clone(),
            _ => panic!("the show has a countdown"),
        }
    }

    fn at(t0: Instant, millis: u64) -> Instant {
        t0 + Duration::from_millis(millis)
    }

    #[test]
    fn redraws_once_a_second_then_stops_at_zero() {
        let show = show(true);
        let wall = SystemTime::now();
        let t0 = Instant::now();
        let mut clocks = CountdownClocks::default();
        clocks.enter(&show.scenes[0], t0);
        let first = clocks.raster(&show, &countdown(&show), t0, wall).expect("draws").expect("a raster");
        assert_eq!(clocks.renders(), 1);
        assert_eq!(clocks.tick(&show, "flash", at(t0, 500), wall).expect("ticks"), None, "still 3");
        let second = clocks.tick(&show, "flash", at(t0, 1000), wall).expect("ticks").expect("2 left");
        assert_ne!(first.data, second.data);
        assert_eq!(clocks.tick(&show, "flash", at(t0, 1900), wall).expect("ticks"), None, "still 2");
        assert!(clocks.tick(&show, "flash", at(t0, 2500), wall).expect("ticks").is_some(), "1 left");
        let ended = clocks.tick(&show, "flash", at(t0, 3000), wall).expect("ticks").expect("ended");
        assert_ne!(ended.data, second.data);
        assert_eq!(clocks.renders(), 4);
        for later in [3100, 4000, 60_000] {
            assert_eq!(clocks.tick(&show, "flash", at(t0, later), wall).expect("ticks"), None);
        }
        assert_eq!(clocks.renders(), 4, "no drawing after the end");
        assert_eq!(clocks.tick(&show, "title", at(t0, 9000), wall).expect("ticks"), None, "not a countdown");
    }

    #[test]
    fn re_applying_the_scene_reuses_the_raster_and_keeps_counting() {
        let show = show(true);
        let wall = SystemTime::now();
        let t0 = Instant::now();
        let mut clocks = CountdownClocks::default();
        clocks.enter(&show.scenes[0], t0);
        let first = clocks.raster(&show, &countdown(&show), t0, wall).expect("draws");
        // Another layer changed: the same scene is applied again.
        clocks.enter(&show.scenes[0], at(t0, 300));
        assert_eq!(clocks.raster(&show, &countdown(&show), at(t0, 300), wall).expect("draws"), first);
        assert_eq!(clocks.renders(), 1);
        clocks.enter(&show.scenes[0], at(t0, 1200));
        assert_ne!(clocks.raster(&show, &countdown(&show), at(t0, 1200), wall).expect("draws"), first, "2 left");
        assert_eq!(clocks.renders(), 2);
    }

    #[test]
    fn hidden_countdowns_are_not_drawn_and_start_over_when_shown() {
        let hidden = show(false);
        let shown = show(true);
        let wall = SystemTime::now();
        let t0 = Instant::now();
        let mut clocks = CountdownClocks::default();
        clocks.enter(&hidden.scenes[0], t0);
        for later in [1000, 2000, 5000] {
            assert_eq!(clocks.tick(&hidden, "flash", at(t0, later), wall).expect("ticks"), None);
        }
        assert_eq!(clocks.renders(), 0);

        clocks.enter(&shown.scenes[0], at(t0, 5000));
        let full = clocks.raster(&shown, &countdown(&shown), at(t0, 5000), wall).expect("draws");
        assert_eq!(full, render::render_countdown(&shown, &countdown(&shown), 3).ok(), "starts from 3");
        // Hidden, then shown again later: it starts from the full duration again.
        clocks.enter(&hidden.scenes[0], at(t0, 6500));
        assert_eq!(clocks.tick(&shown, "flash", at(t0, 7000), wall).expect("ticks"), None);
        clocks.enter(&shown.scenes[0], at(t0, 9000));
        assert_eq!(clocks.raster(&shown, &countdown(&shown), at(t0, 9000), wall).expect("draws"), full);

        // Away to another scene and back: it starts over too.
        clocks.enter(&shown.scenes[1], at(t0, 9500));
        assert_eq!(clocks.tick(&shown, "flash", at(t0, 10_500), wall).expect("ticks"), None);
        clocks.enter(&shown.scenes[0], at(t0, 20_000));
        assert_eq!(clocks.raster(&shown, &countdown(&shown), at(t0, 20_000), wall).expect("draws"), full);
    }

    #[test]
    fn until_follows_the_wall_clock() {
        let mut show = show(true);
        let mut layer = countdown(&show);
        layer.seconds = None;
        layer.until = Some("2026-11-25T20:00:00+08:00".to_owned());
        show.scenes[0].layers[1] = Layer::Countdown(layer.clone());
        let end = layer.until_time().expect("until parses");
        let t0 = Instant::now();
        let mut clocks = CountdownClocks::default();
        clocks.enter(&show.scenes[0], t0);
        let before = end - Duration::from_secs(90);
        let first = clocks.raster(&show, &layer, t0, before).expect("draws");
        assert_eq!(first, render::render_countdown(&show, &layer, 90).ok());
        // The Instant does not matter, the wall clock does.
        assert_eq!(clocks.tick(&show, "flash", at(t0, 10_000), before).expect("ticks"), None);
        assert!(clocks.tick(&show, "flash", t0, before + Duration::from_secs(1)).expect("ticks").is_some());
        assert!(clocks.tick(&show, "flash", t0, end + Duration::from_secs(5)).expect("ticks").is_some(), "ended");
        assert_eq!(clocks.tick(&show, "flash", t0, end + Duration::from_secs(6)).expect("ticks"), None);
    }
}
