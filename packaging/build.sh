#!/usr/bin/env bash
# Builds the double-click app with one command: `bash packaging/build.sh`.
# Creates (or reuses) .venv with the project and its `package` extra, then runs PyInstaller with
# packaging/wan_desktop.spec. The result lands in dist/wan-desktop/ (the program is dist/wan-desktop/wan-desktop,
# wan-desktop.exe on Windows) and, on macOS, also in "dist/Wan Desktop.app".
# WAN_BUILD_PYTHON=/path/to/python uses that interpreter (with the `package` extra installed) instead of .venv.
# A bundle is built for the system it is built on: build on Windows for Windows, on macOS for macOS.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" = Linux ] && command -v dpkg-query >/dev/null 2>&1; then
  bash scripts/system-deps.sh  # Qt's plugins link these; PyInstaller must find them to bundle them
fi

python=${WAN_BUILD_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then
    python=.venv/bin/python
  elif [ -x .venv/Scripts/python.exe ]; then  # Windows (Git Bash)
    python=.venv/Scripts/python.exe
  else
    "${PYTHON:-python3}" -m venv .venv
    python=.venv/bin/python
    [ -x "$python" ] || python=.venv/Scripts/python.exe
    "$python" -m pip install -q --upgrade pip
  fi
  "$python" -m pip install -q -e ".[package]"
fi

start=$(date +%s)
"$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/wan_desktop.spec
echo "Built in $(( $(date +%s) - start )) s: $(pwd)/dist/wan-desktop/ ($(du -sh dist/wan-desktop | cut -f1))"
if [ -d "dist/Wan Desktop.app" ]; then
  echo "macOS app: $(pwd)/dist/Wan Desktop.app"
fi
echo "Start it with dist/wan-desktop/wan-desktop; check it with dist/wan-desktop/wan-desktop --self-test"
echo "Linux menu entry and icons for you: bash packaging/install-desktop-entry.sh"
