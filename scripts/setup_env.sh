#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv and install a requirements file.
# Usage: source scripts/setup_env.sh requirements.txt
set -euo pipefail
REQUIREMENTS="${1:-requirements.txt}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$ROOT/.venv/bin/python" ]; then
  if ! "$PYTHON" -m venv "$ROOT/.venv" 2>/dev/null; then
    echo "python venv module missing; installing python3-venv" >&2
    as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
    rm -rf "$ROOT/.venv" && "$PYTHON" -m venv "$ROOT/.venv"
  fi
fi
VENV_PY="$ROOT/.venv/bin/python"
STAMP="$ROOT/.venv/.installed-$(basename "$REQUIREMENTS")"
if [ ! -f "$STAMP" ] || [ "$ROOT/$REQUIREMENTS" -nt "$STAMP" ] || [ "$ROOT/requirements.txt" -nt "$STAMP" ]; then
  "$VENV_PY" -m pip install --quiet --upgrade pip
  "$VENV_PY" -m pip install --quiet -r "$ROOT/$REQUIREMENTS"
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
