//! Scenes, scene items (Kaibo's layers) and studio mode. A scene's `sceneName` is its name,
//! or its id when it has none; an item's `sourceName` is its layer's id; `sceneItemIndex` 0
//! is the bottom, as in Kaibo.

use obs_websocket::{status, Reply};
use serde_json::{json, Value};

use super::inputs::input_kind;
use super::{fields, ids, Obs};
use crate::protocol::{CanvasView, Command, LayerView, SceneView, StudioState};

pub const REQUESTS: &[&str] = &[
    "GetSceneList",
    "GetCurrentProgramScene",
    "SetCurrentProgramScene",
    "GetCurrentPreviewScene",
    "SetCurrentPreviewScene",
    "GetStudioModeEnabled",
    "SetStudioModeEnabled",
    "TriggerStudioModeTransition",
    "GetGroupList",
    "GetSceneItemList",
    "GetSceneItemId",
    "GetSceneItemEnabled",
    "SetSceneItemEnabled",
    "GetSceneItemLocked",
    "SetSceneItemLocked",
    "CreateScene",
    "RemoveScene",
    "SetSceneName",
    "GetSceneItemIndex",
    "SetSceneItemIndex",
    "GetSceneItemTransform",
    "SetSceneItemTransform",
    "RemoveSceneItem",
];

pub fn handles(request_type: &str) -> bool {
    REQUESTS.contains(&request_type)
}

/// The name OBS clients know a scene by.
pub fn scene_name(scene: &SceneView) -> &str {
    if scene.name.is_empty() {
        &scene.id
    } else {
        &scene.name
    }
}

pub fn scene_uuid(scene: &SceneView) -> String {
    ids::uuid("scene", &scene.id)
}

/// A scene by `sceneName` (its name or id) or `sceneUuid`.
pub fn find_scene<'a>(state: &'a StudioState, name: Option<&str>, uuid: Option<&str>) -> Option<&'a SceneView> {
    state
        .scenes
        .iter()
        .find(|s| name.is_some_and(|n| n == scene_name(s) || n == s.id) || uuid.is_some_and(|u| u == scene_uuid(s)))
}

/// `GetSceneList`'s `scenes`: OBS lists them last first, with `sceneIndex` 0 the last one.
pub fn scene_list(state: &StudioState) -> Vec<Value> {
    state
        .scenes
        .iter()
        .rev()
        .enumerate()
        .map(|(index, scene)| json!({ "sceneIndex": index, "sceneName": scene_name(scene), "sceneUuid": scene_uuid(scene) }))
        .collect()
}

/// A layer's place as OBS describes it: position and size in canvas pixels, top-left
/// alignment, no bounds; the source's size is the layer's, so the scale is 1.
pub fn transform(layer: &LayerView, canvas: &CanvasView) -> Value {
    let [x, y, w, h] = rect_of(layer);
    let (cw, ch) = (f64::from(canvas.width), f64::from(canvas.height));
    json!({
        "positionX": x * cw, "positionY": y * ch,
        "width": w * cw, "height": h * ch,
        "sourceWidth": w * cw, "sourceHeight": h * ch,
        "scaleX": 1.0, "scaleY": 1.0, "rotation": 0.0, "alignment": 5,
        "boundsType": "OBS_BOUNDS_NONE", "boundsAlignment": 0, "boundsWidth": 0.0, "boundsHeight": 0.0,
        "cropLeft": 0, "cropRight": 0, "cropTop": 0, "cropBottom": 0,
    })
}

fn rect_of(layer: &LayerView) -> [f64; 4] {
    match layer.rect.as_deref() {
        Some(&[x, y, w, h]) => [x, y, w, h],
        _ => [0.0, 0.0, 1.0, 1.0],
    }
}

pub fn item(obs: &Obs, scene: &SceneView, index: usize, layer: &LayerView, canvas: &CanvasView) -> Value {
    json!({
        "inputKind": input_kind(&layer.kind),
        "isGroup": false,
        "sceneItemBlendMode": "OBS_BLEND_NORMAL",
        "sceneItemEnabled": layer.visible,
        "sceneItemId": obs.item_id(&scene.id, &layer.id),
        "sceneItemIndex": index,
        "sceneItemLocked": layer.locked,
        "sceneItemTransform": transform(layer, canvas),
        "sourceName": layer.id,
        "sourceType": "OBS_SOURCE_TYPE_INPUT",
        "sourceUuid": ids::uuid("layer", &layer.id),
    })
}

