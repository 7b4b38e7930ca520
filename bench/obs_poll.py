#!/usr/bin/env python3
"""What an obs-websocket client polling GetStats and GetStreamStatus at 10 Hz costs a studio
that is live, and each request's round trip on loopback.

usage: obs_poll.py URL PASSWORD PID SECONDS ROUNDS

The studio (process PID) is measured in alternating windows of SECONDS: connected but quiet,
then polling (a GetStats and a GetStreamStatus request every 100 ms, each awaited, as
Companion and Streamer.bot do), ROUNDS times. The cost of polling is the polling windows'
CPU minus the quiet windows', as % of one core (medians), counted on the threads that serve
requests (tokio's; the whole process's CPU is printed too, but the encoder's swings drown a
cost this small). Prints one JSON line.
"""
import asyncio
import base64
import hashlib
import json
import os
import statistics
import sys
import time

from websockets.asyncio.client import connect

url, password, pid, seconds, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
HZ = os.sysconf("SC_CLK_TCK")


def ticks():
    """utime + stime in clock ticks: of the studio's whole process (its live and ended
    threads), and of each of its tokio threads by id (where requests are served; the media
    threads' cost is noise to this measurement)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    whole = int(fields[11]) + int(fields[12])
    tokio = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name.startswith("tokio"):
            fields = stat.rsplit(")", 1)[1].split()
            tokio[task] = int(fields[11]) + int(fields[12])
    return whole, tokio


def pct(start, end, seconds):
    """% of one core over the window: the whole process, and its tokio threads (a thread
    born in the window counts from 0; one that ended in it is not counted)."""
    tokio = sum(t - start[1].get(tid, 0) for tid, t in end[1].items())
    return [(end[0] - start[0]) / HZ / seconds * 100, tokio / HZ / seconds * 100]


def b64sha256(text):
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


async def main():
    async with connect(url, subprotocols=["obswebsocket.json"], open_timeout=5) as ws:
        hello = json.loads(await ws.recv())
        identify = {"op": 1, "d": {"rpcVersion": 1, "eventSubscriptions": 0}}
        auth = hello["d"].get("authentication")
        if auth:
            identify["d"]["authentication"] = b64sha256(b64sha256(password + auth["salt"]) + auth["challenge"])
        await ws.send(json.dumps(identify))
        json.loads(await ws.recv())

        trips = []
        quiet, polling = [], []
        n = 0

        async def request(kind):
            nonlocal n
            n += 1
            sent = time.perf_counter()
            await ws.send(json.dumps({"op": 6, "d": {"requestType": kind, "requestId": n}}))
            reply = json.loads(await ws.recv())
            trips.append((time.perf_counter() - sent) * 1000)
            status = reply["d"]["requestStatus"]
            assert status["result"], f"{kind} failed: {status}"
            return reply["d"].get("responseData")

        status = await request("GetStreamStatus")
        assert status["outputActive"], f"the studio is not live: {status}"
        trips.clear()
        for _ in range(rounds):
            start, t0 = ticks(), time.monotonic()
            await asyncio.sleep(seconds)
            quiet.append(pct(start, ticks(), time.monotonic() - t0))

            start, t0 = ticks(), time.monotonic()
            next_at = t0
            while time.monotonic() - t0 < seconds:
                await request("GetStats")
                await request("GetStreamStatus")
                next_at += 0.1
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            polling.append(pct(start, ticks(), time.monotonic() - t0))

        trips.sort()
        p = lambda q: trips[min(len(trips) - 1, int(q * len(trips)))]
        med = lambda windows, i: statistics.median(w[i] for w in windows)
        print(json.dumps({
            "process_quiet_pct": round(med(quiet, 0), 3),
            "process_polling_pct": round(med(polling, 0), 3),
            "tokio_quiet_pct": round(med(quiet, 1), 3),
            "tokio_polling_pct": round(med(polling, 1), 3),
            "cost_pct_of_core": round(med(polling, 1) - med(quiet, 1), 3),
            "requests": len(trips),
            "round_trip_ms": {"p50": round(p(0.5), 3), "p99": round(p(0.99), 3), "max": round(trips[-1], 3)},
        }))


asyncio.run(main())
