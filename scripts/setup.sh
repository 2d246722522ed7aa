#!/usr/bin/env bash
# Prepare this checkout: the system packages the local stack needs, then the virtualenv with the
# pinned package set. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
VENV=.venv

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15)
# The browser tests drive Debian's chromium through Playwright (browser downloads are not used).
command -v chromium >/dev/null || need_apt+=(chromium fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing system packages: ${need_apt[*]} (install them as root: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
  # Debian's postgresql package starts a cluster of its own; the project runs its own server.
fi

if ! command -v "$PYTHON" >/dev/null; then
  echo "setup: $PYTHON is needed (the package set is pinned for Python 3.11)" >&2
  exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

# Reinstall only when the pins changed; pip's cache (~/.cache/pip) keeps the PySpark build.
stamp="$VENV/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing the pinned package set into $VENV (the first time takes a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e '.[dev]'
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
