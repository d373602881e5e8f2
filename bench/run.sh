#!/usr/bin/env bash
# Reruns every measurement of docs/PERFORMANCE.md: builds a Release tree with
# the benchmarks, installs what the reference servers need, runs the
# micro-benchmarks and then the system benchmarks (ptalkd, Node.js ws, the
# seed's FastAPI example, all on 127.0.0.1). Results go to bench/results/<time>/.
# Usage: bench/run.sh [system benchmark options, e.g. --sizes 1000,5000 --seconds 5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$root/build/bench}
out=${BENCH_OUT:-$root/bench/results/$(date +%Y%m%d-%H%M%S)}
build=$(realpath -m "$build")

"$root/scripts/install-deps.sh" test
"$root/bench/reference/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPTALK_TESTS=OFF -DPTALK_BENCH=ON
cmake --build "$build" -j "${JOBS:-2}" --target ptalkd ptalk-sim ptalk_microbench ptalk-rate-load

mkdir -p "$out"
echo "== micro-benchmarks"
"$build/bench/ptalk_microbench" --benchmark_out="$out/microbench.json" \
    --benchmark_out_format=json | tee "$out/microbench.txt"
echo "== system benchmarks (nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/python3 "$root/bench/system/main.py" --build "$build" --out "$out" "$@"
/usr/bin/python3 "$root/bench/system/report.py" "$out/results.json" | tee "$out/summary.md"
