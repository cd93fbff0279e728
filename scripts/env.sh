# Shared by scripts/run and scripts/test: a virtual environment with Dossia's dependencies.
# Usage: source scripts/env.sh base|dev   ("dev" adds the test tools; give the argument, or
# bash hands the sourcing script's own arguments to this one)
#
# pip runs only when the dependencies may have changed: after a successful install,
# .venv/.dossia-installed holds a fingerprint of pyproject.toml, the Python version and the
# extra installed ("dev" includes the plain install). Delete that file, or set
# DOSSIA_REINSTALL=1, to install again anyway.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

INSTALL_STAMP=.venv/.dossia-installed

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages. apt checks the lists' signatures as its _apt user, who cannot write in a
# private /tmp (0700, as on our machines): «Couldn't create temporary file /tmp/apt.conf…»,
# then unsigned lists. /var/tmp is open to every user.
apt_install() {
    as_root env TMPDIR=/var/tmp DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        as_root env TMPDIR=/var/tmp DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# What an install with this extra ("" or "dev") would put in .venv, as one line.
install_fingerprint() {
    .venv/bin/python -c '
import hashlib, sys
with open("pyproject.toml", "rb") as project:
    digest = hashlib.sha256(project.read()).hexdigest()
print(digest, sys.version.split()[0], sys.argv[1] or "base")' "${1:-}"
}

# True when the last successful install already gives what this extra needs.
install_is_current() {
    local wanted stamp
    [ -z "${DOSSIA_REINSTALL:-}" ] && [ -f "$INSTALL_STAMP" ] || return 1
    wanted=$(install_fingerprint "${1:-}")
    stamp=$(cat "$INSTALL_STAMP")
    [ "$stamp" = "$wanted" ] || [ "$stamp" = "${wanted% base} dev" ]
}

install_dependencies() {
    local extra=${1:-} target=.
    if [ "$extra" = "dev" ]; then target=".[dev]"; fi
    rm -f "$INSTALL_STAMP"  # an interrupted or failed install leaves no stamp behind
    echo "Installing Dossia's dependencies into .venv (again only when pyproject.toml changes)…" >&2
    # setuptools tells, at every editable install of a flat layout like ours, that folders of
    # the working directory named like the packages take precedence: that is the intent here.
    local quiet="ignore:Editable installation."
    PYTHONWARNINGS=$quiet .venv/bin/python -m pip install -q --upgrade pip || return
    PYTHONWARNINGS=$quiet .venv/bin/python -m pip install -q -e "$target" || return
    install_fingerprint "$extra" >"$INSTALL_STAMP.new" && mv "$INSTALL_STAMP.new" "$INSTALL_STAMP"
}

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Dossia needs Python 3.11 or newer (python3 --version: $(python3 --version 2>&1))." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
        # Debian ships venv separately.
        apt_install python3-venv
        rm -rf .venv && python3 -m venv .venv
    fi
fi
extra=""
if [ "${1:-}" = "dev" ]; then extra="dev"; fi
if ! install_is_current "$extra"; then
    install_dependencies "$extra"
fi
unset extra
