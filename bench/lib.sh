# Shared by bench/run.sh and bench/elements.sh: tools, a private nginx-rtmp on loopback, and
# measuring one run of a command that pushes to it. Sourced, not run.
#
# The sourcing script sets SECS (seconds per run), RUNS, CASES and KAIBO_SRC, then sources
# cases.sh, which defines:
#   TITLE[id]                  what case `id` is
#   case_command ID URL        sets the array CMD: the command pushing to URL for SECS seconds
#   ok_exit ID STATUS          true when STATUS means the command ran to its end
#   MIN_KBPS[id]               the least ingest bitrate that counts as streaming (default 1200)

declare -A MIN_KBPS=()

# The copies of kaibo run from a temporary folder, so they find the web UI and the bundled
# shows through the share folder that `make share` lays out (docs/packaging.md).
export KAIBO_SHARE_DIR=${KAIBO_SHARE_DIR:-$ROOT/target/share/kaibo}
[[ -e $KAIBO_SHARE_DIR/ui ]] || make -s -C "$ROOT" share

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

check_settings() {
    [[ $SECS =~ ^[0-9]+$ ]] && ((SECS >= 4)) || die "BENCH_SECONDS must be a whole number >= 4, got '$SECS'"
    [[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 1)) || die "BENCH_RUNS must be a whole number >= 1, got '$RUNS'"
    local c
    for c in $CASES; do
        [[ -n ${TITLE[$c]:-} ]] || die "BENCH_CASES: unknown case '$c' (cases are ${!TITLE[*]})"
    done
}

# --- Tools ---------------------------------------------------------------------------------

