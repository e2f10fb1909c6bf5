#!/usr/bin/env bash
# CI benchmark gate. Two modes:
#   scripts/ci-bench.sh ab BASE_REF [HEAD_REF]   build both refs, run the scenario interleaved
#                                                (logbench ab), compare all base runs to all head runs
#   scripts/ci-bench.sh baseline NAME            run the scenario on this checkout ROUNDS times and
#                                                compare against results/baselines/NAME/*.json
#   scripts/ci-bench.sh save-baseline NAME       run ROUNDS times and store the results as that baseline
# Writes the markdown comparison to $OUT_DIR/compare.md (post it as the PR comment) and exits 1 on
# a significant regression (2 on bad input or incomparable results, e.g. a baseline recorded on a
# different machine: baselines are only comparable on the runner that recorded them).
# Environment: SCENARIO (default bench/scenarios/default.yaml), ROUNDS (default 3), OUT_DIR
# (default results/ci), THRESHOLD (percent, default: compare's), NOISE_FLOOR (percent: the noise floor
# `logbench calibrate` printed for this runner and scenario), EXTRA (more compare flags).
set -euo pipefail
cd "$(dirname "$0")/.."

# Bad input exits 2 before any build: to the workflow, exit 1 means a regression.
usage() {
  echo "ci-bench: $1" >&2
  echo "usage: scripts/ci-bench.sh ab BASE_REF [HEAD_REF] | baseline NAME | save-baseline NAME" >&2
  exit 2
}

mode="${1:-}"
case "$mode" in
  ab) (($# >= 2 && $# <= 3)) && [[ -n "$2" && -n "${3-x}" ]] || usage "ab takes BASE_REF and optionally HEAD_REF (default HEAD)" ;;
  baseline | save-baseline) (($# == 2)) && [[ -n "$2" ]] || usage "$mode takes one NAME" ;;
  "") usage "no mode given" ;;
  *) usage "unknown mode \"$mode\"" ;;
esac
if [[ -n "${ROUNDS:-}" && ! "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then usage "ROUNDS=$ROUNDS: expected a whole number of at least 1"; fi

scenario="${SCENARIO:-bench/scenarios/default.yaml}"
rounds="${ROUNDS:-3}"
out_dir="${OUT_DIR:-results/ci}"
compare_flags=(--format md --fail-on-regression)
if [[ -n "${THRESHOLD:-}" ]]; then compare_flags+=(--threshold "$THRESHOLD"); fi
if [[ -n "${NOISE_FLOOR:-}" ]]; then compare_flags+=(--noise-floor "$NOISE_FLOOR"); fi
# shellcheck disable=SC2206
if [[ -n "${EXTRA:-}" ]]; then compare_flags+=(${EXTRA}); fi

node scripts/ensure-build.mjs
logbench() { node --single-threaded-gc dist/src/cli/main.js "$@"; }  # the flag: src/cli/node-flags.ts
mkdir -p "$out_dir"

run_rounds() { # DIR: ROUNDS runs of the scenario on this checkout
  local dir="$1"
  mkdir -p "$dir"
  for ((i = 1; i <= rounds; i++)); do
    logbench run "$scenario" --out "$dir/run-$i.json" >&2
  done
}

status=0
case "$mode" in
  ab)
    base_ref="$2"
    head_ref="${3:-HEAD}"
    logbench ab --base "$base_ref" --head "$head_ref" "$scenario" --rounds "$rounds" --out-dir "$out_dir" "${compare_flags[@]}" >"$out_dir/compare.stdout.md" || status=$?
    ;;
  baseline)
    name="$2"
    shopt -s nullglob
    stored=(results/baselines/"$name"/*.json)
    if ((${#stored[@]} == 0)); then
      echo "ci-bench: no baseline under results/baselines/$name/ (create one with: scripts/ci-bench.sh save-baseline $name)" >&2
      exit 2
    fi
    run_rounds "$out_dir/head"
    logbench compare --base "${stored[@]}" --head "$out_dir"/head/run-*.json "${compare_flags[@]}" --out "$out_dir/compare.md" || status=$?
    ;;
  save-baseline)
    name="$2"
    run_rounds "results/baselines/$name"
    echo "ci-bench: stored ${rounds} run(s) in results/baselines/$name/ (commit them to use them as a baseline)" >&2
    exit 0
    ;;
esac

if [[ -f "$out_dir/compare.md" ]]; then cat "$out_dir/compare.md"; fi
case "$status" in
  0) echo "ci-bench: no significant regression" >&2 ;;
  1) echo "ci-bench: significant regression (see $out_dir/compare.md)" >&2 ;;
  *) echo "ci-bench: comparison failed (exit $status)" >&2 ;;
esac
exit "$status"
