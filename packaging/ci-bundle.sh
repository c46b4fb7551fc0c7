#!/usr/bin/env bash
# CI: builds the Linux bundle from this checkout (packaging/build.sh) and checks the frozen program, the way
# scripts/test.sh runs the tests: inside a private D-Bus session with an unlocked gnome-keyring in a
# throw-away HOME, Qt offscreen. Fails (non-zero) when
#   - a bundled library links something neither the bundle nor the system provides (ldd "not found");
#   - `wan-desktop --self-test` fails: one demo job end to end through the real window, plus the checks for
#     the keyring backend modules, Qt's FFmpeg multimedia backend and the app's resources;
#   - the frozen program cannot store, read and remove a key in the Secret Service (the self-test only
#     checks that a backend loads; this proves the bundled SecretService backend, jeepney and cryptography work);
#   - with Xvfb installed, the self-test fails on the xcb platform plugin (what a desktop session uses).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash packaging/build.sh
program=$(pwd)/dist/wan-desktop/wan-desktop
echo "Bundle built in $(( $(date +%s) - start )) s"

missing=$(find dist/wan-desktop -type f \( -name '*.so*' -o -name wan-desktop \) -print0 \
  | xargs -0 -n 50 ldd 2>/dev/null | grep "not found" | sort -u || true)
if [ -n "$missing" ]; then
  echo "The bundle links libraries that are nowhere to be found:" >&2
  echo "$missing" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The frozen program runs from the scratch folder so nothing in this checkout can stand in for the bundle.
cd "$scratch"
unset DASHSCOPE_API_KEY PYTHONPATH
export QT_QPA_PLATFORM=offscreen
dbus-run-session -- env HOME="$scratch" XDG_DATA_HOME="$scratch/.local/share" PROGRAM="$program" bash -euo pipefail -c '
  printf "ci-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  echo "Frozen self-test (offscreen):"
  "$PROGRAM" --self-test
  key=sk-cibundle0000fake9f3a
  echo "$key" | "$PROGRAM" --home "$HOME/app" key set | tee "$HOME/set.txt"
  grep -q "SecretService" "$HOME/set.txt" || { echo "the key did not go to the Secret Service" >&2; exit 1; }
  "$PROGRAM" --home "$HOME/app" key show | tee "$HOME/show.txt"
  grep -q "…9f3a (from keyring)" "$HOME/show.txt" \
    || { echo "the key did not come back from the keyring" >&2; exit 1; }
  "$PROGRAM" --home "$HOME/app" key clear
  if command -v xvfb-run >/dev/null 2>&1; then
    echo "Frozen self-test (xcb, on Xvfb):"
    QT_QPA_PLATFORM=xcb xvfb-run -a "$PROGRAM" --self-test
  fi
'
echo "Frozen bundle checks passed in $(( $(date +%s) - start )) s"
