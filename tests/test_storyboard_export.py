"""Export: one MP4 of the takes in order (stream copy when they match, re-encode to the most common size when
not), sound kept or silence in its place, a chapter and the metadata per shot, and no partial file on a
full or read-only disk."""

from __future__ import annotations

import array
import json
from pathlib import Path

import av
import pytest

from wan_desktop.core.storyboard.export import ExportError, export_mp4, probe
from wan_desktop.simulator.render import RenderSpec, placeholder_image, render_mp4


def clip(folder: Path, name: str, *, size=(416, 240), seconds=2, tone=False) -> Path:
    path = folder / f"{name}.mp4"
    render_mp4(RenderSpec(placeholder_image(name, *size), size[0], size[1], seconds, tone=tone), path)
    return path


def facts(path: Path):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        audio = (
            container.streams.audio[0].duration * container.streams.audio[0].time_base
            if container.streams.audio
            else None
        )
        return frames, (video.width, video.height), container.chapters(), dict(container.metadata), audio


def test_matching_takes_are_copied_with_chapters_and_metadata(tmp_path):
    videos = [(clip(tmp_path, f"s{n}", seconds=2 + n % 2), f"Shot {n + 1}") for n in range(3)]
    meta = [
        {"shot": n + 1, "model": "wan2.2-i2v-flash", "prompt": f"p{n}", "seed": n, "task_id": f"t{n}"} for n in range(3)
    ]
    result = export_mp4(videos, tmp_path / "film.mp4", meta)
    assert result.copied and "without re-encoding" in result.message
    frames, size, chapters, metadata, audio = facts(result.path)
    assert frames == sum(probe(p, t).frames for p, t in videos) == 30 * 7
    assert size == (416, 240) and result.seconds == 7
    assert [c["metadata"]["title"] for c in chapters] == ["Shot 1", "Shot 2", "Shot 3"]
    assert [c["start"] for c in chapters] == [0, 2000, 5000]
    assert json.loads(metadata["comment"])[1]["task_id"] == "t1"
    assert audio is None  # no take has sound
    with av.open(str(result.path)) as container:  # the packets were copied: the same bytes as the first take
        with av.open(str(videos[0][0])) as first:
            assert bytes(next(container.demux(video=0))) == bytes(next(first.demux(video=0)))


def test_mixed_takes_are_reencoded_to_the_most_common_size_with_silence_filling(tmp_path):
    videos = [
        (clip(tmp_path, "a", tone=True), "A"),
        (clip(tmp_path, "b", size=(640, 368)), "B"),
        (clip(tmp_path, "c", tone=True), "C"),
    ]
    result = export_mp4(videos, tmp_path / "film.mp4")
    assert not result.copied and "re-encoded at 416x240" in result.message
    frames, size, chapters, _, audio = facts(result.path)
    assert frames == 180 and size == (416, 240) and len(chapters) == 3
    assert audio == pytest.approx(6, abs=0.05)  # sound, silence, sound: as long as the pictures


def test_a_full_disk_leaves_no_partial_file(tmp_path):
    from tests.disks import mount_tmpfs, remount, unmount

    videos = [(clip(tmp_path, f"s{n}", size=(832, 480), seconds=5), f"S{n}") for n in range(4)]
    disk = tmp_path / "disk"
    total = sum(path.stat().st_size for path, _ in videos)
    mount_tmpfs(disk, f"{max(total // 2 // 1024, 8)}k")  # room for half the film
    try:
        with pytest.raises(ExportError, match="full; the film was not exported and no partial file"):
            export_mp4(videos, disk / "film.mp4")
        assert list(disk.iterdir()) == []
        remount(disk, "ro")
        with pytest.raises(ExportError, match="cannot be written to"):
            export_mp4(videos, disk / "film.mp4")
        assert list(disk.iterdir()) == []
    finally:
        unmount(disk)


def test_the_otio_file_opens_with_the_library_and_lists_the_clips_in_order(tmp_path):
    otio = pytest.importorskip("opentimelineio")
    from wan_desktop.core.storyboard.timeline import write_otio

    videos = [(clip(tmp_path, f"s{n}", seconds=2 + n), f"Shot {n + 1}") for n in range(3)]
    clips = [probe(path, title) for path, title in videos]
    rows = [{"shot": n + 1, "prompt": f"p{n}"} for n in range(3)]
    (tmp_path / "out").mkdir()
    dest = write_otio("Fox film", clips, rows, tmp_path / "out" / "cut.otio")
    timeline = otio.adapters.read_from_file(str(dest))
    items = list(timeline.tracks[0])
    assert [item.name for item in items] == ["Shot 1", "Shot 2", "Shot 3"]
    assert [item.duration().to_frames() for item in items] == [60, 90, 120]
    assert timeline.duration().to_seconds() == 9
    for number, item in enumerate(items):
        target = Path(item.media_reference.target_url.removeprefix("file://"))
        assert target.parent == tmp_path / "out" / "cut_clips" and target.read_bytes() == videos[number][0].read_bytes()
        assert item.metadata["wan_desktop"]["prompt"] == f"p{number}"


def test_copied_takes_keep_their_sound_and_a_silent_one_gets_silence(tmp_path):
    videos = [
        (clip(tmp_path, "a", tone=True), "A"),
        (clip(tmp_path, "b"), "B"),
        (clip(tmp_path, "c", tone=True, seconds=3), "C"),
    ]
    result = export_mp4(videos, tmp_path / "film.mp4")
    frames, _, _, _, audio = facts(result.path)
    assert result.copied and frames == 210 and audio == pytest.approx(7, abs=0.05)
    loudness: dict[float, float] = {}  # the loudest sample of each encoded frame, by its start time
    with av.open(str(result.path)) as container:
        for frame in container.decode(audio=0):
            loudness[frame.time or 0.0] = max(abs(v) for v in array.array("f", bytes(frame.planes[0])))
    assert all(level > 0.01 for time, level in loudness.items() if 0.1 < time < 1.9 or 4.1 < time < 6.9)
    assert all(level < 1e-4 for time, level in loudness.items() if 2.1 < time < 3.9)  # the silent take
