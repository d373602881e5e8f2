#!/usr/bin/env bash
# The test command behind `make test`: every ctest suite (unit, integration,
# e2e) under ASan+UBSan, then a short fuzz run. Ends with one summary line.
# Usage: scripts/test.sh BUILD_DIR FUZZ_BUILD_DIR FUZZ_SECONDS
set -uo pipefail
build=$1 fuzz_build=$2 fuzz_seconds=$3
jobs=$(nproc)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 600) 2>&1 | tee "$log"
ctest_rc=${PIPESTATUS[0]}
summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
[ -n "$total" ] || { total=0; failed=1; }

fuzz_rc=0
scripts/run-fuzz.sh "$fuzz_build" "$fuzz_seconds" || fuzz_rc=$?
fuzz_failed=$((fuzz_rc != 0))

passed=$((total - failed + 1 - fuzz_failed))
echo "ptalk: $passed passed, $((failed + fuzz_failed)) failed"
[ "$ctest_rc" -eq 0 ] && [ "$fuzz_rc" -eq 0 ]
