#!/usr/bin/env bash
# Kaibo Studio benchmark: the engine against hand-written gst-launch-1.0 and ffmpeg pipelines
# doing the same work (720p30 test pattern, x264 veryfast zerolatency 3000 kbps CBR, AAC 128k,
# FLV into nginx-rtmp on loopback), and the cost of 5 static layers and of a look.
# See bench/README.md. `make bench` runs it; `BENCH_SECONDS=5 BENCH_RUNS=1 bench/run.sh` is a
# quick smoke run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SECS=${BENCH_SECONDS:-20}
RUNS=${BENCH_RUNS:-3}
CASES=${BENCH_CASES:-A B C D E}
KAIBO_SRC=${KAIBO_BIN:-$ROOT/target/release/kaibo}
OUT=${BENCH_OUT:-$BENCH/results/latest.json}

# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
# shellcheck source=bench/cases.sh
source "$BENCH/cases.sh"

# --- Reporting -----------------------------------------------------------------------------

# Where each case's CPU goes mid-run, by thread (a GStreamer streaming thread runs the
# elements from its source pad to the next queue or aggregator).
print_threads() {
    local id
    echo
    echo "Mid-run CPU by thread, % of one core (median), busiest first:"
    for id in $CASES; do
        thread_line "$id"
    done
}

report() {
    local id
    declare -gA MED_CPU MED_PCT MED_STEADY MED_RSS MED_KBPS
    for id in $CASES; do
        MED_CPU[$id]=$(median "$id" 3)
        # % of one core over the whole run: CPU-seconds over wall-seconds, per run, median.
        MED_PCT[$id]=$(median "$id" 10)
        MED_STEADY[$id]=$(median "$id" 8)
        MED_RSS[$id]=$(median "$id" 6)
        MED_KBPS[$id]=$(median "$id" 9)
    done

    echo
    printf 'Medians of %d run(s) of %d s each, interleaved. CPU = user+sys of the process tree (GNU time).\n' "$RUNS" "$SECS"
    printf '%-2s %-44s %8s %9s %9s %9s %8s\n' "" "case" "CPU-s" "% core" "steady %" "peak RSS" "ingest"
    printf '%-2s %-44s %8s %9s %9s %9s %8s\n' "" "" "" "(whole)" "(mid-run)" "MB" "kbps"
    for id in $CASES; do
        printf '%-2s %-44s %8.2f %9.1f %9.1f %9.1f %8.0f\n' "$id" "${TITLE[$id]}" "${MED_CPU[$id]}" "${MED_PCT[$id]}" \
            "${MED_STEADY[$id]}" "$(awk -v k="${MED_RSS[$id]}" 'BEGIN { print k / 1024 }')" "${MED_KBPS[$id]}"
    done

    RATIOS=(
        "engine / gst-launch (A/B)|${MED_CPU[A]:-}|${MED_CPU[B]:-}|${MED_STEADY[A]:-}|${MED_STEADY[B]:-}|${MED_RSS[A]:-}|${MED_RSS[B]:-}|engine_vs_gst_launch|<= 1.00"
        "engine / ffmpeg (A/C)|${MED_CPU[A]:-}|${MED_CPU[C]:-}|${MED_STEADY[A]:-}|${MED_STEADY[C]:-}|${MED_RSS[A]:-}|${MED_RSS[C]:-}|engine_vs_ffmpeg|"
        "5 layers / no layers (D/A)|${MED_CPU[D]:-}|${MED_CPU[A]:-}|${MED_STEADY[D]:-}|${MED_STEADY[A]:-}|${MED_RSS[D]:-}|${MED_RSS[A]:-}|five_layers_vs_no_layers|<= 1.10"
        "look / no look (E/D)|${MED_CPU[E]:-}|${MED_CPU[D]:-}|${MED_STEADY[E]:-}|${MED_STEADY[D]:-}|${MED_RSS[E]:-}|${MED_RSS[D]:-}|look_vs_no_look|"
    )
    echo
    printf '%-30s %8s %11s %8s %8s\n' "ratio" "CPU-s" "steady %" "RSS" "target"
    local r label a b sa sb ra rb key target
    for r in "${RATIOS[@]}"; do
        IFS='|' read -r label a b sa sb ra rb key target <<<"$r"
        printf '%-30s %8s %11s %8s %8s\n' "$label" "$(ratio "$a" "$b")" "$(ratio "$sa" "$sb")" "$(ratio "$ra" "$rb")" "$target"
    done
    print_threads
}