# Installs what is missing, like the Makefile's deps target (sudo when not root).
APT_BENCH=(nginx libnginx-mod-rtmp ffmpeg time procps gstreamer1.0-tools gstreamer1.0-plugins-base
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav)
ensure_tools() {
    local missing=() p sudo=""
    if command -v dpkg-query >/dev/null; then
        for p in "${APT_BENCH[@]}"; do
            dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
        done
        if ((${#missing[@]})); then
            [[ $(id -u) == 0 ]] || sudo=sudo
            echo "bench: installing ${missing[*]}"
            $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
        fi
    fi
    for p in nginx ffmpeg ffprobe gst-launch-1.0 gst-inspect-1.0 timeout pgrep; do
        command -v "$p" >/dev/null || die "$p is missing"
    done
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
    for p in videotestsrc x264enc h264parse flvmux rtmp2sink audiotestsrc avenc_aac aacparse compositor overlaycomposition; do
        gst-inspect-1.0 --exists "$p" || die "GStreamer element $p is missing"
    done
    RTMP_MODULE=""
    for p in /usr/lib/nginx/modules/ngx_rtmp_module.so /usr/share/nginx/modules/ngx_rtmp_module.so; do
        [[ -e $p ]] && RTMP_MODULE=$p && break
    done
    [[ -n $RTMP_MODULE ]] || die "the nginx RTMP module is missing: apt-get install libnginx-mod-rtmp"
    [[ -x $KAIBO_SRC ]] || die "$KAIBO_SRC is missing: run 'cargo build --release --workspace --bins' (make bench does)"
}

# A private work folder, with a copy of kaibo: cargo replaces target/*/kaibo when someone
# rebuilds, and a run must not change binaries halfway.
prepare_work() {
    HZ=$(getconf CLK_TCK)
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/kaibo-bench.XXXXXX")
    cp "$KAIBO_SRC" "$WORK/kaibo"
    KAIBO_MTIME=$(date -u -r "$KAIBO_SRC" +%Y-%m-%dT%H:%M:%SZ)
    KAIBO_SHA=$(sha256sum "$WORK/kaibo" | cut -c1-12)
    if [[ " $CASES " == *" K2 "* ]]; then
        [[ -x ${KAIBO_BIN2:-} ]] || die "case K2 needs KAIBO_BIN2: another kaibo binary to compare with"
        cp "$KAIBO_BIN2" "$WORK/kaibo2"
        echo "bench: K2 = $KAIBO_BIN2 (sha256 $(sha256sum "$WORK/kaibo2" | cut -c1-12))"
    fi
    : >"$WORK/results"
}

# --- nginx-rtmp on loopback ----------------------------------------------------------------

WORK=""
NGINX_PID=""
CASE_PID=""
PROBE_PID=""
KEEP=${BENCH_KEEP:-0}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local p pids i
    # The case under time (and timeout), deepest first, then the probe: ours, by pid. What
    # has not ended 2 s after SIGTERM (kaibo drains its outputs for up to 10 s) is killed.
    pids="$(descendants "$CASE_PID") $CASE_PID $PROBE_PID"
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    for ((i = 0; i < 20; i++)); do
        any_alive $pids || break
        sleep 0.1
    done
    for p in $pids; do
        kill -KILL "$p" 2>/dev/null || true
    done
    if [[ -n $NGINX_PID ]]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    if [[ -n $WORK ]]; then
        if [[ $KEEP == 1 || $status != 0 ]]; then
            echo "bench: logs kept in $WORK" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$status"
}

install_traps() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

any_alive() {
    local p
    for p in "$@"; do
        kill -0 "$p" 2>/dev/null && return 0
    done
    return 1
}

# The pids under $1, deepest first.
descendants() {
    local c
    [[ -n $1 ]] || return 0
    for c in $(pgrep -P "$1"); do
        descendants "$c"
        echo "$c"
    done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts nginx with the RTMP module on a free loopback port (PORT) from a config in WORK.
# Its access log gets one line per publish, with the bytes received, when the publisher leaves.
start_nginx() {
    local attempt port conf deadline
    for attempt in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" && continue
        mkdir -p "$WORK/nginx/logs"
        conf=$WORK/nginx/nginx.conf
        cat >"$conf" <<EOF
load_module $RTMP_MODULE;
daemon off;
master_process off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log info;
events { worker_connections 256; }
rtmp {
    access_log $WORK/nginx/logs/access.log;
    server {
        listen 127.0.0.1:$port;
        chunk_size 4096;
        application live { live on; record off; }
    }
}
EOF
        : >"$WORK/nginx/logs/error.log"
        nginx -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$conf" >/dev/null 2>&1 &
        NGINX_PID=$!
        deadline=$((SECONDS + 10))
        while ! port_in_use "$port"; do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            ((SECONDS < deadline)) || die "nginx did not listen on 127.0.0.1:$port"
            sleep 0.05
        done
        # Someone else may have taken the port in between: then ours failed to bind.
        if kill -0 "$NGINX_PID" 2>/dev/null && ! grep -q 'bind() to .* failed' "$WORK/nginx/logs/error.log"; then
            PORT=$port
            return
        fi
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=""
    done
    die "could not start nginx on a free loopback port (see $WORK/nginx/logs/error.log)"
}

# Bytes nginx received from the publisher of stream $1, from its access log line:
#   127.0.0.1 [25/Nov/2026:13:15:28 +0000] PUBLISH "live" "NAME" "" - BYTES_IN BYTES_OUT ...
published_bytes() {
    awk -v name="\"$1\"" '$4 == "PUBLISH" && $6 == name { print $9 }' "$WORK/nginx/logs/access.log" 2>/dev/null | tail -1
}

# --- Measuring -----------------------------------------------------------------------------

# The deepest descendant of $1 (kaibo, gst-launch-1.0 or ffmpeg under time and timeout).
leaf_pid() {
    local p=$1 c
    while c=$(pgrep -P "$p" | head -1) && [[ -n $c ]]; do p=$c; done
    echo "$p"
}

# utime+stime of process $1 in clock ticks (all its threads).
proc_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # After "pid (comm) ", field 3 (the state) comes first; utime and stime are fields 14, 15.
    awk '{ print $12 + $13 }' <<<"$stat"
}

# One line per thread of process $1: "tid name ticks" (utime+stime in clock ticks). Thread
# names are GStreamer's streaming threads ("camera:src", "compositor:src", ...); threads a
# library starts (x264's) take the name of the thread that started them.
task_ticks() {
    local f
    for f in /proc/"$1"/task/*/stat; do
        cat "$f" 2>/dev/null || true
    done | awk '{
        open_at = index($0, "("); close_at = 0
        for (k = length($0); k > 0; k--) if (substr($0, k, 1) == ")") { close_at = k; break }
        name = substr($0, open_at + 1, close_at - open_at - 1); gsub(/ /, "_", name)
        split(substr($0, close_at + 2), f, " ")
        print $1, name, f[12] + f[13]
    }'
}

now() { date +%s.%N; }
sleep_until() { # $1: a start time, $2: seconds after it
    local left
    left=$(awk -v s="$1" -v d="$2" -v n="$(now)" 'BEGIN { l = s + d - n; print (l > 0 ? l : 0) }')
    # In the background, so that Ctrl-C and SIGTERM are handled at once, not after the sleep.
    sleep "$left" &
    wait $!
}

# One run of case $1 (run number $2), checked: it exited as expected, ffprobe found H.264 and
# AAC at the ingest, and nginx received a plausible number of bytes. Appends to $WORK/results:
#   case run cpu_s user_s sys_s maxrss_kb wall_s steady_pct ingest_kbps
# cpu_s/user_s/sys_s/maxrss_kb/wall_s are GNU time's, for the whole process tree. steady_pct
# is the % of one core the measured process used mid-run (from /proc/PID/stat, between a
# fifth of the run and 1.5 s before its end): startup, drawing layers and EOS excluded.
run_case() {
    local id=$1 run=$2 key url log timefile probefile start t0 t1 ticks0 ticks1 leaf rc=0
    local probe_at steady_from steady_to
    key="bench-$id-$run"
    url="rtmp://127.0.0.1:$PORT/live/$key"
    log=$WORK/$key.log
    timefile=$WORK/$key.time
    probefile=$WORK/$key.probe
    case_command "$id" "$url"
    printf '%s\n' "${CMD[*]}" >"$WORK/$key.cmd"

    steady_from=$(awk -v s="$SECS" 'BEGIN { v = s / 5; print (v < 1 ? 1 : v) }')
    steady_to=$(awk -v s="$SECS" 'BEGIN { print s - 1.5 }')
    probe_at=$(awk -v s="$SECS" 'BEGIN { print s * 0.3 }')

    printf '  run %d/%d  %-3s %-46s ' "$run" "$RUNS" "$id" "${TITLE[$id]}"
    start=$(now)
    /usr/bin/time -f '%U %S %M %e' -o "$timefile" "${CMD[@]}" >"$log" 2>&1 &
    CASE_PID=$!

    sleep_until "$start" "$steady_from"
    leaf=$(leaf_pid "$CASE_PID")
    t0=$(now)
    ticks0=$(proc_ticks "$leaf" || echo "")
    task_ticks "$leaf" >"$WORK/$key.tasks0"

    sleep_until "$start" "$probe_at"
    # Did it stream? Ask the ingest for the codecs, as a player would. nginx starts a new
    # player's video at a keyframe (every 2 s), hence the 3 s of analysis.
    timeout 10 ffprobe -v error -rw_timeout 5000000 -analyzeduration 3000000 -show_entries stream=codec_name \
        -of csv=p=0 "$url" >"$probefile" 2>&1 &
    PROBE_PID=$!

    sleep_until "$start" "$steady_to"
    t1=$(now)
    ticks1=$(proc_ticks "$leaf" || echo "")
    task_ticks "$leaf" >"$WORK/$key.tasks1"
    echo "$t0 $t1" >"$WORK/$key.window"

    wait "$CASE_PID" || rc=$?
    CASE_PID=""
    wait "$PROBE_PID" || true
    PROBE_PID=""

    if ! ok_exit "$id" "$rc"; then
        echo "FAILED"
        echo "--- $log (last lines)" >&2
        tail -20 "$log" >&2
        die "case $id (${TITLE[$id]}) exited with status $rc; its command is in $WORK/$key.cmd"
    fi
    if ! grep -qx 'h264' "$probefile" || ! grep -qx 'aac' "$probefile"; then
        echo "FAILED"
        echo "--- ffprobe of $url:" >&2
        cat "$probefile" >&2
        echo "--- $log (last lines)" >&2
        tail -20 "$log" >&2
        die "case $id (${TITLE[$id]}) did not stream: ffprobe found no H.264 + AAC stream at the ingest ${probe_at}s into the run"
    fi
    local bytes="" deadline=$((SECONDS + 5)) min_kbps=${MIN_KBPS[$id]:-1200}
    while [[ -z $bytes ]] && ((SECONDS < deadline)); do
        bytes=$(published_bytes "$key")
        [[ -n $bytes ]] || sleep 0.1
    done
    [[ -n $bytes ]] || die "case $id (${TITLE[$id]}) did not stream: nginx logged no publish of stream $key"
    if ((bytes * 8 / 1000 / SECS < min_kbps)); then
        echo "FAILED"
        die "case $id (${TITLE[$id]}) did not stream: nginx received $bytes bytes in ${SECS}s ($((bytes * 8 / 1000 / SECS)) kbps; expected at least $min_kbps)"
    fi

    awk -v id="$id" -v run="$run" -v t="$(tail -1 "$timefile")" -v bytes="$bytes" -v secs="$SECS" \
        -v k0="$ticks0" -v k1="$ticks1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" 'BEGIN {
        split(t, f, " ")
        steady = (k0 != "" && k1 != "" && t1 > t0) ? (k1 - k0) / hz / (t1 - t0) * 100 : -1
        printf "%s %d %.2f %.2f %.2f %d %.2f %.1f %.0f\n", id, run, f[1] + f[2], f[1], f[2], f[3], f[4], steady, bytes * 8 / 1000 / secs
    }' >>"$WORK/results"
    awk -v id="$id" -v run="$run" '$1 == id && $2 == run {
        printf "cpu %6.2f s  steady %5.1f%%  rss %5.1f MB  %5.0f kbps\n", $3, $8, $6 / 1024, $9 }' "$WORK/results"
}

# Runs every case of CASES RUNS times, interleaved, rotating the order each round so that no
# case always follows the same one.
run_all() {
    local run id shift_by order
    for ((run = 1; run <= RUNS; run++)); do
        read -r -a order <<<"$CASES"
        shift_by=$(((run - 1) % ${#order[@]}))
        order=("${order[@]:shift_by}" "${order[@]:0:shift_by}")
        for id in "${order[@]}"; do
            run_case "$id" "$run"
        done
    done
}

# --- Statistics ----------------------------------------------------------------------------

# The median of column $2 of the results for case $1 (nothing when the case did not run).
# Column 10 is computed: % of one core over the whole run (cpu_s / wall_s).
median() {
    awk -v id="$1" -v col="$2" '$1 == id { v[n++] = (col == 10 ? $3 / $7 * 100 : $col) } END {
        if (n == 0) exit
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        printf "%.4f\n", (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
    }' "$WORK/results"
}

# Mid-run CPU of each thread name of case $1, as % of one core, median over its runs, busiest
# first: "name pct" lines.
thread_medians() {
    local id=$1 key run
    for ((run = 1; run <= RUNS; run++)); do
        key="bench-$id-$run"
        [[ -s $WORK/$key.tasks1 ]] || continue
        awk -v hz="$HZ" -v run="$run" -v window="$(cat "$WORK/$key.window")" '
            BEGIN { split(window, w, " "); secs = w[2] - w[1] }
            FNR == NR { before[$1] = $3; next }
            { used[$2] += $3 - ($1 in before ? before[$1] : 0) }
            END { for (name in used) printf "%s %s %.2f\n", run, name, used[name] / hz / secs * 100 }
        ' "$WORK/$key.tasks0" "$WORK/$key.tasks1"
    done | awk -v runs="$RUNS" '
        { v[$2, ++n[$2]] = $3 }
        END {
            for (name in n) {
                # Runs where the thread did not exist count as 0.
                for (i = n[name] + 1; i <= runs; i++) v[name, i] = 0
                for (i = 1; i <= runs; i++) for (j = i + 1; j <= runs; j++)
                    if (v[name, j] < v[name, i]) { t = v[name, i]; v[name, i] = v[name, j]; v[name, j] = t }
                m = (runs % 2) ? v[name, int(runs / 2) + 1] : (v[name, runs / 2] + v[name, runs / 2 + 1]) / 2
                printf "%s %.2f\n", name, m
            }
        }' | sort -k2,2 -rn
}

# thread_medians of case $1 on one line (wrapped), threads under 0.05% left out.
thread_line() {
    thread_medians "$1" | awk -v id="$1" '
        BEGIN { line = sprintf("%-3s", id) }
        $2 >= 0.05 {
            item = sprintf("%s %.1f", $1, $2)
            if (length(line) + length(item) > 98) { print line ","; line = "   " }
            else if (n++) line = line ","
            line = line " " item
        }
        END { print line }'
}

ratio() { # $1 / $2 to 3 decimals, or "null"
    if [[ -n $1 && -n $2 ]]; then awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "null" }'; else echo null; fi
}

json_string() { # a JSON string literal of $1
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/ }
    s=${s//$'\n'/ }
    printf '"%s"' "$s"
}
