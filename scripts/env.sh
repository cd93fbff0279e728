# Shared by scripts/run and scripts/test: a virtual environment with Dossia's dependencies.
# Usage: source scripts/env.sh [extra]   (extra = "dev" for the test tools)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Dossia needs Python 3.11 or newer (python3 --version: $(python3 --version 2>&1))." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
        # Debian ships venv separately.
        as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
        rm -rf .venv && python3 -m venv .venv
    fi
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "dev" ]; then
    .venv/bin/python -m pip install -q -e ".[dev]"
else
    .venv/bin/python -m pip install -q -e .
fi
