"""The models themselves, as data: ``wan_desktop/resources/models.json`` ships with the app, and a person may add
or override models in ``models.json`` in their data folder. Both are read by ``catalog_schema`` alone.

A bad override file is refused as a whole with a sentence naming the file, the entry and the field; the
shipped catalog still loads. A bad shipped catalog is a bug in the release, so it raises.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from wan_desktop.core.i18n import _, format_number

from .catalog_schema import CatalogError, parse_catalog
from .specs import ModelSpec

OVERRIDE_FILE = "models.json"
MAX_OVERRIDE_BYTES = 1024 * 1024
_AS_OF = "2026-12 (resources/models.json)"


def shipped() -> tuple[ModelSpec, ...]:
    text = resources.files("wan_desktop.resources").joinpath("models.json").read_text(encoding="utf-8")
    return parse_catalog("models.json (shipped)", json.loads(text))


def read_override(home: Path) -> tuple[tuple[ModelSpec, ...], str]:
    """The models of the person's override file and "" , or () and the sentence that refuses it.
    No file is no override."""
    path = home / OVERRIDE_FILE
    try:
        if not path.is_file():
            return (), ""
        if path.stat().st_size > MAX_OVERRIDE_BYTES:
            return (), _("The catalog file {path} was refused: it is larger than {size} KB.").format(
                path=path, size=format_number(MAX_OVERRIDE_BYTES // 1024)
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return (), _("The catalog file {path} could not be read ({error}); it was ignored.").format(
            path=path, error=error.__class__.__name__
        )
    except json.JSONDecodeError as error:
        return (), _("The catalog file {path} was refused: it is not JSON (line {line}: {problem}).").format(
            path=path, line=error.lineno, problem=error.msg
        )
    try:
        return parse_catalog(str(path), data), ""
    except CatalogError as error:
        return (), str(error)


_MODELS: tuple[ModelSpec, ...] = shipped()
