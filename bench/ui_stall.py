"""GUI-thread stalls while many jobs run: one JSON line.

    QT_QPA_PLATFORM=offscreen python bench/ui_stall.py [--jobs 100] [--time-scale 0.01]

Opens the real main window in demo mode (the built-in simulator), queues the jobs the way a person does
(images dropped on the composer, variations, Generate), and while they are submitted, polled, downloaded,
verified and thumbnailed a 5 ms heartbeat timer records every gap of the event loop. The same window idle
for as long gives the baseline. Prints the longest and 99th-percentile gap of both and their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.jobs import JobState
from wan_desktop.core.secrets import KeyVault
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.qt.app import make_application
from wan_desktop.qt.main_window import MainWindow, WindowContext
from wan_desktop.qt.self_test import drop_files, run_events_until

HEARTBEAT_MS = 5


class Heartbeat:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer(interval=HEARTBEAT_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._beat)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.gaps.clear()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        gaps_ms = sorted(gap * 1000 for gap in self.gaps[1:])
        return {
            "max_ms": round(gaps_ms[-1], 1),
            "p99_ms": round(statistics.quantiles(gaps_ms, n=100)[-1], 1),
            "beats": len(gaps_ms),
        }

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now


def wait_for(condition, timeout_s: float) -> None:
    if not run_events_until(condition, timeout_s):
        raise SystemExit(f"timed out after {timeout_s} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100, help="a multiple of 4 (images x 4 variations)")
    parser.add_argument("--time-scale", type=float, default=0.01)
    args = parser.parse_args()
    make_application()  # the QApplication must exist before any widget
    with tempfile.TemporaryDirectory(prefix="wan-stall-") as tmp:
        root = Path(tmp)
        images = []
        for n in range(args.jobs // 4):
            path = root / f"input-{n}.png"
            Image.effect_noise((832, 480), 40 + n).convert("RGB").save(path)
            images.append(path)
        settings = Settings(
            library_dir=root / "library", region=Region.CUSTOM, notifications=False, keep_running_in_tray=False
        )
        context = WindowContext(
            root / "home", SettingsStore(root / "home"), KeyVault(), demo=True, demo_time_scale=args.time_scale
        )
        window = MainWindow(context, settings)
        window.show()
        ready = []
        window.engine_ready.connect(lambda: ready.append(True))
        wait_for(lambda: ready, 60)
        heartbeat = Heartbeat()
        started = time.perf_counter()
        heartbeat.start()
        composer = window.composer
        composer.select_model("wan2.2-i2v-flash")
        composer.resolution_combo.setCurrentIndex(composer.resolution_combo.findData("480P"))
        drop_files(composer.first_zone, images)
        wait_for(lambda: len(composer.first_zone.entries()) == len(images) and not composer.first_zone.busy, 60)
        composer.variations.setValue(4)
        QTest.keyClicks(composer.prompt_edit, "a heartbeat under load")
        QTest.mouseClick(composer.generate_button, Qt.MouseButton.LeftButton)
        wait_for(lambda: len(window.jobs()) == args.jobs, 60)
        wait_for(lambda: all(job.state is JobState.DONE for job in window.jobs()), 900)
        busy = heartbeat.stop()
        busy_seconds = time.perf_counter() - started
        heartbeat.start()
        wait_for(lambda: False if time.perf_counter() - started < 2 * busy_seconds else True, busy_seconds + 60)
        idle = heartbeat.stop()
        window.quit()
    print(
        json.dumps(
            {
                "jobs": args.jobs,
                "seconds": round(busy_seconds, 1),
                "heartbeat_ms": HEARTBEAT_MS,
                "max_stall_ms": busy["max_ms"],
                "p99_stall_ms": busy["p99_ms"],
                "idle_max_ms": idle["max_ms"],
                "idle_p99_ms": idle["p99_ms"],
                "max_ratio_vs_idle": round(busy["max_ms"] / idle["max_ms"], 2),
                "p99_ratio_vs_idle": round(busy["p99_ms"] / idle["p99_ms"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
