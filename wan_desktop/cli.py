"""The command line: the GUI by default, and headless subcommands over the same engine, database and
library as the GUI.

    wan-desktop [--home DIR] [--library DIR] [--region NAME] [--base-url URL] COMMAND ...

Only the parser lives here, so starting the GUI does not import the headless commands (wan_desktop.commands).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wan_desktop import cli_models
from wan_desktop.cli_batch import BATCH_SUBCOMMANDS, add_batch_commands
from wan_desktop.cli_money import MONEY_SUBCOMMANDS, add_money_commands
from wan_desktop.cli_options import add_request_options
from wan_desktop.cli_storyboard import add_storyboard_parser
from wan_desktop.core import i18n
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import ShotType
from wan_desktop.core.events import UncertainDecision
from wan_desktop.core.i18n import _
from wan_desktop.core.paths import default_home
from wan_desktop.core.settings import saved_language

EXIT_OK, EXIT_ERROR, EXIT_BLOCKED, EXIT_BUSY, EXIT_USAGE = 0, 1, 2, 3, 64  # BUSY: another holds the home
SUBCOMMANDS = (
    {"submit", "run", "jobs", "cancel", "retry", "decide", "library", "demo", "key", "models", "storyboard"}
    | MONEY_SUBCOMMANDS
    | BATCH_SUBCOMMANDS
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wan-desktop",
        description=_(
            "The command line: the GUI by default, and headless subcommands over the same engine, database and "
            "library as the GUI."
        ),
    )
    parser.add_argument("--home", type=Path, help=_("database and settings folder (env WAN_DESKTOP_HOME)"))
    parser.add_argument("--library", type=Path, help=_("folder for the videos (remembered once given)"))
    parser.add_argument(
        "--region",
        choices=[r.value for r in Region if r is not Region.CUSTOM],
        help=_("the region for this command only (Settings keeps the usual one)"),
    )
    parser.add_argument(
        "--base-url",
        help=_(
            "an API root for this command only, such as a simulator's "
            "http://127.0.0.1:PORT/api/v1 (plain http only on this machine)"
        ),
    )
    parser.add_argument(
        "--language",
        choices=[i18n.SYSTEM, *(language.value for language in i18n.Language)],
        help=_("the language of this command's words (Settings keeps the usual one)"),
    )
    parser.add_argument("--demo", action="store_true", help=_("GUI: start in demo mode (built-in simulator)"))
    parser.add_argument("--self-test", action="store_true", help=_("GUI: run one demo job end to end and exit"))
    add_money_commands(sub := parser.add_subparsers(dest="command"))  # spend, budget, ledger (cli_money.py)

    _add_submit(sub)
    run = sub.add_parser("run", help=_("work the queue until nothing is left to do without you"))
    run.add_argument("--quiet", action="store_true")
    jobs = sub.add_parser("jobs", help=_("list the jobs"))
    jobs.add_argument("--json", action="store_true")
    for name, text in (("cancel", _("cancel a job")), ("retry", _("queue a failed/canceled/expired job again"))):
        command = sub.add_parser(name, help=text)
        command.add_argument("job", help=_("job id (a unique prefix is enough)"))
    decide = sub.add_parser("decide", help=_("decide a job whose create may not have reached the service"))
    decide.add_argument("job")
    decide.add_argument("decision", choices=[d.value for d in UncertainDecision])
    sub.add_parser("library", help=_("library tools")).add_argument("action", choices=["rebuild"])
    key = sub.add_parser("key", help=_("the API key in the system keyring"))
    key.add_argument("action", choices=["set", "clear", "show"])
    add_batch_commands(sub)
    cli_models.add_models_command(sub)
    add_storyboard_parser(sub)
    demo = sub.add_parser("demo", help=_("the same commands against a built-in simulator (no key needed)"))
    demo.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _add_submit(sub) -> None:
    submit = sub.add_parser("submit", help=_("validate and queue one job per image (x count)"))
    submit.add_argument("images", nargs="*", help=_("first-frame images (files or URLs)"))
    add_request_options(submit, default_model="wan2.6-i2v-flash")
    submit.add_argument("--watermark", action="store_true")
    submit.add_argument("--audio-file")
    submit.add_argument("--shot-type", choices=[s.value for s in ShotType])
    submit.add_argument("--template")
    submit.add_argument("--count", type=int, default=1)
    cli_models.add_submit_flags(submit)
    submit.add_argument(
        "--fix",
        action="store_true",
        help=_("fix pictures stored turned, in CMYK, 16-bit or animated (a fixed copy; the original stays)"),
    )


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` columns of a terminal, where a Chinese character takes two (what
    ``f"{text:<16}"`` does for Latin letters only)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def install_language(argv: list[str]) -> None:
    """Words everything that follows (even `--help`) in the language chosen: --language, the home's settings,
    or the system locale."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--home", type=Path)
    early.add_argument("--language", default="")
    known, _rest = early.parse_known_args(argv)
    home = (known.home or default_home()).expanduser()
    override = os.environ.get(i18n.LANGUAGE_ENV, "")
    i18n.install(i18n.chosen_language(known.language, override, saved_language(home)))


def main(argv: list[str]) -> int:
    install_language(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from wan_desktop.qt.app import run_gui

        return run_gui(args)
    from wan_desktop.commands import run_command
    from wan_desktop.start_pause import resume_collection

    resume_collection()  # a command may run for hours: the start is over
    return run_command(args, parser)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
