#!/usr/bin/env bash
# Installs every Debian and npm package barforge needs, and does nothing when
# they are all present. Safe to run as often as you like (make run/test do).
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 package names. Keep this list the single source of truth.
debian_packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev libtbb-dev
  librandom123-dev libzstd-dev libsnappy-dev zlib1g-dev liblz4-dev
  libthrift-dev thrift-compiler libboost-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  zstd time bc
  python3 python3-dev python3-venv python3-pip pybind11-dev
  python3-numpy python3-pandas python3-yaml python3-pytest python3-matplotlib python3-torch
  libopenmpi-dev openmpi-bin
  chromium iproute2 util-linux   # the report's browser check; the Ray/Dask tests' loopback-only namespace
)

missing=()
for pkg in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# Node.js and npm run the independent Parquet readers used by the tests. A
# machine that already has a node on PATH (e.g. from nvm) keeps it.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages pinned by tools/package-lock.json. Reinstall only when the
# lockfile changed since the last install.
tools_dir="$root_dir/tools"
if [[ -f "$tools_dir/package-lock.json" ]]; then
  stamp="$tools_dir/node_modules/.barforge-lock-stamp"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$stamp" "$tools_dir/package-lock.json"; then
    echo "install-deps: npm ci in tools/"
    (cd "$tools_dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$tools_dir/package-lock.json" "$stamp"
  fi
fi

# The PyPI test venv (.venv-pypi/): numpy 2, the readers users call
# (pyarrow, polars, pandas, duckdb, fastparquet, datasets), Ray and Dask
# (barforge.ray, barforge.dask), pybind11 >= 2.12
# for the extension, and the pip build's tools, pinned with their hashes by
# python/requirements-test.lock. The lock's wheels are downloaded (and their
# hashes checked) into .wheelhouse-pypi/ first, and the venv is installed
# from that folder only: the tests that make fresh venvs (a user's
# `pip install <clone>`, the repaired wheel) install numpy, PyYAML and the
# build's requirements (scikit-build-core, pybind11) from it with
# `--no-index --find-links`, offline. Made anew only when the lock changed
# since the last complete install (the stamps are written last, so an
# interrupted download or install is redone). BARFORGE_NO_PYPI_VENV=1 skips it.
pypi_venv="$root_dir/.venv-pypi"
pypi_wheelhouse="$root_dir/.wheelhouse-pypi"
pypi_lock="$root_dir/python/requirements-test.lock"
if [[ -f "$pypi_lock" && -z "${BARFORGE_NO_PYPI_VENV:-}" ]]; then
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  stamp="$pypi_wheelhouse/.barforge-lock-stamp"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$stamp" "$pypi_lock"; then
    echo "install-deps: PyPI wheels of python/requirements-test.lock into .wheelhouse-pypi/"
    # pip download keeps a file already there whose hash matches the lock.
    /usr/bin/python3 -m pip download --quiet --require-hashes --no-deps --only-binary=:all: \
      -d "$pypi_wheelhouse" -r "$pypi_lock"
    cp "$pypi_lock" "$stamp"
  fi
  stamp="$pypi_venv/.barforge-lock-stamp"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$stamp" "$pypi_lock"; then
    echo "install-deps: PyPI test venv .venv-pypi/ from .wheelhouse-pypi/"
    rm -rf "$pypi_venv"
    /usr/bin/python3 -m venv "$pypi_venv"
    "$pypi_venv/bin/pip" install --quiet --root-user-action=ignore --no-index --find-links "$pypi_wheelhouse" \
      --require-hashes --no-deps -r "$pypi_lock"
    cp "$pypi_lock" "$stamp"
  fi
fi
