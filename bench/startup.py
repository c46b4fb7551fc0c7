"""Cold start of the app to its first paint, against a bare PySide6 window in the same run: one JSON line.

    python bench/startup.py [--runs 7] [--drop-caches] [--languages en,zh_CN] [--before DIR]

Every program runs from source with the same interpreter, in turn within each round, so a machine that
slows down mid-run slows all of them alike: the bare window (a tiny script that prints a marker at its first
paint), then the app as `python -m wan_desktop --demo` with a fresh home (it prints a marker at its first paint
when WAN_DESKTOP_EXIT_AT_FIRST_PAINT=1) once per language in --languages (WAN_DESKTOP_LANGUAGE), then, with
--before, the app from another checkout of the project (a `git worktree` of an older commit), in English,
started as it is and with its collector paused to its first paint as this checkout's start pauses it.
Each app's ratio is its median over the bare window's; against --before, the report gives the change of
the medians and the median of each round's own ratio (paired: steadier on a machine with slow spells).
--drop-caches (root) empties the page cache before each launch. The launcher and marker timing are
bench/bundle.py's, which measures the frozen bundles the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundle import APP_MARKER, BARE_MARKER, BARE_SCRIPT, drop_caches, time_to_marker


def launch_env(language: str, source: Path | None) -> dict[str, str]:
    env = dict(
        os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), WAN_DESKTOP_EXIT_AT_FIRST_PAINT="1"
    )
    env.pop("DASHSCOPE_API_KEY", None)
    if language:
        env["WAN_DESKTOP_LANGUAGE"] = language
    if source is not None:
        env["PYTHONPATH"] = str(source)  # ahead of the editable install of this checkout
    return env


def compile_sources(*checkouts: Path) -> None:
    """Byte-compile every checkout measured, as pip does for an installed package and PyInstaller for a bundle:
    where PYTHONDONTWRITEBYTECODE is set, each start would otherwise compile the whole app from source, and a
    bigger source would look like a slower start."""
    for checkout in checkouts:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "wan_desktop")], check=True)


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def launch(measure, *args) -> tuple[float, float]:
    """(seconds to the first paint, CPU seconds the process used in all): the CPU time moves far less than the
    wall clock when other work shares the machine, so a small change shows in it first."""
    before = cpu_of_children()
    seconds = measure(*args)  # returns once the process has been waited for
    return seconds, cpu_of_children() - before


# An older checkout started with the collector off until its first paint, as wan_desktop/start_pause.py starts
# this one: against it, the change is what else the newer start does (its words, its formats).
PAUSED_START = "import gc, runpy; gc.disable(); runpy.run_module('wan_desktop', run_name='__main__', alter_sys=True)"


def time_app(env: dict[str, str], cwd: Path, cold: bool, paused: bool = False) -> float:
    with tempfile.TemporaryDirectory(prefix="wan-bench-") as scratch:
        if cold:
            drop_caches()
        command = [sys.executable, *(["-c", PAUSED_START] if paused else ["-m", "wan_desktop"]), "--demo"]
        command += ["--home", str(Path(scratch) / "home"), "--library", str(Path(scratch) / "library")]
        previous = Path.cwd()
        os.chdir(cwd)  # `-m` looks in the working folder first
        try:
            return time_to_marker(command, APP_MARKER, env)
        finally:
            os.chdir(previous)


def paired_change(ours: list[float], theirs: list[float]) -> str:
    """Each round runs every program once, in turn: the median of the rounds' own ratios leaves out the
    machine's slow and fast spells, which a ratio of medians taken over different rounds keeps."""
    return f"{100 * (statistics.median(a / b for a, b in zip(ours, theirs, strict=True)) - 1):+.1f} %"


def changes_from_before(
    times: dict[str, list[float]], medians: dict[str, float], cpu_medians: dict[str, float]
) -> dict[str, dict[str, str]]:
    apps = [name for name in times if name.startswith("app_")]
    return {
        "change_from_before": {name: f"{100 * (medians[name] / medians['before_en'] - 1):+.1f} %" for name in apps},
        "paired_change_from_before": {name: paired_change(times[name], times["before_en"]) for name in apps},
        "paired_change_from_before_paused": {
            name: paired_change(times[name], times["before_en_paused"]) for name in apps
        },
        "cpu_change_from_before": {
            name: f"{100 * (cpu_medians[name] / cpu_medians['before_en'] - 1):+.1f} %" for name in apps
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--drop-caches", action="store_true")
    parser.add_argument("--languages", default="", help="comma-separated, e.g. en,zh_CN (default: the system's)")
    parser.add_argument("--before", type=Path, help="a checkout of an older commit, measured too (in English)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.before is not None and not (args.before / "wan_desktop" / "__main__.py").is_file():
        parser.error(f"{args.before} is not a checkout of the project")
    here = Path(__file__).resolve().parent.parent
    languages = args.languages.split(",")
    # name: (environment, working folder, started with the collector paused)
    programs = {f"app_{language or 'system'}": (launch_env(language, None), here, False) for language in languages}
    if args.before is not None:
        before_env, before_dir = launch_env("en", args.before.resolve()), args.before.resolve()
        programs["before_en"] = (before_env, before_dir, False)
        programs["before_en_paused"] = (before_env, before_dir, True)
    times: dict[str, list[float]] = {"bare": [], **{name: [] for name in programs}}
    cpu: dict[str, list[float]] = {name: [] for name in times}
    compile_sources(here, *([args.before.resolve()] if args.before is not None else []))
    with tempfile.TemporaryDirectory(prefix="wan-startup-") as scratch:
        script = Path(scratch) / "bare_window.py"
        script.write_text(BARE_SCRIPT)
        for _ in range(args.runs):
            if args.drop_caches:
                drop_caches()
            bare = launch(time_to_marker, [sys.executable, str(script)], BARE_MARKER, launch_env("", None))
            times["bare"].append(bare[0])
            cpu["bare"].append(bare[1])
            for name, (env, cwd, paused) in programs.items():
                seconds, used = launch(time_app, env, cwd, args.drop_caches, paused)
                times[name].append(seconds)
                cpu[name].append(used)
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    report: dict[str, object] = {"bench": "startup", "runs": args.runs, "cold_caches": args.drop_caches}
    report["qpa"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    report["median_s"] = {name: round(value, 3) for name, value in medians.items()}
    report["cpu_median_s"] = {name: round(value, 3) for name, value in cpu_medians.items()}
    report["min_s"] = {name: round(min(values), 3) for name, values in times.items()}
    report["ratio_to_bare"] = {name: round(medians[name] / medians["bare"], 3) for name in programs}
    if args.before is not None:
        report.update(changes_from_before(times, medians, cpu_medians))
    report["all_s"] = {name: [round(t, 3) for t in values] for name, values in times.items()}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
