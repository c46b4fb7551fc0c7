"""Storyboard export against a plain PyAV stream copy of the same files.

    python bench/export.py [--shots 10] [--seconds 5] [--runs 3]

Makes ``--shots`` matching clips (the simulator's renderer: H.264 832x480 at 30 fps, silent), then times, each
best of ``--runs``: the storyboard export (core/storyboard/export.py: probing, chapters, metadata, the temporary
file, fsync and rename) and a bare PyAV concatenation by stream copy of the same clips into one MP4 (demux and
mux with shifted timestamps, nothing else). Prints one JSON line with both times and their ratio; the export
should stay within a small factor (target <= 2) of the bare copy, since it copies the same packets.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wan_desktop.core.storyboard.export import export_mp4
from wan_desktop.simulator.render import RenderSpec, placeholder_image, render_mp4

TARGET = 2.0


def make_clips(folder: Path, shots: int, seconds: int) -> list[Path]:
    paths = []
    for number in range(shots):
        path = folder / f"shot{number:02d}.mp4"
        render_mp4(RenderSpec(placeholder_image(f"shot {number}", 832, 480), 832, 480, seconds), path)
        paths.append(path)
    return paths


def plain_copy(paths: list[Path], dest: Path) -> None:
    with av.open(str(dest), "w", format="mp4") as out:
        stream, offset = None, 0
        for path in paths:
            with av.open(str(path)) as source:
                video = source.streams.video[0]
                stream = stream or out.add_stream_from_template(video)
                end = offset
                for packet in source.demux(video):
                    if packet.dts is None:
                        continue
                    packet.pts, packet.dts = packet.pts + offset, packet.dts + offset
                    end = max(end, packet.pts + (packet.duration or 0))
                    packet.stream = stream
                    out.mux(packet)
                offset = end


def best(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wan-bench-export-") as temp:
        folder = Path(temp)
        paths = make_clips(folder, args.shots, args.seconds)
        videos = [(path, f"Shot {n + 1}") for n, path in enumerate(paths)]
        export_s = best(args.runs, lambda: export_mp4(videos, folder / "film.mp4"))
        plain_s = best(args.runs, lambda: plain_copy(paths, folder / "plain.mp4"))
        copied = export_mp4(videos, folder / "film.mp4").copied
    ratio = export_s / plain_s if plain_s else float("inf")
    result = {
        "shots": args.shots,
        "seconds_each": args.seconds,
        "stream_copy": copied,
        "export_s": round(export_s, 4),
        "plain_pyav_copy_s": round(plain_s, 4),
        "ratio": round(ratio, 2),
        "target": TARGET,
        "ok": ratio <= TARGET,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
