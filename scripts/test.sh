#!/usr/bin/env bash
# Install everything the tests need (Python packages and Debian's chromium) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium fonts-dejavu-core
fi
source scripts/setup_env.sh requirements-test.txt
ruff check .          # the linter's rules live in pyproject.toml
ruff format --check .  # and the formatter's
exec python -m pytest "$@"
