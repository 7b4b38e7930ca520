# Kaibo Studio: `make run`, `make dev`, `make test` and `make package` on a fresh Debian 12 machine.
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

# cargo-deb makes the .deb (docs/packaging.md says why it and not Tauri's bundler): pinned,
# installed once into target/tools by `make package` and `make test`.
CARGO_DEB_VERSION := 3.8.0
CARGO_DEB := target/tools/bin/cargo-deb

.PHONY: all deps ui obs-clients build build-dev share run dev test bench package cargo-deb clean
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

# The release build (what `make run`, `make bench` and `make package` use).
build: deps ui share
	$(CARGO) build --release --workspace --bins

# The debug build (what `make dev` and `make test` use).
build-dev: deps ui
	$(CARGO) build --workspace --bins

# target/share/kaibo: the share folder laid out as installed (ui/, shows/, looks/, the
# schema), as links into the sources, so target/release/kaibo finds it beside its bin/ as
# /usr/bin/kaibo finds /usr/share/kaibo.
share:
	@mkdir -p target/share/kaibo
	@ln -sfn ../../../ui/dist target/share/kaibo/ui
	@ln -sfn ../../../assets/shows target/share/kaibo/shows
	@ln -sfn ../../../assets/looks target/share/kaibo/looks
	@ln -sfn ../../../crates/show/show.schema.json target/share/kaibo/show.schema.json

# The desktop window on the demo show when there is a display; otherwise the same studio
# headless (`kaibo serve`), with its web UI at the URL it prints. Ctrl-C ends it cleanly.
# `make run` runs the release build; `make dev` the debug build (faster to rebuild).
run: build
	@$(MAKE) --no-print-directory launch PROFILE_DIR=target/release

dev: build-dev
	@$(MAKE) --no-print-directory launch PROFILE_DIR=target/debug

launch:
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(PROFILE_DIR)/kaibo-studio $(SHOW); \
	else \
		echo "no display: running the studio headless (kaibo serve)"; \
		$(PROFILE_DIR)/kaibo serve $(SHOW); \
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

test: deps ui obs-clients cargo-deb
	npm --prefix ui test
	$(CARGO) build --workspace --bins --tests
	$(CARGO) test --workspace --no-fail-fast -- --test-threads=1
	npm --prefix tests/ui ci --no-audit --no-fund
	npm --prefix tests/ui test

# The benchmarks measure the release build.
bench: build
	KAIBO_BIN=target/release/kaibo bench/run.sh

# cargo-deb, pinned, built once into target/tools (a second run costs nothing).
cargo-deb:
	@[ "$$($(CARGO_DEB) --version 2>/dev/null)" = "cargo-deb $(CARGO_DEB_VERSION)" ] || \
		$(CARGO) install --locked --quiet cargo-deb --version $(CARGO_DEB_VERSION) --root target/tools

# dist/kaibo_<version>_<arch>.deb from the release build (docs/packaging.md).
package: build cargo-deb
	@mkdir -p dist
	$(CARGO_DEB) -p kaibo-studio --no-build --output dist/

clean:
	$(CARGO) clean
