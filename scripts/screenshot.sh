#!/usr/bin/env bash
# Regenerates docs/screenshot.png: the real window on a virtual X screen (Xvfb).
# `scripts/screenshot.sh docs/screenshot-zh_CN.png zh_CN` takes the same picture in Chinese.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/venv.sh
exec xvfb-run -a -s "-screen 0 1366x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshot.py "${1:-docs/screenshot.png}" "${@:2}"
