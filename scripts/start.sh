#!/usr/bin/env bash
# Install what the app needs (first run only) and open it on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup_env.sh requirements.txt
exec streamlit run app.py "$@"
