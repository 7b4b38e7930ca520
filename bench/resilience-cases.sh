# The cases of bench/resilience.sh, sourced after cases.sh: the engine pushing the same
# program to 1 and to 3 destinations (one shared encode), for the CPU cost of multistreaming.
#   M1  kaibo live no-layers.json --to URL
#   M3  the same with --to URL-2 --to URL-3 as well (same nginx, other stream keys)
#   D5  M1 with a 5 s broadcast delay (--delay 5): the cost of holding the program back

TITLE[M1]="engine, no layers, 1 destination"
TITLE[M3]="engine, no layers, 3 destinations"
TITLE[D5]="engine, no layers, 1 destination, 5 s delay"

eval "base_$(declare -f case_command)"
case_command() {
    local id=$1 url=$2
    case $id in
        M1) CMD=("$WORK/kaibo" live "$BENCH/shows/no-layers.json" --to "$url" --no-record --duration "$SECS") ;;
        M3) CMD=("$WORK/kaibo" live "$BENCH/shows/no-layers.json" --to "$url" --to "$url-2" --to "$url-3"
            --no-record --duration "$SECS") ;;
        D5) CMD=("$WORK/kaibo" live "$BENCH/shows/no-layers.json" --to "$url" --delay 5 --no-record --duration "$SECS") ;;
        *) base_case_command "$@" ;;
    esac
}
