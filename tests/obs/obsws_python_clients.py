"""obsws-python: a request client (integer ids, subscribed to nothing: it takes the next frame as
its reply) switches scene and hides a layer; an event client sees both within 1 s.

usage: obsws_python_clients.py HOST PORT PASSWORD SCENE LAYER
"""
import json
import sys
import threading
import time

import obsws_python as obs
from obsws_python.error import OBSSDKRequestError

host, port, password, scene, layer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
req = obs.ReqClient(host=host, port=port, password=password, timeout=5)
version = req.get_version()
assert "jpeg" in version.supported_image_formats, version.supported_image_formats

seen = []
lock = threading.Lock()
events = obs.EventClient(host=host, port=port, password=password, subs=obs.Subs.SCENES | obs.Subs.SCENEITEMS)


def on_current_program_scene_changed(data):
    with lock:
        seen.append(("scene", time.monotonic(), data.scene_name))


def on_scene_item_enable_state_changed(data):
    with lock:
        seen.append(("item", time.monotonic(), data.scene_item_enabled))


events.callback.register([on_current_program_scene_changed, on_scene_item_enable_state_changed])
time.sleep(0.3)


def wait_for(kind, value, since):
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        with lock:
            for k, at, v in seen:
                if k == kind and v == value and at >= since:
                    return at - since
        time.sleep(0.01)
    raise AssertionError(f"no {kind} event {value!r} within 1 s: {seen}")


sent = time.monotonic()
req.set_current_program_scene(scene)
scene_after = wait_for("scene", scene, sent)
assert req.get_current_program_scene().scene_name == scene

item = req.get_scene_item_id(scene, layer).scene_item_id
assert isinstance(item, int) and item > 0
sent = time.monotonic()
req.set_scene_item_enabled(scene, item, False)
item_after = wait_for("item", False, sent)
assert req.get_scene_item_enabled(scene, item).scene_item_enabled is False

try:
    req.send("NoSuchRequest")
    raise AssertionError("an unknown request succeeded")
except OBSSDKRequestError as error:
    assert error.code == 204, error.code
assert req.get_version().obs_web_socket_version, "the connection closed after an unknown request"
events.disconnect()
req.disconnect()
print(json.dumps({"ok": True, "scene_event_s": round(scene_after, 3), "item_event_s": round(item_after, 3)}))
