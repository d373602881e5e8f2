# The two commands of the README:
#   make run   - build ptalkd (release) and run it on its embedded defaults
#   make test  - build with sanitizers and run every test (unit, integration,
#                end-to-end, a short fuzz run)
JOBS ?= $(shell nproc)
BUILD ?= build
ARGS ?=

.PHONY: run test deps test-deps release test-build fuzz-build fuzz fuzz-long bench bench-system soak format clean

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

release: deps
	cmake -S . -B $(BUILD)/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPTALK_TESTS=OFF
	cmake --build $(BUILD)/release -j $(JOBS)

run: release
	$(BUILD)/release/apps/ptalkd/ptalkd $(ARGS)

test-build: test-deps
	cmake -S . -B $(BUILD)/test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPTALK_SANITIZE=ON \
	    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"
	cmake --build $(BUILD)/test -j $(JOBS)

test: test-build fuzz-build
	scripts/test.sh $(BUILD)/test $(BUILD)/fuzz $(FUZZ_SECONDS)

# Fuzz targets are built with clang + libFuzzer in their own build tree.
FUZZ_SECONDS ?= 20
fuzz-build: test-deps
	CXX=clang++ cmake -S . -B $(BUILD)/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DPTALK_FUZZ=ON -DPTALK_TESTS=OFF
	cmake --build $(BUILD)/fuzz -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	scripts/run-fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=600

bench: test-deps
	cmake -S . -B $(BUILD)/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPTALK_TESTS=OFF -DPTALK_BENCH=ON
	cmake --build $(BUILD)/bench -j $(JOBS)

# Every measurement of docs/PERFORMANCE.md, reference servers included (about 10 minutes).
# BENCH_ARGS passes options to bench/system/main.py, e.g. BENCH_ARGS="--sizes 1000,5000".
BENCH_ARGS ?=
bench-system:
	BENCH_BUILD=$(BUILD)/bench JOBS=$(JOBS) bench/run.sh $(BENCH_ARGS)

# Everything at once for a while, then a check that nothing was lost (bench/system/soak.py).
# On the sanitizer build: make soak SOAK_BUILD=build/test SOAK_ARGS="--minutes 5 --devices 300".
# Over TLS (wss devices, https API): make soak SOAK_ARGS="--minutes 5 --devices 1000 --tls".
SOAK_BUILD ?= $(BUILD)/bench
SOAK_ARGS ?= --minutes 10 --devices 2000
soak:
ifeq ($(SOAK_BUILD),$(BUILD)/bench)
	$(MAKE) bench
endif
	python3 bench/system/soak.py --build $(SOAK_BUILD) $(SOAK_ARGS)

format:
	find src apps tests fuzz bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
