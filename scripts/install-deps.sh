#!/usr/bin/env bash
# Installs the Debian (bookworm) packages ptalk builds and tests with.
# Idempotent: installs only what is missing. Usage: install-deps.sh [build|test]
set -euo pipefail
what=${1:-build}

build_pkgs=(cmake ninja-build g++ pkg-config ccache
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libsqlite3-dev libpq-dev libpqxx-dev libnats-dev libssl-dev zlib1g-dev
    libcli11-dev libspdlog-dev libfmt-dev libreadline-dev libjemalloc-dev)
test_pkgs=(googletest libgtest-dev libgmock-dev libbenchmark-dev
    clang libclang-rt-14-dev curl python3)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ptalk: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "ptalk: these Debian packages are missing and you are not root:" >&2
        echo "  apt-get install ${missing[*]}" >&2
        exit 1
    fi
else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
