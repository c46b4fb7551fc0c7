#!/usr/bin/env bash
# Installs what the app needs and starts it. `scripts/run.sh --demo` starts in demo mode
# (a built-in simulator of the service, no key needed). Other arguments go to wan-desktop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/venv.sh
exec .venv/bin/wan-desktop "$@"
