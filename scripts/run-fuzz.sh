#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS from its committed seed corpus
# (fuzz/corpus/<target>, copied to a temporary directory so runs never write
# into the repository) and fails on any finding. See docs/FUZZING.md.
#
#   scripts/run-fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# Findings (crash-*, leak-*, timeout-*, oom-*) are kept in
# BUILD_DIR/fuzz-findings/<target>/; reproduce one with `BUILD_DIR/fuzz/<target> FILE`.
set -euo pipefail

usage="usage: $0 BUILD_DIR SECONDS [TARGET...]"
build=${1:?$usage}
seconds=${2:?$usage}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then targets=("$@"); else targets=(fuzz_frame_parser fuzz_ota_chunk fuzz_ws_frame fuzz_api_request); fi
case $seconds in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/ptalk-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
    bin=$build/fuzz/$t
    [ -x "$bin" ] || bin=$build/$t
    if [ ! -x "$bin" ]; then
        echo "run-fuzz: $t is not built in $build (cmake --build $build --target fuzz_targets)" >&2
        exit 2
    fi
    corpus=$work/$t
    mkdir -p "$corpus"
    [ -d "$root/fuzz/corpus/$t" ] && cp -r "$root/fuzz/corpus/$t/." "$corpus/"
    findings=$build/fuzz-findings/$t
    mkdir -p "$findings"
    args=(-max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$findings/")
    [ -f "$root/fuzz/$t.dict" ] && args+=(-dict="$root/fuzz/$t.dict")
    log=$work/$t.log
    echo "run-fuzz: $t for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
    status=0
    "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        echo "run-fuzz: $t FAILED (exit $status); findings in $findings" >&2
        failed+=("$t")
    else
        echo "run-fuzz: $t ok: ${execs:-?} execs in ${seconds}s, ${cov:-no coverage line}," \
            "corpus $(ls "$corpus" | wc -l) files"
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "run-fuzz: findings in: ${failed[*]}" >&2
    exit 1
fi