pub async fn call(obs: &Obs, request_type: &str, data: &Value) -> Option<Reply> {
    let state = obs.state().await;
    Some(match request_type {
        "GetSceneList" => {
            let program = state.scenes.iter().find(|s| s.id == state.scene);
            let preview = state.scenes.iter().find(|s| Some(&s.id) == state.preview_scene.as_ref());
            Reply::ok(json!({
                "currentProgramSceneName": program.map(scene_name),
                "currentProgramSceneUuid": program.map(scene_uuid),
                "currentPreviewSceneName": preview.map(scene_name),
                "currentPreviewSceneUuid": preview.map(scene_uuid),
                "scenes": scene_list(&state),
            }))
        }
        "GetCurrentProgramScene" => match state.scenes.iter().find(|s| s.id == state.scene) {
            Some(scene) => Reply::ok(json!({
                "sceneName": scene_name(scene), "sceneUuid": scene_uuid(scene),
                "currentProgramSceneName": scene_name(scene), "currentProgramSceneUuid": scene_uuid(scene),
            })),
            None => Reply::error(status::NOT_READY, "no scene is on air"),
        },
        "SetCurrentProgramScene" => match scene_in(&state, data) {
            Ok(scene) => obs.apply(Command::SwitchScene { scene: scene.id.clone(), transition: None }).await,
            Err(reply) => reply,
        },
        "GetStudioModeEnabled" => Reply::ok(json!({ "studioModeEnabled": state.preview_scene.is_some() })),
        "SetStudioModeEnabled" => match fields::flag(data, "studioModeEnabled") {
            Ok(enabled) => obs.apply(Command::SetStudioMode { enabled }).await,
            Err(reply) => reply,
        },
        _ if state.preview_scene.is_none()
            && matches!(
                request_type,
                "GetCurrentPreviewScene" | "SetCurrentPreviewScene" | "TriggerStudioModeTransition"
            ) =>
        {
            Reply::error(status::STUDIO_MODE_NOT_ACTIVE, "studio mode is off")
        }
        "GetCurrentPreviewScene" => match state.scenes.iter().find(|s| Some(&s.id) == state.preview_scene.as_ref()) {
            Some(scene) => Reply::ok(json!({
                "sceneName": scene_name(scene), "sceneUuid": scene_uuid(scene),
                "currentPreviewSceneName": scene_name(scene), "currentPreviewSceneUuid": scene_uuid(scene),
            })),
            None => Reply::error(status::STUDIO_MODE_NOT_ACTIVE, "studio mode is off"),
        },
        "SetCurrentPreviewScene" => match scene_in(&state, data) {
            Ok(scene) => obs.apply(Command::SetPreviewScene { scene: scene.id.clone() }).await,
            Err(reply) => reply,
        },
        "TriggerStudioModeTransition" => obs.apply(Command::Take { transition: None }).await,
        "GetGroupList" => Reply::ok(json!({ "groups": [] })),
        "GetSceneItemList" => match scene_in(&state, data) {
            Ok(scene) => {
                let items: Vec<Value> =
                    scene.layers.iter().enumerate().map(|(i, l)| item(obs, scene, i, l, &state.canvas)).collect();
                Reply::ok(json!({ "sceneItems": items }))
            }
            Err(reply) => reply,
        },
        "GetSceneItemId" => match (scene_in(&state, data), fields::text(data, "sourceName")) {
            (Ok(scene), Ok(source)) => match scene.layers.iter().find(|l| l.id == source) {
                Some(layer) => Reply::ok(json!({ "sceneItemId": obs.item_id(&scene.id, &layer.id) })),
                None => Reply::error(status::RESOURCE_NOT_FOUND, format!("no source named {source} in that scene")),
            },
            (Err(reply), _) | (_, Err(reply)) => reply,
        },
        "GetSceneItemEnabled" => {
            with_item(obs, &state, data, |_, _, layer| json!({ "sceneItemEnabled": layer.visible }))
        }
        "GetSceneItemLocked" => with_item(obs, &state, data, |_, _, layer| json!({ "sceneItemLocked": layer.locked })),
        "SetSceneItemLocked" => match (item_of(obs, &state, data), fields::flag(data, "sceneItemLocked")) {
            (Ok((scene, layer)), Ok(locked)) => obs.apply(Command::SetLayerLocked { scene, layer, locked }).await,
            (Err(reply), _) | (_, Err(reply)) => reply,
        },
        "CreateScene" => match fields::text(data, "sceneName") {
            Ok(name) if find_scene(&state, Some(name), None).is_some() => {
                Reply::error(status::RESOURCE_ALREADY_EXISTS, format!("a scene named {name} exists"))
            }
            Ok(name) => {
                let reply = obs.apply(Command::AddScene { id: name.to_owned(), name: Some(name.to_owned()) }).await;
                if reply.code == status::SUCCESS {
                    Reply::ok(json!({ "sceneUuid": ids::uuid("scene", name) }))
                } else {
                    reply
                }
            }
            Err(reply) => reply,
        },
        "RemoveScene" => match scene_in(&state, data) {
            Ok(scene) => obs.apply(Command::RemoveScene { scene: scene.id.clone() }).await,
            Err(reply) => reply,
        },
        "SetSceneName" => match (scene_in(&state, data), fields::text(data, "newSceneName")) {
            (Ok(scene), Ok(name)) => {
                obs.apply(Command::RenameScene { scene: scene.id.clone(), name: name.to_owned() }).await
            }
            (Err(reply), _) | (_, Err(reply)) => reply,
        },
        "GetSceneItemIndex" => with_item(obs, &state, data, |_, index, _| json!({ "sceneItemIndex": index })),
        "GetSceneItemTransform" => {
            with_item(obs, &state, data, |_, _, layer| json!({ "sceneItemTransform": transform(layer, &state.canvas) }))
        }
        "SetSceneItemEnabled" => match (item_of(obs, &state, data), fields::flag(data, "sceneItemEnabled")) {
            (Ok((scene, layer)), Ok(visible)) => {
                obs.apply(Command::SetSceneLayerVisible { scene, layer, visible }).await
            }
            (Err(reply), _) | (_, Err(reply)) => reply,
        },
        "SetSceneItemIndex" => match (item_of(obs, &state, data), fields::integer(data, "sceneItemIndex")) {
            (Ok((scene, layer)), Ok(index)) if index >= 0 => {
                let to_index = u32::try_from(index).unwrap_or(u32::MAX);
                obs.apply(Command::MoveSceneLayer { scene, layer, to_index }).await
            }
            (Ok(_), Ok(_)) => Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, "sceneItemIndex must be 0 or more"),
            (Err(reply), _) | (_, Err(reply)) => reply,
        },
        "SetSceneItemTransform" => set_transform(obs, &state, data).await,
        "RemoveSceneItem" => match item_of(obs, &state, data) {
            Ok((scene, layer)) => obs.apply(Command::RemoveSceneLayer { scene, layer }).await,
            Err(reply) => reply,
        },
        _ => return None,
    })
}

