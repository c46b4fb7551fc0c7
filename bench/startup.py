"""Cold start of the app to its first paint, against a bare PySide6 window in the same run: one JSON line.

    python bench/startup.py [--runs 7] [--drop-caches] [--language zh_CN]

Both programs run from source with the same interpreter, alternating: the app as `python -m wan_desktop
--demo` with a fresh home (it prints a marker at its first paint when WAN_DESKTOP_EXIT_AT_FIRST_PAINT=1),
the bare window as a tiny script that does the same. The launcher and marker timing are bench/bundle.py's,
which measures the frozen bundles the same way. --drop-caches (root) empties the page cache before each run.
--language starts the app in that language (WAN_DESKTOP_LANGUAGE), so the cost of its catalog shows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundle import BARE_SCRIPT, measure_starts


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--drop-caches", action="store_true")
    parser.add_argument("--language", default="", help="e.g. zh_CN (default: as the environment says)")
    args = parser.parse_args()
    if args.language:
        os.environ["WAN_DESKTOP_LANGUAGE"] = args.language
    with tempfile.TemporaryDirectory(prefix="wan-startup-") as scratch:
        script = Path(scratch) / "bare_window.py"
        script.write_text(BARE_SCRIPT)
        app, bare = measure_starts(
            [sys.executable, "-m", "wan_desktop"], [sys.executable, str(script)], args.runs, args.drop_caches
        )
    app_median, bare_median = statistics.median(app), statistics.median(bare)
    print(
        json.dumps(
            {
                "bench": "startup",
                "runs": args.runs,
                "cold_caches": args.drop_caches,
                "language": os.environ.get("WAN_DESKTOP_LANGUAGE", "system"),
                "qpa": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                "app_first_paint_median_s": round(app_median, 3),
                "bare_first_paint_median_s": round(bare_median, 3),
                "ratio": round(app_median / bare_median, 2),
                "app_all_s": [round(t, 3) for t in app],
                "bare_all_s": [round(t, 3) for t in bare],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
