//! OBS events from the studio's own changes: each new state is compared with the one before,
//! once for all clients, and each session sends what its client subscribed to.

use std::sync::{Arc, PoisonError};
use std::time::Instant;

use obs_websocket::{subscription as sub, Event};
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use super::outputs::{reconnecting, streaming};
use super::scenes::{scene_list, scene_name, scene_uuid, transform};
use super::{ids, inputs, transitions, Obs};
use crate::protocol::{Event as StudioEvent, LivePhase, StudioState};

/// Runs until `stop`: then `ExitStarted` goes out and the channel closes (sessions close 4011).
pub async fn translate(obs: Arc<Obs>, events: Arc<broadcast::Sender<Arc<Event>>>, mut stop: watch::Receiver<bool>) {
    let mut studio = obs.studio.subscribe();
    let mut last = obs.latest();
    if streaming(&last) {
        *obs.live_since.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }
    let send = |event: Event| {
        let _ = events.send(Arc::new(event));
    };
    loop {
        let event = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            event = studio.recv() => event,
        };
        match event {
            Ok(StudioEvent::State { state }) => {
                let state = Arc::new(*state);
                obs.set_latest(Arc::clone(&state));
                let fade = transitions::fade_of(&state);
                for event in changes(&obs, &last, &state) {
                    match &fade {
                        // As OBS does: the scene is announced when the fade has ended.
                        Some((ms, started, ended)) if event.event_type == "CurrentProgramSceneChanged" => {
                            send(started.clone());
                            let (ms, ended, events) = (*ms, ended.clone(), Arc::clone(&events));
                            tokio::spawn(async move {
                                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                                let _ = events.send(Arc::new(event));
                                let _ = events.send(Arc::new(ended));
                            });
                        }
                        _ => send(event),
                    }
                }
                last = state;
            }
            Ok(StudioEvent::Stats { stats }) => {
                *obs.stats.lock().unwrap_or_else(PoisonError::into_inner) = Some(stats);
            }
            // Four times a second or more: built only while someone is connected.
            Ok(StudioEvent::AudioLevels { sources, .. }) if events.receiver_count() > 0 => {
                send(inputs::meters(&last, &sources));
            }
            Ok(StudioEvent::Chat { items }) => {
                for chat in items.into_iter().filter(|c| matches!(c.kind.as_str(), "gift" | "super_chat" | "order")) {
                    send(vendor(&chat.kind, json!({ "user": chat.user, "text": chat.text, "amount": chat.amount })));
                }
            }
            Ok(_) => {}
            // Missed states: the next one is compared with the last seen, which is still right.
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    send(Event { event_type: "ExitStarted".into(), intent: sub::GENERAL, data: None });
}

fn vendor(event_type: &str, data: Value) -> Event {
    Event {
        event_type: "VendorEvent".into(),
        intent: sub::VENDORS,
        data: Some(json!({ "vendorName": "kaibo", "eventType": event_type, "eventData": data })),
    }
}

pub(super) fn event(event_type: &str, intent: u32, data: Value) -> Event {
    Event { event_type: event_type.into(), intent, data: Some(data) }
}

/// `base` (an object naming what the event is about) with the fields of `fields` added.
pub(super) fn merged(mut base: Value, fields: Value) -> Value {
    if let (Some(data), Value::Object(fields)) = (base.as_object_mut(), fields) {
        data.extend(fields);
    }
    base
}

/// What changed from `old` to `new`, as OBS would announce it.
pub fn changes(obs: &Obs, old: &StudioState, new: &StudioState) -> Vec<Event> {
    let mut out = Vec::new();
    let ids_of = |s: &StudioState| s.scenes.iter().map(|x| (x.id.clone(), x.name.clone())).collect::<Vec<_>>();
    if ids_of(old) != ids_of(new) {
        out.push(event("SceneListChanged", sub::SCENES, json!({ "scenes": scene_list(new) })));
    }
    if old.scene != new.scene {
        if let Some(scene) = new.scenes.iter().find(|s| s.id == new.scene) {
            out.push(event(
                "CurrentProgramSceneChanged",
                sub::SCENES,
                json!({ "sceneName": scene_name(scene), "sceneUuid": scene_uuid(scene) }),
            ));
        }
    }
    if old.preview_scene.is_some() != new.preview_scene.is_some() {
        out.push(event("StudioModeStateChanged", sub::UI, json!({ "studioModeEnabled": new.preview_scene.is_some() })));
    }
    if old.preview_scene != new.preview_scene {
        if let Some(scene) = new.scenes.iter().find(|s| Some(&s.id) == new.preview_scene.as_ref()) {
            out.push(event(
                "CurrentPreviewSceneChanged",
                sub::SCENES,
                json!({ "sceneName": scene_name(scene), "sceneUuid": scene_uuid(scene) }),
            ));
        }
    }
    for scene in &new.scenes {
        let before = old.scenes.iter().find(|s| s.id == scene.id);
        // Every scene item event names its scene first.
        let at =
            |fields: Value| merged(json!({ "sceneName": scene_name(scene), "sceneUuid": scene_uuid(scene) }), fields);
        for (index, layer) in scene.layers.iter().enumerate() {
            let id = obs.item_id(&scene.id, &layer.id);
            match before.and_then(|b| b.layers.iter().find(|l| l.id == layer.id)) {
                None => {
                    let data = at(json!({
                        "sourceName": layer.id, "sourceUuid": ids::uuid("layer", &layer.id),
                        "sceneItemId": id, "sceneItemIndex": index,
                    }));
                    out.push(event("SceneItemCreated", sub::SCENE_ITEMS, data));
                }
                Some(was) => {
                    if was.visible != layer.visible {
                        let data = at(json!({ "sceneItemId": id, "sceneItemEnabled": layer.visible }));
                        out.push(event("SceneItemEnableStateChanged", sub::SCENE_ITEMS, data));
                    }
                    if was.rect != layer.rect {
                        let data =
                            at(json!({ "sceneItemId": id, "sceneItemTransform": transform(layer, &new.canvas) }));
                        out.push(event("SceneItemTransformChanged", sub::SCENE_ITEM_TRANSFORM_CHANGED, data));
                    }
                }
            }
        }
        if let Some(before) = before {
            for gone in before.layers.iter().filter(|l| !scene.layers.iter().any(|n| n.id == l.id)) {
                let data = at(json!({
                    "sourceName": gone.id, "sourceUuid": ids::uuid("layer", &gone.id),
                    "sceneItemId": obs.item_id(&scene.id, &gone.id),
                }));
                out.push(event("SceneItemRemoved", sub::SCENE_ITEMS, data));
            }
            let order = |layers: &[crate::protocol::LayerView]| layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>();
            let (was, now) = (order(&before.layers), order(&scene.layers));
            let kept: Vec<&String> = was.iter().filter(|id| now.contains(id)).collect();
            let still: Vec<&String> = now.iter().filter(|id| was.contains(id)).collect();
            if kept != still {
                let items: Vec<Value> = scene
                    .layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| json!({ "sceneItemId": obs.item_id(&scene.id, &l.id), "sceneItemIndex": i }))
                    .collect();
                out.push(event("SceneItemListReindexed", sub::SCENE_ITEMS, at(json!({ "sceneItems": items }))));
            }
        }
    }
    inputs::changes(old, new, &mut out);
    transitions::changes(old, new, &mut out);
    if let Some(state) = stream_change(obs, old, new) {
        out.push(event(
            "StreamStateChanged",
            sub::OUTPUTS,
            json!({ "outputActive": streaming(new), "outputState": state }),
        ));
    }
    let file = |s: &StudioState| s.recording.as_ref().filter(|r| r.running).map(|r| r.file.clone());
    if file(old) != file(new) {
        let (active, state, path) = match file(new) {
            Some(path) => (true, "OBS_WEBSOCKET_OUTPUT_STARTED", Some(path)),
            None => (false, "OBS_WEBSOCKET_OUTPUT_STOPPED", file(old)),
        };
        out.push(event(
            "RecordStateChanged",
            sub::OUTPUTS,
            json!({ "outputActive": active, "outputState": state, "outputPath": path }),
        ));
    }
    if old.kill_switch != new.kill_switch {
        out.push(vendor("kill_switch", serde_json::to_value(&new.kill_switch).unwrap_or(Value::Null)));
    }
    for product in &new.products {
        let was = old.products.iter().find(|p| p.id == product.id).map(|p| p.sold_out);
        if was == Some(false) && product.sold_out {
            out.push(vendor("sold_out", json!({ "product": product.id, "name": product.name })));
        }
    }
    out
}

