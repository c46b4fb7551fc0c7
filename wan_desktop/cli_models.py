"""The parser part of issue 11's command line: the media-array `submit` flags and `wan-desktop models`."""

from __future__ import annotations

import argparse

from wan_desktop.core.i18n import _

AUTO = "auto"


def duration_value(text: str) -> int | str:
    """--duration: whole seconds, or "auto" to let the model choose (where the model offers it)."""
    if text.strip().lower() == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text!r} is not a number of seconds or 'auto'").format(text=text)) from None


def add_submit_flags(submit: argparse.ArgumentParser) -> None:
    set_duration_type(submit)
    submit.add_argument("--last-frame", help=_("a last-frame image (first+last-frame models)"))
    submit.add_argument("--clip", help=_("wan2.7: a video to continue"))
    submit.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="FILE",
        help=_("a reference image, clip or audio (repeatable; its role comes from the file type; in prompt order)"),
    )
    submit.add_argument("--ratio", help=_("aspect ratio where the model offers one, such as 16:9 or adaptive"))
    submit.add_argument("--thinking", action="store_true", help=_("Wan 3.0: the service's thinking mode"))
    submit.add_argument(
        "--workspace", help=_("the workspace id for this command only: requests go to that workspace's host")
    )


def set_duration_type(submit: argparse.ArgumentParser) -> None:
    for action in submit._actions:  # the flag is declared with the other options; only its type changes
        if action.dest == "duration":
            action.type = duration_value
            action.help = _("seconds, or 'auto' to let the model choose")


def add_models_command(sub) -> None:
    models = sub.add_parser("models", help=_("list the models: name, status, modes, regions, price"))
    models.add_argument("--json", action="store_true")
