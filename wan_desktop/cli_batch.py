"""The parser part of the batch feature's subcommands: batch, preset, inspect (handlers in commands_batch)."""

from __future__ import annotations

import argparse
from pathlib import Path

from wan_desktop.core.i18n import _

BATCH_SUBCOMMANDS = frozenset({"batch", "preset", "inspect"})


def add_batch_commands(sub: argparse._SubParsersAction) -> None:
    batch = sub.add_parser(
        "batch", help=_("preview (and queue) one job per row of a CSV/JSONL file or per image of a folder")
    )
    batch.add_argument("source", type=Path, help=_("a .csv or .jsonl file, or a folder of images"))
    batch.add_argument("--prompt", help=_("a prompt template with {variable} placeholders (columns or --var lists)"))
    batch.add_argument("--var", action="append", default=[], metavar="NAME=A|B|C", help=_("a list for a placeholder"))
    batch.add_argument("--preset", help=_("a preset's model and options for rows that do not set them"))
    batch.add_argument("--model", help=_("the model for rows that do not name one"))
    batch.add_argument("--filter", default="*", help=_("folder: only images whose name matches, e.g. *.png"))
    batch.add_argument("--recursive", action="store_true", help=_("folder: look in sub-folders too"))
    batch.add_argument("--dry-run", action="store_true", help=_("show the preview only; queue nothing"))
    batch.add_argument("--json", action="store_true", help=_("the preview as JSON"))
    batch.add_argument("--skip-invalid", action="store_true", help=_("queue the valid rows even when some are not"))

    preset = sub.add_parser("preset", help=_("named sets of model and options"))
    preset.add_argument("action", choices=["list", "save", "delete", "rename", "export", "import"])
    preset.add_argument("name", nargs="?", help=_("the preset's name (import: the file)"))
    preset.add_argument("target", nargs="?", help=_("rename: the new name; export: the file to write"))
    preset.add_argument("--model")
    preset.add_argument("--resolution")
    preset.add_argument("--duration", type=int)
    preset.add_argument("--negative")
    preset.add_argument("--no-prompt-extend", action="store_true")
    preset.add_argument("--watermark", action="store_true")
    preset.add_argument("--json", action="store_true")

    inspect = sub.add_parser("inspect", help=_("show the settings carried inside a finished video"))
    inspect.add_argument("video", type=Path)
    inspect.add_argument("--json", action="store_true")
