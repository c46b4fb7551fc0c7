"""Files the app needs at run time (icons), found the same way from a source tree, a wheel or a bundle."""

from __future__ import annotations

import sys
from pathlib import Path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource_dir() -> Path:
    # PyInstaller unpacks data files under sys._MEIPASS; elsewhere they sit beside this module.
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "wan_desktop" / "resources"
    return Path(__file__).resolve().parent


def icon_path(size: int = 256) -> Path:
    return resource_dir() / "icons" / f"wan-desktop-{size}.png"
