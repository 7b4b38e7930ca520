#!/usr/bin/env bash
# The cost of an idle studio (issue 11): `kaibo serve` with a show open and nobody on air runs
# the program (sources, compositor, overlay) and the preview (640x360 at 15 fps, JPEG), and
# encodes nothing. The reference is a gst-launch-1.0 pipeline doing the same work by hand.
#
#   bench/idle.sh                       # 3 runs x 20 s of each, interleaved
#   BENCH_SECONDS=8 BENCH_RUNS=1 bench/idle.sh
#   KAIBO_BIN=target/release/kaibo bench/idle.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${BENCH_SECONDS:-20}
RUNS=${BENCH_RUNS:-3}
KAIBO=${KAIBO_BIN:-$ROOT/target/debug/kaibo}
SHOW=${IDLE_SHOW:-$ROOT/bench/shows/no-layers.json}
HZ=$(getconf CLK_TCK)
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[[ -x $KAIBO ]] || { echo "bench: $KAIBO is missing: build it first" >&2; exit 1; }
cp "$KAIBO" "$WORK/kaibo"

RAW=video/x-raw,format=I420,width=1280,height=720,framerate=30/1
REFERENCE=(gst-launch-1.0 -q
    videotestsrc is-live=true pattern=smpte ! "$RAW"
    ! compositor background=black sink_0::width=1280 sink_0::height=720 ! "$RAW" ! overlaycomposition
    ! queue leaky=downstream max-size-buffers=2 max-size-time=0 max-size-bytes=0
    ! videorate drop-only=true ! videoscale ! video/x-raw,width=640,height=360,framerate=15/1
    ! jpegenc quality=70 ! fakesink sync=false
    audiotestsrc is-live=true wave=silence ! audioconvert ! audioresample
    ! audio/x-raw,rate=48000,channels=2 ! fakesink sync=false)

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Steady CPU (% of one core) of PID between a fifth of the run and its end, and its peak RSS.
measure() {
    local pid=$1 from to k0 k1 t0 t1
    from=$(awk -v s="$SECS" 'BEGIN { print s / 5 }')
    sleep "$from"
    k0=$(ticks "$pid"); t0=$(date +%s.%N)
    sleep "$(awk -v s="$SECS" -v f="$from" 'BEGIN { print s - f }')"
    k1=$(ticks "$pid"); t1=$(date +%s.%N)
    awk -v k0="$k0" -v k1="$k1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" -v rss="$(rss_kb "$pid")" \
        'BEGIN { printf "%.1f %.1f\n", (k1 - k0) / hz / (t1 - t0) * 100, rss / 1024 }'
}

run_kaibo() {
    local port=$((20000 + RANDOM % 9000)) token pid frame
    token=idle-bench-token-$RANDOM$RANDOM
    KAIBO_TOKEN=$token "$WORK/kaibo" serve "$SHOW" --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        frame=$(curl -s -o "$WORK/frame.jpg" -w '%{http_code} %{content_type}' \
            -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/preview?frame=latest" || true)
        [[ $frame == "200 image/jpeg" ]] && break
        sleep 0.2
    done
    [[ $frame == "200 image/jpeg" ]] || { echo "bench: no preview frame from kaibo serve before Go Live:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
    measure "$pid"
    kill -INT "$pid"; wait "$pid" || true
}

run_reference() {
    "${REFERENCE[@]}" &
    local pid=$!
    measure "$pid"
    kill -INT "$pid"; wait "$pid" || true
}

declare -a K R
for run in $(seq "$RUNS"); do
    if ((run % 2)); then K+=("$(run_kaibo)"); R+=("$(run_reference)"); else R+=("$(run_reference)"); K+=("$(run_kaibo)"); fi
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
kc=$(printf '%s\n' "${K[@]}" | awk '{ print $1 }' | median); km=$(printf '%s\n' "${K[@]}" | awk '{ print $2 }' | median)
rc=$(printf '%s\n' "${R[@]}" | awk '{ print $1 }' | median); rm_=$(printf '%s\n' "${R[@]}" | awk '{ print $2 }' | median)
printf 'Idle studio, medians of %d run(s) of %d s (steady CPU %% of one core, peak RSS MB)\n' "$RUNS" "$SECS"
printf '  kaibo serve, show open, not live   %6.1f %%  %7.1f MB\n' "$kc" "$km"
printf '  gst-launch-1.0, same work          %6.1f %%  %7.1f MB\n' "$rc" "$rm_"
awk -v a="$kc" -v b="$rc" 'BEGIN { if (b > 0) printf "  ratio kaibo / gst-launch           %6.2fx\n", a / b }'