fn scene_in<'a>(state: &'a StudioState, data: &Value) -> Result<&'a SceneView, Reply> {
    let name = fields::optional_text(data, "sceneName")?;
    let uuid = fields::optional_text(data, "sceneUuid")?;
    if name.is_none() && uuid.is_none() {
        return Err(Reply::error(status::MISSING_REQUEST_FIELD, "missing field sceneName"));
    }
    find_scene(state, name, uuid).ok_or_else(|| {
        Reply::error(status::RESOURCE_NOT_FOUND, format!("no scene named {}", name.or(uuid).unwrap_or_default()))
    })
}

fn with_item(
    obs: &Obs,
    state: &StudioState,
    data: &Value,
    answer: impl Fn(&SceneView, usize, &LayerView) -> Value,
) -> Reply {
    match scene_item(obs, state, data) {
        Ok((scene, index, layer)) => Reply::ok(answer(scene, index, layer)),
        Err(reply) => reply,
    }
}

fn scene_item<'a>(
    obs: &Obs,
    state: &'a StudioState,
    data: &Value,
) -> Result<(&'a SceneView, usize, &'a LayerView), Reply> {
    let scene = scene_in(state, data)?;
    let item = fields::integer(data, "sceneItemId")?;
    let layer = obs.layer_of(&scene.id, item);
    scene
        .layers
        .iter()
        .enumerate()
        .find(|(_, l)| layer.as_deref() == Some(l.id.as_str()))
        .map(|(index, layer)| (scene, index, layer))
        .ok_or_else(|| Reply::error(status::RESOURCE_NOT_FOUND, format!("no scene item {item} in that scene")))
}

