# barforge: `make run` and `make test` do all the set-up on a fresh machine.
BUILD    ?= build
WERROR   ?= ON
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure run test test-asan bench fuzz clean

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	bash scripts/install-deps.sh

configure:
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	    -DBARFORGE_WERROR=$(WERROR) $(CMAKE_FLAGS); \
	fi

# Installs what is missing, builds, and makes the default dataset.
run: deps all
	./$(BUILD)/barforge build --config config/default.yaml --skip-existing

# Installs what is missing, builds, and runs every test.
test: deps all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The Parquet reader's and writer's tests under AddressSanitizer and UBSan.
test-asan: deps
	$(MAKE) all BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBARFORGE_SANITIZE=ON -DBARFORGE_BENCH=OFF"
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j $(JOBS) -L parquet

bench: deps all
	bash bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz
