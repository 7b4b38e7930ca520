#!/usr/bin/env bash
# Issue 3's performance figures (see bench/README.md, "Going live, latency, multistream"):
#   1. go-live time: from spawning the command to the first video frame at the ingest, for
#      `kaibo live` and the gst-launch reference (case B), median of LAT_STARTS;
#   2. camera-to-ingest latency by a marker (crates/engine/examples/latency.rs): the look
#      switches to black at a known instant, the stream is pulled back and decoded in the same
#      process; no layers and 5 layers, LAT_TRIALS trials each, min/median/p90;
#   3. CPU of 3 destinations against 1 (cases M1, M3), interleaved, BENCH_RUNS x BENCH_SECONDS;
#   4. (part "delay", not run by default) CPU and memory of a 5 s broadcast delay (M1, D5).
#
#   bench/resilience.sh                               # about 4 minutes
#   RES_PARTS="startup marker" bench/resilience.sh    # only some parts (startup marker cpu delay)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SECS=${BENCH_SECONDS:-20}
RUNS=${BENCH_RUNS:-3}
CASES="M1 M3"
KAIBO_SRC=${KAIBO_BIN:-$ROOT/target/debug/kaibo}
STARTS=${LAT_STARTS:-5}
TRIALS=${LAT_TRIALS:-10}
PARTS=${RES_PARTS:-startup marker cpu}
LATENCY_SRC=${LATENCY_BIN:-}
OUT=${BENCH_OUT:-$BENCH/results/resilience-latest.txt}

# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
# shellcheck source=bench/cases.sh
source "$BENCH/cases.sh"
# shellcheck source=bench/resilience-cases.sh
source "$BENCH/resilience-cases.sh"

check_settings
install_traps
ensure_tools
if [[ -z $LATENCY_SRC ]]; then
    echo "bench: building crates/engine/examples/latency.rs"
    (cd "$ROOT" && cargo build -q -p engine --example latency)
    LATENCY_SRC=$ROOT/target/debug/examples/latency
fi
prepare_work
cp "$LATENCY_SRC" "$WORK/latency"
start_nginx
echo "bench: nginx-rtmp on 127.0.0.1:$PORT; kaibo = $KAIBO_SRC (built $KAIBO_MTIME, sha256 $KAIBO_SHA)"
echo "bench: latency = $LATENCY_SRC (sha256 $(sha256sum "$WORK/latency" | cut -c1-12)); load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"

