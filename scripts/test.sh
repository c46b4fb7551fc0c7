#!/usr/bin/env bash
# Installs everything the tests need and runs them, inside a private D-Bus session with a real
# (gnome-keyring) Secret Service unlocked in a throw-away HOME, Qt offscreen.
# Extra arguments go to pytest: `scripts/test.sh -k engine`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/venv.sh test

export QT_QPA_PLATFORM=offscreen
KEYRING_HOME=$(mktemp -d)
trap 'rm -rf "$KEYRING_HOME"' EXIT
exec dbus-run-session -- env HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share" \
  bash -c 'printf "ci-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
           exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"' pytest "$@"
