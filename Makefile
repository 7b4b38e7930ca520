# Kaibo Studio: `make run` and `make test` on a fresh Debian 12 machine.
SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: GStreamer (build + runtime), fonts for CJK and emoji text, and the
# tools the end-to-end tests use (nginx-rtmp ingest, ffmpeg/ffprobe, zbarimg).
APT_BUILD := build-essential pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
	libgstreamer-plugins-bad1.0-dev libcairo2-dev libpango1.0-dev libwebkit2gtk-4.1-dev libdbus-1-dev
APT_RUNTIME := gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
	gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools fonts-noto-cjk fonts-noto-color-emoji
APT_TEST := nginx libnginx-mod-rtmp ffmpeg zbar-tools srt-tools python3-venv
# The studio UI in a real browser (chromium), the desktop window under Xvfb (screenshot with
# ImageMagick's import) and the vault round-trips (keyutils, Secret Service).
APT_UI_TEST := chromium keyutils gnome-keyring dbus xvfb xauth imagemagick
APT_ALL := $(APT_BUILD) $(APT_RUNTIME) $(APT_TEST) $(APT_UI_TEST)

SHOW ?= assets/shows/demo.json

.PHONY: all deps ui obs-clients build run test bench clean
all: build

# Installs only what is missing, so a second run costs nothing.
deps:
	@missing=$$(for p in $(APT_ALL); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from https://rustup.rs"; exit 1; }
	@command -v npm >/dev/null || { echo "Node.js 20+ and npm are missing: the studio UI is built with them"; exit 1; }

# The web UI (ui/dist), served by `kaibo serve`; built before cargo so every step finds it.
ui: deps
	npm --prefix ui ci --no-audit --no-fund
	npm --prefix ui run build

build: deps ui
	$(CARGO) build --workspace --bins

# The desktop window on the demo show when there is a display; otherwise the same studio
# headless (`kaibo serve`), with its web UI at the URL it prints. Ctrl-C ends it cleanly.
run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(CARGO) run -q -p kaibo-studio --bin kaibo-studio -- $(SHOW); \
	else \
		echo "no display: running the studio headless (kaibo serve)"; \
		$(CARGO) run -q -p studio --bin kaibo -- serve $(SHOW); \
	fi

# The end-to-end tests each run real encodes, ingests and pulls: one test at a time, so a
# 2-core machine measures the studio and not its own overload. One cargo invocation for the
# whole workspace, so features unify once and nothing is built twice.
# The obs-websocket client libraries the compatibility tests drive Kaibo with (pinned).
OBS_CLIENTS := target/obs-clients
obs-clients: deps
	@[ -x $(OBS_CLIENTS)/venv/bin/python ] || python3 -m venv $(OBS_CLIENTS)/venv
	@cmp -s tests/obs/requirements.txt $(OBS_CLIENTS)/installed.txt || { \
		$(OBS_CLIENTS)/venv/bin/pip install -q --disable-pip-version-check -r tests/obs/requirements.txt && \
		cp tests/obs/requirements.txt $(OBS_CLIENTS)/installed.txt; }
	npm --prefix tests/obs ci --no-audit --no-fund

test: deps ui obs-clients
	npm --prefix ui test
	$(CARGO) build --workspace --bins --tests
	$(CARGO) test --workspace --no-fail-fast -- --test-threads=1
	npm --prefix tests/ui ci --no-audit --no-fund
	npm --prefix tests/ui test

bench: build
	bench/run.sh

clean:
	$(CARGO) clean
