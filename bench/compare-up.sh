#!/usr/bin/env bash
# `kasse up` at an earlier commit beside the working tree, alternately, on the
# same machine in the same minutes: how long each took to print "kasse is up",
# the CPU time it had used by then and its resident memory, with the load
# average. For the before/after of a start-up change (bench/README.md).
#
#   bench/compare-up.sh <commit> [runs] [first]   e.g. bench/compare-up.sh 716c622 4
#
# The commit is extracted (git archive) into a temporary folder that uses this
# checkout's node_modules, with its own @kasse/* packages. Each side starts once
# unmeasured first (tsx compiles, the embedded database is created), then
# `runs` times measured. With `first`, each measured run starts in an emptied
# folder, so it creates, migrates and seeds its embedded database: a first
# start (what the bench's startup suite judges). Only the processes this
# script starts are stopped.
set -euo pipefail

rev=${1:?usage: bench/compare-up.sh <commit> [runs] [first]}
runs=${2:-3}
mode=${3:-warm}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d -t kasse-compare-up-XXXXXX)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

before=$work/before
mkdir -p "$before/node_modules/@kasse"
git -C "$root" archive "$rev" | tar -x -C "$before"
for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
  [[ $(basename "$entry") == @kasse ]] || ln -s "$entry" "$before/node_modules/"
done
for package in "$before"/packages/*; do ln -s "$package" "$before/node_modules/@kasse/"; done
# The till serves its built cashier app; the build is not in git.
if [[ -d $root/packages/pos/web/dist ]]; then cp -r "$root/packages/pos/web/dist" "$before/packages/pos/web/"; fi

# Starts one kasse up in its own folder, waits for "kasse is up", prints a line, stops it.
up() {
  local label=$1 tree=$2 run=$3
  local dir=$work/run-$label
  mkdir -p "$dir"
  if [[ $mode == first ]]; then rm -rf "$dir/.kasse"; fi
  # The last run's output would say "kasse is up" before this one's replaces it.
  rm -f "$dir/out"
  local started
  started=$(date +%s%N)
  (cd "$dir" && LOG_LEVEL=warn exec node "$tree/packages/cli/bin/kasse.mjs" up \
    --sandbox-port 0 --pos-port 0 --shop-port 0 >"$dir/out" 2>&1) &
  pid=$!
  until grep -q 'kasse is up' "$dir/out" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/out" >&2
      exit 1
    fi
    sleep 0.02
  done
  local ready=$((($(date +%s%N) - started) / 1000000))
  local cpu rss
  cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$pid/stat")
  rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
  if [[ $run != warm-up ]]; then
    printf '%-7s run %s: ready %6d ms, CPU %5s s, RSS %4d MiB, load average %s\n' \
      "$label" "$run" "$ready" "$cpu" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

echo "kasse up at $rev (before) and in $root (after), $runs $mode starts each, alternating"
up before "$before" warm-up
up after "$root" warm-up
for run in $(seq 1 "$runs"); do
  up before "$before" "$run"
  up after "$root" "$run"
done
