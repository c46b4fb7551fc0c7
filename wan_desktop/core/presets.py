"""Presets: a named set of model and options, kept as small JSON files in the home and checked on load.

A preset holds no media and no prompt, only how to make the video. Each one read from disk (the home's
``presets/`` folder, an imported file, the ones shipped in resources/presets.json) is untrusted: bounded in
size, every field typed, and the options checked against the model by the request validator, so applying a
preset can never produce a request the rulebook refuses for an option.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from wan_desktop.core.dashscope.catalog import Region, find_model
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType
from wan_desktop.core.i18n import _, data_text
from wan_desktop.core.request_checks import validate_request

PRESETS_FORMAT = "wan-desktop-presets"
PRESETS_VERSION = 1
MAX_PRESET_BYTES = 64 * 1024
MAX_NAME = 80
FOLDER = "presets"
_OPTION_FIELDS = (
    "resolution",
    "duration",
    "negative_prompt",
    "prompt_extend",
    "watermark",
    "audio_enabled",
    "shot_type",
)
_MEDIA_FIELDS = frozenset({"first_frame", "last_frame", "audio", "first_clip", "media"})


class PresetError(ValueError):
    """A preset that cannot be used; the message is a sentence for a person."""


@dataclass(frozen=True)
class Preset:
    name: str
    model: str
    resolution: str | None = None
    duration: int | None = None
    negative_prompt: str = ""
    prompt_extend: bool = True
    watermark: bool = False
    audio_enabled: bool | None = None
    shot_type: ShotType | None = None
    builtin: bool = False

    def options(self) -> dict[str, Any]:
        """The request fields this preset sets (model included)."""
        return {"model": self.model, **{name: getattr(self, name) for name in _OPTION_FIELDS}}

    def applied_to(self, request: GenerationRequest) -> GenerationRequest:
        return replace(request, **self.options())

    def differences(self, request: GenerationRequest) -> tuple[str, ...]:
        """The option names where ``request`` differs from this preset (what the composer marks); an option
        the preset leaves unset (the model's default) never differs."""
        return tuple(
            name for name, value in self.options().items() if value is not None and getattr(request, name) != value
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("builtin")
        data["shot_type"] = self.shot_type.value if self.shot_type else None
        return {name: value for name, value in data.items() if value is not None}


def preset_from_dict(data: Any, *, builtin: bool = False) -> Preset:
    if not isinstance(data, dict):
        raise PresetError(_("A preset must be an object with a name and a model."))
    name = _name(data.get("name"))
    known = {f.name for f in fields(Preset)} - {"builtin"}
    unknown = sorted(str(key)[:40] for key in data if key not in known)
    if unknown:
        raise PresetError(
            _("The preset '{name}' has fields the app does not know: {fields}.").format(
                name=name, fields=_(", ").join(unknown)
            )
        )
    model = data.get("model")
    spec = find_model(model) if isinstance(model, str) else None
    if spec is None:
        raise PresetError(
            _("The preset '{name}' names a model that does not exist ({model}).").format(
                name=name, model=repr(str(model)[:40])
            )
        )
    values = {key: _typed(name, key, data[key]) for key in _OPTION_FIELDS if key in data}
    preset = Preset(name=name, model=spec.key, builtin=builtin, **values)
    _check_options(preset)
    return preset


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME or not value.isprintable():
        raise PresetError(_("A preset needs a name of 1 to {limit} printable characters.").format(limit=MAX_NAME))
    return value.strip()


def _typed(name: str, key: str, value: Any) -> Any:
    expected = {
        "resolution": (str, type(None)),
        "duration": (int, type(None)),
        "negative_prompt": (str,),
        "prompt_extend": (bool,),
        "watermark": (bool,),
        "audio_enabled": (bool, type(None)),
        "shot_type": (str, type(None)),
    }[key]
    if not isinstance(value, expected) or (key == "duration" and isinstance(value, bool)):
        raise PresetError(
            _("The preset '{name}' has a {field} of the wrong kind ({value}).").format(
                name=name, field=option_words(key), value=repr(str(value)[:40])
            )
        )
    if key == "negative_prompt" and len(value) > 2000:
        raise PresetError(
            _("The preset '{name}' has a negative prompt longer than {limit} characters.").format(name=name, limit=2000)
        )
    if key == "shot_type" and value is not None:
        try:
            return ShotType(value)
        except ValueError:
            raise PresetError(
                _("The preset '{name}' has an unknown shot type {value}.").format(name=name, value=repr(value[:20]))
            ) from None
    return value


def option_words(key: str) -> str:
    """A preset option's name as people read it: in a preset's mistake ("a resolution of the wrong kind") and
    in the picker's "Differs from" line."""
    words = {
        "model": _("model"),
        "resolution": _("resolution"),
        "duration": _("duration"),
        "negative_prompt": _("negative prompt"),
        "prompt_extend": _("prompt extend"),
        "watermark": _("watermark"),
        "audio_enabled": _("audio enabled"),
        "shot_type": _("shot type"),
    }
    return words.get(key, key.replace("_", " "))


def _check_options(preset: Preset) -> None:
    request = preset.applied_to(GenerationRequest(model=preset.model))
    problems = [p for p in validate_request(request, Region.CUSTOM) if p.field not in _MEDIA_FIELDS]
    if problems:
        raise PresetError(
            _("The preset '{name}' does not fit its model: {problem}.").format(
                name=_shown_name(preset), problem=problems[0].allowed
            )
        )


def _shown_name(preset: Preset) -> str:
    """A preset's name as the person reads it: a shipped preset's name is in the catalog."""
    return data_text(preset.name) if preset.builtin else preset.name


def preset_from_request(name: str, request: GenerationRequest) -> Preset:
    values = {key: getattr(request, key) for key in _OPTION_FIELDS}
    preset = Preset(name=_name(name), model=request.model, **values)
    _check_options(preset)
    return preset


# -- files ----------------------------------------------------------------------------------------------------
def read_preset_file(path: Path, *, builtin: bool = False) -> list[Preset]:
    """The presets in one file: a single preset object or the ``{"format": ..., "presets": [...]}`` envelope."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PRESET_BYTES + 1)
    except OSError as error:
        raise PresetError(
            _("'{name}' cannot be read ({reason}).").format(name=path.name, reason=error.strerror or error)
        ) from None
    if len(raw) > MAX_PRESET_BYTES:
        raise PresetError(
            _("'{name}' is larger than {limit} KiB, so it is not a preset file.").format(
                name=path.name, limit=MAX_PRESET_BYTES // 1024
            )
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PresetError(_("'{name}' is not a preset file (it is not JSON).").format(name=path.name)) from None
    if isinstance(data, dict) and "presets" in data:
        if data.get("format") != PRESETS_FORMAT or not isinstance(data["presets"], list):
            raise PresetError(_("'{name}' is not a Wan Desktop preset file.").format(name=path.name))
        return [preset_from_dict(item, builtin=builtin) for item in data["presets"][:100]]
    return [preset_from_dict(data, builtin=builtin)]


def file_name(name: str) -> str:
    slug = re.sub(r"[^0-9A-Za-z._-]+", "-", name.strip()).strip("-.") or "preset"
    return f"{slug[:60]}.json"


def _shipped_file() -> Path:
    return Path(__file__).resolve().parent.parent / "resources" / "presets.json"


class PresetBook:
    """The presets of one home: the shipped ones, then the person's (a saved one of the same name wins).

    A broken file in the folder is listed in ``problems`` with a sentence and skipped, never fatal."""

    def __init__(self, home: Path, shipped: Path | None = None) -> None:
        self.folder = Path(home) / FOLDER
        self._shipped = shipped or _shipped_file()
        self.problems: tuple[str, ...] = ()

    def all(self) -> list[Preset]:
        problems: list[str] = []
        by_name: dict[str, Preset] = {}
        try:
            for preset in read_preset_file(self._shipped, builtin=True):
                by_name[preset.name.casefold()] = preset
        except PresetError as error:
            problems.append(str(error))
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                for preset in read_preset_file(path)[:1]:
                    by_name[preset.name.casefold()] = preset
            except PresetError as error:
                problems.append(str(error))
        self.problems = tuple(problems)
        return list(by_name.values())

    def get(self, name: str) -> Preset | None:
        return next((p for p in self.all() if p.name.casefold() == name.strip().casefold()), None)

    def save(self, preset: Preset) -> Path:
        from wan_desktop.core.library import atomic_write_text

        _check_options(preset)
        path = self.folder / file_name(preset.name)
        atomic_write_text(path, json.dumps(preset.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return path

    def delete(self, name: str) -> None:
        preset = self._named(name)
        if preset.builtin:
            raise PresetError(
                _("'{name}' ships with the app and cannot be deleted; save your own instead.").format(
                    name=_shown_name(preset)
                )
            )
        self._own_file(preset).unlink(missing_ok=True)

    def rename(self, name: str, new_name: str) -> Preset:
        preset = self._named(name)
        if self.get(new_name) is not None:
            raise PresetError(_("A preset called '{name}' exists already; choose another name.").format(name=new_name))
        renamed = replace(preset, name=_name(new_name), builtin=False)
        self.save(renamed)
        if not preset.builtin:
            self._own_file(preset).unlink(missing_ok=True)
        return renamed

    def export(self, name: str, target: Path) -> Path:
        from wan_desktop.core.library import atomic_write_text

        preset = self._named(name)
        target = Path(target)
        if target.exists():
            raise PresetError(
                _("'{name}' exists already; the preset was not written over it.").format(name=target.name)
            )
        atomic_write_text(target, json.dumps(preset.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return target

    def import_file(self, source: Path) -> list[Preset]:
        presets = read_preset_file(source)
        for preset in presets:
            self.save(preset)
        return presets

    def _named(self, name: str) -> Preset:
        preset = self.get(name)
        if preset is None:
            raise PresetError(_("There is no preset called '{name}'.").format(name=name))
        return preset

    def _own_file(self, preset: Preset) -> Path:
        for path in sorted(self.folder.glob("*.json")):
            try:
                if any(p.name.casefold() == preset.name.casefold() for p in read_preset_file(path)[:1]):
                    return path
            except PresetError:
                continue
        return self.folder / file_name(preset.name)
