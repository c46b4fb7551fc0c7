"""A short clip of one seam: the last seconds of a shot and the first seconds of the next, to judge the join
(PyAV; re-encoded small, at the first clip's size)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from PIL import ImageOps

from wan_desktop.core.i18n import _
from wan_desktop.core.library import atomic_write_bytes

SEAM_SECONDS = 2.0


def seam_clip(before: Path, after: Path, dest: Path, *, seconds: float = SEAM_SECONDS) -> Path:
    temp = Path(dest).with_name(f".{Path(dest).name}.part")
    frames = list(_tail(before, seconds)) + list(_head(after, seconds))
    if not frames:
        raise ValueError(_("Neither clip has pictures to show."))
    size = frames[0].size
    with av.open(str(temp), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = size[0] // 2 * 2, size[1] // 2 * 2, "yuv420p"
        for index, picture in enumerate(frames):
            frame = av.VideoFrame.from_image(ImageOps.pad(picture, (stream.width, stream.height)))
            frame = frame.reformat(format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, 30)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    atomic_write_bytes(Path(dest), temp.read_bytes())
    temp.unlink(missing_ok=True)
    return Path(dest)


def _head(path: Path, seconds: float):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                break
            yield frame.to_image()


def _tail(path: Path, seconds: float):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration and stream.time_base:
            total = float(stream.duration * stream.time_base)
        else:
            total = float(container.duration or 0) / 1e6
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= total - seconds:
                yield frame.to_image()