median_of() { tr ' ' '\n' | awk 'NF { v[n++] = $1 } END {
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    if (n) printf "%.3f", (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }'; }

# --- 1. Go-live time -------------------------------------------------------------------------
# A reader (latency first-frame) plays the stream before anyone publishes it; nginx-rtmp keeps
# such idle players and relays the publisher's first frame to them at once. It prints the
# wall-clock time the first video frame reached it; the command's spawn time is taken just
# before it starts.
startup_once() { # $1: A (kaibo) or B (gst-launch), $2: run; prints seconds
    local id=$1 run=$2 key url t0 first rc=0
    key="start-$id-$run"
    url="rtmp://127.0.0.1:$PORT/live/$key"
    SECS=5 case_command "$id" "$url"
    "$WORK/latency" first-frame "$url" 20 >"$WORK/$key.first" 2>"$WORK/$key.reader" &
    PROBE_PID=$!
    sleep 1 # the reader is connected and waiting
    t0=$(now)
    "${CMD[@]}" >"$WORK/$key.log" 2>&1 &
    CASE_PID=$!
    wait "$PROBE_PID" || die "start $id run $run: the reader saw no frame (see $WORK/$key.reader)"
    PROBE_PID=""
    wait "$CASE_PID" || rc=$?
    CASE_PID=""
    ok_exit "$id" "$rc" || die "start $id run $run: exited with $rc (see $WORK/$key.log)"
    first=$(cat "$WORK/$key.first")
    awk -v a="$t0" -v b="$first" 'BEGIN { printf "%.3f", b - a }'
}

part_startup() {
    local run id s
    declare -gA START=([A]="" [B]="")
    echo
    echo "1. Go-live time: spawn -> first video frame at the ingest ($STARTS runs each, interleaved)"
    for ((run = 1; run <= STARTS; run++)); do
        for id in A B; do
            s=$(startup_once "$id" "$run")
            START[$id]+=" $s"
            printf '  run %d  %s %-40s %6.3f s\n' "$run" "$id" "${TITLE[$id]}" "$s"
        done
    done
    START_A=$(median_of <<<"${START[A]}")
    START_B=$(median_of <<<"${START[B]}")
    printf '  median: kaibo live %.3f s, gst-launch %.3f s, ratio %s (target <= 1 s)\n' "$START_A" "$START_B" "$(ratio "$START_A" "$START_B")"
}

# --- 2. Marker latency -------------------------------------------------------------------------
part_marker() {
    local show
    echo
    echo "2. Camera-to-ingest latency, marker method ($TRIALS trials per show)"
    for show in no-layers five-layers; do
        echo "  --- $show.json"
        "$WORK/latency" marker "$BENCH/shows/$show.json" "rtmp://127.0.0.1:$PORT/live/marker-$show" "$TRIALS" \
            2>"$WORK/marker-$show.err" | tee "$WORK/marker-$show.out" | sed 's/^/  /' ||
            { cat "$WORK/marker-$show.err" >&2; die "marker $show failed"; }
    done
}

# --- 3. CPU of 3 destinations against 1 ----------------------------------------------------------
# The medians of cases $@: CPU-s, steady %, peak RSS.
case_table() {
    local id
    printf '  %-3s %-44s %8s %9s %9s\n' "" "case" "CPU-s" "steady %" "RSS MB"
    for id in "$@"; do
        printf '  %-3s %-44s %8.2f %9.1f %9.1f\n' "$id" "${TITLE[$id]}" "$(median "$id" 3)" "$(median "$id" 8)" \
            "$(awk -v k="$(median "$id" 6)" 'BEGIN { print k / 1024 }')"
    done
}

part_cpu() {
    echo
    echo "3. CPU, 1 vs 3 destinations: $RUNS run(s) x ${SECS}s, interleaved"
    run_all
    local id
    case_table M1 M3
    printf '  3 / 1 destinations: CPU-s %s, steady %s (target < 1.05)\n' "$(ratio "$(median M3 3)" "$(median M1 3)")" \
        "$(ratio "$(median M3 8)" "$(median M1 8)")"
    echo
    echo "  Mid-run CPU by thread, % of one core (median):"
    for id in M1 M3; do thread_line "$id" | sed 's/^/  /'; done
}

# --- 4. A broadcast delay against none --------------------------------------------------------
part_delay() {
    echo
    echo "4. CPU and memory of a 5 s broadcast delay: $RUNS run(s) x ${SECS}s, interleaved"
    CASES="M1 D5" run_all
    case_table M1 D5
    printf '  delay / none: CPU-s %s, steady %s; peak RSS +%s MB\n' "$(ratio "$(median D5 3)" "$(median M1 3)")" \
        "$(ratio "$(median D5 8)" "$(median M1 8)")" "$(awk -v a="$(median D5 6)" -v b="$(median M1 6)" 'BEGIN { printf "%.1f", (a - b) / 1024 }')"
}

mkdir -p "$(dirname "$OUT")"
# Not a pipe into tee: the parts must run in this shell, under its traps.
exec > >(tee "$OUT.tmp")
for part in $PARTS; do
    case $part in
        startup) part_startup ;;
        marker) part_marker ;;
        cpu) part_cpu ;;
        delay) part_delay ;;
        *) die "RES_PARTS: unknown part '$part' (startup marker cpu delay)" ;;
    esac
done
echo
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$OUT.tmp" "$OUT"
echo "bench: written to ${OUT#"$ROOT"/}"
