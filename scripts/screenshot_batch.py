"""Regenerates docs/batch.png: the batch dialog previewing a small CSV (run under Xvfb, see screenshot.sh)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.qt.app import make_application
from wan_desktop.qt.batch_dialog import BatchDialog
from wan_desktop.qt.self_test import run_events_until

COLOURS = [(200, 120, 60), (60, 140, 200), (90, 180, 110), (170, 80, 160)]


def main(target: str) -> int:
    app = make_application(sys.argv[:1])
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for n, colour in enumerate(COLOURS):
            Image.new("RGB", (640, 480), colour).save(folder / f"shot{n}.png")
        (folder / "shots.csv").write_text(
            "image,prompt,model,resolution,duration\n"
            "shot0.png,{subject} walking through a misty forest,wan2.2-i2v-plus,480P,5\n"
            "shot1.png,{subject} on a beach at sunset,wan2.2-i2v-plus,480P,5\n"
            "shot2.png,{subject} in the rain,wan2.2-i2v-plus,720P,5\n"
            "missing.png,{subject} under the stars,wan2.2-i2v-plus,480P,5\n",
            encoding="utf-8",
        )
        dialog = BatchDialog(folder / "home", Region.SINGAPORE)
        dialog.source_edit.setText(str(folder / "shots.csv"))
        dialog.lists_edit.setText("subject=a fox|an owl")
        dialog.show()
        done: list[bool] = []
        dialog.preview_finished.connect(lambda: done.append(True))
        dialog.start_preview()
        run_events_until(lambda: bool(done), 30)
        run_events_until(lambda: False, 0.5)
        dialog.grab().save(target)
        dialog.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/batch.png"))
