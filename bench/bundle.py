"""Size and start-up time of the Wan Desktop bundle against a bare PySide6 window bundled the same way.

    python bench/bundle.py [--runs 7] [--reuse] [--drop-caches]

Builds, in this run, packaging/wan_desktop.spec twice into bench/out/bundle/: once as the app, once with
WAN_SPEC_BARE_SCRIPT pointing at a tiny script (a QMainWindow that prints a marker and quits at its first paint),
so both get the same PyInstaller options, Qt exclusions and plugin filtering. Then:
  - size: the bytes of every file in each one-folder bundle;
  - start: seconds from launching the program to its first-paint marker on stdout (the app in demo mode with
    WAN_DESKTOP_EXIT_AT_FIRST_PAINT=1 and a fresh home), runs alternating between the two; the first run of
    each and the median are reported, the ratio uses the medians. The same two programs are also timed from
    source (source_start_median_s): what freezing costs, apart from what the app itself does at start.
    --drop-caches (root only) empties the page cache before every run, for truly cold starts.
Prints one JSON line. Target: both ratios <= 1.3. QT_QPA_PLATFORM defaults to offscreen.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "bundle"
SPEC = ROOT / "packaging" / "wan_desktop.spec"
TARGET = 1.3
APP_MARKER = "wan-desktop: first paint"  # wan_desktop.qt.app.FIRST_PAINT_MARKER
BARE_MARKER = "bare-window: first paint"
START_TIMEOUT_S = 120

BARE_SCRIPT = f'''"""A bare PySide6 window that prints a marker and quits at its first paint (bench/bundle.py)."""
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget


def painted():
    print("{BARE_MARKER}", flush=True)
    QApplication.quit()


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget):
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, painted)
        return False


app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("Hello"))
window.resize(1100, 720)
app.installEventFilter(FirstPaint(window))
window.show()
sys.exit(app.exec())
'''


@dataclass(frozen=True)
class Bundle:
    name: str
    folder: Path
    build_s: float

    @property
    def program(self) -> Path:
        return self.folder / (self.name + (".exe" if sys.platform == "win32" else ""))


def build(name: str, python: str, reuse: bool, bare_script: Path | None) -> Bundle:
    folder = OUT / "dist" / name
    if reuse and folder.is_dir():
        return Bundle(name, folder, 0.0)
    env = dict(os.environ)
    env.pop("WAN_SPEC_BARE_SCRIPT", None)
    if bare_script is not None:
        env["WAN_SPEC_BARE_SCRIPT"] = str(bare_script)
    print(f"building {name}...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(
        [
            python,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(OUT / "dist"),
            "--workpath",
            str(OUT / "work" / name),
            str(SPEC),
        ],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return Bundle(name, folder, time.perf_counter() - started)


def folder_bytes(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def drop_caches() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def time_to_marker(command: list[str], marker: str, env: dict[str, str]) -> float:
    """Seconds from launch to the marker line; the process is then left to quit (or killed)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    assert process.stdout is not None  # stdout=PIPE
    try:
        for line in process.stdout:
            if line.strip() == marker:
                elapsed = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"{command[0]} exited ({process.wait()}) without printing {marker!r}")
        process.wait(timeout=START_TIMEOUT_S)
        return elapsed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def measure_starts(app: list[str], bare: list[str], runs: int, cold: bool) -> tuple[list[float], list[float]]:
    """Launch times of the two commands, alternating; the app gets demo mode and a fresh home each time."""
    env = dict(
        os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), WAN_DESKTOP_EXIT_AT_FIRST_PAINT="1"
    )
    env.pop("DASHSCOPE_API_KEY", None)
    app_times, bare_times = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="wan-bench-") as scratch:
            home, library = Path(scratch) / "home", Path(scratch) / "library"
            if cold:
                drop_caches()
            command = [*app, "--demo", "--home", str(home), "--library", str(library)]
            app_times.append(time_to_marker(command, APP_MARKER, env))
        if cold:
            drop_caches()
        bare_times.append(time_to_marker(bare, BARE_MARKER, env))
    return app_times, bare_times


def summary(bundle: Bundle, times: list[float]) -> dict:
    return {
        "size_bytes": folder_bytes(bundle.folder),
        "build_s": round(bundle.build_s, 1),
        "start_first_s": round(times[0], 3),
        "start_median_s": round(statistics.median(times), 3),
        "start_all_s": [round(t, 3) for t in times],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="launches of each bundle (default 7)")
    parser.add_argument("--reuse", action="store_true", help="use the bundles already in bench/out/bundle")
    parser.add_argument("--drop-caches", action="store_true", help="empty the page cache before each launch (root)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with PyInstaller and the project")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.drop_caches and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        parser.error("--drop-caches needs root on Linux")
    if not args.reuse:
        shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    script = OUT / "bare_window.py"
    script.write_text(BARE_SCRIPT)
    app = build("wan-desktop", args.python, args.reuse, None)
    bare = build("bare-window", args.python, args.reuse, script)
    app_times, bare_times = measure_starts([str(app.program)], [str(bare.program)], args.runs, args.drop_caches)
    app_summary, bare_summary = summary(app, app_times), summary(bare, bare_times)
    # the same two programs from source, to tell what freezing costs from what the app itself does at start
    source_app, source_bare = measure_starts(
        [args.python, "-m", "wan_desktop"], [args.python, str(script)], args.runs, args.drop_caches
    )
    size_ratio = app_summary["size_bytes"] / bare_summary["size_bytes"]
    start_ratio = app_summary["start_median_s"] / bare_summary["start_median_s"]
    print(
        json.dumps(
            {
                "bench": "bundle",
                "platform": sys.platform,
                "qpa": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                "cold_caches": args.drop_caches,
                "runs": args.runs,
                "size_ratio": round(size_ratio, 2),
                "start_ratio": round(start_ratio, 2),
                "target": TARGET,
                "size_ok": size_ratio <= TARGET,
                "start_ok": start_ratio <= TARGET,
                "app": app_summary,
                "bare": bare_summary,
                "source_start_median_s": {
                    "app": round(statistics.median(source_app), 3),
                    "bare": round(statistics.median(source_bare), 3),
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
