"""The parser of ``wan-desktop storyboard ...`` (the handlers are in commands_storyboard)."""

from __future__ import annotations

import argparse
from pathlib import Path

from wan_desktop.cli_options import add_request_options
from wan_desktop.core.i18n import _

ACTIONS_THAT_WRITE = frozenset({"new", "add", "render", "take", "pick", "export", "remove", "move", "duplicate"})


def add_storyboard_parser(sub) -> None:
    board = sub.add_parser("storyboard", help=_("plan, render and export a film of several shots"))
    actions = board.add_subparsers(dest="action", required=True)
    new = actions.add_parser("new", help=_("a new, empty storyboard"))
    new.add_argument("name")
    add = actions.add_parser("add", help=_("add a shot at the end"))
    add.add_argument("name")
    _shot_options(add)
    join = add.add_mutually_exclusive_group()
    join.add_argument("--image", type=Path, help=_("a hard cut: the shot's own first frame"))
    join.add_argument("--continue", dest="continue_clip", action="store_true", help=_("continue the clip (wan2.7)"))
    join.add_argument(
        "--from-last-frame", dest="last_frame", action="store_true", help=_("start from the last frame before")
    )
    join.add_argument("--reference-previous", action="store_true", help=_("use the clip before as a reference"))
    add.add_argument("--notes", default="")
    listing = actions.add_parser("list", help=_("the storyboards"))
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help=_("a storyboard's shots, their takes and states"))
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    render = actions.add_parser("render", help=_("queue every shot without a take; with --run, render to the end"))
    render.add_argument("name")
    render.add_argument("--run", action="store_true", help=_("keep rendering until every shot is done"))
    render.add_argument("--yes", action="store_true", help=_("do not ask before queuing (the estimate is printed)"))
    render.add_argument("--quiet", action="store_true")
    take = actions.add_parser("take", help=_("another take of one shot (its number), leaving the others"))
    take.add_argument("name")
    take.add_argument("shot", type=int)
    take.add_argument("--seed", type=int)
    take.add_argument("--prompt")
    pick = actions.add_parser("pick", help=_("use one take of a shot (its job id or a unique prefix)"))
    pick.add_argument("name")
    pick.add_argument("shot", type=int)
    pick.add_argument("job")
    for verb, text in (("remove", _("remove a shot")), ("duplicate", _("copy a shot (without its takes)"))):
        edit = actions.add_parser(verb, help=text)
        edit.add_argument("name")
        edit.add_argument("shot", type=int)
    move = actions.add_parser("move", help=_("move a shot to another place"))
    move.add_argument("name")
    move.add_argument("shot", type=int)
    move.add_argument("to", type=int)
    export = actions.add_parser("export", help=_("one MP4 of the picked takes (and an .otio cut)"))
    export.add_argument("name")
    export.add_argument("out", type=Path)
    export.add_argument("--otio", type=Path)


def _shot_options(parser: argparse.ArgumentParser) -> None:
    add_request_options(parser, default_model="wan2.2-i2v-flash")
