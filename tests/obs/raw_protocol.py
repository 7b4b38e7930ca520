"""The wire as OBS speaks it, checked with the `websockets` library (no obs-websocket client):
auth right and wrong, close codes, subprotocol echo, ids echoed as sent, an unknown request that
keeps the connection, a batch with Sleep, and Companion's connect sequence request for request.

usage: raw_protocol.py URL PASSWORD STREAM_KEY
"""
import asyncio
import base64
import hashlib
import json
import sys
import time

import msgpack
import websockets


def auth(password, hello):
    a = hello["d"]["authentication"]
    secret = base64.b64encode(hashlib.sha256((password + a["salt"]).encode()).digest()).decode()
    return base64.b64encode(hashlib.sha256((secret + a["challenge"]).encode()).digest()).decode()


async def opened(url, password, subprotocol="obswebsocket.json", subs=None):
    ws = await websockets.connect(url, subprotocols=[subprotocol] if subprotocol else None)
    hello = json.loads(await ws.recv())
    assert hello["op"] == 0 and "obsWebSocketVersion" in hello["d"], hello
    d = {"rpcVersion": 1, "authentication": auth(password, hello)}
    if subs is not None:
        d["eventSubscriptions"] = subs
    await ws.send(json.dumps({"op": 1, "d": d}))
    identified = json.loads(await ws.recv())
    assert identified == {"op": 2, "d": {"negotiatedRpcVersion": 1}}, identified
    return ws


async def closed_with(ws):
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def request(ws, request_type, request_id, data=None):
    d = {"requestType": request_type, "requestId": request_id}
    if data is not None:
        d["requestData"] = data
    await ws.send(json.dumps({"op": 6, "d": d}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["op"] == 7:
            return message["d"]


async def main(url, password, key):
    # The subprotocol is echoed; none asked is JSON.
    ws = await websockets.connect(url, subprotocols=["obswebsocket.msgpack"])
    assert ws.subprotocol == "obswebsocket.msgpack", ws.subprotocol
    hello = msgpack.unpackb(await ws.recv())
    assert hello["op"] == 0 and hello["d"]["rpcVersion"] == 1, hello
    await ws.close()
    ws = await websockets.connect(url)
    assert ws.subprotocol is None
    json.loads(await ws.recv())
    # Anything before Identify: 4007.
    await ws.send(json.dumps({"op": 6, "d": {"requestType": "GetVersion", "requestId": 1}}))
    assert await closed_with(ws) == 4007

    # A wrong password: 4009.
    ws = await websockets.connect(url, subprotocols=["obswebsocket.json"])
    hello = json.loads(await ws.recv())
    await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": auth(password + "x", hello)}}))
    assert await closed_with(ws) == 4009

    # A frame of the wrong type for the session: 4002.
    ws = await opened(url, password)
    await ws.send(msgpack.packb({"op": 6, "d": {"requestType": "GetVersion", "requestId": 1}}))
    assert await closed_with(ws) == 4002

    ws = await opened(url, password)
    for request_id in [7, "seven", {"n": [7]}]:
        reply = await request(ws, "GetVersion", request_id)
        assert reply["requestId"] == request_id, reply
        assert type(reply["requestId"]) is type(request_id), reply
    version = reply["responseData"]
    assert isinstance(version["supportedImageFormats"], list), version
    assert "Kaibo" in version["platformDescription"], version
    float(version["obsWebSocketVersion"].rsplit(".", 1)[0])  # a plain number, as Stream Deck tools parse it

    unknown = await request(ws, "NoSuchRequest", "u1")
    assert unknown["requestStatus"]["code"] == 204 and unknown["requestStatus"]["result"] is False, unknown
    assert (await request(ws, "GetVersion", "after"))["requestStatus"]["code"] == 100, "closed after an unknown request"

    # A batch with Sleep keeps order and ids.
    batch = {"requestId": "batch-1", "haltOnFailure": False, "requests": [
        {"requestType": "GetVersion", "requestId": "a"},
        {"requestType": "Sleep", "requestId": "b", "requestData": {"sleepMillis": 400}},
        {"requestType": "GetSceneList", "requestId": "c"},
    ]}
    started = time.monotonic()
    await ws.send(json.dumps({"op": 8, "d": batch}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["op"] == 9:
            break
    assert time.monotonic() - started >= 0.4, "Sleep did not wait"
    assert message["d"]["requestId"] == "batch-1"
    assert [r["requestId"] for r in message["d"]["results"]] == ["a", "b", "c"], message
    assert all(r["requestStatus"]["code"] == 100 for r in message["d"]["results"]), message

    # Companion's connect sequence (its OBS module 3.x), request for request.
    companion = ["GetVersion", "GetStudioModeEnabled", "GetProfileList", "GetSceneCollectionList", "GetHotkeyList",
                 "GetInputKindList", "GetSpecialInputs", "GetSceneList", "GetStreamStatus", "GetRecordStatus",
                 "GetStats", "GetOutputList", "GetSceneTransitionList", "GetCurrentSceneTransition",
                 "GetVideoSettings", "GetStreamServiceSettings", "GetInputList", "GetCurrentProgramScene"]
    replies = {}
    for i, request_type in enumerate(companion):
        reply = await request(ws, request_type, f"companion:{i}")
        assert reply["requestStatus"]["code"] == 100, reply
        replies[request_type] = reply.get("responseData", {})
    for scene in replies["GetSceneList"]["scenes"]:
        items = await request(ws, "GetSceneItemList", "items", {"sceneName": scene["sceneName"]})
        assert items["requestStatus"]["code"] == 100, items
        for item in items["responseData"]["sceneItems"]:
            assert isinstance(item["sceneItemId"], int) and item["sceneItemId"] > 0, item
    for field in ["outputActive", "outputReconnecting", "outputTimecode", "outputDuration", "outputBytes",
                  "outputSkippedFrames", "outputTotalFrames", "outputCongestion"]:
        assert field in replies["GetStreamStatus"], (field, replies["GetStreamStatus"])
    for field, value in replies["GetStats"].items():
        assert isinstance(value, (int, float)), (field, value)
    service = json.dumps(replies["GetStreamServiceSettings"])
    assert key not in service and '"key"' not in service, service
    await ws.close()
    print(json.dumps({"ok": True, "scenes": [s["sceneName"] for s in replies["GetSceneList"]["scenes"]]}))


asyncio.run(main(*sys.argv[1:4]))
