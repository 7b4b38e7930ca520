//! Transitions: Kaibo's cut and fade, as OBS's "Cut" and "Fade". The current transition and
//! its duration are the show's (`StudioState.transition`, changed with `set_transition`), so
//! the studio's own picker and every client see the same one, and every scene switch and
//! take that does not name one uses it.

use obs_websocket::{status, subscription as sub, Event, Reply};
use serde_json::{json, Value};

use super::events::{event, merged};
use super::{fields, ids, Obs};
use crate::protocol::{Command, StudioState, TransitionKind, TransitionSpec};

pub const REQUESTS: &[&str] = &[
    "GetTransitionKindList",
    "GetSceneTransitionList",
    "GetCurrentSceneTransition",
    "SetCurrentSceneTransition",
    "SetCurrentSceneTransitionDuration",
];

/// OBS's fade lasts 300 ms until told otherwise.
const DEFAULT_FADE_MS: u32 = 300;
/// What OBS accepts as a duration (Kaibo's own limit is checked by the show).
const OBS_DURATION_MS: (i64, i64) = (50, 20_000);

pub fn handles(request_type: &str) -> bool {
    REQUESTS.contains(&request_type)
}

/// OBS's name and kind of a transition; a cut has no duration ("fixed").
fn names(kind: TransitionKind) -> (&'static str, &'static str) {
    match kind {
        TransitionKind::Cut => ("Cut", "cut_transition"),
        TransitionKind::Fade => ("Fade", "fade_transition"),
    }
}

/// `transitionName` and `transitionUuid`, as the transition events name it.
fn named(kind: TransitionKind) -> Value {
    let (name, _) = names(kind);
    json!({ "transitionName": name, "transitionUuid": ids::uuid("transition", name) })
}

fn describe(kind: TransitionKind) -> Value {
    let (_, obs_kind) = names(kind);
    let traits = json!({
        "transitionKind": obs_kind, "transitionFixed": kind == TransitionKind::Cut, "transitionConfigurable": false,
    });
    merged(named(kind), traits)
}

fn current(transition: TransitionSpec) -> Value {
    let mut value = describe(transition.kind);
    let fixed = transition.kind == TransitionKind::Cut;
    value["transitionDuration"] = if fixed { Value::Null } else { json!(transition.ms) };
    value["transitionSettings"] = Value::Null;
    value
}

pub async fn call(obs: &Obs, request_type: &str, data: &Value) -> Option<Reply> {
    let state = obs.state().await;
    let now = state.transition;
    Some(match request_type {
        "GetTransitionKindList" => Reply::ok(json!({ "transitionKinds": ["cut_transition", "fade_transition"] })),
        "GetSceneTransitionList" => {
            let (name, kind) = names(now.kind);
            Reply::ok(json!({
                "currentSceneTransitionName": name,
                "currentSceneTransitionUuid": ids::uuid("transition", name),
                "currentSceneTransitionKind": kind,
                "transitions": [describe(TransitionKind::Cut), describe(TransitionKind::Fade)],
            }))
        }
        "GetCurrentSceneTransition" => Reply::ok(current(now)),
        "SetCurrentSceneTransition" => {
            let kind = match fields::text(data, "transitionName") {
                Ok("Cut") => TransitionKind::Cut,
                Ok("Fade") => TransitionKind::Fade,
                Ok(name) => {
                    return Some(Reply::error(status::RESOURCE_NOT_FOUND, format!("no transition named {name}")))
                }
                Err(reply) => return Some(reply),
            };
            let ms = if kind == TransitionKind::Fade && now.ms == 0 { DEFAULT_FADE_MS } else { now.ms };
            set(obs, TransitionSpec { kind, ms }).await
        }
        "SetCurrentSceneTransitionDuration" => match fields::integer(data, "transitionDuration") {
            Ok(ms) if (OBS_DURATION_MS.0..=OBS_DURATION_MS.1).contains(&ms) => {
                set(obs, TransitionSpec { kind: now.kind, ms: u32::try_from(ms).unwrap_or_default() }).await
            }
            Ok(_) => Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, "transitionDuration must be 50..20000 ms"),
            Err(reply) => reply,
        },
        _ => return None,
    })
}

async fn set(obs: &Obs, transition: TransitionSpec) -> Reply {
    obs.apply(Command::SetTransition { transition }).await
}

/// The transition events of a state change.
pub fn changes(old: &StudioState, new: &StudioState, out: &mut Vec<Event>) {
    let (was, now) = (old.transition, new.transition);
    if was.kind != now.kind {
        out.push(event("CurrentSceneTransitionChanged", sub::TRANSITIONS, named(now.kind)));
    }
    if was.ms != now.ms {
        let data = json!({ "transitionDuration": now.ms });
        out.push(event("CurrentSceneTransitionDurationChanged", sub::TRANSITIONS, data));
    }
}

/// When scene switches fade in `state`: the fade's length, and the `SceneTransitionStarted`
/// and `SceneTransitionEnded` events around it. A switch that named a transition of its own
/// is announced with the show's (every switch from the UI and from obs-websocket uses it).
pub fn fade_of(state: &StudioState) -> Option<(u64, Event, Event)> {
    let transition = state.transition;
    if transition.kind != TransitionKind::Fade || transition.ms == 0 {
        return None;
    }
    let around = |event_type: &str| event(event_type, sub::TRANSITIONS, named(transition.kind));
    Some((u64::from(transition.ms), around("SceneTransitionStarted"), around("SceneTransitionEnded")))
}
