#!/usr/bin/env bash
# Start/stop a 3-member peer cluster on 127.0.0.1 by hand, to run logbench against it with
# --endpoints (external mode). Uses the same managed-cluster code as `logbench run --system ...`.
#
#   scripts/peers.sh start etcd|nats [default|sync-always]   prints the endpoints
#   scripts/peers.sh status                                   prints the running clusters' state
#   scripts/peers.sh stop [etcd|nats]                         stops one or all (default: all)
#
# State (pids, endpoints) lives in $LOGBENCH_PEERS_DIR (default: /tmp/logbench-peers).
set -euo pipefail

cd "$(dirname "$0")/.."
STATE_DIR="${LOGBENCH_PEERS_DIR:-/tmp/logbench-peers}"
mkdir -p "$STATE_DIR"

usage() {
  echo "usage: $0 start etcd|nats [default|sync-always] | status | stop [etcd|nats]" >&2
  exit 2
}

holder_pid() { # system → pid of its holder process, if alive
  local file="$STATE_DIR/$1.pid"
  [[ -f "$file" ]] || return 1
  local pid
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null || { rm -f "$file"; return 1; }
  echo "$pid"
}

start() {
  local system="$1" durability="${2:-default}"
  [[ "$system" == etcd || "$system" == nats ]] || usage
  if pid="$(holder_pid "$system")"; then
    echo "$system is already running (holder pid $pid); state in $STATE_DIR/$system.json" >&2
    exit 1
  fi
  local log="$STATE_DIR/$system.log"
  rm -f "$STATE_DIR/$system.json"
  nohup node --import tsx scripts/peers-hold.ts "$system" "$STATE_DIR" "$durability" >"$log" 2>&1 &
  echo $! >"$STATE_DIR/$system.pid"
  for _ in $(seq 1 300); do # up to 30 s
    if [[ -f "$STATE_DIR/$system.json" ]]; then
      tail -n 1 "$log"
      return 0
    fi
    if ! holder_pid "$system" >/dev/null; then
      echo "$system did not start:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$system did not come up within 30 s; see $log" >&2
  stop_one "$system"
  exit 1
}

stop_one() {
  local system="$1" pid
  pid="$(holder_pid "$system")" || { echo "$system: not running"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 100); do # up to 10 s, then SIGKILL (its exit hook cannot run then)
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$system: holder $pid did not stop; killing it and its members" >&2
    if [[ -f "$STATE_DIR/$system.json" ]]; then
      for member_pid in $(grep -o '"pid": [0-9]*' "$STATE_DIR/$system.json" | grep -o '[0-9]*'); do
        kill -KILL "$member_pid" 2>/dev/null || true
      done
    fi
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE_DIR/$system.pid" "$STATE_DIR/$system.json"
  echo "$system: stopped"
}

case "${1:-}" in
  start) [[ $# -ge 2 ]] || usage; start "$2" "${3:-default}" ;;
  stop)
    if [[ $# -ge 2 ]]; then stop_one "$2"; else stop_one etcd; stop_one nats; fi ;;
  status)
    for system in etcd nats; do
      if pid="$(holder_pid "$system")"; then echo "$system: holder pid $pid"; cat "$STATE_DIR/$system.json"; echo; else echo "$system: not running"; fi
    done ;;
  *) usage ;;
esac
