"""simpleobsws (MessagePack): a request, and a batch with Sleep that keeps its order.

usage: simpleobsws_batch.py URL PASSWORD
"""
import asyncio
import json
import sys
import time

import simpleobsws


async def main(url, password):
    ws = simpleobsws.WebSocketClient(url=url, password=password)
    await ws.connect()
    await ws.wait_until_identified()
    version = await ws.call(simpleobsws.Request("GetVersion"))
    assert version.ok(), version.requestStatus
    started = time.monotonic()
    results = await ws.call_batch([
        simpleobsws.Request("GetCurrentProgramScene"),
        simpleobsws.Request("Sleep", {"sleepMillis": 300}),
        simpleobsws.Request("GetSceneList"),
    ], halt_on_failure=True)
    took = time.monotonic() - started
    assert took >= 0.3, took
    assert [r.requestType for r in results] == ["GetCurrentProgramScene", "Sleep", "GetSceneList"], results
    assert all(r.ok() for r in results), [r.requestStatus for r in results]
    await ws.disconnect()
    print(json.dumps({"ok": True, "batch_s": round(took, 3), "obsWebSocketVersion": version.responseData["obsWebSocketVersion"]}))


asyncio.run(main(sys.argv[1], sys.argv[2]))
