#!/usr/bin/env bash
# What each of the engine's elements costs: the gst-launch-1.0 reference (case B of run.sh),
# then the same pipeline with the engine's elements added one at a time, then the engine
# itself (case A). The difference between the last gst-launch step and the engine is what the
# application adds on top of its pipeline (kaibolook in passthrough, pad probes, stats and
# supervision threads). See bench/README.md.
#
#   bench/elements.sh                       # 6 steps x 3 runs x 20 s, about 7 minutes
#   BENCH_SECONDS=10 BENCH_RUNS=1 bench/elements.sh
#   KAIBO_BIN2=/other/build/kaibo BENCH_CASES="L0 L4 K K2" bench/elements.sh   # two builds
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SECS=${BENCH_SECONDS:-20}
RUNS=${BENCH_RUNS:-3}
CASES=${BENCH_CASES:-L0 L1 L2 L3 L4 K}
KAIBO_SRC=${KAIBO_BIN:-$ROOT/target/debug/kaibo}
OUT=${BENCH_OUT:-$BENCH/results/elements-latest.txt}

# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
# shellcheck source=bench/cases.sh
source "$BENCH/cases.sh"

check_settings
install_traps
ensure_tools
prepare_work
start_nginx
ncases=$(wc -w <<<"$CASES")
echo "bench: $ncases step(s) x $RUNS run(s) x ${SECS}s (about $(((ncases * RUNS * (SECS + 2) + 59) / 60)) min); nginx-rtmp on 127.0.0.1:$PORT"
echo "bench: kaibo = $KAIBO_SRC (built $KAIBO_MTIME, sha256 $KAIBO_SHA); load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
run_all

{
    echo
    printf 'Medians of %d run(s) of %d s each. "steady %%" is mid-run CPU as %% of one core.\n' "$RUNS" "$SECS"
    printf '%-4s %-44s %7s %9s %10s %10s\n' "" "step" "CPU-s" "steady %" "vs prev" "vs L0"
    first="" prev=""
    for id in $CASES; do
        steady=$(median "$id" 8)
        cpu=$(median "$id" 3)
        [[ -n $first ]] || first=$steady
        printf '%-4s %-44s %7.2f %9.1f %10s %10s\n' "$id" "${TITLE[$id]}" "$cpu" "$steady" \
            "$([[ -n $prev ]] && awk -v a="$steady" -v b="$prev" 'BEGIN { printf "%+.1f pt", a - b }' || echo -)" \
            "$(awk -v a="$steady" -v b="$first" 'BEGIN { printf "x%.3f", a / b }')"
        prev=$steady
    done
    echo
    echo "Mid-run CPU by thread, % of one core (median), busiest first:"
    for id in $CASES; do
        thread_line "$id"
    done
    echo
    echo "Commands:"
    for id in $CASES; do
        printf '%s: %s\n' "$id" "$(shown_command "$id")"
    done
} | tee "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "bench: written to ${OUT#"$ROOT"/}"
