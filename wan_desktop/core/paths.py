"""Where Wan Desktop keeps its own data (database, settings) and where the library goes by default.

WAN_DESKTOP_HOME overrides everything, so tests, portable installs and a second profile never touch the real one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "WAN_DESKTOP_HOME"
APP_NAME = "Wan Desktop"
APP_SLUG = "wan-desktop"


def default_home(
    environ: Mapping[str, str] = os.environ, platform: str = sys.platform, user_home: Path | None = None
) -> Path:
    """The app-data folder: $WAN_DESKTOP_HOME, else the platform's usual place."""
    override = environ.get(HOME_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    home = user_home if user_home is not None else Path.home()
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    if platform.startswith("win"):
        appdata = environ.get("APPDATA", "").strip()
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / APP_NAME
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / APP_SLUG


def default_library(user_home: Path | None = None) -> Path:
    """~/Videos/Wan Desktop where a Videos folder exists (Windows, macOS "Movies", most Linux desktops),
    else ~/Wan Desktop."""
    home = user_home if user_home is not None else Path.home()
    for name in ("Videos", "Movies"):
        if (home / name).is_dir():
            return home / name / APP_NAME
    return home / APP_NAME
