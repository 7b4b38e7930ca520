#!/usr/bin/env bash
# The cost of the meters' events (issue 12): `kaibo serve` with eight sound sources open
# (not live), with one client on /api/events taking the meters (`audio_levels`), against
# the same studio with a client that asked for none (`?audio_levels=off`). The difference
# is what the meters' events cost; the issue asks for less than 1 % of a core.
#
#   bench/meters.sh                        # release build, 3 runs x 20 s of each, interleaved
#   BENCH_SECONDS=8 BENCH_RUNS=1 bench/meters.sh
#   KAIBO_BIN=target/debug/kaibo bench/meters.sh
#
# The client is Python's websocket-client from the OBS clients' venv (`make obs-clients`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${BENCH_SECONDS:-20}
RUNS=${BENCH_RUNS:-3}
PYTHON=${BENCH_PYTHON:-$ROOT/target/obs-clients/venv/bin/python}
if [[ -z ${KAIBO_BIN:-} ]]; then
    (cd "$ROOT" && cargo build --release -p studio --bin kaibo)
fi
KAIBO=${KAIBO_BIN:-$ROOT/target/release/kaibo}
HZ=$(getconf CLK_TCK)
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[[ -x $KAIBO ]] || { echo "bench: $KAIBO is missing: build it first" >&2; exit 1; }
[[ -x $PYTHON ]] || { echo "bench: $PYTHON is missing: run make obs-clients" >&2; exit 1; }
cat >"$WORK/show.json" <<JSON
{ "name": "meters bench", "canvas": { "width": 1280, "height": 720, "fps": 30 },
  "audio": { "sources": [
    { "id": "s1", "kind": "tone", "frequency": 220, "volume_db": -18 },
    { "id": "s2", "kind": "tone", "frequency": 330, "volume_db": -18 },
    { "id": "s3", "kind": "tone", "frequency": 440, "volume_db": -18 },
    { "id": "s4", "kind": "tone", "frequency": 550, "volume_db": -18 },
    { "id": "s5", "kind": "tone", "frequency": 660, "volume_db": -18 },
    { "id": "s6", "kind": "tone", "frequency": 770, "volume_db": -18 },
    { "id": "mic", "kind": "microphone", "device": "test" },
    { "id": "quiet", "kind": "silence" } ] },
  "scenes": [{ "id": "main", "layers": [{ "id": "camera", "kind": "camera", "device": "test" }] }] }
JSON
cat >"$WORK/client.py" <<'PY'
import sys, time, websocket
url, token, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
ws = websocket.create_connection(url, header=[f"Authorization: Bearer {token}"], timeout=5)
levels = other = 0
end = time.time() + seconds
while time.time() < end:
    try:
        message = ws.recv()
    except websocket.WebSocketTimeoutException:
        continue
    if '"audio_levels"' in message[:64]:
        levels += 1
    else:
        other += 1
print(levels, other)
PY

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# One sitting: kaibo serve, one events client (with or without the meters), the steady CPU
# of kaibo (% of one core) from a fifth of the run to its end, and the meters' events seen.
run() {
    local query=$1 port=$((20000 + RANDOM % 9000)) token pid state client from k0 k1 t0 t1
    token=meters-bench-token-$RANDOM$RANDOM
    KAIBO_TOKEN=$token "$WORK/kaibo" serve "$WORK/show.json" --no-record --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        state=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/state" || true)
        [[ $state == *'"state":"running"'* ]] && break
        sleep 0.2
    done
    [[ $state == *'"state":"running"'* ]] || { echo "bench: the program did not open:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
    "$PYTHON" "$WORK/client.py" "ws://127.0.0.1:$port/api/events$query" "$token" "$SECS" >"$WORK/client.out" &
    client=$!
    from=$(awk -v s="$SECS" 'BEGIN { print s / 5 }')
    sleep "$from"
    k0=$(ticks "$pid"); t0=$(date +%s.%N)
    sleep "$(awk -v s="$SECS" -v f="$from" 'BEGIN { print s - f - 0.5 }')"
    k1=$(ticks "$pid"); t1=$(date +%s.%N)
    wait "$client"
    kill -INT "$pid"; wait "$pid" || true
    awk -v k0="$k0" -v k1="$k1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" -v seen="$(cut -d' ' -f1 "$WORK/client.out")" \
        'BEGIN { printf "%.2f %d\n", (k1 - k0) / hz / (t1 - t0) * 100, seen }'
}

cp "$KAIBO" "$WORK/kaibo"
declare -a ON OFF
for i in $(seq "$RUNS"); do
    if ((i % 2)); then ON+=("$(run "")"); OFF+=("$(run "?audio_levels=off")"); else OFF+=("$(run "?audio_levels=off")"); ON+=("$(run "")"); fi
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
on=$(printf '%s\n' "${ON[@]}" | awk '{ print $1 }' | median); off=$(printf '%s\n' "${OFF[@]}" | awk '{ print $1 }' | median)
seen=$(printf '%s\n' "${ON[@]}" | awk '{ print $2 }' | median)
printf 'Eight sound sources open, one events client, medians of %d run(s) of %d s (steady CPU %% of one core)\n' "$RUNS" "$SECS"
printf '  with the meters (%s audio_levels events, %.1f a second)  %6.2f %%\n' "$seen" "$(awk -v n="$seen" -v s="$SECS" 'BEGIN { print n / s }')" "$on"
printf '  without them (?audio_levels=off)                          %6.2f %%\n' "$off"
awk -v a="$on" -v b="$off" 'BEGIN { printf "  the meters cost                                           %6.2f %% of a core (%.3fx)\n", a - b, (b > 0) ? a / b : 0 }'
