# barforge: `make run` and `make test` do all the set-up on a fresh machine.
BUILD    ?= build
WERROR   ?= ON
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=
VENV     ?= .venv
# The PyPI venv (numpy 2, pyarrow, polars, ...) that scripts/install-deps.sh
# makes from python/requirements-test.lock.
PYPI_VENV := .venv-pypi
# Debian's interpreter, whose numpy/torch/matplotlib come from Debian; a
# python3 that comes first on PATH may be another one.
PYTHON   ?= /usr/bin/python3

.PHONY: all deps configure python run test test-asan bench bench-scale fuzz clean wheel wheel-test
FUZZ_SECONDS ?= 60

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	bash scripts/install-deps.sh

configure:
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	    -DBARFORGE_WERROR=$(WERROR) $(CMAKE_FLAGS); \
	fi

# The Python package: a venv of Debian's python3 (seeing its numpy 1, torch,
# ...) with barforge installed from the build, offline; and the same build
# installed into the PyPI venv (numpy 2), when it exists.
python: all
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv --system-site-packages $(VENV)
	@PIP_DISABLE_PIP_VERSION_CHECK=1 $(VENV)/bin/python -m pip install --quiet --no-index --no-build-isolation \
	  --no-deps --root-user-action=ignore ./$(BUILD)/python
	@$(VENV)/bin/python -c "import barforge" && echo "python: barforge installed in $(VENV)/"
	@if [ -x $(PYPI_VENV)/bin/python ]; then \
	  PIP_DISABLE_PIP_VERSION_CHECK=1 $(PYPI_VENV)/bin/python -m pip install --quiet --no-index --no-build-isolation \
	    --no-deps --root-user-action=ignore ./$(BUILD)/python && \
	  $(PYPI_VENV)/bin/python -c "import barforge" && echo "python: barforge installed in $(PYPI_VENV)/"; \
	fi

# Installs what is missing, builds, and makes the default dataset.
run: deps all python
	./$(BUILD)/barforge build --config config/default.yaml --skip-existing

# Installs what is missing, builds, and runs every test.
test: deps all python
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The Parquet reader's and writer's tests under AddressSanitizer and UBSan.
# Warnings are not errors here: with the sanitizers, GCC 12 reports
# -Wstringop-overflow on code it does not warn about otherwise.
test-asan: deps
	$(MAKE) all BUILD=build-asan WERROR=OFF CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBARFORGE_SANITIZE=ON -DBARFORGE_BENCH=OFF"
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j $(JOBS) -L parquet

# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS on its corpus under fuzz/corpus/.
fuzz: deps
	@if [ ! -f build-fuzz/build.ninja ]; then \
	  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DBARFORGE_FUZZ=ON -DBARFORGE_BENCH=OFF -DBARFORGE_WERROR=OFF; \
	fi
	cmake --build build-fuzz -j $(JOBS) --target $(basename $(notdir $(wildcard fuzz/*_fuzz.cpp)))
	@for target in build-fuzz/fuzz/*_fuzz; do \
	  name=$$(basename $$target _fuzz); mkdir -p build-fuzz/corpus/$$name fuzz/corpus/$$name; \
	  echo "== $$name ($(FUZZ_SECONDS) s)"; \
	  $$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build-fuzz/corpus/$$name fuzz/corpus/$$name || exit 1; \
	done

# The benchmarks; the last compares Ray and Dask with one process, in a
# network namespace with only the loopback interface (as root), where their
# nodes use 127.0.0.1.
bench: deps all python
	bash bench/run.sh
	bash bench/cross_section.sh
	$(VENV)/bin/python bench/python_bench.py
	$(VENV)/bin/python bench/bars_bench.py
	unshare --net sh -c 'ip link set lo up && exec $(PYPI_VENV)/bin/python bench/engines_bench.py --cli $(CURDIR)/$(BUILD)/barforge'

# The default build at 10M and 40M samples, interleaved: time per sample,
# peak RSS and the page cache before and after each build (bench/scale.sh).
# Not part of `make bench`: the 40M build writes 43.5 GB and takes minutes.
# SAMPLES="1000000 4000000" checks it at a small size.
bench-scale: all
	SAMPLES="$(SAMPLES)" ROUNDS="$(ROUNDS)" bash bench/scale.sh $(BUILD)

# The wheel users install: `pip wheel .` (scikit-build-core over this CMake,
# in build-pip/) repaired by auditwheel into wheelhouse/ with a manylinux tag.
# Built with the PyPI venv's scikit-build-core and pybind11 (no download),
# through ccache when it is installed, in its preprocessor mode: Debian's
# pybind11 2.10 in /usr/include is shadowed by the venv's, which direct mode
# cannot tell from a build that fell back to it.
WHEEL_CCACHE := $(if $(shell command -v ccache),--config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache)
wheel: deps
	rm -rf build-wheel-dist wheelhouse
	CCACHE_NODIRECT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 $(PYPI_VENV)/bin/pip wheel --no-build-isolation --no-deps -w build-wheel-dist \
	  --config-settings=build-dir=build-pip $(WHEEL_CCACHE) .
	PATH="$(CURDIR)/$(PYPI_VENV)/bin:$$PATH" auditwheel repair -w wheelhouse build-wheel-dist/barforge-*.whl
	rm -rf build-wheel-dist

# The repaired wheel checked by `auditwheel show` and installed into a fresh
# venv, where barforge imports, `barforge --version` runs and a small build works.
wheel-test: wheel
	PATH="$(CURDIR)/$(PYPI_VENV)/bin:$$PATH" $(PYPI_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/python/wheel_check.py

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-pip build-wheel-dist wheelhouse $(VENV) $(PYPI_VENV)
