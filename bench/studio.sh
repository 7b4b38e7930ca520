#!/usr/bin/env bash
# Issue 5's performance figures for the studio (see bench/README.md, "The studio"):
#   desktop  memory of the desktop app's whole process tree (kaibo-studio + WebKit) under Xvfb:
#            idle with the UI rendered, then live at 720p with the preview on (Go Live clicked
#            in the window with xdotool);
#   fps      chat panel frames per second in headless Chromium, 0 and 1,000 messages/s;
#   golive   Go Live clicked in the browser UI (+ confirm) -> first frame at the ingest;
#   preview  how far the UI's preview <img> lags the program (look switched to black);
#   memory   `kaibo serve` + the headless Chromium viewing it, live with the preview on.
#
#   bench/studio.sh                                 # about 2 minutes
#   STUDIO_PARTS="fps" FPS_RATES=1000 bench/studio.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SECS=${BENCH_SECONDS:-20}
RUNS=1
CASES=""
KAIBO_SRC=${KAIBO_BIN:-$ROOT/target/debug/kaibo}
STUDIO_SRC=${KAIBO_STUDIO_BIN:-$ROOT/target/debug/kaibo-studio}
PARTS=${STUDIO_PARTS:-desktop fps golive preview memory}
LATENCY_SRC=${LATENCY_BIN:-}
OUT=${BENCH_OUT:-$BENCH/results/studio-latest.txt}
LIVE_SETTLE=${DESKTOP_SETTLE:-10}

# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
# shellcheck source=bench/cases.sh
source "$BENCH/cases.sh"

install_traps
ensure_tools
for p in node xvfb-run xdotool import python3 keyctl; do
    command -v "$p" >/dev/null || die "$p is missing (apt-get install nodejs xvfb xdotool imagemagick python3 keyutils)"
done
[[ -x $STUDIO_SRC ]] || die "$STUDIO_SRC is missing: run 'cargo build --workspace --bins'"
[[ -e $ROOT/tests/ui/node_modules/playwright-core/index.mjs ]] || die "playwright-core is missing: (cd tests/ui && npm ci)"
if [[ -z $LATENCY_SRC ]]; then
    echo "bench: building crates/engine/examples/latency.rs"
    (cd "$ROOT" && cargo build -q -p engine --example latency)
    LATENCY_SRC=$ROOT/target/debug/examples/latency
fi
prepare_work
cp "$LATENCY_SRC" "$WORK/latency"
cp "$STUDIO_SRC" "$WORK/kaibo-studio"
start_nginx
echo "bench: nginx-rtmp on 127.0.0.1:$PORT; kaibo = $KAIBO_SRC (built $KAIBO_MTIME, sha256 $KAIBO_SHA)"
echo "bench: kaibo-studio = $STUDIO_SRC (built $(date -u -r "$STUDIO_SRC" +%Y-%m-%dT%H:%M:%SZ), sha256 $(sha256sum "$WORK/kaibo-studio" | cut -c1-12))"
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"

# The demo show, with absolute asset paths, two extra looks for the preview marker
# ("blackout": brightness -1; "neutral") and, for the desktop run, a destination to our nginx.
make_show() { # $1: output, $2: destination URL or ""
    python3 - "$ROOT/assets/shows/demo.json" "$1" "$2" <<'EOF'
import json, os, sys
src, out, dest = sys.argv[1:4]
base = os.path.dirname(src)
show = json.load(open(src))
fix = lambda p: p if os.path.isabs(p) else os.path.join(base, p)
if show.get("logo"): show["logo"] = fix(show["logo"])
if show.get("safe_slate", {}).get("image"): show["safe_slate"]["image"] = fix(show["safe_slate"]["image"])
for scene in show["scenes"]:
    for layer in scene["layers"]:
        if "path" in layer: layer["path"] = fix(layer["path"])
for product in show.get("products", []):
    if product.get("image"): product["image"] = fix(product["image"])
show["looks"] += [{"id": "blackout", "name": "Blackout", "brightness": -1.0}, {"id": "neutral", "name": "Neutral"}]
if dest:
    show["destinations"] = [{"id": "nginx", "platform": "custom", "url": dest}]
json.dump(show, open(out, "w"), ensure_ascii=False, indent=1)
EOF
    "$WORK/kaibo" check "$1" >"$1.check" 2>&1 || { cat "$1.check" >&2; die "the bench show $1 has problems"; }
}
make_show "$WORK/show.json" ""

# RSS and PSS (kB) of the process tree under $1: "rss pss processes".
tree_mem() {
    local p rss pss total_rss=0 total_pss=0 n=0
    for p in $1 $(descendants "$1"); do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
        [[ -n $rss ]] || continue
        pss=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo "$rss")
        total_rss=$((total_rss + rss)); total_pss=$((total_pss + ${pss:-$rss})); n=$((n + 1))
    done
    echo "$total_rss $total_pss $n"
}
# One line per process of the tree under $1: "name rss_MB".
tree_detail() {
    local p
    for p in $1 $(descendants "$1"); do
        awk '/^Name:/ { n = $2 } /^VmRSS:/ { r = $2 } END { if (r) printf "%s %.0f MB, ", n, r / 1024 }' "/proc/$p/status" 2>/dev/null || true
    done
}

# --- 1a. The desktop app under Xvfb ------------------------------------------------------------
# Runs inside xvfb-run: starts the app, waits for the UI, measures idle, clicks Go Live and the
# confirmation (positions found from the window's own layout, see README), waits for the first
# frame at nginx, lets it settle, measures live.
desktop_inner() {
    local app t status idle live ok=0 i
    cd "$WORK"
    mkdir -p "$WORK/home"
    HOME=$WORK/home WEBKIT_DISABLE_COMPOSITING_MODE=1 NO_AT_BRIDGE=1 KAIBO_KEYRING=keyutils \
        "$WORK/kaibo-studio" "$WORK/desktop-show.json" >"$WORK/desktop.log" 2>&1 &
    app=$!
    echo "$app" >"$WORK/desktop.pid"
    # The window is up when xdotool finds it; the UI is rendered a few seconds later.
    for ((i = 0; i < 100; i++)); do
        xdotool search --name "Kaibo Studio" >/dev/null 2>&1 && break
        sleep 0.2
    done
    sleep 8
    import -window root "$WORK/desktop-idle.png"
    idle=$(tree_mem "$app")
    echo "idle $idle $(tree_detail "$app")" >>"$WORK/desktop.mem"
    # Go Live: the button at the top right of the 1440x900 window, then the dialog's confirm.
    "$WORK/latency" first-frame "rtmp://127.0.0.1:$PORT/live/desktop" 30 >"$WORK/desktop.first" 2>"$WORK/desktop.reader" &
    local reader=$!
    sleep 1.5
    local win
    win=$(xdotool search --name "Kaibo Studio" | head -1)
    xdotool windowactivate --sync "$win" 2>/dev/null || true
    xdotool mousemove --window "$win" "$GOLIVE_X" "$GOLIVE_Y" click 1
    sleep 1
    import -window root "$WORK/desktop-confirm.png"
    xdotool mousemove --window "$win" "$CONFIRM_X" "$CONFIRM_Y" click 1
    if wait "$reader"; then ok=1; fi
    sleep "$LIVE_SETTLE"
    import -window root "$WORK/desktop-live.png"
    live=$(tree_mem "$app")
    echo "live $live $(tree_detail "$app") ok=$ok" >>"$WORK/desktop.mem"
    kill "$app" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$app" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$app" 2>/dev/null || true
}

part_desktop() {
    echo
    echo "1a. Desktop app (kaibo-studio under Xvfb), process tree RSS / PSS"
    make_show "$WORK/desktop-show.json" "rtmp://127.0.0.1:$PORT/live/desktop"
    : >"$WORK/desktop.mem"
    export WORK PORT LIVE_SETTLE GOLIVE_X GOLIVE_Y CONFIRM_X CONFIRM_Y
    # xvfb-run is a sh script, which drops exported bash functions: hand them over in a file.
    { declare -f desktop_inner tree_mem tree_detail descendants; echo desktop_inner; } >"$WORK/desktop.sh"
    # In the background, as the case under measurement: cleanup stops it (and the app) on Ctrl-C.
    xvfb-run -a -s "-screen 0 1600x1000x24" bash "$WORK/desktop.sh" &
    CASE_PID=$!
    wait "$CASE_PID" || true
    CASE_PID=""
    local state rss pss n rest
    while read -r state rss pss n rest; do
        printf '  %-5s %7.1f MB RSS %7.1f MB PSS  %s processes: %s\n' "$state" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
            "$(awk -v k="$pss" 'BEGIN { print k / 1024 }')" "$n" "$rest"
        echo "RESULT desktop_$state $(awk -v r="$rss" -v p="$pss" 'BEGIN { printf "%.1f %.1f", r / 1024, p / 1024 }')" >>"$WORK/results"
    done <"$WORK/desktop.mem"
    if [[ -s $WORK/desktop.first ]]; then
        echo "  live: the first frame reached nginx (Go Live clicked in the window); screenshots in $WORK"
    else
        echo "  NOT LIVE: no frame reached nginx after the clicks (see $WORK/desktop-confirm.png, desktop.log)"
        KEEP=1
    fi
}

# Where Go Live and the confirmation are, in window coordinates (1440x900, the defaults of
# tauri.conf.json); measured on a screenshot of the window.
GOLIVE_X=${GOLIVE_X:-1380}
GOLIVE_Y=${GOLIVE_Y:-28}
CONFIRM_X=${CONFIRM_X:-757}
CONFIRM_Y=${CONFIRM_Y:-473}

mkdir -p "$(dirname "$OUT")"
exec > >(tee "$OUT.tmp")
for part in $PARTS; do
    case $part in
        desktop) part_desktop ;;
        fps | golive | preview | memory) ;;
        *) die "STUDIO_PARTS: unknown part '$part' (desktop fps golive preview memory)" ;;
    esac
done
browser_parts=""
for part in $PARTS; do [[ $part == desktop ]] || browser_parts+=" $part"; done
if [[ -n $browser_parts ]]; then
    echo
    echo "Headless Chromium against kaibo serve (parts:$browser_parts)"
    WORK=$WORK NGINX_PORT=$PORT SHOW=$WORK/show.json KAIBO_BIN=$WORK/kaibo LATENCY_BIN=$WORK/latency \
        PARTS=$browser_parts node "$BENCH/studio/studio.mjs" | tee -a "$WORK/node.out" | grep -v '^RESULT'
    grep '^RESULT' "$WORK/node.out" >>"$WORK/results" || true
fi
echo
echo "Figures:"
sed 's/^RESULT /  /' "$WORK/results"
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$OUT.tmp" "$OUT"
echo "bench: written to ${OUT#"$ROOT"/}"
