"""Typed settings, kept as JSON in the app-data folder. Never a key: that lives in the keyring (secrets.py).

A damaged settings file never stops the app: the readable fields are kept, the rest take defaults, and the
damaged file is kept beside it as ``settings.json.bad`` so nothing the person set is silently lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.regions import check_base_url, check_workspace
from wan_desktop.core.i18n import SYSTEM, Language, _
from wan_desktop.core.library import atomic_write_bytes, atomic_write_text

SETTINGS_FILE = "settings.json"
SETTINGS_VERSION = 1
_MAX_SETTINGS_BYTES = 1 << 20  # a settings file is a few hundred bytes; a larger one is not ours
_SECRET_NAME = re.compile(r"(^|_)(api_?key|key|secret|password|token)s?$", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    library_dir: Path | None = None  # None: not chosen yet (first run asks, the CLI uses the default)
    region: Region = Region.SINGAPORE
    workspace: str = ""  # the first round's one workspace id: Frankfurt's (and a custom URL's header)
    workspaces: tuple[tuple[str, str], ...] = ()  # (region value, workspace id): that region's workspace host
    custom_base_url: str = ""  # Region.CUSTOM: a simulator or proxy
    max_concurrent_jobs: int | None = None  # None: the model's own cap
    notifications: bool = True
    keep_running_in_tray: bool | None = None  # None: ask the first time the window closes
    last_model: str = "wan2.6-i2v-flash"
    window_geometry: str = ""
    language: str = SYSTEM  # "system" (follow the system locale) or a Language value; used at the next start

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def workspace_for(self, region: Region) -> str:
        """The workspace id requests to ``region`` use (its workspace host); "" for the shared host."""
        given = dict(self.workspaces).get(region.value, "")
        if given:
            return given
        return self.workspace if region in (Region.FRANKFURT, Region.CUSTOM) else ""

    def with_workspace(self, region: Region, workspace: str) -> Settings:
        chosen = {**dict(self.workspaces), region.value: workspace.strip()}
        pairs = tuple(sorted((r, w) for r, w in chosen.items() if w))
        legacy = workspace.strip() if region in (Region.FRANKFURT, Region.CUSTOM) else self.workspace
        return replace(self, workspaces=pairs, workspace=legacy)


# A settings file is plain text anyone can read; make sure no field could ever hold a credential.
assert not [f.name for f in fields(Settings) if _SECRET_NAME.search(f.name)], "Settings must not hold a key"


def _optional_path(value: Any) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a folder path")
    return Path(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def _base_url(value: Any) -> str:
    # A file anyone could edit must not point the key at a plain-http host elsewhere.
    text = _text(value)
    return check_base_url(text) if text.strip() else ""


def _workspaces(value: Any) -> tuple[tuple[str, str], ...]:
    """{region: workspace id}; every id checked, as a typed one is, so a hand-edited file cannot point
    requests at a host name made of anything."""
    if not isinstance(value, dict) or len(value) > 16:
        raise ValueError("not a table of workspace ids")
    pairs = []
    for region, workspace in value.items():
        Region(region)
        if not isinstance(workspace, str):
            raise ValueError("not a workspace id")
        pairs.append((region, check_workspace(workspace)))
    return tuple(sorted(pair for pair in pairs if pair[1]))


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not true or false")
    return value


def _optional_flag(value: Any) -> bool | None:
    return None if value is None else _flag(value)


def _optional_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("not a positive whole number")
    return value


def _model_key(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("not a model name")
    return value


def _language(value: Any) -> str:
    if value != SYSTEM and value not in {language.value for language in Language}:
        raise ValueError("not a language the app has")
    return value


_READERS: dict[str, Callable[[Any], Any]] = {
    "library_dir": _optional_path,
    "region": Region,
    "workspace": _text,
    "workspaces": _workspaces,
    "custom_base_url": _base_url,
    "max_concurrent_jobs": _optional_count,
    "notifications": _flag,
    "keep_running_in_tray": _optional_flag,
    "last_model": _model_key,
    "window_geometry": _text,
    "language": _language,
}
assert set(_READERS) == {f.name for f in fields(Settings)}, "every setting needs a reader"


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {"version": SETTINGS_VERSION}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, Region):
            value = value.value
        elif f.name == "workspaces":
            value = dict(value)
        data[f.name] = value
    return data


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """The settings in ``data`` and the names of fields that were unreadable (those take defaults)."""
    values: dict[str, Any] = {}
    bad: list[str] = []
    for name, reader in _READERS.items():
        if name not in data:
            continue
        try:
            values[name] = reader(data[name])
        except (ValueError, TypeError):
            bad.append(name)
    return Settings(**values), bad


def saved_language(home: Path) -> str:
    """The language the settings file asks for, read without changing anything (the CLI words its first line,
    even `--help`, before any command opens the settings); "system" when the file has none or is unreadable."""
    try:
        with (Path(home) / SETTINGS_FILE).open("rb") as handle:
            raw = handle.read(_MAX_SETTINGS_BYTES + 1)
        data = json.loads(raw) if len(raw) <= _MAX_SETTINGS_BYTES else None
        return _language(data.get("language", SYSTEM)) if isinstance(data, dict) else SYSTEM
    except (OSError, ValueError, TypeError):
        return SYSTEM


class SettingsStore:
    def __init__(self, home: Path) -> None:
        self.path = Path(home) / SETTINGS_FILE
        self.bad_path = self.path.with_name(SETTINGS_FILE + ".bad")
        self.problem: str | None = None  # a sentence about the last load, when something had to be reset

    def load(self) -> Settings:
        self.problem = None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except (OSError, UnicodeDecodeError) as error:
            unreadable = _(
                "The settings file could not be read ({reason}), so the defaults are used. "
                "The old file is kept as {name}."
            )
            return self._reset(unreadable.format(reason=error, name=self.bad_path.name))
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return self._reset(self._damaged())
        if not isinstance(data, dict):
            return self._reset(self._damaged())
        settings, bad = settings_from_dict(data)
        if bad:
            self._keep_bad_copy()
            self.problem = _(
                "Some settings were unreadable and were reset to their defaults: {names}. "
                "The old file is kept as {name}."
            ).format(names=_(", ").join(bad), name=self.bad_path.name)
        return settings

    def save(self, settings: Settings) -> None:
        data = settings_to_dict(settings)
        assert not [name for name in data if _SECRET_NAME.search(name)], "a key must never reach settings.json"
        atomic_write_text(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def _damaged(self) -> str:
        return _("The settings file was damaged, so the defaults are used. The old file is kept as {name}.").format(
            name=self.bad_path.name
        )

    def _reset(self, problem: str) -> Settings:
        self._keep_bad_copy()
        self.problem = problem
        return Settings()

    def _keep_bad_copy(self) -> None:
        try:
            atomic_write_bytes(self.bad_path, self.path.read_bytes())
        except OSError:
            pass  # a read-only folder: the defaults still let the app start