/// The scene id and layer id of an item, for the commands that change a layer of any scene.
fn item_of(obs: &Obs, state: &StudioState, data: &Value) -> Result<(Option<String>, String), Reply> {
    let (scene, _, layer) = scene_item(obs, state, data)?;
    Ok((Some(scene.id.clone()), layer.id.clone()))
}

async fn set_transform(obs: &Obs, state: &StudioState, data: &Value) -> Reply {
    let (scene, view) = match scene_item(obs, state, data) {
        Ok((scene, _, layer)) => (scene.id.clone(), layer),
        Err(reply) => return reply,
    };
    let Some(transform) = data.get("sceneItemTransform").filter(|t| t.is_object()) else {
        return Reply::error(status::MISSING_REQUEST_FIELD, "missing field sceneItemTransform");
    };
    let rect = match new_rect(rect_of(view), transform, &state.canvas) {
        Ok(rect) => rect,
        Err(reply) => return reply,
    };
    let fields = json!({ "rect": rect });
    obs.apply(Command::UpdateLayer { scene: Some(scene), layer: view.id.clone(), fields }).await
}

/// The layer's rect after an OBS transform: position in pixels, a scale of the layer's
/// current size (its `sourceWidth`), or bounds, which win over the scale.
pub fn new_rect(current: [f64; 4], t: &Value, canvas: &CanvasView) -> Result<[f64; 4], Reply> {
    let (cw, ch) = (f64::from(canvas.width), f64::from(canvas.height));
    let [mut x, mut y, mut w, mut h] = current;
    if let Some(px) = fields::number(t, "positionX")? {
        x = px / cw;
    }
    if let Some(py) = fields::number(t, "positionY")? {
        y = py / ch;
    }
    if let Some(sx) = fields::number(t, "scaleX")? {
        w *= sx.abs();
    }
    if let Some(sy) = fields::number(t, "scaleY")? {
        h *= sy.abs();
    }
    let bounded = t.get("boundsType").and_then(Value::as_str).is_some_and(|b| b != "OBS_BOUNDS_NONE");
    if bounded {
        if let Some(bw) = fields::number(t, "boundsWidth")? {
            w = bw / cw;
        }
        if let Some(bh) = fields::number(t, "boundsHeight")? {
            h = bh / ch;
        }
    }
    if [x, y, w, h].iter().any(|v| !v.is_finite()) || w <= 0.0 || h <= 0.0 {
        return Err(Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, "the item would have no size"));
    }
    Ok([x, y, w, h])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transform_read_back_gives_the_same_rect() {
        let canvas = CanvasView { width: 1280, height: 720, fps: 30 };
        let layer = LayerView {
            id: "logo".into(),
            kind: "image".into(),
            visible: true,
            product: None,
            look: None,
            rect: Some(vec![0.1, 0.2, 0.25, 0.5]),
            locked: false,
            fields: json!({}),
            device: None,
        };
        let t = transform(&layer, &canvas);
        assert_eq!(t["positionX"], 128.0);
        assert_eq!(t["height"], 360.0);
        let rect = new_rect(rect_of(&layer), &t, &canvas).unwrap();
        for (a, b) in rect.iter().zip([0.1, 0.2, 0.25, 0.5]) {
            assert!((a - b).abs() < 1e-9, "{rect:?}");
        }
        let doubled = new_rect(rect, &json!({"scaleX": 2.0}), &canvas).unwrap();
        assert!((doubled[2] - 0.5).abs() < 1e-9);
        let bounded =
            new_rect(rect, &json!({"boundsType": "OBS_BOUNDS_STRETCH", "boundsWidth": 640.0}), &canvas).unwrap();
        assert!((bounded[2] - 0.5).abs() < 1e-9);
        assert!(new_rect(rect, &json!({"scaleX": 0.0}), &canvas).is_err());
        assert_eq!(new_rect(rect, &json!({"positionX": "left"}), &canvas).unwrap_err().code, 401);
    }
}
