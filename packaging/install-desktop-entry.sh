#!/usr/bin/env bash
# Adds Wan Desktop to your application menu (Linux, for you only, no root):
#   bash packaging/install-desktop-entry.sh [BUNDLE_DIR]     # default: dist/wan-desktop (from packaging/build.sh)
#   bash packaging/install-desktop-entry.sh --uninstall
# Installs packaging/wan-desktop.desktop into ~/.local/share/applications with Exec/TryExec pointing at the
# bundle's program (so move the bundle where it will stay first, e.g. ~/.local/opt/wan-desktop), and the PNG
# icons into ~/.local/share/icons/hicolor/SIZExSIZE/apps/wan-desktop.png. Honours XDG_DATA_HOME.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/wan-desktop.desktop"
sizes=(16 24 32 48 64 128 256 512)

refresh() {
  # menus and icon themes pick the change up at once where these tools exist; otherwise at next login
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data/icons/hicolor/index.theme" ] \
    && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$entry"
  for size in "${sizes[@]}"; do rm -f "$data/icons/hicolor/${size}x${size}/apps/wan-desktop.png"; done
  refresh
  echo "Removed the Wan Desktop menu entry and icons from $data."
  exit 0
fi

bundle=${1:-$root/dist/wan-desktop}
program=""
[ -d "$bundle" ] && program="$(cd "$bundle" && pwd)/wan-desktop"
if [ -z "$program" ] || [ ! -x "$program" ]; then
  echo "No program at $bundle/wan-desktop: build the bundle first (bash packaging/build.sh) or give its folder." >&2
  exit 1
fi

mkdir -p "$data/applications"
# Exec takes the program's path quoted, as the Desktop Entry spec asks for paths with spaces
sed -e "s|^Exec=.*|Exec=\"$program\"|" -e "s|^TryExec=.*|TryExec=$program|" \
  "$here/wan-desktop.desktop" > "$entry.tmp"
mv "$entry.tmp" "$entry"
chmod 644 "$entry"

for size in "${sizes[@]}"; do
  icon="$root/wan_desktop/resources/icons/wan-desktop-$size.png"
  [ -f "$icon" ] || icon="$bundle/_internal/wan_desktop/resources/icons/wan-desktop-$size.png"
  install -D -m 644 "$icon" "$data/icons/hicolor/${size}x${size}/apps/wan-desktop.png"
done
refresh
echo "Installed $entry (runs $program) and icons in $data/icons/hicolor."
echo "Remove them with: bash packaging/install-desktop-entry.sh --uninstall"
