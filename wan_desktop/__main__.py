"""`wan-desktop` and `python -m wan_desktop`: the GUI by default, headless subcommands otherwise."""

from __future__ import annotations

import sys

from wan_desktop.start_pause import pause_collection, resume_collection


def main(argv: list[str] | None = None) -> int:
    pause_collection()  # before the imports: they make most of the start's objects
    try:
        from wan_desktop.cli import main as cli_main

        return cli_main(sys.argv[1:] if argv is None else argv)
    finally:
        resume_collection()


if __name__ == "__main__":
    sys.exit(main())
