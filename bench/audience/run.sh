#!/usr/bin/env bash
# The audience path's throughput (parse + moderation + tally + SQLite write) with one
# Bilibili connector and with four at once, then memory over 1M events. Target: 5,000
# events/s sustained with no loss. Not part of `make test`: the machines are shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p audience --example audience_bench
bin=target/release/examples/audience_bench
echo "== one connector, 200k events";  "$bin" 200000 1
echo "== four connectors, 200k events"; "$bin" 200000 4
echo "== memory, one connector, 1M events"; "$bin" 1000000 1 rss
