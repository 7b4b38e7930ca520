# Every benchmark case, by id. Sourced by run.sh, elements.sh and threads.sh (after lib.sh).
#
# Each case pushes 720p30 H.264 (x264 veryfast, zerolatency, 3000 kbps CBR, keyframe every
# 2 s) and AAC 128 kbps 48 kHz stereo as FLV to nginx-rtmp for SECS seconds.
#
#   A-F    run.sh: the engine, the references, layers and the look
#   L0-L4  elements.sh: the gst-launch reference with the engine's elements added one by one
#   K, K2  elements.sh: the engine (KAIBO_BIN, and KAIBO_BIN2 to compare two builds)

declare -A TITLE=(
    [A]="engine, 720p30 test pattern, no layers"
    [B]="gst-launch-1.0 reference"
    [C]="ffmpeg reference"
    [D]="engine, 5 static layers"
    [E]="engine, 5 static layers + look warm-studio"
    [F]="ffmpeg, smptebars as is (not the same work)"
    [L0]="gst-launch reference (= case B)"
    [L1]="L0 + queue before x264 (encoder-queue)"
    [L2]="L1 + compositor (camera pad 1280x720)"
    [L3]="L2 + overlaycomposition (nothing to draw)"
    [L4]="L3 + tees and leaky output queues"
    [K]="kaibo live, no layers (= case A)"
    [K2]="K with KAIBO_BIN2"
)
declare -A SHOW=([A]=no-layers.json [D]=five-layers.json [E]=five-layers-look.json [K]=no-layers.json [K2]=no-layers.json)

# F sends a still picture without CBR filler: a few kbps is all it has to send.
MIN_KBPS[F]=0

# The engine's settings, by hand (crates/engine/src/program.rs and outputs.rs).
RAW=video/x-raw,format=I420,width=1280,height=720,framerate=30/1
X264=(x264enc tune=zerolatency speed-preset=veryfast bitrate=3000 key-int-max=60
    'option-string="scenecut=0:nal-hrd=cbr:force-cfr=1"' ! video/x-h264,profile=high ! h264parse config-interval=-1)
AUDIO=(audiotestsrc is-live=true wave=silence ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2
    ! avenc_aac bitrate=128000 ! aacparse)
ENCODER_QUEUE=(queue max-size-time=1000000000 max-size-buffers=0 max-size-bytes=0)
LEAKY_QUEUE=(queue leaky=downstream max-size-time=2000000000 max-size-buffers=0 max-size-bytes=0)
COMPOSITOR=(compositor background=black sink_0::xpos=0 sink_0::ypos=0 sink_0::width=1280 sink_0::height=720 ! "$RAW")

# The command of case $1 pushing to URL $2, in the array CMD.
case_command() {
    local id=$1 url=$2 mid=() video=() bin=$WORK/kaibo
    case $id in
        A | D | E | K | K2)
            # K2 runs the second binary (prepare_work copies it to $WORK/kaibo2).
            [[ $id != K2 ]] || bin=$WORK/kaibo2
            CMD=("$bin" live "$BENCH/shows/${SHOW[$id]}" --to "$url" --no-record --duration "$SECS")
            ;;
        B | L0 | L1 | L2 | L3 | L4)
            # SIGINT with -e sends EOS, like the engine's clean stop; -k kills it if EOS hangs.
            case $id in
                L1) mid=(! "${ENCODER_QUEUE[@]}") ;;
                L2) mid=(! "${COMPOSITOR[@]}" ! "${ENCODER_QUEUE[@]}") ;;
                L3 | L4) mid=(! "${COMPOSITOR[@]}" ! overlaycomposition ! "${ENCODER_QUEUE[@]}") ;;
            esac
            video=(videotestsrc is-live=true pattern=smpte ! "$RAW" "${mid[@]}" ! "${X264[@]}")
            if [[ $id == L4 ]]; then
                CMD=(timeout -s INT -k 10 "$SECS" gst-launch-1.0 -e -q
                    "${video[@]}" ! tee name=vt allow-not-linked=true ! "${LEAKY_QUEUE[@]}" ! m.video
                    "${AUDIO[@]}" ! tee name=at allow-not-linked=true ! "${LEAKY_QUEUE[@]}" ! m.audio
                    flvmux streamable=true name=m ! rtmp2sink async=false "location=$url")
            else
                CMD=(timeout -s INT -k 10 "$SECS" gst-launch-1.0 -e -q
                    "${video[@]}" ! flvmux streamable=true name=m ! rtmp2sink "location=$url"
                    "${AUDIO[@]}" ! m.)
            fi
            ;;
        C | F)
            # GStreamer's smpte pattern redraws random luma noise in its bottom-right 320x180
            # every frame (gst_video_test_src_smpte in videotestsrc), and that is most of what
            # x264 spends its bits and time on. ffmpeg's smptebars has no noise: it is a still
            # picture that x264 codes as skipped blocks at a few kbps (case F shows it). Case C
            # overlays the same kind of luma noise there and asks x264 for the engine's CBR
            # filler (nal-hrd=cbr), so that it does the same work as A and B.
            local source=smptebars=size=1280x720:rate=30 cbr=()
            if [[ $id == C ]]; then
                source="smptebars=size=1280x720:rate=30[bars];color=c=gray:size=320x180:rate=30,noise=c0s=100:c0f=t+u[noise];[bars][noise]overlay=960:540:shortest=1[out0]"
                cbr=(-x264-params "nal-hrd=cbr:force-cfr=1")
            fi
            CMD=(ffmpeg -nostdin -hide_banner -loglevel error
                -re -f lavfi -i "$source"
                -f lavfi -i anullsrc=r=48000:cl=stereo
                -t "$SECS"
                -c:v libx264 -preset veryfast -tune zerolatency
                -b:v 3000k -maxrate 3000k -bufsize 1800k -g 60 -keyint_min 60 -sc_threshold 0
                "${cbr[@]}"
                -pix_fmt yuv420p
                -c:a aac -b:a 128k
                -f flv "$url")
            ;;
    esac
}

# Exit codes that mean "ran to the end": timeout gives 124 once it sent SIGINT.
ok_exit() {
    case $1 in
        B | L?) [[ $2 == 0 || $2 == 124 ]] ;;
        *) [[ $2 == 0 ]] ;;
    esac
}

# The same command for display: no temporary paths, no port.
shown_command() { # $1: case id (its first run's command)
    sed "s#$WORK/kaibo2#kaibo2#; s#$WORK/kaibo#kaibo#; s#$BENCH/#bench/#; s#127.0.0.1:$PORT#127.0.0.1:PORT#" "$WORK/bench-$1-1.cmd"
}
