"""Batch preview of 1,000 rows: time against a plain validation loop, and the GUI stall while the dialog fills.

    QT_QPA_PLATFORM=offscreen python bench/batch.py [--rows 1000] [--images 20]

Writes a CSV of ``--rows`` rows over ``--images`` pictures in a temp folder, then reports (one JSON line):
- ``preview_s``: read the file and preview it (core.batch: decode, sniff, template, validate, price);
- ``plain_loop_s``: the same requests validated and priced with a plain loop (no file, no template);
- ``ratio``: preview_s / plain_loop_s (the batch machinery's overhead);
- ``dialog_fill_s`` and ``longest_stall_ms``: the batch dialog filling its table from its worker, with a 5 ms
  heartbeat timer recording the longest gap of the event loop meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image
from PySide6.QtCore import QTimer

from wan_desktop.core import cost
from wan_desktop.core.batch import BatchSettings, preview
from wan_desktop.core.batch_files import read_source
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.request_checks import validate_request
from wan_desktop.qt.app import make_application
from wan_desktop.qt.batch_dialog import BatchDialog
from wan_desktop.qt.self_test import run_events_until

MODEL, REGION = "wan2.2-i2v-plus", Region.SINGAPORE


def make_batch(folder: Path, rows: int, images: int) -> Path:
    for n in range(images):
        Image.new("RGB", (640, 480), (n * 7 % 255, 90, 160)).save(folder / f"img{n}.png")
    lines = ["image,prompt,resolution,seed"]
    lines += [f"img{n % images}.png,a fox number {n} running in the snow,480P,{n}" for n in range(rows)]
    path = folder / "batch.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plain_loop(folder: Path, rows: int, images: int) -> float:
    start = time.perf_counter()
    for n in range(rows):
        request = GenerationRequest(
            model=MODEL,
            first_frame=str(folder / f"img{n % images}.png"),
            prompt=f"a fox number {n} running in the snow",
            resolution="480P",
            seed=n,
        )
        validate_request(request, REGION)
        cost.estimate(request, REGION)
    return time.perf_counter() - start


def batch_preview(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = preview(read_source(path), BatchSettings(model=MODEL, region=REGION))
    return time.perf_counter() - start, len(result.valid_rows)


def dialog_fill(path: Path, home: Path, rows: int) -> tuple[float, float]:
    app = make_application([])
    dialog = BatchDialog(home, REGION)
    dialog.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(beat)
    done = []
    dialog.preview_finished.connect(lambda: done.append(True))
    timer.start()
    dialog.source_edit.setText(str(path))
    start = time.perf_counter()
    last[0] = start
    dialog.start_preview()
    run_events_until(lambda: bool(done), timeout_s=300)
    elapsed = time.perf_counter() - start
    timer.stop()
    assert dialog.model.rowCount() == rows, dialog.total_label.text()
    dialog.close()
    del app
    return elapsed, max(gaps, default=0.0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--images", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        path = make_batch(folder, args.rows, args.images)
        plain = plain_loop(folder, args.rows, args.images)
        previewed, valid = batch_preview(path)
        fill, stall = dialog_fill(path, folder / "home", args.rows)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "valid_rows": valid,
                "preview_s": round(previewed, 3),
                "plain_loop_s": round(plain, 3),
                "ratio": round(previewed / plain, 2) if plain else None,
                "dialog_fill_s": round(fill, 3),
                "longest_stall_ms": round(stall, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