fn stream_change(obs: &Obs, old: &StudioState, new: &StudioState) -> Option<&'static str> {
    let phase = |s: &StudioState| std::mem::discriminant(&s.phase);
    if phase(old) != phase(new) {
        let state = match new.phase {
            LivePhase::Starting => "OBS_WEBSOCKET_OUTPUT_STARTING",
            LivePhase::Live => "OBS_WEBSOCKET_OUTPUT_STARTED",
            LivePhase::Ending => "OBS_WEBSOCKET_OUTPUT_STOPPING",
            LivePhase::Idle | LivePhase::Failed { .. } => "OBS_WEBSOCKET_OUTPUT_STOPPED",
        };
        let mut since = obs.live_since.lock().unwrap_or_else(PoisonError::into_inner);
        match new.phase {
            LivePhase::Starting | LivePhase::Live if since.is_none() => *since = Some(Instant::now()),
            LivePhase::Idle | LivePhase::Failed { .. } => *since = None,
            _ => {}
        }
        return Some(state);
    }
    if streaming(new) && reconnecting(old) != reconnecting(new) {
        return Some(if reconnecting(new) {
            "OBS_WEBSOCKET_OUTPUT_RECONNECTING"
        } else {
            "OBS_WEBSOCKET_OUTPUT_RECONNECTED"
        });
    }
    None
}
