#!/usr/bin/env bash
# Installs what the reference servers need, only when missing (idempotent):
# Debian's FastAPI and uvicorn for the seed guide's example, and the `ws`
# package (pinned by package-lock.json) for the Node.js server.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
for p in python3-fastapi python3-uvicorn; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench: run as root, or: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -d "$here/node/node_modules/ws" ]; then
    (cd "$here/node" && npm ci --no-audit --no-fund --silent)
fi
