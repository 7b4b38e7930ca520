#!/usr/bin/env bash
# The cost of the mixer (issue 12): `kaibo serve` with a show of four sound sources (a tone,
# a music file, the test microphone, silence), each with its meter, open and not live, against
# a gst-launch-1.0 pipeline of the same elements (the idle studio's picture and preview, and
# the same four strips: convert, resample, caps, level, queue, into audiomixer, the master
# level). The meters' events go out ten times a second in kaibo; gst-launch posts its level
# messages to nobody.
#
#   bench/audio.sh                        # release build, 3 runs x 20 s of each, interleaved
#   BENCH_SECONDS=8 BENCH_RUNS=1 bench/audio.sh
#   KAIBO_BIN=target/debug/kaibo bench/audio.sh   # another build (the debug one is slower)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${BENCH_SECONDS:-20}
RUNS=${BENCH_RUNS:-3}
if [[ -z ${KAIBO_BIN:-} ]]; then
    (cd "$ROOT" && cargo build --release -p studio --bin kaibo)
fi
KAIBO=${KAIBO_BIN:-$ROOT/target/release/kaibo}
HZ=$(getconf CLK_TCK)
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[[ -x $KAIBO ]] || { echo "bench: $KAIBO is missing: build it first" >&2; exit 1; }
cp "$KAIBO" "$WORK/kaibo"
ffmpeg -v error -y -f lavfi -i "aevalsrc=0.5*sin(2*PI*1000*t)|0.5*sin(2*PI*1000*t):s=48000:d=$((SECS + 10))" \
    -c:a pcm_s16le "$WORK/bed.wav"
cat >"$WORK/show.json" <<JSON
{ "name": "mixer bench", "canvas": { "width": 1280, "height": 720, "fps": 30 },
  "audio": { "sources": [
    { "id": "tone", "kind": "tone", "frequency": 440, "volume_db": -12 },
    { "id": "bed", "kind": "file", "path": "bed.wav", "volume_db": -18 },
    { "id": "mic", "kind": "microphone", "device": "test" },
    { "id": "quiet", "kind": "silence" } ] },
  "scenes": [{ "id": "main", "layers": [{ "id": "camera", "kind": "camera", "device": "test" }] }] }
JSON

RAW=video/x-raw,format=I420,width=1280,height=720,framerate=30/1
MIXCAPS=audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=2
STRIP=(! audioconvert ! audioresample ! "$MIXCAPS" ! identity ! audioconvert ! "$MIXCAPS"
    ! level interval=50000000 ! queue max-size-time=2000000000 max-size-buffers=0 max-size-bytes=0 ! mix.)
REFERENCE=(gst-launch-1.0 -q
    videotestsrc is-live=true pattern=smpte ! "$RAW"
    ! compositor background=black sink_0::width=1280 sink_0::height=720 ! "$RAW" ! overlaycomposition
    ! queue leaky=downstream max-size-buffers=2 max-size-time=0 max-size-bytes=0
    ! videorate drop-only=true ! videoscale ! video/x-raw,width=640,height=360,framerate=15/1
    ! jpegenc quality=70 ! fakesink sync=false
    audiomixer name=mix force-live=true ! "$MIXCAPS" ! level interval=50000000 ! audioconvert
    ! audio/x-raw,rate=48000,channels=2 ! fakesink sync=false
    audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! mix.
    audiotestsrc is-live=true wave=sine freq=440 volume=1 samplesperbuffer=480 "${STRIP[@]}"
    uridecodebin uri="file://$WORK/bed.wav" "${STRIP[@]}"
    audiotestsrc is-live=true wave=sine freq=330 volume=0.1 samplesperbuffer=480 "${STRIP[@]}"
    audiotestsrc is-live=true wave=silence samplesperbuffer=480 "${STRIP[@]}")

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Steady CPU (% of one core) of PID between a fifth of the run and its end, and its peak RSS.
measure() {
    local pid=$1 from k0 k1 t0 t1
    from=$(awk -v s="$SECS" 'BEGIN { print s / 5 }')
    sleep "$from"
    k0=$(ticks "$pid"); t0=$(date +%s.%N)
    sleep "$(awk -v s="$SECS" -v f="$from" 'BEGIN { print s - f }')"
    k1=$(ticks "$pid"); t1=$(date +%s.%N)
    awk -v k0="$k0" -v k1="$k1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" -v rss="$(rss_kb "$pid")" \
        'BEGIN { printf "%.1f %.1f\n", (k1 - k0) / hz / (t1 - t0) * 100, rss / 1024 }'
}

run_kaibo() {
    local port=$((20000 + RANDOM % 9000)) token pid state
    token=audio-bench-token-$RANDOM$RANDOM
    KAIBO_TOKEN=$token "$WORK/kaibo" serve "$WORK/show.json" --no-record --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        state=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/state" || true)
        [[ $state == *'"state":"running"'* ]] && break
        sleep 0.2
    done
    [[ $state == *'"state":"running"'* ]] || { echo "bench: the program did not open:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
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
printf 'Four-source mix with meters, show open, medians of %d run(s) of %d s (steady CPU %% of one core, peak RSS MB)\n' "$RUNS" "$SECS"
printf '  kaibo serve (%s)     %6.1f %%  %7.1f MB\n' "$(basename "$(dirname "$KAIBO")")" "$kc" "$km"
printf '  gst-launch-1.0, same elements  %6.1f %%  %7.1f MB\n' "$rc" "$rm_"
awk -v a="$kc" -v b="$rc" 'BEGIN { if (b > 0) printf "  ratio kaibo / gst-launch       %6.2fx\n", a / b }'
