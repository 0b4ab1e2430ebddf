#!/usr/bin/env bash
# Cairn beside Prometheus 2.42 and VictoriaMetrics 1.79 (Debian packages), one at a time on
# loopback ports with fresh temp data dirs: the same `cairn bench metrics` load and
# `cairn bench query --queries builtin` set against each, bytes on disk and server CPU from
# /proc. Prints a Markdown table with Cairn's ratios; `--record` appends it to bench/RESULTS.md.
#
# Usage: bench/compare.sh [--record]
# Sizes (env): SERIES=50000 SAMPLES=100 BATCH=2000 CONCURRENCY=4 QUERY_ITERATIONS=20
#              QUERY_CONCURRENCY=2 QUERY_RANGE=10m QUERY_STEP=30s TARGETS=cairn,prometheus,vm
# Whole run bounded by COMPARE_TIMEOUT seconds (default 1800).
set -euo pipefail
cd "$(dirname "$0")/.."

for a in "$@"; do
  case "$a" in
    --record) ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument '$a' (only --record)" >&2; exit 2 ;;
  esac
done

# Rebuild when any source is newer than the built CLI.
if [ ! -f dist/src/cli/main.js ] || [ -n "$(find src -name '*.ts' -newer dist/src/cli/main.js -print -quit)" ]; then
  echo "[compare] dist/ is stale: npm run build" >&2
  npm run build >&2
fi

# The driver and the servers it starts run in their own process group, so one kill ends them all;
# their data dirs live under one temp dir, removed here whatever happens to the driver.
pgid=""
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/cairn-compare-XXXXXX")"
cleanup() {
  if [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null; then
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  fi
  rm -rf "$run_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TMPDIR="$run_tmp" setsid timeout --kill-after=10 "${COMPARE_TIMEOUT:-1800}" npx tsx bench/compare.ts "$@" &
pgid=$!
rc=0
wait "$pgid" || rc=$?
exit "$rc"
