#!/usr/bin/env bash
# Startup benchmark for the README's first command (issue "Foundation" acceptance:
# cold under 3 minutes including dependency install, warm under 3 seconds).
# Clones the repository to a temporary folder, times `make demo` until /healthz
# answers (cold: fresh .venv; warm: RUNS restarts), and prints one line per run.
# Usage: bench/startup.sh [RUNS] [PORT]   (default 3 warm runs on port 8765)
set -euo pipefail
runs=${1:-3}
port=${2:-8765}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'pkill -f "schriftje demo --port $port" || true; rm -rf "$work"' EXIT
git clone -q "$repo" "$work/schriftje"
cd "$work/schriftje"

wait_for_health() {
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.02; done
}
stop() {
  pkill -f "schriftje demo --port $port" || true
  while curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.05; done
}
run() {
  local label=$1 start end
  start=$(date +%s.%N)
  make -s demo PYTHON=python3 >"$work/$label.log" 2>&1 &
  wait_for_health
  end=$(date +%s.%N)
  printf '%-6s %6.2f s\n' "$label" "$(echo "$end - $start" | bc)"
  stop
}

# `make demo` passes no port; the demo reads SCHRIFTJE_PORT.
export SCHRIFTJE_PORT=$port
sed -i "s|\$(BIN)/schriftje demo$|\$(BIN)/schriftje demo --port $port|" Makefile
run cold
for i in $(seq 1 "$runs"); do run "warm$i"; done
