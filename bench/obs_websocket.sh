#!/usr/bin/env bash
# obs-websocket's cost: a client polling GetStats and GetStreamStatus at 10 Hz while the studio
# is live (target < 0.5% of a core), and a request's round trip on loopback (target p99 < 5 ms).
# `kaibo serve` (the release build) goes live on the 720p test show into a local nginx-rtmp;
# bench/obs_poll.py then alternates quiet and polling windows and prints the figures.
#
#   bench/obs_websocket.sh                        # 3 rounds of 2 x 15 s, about 2 minutes
#   BENCH_SECONDS=5 BENCH_RUNS=1 bench/obs_websocket.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SECS=${BENCH_SECONDS:-15}
RUNS=${BENCH_RUNS:-3}
CASES=""
KAIBO_SRC=${KAIBO_BIN:-$ROOT/target/release/kaibo}
PYTHON=${KAIBO_OBS_PYTHON:-$ROOT/target/obs-clients/venv/bin/python}
OUT=${BENCH_OUT:-$BENCH/results/obs-websocket-latest.json}
PASSWORD=bench-obs-password-0123456789

# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

install_traps
ensure_tools
[[ -x $KAIBO_SRC ]] || die "$KAIBO_SRC is missing: run 'make build' (or set KAIBO_BIN)"
[[ -x $PYTHON ]] || die "$PYTHON is missing: 'make obs-clients' installs the client libraries"
prepare_work
start_nginx
echo "bench: nginx-rtmp on 127.0.0.1:$PORT; kaibo = $KAIBO_SRC (built $KAIBO_MTIME, sha256 $KAIBO_SHA)"
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"

python3 - "$BENCH/shows/no-layers.json" "$WORK/show.json" "rtmp://127.0.0.1:$PORT/live/obs-bench" <<'EOF'
import json, sys
show = json.load(open(sys.argv[1]))
show["destinations"] = [{"id": "bench", "platform": "custom", "url": sys.argv[3]}]
json.dump(show, open(sys.argv[2], "w"))
EOF

KAIBO_TOKEN=bench-token-0123456789abcdef KAIBO_BRIDGE_TOKEN=bench-bridge-token-0123456789 \
    KAIBO_OBS_PASSWORD=$PASSWORD \
    "$WORK/kaibo" serve "$WORK/show.json" --listen 127.0.0.1:0 --no-record \
    --data "$WORK/data" --obs-websocket 127.0.0.1:0 >"$WORK/kaibo.log" 2>&1 &
CASE_PID=$!
deadline=$((SECONDS + 30))
until URL=$(grep -o 'obs-websocket: ws://[^ ]*' "$WORK/kaibo.log" | cut -d' ' -f2) && [[ -n $URL ]]; do
    kill -0 "$CASE_PID" 2>/dev/null || die "kaibo serve stopped: $(tail -5 "$WORK/kaibo.log")"
    ((SECONDS < deadline)) || die "kaibo serve did not start its obs-websocket endpoint"
    sleep 0.2
done
# Go live through the endpoint itself, and wait for the destination.
"$PYTHON" - "$URL" "$PASSWORD" <<'EOF'
import sys, time
import obsws_python as obs
host, port = sys.argv[1].removeprefix("ws://").rsplit(":", 1)
req = obs.ReqClient(host=host, port=int(port), password=sys.argv[2], timeout=10)
req.start_stream()
deadline = time.monotonic() + 30
while not req.get_stream_status().output_active:
    assert time.monotonic() < deadline, "the studio did not go live"
    time.sleep(0.2)
req.disconnect()
EOF
sleep 3
echo "bench: live; polling ${RUNS} x (${SECS} s quiet, ${SECS} s at 10 Hz)"
RESULT=$("$PYTHON" "$BENCH/obs_poll.py" "$URL" "$PASSWORD" "$CASE_PID" "$SECS" "$RUNS")
echo "$RESULT"
mkdir -p "$(dirname "$OUT")"
echo "$RESULT" >"$OUT"
"$PYTHON" - "$RESULT" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
print(f"polling GetStats + GetStreamStatus at 10 Hz: {r['cost_pct_of_core']:.3f}% of a core "
      f"(target < 0.5; the studio's request threads {r['tokio_quiet_pct']:.2f}% -> {r['tokio_polling_pct']:.2f}%, "
      f"the whole process {r['process_quiet_pct']:.1f}% -> {r['process_polling_pct']:.1f}%)")
t = r["round_trip_ms"]
print(f"round trip over {r['requests']} requests: p50 {t['p50']:.2f} ms, p99 {t['p99']:.2f} ms (target < 5), max {t['max']:.2f} ms")
EOF
