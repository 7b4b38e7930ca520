"""obsws-python: the mix's sources as inputs, and the transitions. A request client turns a tone
down and mutes it; an event client sees InputVolumeChanged and InputMuteStateChanged, and its
InputVolumeMeters (measured by the studio on the real sound) fall by as much. Then the
transition is set to a fade of 800 ms, with its events, and a switch to SCENE is announced as
OBS does: SceneTransitionStarted at once, CurrentProgramSceneChanged when the fade has ended.

usage: obsws_python_sound.py HOST PORT PASSWORD SOURCE SCENE
"""
import json
import math
import statistics
import sys
import threading
import time

import obsws_python as obs
from obsws_python.error import OBSSDKRequestError

host, port, password, source, scene = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
req = obs.ReqClient(host=host, port=port, password=password, timeout=5)

seen = []
peaks = []  # (time, peak multiplier of the source's first channel)
lock = threading.Lock()
subs = obs.Subs.INPUTS | obs.Subs.TRANSITIONS | obs.Subs.SCENES | obs.Subs.INPUTVOLUMEMETERS
events = obs.EventClient(host=host, port=port, password=password, subs=subs)


def on_input_volume_meters(data):
    for entry in data.inputs:
        if entry["inputName"] == source and entry["inputLevelsMul"]:
            with lock:
                peaks.append((time.monotonic(), entry["inputLevelsMul"][0][1]))


def on_input_volume_changed(data):
    with lock:
        seen.append(("volume", data.input_name, round(data.input_volume_db, 3)))


def on_input_mute_state_changed(data):
    with lock:
        seen.append(("mute", data.input_name, data.input_muted))


def on_current_scene_transition_changed(data):
    with lock:
        seen.append(("transition", data.transition_name))


def on_current_scene_transition_duration_changed(data):
    with lock:
        seen.append(("duration", data.transition_duration))


def on_scene_transition_started(data):
    with lock:
        seen.append(("started", data.transition_name, time.monotonic()))


def on_current_program_scene_changed(data):
    with lock:
        seen.append(("scene", data.scene_name, time.monotonic()))


events.callback.register([
    on_input_volume_meters, on_input_volume_changed, on_input_mute_state_changed,
    on_current_scene_transition_changed, on_current_scene_transition_duration_changed,
    on_scene_transition_started, on_current_program_scene_changed,
])


def wait_event(event):
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        with lock:
            if event in seen:
                return
        time.sleep(0.01)
    raise AssertionError(f"no event {event!r} within 1 s: {seen}")


def peak_db_over(seconds):
    """The median peak of the source's meters over the next `seconds`, in dB."""
    since = time.monotonic()
    time.sleep(seconds)
    with lock:
        window = [p for at, p in peaks if at >= since]
    assert len(window) >= 3, f"only {len(window)} InputVolumeMeters for {source} in {seconds} s"
    level = statistics.median(window)
    return 20 * math.log10(level) if level > 0 else -200.0


def code_of(call):
    try:
        call()
    except OBSSDKRequestError as error:
        return error.code
    return 100


inputs = {i["inputName"]: i["inputKind"] for i in req.get_input_list().inputs}
assert inputs.get(source) == "kaibo_tone", inputs
start_db = req.get_input_volume(source).input_volume_db
before = peak_db_over(1.5)

# Down by 20 dB: the event, then the measured level, 20 dB lower.
req.set_input_volume(source, vol_db=start_db - 20)
wait_event(("volume", source, round(start_db - 20, 3)))
assert abs(req.get_input_volume(source).input_volume_mul - 10 ** ((start_db - 20) / 20)) < 1e-6
time.sleep(0.5)
quieter = peak_db_over(1.5)
assert abs((before - quieter) - 20) <= 3, f"the meter fell {before - quieter:.1f} dB, not 20"

# OBS's own limits, and Kaibo's narrower fader range.
assert code_of(lambda: req.set_input_volume(source, vol_mul=25)) == 402
assert code_of(lambda: req.send("SetInputVolume", {"inputName": source})) == 300
assert code_of(lambda: req.get_input_volume("no-such-input")) == 600

# Muted: the event, and silence on the meter.
req.set_input_mute(source, True)
wait_event(("mute", source, True))
assert req.get_input_mute(source).input_muted is True
time.sleep(0.5)
muted = peak_db_over(1.5)
assert muted < before - 50, f"muted, the meter still reads {muted:.1f} dB (was {before:.1f})"
assert req.toggle_input_mute(source).input_muted is False
wait_event(("mute", source, False))
req.set_input_volume(source, vol_db=start_db)

# Transitions: a fade of 800 ms for every scene switch that does not say.
names = [t["transitionName"] for t in req.get_scene_transition_list().transitions]
assert names == ["Cut", "Fade"], names
req.set_current_scene_transition("Fade")
wait_event(("transition", "Fade"))
req.set_current_scene_transition_duration(800)
wait_event(("duration", 800))
current = req.get_current_scene_transition()
assert (current.transition_name, current.transition_duration) == ("Fade", 800), vars(current)
assert code_of(lambda: req.set_current_scene_transition("Swipe")) == 600

# A switch fades: the scene is announced when the fade has ended, not when it was asked for.
def first(kind, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            for event in seen:
                if event[0] == kind and event[2] >= switched:
                    return event[2] - switched
        time.sleep(0.01)
    raise AssertionError(f"no {kind} event within {timeout} s: {seen}")


switched = time.monotonic()
req.set_current_program_scene(scene)
started_after = first("started", 1.0)
scene_after = first("scene", 5.0)
assert scene_after >= 0.8, f"the scene was announced {scene_after:.3f} s after the switch, before its 800 ms fade ended"
assert code_of(lambda: req.set_current_scene_transition_duration(10)) == 402

events.disconnect()
req.disconnect()
print(json.dumps({"ok": True, "peak_db": round(before, 2), "down_20_db": round(quieter, 2), "muted_db": round(muted, 2),
                  "fade_started_s": round(started_after, 3), "scene_announced_s": round(scene_after, 3)}))
