#!/usr/bin/env bash
# Runs a test command while N busy-loop processes keep the CPUs busy (default: one per CPU), then stops them,
# so that tests which pass only on an idle machine (sleeps, time limits, races) show up before CI finds them.
#
#   scripts/test-under-load.sh [-n N] -- <command...>      e.g. scripts/test-under-load.sh -- npm run test:unit
#   npm run test:under-load -- npm run test:unit
#
# Exits with the command's status. The load processes are this script's children, stopped by pid on any exit.
set -euo pipefail

n="$(node -p 'require("os").availableParallelism()')"
if [ "${1:-}" = "-n" ]; then
  n="${2:?-n needs a number of busy processes}"
  shift 2
fi
[ "${1:-}" = "--" ] && shift
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/test-under-load.sh [-n N] -- <test command...>" >&2
  exit 2
fi

pids=()
stop_load() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_load EXIT INT TERM

# The busy loops run at the lowest priority whatever the caller's: they stand in for other work on the machine
# and must never take CPU from a benchmark another user runs at normal priority on a shared machine.
for _ in $(seq 1 "$n"); do
  nice -n 19 node -e 'for (;;) {}' &
  pids+=("$!")
done
echo "test-under-load: ${n} busy processes (pids ${pids[*]}) while running: $*" >&2

status=0
"$@" || status=$?
echo "test-under-load: the command exited ${status}; stopping the load" >&2
exit "$status"