write_json() {
    local id first=1 r label a b sa sb ra rb key target
    mkdir -p "$(dirname "$OUT")"
    {
        printf '{\n'
        printf '  "schema": 1,\n'
        printf '  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf '  "git_commit": %s,\n' "$(json_string "$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)")"
        printf '  "crates_uncommitted_changes": %s,\n' "$([[ -n $(git -C "$ROOT" status --porcelain -- crates 2>/dev/null) ]] && echo true || echo false)"
        printf '  "kaibo_bin": %s,\n' "$(json_string "$KAIBO_SRC")"
        printf '  "kaibo_bin_mtime": %s,\n  "kaibo_bin_sha256": %s,\n' "$(json_string "$KAIBO_MTIME")" "$(json_string "$KAIBO_SHA")"
        printf '  "seconds": %d,\n  "runs": %d,\n' "$SECS" "$RUNS"
        printf '  "host": { "cpus": %d, "cpu_model": %s, "loadavg_before": %s, "loadavg_after": %s },\n' \
            "$(nproc)" "$(json_string "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)")" \
            "$(json_string "$LOAD_BEFORE")" "$(json_string "$(cut -d' ' -f1-3 /proc/loadavg)")"
        printf '  "versions": { "gstreamer": %s, "ffmpeg": %s, "nginx": %s },\n' \
            "$(json_string "$(gst-launch-1.0 --version | awk '/GStreamer/ { print $2; exit }')")" \
            "$(json_string "$(ffmpeg -version | awk 'NR == 1 { print $3 }')")" \
            "$(json_string "$(nginx -v 2>&1 | sed 's/.*nginx\///')")"
        printf '  "cases": {\n'
        for id in $CASES; do
            ((first)) || printf ',\n'
            first=0
            printf '    "%s": {\n      "title": %s,\n      "command": %s,\n' "$id" "$(json_string "${TITLE[$id]}")" \
                "$(json_string "$(shown_command "$id")")"
            printf '      "median": { "cpu_s": %.3f, "pct_core": %.2f, "steady_pct_core": %.2f, "max_rss_mb": %.1f, "ingest_kbps": %.0f },\n' \
                "${MED_CPU[$id]}" "${MED_PCT[$id]}" "${MED_STEADY[$id]}" "$(awk -v k="${MED_RSS[$id]}" 'BEGIN { print k / 1024 }')" "${MED_KBPS[$id]}"
            printf '      "threads_steady_pct_core": { %s },\n' \
                "$(thread_medians "$id" | awk '{ printf "%s\"%s\": %s", (NR > 1 ? ", " : ""), $1, $2 }')"
            printf '      "runs": [\n'
            awk -v id="$id" '$1 == id { rows[n++] = sprintf("        { \"cpu_s\": %s, \"user_s\": %s, \"sys_s\": %s, \"max_rss_kb\": %s, \"wall_s\": %s, \"steady_pct_core\": %s, \"ingest_kbps\": %s }", $3, $4, $5, $6, $7, $8, $9) }
                END { for (i = 0; i < n; i++) printf "%s%s\n", rows[i], (i < n - 1 ? "," : "") }' "$WORK/results"
            printf '      ]\n    }'
        done
        printf '\n  },\n  "ratios": {\n'
        first=1
        for r in "${RATIOS[@]}"; do
            IFS='|' read -r label a b sa sb ra rb key target <<<"$r"
            ((first)) || printf ',\n'
            first=0
            printf '    "%s": { "cpu_s": %s, "steady_pct_core": %s, "max_rss": %s }' "$key" "$(ratio "$a" "$b")" "$(ratio "$sa" "$sb")" "$(ratio "$ra" "$rb")"
        done
        printf '\n  }\n}\n'
    } >"$OUT.tmp"
    mv "$OUT.tmp" "$OUT"
    # One line per run, for comparing over time on this machine.
    tr -d '\n' <"$OUT" | tr -s ' ' >>"$(dirname "$OUT")/history.jsonl"
    echo >>"$(dirname "$OUT")/history.jsonl"
}

# --- Main ----------------------------------------------------------------------------------

check_settings
install_traps
ensure_tools
prepare_work
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_nginx

ncases=$(wc -w <<<"$CASES")
echo "bench: $ncases case(s) x $RUNS run(s) x ${SECS}s (about $(((ncases * RUNS * (SECS + 2) + 59) / 60)) min); nginx-rtmp on 127.0.0.1:$PORT"
echo "bench: kaibo = $KAIBO_SRC (built $KAIBO_MTIME, sha256 $KAIBO_SHA); load average $LOAD_BEFORE; $(nproc) CPUs"
run_all
report
write_json
echo
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg); results in ${OUT#"$ROOT"/}"
