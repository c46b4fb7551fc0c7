#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Qt, the Secret Service and the tests need, if any is missing.
# Qt (PySide6 wheels) needs the libraries below to load its xcb/offscreen platform plugins and
# QtMultimedia; gnome-keyring + dbus give a real Secret Service for the keyring; xvfb a virtual screen;
# fonts-noto-cjk draws Chinese; nodejs runs pyright (scripts/lint.sh), whose PyPI wrapper would otherwise
# download a Node at first use.
set -euo pipefail

PACKAGES=(
  libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0 libpulse0 libgssapi-krb5-2 libxrandr2
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libnss3 libasound2
  xvfb xauth gnome-keyring dbus dbus-x11 python3-venv nodejs
  fonts-noto-cjk  # Chinese text (the app in 简体中文, Chinese prompts) shows as characters, not boxes
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages (${missing[*]}) and no apt-get here: install their equivalents by hand." >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
